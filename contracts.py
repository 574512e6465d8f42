"""Names two parts of the platform must agree on, each written once.

Invariant guarded here: what one side writes and the other reads is the same string, because
both import it from here: node labels and taints (the nodes register them, z2jh, Traefik and
the controllers schedule by them), the tags the autoscaler discovers groups by and the
termination handler drains by, the placeholders' priority, and the banner that tells a
non-production hub from production, the NFS export the state layer hands the hub, and where the
repository keeps the files the hub is built from.
"""

from dataclasses import dataclass
from pathlib import Path

import pulumi

# The repository's own files the hub is built from: the settings check them (a logo that exists,
# an extraConfig key that is not the platform's), the chart values carry them.
REPOSITORY = Path(__file__).resolve().parent
HUB_CONFIG_DIR = REPOSITORY / "hub_config"
BRANDING_DIR = REPOSITORY / "branding"

# The labels and taint z2jh schedules by (its scheduling.corePods / userPods values).
NODE_PURPOSE_LABEL = "hub.jupyter.org/node-purpose"
DEDICATED_TAINT = "hub.jupyter.org/dedicated"
CORE_NODE_LABELS = {NODE_PURPOSE_LABEL: "core"}
USER_NODE_LABELS = {NODE_PURPOSE_LABEL: "user"}
USER_NODE_TAINTS = {DEDICATED_TAINT: "user:NoSchedule"}
ZONE_KEY = "topology.kubernetes.io/zone"

# z2jh's user placeholders run at this priority (scheduling.podPriority.userPlaceholderPriority).
# cluster-autoscaler ignores pods *below* its expendable-pods cutoff, so with the cutoff equal to
# it, placeholders still make it add nodes: that is the head room they exist for.
USER_PLACEHOLDER_PRIORITY = -10
EXPENDABLE_PODS_PRIORITY_CUTOFF = USER_PLACEHOLDER_PRIORITY


def autoscaler_user_group_tag(cluster_name: str) -> str:
    """The tag that marks this cluster's spot user groups for the autoscaler.

    EKS tags managed node groups with the autoscaler's own discovery tags, so discovering by
    those alone would let it resize (and drain) the core nodes running the hub.
    """
    return f"jupyterhub-platform/{cluster_name}/user-nodes"


def autoscaler_discovery_tags(cluster_name: str) -> list[str]:
    """All must be on a group for the autoscaler to manage it."""
    return [
        "k8s.io/cluster-autoscaler/enabled",
        f"k8s.io/cluster-autoscaler/{cluster_name}",
        autoscaler_user_group_tag(cluster_name),
    ]


def termination_handler_tag(cluster_name: str) -> str:
    """The tag an instance must carry to be drained: per cluster, so that two stacks in one account
    never drain each other's nodes from the account-wide event stream."""
    return f"aws-node-termination-handler/{cluster_name}"


# Every page of a non-production hub says which environment it is; production says nothing.
# The load test refuses a hub whose login page lacks the word, unless told it may.
ENVIRONMENT_BANNER_WORD = "environment"


def environment_banner(tier: str, prefix: str) -> str:
    return f"{tier.title()} {ENVIRONMENT_BANNER_WORD}: {prefix}"


# The labels the charts give their pods, by which network policies admit them: Traefik's to the
# hub's proxy and Grafana (in whatever namespace: a review stack's hub is behind the test stack's
# Traefik), and Traefik may reach those two; Prometheus's to the hub's metrics.
TRAEFIK_POD_LABELS = {"app.kubernetes.io/name": "traefik"}
PROXY_POD_LABELS = {"app": "jupyterhub", "component": "proxy"}
GRAFANA_POD_LABELS = {"app.kubernetes.io/name": "grafana"}
PROMETHEUS_POD_LABELS = {"app.kubernetes.io/name": "prometheus"}


# The outputs an `eks` stack exports for the stacks that share its cluster (review stacks on the
# test stack read them through a StackReference); layers/outputs.py exports them.
SHARED_STACK_OUTPUTS = (
    "kubeconfig",
    "clusterName",
    "clusterArn",
    "availabilityZones",
    "kubernetesVersion",
    "ingressClass",
    "reviewDomain",
)


@dataclass(frozen=True)
class NfsExport:
    """An NFS export every node can mount, whatever its zone: where homes and shared folders live.

    The state layer makes it (an EFS file system, or a server the stack names); the hub mounts it
    through one PersistentVolume, whose mount options an inline `nfs` volume could not carry.
    """

    server: pulumi.Input[str]
    path: str
    mount_options: tuple[str, ...]
    ready: tuple[pulumi.Resource, ...] = ()
    """What must exist before a node can mount it (EFS: the mount targets)."""
