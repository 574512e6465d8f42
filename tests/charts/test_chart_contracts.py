"""Chart contract tests: every Helm release of every stack, rendered with the real pinned chart.

For each release in each stack's plan: the values pass the chart's schema; the chart renders
with the release's name, namespace and values, for the stack's Kubernetes version and the API
versions a cluster serves; every object it renders is named with the stack prefix; and every
object is valid for that Kubernetes version.
"""

from typing import Any

import kubernetes_validate
import pytest

from tests.support import STACKS, kubernetes_version
from tools.plan.charts import RELEASE, chart_of, custom_kinds
from tools.plan.program import ProgramRun

# Names a chart builds around the release name rather than after it, by (kind, start): the prefix
# is still in them. The Prometheus operator finds an Alertmanager's configuration in the Secret
# `alertmanager-<its name>`, which kube-prometheus-stack therefore renders under that name.
OPERATOR_NAMED = {("Secret", "alertmanager-")}


def test_every_stack_file_with_a_cluster_installs_releases(stack_runs: dict[str, ProgramRun]) -> None:
    with_releases = {stack for stack in STACKS if stack_runs[stack].by_type(RELEASE)}
    assert {"dev", "tst", "prod", "local"} <= with_releases


def test_every_rendered_object_carries_the_stack_prefix(
    rendered_releases: dict[tuple[str, str], list[dict[str, Any]]],
) -> None:
    for (stack, release), objects in rendered_releases.items():
        assert objects, f"{stack} {release} rendered nothing"
        for obj in objects:
            name = obj["metadata"]["name"]
            if any(obj["kind"] == kind and name.startswith(f"{start}{stack}-") for kind, start in OPERATOR_NAMED):
                continue
            # z2jh names some objects the fullname itself (the Ingress, the priority class)
            assert name == stack or name.startswith(f"{stack}-"), f"{stack} {release}: {obj['kind']} {name}"


@pytest.mark.slow
def test_every_rendered_object_is_valid_for_the_stack_kubernetes_version(
    rendered_releases: dict[tuple[str, str], list[dict[str, Any]]], stack_runs: dict[str, ProgramRun]
) -> None:
    for (stack, release), objects in rendered_releases.items():
        version = f"{kubernetes_version(stack)}.0"
        # The CRDs of every chart the stack installs: the autoscaler's ServiceMonitor is of
        # kube-prometheus-stack's (test_dependencies.py: its release waits for that one).
        custom = frozenset().union(*(custom_kinds(chart_of(r)) for r in stack_runs[stack].by_type(RELEASE)))
        for obj in objects:
            if (obj["apiVersion"], obj["kind"]) in custom:
                continue  # a custom resource of the stack's charts' CRDs: no Kubernetes schema to check
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{stack} {release}: {obj['kind']} {obj['metadata']['name']}: {error.message}")


def test_traefik_behind_tls_offload_serves_plain_http_and_says_it_was_https(
    rendered_releases: dict[tuple[str, str], list[dict[str, Any]]],
) -> None:
    objects = rendered_releases[("prod", "prod-traefik-release")]
    [deployment] = [o for o in objects if o["kind"] == "Deployment"]
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert not [a for a in args if a.startswith("--entryPoints.websecure.http.tls")], "TLS would end twice"
    assert "--entryPoints.web.http.redirections.entryPoint.to=:443" in args
    assert "--entryPoints.web.http.redirections.entryPoint.scheme=https" in args
    [middleware_arg] = [a for a in args if a.startswith("--entryPoints.websecure.http.middlewares=")]
    [middleware] = [o for o in objects if o["kind"] == "Middleware"]
    assert middleware_arg.endswith(
        f"={middleware['metadata']['namespace']}-{middleware['metadata']['name']}@kubernetescrd"
    )
    assert middleware["spec"]["headers"]["customRequestHeaders"]["X-Forwarded-Proto"] == "https"
    [service] = [o for o in objects if o["kind"] == "Service"]
    ports = {p["port"]: p["targetPort"] for p in service["spec"]["ports"]}
    assert ports == {80: "web", 443: "websecure"}


def traefik_sends_sts(headers: dict[str, Any], request_headers: dict[str, str], tls: bool) -> bool:
    """Whether Traefik's headers middleware adds Strict-Transport-Security to the response.

    Traefik v3 (pkg/middlewares/headers/headers.go) runs customRequestHeaders first and then the
    secure handler, unrolled/secure v1.0.9 (secure.go `processRequest`, `isSSL`), which adds the
    header when stsSeconds is set, isDevelopment is off, and the request is TLS, carries one of
    the sslProxyHeaders exactly, or forceSTSHeader is on.
    """
    seen = {**request_headers, **headers.get("customRequestHeaders", {})}
    proxied_ssl = any(seen.get(k) == v for k, v in headers.get("sslProxyHeaders", {}).items())
    ssl = tls or proxied_ssl
    on = bool(headers.get("stsSeconds")) and not headers.get("isDevelopment", False)
    return on and (ssl or bool(headers.get("forceSTSHeader", False)))


@pytest.mark.parametrize("stack", ["tst", "prod"])
def test_browsers_get_hsts_behind_tls_offload(
    stack: str, rendered_releases: dict[tuple[str, str], list[dict[str, Any]]]
) -> None:
    """The load balancer ends TLS, so Traefik's websecure entry point sees plain HTTP."""
    [middleware] = [o for o in rendered_releases[(stack, f"{stack}-traefik-release")] if o["kind"] == "Middleware"]
    headers = middleware["spec"]["headers"]
    assert traefik_sends_sts(headers, {}, tls=False), f"{stack}: no Strict-Transport-Security behind the NLB"
    assert headers["stsSeconds"] >= 15_552_000  # 180 days
