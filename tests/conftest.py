"""Fixtures that run the real program under mocks, for a stack file or for a config dict."""

from collections.abc import Callable
from typing import Any

import pytest

from tools.mocks import Registration
from tools.program import ProgramRun, run_program
from tools.stack_config import config_from_dict, project_name, read_stack_config, stack_names

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
