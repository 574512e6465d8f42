"""Values for aws-node-termination-handler in queue-processor mode: it reads interruption,
rebalance, scheduled-change and lifecycle events from an SQS queue and drains the node first."""

from dataclasses import dataclass
from typing import Any

from charts import CORE_NODE_SELECTOR


def managed_tag(cluster_name: str) -> str:
    """The tag an instance must carry to be drained: per cluster, so that two stacks in one account
    never drain each other's nodes from the account-wide event stream."""
    return f"aws-node-termination-handler/{cluster_name}"


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
        "managedTag": managed_tag(options.cluster_name),
        # Two replicas share the queue, so a drain never waits for the handler's own node to come back.
        "replicas": 2,
        "podDisruptionBudget": {"maxUnavailable": 1},
        "serviceAccount": {"create": True, "name": options.service_account},
        "nodeSelector": dict(CORE_NODE_SELECTOR),
        "enableProbesServer": True,
        # Students' servers get the chart's grace period to stop cleanly (their own, -1 = as they ask).
        "podTerminationGracePeriod": -1,
        "emitKubernetesEvents": True,
        # Take a draining node out of load balancers at once, not when its health check fails.
        "excludeFromLoadBalancers": True,
    }
