"""cluster-autoscaler: grows the spot user groups as students arrive, shrinks them when idle.

Invariant guarded here: it discovers, and its role may resize or terminate instances in, only
the groups tagged as this cluster's spot user groups; the core node group and everything else it
may only describe.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from charts import CLUSTER_AUTOSCALER
from charts.cluster_autoscaler import (
    METRICS_PORT,
    ClusterAutoscalerOptions,
    ServiceMonitorPlacement,
    cluster_autoscaler_values,
)
from components.eks_cluster import EksCluster
from components.helm import helm_release
from components.iam_documents import Document
from components.monitoring import ServiceMonitors
from components.network_policies import (
    DNS,
    HTTPS,
    POD_IDENTITY_AGENT,
    IngressRule,
    labelled,
    network_policy,
    pods,
    tcp,
)
from components.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from contracts import autoscaler_user_group_tag
from settings.platform import ClusterAutoscalerSettings


def autoscaler_policy(cluster_name: str) -> Document:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                    "eks:DescribeNodegroup",
                ],
                "Resource": "*",  # describe calls take no resource-level permissions
            },
            {
                "Effect": "Allow",
                "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                "Resource": "*",
                "Condition": {"StringEquals": {f"aws:ResourceTag/{autoscaler_user_group_tag(cluster_name)}": "true"}},
            },
        ],
    }


@dataclass(frozen=True)
class ClusterAutoscalerArgs:
    settings: ClusterAutoscalerSettings
    fullname: str
    cluster: EksCluster
    """The cluster whose spot user groups it discovers, at the cluster's version."""
    region: str
    namespace: pulumi.Input[str]
    depends_on: Sequence[pulumi.Resource]
    """What it waits for: the nodes it runs on."""
    monitoring: ServiceMonitors | None = None
    """The stack's monitoring, which scrapes its metrics through its chart's ServiceMonitor; None: none."""


class ClusterAutoscaler(pulumi.ComponentResource):
    def __init__(self, name: str, args: ClusterAutoscalerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:ClusterAutoscaler", name, None, opts)
        cluster = args.cluster
        monitoring = args.monitoring
        identity = WorkloadIdentity(
            f"{name}-identity",
            WorkloadIdentityArgs(
                role_name=args.fullname,
                cluster_name=cluster.name,
                cluster_arn=cluster.arn,
                namespace=args.namespace,
                service_account=args.fullname,
                policy=cluster.name.apply(autoscaler_policy),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        values = cluster.name.apply(
            lambda cluster_name: cluster_autoscaler_values(
                ClusterAutoscalerOptions(
                    fullname=args.fullname,
                    cluster_name=cluster_name,
                    region=args.region,
                    kubernetes_version=cluster.kubernetes_version,
                    service_account=args.fullname,
                    expander=args.settings.expander,
                    scale_down_unneeded_minutes=args.settings.scale_down_unneeded_minutes,
                    service_monitor=ServiceMonitorPlacement(monitoring.namespace, monitoring.labels)
                    if monitoring
                    else None,
                )
            )
        )
        # Only the stack's Prometheus comes in, to the metrics port (the kubelet's probes come from
        # the node, which the VPC CNI always admits).
        ingress: list[IngressRule] = []
        if monitoring is not None:
            scraper = pods(monitoring.scraper_labels, in_namespace=monitoring.namespace)
            ingress.append({"from_": [scraper], "ports": tcp(METRICS_PORT)})
        network_policy(
            f"{name}-network-policy",
            policy_name=args.fullname,
            namespace=args.namespace,
            selects=labelled(
                {"app.kubernetes.io/name": "aws-cluster-autoscaler", "app.kubernetes.io/instance": args.fullname}
            ),
            ingress=ingress,
            # Out go the API server and the Auto Scaling and EC2 APIs, with Pod Identity's credentials.
            egress=[DNS, HTTPS, POD_IDENTITY_AGENT],
            parent=self,
        )
        helm_release(
            f"{name}-release",
            CLUSTER_AUTOSCALER,
            release_name=args.fullname,
            namespace=args.namespace,
            values=values,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[identity, *args.depends_on, *([monitoring.defined_by] if monitoring else [])],
            ),
        )
        self.register_outputs({})
