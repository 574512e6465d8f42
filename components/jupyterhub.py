"""The JupyterHub release: zero-to-jupyterhub with the stack's values, in the stack's namespace.

Invariant guarded here: the hub's secrets (OAuth client secret, shared password, database URL)
go into a Kubernetes Secret as Pulumi secrets and reach the hub through its environment; the
chart's values, which the plan and Helm's release history show, never hold them.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from charts import JUPYTERHUB
from charts.jupyterhub import JupyterHubOptions, jupyterhub_values
from components.helm import helm_release
from settings.hub import HubSettings

SECRET_VERSION_ANNOTATION = "jupyterhub-platform/secrets-version"


@dataclass(frozen=True)
class JupyterHubArgs:
    options: JupyterHubOptions
    """Everything but what is known only at deploy time (hostname and IngressClass may be Outputs)."""
    namespace: str
    release_name: str
    hostname: pulumi.Input[str | None]
    ingress_class: pulumi.Input[str | None]
    depends_on: Sequence[pulumi.Resource]


def hub_secrets(hub: HubSettings) -> dict[str, pulumi.Output[str]]:
    """The Secret's data by key, each a Pulumi secret."""
    values = {
        "client-secret": hub.auth.client_secret,
        "shared-password": hub.auth.shared_password,
        "database-url": hub.database_url,
    }
    return {key: pulumi.Output.secret(value.get_secret_value()) for key, value in values.items() if value is not None}


class JupyterHub(pulumi.ComponentResource):
    hub_url: pulumi.Output[str]

    def __init__(self, name: str, args: JupyterHubArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:k8s:JupyterHub", name, None, opts)
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace", metadata={"name": args.namespace}, opts=pulumi.ResourceOptions(parent=self)
        )
        data = hub_secrets(args.options.hub)
        secret = k8s.core.v1.Secret(
            f"{name}-secrets",
            metadata={"name": args.options.secret_name, "namespace": namespace.metadata.name},
            string_data=data,
            opts=pulumi.ResourceOptions(parent=self),
        )

        def values_for(parts: list[Any]) -> dict[str, Any]:
            hostname, ingress_class, secret_version = parts
            options = replace(args.options, hostname=hostname, ingress_class=ingress_class, secret_keys=tuple(data))
            values = jupyterhub_values(options)
            # The hub reads the Secret only when it starts: a new version of it restarts the hub.
            values["hub"]["annotations"] = {SECRET_VERSION_ANNOTATION: secret_version or ""}
            return values

        helm_release(
            f"{name}-release",
            JUPYTERHUB,
            release_name=args.release_name,
            namespace=namespace.metadata.name,
            values=pulumi.Output.all(
                args.hostname, args.ingress_class, secret.metadata.apply(lambda m: m.resource_version)
            ).apply(values_for),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[secret, *args.depends_on]),
        )
        self.hub_url = pulumi.Output.from_input(args.hostname).apply(lambda host: f"https://{host}/" if host else "")
        self.register_outputs({"hub_url": self.hub_url})
