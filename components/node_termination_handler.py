"""aws-node-termination-handler in queue-processor mode, and the queue and rules that feed it.

Invariants guarded here:
- every event that ends a spot node (interruption warning, state change, scheduled maintenance,
  and the Auto Scaling terminate lifecycle action of this stack's groups) reaches an encrypted
  queue that only this account's EventBridge and SQS may send to;
- rebalance recommendations are left to the groups' capacity rebalancing: the group starts a
  replacement first and then terminates the old node through the lifecycle hook, which the
  handler drains. A rule of its own would drain the node at the first recommendation, before any
  replacement exists (the handler's documentation advises against both together);
- the handler's role can complete lifecycle actions only on this stack's groups and read only
  this queue; it drains only nodes tagged for this cluster.
"""

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from charts import NODE_TERMINATION_HANDLER
from charts.node_termination_handler import NodeTerminationHandlerOptions, node_termination_handler_values
from components.eks_cluster import EksCluster
from components.helm import helm_release
from components.iam_documents import Document, as_json
from components.network_policies import DNS, HTTPS, POD_IDENTITY_AGENT, labelled, network_policy
from components.spot_capacity import SpotCapacity
from components.workload_identity import WorkloadIdentity, WorkloadIdentityArgs

# The handler only needs each message until it has acted on it; AWS's spot warning gives two minutes.
QUEUE_RETENTION_SECONDS = 300


def event_patterns(group_names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """EventBridge patterns by rule suffix: what the handler must hear about."""
    return {
        "asg-termination": {
            "source": ["aws.autoscaling"],
            "detail-type": ["EC2 Instance-terminate Lifecycle Action"],
            "detail": {"AutoScalingGroupName": list(group_names)},
        },
        "spot-interruption": {"source": ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"]},
        "instance-state-change": {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"]},
        "scheduled-change": {
            "source": ["aws.health"],
            "detail-type": ["AWS Health Event"],
            "detail": {"service": ["EC2"], "eventTypeCategory": ["scheduledChange"]},
        },
    }


def _pattern_json(suffix: str, group_names: Sequence[str]) -> str:
    return json.dumps(event_patterns(group_names)[suffix])


def queue_policy(queue_arn: pulumi.Input[str], account_id: pulumi.Input[str]) -> Document:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                # Only on behalf of this account: another account's rule cannot fill the queue.
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }


def handler_policy(queue_arn: pulumi.Input[str], group_arns: pulumi.Input[Sequence[str]]) -> Document:
    """Exactly what queue-processor mode calls, per the handler's documentation."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["autoscaling:CompleteLifecycleAction"], "Resource": group_arns},
            {
                "Effect": "Allow",
                "Action": [
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeInstances",
                ],
                "Resource": "*",  # these describe calls take no resource-level permissions
            },
            {"Effect": "Allow", "Action": ["sqs:DeleteMessage", "sqs:ReceiveMessage"], "Resource": queue_arn},
        ],
    }


@dataclass(frozen=True)
class NodeTerminationHandlerArgs:
    fullname: str
    """Release, queue, role and service account name (the stack prefix is in it)."""
    rule_prefix: str
    """EventBridge rule names start with it (they are capped at 64 characters)."""
    cluster: EksCluster
    user_nodes: SpotCapacity
    """The groups whose terminations it drains (their lifecycle actions, their instances)."""
    region: str
    namespace: pulumi.Input[str]
    depends_on: Sequence[pulumi.Resource]
    """What it waits for: the nodes it runs on."""


class NodeTerminationHandler(pulumi.ComponentResource):
    queue_url: pulumi.Output[str]
    queue_name: pulumi.Output[str]

    def __init__(self, name: str, args: NodeTerminationHandlerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:NodeTerminationHandler", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        queue = aws.sqs.Queue(
            f"{name}-queue",
            name=args.fullname,
            message_retention_seconds=QUEUE_RETENTION_SECONDS,
            # SQS-managed keys: EventBridge cannot deliver to a queue under the AWS-managed KMS key.
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        account_id = queue.arn.apply(lambda arn: arn.split(":")[4])
        aws.sqs.QueuePolicy(
            f"{name}-queue-policy", queue_url=queue.id, policy=as_json(queue_policy(queue.arn, account_id)), opts=child
        )
        group_names, cluster_name = args.user_nodes.group_names, args.cluster.name
        for suffix in event_patterns([]):
            rule = aws.cloudwatch.EventRule(
                f"{name}-{suffix}",
                name=f"{args.rule_prefix}-{suffix}",
                description=pulumi.Output.concat("Events aws-node-termination-handler of ", cluster_name, " acts on"),
                event_pattern=group_names.apply(functools.partial(_pattern_json, suffix)),
                opts=child,
            )
            aws.cloudwatch.EventTarget(f"{name}-{suffix}", rule=rule.name, arn=queue.arn, opts=child)

        identity = WorkloadIdentity(
            f"{name}-identity",
            WorkloadIdentityArgs(
                role_name=args.fullname,
                cluster_name=cluster_name,
                cluster_arn=args.cluster.arn,
                namespace=args.namespace,
                service_account=args.fullname,
                policy=handler_policy(queue.arn, args.user_nodes.group_arns),
            ),
            opts=child,
        )

        def values_for(parts: list[str]) -> dict[str, Any]:
            queue_url, cluster = parts
            return node_termination_handler_values(
                NodeTerminationHandlerOptions(
                    fullname=args.fullname,
                    cluster_name=cluster,
                    region=args.region,
                    queue_url=queue_url,
                    service_account=args.fullname,
                )
            )

        network_policy(
            f"{name}-network-policy",
            policy_name=args.fullname,
            namespace=args.namespace,
            selects=labelled(
                {"app.kubernetes.io/name": "aws-node-termination-handler", "app.kubernetes.io/instance": args.fullname}
            ),
            # Nothing comes in (the kubelet's probes come from the node); out go the API server
            # (cordon, drain) and the queue, EC2 and Auto Scaling APIs, with Pod Identity's credentials.
            egress=[DNS, HTTPS, POD_IDENTITY_AGENT],
            parent=self,
        )
        helm_release(
            f"{name}-release",
            NODE_TERMINATION_HANDLER,
            release_name=args.fullname,
            namespace=args.namespace,
            values=pulumi.Output.all(queue.url, cluster_name).apply(values_for),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[identity, *args.depends_on]),
        )
        self.queue_url = queue.url
        self.queue_name = queue.name
        self.register_outputs({"queue_url": self.queue_url, "queue_name": self.queue_name})
