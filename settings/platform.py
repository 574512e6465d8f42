"""Settings of what runs on the cluster before the hub: prerequisites and the way in (ingress)."""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from settings.types import SettingsModel, matching


def _check_hostname(name: str) -> str:
    label = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
    if len(name) > 253 or not re.fullmatch(rf"({label}\.)+[a-z]{{2,63}}", name):
        raise ValueError("is not a DNS name like hub.example.edu (lowercase, no trailing dot)")
    return name


Hostname = Annotated[str, AfterValidator(_check_hostname)]
CertificateArn = Annotated[
    str,
    matching(
        r"arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}",
        "an ACM certificate ARN like arn:aws:acm:eu-west-1:123456789012:certificate/<uuid>",
    ),
]
HostedZoneId = Annotated[str, matching(r"Z[0-9A-Z]{1,31}", "a Route 53 hosted zone ID like Z0123456789ABCDEFGHIJ")]


class EbsCsiDriverSettings(SettingsModel):
    enabled: bool = Field(
        default=True,
        description=(
            "`eks`: install the EBS CSI driver add-on and a default gp3 StorageClass. Switch off when home "
            "directories live on a shared filesystem and nothing needs EBS volumes."
        ),
    )
    reclaim_policy: Literal["Delete", "Retain"] | None = Field(
        default=None,
        description=(
            "What happens to a volume when its claim is deleted. Left out: `Retain` in production (a deleted "
            "user or a botched upgrade must not take a student's work with it), `Delete` elsewhere."
        ),
    )


class NodeTerminationHandlerSettings(SettingsModel):
    enabled: bool = Field(
        default=True,
        description=(
            "`eks`: install aws-node-termination-handler in queue mode, which drains a spot node before AWS "
            "takes it back or an instance refresh replaces it, so students get their server stopped cleanly."
        ),
    )


class ClusterAutoscalerSettings(SettingsModel):
    enabled: bool = Field(
        default=True,
        description=(
            "`eks`: install cluster-autoscaler, which adds user nodes as students arrive and removes idle ones."
        ),
    )
    expander: Literal["least-waste", "random", "most-pods", "price"] = Field(
        default="least-waste",
        description="How it picks a group to grow: `least-waste` fills nodes best when every group has the same size.",
    )
    scale_down_unneeded_minutes: int = Field(
        default=10,
        ge=1,
        le=240,
        description=(
            "Minutes a user node must sit unneeded before it is removed. Raise it for classes that come in "
            "waves, so nodes are not removed between two groups."
        ),
    )


class TraefikSettings(SettingsModel):
    enabled: bool = Field(
        default=True, description="Install Traefik as the default ingress controller (every mode but `stack`)."
    )
    service_type: Literal["LoadBalancer", "NodePort"] = Field(
        default="LoadBalancer",
        description=(
            "`kubeconfig`: how Traefik is reached (`NodePort` for kind without a load balancer). In `eks` mode "
            "it is always a Network Load Balancer."
        ),
    )
    replicas: int | None = Field(
        default=None,
        ge=1,
        le=10,
        description=(
            "Traefik pods. Left out: the tier's replica count (2 in production and staging, spread over zones)."
        ),
    )


class PrerequisitesSettings(SettingsModel):
    ebs_csi_driver: EbsCsiDriverSettings = Field(
        default_factory=EbsCsiDriverSettings,
        description="EBS volumes for the hub database and, optionally, home directories.",
    )
    node_termination_handler: NodeTerminationHandlerSettings = Field(
        default_factory=NodeTerminationHandlerSettings, description="Graceful drains of spot nodes before they go."
    )
    cluster_autoscaler: ClusterAutoscalerSettings = Field(
        default_factory=ClusterAutoscalerSettings, description="Sizing the user node groups to the students online."
    )
    traefik: TraefikSettings = Field(
        default_factory=TraefikSettings, description="The ingress controller in front of the hub's proxy."
    )


class IngressSettings(SettingsModel):
    hostname: Hostname | None = Field(
        default=None,
        description="The hub's hostname, like `hub.example.edu` or `dev.hub.example.edu`.",
    )
    certificate_arn: CertificateArn | None = Field(
        default=None,
        description=(
            "`eks`: ACM certificate for TLS at the load balancer; it must cover `hostname` (and `*.reviewDomain` "
            "on the test stack). Required in production and staging; without it the hub is plain HTTP."
        ),
    )
    hosted_zone_id: HostedZoneId | None = Field(
        default=None,
        description=(
            "`eks`: Route 53 hosted zone to create the hub's DNS record in. Left out, create a CNAME from "
            "`hostname` to the `loadBalancerHostname` output by hand."
        ),
    )
    review_domain: Hostname | None = Field(
        default=None,
        description=(
            "`eks`, test stack: domain under which review stacks get their hostnames (`pr-123.<reviewDomain>`); "
            "a wildcard record for it points at this stack's load balancer."
        ),
    )
