"""The JupyterHub release: zero-to-jupyterhub with the stack's values, in the stack's namespace.

Invariant guarded here: the hub's secrets (OAuth client secret, shared password, database URL)
go into a Kubernetes Secret as Pulumi secrets and reach the hub through its environment; the
chart's values, which the plan and Helm's release history show, never hold them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from charts import JUPYTERHUB
from charts.jupyterhub import ClusterFacts, JupyterHubOptions, jupyterhub_values, user_scheduler_name
from charts.user_scheduler import Rule, newer_scheduler_rules
from components.helm import helm_release
from components.network_policies import DNS, HTTPS, Selector, network_policy
from contracts import NfsExport
from settings.hub import HubSettings


@dataclass(frozen=True)
class JupyterHubArgs:
    options: JupyterHubOptions
    namespace: str
    release_name: str
    kubernetes_version: pulumi.Input[str]
    """The cluster's minor version, like 1.35."""
    hostname: pulumi.Input[str | None]
    ingress_class: pulumi.Input[str | None]
    storage_class: pulumi.Input[str | None]
    homes: NfsExport | None
    """The export homes and shared folders live on (EFS, or the stack's NFS server)."""
    database_url: pulumi.Input[str] | None
    """The hub's database, a secret URL; None: SQLite on a volume."""
    metrics: "HubMetrics | None"
    """Who scrapes the hub's metrics, and with what token; None: nobody."""
    depends_on: Sequence[pulumi.Resource]
    """What the hub waits for, and outlives on destroy: nodes, the volume driver, the ingress controller."""


@dataclass(frozen=True)
class HubMetrics:
    """The monitoring the hub's metrics go to: its namespace, and the token its Prometheus uses."""

    namespace: pulumi.Input[str]
    token: pulumi.Input[str]


def hub_secrets(
    hub: HubSettings, database_url: pulumi.Input[str] | None, metrics_token: pulumi.Input[str] | None
) -> dict[str, pulumi.Output[str]]:
    """The Secret's data by key, each a Pulumi secret."""
    values = {"client-secret": hub.auth.client_secret, "shared-password": hub.auth.shared_password}
    data = {key: pulumi.Output.secret(value.get_secret_value()) for key, value in values.items() if value is not None}
    for key, value in (("database-url", database_url), ("metrics-token", metrics_token)):
        if value is not None:
            data[key] = pulumi.Output.secret(value)
    return data


