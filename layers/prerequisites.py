"""The prerequisites layer: what the cluster runs before the hub, and what the hub gets from it.

Invariant guarded here: the hub learns the StorageClass and IngressClass from the components that
made them (Outputs, so Pulumi sees each edge) and waits for every prerequisite it uses; a stack
that shares another's cluster installs none and uses that stack's ingress. cluster-autoscaler is
built last (`build_autoscaler`, after the operations layer): where monitoring is on, its chart
renders a ServiceMonitor, a kind only kube-prometheus-stack's release defines, so it waits for that.
"""

from dataclasses import dataclass, replace
from typing import assert_never

import pulumi
import pulumi_kubernetes as k8s

from components.cluster_autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from components.ebs_csi_driver import EbsCsiDriver, EbsCsiDriverArgs
from components.monitoring import Monitoring
from components.node_termination_handler import NodeTerminationHandler, NodeTerminationHandlerArgs
from components.traefik import Traefik, TraefikArgs
from layers.cluster import Cluster, EksHandle, KubeconfigHandle, ReferencedHandle
from settings import StackSettings


@dataclass(frozen=True)
class Prerequisites:
    storage_class: pulumi.Output[str] | None
    """The EBS StorageClass (the hub's database, EBS homes); None: the cluster's default, if any."""
    ingress_class: pulumi.Output[str] | None
    """The IngressClass the hub's Ingress uses."""
    serves_tls: bool
    """Whether students reach the ingress over HTTPS (TLS ends at the load balancer)."""
    load_balancer_hostname: pulumi.Output[str] | None
    hub_waits_for: tuple[pulumi.Resource, ...]
    """What the hub waits for and outlives on destroy: its nodes, the volume driver, the ingress."""
    termination_queue_name: pulumi.Output[str] | None = None
    """The termination handler's queue, which the stack's alarms watch."""
    system_namespace: pulumi.Output[str] | None = None
    """`<prefix>-system`, where the controllers run (cluster-autoscaler too); None: no namespace of its own."""


def build_prerequisites(settings: StackSettings, cluster: Cluster) -> Prerequisites:
    match cluster:
        case ReferencedHandle():
            # The referenced stack runs them; its Traefik (which ends TLS: staging needs a
            # certificate) fronts this stack's hub too.
            return Prerequisites(
                storage_class=None,
                ingress_class=cluster.cluster.ingress_class,
                serves_tls=True,
                load_balancer_hostname=None,
                hub_waits_for=(),
            )
        case EksHandle():
            return _on_eks(settings, cluster)
        case KubeconfigHandle():
            namespace = _system_namespace(settings, cluster)
            traefik = _traefik(settings, namespace, opts=pulumi.ResourceOptions(providers=[cluster.kubernetes]))
            return _with_traefik(None, traefik, waits_for=())
        case _:
            assert_never(cluster)


def _on_eks(settings: StackSettings, cluster: EksHandle) -> Prerequisites:
    wanted = settings.prerequisites
    namespace = _system_namespace(settings, cluster)
    both = pulumi.ResourceOptions(providers=[cluster.aws, cluster.kubernetes])
    # Platform pods run on the core nodes: each controller waits for them.
    nodes: list[pulumi.Resource] = [cluster.core_nodes]
    waits_for: list[pulumi.Resource] = [*nodes]
    storage_class = None
    if wanted.ebs_csi_driver.enabled:
        ebs_csi_driver = EbsCsiDriver(
            settings.name("ebs-csi-driver"),
            EbsCsiDriverArgs(
                cluster=cluster.eks,
                role_name=settings.name("ebs-csi-driver"),
                storage_class_name=settings.name("gp3"),
                reclaim_policy=settings.volume_reclaim_policy,
                volume_attach_limit=settings.ebs_volume_attach_limit,
                depends_on=nodes,
            ),
            opts=both,
        )
        storage_class = ebs_csi_driver.storage_class_name
        waits_for.append(ebs_csi_driver)
    queue_name = None
    if wanted.node_termination_handler.enabled:
        queue_name = NodeTerminationHandler(
            settings.name("node-termination-handler"),
            NodeTerminationHandlerArgs(
                fullname=settings.name("node-termination-handler"),
                rule_prefix=settings.name("nth"),
                cluster=cluster.eks,
                user_nodes=cluster.user_nodes,
                region=settings.aws_region,
                namespace=namespace,
                depends_on=nodes,
            ),
            opts=both,
        ).queue_name
    traefik = _traefik(settings, namespace, opts=both, on_aws=True, depends_on=nodes)
    return replace(
        _with_traefik(storage_class, traefik, waits_for=tuple(waits_for)),
        termination_queue_name=queue_name,
        system_namespace=namespace,
    )


def build_autoscaler(
    settings: StackSettings, cluster: Cluster, prerequisites: Prerequisites, monitoring: Monitoring | None
) -> ClusterAutoscaler | None:
    """cluster-autoscaler (`eks` mode), scraped by the stack's monitoring where that is on."""
    wanted = settings.prerequisites.cluster_autoscaler
    match cluster:
        case EksHandle():
            if not wanted.enabled:
                return None
            assert prerequisites.system_namespace is not None  # every `eks` stack has one
            return ClusterAutoscaler(
                settings.name("cluster-autoscaler"),
                ClusterAutoscalerArgs(
                    settings=wanted,
                    fullname=settings.name("cluster-autoscaler"),
                    cluster=cluster.eks,
                    region=settings.aws_region,
                    namespace=prerequisites.system_namespace,
                    # It runs on the core nodes.
                    depends_on=[cluster.core_nodes],
                    monitoring=monitoring.service_monitors if monitoring else None,
                ),
                opts=pulumi.ResourceOptions(providers=[cluster.aws, cluster.kubernetes]),
            )
        case KubeconfigHandle() | ReferencedHandle():
            return None  # nodes of someone else's making; in `stack` mode the referenced stack runs it
        case _:
            assert_never(cluster)


def _system_namespace(settings: StackSettings, cluster: EksHandle | KubeconfigHandle) -> pulumi.Output[str]:
    """`<prefix>-system`, where the platform's controllers run."""
    namespace = k8s.core.v1.Namespace(
        settings.name("system"),
        metadata={"name": settings.name("system")},
        opts=pulumi.ResourceOptions(providers=[cluster.kubernetes]),
    )
    return namespace.metadata.apply(lambda metadata: metadata.name or "")


def _traefik(
    settings: StackSettings,
    namespace: pulumi.Output[str],
    *,
    opts: pulumi.ResourceOptions,
    on_aws: bool = False,
    depends_on: list[pulumi.Resource] | None = None,
) -> Traefik | None:
    wanted = settings.prerequisites.traefik
    if not wanted.enabled:
        return None
    return Traefik(
        settings.name("traefik"),
        TraefikArgs(
            fullname=settings.name("traefik"),
            replicas=settings.traefik_replicas,
            on_aws=on_aws,
            service_type=wanted.service_type,
            ingress=settings.ingress,
            namespace=namespace,
            depends_on=depends_on or [],
        ),
        opts=opts,
    )


def _with_traefik(
    storage_class: pulumi.Output[str] | None, traefik: Traefik | None, waits_for: tuple[pulumi.Resource, ...]
) -> Prerequisites:
    if traefik is None:
        return Prerequisites(storage_class, None, False, None, waits_for)
    return Prerequisites(
        storage_class=storage_class,
        ingress_class=traefik.ingress_class,
        serves_tls=traefik.serves_tls,
        load_balancer_hostname=traefik.load_balancer_hostname,
        hub_waits_for=(*waits_for, traefik),
    )
