"""Traefik, the cluster's default ingress controller, and the DNS records that point at it.

Invariant guarded here: on AWS students reach it through a Network Load Balancer that ends TLS
with the stack's ACM certificate and redirects plain HTTP to HTTPS; the load balancer's hostname
is an output, and with a hosted zone the hub's record (and the test stack's wildcard for review
stacks) point at it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from charts import TRAEFIK
from charts.traefik import TraefikOptions, traefik_values
from components.helm import helm_release
from components.network_policies import DNS, HTTPS, EgressRule, IngressRule, labelled, network_policy, pods, tcp
from contracts import GRAFANA_POD_LABELS, PROXY_POD_LABELS, TRAEFIK_POD_LABELS
from settings.platform import IngressSettings


def traefik_ingress() -> list[IngressRule]:
    """Students, from anywhere, on the two entry points (through the load balancer's nodes)."""
    return [{"ports": tcp("web", "websecure")}]


def traefik_egress() -> list[EgressRule]:
    """The API server (it reads Ingresses and endpoints), and the backends it routes to: the hubs'
    proxies and Grafana, in whatever namespace (review stacks' hubs are behind the test stack's)."""
    return [
        DNS,
        HTTPS,
        {"to": [pods(PROXY_POD_LABELS, any_namespace=True)], "ports": tcp("http")},
        {"to": [pods(GRAFANA_POD_LABELS, any_namespace=True)], "ports": tcp("grafana")},
    ]


@dataclass(frozen=True)
class TraefikArgs:
    fullname: str
    replicas: int
    on_aws: bool
    service_type: str
    ingress: IngressSettings
    namespace: pulumi.Input[str]
    depends_on: Sequence[pulumi.Resource]


class Traefik(pulumi.ComponentResource):
    ingress_class: pulumi.Output[str]
    """The IngressClass, known once the release that makes it exists."""
    load_balancer_hostname: pulumi.Output[str]
    serves_tls: bool
    """Whether its load balancer ends TLS (on AWS, with the stack's certificate)."""

    def __init__(self, name: str, args: TraefikArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:k8s:Traefik", name, None, opts)

        def values_for(namespace: str) -> dict[str, Any]:
            return traefik_values(
                TraefikOptions(
                    fullname=args.fullname,
                    namespace=namespace,
                    replicas=args.replicas,
                    on_aws=args.on_aws,
                    service_type=args.service_type,
                    certificate_arn=args.ingress.certificate_arn,
                )
            )

        release = helm_release(
            f"{name}-release",
            TRAEFIK,
            release_name=args.fullname,
            namespace=args.namespace,
            values=pulumi.Output.from_input(args.namespace).apply(values_for),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        network_policy(
            f"{name}-network-policy",
            policy_name=args.fullname,
            namespace=args.namespace,
            # The chart labels its pods with the instance label set to the fullname.
            selects=labelled({**TRAEFIK_POD_LABELS, "app.kubernetes.io/instance": args.fullname}),
            ingress=traefik_ingress(),
            egress=traefik_egress(),
            parent=self,
        )
        # Read after the release exists (the ID is unknown until then, so previews skip the read).
        service = k8s.core.v1.Service.get(
            f"{name}-service",
            pulumi.Output.concat(release.status.namespace, "/", args.fullname),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.ingress_class = release.status.apply(lambda _: args.fullname)
        self.serves_tls = args.on_aws and args.ingress.certificate_arn is not None
        self.load_balancer_hostname = service.status.apply(_hostname)
        ingress = args.ingress
        if args.on_aws and ingress.hosted_zone_id is not None and ingress.hostname is not None:
            self._record(f"{name}-hub-record", ingress.hosted_zone_id, ingress.hostname)
            if ingress.review_domain is not None:
                self._record(f"{name}-review-record", ingress.hosted_zone_id, f"*.{ingress.review_domain}")
        self.register_outputs(
            {
                "ingress_class": self.ingress_class,
                "load_balancer_hostname": self.load_balancer_hostname,
                "serves_tls": self.serves_tls,
            }
        )

    def _record(self, name: str, zone_id: str, hostname: str) -> aws.route53.Record:
        # An alias, not a CNAME: it works at a zone's apex too (hub.example.edu), and costs nothing.
        load_balancer_zone = aws.lb.get_hosted_zone_id_output(
            load_balancer_type="network", opts=pulumi.InvokeOutputOptions(parent=self)
        ).id
        return aws.route53.Record(
            name,
            zone_id=zone_id,
            name=hostname,
            type="A",
            aliases=[
                {"name": self.load_balancer_hostname, "zone_id": load_balancer_zone, "evaluate_target_health": True}
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )


def _hostname(status: k8s.core.v1.outputs.ServiceStatus | None) -> str:
    ingress = (status.load_balancer.ingress if status and status.load_balancer else None) or []
    return next((i.hostname or i.ip or "" for i in ingress), "")
