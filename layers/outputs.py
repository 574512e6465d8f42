"""The stack's outputs: what people, the workflows and other stacks read after `pulumi up`.

Invariant guarded here: this is the one place the program exports anything, and an `eks` stack
exports every output that stacks sharing its cluster read (`contracts.SHARED_STACK_OUTPUTS`).
"""

from typing import assert_never

import pulumi

from components.jupyterhub import JupyterHub
from layers.cluster import Cluster, EksHandle, KubeconfigHandle, ReferencedHandle
from layers.operations import Operations
from layers.prerequisites import Prerequisites
from settings import StackSettings


def export_outputs(
    settings: StackSettings, cluster: Cluster, prerequisites: Prerequisites, operations: Operations, hub: JupyterHub
) -> None:
    arn: pulumi.Output[str] | None
    match cluster:
        case EksHandle():
            eks, network = cluster.eks, cluster.network
            pulumi.export("vpcId", network.vpc_id)
            pulumi.export("privateSubnetIds", network.private_subnet_ids)
            pulumi.export("publicSubnetIds", network.public_subnet_ids)
            pulumi.export("clusterEndpoint", eks.endpoint)
            pulumi.export("oidcIssuer", eks.oidc_issuer)
            pulumi.export("coreNodeGroupName", cluster.core_nodes.node_group_name)
            pulumi.export("userNodeGroupNames", cluster.user_nodes.group_names)
            name, arn, kubeconfig = eks.name, eks.arn, eks.kubeconfig
            zones: pulumi.Input[list[str]] = network.availability_zones
        case KubeconfigHandle():
            name, arn, kubeconfig, zones = cluster.cluster.name, None, cluster.cluster.kubeconfig, []
        case ReferencedHandle():
            shared = cluster.cluster
            name, arn, kubeconfig, zones = shared.name, shared.arn, shared.kubeconfig, shared.availability_zones
        case _:
            assert_never(cluster)
    if prerequisites.ingress_class is not None and not isinstance(cluster, ReferencedHandle):
        pulumi.export("ingressClass", prerequisites.ingress_class)
    if prerequisites.load_balancer_hostname is not None:
        pulumi.export("loadBalancerHostname", prerequisites.load_balancer_hostname)
    pulumi.export("hubUrl", hub.hub_url)
    pulumi.export("prefix", settings.prefix)
    pulumi.export("tier", settings.tier.value)
    pulumi.export("clusterMode", settings.cluster.mode.value)
    pulumi.export("clusterName", name)
    pulumi.export("clusterArn", arn)
    pulumi.export("kubeconfig", kubeconfig)
    pulumi.export("availabilityZones", zones)
    pulumi.export("kubernetesVersion", cluster.kubernetes_version)
    pulumi.export("hubHostname", settings.ingress.hostname)
    pulumi.export("reviewDomain", settings.ingress.review_domain)
    if operations.monitoring is not None:
        pulumi.export("grafanaUrl", operations.monitoring.grafana_url)
        pulumi.export("grafanaAdminPassword", operations.monitoring.grafana_admin_password)
    if operations.backup is not None:
        pulumi.export("backupVault", operations.backup.vault_name)
