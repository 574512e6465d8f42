"""The alert rules of a teaching hub, as Prometheus rule groups (a PrometheusRule's `spec.groups`).

Invariant guarded here: every rule reads metrics the platform really scrapes (the hub's own
`/hub/metrics` under the job `hub_metrics_job`, kube-state-metrics with the node labels allowed,
the kubelet's volume stats, cluster-autoscaler's metrics), and only functions that Prometheus 2
and 3 evaluate alike, so `promtool test rules` in the suite says what production will do.
"""

from typing import Any

from contracts import NODE_PURPOSE_LABEL


def hub_metrics_job(prefix: str) -> str:
    """The scrape job of the hub's /hub/metrics (tools/... and the monitoring values agree on it)."""
    return f"{prefix}-jupyterhub"


def _label(kubernetes_label: str) -> str:
    """kube-state-metrics' name for a node label: `label_` and the key with every other character as `_`."""
    return "label_" + "".join(c if c.isalnum() else "_" for c in kubernetes_label)


def alert_rules(prefix: str, hub_namespace: str) -> list[dict[str, Any]]:
    job = hub_metrics_job(prefix)
    spawns = f'jupyterhub_server_spawn_duration_seconds_count{{job="{job}"'
    user_node = f'kube_node_labels{{{_label(NODE_PURPOSE_LABEL)}="user"}}'

    def rule(name: str, expr: str, minutes: int, severity: str, summary: str) -> dict[str, Any]:
        return {
            "alert": name,
            "expr": expr,
            **({"for": f"{minutes}m"} if minutes else {}),
            "labels": {"severity": severity, "stack": prefix},
            "annotations": {"summary": summary},
        }

    return [
        {
            "name": f"{prefix}-teaching-hub",
            "rules": [
                rule(
                    "JupyterHubDown",
                    f'up{{job="{job}"}} == 0 or absent(up{{job="{job}"}})',
                    2,
                    "critical",
                    "The hub has not answered its metrics for 2 minutes: nobody can log in or start a server.",
                ),
                rule(
                    "ServerStartsFailing",
                    f'increase({spawns},status="failure"}}[30m]) >= 2',
                    0,
                    "warning",
                    "Two or more servers failed to start in 30 minutes (image pull, capacity, storage?).",
                ),
                rule(
                    "ServerStartsThrottled",
                    f'increase({spawns},status=~"throttled|too-many-users"}}[5m]) > 0',
                    0,
                    "warning",
                    "The hub turned starts away (HTTP 429): more students start at once than its spawn limit.",
                ),
                rule(
                    "ProxyRestarted",
                    "increase(kube_pod_container_status_restarts_total"
                    f'{{namespace="{hub_namespace}",container="chp"}}[10m]) > 0',
                    0,
                    "warning",
                    "The proxy restarted: every student's connection dropped until the hub re-added the routes.",
                ),
                rule(
                    "StudentServersPending",
                    f'max by (pod) (kube_pod_status_phase{{namespace="{hub_namespace}",phase="Pending",'
                    f'pod=~"{prefix}-jupyter-.*"}}) == 1',
                    10,
                    "critical",
                    "A student's server has waited over 10 minutes for a node (spot capacity, autoscaler?).",
                ),
                rule(
                    "NodeUnderPressure",
                    'kube_node_status_condition{condition=~"MemoryPressure|DiskPressure",status="true"} == 1',
                    5,
                    "warning",
                    "A node is short of memory or disk: the kubelet is evicting pods from it.",
                ),
                rule(
                    "VolumeNearlyFull",
                    f'kubelet_volume_stats_available_bytes{{namespace="{hub_namespace}"}}'
                    f' / kubelet_volume_stats_capacity_bytes{{namespace="{hub_namespace}"}} < 0.1',
                    15,
                    "warning",
                    "A volume of the hub (its database, or a student's EBS home) has less than 10% left.",
                ),
                rule(
                    "SpotInterruptionBurst",
                    f"count(kube_node_spec_unschedulable == 1 and on (node) {user_node}) >= 2",
                    0,
                    "warning",
                    "Two or more user nodes are being drained at once: spot capacity is being reclaimed.",
                ),
                rule(
                    "AutoscalerFailingToAddNodes",
                    "increase(cluster_autoscaler_failed_scale_ups_total[15m]) > 0",
                    0,
                    "critical",
                    "cluster-autoscaler failed to add nodes: students will wait (spot shortage, group limits?).",
                ),
            ],
        }
    ]
