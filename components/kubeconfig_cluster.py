"""An existing cluster reached through a kubeconfig: a local kind cluster, or one built elsewhere.

Invariant guarded here: this mode creates no AWS resource at all; the kubeconfig, when given,
stays a secret from the stack config to the provider.
"""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.cluster_handle import ClusterHandle


@dataclass(frozen=True)
class KubeconfigClusterArgs:
    kubeconfig: pulumi.Output[str] | None
    """The kubeconfig as a secret; None to use KUBECONFIG or ~/.kube/config of whoever runs Pulumi."""
    context: str | None
    kubernetes_version: str
    """The cluster's minor version, as the stack says (nothing reads it from the cluster offline)."""


class KubeconfigCluster(pulumi.ComponentResource):
    handle: ClusterHandle

    def __init__(self, name: str, args: KubeconfigClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:k8s:KubeconfigCluster", name, None, opts)
        provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=args.kubeconfig, context=args.context, opts=pulumi.ResourceOptions(parent=self)
        )
        self.handle = ClusterHandle(
            provider=provider,
            name=pulumi.Output.from_input(args.context or "kubeconfig"),
            kubeconfig=args.kubeconfig if args.kubeconfig is not None else pulumi.Output.secret(""),
            on_eks=False,
            arn=None,
            availability_zones=pulumi.Output.from_input([]),
            kubernetes_version=pulumi.Output.from_input(args.kubernetes_version),
        )
        self.register_outputs({"name": self.handle.name})
