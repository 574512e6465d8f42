"""How the platform installs a pinned chart: one `helm.v3.Release` shape for every chart."""

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from charts import Chart

# Long enough for images to be pulled onto a fresh node; a release that is not ready by then
# is rolled back to what was there (cleanup_on_fail) instead of being left half-installed.
RELEASE_TIMEOUT_SECONDS = 900


def helm_release(
    name: str,
    chart: Chart,
    *,
    release_name: str,
    namespace: pulumi.Input[str],
    values: pulumi.Input[dict[str, Any]],
    opts: pulumi.ResourceOptions,
) -> k8s.helm.v3.Release:
    """A Helm release of `chart` at its pinned version; `release_name` carries the stack prefix."""
    return k8s.helm.v3.Release(
        name,
        k8s.helm.v3.ReleaseArgs(
            name=release_name,
            chart=chart.repository if chart.is_oci else chart.name,
            version=chart.version,
            repository_opts=None if chart.is_oci else k8s.helm.v3.RepositoryOptsArgs(repo=chart.repository),
            namespace=namespace,
            values=values,
            cleanup_on_fail=True,
            timeout=RELEASE_TIMEOUT_SECONDS,
            max_history=10,
        ),
        opts=opts,
    )
