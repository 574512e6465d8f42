"""The cluster of another stack of this project, read through a StackReference.

Review stacks use it to deploy only a hub onto the test cluster. Invariant guarded here: it reads
only the outputs an `eks`-mode stack exports for others (`contracts.SHARED_STACK_OUTPUTS`), and
the kubeconfig stays a secret.
"""

from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s

from contracts import SHARED_STACK_OUTPUTS


@dataclass(frozen=True)
class ReferencedClusterArgs:
    stack: str
    """Fully qualified: organization/project/stack."""


class ReferencedCluster(pulumi.ComponentResource):
    provider: k8s.Provider
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    availability_zones: pulumi.Output[list[str]]
    kubernetes_version: pulumi.Output[str]
    ingress_class: pulumi.Output[str]
    """The referenced stack's Traefik IngressClass, which a review stack's hub uses."""
    review_domain: pulumi.Output[str]
    """The domain under which review stacks get their hostnames (pr-123.<domain>)."""

    def __init__(self, name: str, args: ReferencedClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:k8s:ReferencedCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        reference = pulumi.StackReference(f"{name}-stack", stack_name=args.stack, opts=child)

        def output(key: str) -> pulumi.Output[Any]:
            assert key in SHARED_STACK_OUTPUTS, f"{key} is not an output stacks share"
            return reference.require_output(key)

        self.kubeconfig = pulumi.Output.secret(output("kubeconfig"))
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.kubeconfig, opts=child)
        self.name = cast(pulumi.Output[str], output("clusterName"))
        self.arn = cast(pulumi.Output[str], output("clusterArn"))
        self.availability_zones = cast(pulumi.Output[list[str]], output("availabilityZones"))
        self.kubernetes_version = cast(pulumi.Output[str], output("kubernetesVersion"))
        self.ingress_class = cast(pulumi.Output[str], output("ingressClass"))
        self.review_domain = cast(pulumi.Output[str], output("reviewDomain"))
        self.register_outputs(
            {
                "name": self.name,
                "arn": self.arn,
                "availability_zones": self.availability_zones,
                "kubernetes_version": self.kubernetes_version,
                "ingress_class": self.ingress_class,
                "review_domain": self.review_domain,
            }
        )
