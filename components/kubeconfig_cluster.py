"""An existing cluster reached through a kubeconfig: a local kind cluster, or one built elsewhere.

Invariant guarded here: this mode creates no AWS resource at all; the kubeconfig, when given,
stays a secret from the stack config to the provider.
"""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class KubeconfigClusterArgs:
    kubeconfig: pulumi.Output[str] | None
    """The kubeconfig as a secret; None to use KUBECONFIG or ~/.kube/config of whoever runs Pulumi."""
    context: str | None
    kubernetes_version: str
    """The cluster's minor version, as the stack says (nothing reads it from the cluster offline)."""


class KubeconfigCluster(pulumi.ComponentResource):
    provider: k8s.Provider
    name: pulumi.Output[str]
    """The kubeconfig context's name, for the outputs."""
    kubeconfig: pulumi.Output[str]
    """A secret; empty when the ambient kubeconfig is used."""
    kubernetes_version: pulumi.Output[str]

    def __init__(self, name: str, args: KubeconfigClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:k8s:KubeconfigCluster", name, None, opts)
        self.provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=args.kubeconfig, context=args.context, opts=pulumi.ResourceOptions(parent=self)
        )
        self.name = pulumi.Output.from_input(args.context or "kubeconfig")
        self.kubeconfig = args.kubeconfig if args.kubeconfig is not None else pulumi.Output.secret("")
        self.kubernetes_version = pulumi.Output.from_input(args.kubernetes_version)
        self.register_outputs({"name": self.name, "kubernetes_version": self.kubernetes_version})
