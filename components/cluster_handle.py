"""What the rest of the program knows about the cluster, whichever mode it came from."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class ClusterHandle:
    """The one small object later layers take: they do not care where the cluster came from."""

    provider: k8s.Provider
    """The Kubernetes provider every Kubernetes resource and Helm release goes through."""
    name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    """A secret; empty in kubeconfig mode when the ambient kubeconfig is used."""
    on_eks: bool
    """Whether the cluster is an EKS cluster (eks or stack mode): AWS integrations apply."""
    arn: pulumi.Output[str] | None
    """The EKS cluster's ARN, which pod identity roles trust; None off EKS."""
    availability_zones: pulumi.Output[list[str]]
    """Zones of the user nodes; empty off EKS."""
    kubernetes_version: pulumi.Output[str]
    """The cluster's Kubernetes minor version, like 1.35."""
