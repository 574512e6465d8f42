"""JupyterHub for teaching on AWS: one program, one stack per environment.

Reads like the architecture: settings, then the cluster (made here in `eks` mode, or an existing
one), then the layers on top of it, then the outputs. Every name starts with the stack name;
every AWS resource carries the stack's tags.
"""

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from charts.jupyterhub import JupyterHubOptions
from components.cluster_autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from components.cluster_handle import ClusterHandle
from components.core_nodes import CoreNodes, CoreNodesArgs
from components.ebs_csi_driver import EbsCsiDriver, EbsCsiDriverArgs
from components.eks_cluster import EksCluster, EksClusterArgs
from components.jupyterhub import JupyterHub, JupyterHubArgs
from components.kubeconfig_cluster import KubeconfigCluster, KubeconfigClusterArgs
from components.network import Network, NetworkArgs
from components.node_termination_handler import NodeTerminationHandler, NodeTerminationHandlerArgs
from components.referenced_cluster import ReferencedCluster, ReferencedClusterArgs
from components.spot_capacity import SpotCapacity, SpotCapacityArgs
from components.traefik import Traefik, TraefikArgs
from settings import load_settings
from settings.cluster import ClusterMode

settings = load_settings()
cluster_settings, prerequisites = settings.cluster, settings.prerequisites
cluster: ClusterHandle
referenced: ReferencedCluster | None = None  # stack mode: the stack whose cluster this one shares
ingress_class: pulumi.Input[str | None] = None  # the IngressClass the hub's Ingress uses
storage_class: pulumi.Input[str | None] = None  # the StorageClass of the hub's database and EBS homes
platform_nodes: list[pulumi.Resource] = []  # what platform pods wait for: nodes to run on
hub_waits_for: list[pulumi.Resource] = []  # what the hub uses: nodes, volume driver, ingress controller

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
    platform_nodes = [core_nodes]

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
            kubernetes_version=cluster_settings.kubernetes_version,
        ),
    ).handle
else:
    referenced = ReferencedCluster(settings.name("cluster"), ReferencedClusterArgs(stack=str(cluster_settings.stack)))
    cluster = referenced.handle

# Prerequisites. A stack in `stack` mode uses those of the stack whose cluster it shares.
if cluster_settings.mode is not ClusterMode.STACK:
    on_cluster = pulumi.ResourceOptions(providers=[cluster.provider])
    system_namespace = k8s.core.v1.Namespace(
        settings.name("system"), metadata={"name": settings.name("system")}, opts=on_cluster
    ).metadata.apply(lambda metadata: metadata.name or "")

    if cluster_settings.mode is ClusterMode.EKS:
        on_aws_and_cluster = pulumi.ResourceOptions(providers=[aws_provider, cluster.provider])
        if prerequisites.ebs_csi_driver.enabled:
            ebs_csi_driver = EbsCsiDriver(
                settings.name("ebs-csi-driver"),
                EbsCsiDriverArgs(
                    cluster_name=eks.name,
                    cluster_arn=eks.arn,
                    kubernetes_version=cluster_settings.kubernetes_version,
                    role_name=settings.name("ebs-csi-driver"),
                    storage_class_name=settings.name("gp3"),
                    reclaim_policy=settings.volume_reclaim_policy,
                    volume_attach_limit=settings.ebs_volume_attach_limit,
                    depends_on=platform_nodes,
                ),
                opts=on_aws_and_cluster,
            )
            storage_class = ebs_csi_driver.storage_class_name
            hub_waits_for.append(ebs_csi_driver)
        if prerequisites.node_termination_handler.enabled:
            NodeTerminationHandler(
                settings.name("node-termination-handler"),
                NodeTerminationHandlerArgs(
                    fullname=settings.name("node-termination-handler"),
                    rule_prefix=settings.name("nth"),
                    cluster_name=settings.name("cluster"),
                    cluster_arn=eks.arn,
                    region=settings.aws_region,
                    namespace=system_namespace,
                    group_names=spot_capacity.group_names,
                    group_arns=spot_capacity.group_arns,
                    depends_on=platform_nodes,
                ),
                opts=on_aws_and_cluster,
            )
        if prerequisites.cluster_autoscaler.enabled:
            ClusterAutoscaler(
                settings.name("cluster-autoscaler"),
                ClusterAutoscalerArgs(
                    settings=prerequisites.cluster_autoscaler,
                    fullname=settings.name("cluster-autoscaler"),
                    cluster_name=settings.name("cluster"),
                    cluster_arn=eks.arn,
                    kubernetes_version=cluster_settings.kubernetes_version,
                    region=settings.aws_region,
                    namespace=system_namespace,
                    depends_on=platform_nodes,
                ),
                opts=on_aws_and_cluster,
            )

    if prerequisites.traefik.enabled:
        traefik = Traefik(
            settings.name("traefik"),
            TraefikArgs(
                fullname=settings.name("traefik"),
                replicas=settings.traefik_replicas,
                on_aws=cluster_settings.mode is ClusterMode.EKS,
                service_type=prerequisites.traefik.service_type,
                ingress=settings.ingress,
                namespace=system_namespace,
                depends_on=platform_nodes,
            ),
            opts=pulumi.ResourceOptions(providers=[aws_provider, cluster.provider])
            if cluster_settings.mode is ClusterMode.EKS
            else on_cluster,
        )
        pulumi.export("ingressClass", traefik.ingress_class)
        pulumi.export("loadBalancerHostname", traefik.load_balancer_hostname)
        ingress_class = traefik.ingress_class
        hub_waits_for.append(traefik)

# The hub. A review stack's hostname is its name under the test stack's review domain.
hostname: pulumi.Input[str | None] = settings.ingress.hostname
if referenced is not None:
    hostname = pulumi.Output.concat(settings.prefix, ".", referenced.review_domain)
    ingress_class = referenced.ingress_class
hub = JupyterHub(
    settings.name("jupyterhub"),
    JupyterHubArgs(
        options=JupyterHubOptions(
            prefix=settings.prefix,
            tier=settings.tier.value,
            production=settings.policy.protect_stateful_resources,
            hub=settings.hub,
            secret_name=settings.name("hub-secrets"),
            on_eks=cluster_settings.mode is not ClusterMode.KUBECONFIG,
            shares_user_nodes=cluster_settings.mode is ClusterMode.STACK,
            # TLS at the load balancer: our own certificate, or the test stack's for review stacks
            https=settings.ingress.certificate_arn is not None or referenced is not None,
            placeholders=settings.user_placeholders,
            idle_timeout_minutes=settings.idle_timeout_minutes,
            max_age_hours=settings.max_age_hours,
            concurrent_spawn_limit=settings.concurrent_spawn_limit,
        ),
        namespace=settings.name("hub"),
        release_name=settings.name("jupyterhub"),
        kubernetes_version=cluster.kubernetes_version,
        hostname=hostname,
        ingress_class=ingress_class,
        storage_class=storage_class,
        depends_on=[*platform_nodes, *hub_waits_for],
    ),
    opts=pulumi.ResourceOptions(providers=[cluster.provider]),
)
pulumi.export("hubUrl", hub.hub_url)

pulumi.export("prefix", settings.prefix)
pulumi.export("tier", settings.tier.value)
pulumi.export("clusterMode", cluster_settings.mode.value)
pulumi.export("clusterName", cluster.name)
pulumi.export("clusterArn", cluster.arn)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("availabilityZones", cluster.availability_zones)
pulumi.export("kubernetesVersion", cluster.kubernetes_version)
pulumi.export("hubHostname", settings.ingress.hostname)
pulumi.export("reviewDomain", settings.ingress.review_domain)
