"""The Helm charts the platform installs, pinned in one place, and their values as pure functions.

Each `*_values` function takes plain settings and names and returns a fresh dict, so it can be
tested without Pulumi; components hand the result to `helm.v3.Release`. The chart contract tests
render every release of every stack with these exact versions (see `tools/charts.py`).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    name: str
    version: str
    repository: str
    """A Helm repository URL, or the `oci://` reference of the chart itself."""

    @property
    def is_oci(self) -> bool:
        return self.repository.startswith("oci://")

    @property
    def archive(self) -> str:
        """The file name of the packaged chart, as `helm pull` writes it."""
        return f"{self.name}-{self.version}.tgz"


TRAEFIK = Chart("traefik", "41.3.0", "https://traefik.github.io/charts")
CLUSTER_AUTOSCALER = Chart("cluster-autoscaler", "9.59.0", "https://kubernetes.github.io/autoscaler")
# Published only to this OCI registry since 0.22 (the eks-charts repository stops at 0.21.0).
NODE_TERMINATION_HANDLER = Chart(
    "aws-node-termination-handler", "0.27.6", "oci://public.ecr.aws/aws-ec2/helm/aws-node-termination-handler"
)
JUPYTERHUB = Chart("jupyterhub", "4.4.0", "https://hub.jupyter.org/helm-chart/")
KUBE_PROMETHEUS_STACK = Chart("kube-prometheus-stack", "88.5.3", "https://prometheus-community.github.io/helm-charts")

ALL_CHARTS = (TRAEFIK, CLUSTER_AUTOSCALER, NODE_TERMINATION_HANDLER, JUPYTERHUB, KUBE_PROMETHEUS_STACK)
