"""Values for the cluster-autoscaler chart: auto-discovery of this cluster's user node groups,
settings that never evict a running notebook server, and the image of the cluster's version."""

from dataclasses import dataclass
from typing import Any

from charts.hardening import resources, restricted_container
from contracts import CORE_NODE_LABELS, EXPENDABLE_PODS_PRIORITY_CUTOFF, autoscaler_discovery_tags

# Where cluster-autoscaler serves /metrics (its `--address`, `:8085` by default); the chart's
# Service targets this port, under the name `service.portName` (`http`).
METRICS_PORT = 8085


@dataclass(frozen=True)
class ServiceMonitorPlacement:
    """Where a ServiceMonitor goes for the stack's Prometheus to pick it up."""

    namespace: str
    labels: dict[str, str]


@dataclass(frozen=True)
class ClusterAutoscalerOptions:
    fullname: str
    cluster_name: str
    region: str
    kubernetes_version: str
    """The cluster's minor version, like 1.35: the autoscaler's release must match it."""
    service_account: str
    expander: str
    scale_down_unneeded_minutes: int
    service_monitor: ServiceMonitorPlacement | None = None
    """The stack's monitoring, which scrapes its metrics; None: none (no ServiceMonitor kind either)."""


def autoscaler_image_tag(kubernetes_version: str) -> str:
    """cluster-autoscaler releases one minor version per Kubernetes minor version."""
    return f"v{kubernetes_version}.0"


def cluster_autoscaler_values(options: ClusterAutoscalerOptions) -> dict[str, Any]:
    values = _values(options)
    monitor = options.service_monitor
    if monitor is not None:
        # The chart's own ServiceMonitor (`/metrics` of its Service's port): in the monitoring
        # namespace, labelled as the stack's Prometheus selects; it scrapes the release namespace.
        values["serviceMonitor"] = {"enabled": True, "namespace": monitor.namespace, "selector": dict(monitor.labels)}
    return values


def _values(options: ClusterAutoscalerOptions) -> dict[str, Any]:
    return {
        "fullnameOverride": options.fullname,
        "cloudProvider": "aws",
        # Pod Identity passes no region, and pods cannot ask the instance metadata service.
        "awsRegion": options.region,
        "autoDiscovery": {"clusterName": options.cluster_name, "tags": autoscaler_discovery_tags(options.cluster_name)},
        "image": {"tag": autoscaler_image_tag(options.kubernetes_version)},
        "rbac": {"serviceAccount": {"create": True, "name": options.service_account}},
        # It holds every node and pod of the cluster and simulates scheduling on each scan (every
        # 10 s): the chart's suggested 300 MiB fits a cluster of tens of nodes and a few hundred
        # pods; the limits leave room for the scans of a class starting.
        "resources": resources("100m", "300Mi", cpu_limit="1", memory_limit="600Mi"),
        # The chart sets no securityContext at all: the image's distroless nonroot user (65532).
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532},
        "containerSecurityContext": restricted_container(readOnlyRootFilesystem=True),
        "nodeSelector": dict(CORE_NODE_LABELS),
        "extraArgs": {
            # One group per zone, all alike: keep the zones even, so zonal volumes find nodes.
            "balance-similar-node-groups": True,
            "expander": options.expander,
            "expendable-pods-priority-cutoff": EXPENDABLE_PODS_PRIORITY_CUTOFF,
            "scale-down-unneeded-time": f"{options.scale_down_unneeded_minutes}m",
            # A node that just came up is for the students on their way: do not take it away at once.
            "scale-down-delay-after-add": "10m",
            # Notebook servers are bare pods with local scratch space: a node running one is never
            # emptied for consolidation (z2jh also marks them safe-to-evict: false).
            "skip-nodes-with-local-storage": True,
            "skip-nodes-with-system-pods": False,
            "max-node-provision-time": "10m",
        },
    }
