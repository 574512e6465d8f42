"""The hub's release as each stack plans it: names, way in, secrets kept out, tier defaults."""

import base64
import json
from typing import Any

import pytest

from tests.support import STACKS
from tools.plan.mocks import Registration, SecretValue
from tools.plan.program import ProgramRun

RELEASE = "kubernetes:helm.sh/v3:Release"


def hub_release(run: ProgramRun) -> Registration:
    [release] = [r for r in run.by_type(RELEASE) if r.inputs["chart"] == "jupyterhub"]
    return release


def values(run: ProgramRun) -> dict[str, Any]:
    found: dict[str, Any] = hub_release(run).inputs["values"]
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_name_starts_with_the_prefix(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    release, chart_values = hub_release(stack_runs[stack]), values(stack_runs[stack])
    assert release.inputs["name"] == f"{stack}-jupyterhub" and release.inputs["namespace"] == f"{stack}-hub"
    assert chart_values["fullnameOverride"] == stack
    assert chart_values["singleuser"]["podNameTemplate"].startswith(f"{stack}-jupyter-")


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_is_in_the_values(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    text = json.dumps(values(run), default=str)
    secret = run.named(f"{stack}-jupyterhub-secrets")
    data = secret.inputs["stringData"]
    assert isinstance(data, SecretValue), "the Secret's data must reach Kubernetes as a Pulumi secret"
    assert data.value
    for value in data.value.values():
        assert value not in text
    for variable in values(run)["hub"]["extraEnv"].values():
        assert variable["valueFrom"]["secretKeyRef"]["name"] == f"{stack}-hub-secrets"


def test_a_new_version_of_the_hub_s_secret_restarts_the_hub(stack_runs: dict[str, ProgramRun]) -> None:
    annotations = values(stack_runs["prod"])["hub"]["annotations"]
    assert annotations["jupyterhub-platform/secrets-version"].isdigit()


def test_the_hub_builds_https_urls_behind_tls_offload(stack_runs: dict[str, ProgramRun]) -> None:
    assert values(stack_runs["prod"])["hub"]["config"]["JupyterHub"]["public_url"] == "https://hub.example.edu/"
    assert "public_url" not in values(stack_runs["local"])["hub"]["config"]["JupyterHub"]  # plain HTTP on kind


def test_the_proxy_sits_behind_the_stack_s_ingress(stack_runs: dict[str, ProgramRun]) -> None:
    chart_values = values(stack_runs["prod"])
    assert chart_values["proxy"]["service"]["type"] == "ClusterIP"
    assert chart_values["ingress"] == {
        "enabled": True,
        "hosts": ["hub.example.edu"],
        "pathType": "Prefix",
        "ingressClassName": "prod-traefik",
    }


def test_a_review_stack_gets_a_hostname_under_the_test_stack_s_domain(stack_runs: dict[str, ProgramRun]) -> None:
    ingress = values(stack_runs["review"])["ingress"]
    assert ingress["hosts"] == ["review.review.tst.example.edu"]
    assert ingress["ingressClassName"] == "tst-traefik"


@pytest.mark.parametrize(("stack", "placeholders", "idle_minutes"), [("prod", 20, 60), ("tst", 5, 30), ("dev", 0, 30)])
def test_capacity_and_culling_follow_the_tier(
    stack: str, placeholders: int, idle_minutes: int, stack_runs: dict[str, ProgramRun]
) -> None:
    chart_values = values(stack_runs[stack])
    scheduling = chart_values["scheduling"]
    assert scheduling["userPlaceholder"]["replicas"] == placeholders
    assert scheduling["podPriority"]["enabled"] is True
    # placeholders must still make cluster-autoscaler add nodes: not below the cutoff it runs with
    autoscaler = next(r for r in stack_runs[stack].by_type(RELEASE) if r.inputs["chart"] == "cluster-autoscaler")
    cutoff = autoscaler.inputs["values"]["extraArgs"]["expendable-pods-priority-cutoff"]
    assert scheduling["podPriority"]["userPlaceholderPriority"] >= cutoff
    assert scheduling["userPods"]["nodeAffinity"]["matchNodePurpose"] == "require"
    assert chart_values["cull"]["timeout"] == idle_minutes * 60


def test_servers_cannot_reach_the_instance_metadata_service(stack_runs: dict[str, ProgramRun]) -> None:
    """By network policy and the nodes' hop limit, not z2jh's privileged iptables init container
    (tests/charts/test_hardening.py shows what the rendered policy admits)."""
    singleuser = values(stack_runs["prod"])["singleuser"]
    assert singleuser["cloudMetadata"]["blockWithIptables"] is False
    assert singleuser["networkPolicy"]["egressAllowRules"]["cloudMetadataServer"] is False
    assert values(stack_runs["prod"])["hub"]["networkPolicy"]["enabled"] is True


def test_the_logo_in_the_repository_reaches_the_hub(stack_runs: dict[str, ProgramRun]) -> None:
    hub = values(stack_runs["prod"])["hub"]
    logo = hub["extraFiles"]["logo"]
    assert base64.b64decode(logo["binaryData"]).startswith(b"<svg")
    assert hub["config"]["JupyterHub"]["logo_file"] == logo["mountPath"]


def test_the_hub_database_lives_on_the_stack_s_gp3_volume(stack_runs: dict[str, ProgramRun]) -> None:
    assert values(stack_runs["dev"])["hub"]["db"] == {"type": "sqlite-pvc", "pvc": {"storageClassName": "dev-gp3"}}
    assert "db" not in values(stack_runs["local"])["hub"]  # the local cluster's default StorageClass