class JupyterHub(pulumi.ComponentResource):
    hub_url: pulumi.Output[str]

    def __init__(self, name: str, args: JupyterHubArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:k8s:JupyterHub", name, None, opts)
        options = args.options
        # The namespace goes first on destroy, and with it the servers and their volume claims:
        # before the driver that unmounts them.
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={"name": args.namespace},
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        metrics = args.metrics
        data = hub_secrets(options.hub, args.database_url, metrics.token if metrics else None)
        secret = k8s.core.v1.Secret(
            f"{name}-secrets",
            metadata={"name": options.secret_name, "namespace": namespace.metadata.name},
            string_data=data,
            opts=pulumi.ResourceOptions(parent=self),
        )
        scheduler_access = self._user_scheduler_access(name, args, namespace)
        self._network_policies(name, args, namespace)
        homes = self._home_claim(name, args, namespace) if args.homes is not None else None

        def values_for(parts: list[Any]) -> dict[str, Any]:
            version, hostname, ingress_class, storage_class, secrets_version, home_claim, monitoring = parts
            facts = ClusterFacts(
                kubernetes_version=version,
                hostname=hostname,
                ingress_class=ingress_class,
                storage_class=storage_class,
                home_claim=home_claim,
                secret_keys=tuple(data),
                secrets_version=secrets_version or "",
                monitoring_namespace=monitoring,
            )
            return jupyterhub_values(options, facts)

        helm_release(
            f"{name}-release",
            JUPYTERHUB,
            release_name=args.release_name,
            namespace=namespace.metadata.name,
            values=pulumi.Output.all(
                args.kubernetes_version,
                args.hostname,
                args.ingress_class,
                args.storage_class,
                secret.metadata.apply(lambda m: m.resource_version),
                homes.metadata.name if homes is not None else None,
                metrics.namespace if metrics else None,
            ).apply(values_for),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[secret, scheduler_access, *([homes] if homes else []), *args.depends_on]
            ),
        )
        scheme = "https" if options.https else "http"
        self.hub_url = pulumi.Output.from_input(args.hostname).apply(lambda host: f"{scheme}://{host}/" if host else "")
        self.register_outputs({"hub_url": self.hub_url})

    def _home_claim(
        self, name: str, args: JupyterHubArgs, namespace: k8s.core.v1.Namespace
    ) -> k8s.core.v1.PersistentVolumeClaim:
        """One volume and claim for the whole export: every server mounts its own sub-directory of it."""
        assert args.homes is not None
        volume_name = f"{args.options.prefix}-homes"
        # NFS enforces no size: the figure only has to match between the volume and its claim.
        size = {"storage": "1Ti"}
        volume = k8s.core.v1.PersistentVolume(
            f"{name}-homes-volume",
            metadata={"name": volume_name},
            spec={
                "capacity": size,
                "access_modes": ["ReadWriteMany"],
                # Deleting the claim (or the stack's namespace) never touches the students' files.
                "persistent_volume_reclaim_policy": "Retain",
                "storage_class_name": "",
                "mount_options": list(args.homes.mount_options),
                "nfs": {"server": args.homes.server, "path": args.homes.path},
                # Bound to this stack's claim only: no other claim in the cluster can take it.
                "claim_ref": {"namespace": args.namespace, "name": volume_name},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.homes.ready)),
        )
        return k8s.core.v1.PersistentVolumeClaim(
            f"{name}-homes-claim",
            metadata={"name": volume_name, "namespace": namespace.metadata.name},
            spec={
                "access_modes": ["ReadWriteMany"],
                "storage_class_name": "",
                "volume_name": volume.metadata.name,
                "resources": {"requests": size},
            },
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _network_policies(self, name: str, args: JupyterHubArgs, namespace: k8s.core.v1.Namespace) -> None:
        """For the chart's pods its own policies leave out (it has them for the hub, the proxy and
        the servers only). Pods of the namespace that are not the chart's (a load test's) are left
        alone."""
        # The user scheduler and the image awaiter Job talk to the API server, and to nothing else
        # (the awaiter by its name, kubernetes.default.svc: DNS too).
        network_policy(
            f"{name}-api-clients-network-policy",
            policy_name=f"{args.release_name}-api-clients",
            namespace=namespace.metadata.name,
            selects=_chart_pods(args.release_name, ["user-scheduler", "image-puller"]),
            egress=[DNS, HTTPS],
            parent=self,
        )
        # The image pullers and the placeholders only hold a node's image or room: no traffic at all.
        network_policy(
            f"{name}-no-traffic-network-policy",
            policy_name=f"{args.release_name}-no-traffic",
            namespace=namespace.metadata.name,
            selects=_chart_pods(
                args.release_name, ["continuous-image-puller", "hook-image-puller", "user-placeholder"]
            ),
            parent=self,
        )

    def _user_scheduler_access(
        self, name: str, args: JupyterHubArgs, namespace: k8s.core.v1.Namespace
    ) -> k8s.rbac.v1.ClusterRoleBinding:
        """What the cluster's kube-scheduler version needs beyond the chart's own ClusterRole."""
        scheduler = user_scheduler_name(args.options.prefix)
        role = k8s.rbac.v1.ClusterRole(
            f"{name}-user-scheduler-newer-apis",
            metadata={"name": f"{scheduler}-newer-apis"},
            rules=pulumi.Output.from_input(args.kubernetes_version).apply(
                lambda version: [_policy_rule(r) for r in newer_scheduler_rules(version, f"{scheduler}-lock")]
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-user-scheduler-newer-apis",
            metadata={"name": f"{scheduler}-newer-apis"},
            role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role.metadata.name},
            # The chart's own service account for the user scheduler.
            subjects=[{"kind": "ServiceAccount", "name": scheduler, "namespace": namespace.metadata.name}],
            opts=pulumi.ResourceOptions(parent=self),
        )


def _chart_pods(release_name: str, components: list[str]) -> Selector:
    """Pods of this z2jh release with one of these `component` labels."""
    return {
        "match_labels": {"app": "jupyterhub", "release": release_name},
        "match_expressions": [{"key": "component", "operator": "In", "values": components}],
    }


def _policy_rule(rule: Rule) -> k8s.rbac.v1.PolicyRuleArgsDict:
    policy_rule: k8s.rbac.v1.PolicyRuleArgsDict = {
        "api_groups": [rule.api_group],
        "resources": list(rule.resources),
        "verbs": list(rule.verbs),
    }
    if rule.resource_names:
        policy_rule["resource_names"] = list(rule.resource_names)
    return policy_rule
