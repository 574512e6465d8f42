"""JupyterHub for teaching on AWS: one program, one stack per environment.

Reads like the architecture: settings, then the cluster (made here in `eks` mode, or an existing
one), then the layers on top of it, then the outputs. Every name starts with the stack name;
every AWS resource carries the stack's tags.
"""

import pulumi
import pulumi_aws as aws

from components.cluster_handle import ClusterHandle
from components.core_nodes import CoreNodes, CoreNodesArgs
from components.eks_cluster import EksCluster, EksClusterArgs
from components.kubeconfig_cluster import KubeconfigCluster, KubeconfigClusterArgs
from components.network import Network, NetworkArgs
from components.referenced_cluster import ReferencedCluster, ReferencedClusterArgs
from components.spot_capacity import SpotCapacity, SpotCapacityArgs
from settings import load_settings
from settings.cluster import ClusterMode

settings = load_settings()
cluster_settings = settings.cluster
cluster: ClusterHandle

if cluster_settings.mode is ClusterMode.EKS:
    # One explicit AWS provider: its default tags reach every resource that takes tags, and with
    # default providers disabled (Pulumi.yaml) nothing can slip past it.
    aws_provider = aws.Provider(
        settings.name("aws"),
        region=settings.aws_region,
        allowed_account_ids=[settings.aws_account_id] if settings.aws_account_id else None,
        default_tags=aws.ProviderDefaultTagsArgs(tags=settings.aws_tags),
    )
    on_aws = pulumi.ResourceOptions(providers=[aws_provider])

    network = Network(
        settings.name("network"),
        NetworkArgs(
            settings=settings.network,
            cluster_name=settings.name("cluster"),
            nat_gateway_per_zone=settings.policy.nat_gateway_per_zone,
            protect_addresses=settings.policy.protect_stateful_resources,
            region=settings.aws_region,
            stack=settings.stack,
        ),
        opts=on_aws,
    )
    eks = EksCluster(
        settings.name("cluster"),
        EksClusterArgs(
            settings=cluster_settings,
            cluster_name=settings.name("cluster"),
            region=settings.aws_region,
            private_subnet_ids=network.private_subnet_ids,
            availability_zones=network.availability_zones,
            protect=settings.policy.protect_stateful_resources,
        ),
        opts=on_aws,
    )
    core_nodes = CoreNodes(
        settings.name("core-nodes"),
        CoreNodesArgs(
            settings=cluster_settings.core_nodes,
            cluster_name=eks.name,
            kubernetes_version=cluster_settings.kubernetes_version,
            subnet_ids=network.private_subnet_ids,
            instance_tags=settings.aws_tags,
            node_name=settings.name("core-nodes"),
            depends_on=eks.addons,
        ),
        opts=on_aws,
    )
    spot_capacity = SpotCapacity(
        settings.name("user-nodes"),
        SpotCapacityArgs(
            settings=cluster_settings.user_nodes,
            cluster_name=eks.name,
            endpoint=eks.endpoint,
            certificate_authority=eks.certificate_authority,
            service_cidr=str(cluster_settings.service_cidr),
            kubernetes_version=cluster_settings.kubernetes_version,
            security_group_id=eks.security_group_id,
            subnet_ids_by_zone=network.private_subnet_ids_by_zone,
            platform_tags=settings.aws_tags,
            node_name=settings.name("user-nodes"),
            depends_on=eks.addons,
        ),
        opts=on_aws,
    )
    cluster = eks.handle

    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("privateSubnetIds", network.private_subnet_ids)
    pulumi.export("publicSubnetIds", network.public_subnet_ids)
    pulumi.export("clusterEndpoint", eks.endpoint)
    pulumi.export("oidcIssuer", eks.oidc_issuer)
    pulumi.export("coreNodeGroupName", core_nodes.node_group_name)
    pulumi.export("userNodeGroupNames", spot_capacity.group_names)
elif cluster_settings.mode is ClusterMode.KUBECONFIG:
    kubeconfig = cluster_settings.kubeconfig
    cluster = KubeconfigCluster(
        settings.name("cluster"),
        KubeconfigClusterArgs(
            kubeconfig=pulumi.Output.secret(kubeconfig.get_secret_value()) if kubeconfig else None,
            context=cluster_settings.context,
        ),
    ).handle
else:
    cluster = ReferencedCluster(
        settings.name("cluster"), ReferencedClusterArgs(stack=str(cluster_settings.stack))
    ).handle

pulumi.export("prefix", settings.prefix)
pulumi.export("tier", settings.tier.value)
pulumi.export("clusterMode", cluster_settings.mode.value)
pulumi.export("clusterName", cluster.name)
pulumi.export("clusterArn", cluster.arn)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("availabilityZones", cluster.availability_zones)
