"""The hub's URL says what students really reach: https only where a TLS listener ends it.

The URL is what the delivery workflow's health check and the load test open (the `hubUrl`
output), and what people are told. An https:// URL on a load balancer that listens only on port
80 fails every promotion at its first health check.
"""

from typing import Any

import pytest

from tests.support import STACKS
from tools.ops.healthcheck import HealthCheck
from tools.plan.charts import RELEASE
from tools.plan.program import ProgramRun

NLB = "service.beta.kubernetes.io/aws-load-balancer"


def serves_tls(service: dict[str, Any]) -> bool:
    """Whether the in-tree AWS cloud provider gives this Service a TLS listener on 443: it does for
    the ports in aws-load-balancer-ssl-ports when aws-load-balancer-ssl-cert names a certificate
    (Kubernetes docs, "Service", section "TLS support on AWS")."""
    annotations = service["metadata"].get("annotations") or {}
    ports = {p["port"] for p in service["spec"]["ports"]}
    tls_ports = {int(p) for p in annotations.get(f"{NLB}-ssl-ports", "").split(",") if p}
    return bool(annotations.get(f"{NLB}-ssl-cert")) and 443 in ports & tls_ports


def traefik_service(rendered: dict[tuple[str, str], list[dict[str, Any]]], stack: str) -> dict[str, Any]:
    [service] = [o for o in rendered[(stack, f"{stack}-traefik-release")] if o["kind"] == "Service"]
    return service


@pytest.mark.parametrize("stack", STACKS)
def test_the_hub_url_is_https_exactly_where_tls_is_served(
    stack: str, stack_runs: dict[str, ProgramRun], rendered_releases: dict[tuple[str, str], list[dict[str, Any]]]
) -> None:
    run = stack_runs[stack]
    # A review stack's hub is reached through the test stack's Traefik.
    ingress_stack = "tst" if run.outputs["clusterMode"] == "stack" else stack
    tls = serves_tls(traefik_service(rendered_releases, ingress_stack))
    url = run.outputs["hubUrl"]
    assert url.startswith("https://" if tls else "http://"), f"{stack}: {url} on a {'TLS' if tls else 'plain'} listener"


@pytest.mark.parametrize("stack", STACKS)
def test_the_health_check_waits_as_long_as_the_hub_does(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    """A cold start (autoscaler, spot launch, image pull) may take the hub's whole start timeout;
    the check must not give up first, or it fails a start the hub would have let through."""
    [hub] = [r for r in stack_runs[stack].by_type(RELEASE) if r.inputs["chart"] == "jupyterhub"]
    assert HealthCheck.start_timeout > hub.inputs["values"]["singleuser"]["startTimeout"]
