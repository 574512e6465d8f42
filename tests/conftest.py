"""Fixtures that run the real program under mocks, for a stack file or for a config dict."""

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from charts import ALL_CHARTS, Chart
from settings import settings_from_config
from tools.plan.charts import render
from tools.plan.mocks import Registration, SecretValue
from tools.plan.program import ProgramRun, run_program
from tools.plan.stack_config import config_from_dict, project_name, read_stack_config, stack_names

PROJECT = project_name()
STACKS = stack_names()

# An ACM certificate in the base config's region, for tiers that require TLS.
CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-4000-8000-000000000000"
# A login production and staging accept.
OAUTH_LOGIN: dict[str, Any] = {
    "auth": {
        "authenticator": "github",
        "clientId": "test-client",
        "clientSecret": {"secure": "v1:test"},
    }
}
# A minimal valid config for tests that change one thing at a time.
BASE_CONFIG: dict[str, Any] = {
    "tier": "development",
    "aws:region": "eu-west-1",
    "hub": {"auth": {"authenticator": "shared-password", "sharedPassword": {"secure": "v1:test"}}},
}

RunConfig = Callable[..., ProgramRun]


def tags_of(resource: Registration) -> dict[str, str]:
    """A resource's own tags, whether a map (most types) or a list of key/value (Auto Scaling groups)."""
    tags = resource.inputs.get("tags") or {}
    if isinstance(tags, list):
        return {t["key"]: t["value"] for t in tags}
    return dict(tags)


@pytest.fixture(scope="session")
def stack_runs() -> dict[str, ProgramRun]:
    """The program run once for every stack file in the repository."""
    return {stack: run_program(read_stack_config(stack)) for stack in STACKS}


@pytest.fixture
def run_config() -> RunConfig:
    """Run the program for `stack` with BASE_CONFIG updated by `config` (stack-file keys)."""

    def run(config: dict[str, Any] | None = None, stack: str = "dev") -> ProgramRun:
        return run_program(config_from_dict(PROJECT, stack, {**BASE_CONFIG, **(config or {})}))

    return run


RELEASE = "kubernetes:helm.sh/v3:Release"


def chart_of(release: Registration) -> Chart:
    reference, version = release.inputs["chart"], release.inputs["version"]
    matches = [c for c in ALL_CHARTS if reference in (c.name, c.repository) and c.version == version]
    assert matches, f"{release.name}: {reference} {version} is not a pinned chart"
    return matches[0]


def unwrap(value: Any) -> Any:
    if isinstance(value, SecretValue):
        return unwrap(value.value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


@cache
def kubernetes_version(stack: str) -> str:
    config = read_stack_config(stack)
    settings = settings_from_config(config.project, stack, config.values, config.secret_keys)
    return settings.cluster.kubernetes_version


@pytest.fixture(scope="session")
def rendered_releases(stack_runs: dict[str, ProgramRun]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every release of every stack, rendered once for the whole session."""
    out = {}
    for stack in STACKS:
        for release in stack_runs[stack].by_type(RELEASE):
            out[(stack, release.name)] = render(
                chart_of(release),
                release=release.inputs["name"],
                namespace=release.inputs["namespace"],
                values=unwrap(release.inputs.get("values", {})),
                kube_version=f"{kubernetes_version(stack)}.0",
            )
    return out
