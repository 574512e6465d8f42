"""The hub layer: the JupyterHub release, on the cluster and behind the ingress the layers below made.

Invariant guarded here: what the hub's values depend on comes from the handles of the layers
below (the cluster's version, the StorageClass, the IngressClass, TLS at the load balancer, the
homes' export and the database), so
each is an edge Pulumi sees, and a review stack's hostname is its name under the test stack's
review domain.
"""

from typing import assert_never

import pulumi

from charts.jupyterhub import JupyterHubOptions
from components.jupyterhub import JupyterHub, JupyterHubArgs
from layers.cluster import Cluster, EksHandle, KubeconfigHandle, ReferencedHandle
from layers.operations import Operations
from layers.prerequisites import Prerequisites
from layers.state import State
from settings import StackSettings


def build_hub(
    settings: StackSettings, cluster: Cluster, prerequisites: Prerequisites, state: State, operations: Operations
) -> JupyterHub:
    hostname: pulumi.Input[str | None] = settings.ingress.hostname
    match cluster:
        case EksHandle():
            labelled_nodes, shares_user_nodes = True, False
        case KubeconfigHandle():
            # A local cluster (kind) labels no node for z2jh: node purposes are only preferences.
            labelled_nodes, shares_user_nodes = False, False
        case ReferencedHandle():
            labelled_nodes, shares_user_nodes = True, True
            hostname = pulumi.Output.concat(settings.prefix, ".", cluster.cluster.review_domain)
        case _:
            assert_never(cluster)
    return JupyterHub(
        settings.name("jupyterhub"),
        JupyterHubArgs(
            options=JupyterHubOptions(
                prefix=settings.prefix,
                tier=settings.tier.value,
                production=settings.policy.protect_stateful_resources,
                hub=settings.hub,
                secret_name=settings.name("hub-secrets"),
                on_eks=labelled_nodes,
                shares_user_nodes=shares_user_nodes,
                https=prerequisites.serves_tls,
                home_storage=settings.home_storage_kind,
                placeholders=settings.user_placeholders,
                idle_timeout_minutes=settings.idle_timeout_minutes,
                max_age_hours=settings.max_age_hours,
                concurrent_spawn_limit=settings.concurrent_spawn_limit,
            ),
            namespace=settings.hub_namespace,
            release_name=settings.name("jupyterhub"),
            kubernetes_version=cluster.kubernetes_version,
            hostname=hostname,
            ingress_class=prerequisites.ingress_class,
            storage_class=prerequisites.storage_class,
            homes=state.homes,
            database_url=state.database_url,
            metrics=operations.metrics,
            depends_on=prerequisites.hub_waits_for,
        ),
        opts=pulumi.ResourceOptions(providers=[cluster.kubernetes]),
    )
