"""The cluster of another stack of this project, read through a StackReference.

Review stacks use it to deploy only a hub onto the test cluster. Invariant guarded here: the
outputs it reads are the ones an `eks`-mode stack exports (`STACK_OUTPUTS`), and the kubeconfig
stays a secret.
"""

from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s

from components.cluster_handle import ClusterHandle

# What an eks-mode stack exports for others to use (see __main__.py).
STACK_OUTPUTS = (
    "kubeconfig",
    "clusterName",
    "clusterArn",
    "availabilityZones",
    "kubernetesVersion",
    "ingressClass",
    "reviewDomain",
)


@dataclass(frozen=True)
class ReferencedClusterArgs:
    stack: str
    """Fully qualified: organization/project/stack."""


class ReferencedCluster(pulumi.ComponentResource):
    handle: ClusterHandle
    ingress_class: pulumi.Output[str]
    """The referenced stack's Traefik IngressClass, which a review stack's hub uses."""
    review_domain: pulumi.Output[str]
    """The domain under which review stacks get their hostnames (pr-123.<domain>)."""

    def __init__(self, name: str, args: ReferencedClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:k8s:ReferencedCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        reference = pulumi.StackReference(f"{name}-stack", stack_name=args.stack, opts=child)

        def output(key: str) -> pulumi.Output[Any]:
            return reference.require_output(key)

        kubeconfig: pulumi.Output[str] = pulumi.Output.secret(output("kubeconfig"))
        provider = k8s.Provider(f"{name}-k8s", kubeconfig=kubeconfig, opts=child)
        self.handle = ClusterHandle(
            provider=provider,
            name=cast(pulumi.Output[str], output("clusterName")),
            kubeconfig=kubeconfig,
            on_eks=True,
            arn=cast(pulumi.Output[str], output("clusterArn")),
            availability_zones=cast(pulumi.Output[list[str]], output("availabilityZones")),
            kubernetes_version=cast(pulumi.Output[str], output("kubernetesVersion")),
        )
        self.ingress_class = cast(pulumi.Output[str], output("ingressClass"))
        self.review_domain = cast(pulumi.Output[str], output("reviewDomain"))
        self.register_outputs(
            {"name": self.handle.name, "ingress_class": self.ingress_class, "review_domain": self.review_domain}
        )
