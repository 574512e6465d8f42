"""Values for aws-node-termination-handler in queue-processor mode: it reads interruption,
rebalance, scheduled-change and lifecycle events from an SQS queue and drains the node first."""

from dataclasses import dataclass
from typing import Any

from charts.hardening import resources, restricted_container
from contracts import CORE_NODE_LABELS, termination_handler_tag


@dataclass(frozen=True)
class NodeTerminationHandlerOptions:
    fullname: str
    cluster_name: str
    region: str
    queue_url: str
    service_account: str


def node_termination_handler_values(options: NodeTerminationHandlerOptions) -> dict[str, Any]:
    return {
        "fullnameOverride": options.fullname,
        "enableSqsTerminationDraining": True,
        "queueURL": options.queue_url,
        "awsRegion": options.region,
        "checkTagBeforeDraining": True,
        "managedTag": termination_handler_tag(options.cluster_name),
        # Two replicas share the queue, so a drain never waits for the handler's own node to come back.
        "replicas": 2,
        "podDisruptionBudget": {"maxUnavailable": 1},
        "serviceAccount": {"create": True, "name": options.service_account},
        # One Go process polling a queue and draining a node now and then.
        "resources": resources("25m", "64Mi", cpu_limit="250m", memory_limit="128Mi"),
        # The chart's own user (1000) and read-only root, plus no capabilities and RuntimeDefault.
        "securityContext": restricted_container(
            runAsNonRoot=True, runAsUser=1000, runAsGroup=1000, readOnlyRootFilesystem=True
        ),
        "nodeSelector": dict(CORE_NODE_LABELS),
        "enableProbesServer": True,
        # Students' servers get the chart's grace period to stop cleanly (their own, -1 = as they ask).
        "podTerminationGracePeriod": -1,
        "emitKubernetesEvents": True,
        # Take a draining node out of load balancers at once, not when its health check fails.
        "excludeFromLoadBalancers": True,
    }
