"""The cluster layer: the stack's Kubernetes cluster, whichever mode it comes from.

Invariant guarded here: every later layer gets one of three typed handles and matches on its
type, so a decision that depends on where the cluster came from (are there AWS resources, are
nodes labelled, who owns the user nodes) is made by the type, in one place per layer, and a mode
a layer forgets fails the type check (`assert_never`).
"""

from dataclasses import dataclass
from typing import assert_never

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.core_nodes import CoreNodes, CoreNodesArgs
from components.eks_cluster import EksCluster, EksClusterArgs
from components.kubeconfig_cluster import KubeconfigCluster, KubeconfigClusterArgs
from components.network import Network, NetworkArgs
from components.referenced_cluster import ReferencedCluster, ReferencedClusterArgs
from components.spot_capacity import SpotCapacity, SpotCapacityArgs
from settings import StackSettings
from settings.cluster import ClusterMode


@dataclass(frozen=True)
class EksHandle:
    """`eks` mode: the cluster this stack built, its network and nodes, and the AWS provider."""

    aws: aws.Provider
    eks: EksCluster
    network: Network
    core_nodes: CoreNodes
    user_nodes: SpotCapacity

    @property
    def kubernetes(self) -> k8s.Provider:
        return self.eks.provider

    @property
    def kubernetes_version(self) -> pulumi.Output[str]:
        return self.eks.version


@dataclass(frozen=True)
class KubeconfigHandle:
    """`kubeconfig` mode: an existing cluster (kind, or one built elsewhere); no AWS at all."""

    cluster: KubeconfigCluster

    @property
    def kubernetes(self) -> k8s.Provider:
        return self.cluster.provider

    @property
    def kubernetes_version(self) -> pulumi.Output[str]:
        return self.cluster.kubernetes_version


@dataclass(frozen=True)
class ReferencedHandle:
    """`stack` mode: another stack's EKS cluster, its nodes and its ingress (review stacks on tst)."""

    cluster: ReferencedCluster

    @property
    def kubernetes(self) -> k8s.Provider:
        return self.cluster.provider

    @property
    def kubernetes_version(self) -> pulumi.Output[str]:
        return self.cluster.kubernetes_version


Cluster = EksHandle | KubeconfigHandle | ReferencedHandle


def build_cluster(settings: StackSettings) -> Cluster:
    cluster = settings.cluster
    match cluster.mode:
        case ClusterMode.EKS:
            return _eks(settings)
        case ClusterMode.KUBECONFIG:
            kubeconfig = cluster.kubeconfig
            return KubeconfigHandle(
                KubeconfigCluster(
                    settings.name("cluster"),
                    KubeconfigClusterArgs(
                        kubeconfig=pulumi.Output.secret(kubeconfig.get_secret_value()) if kubeconfig else None,
                        context=cluster.context,
                        kubernetes_version=cluster.kubernetes_version,
                    ),
                )
            )
        case ClusterMode.STACK:
            assert cluster.stack is not None  # the settings require it in this mode
            return ReferencedHandle(
                ReferencedCluster(settings.name("cluster"), ReferencedClusterArgs(stack=cluster.stack))
            )
        case _:
            assert_never(cluster.mode)


def _eks(settings: StackSettings) -> EksHandle:
    # One explicit AWS provider: its default tags reach every resource that takes tags, and with
    # default providers disabled (Pulumi.yaml) nothing can slip past it.
    provider = aws.Provider(
        settings.name("aws"),
        region=settings.aws_region,
        allowed_account_ids=[settings.aws_account_id] if settings.aws_account_id else None,
        default_tags=aws.ProviderDefaultTagsArgs(tags=settings.aws_tags),
    )
    on_aws = pulumi.ResourceOptions(providers=[provider])
    cluster_name = settings.name("cluster")
    network = Network(
        settings.name("network"),
        NetworkArgs(
            settings=settings.network,
            cluster_name=cluster_name,
            nat_gateway_per_zone=settings.policy.nat_gateway_per_zone,
            protect_addresses=settings.policy.protect_stateful_resources,
            region=settings.aws_region,
            stack=settings.stack,
        ),
        opts=on_aws,
    )
    eks = EksCluster(
        cluster_name,
        EksClusterArgs(
            settings=settings.cluster,
            cluster_name=cluster_name,
            region=settings.aws_region,
            network=network,
            protect=settings.policy.protect_stateful_resources,
        ),
        opts=on_aws,
    )
    core_nodes = CoreNodes(
        settings.name("core-nodes"),
        CoreNodesArgs(
            settings=settings.cluster.core_nodes,
            cluster=eks,
            instance_tags=settings.aws_tags,
            node_name=settings.name("core-nodes"),
        ),
        opts=on_aws,
    )
    user_nodes = SpotCapacity(
        settings.name("user-nodes"),
        SpotCapacityArgs(
            settings=settings.cluster.user_nodes,
            cluster=eks,
            platform_tags=settings.aws_tags,
            node_name=settings.name("user-nodes"),
            class_holds=settings.class_holds,
            time_zone=settings.calendar.time_zone,
        ),
        opts=on_aws,
    )
    return EksHandle(aws=provider, eks=eks, network=network, core_nodes=core_nodes, user_nodes=user_nodes)
