"""Helpers the tests share: the stacks, a minimal config, reading what the plan registered.

Fixtures live in conftest.py; tests import helpers from here and never from each other.
"""

import base64
import email
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import IO, Any

import pytest
from traitlets.config import Config

from settings import SettingsError, StackSettings, settings_from_config
from tools.plan.mocks import Registration
from tools.plan.program import ProgramRun
from tools.plan.stack_config import ROOT, project_name, read_stack_config, stack_names

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
        "allowedGroups": ["a-university"],  # GitHub: the organization whose members may log in
    }
}
# A minimal valid config for tests that change one thing at a time.
BASE_CONFIG: dict[str, Any] = {
    "tier": "development",
    "aws:region": "eu-west-1",
    "hub": {"auth": {"authenticator": "shared-password", "sharedPassword": {"secure": "v1:test"}}},
}

RunConfig = Callable[..., ProgramRun]
HubFor = Callable[..., Config]
"""The hub configuration of a planned stack, as its pod would load it."""


def tags_of(resource: Registration) -> dict[str, str]:
    """A resource's own tags, whether a map (most types) or a list of key/value (Auto Scaling groups)."""
    tags = resource.inputs.get("tags") or {}
    if isinstance(tags, list):
        return {t["key"]: t["value"] for t in tags}
    return dict(tags)


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and In/NotIn/Exists expressions) against labels."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


@cache
def kubernetes_version(stack: str) -> str:
    config = read_stack_config(stack)
    settings = settings_from_config(config.project, stack, config.values, config.secret_keys)
    return settings.cluster.kubernetes_version


def node_config_of(encoded: str) -> dict[str, Any]:
    """The nodeadm NodeConfig inside a launch template's base64 MIME user data."""
    message = email.message_from_bytes(base64.b64decode(encoded))
    assert message.is_multipart()
    [part] = [p for p in message.walk() if p.get_content_type() == "application/node.eks.aws"]
    document = json.loads(str(part.get_payload()))
    assert isinstance(document, dict)
    return document


@dataclass(frozen=True)
class TypeCheck:
    """mypy running in a process of its own, its report going to a file."""

    process: "subprocess.Popen[bytes]"
    output: IO[bytes]

    def report(self) -> tuple[int, str]:
        """Wait for it: (exit code, what it printed)."""
        returncode = self.process.wait(timeout=900)
        self.output.seek(0)
        return returncode, self.output.read().decode()


def start_type_check() -> TypeCheck:
    """mypy over the program, its tools and the tests. In a process of its own: it holds gigabytes
    of syntax trees that would otherwise stay with the test process. To a file: a long report
    never blocks it on a full pipe."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 (open while mypy writes; the TypeCheck owns it)
    process = subprocess.Popen(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary"],
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    return TypeCheck(process, output)


TYPE_CHECK = pytest.StashKey[TypeCheck]()
"""Where conftest.py keeps the type check it started, for tests/tools/test_types.py."""


def load_config_as_pulumi_passes_it(
    config: dict[str, Any], stack: str = "tst", secret: tuple[str, ...] = ()
) -> StackSettings:
    """Validate config written as in a stack file (objects as objects), the way Pulumi passes it:
    top-level values as text, objects as JSON."""
    raw = {}
    for key, value in config.items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        raw[full] = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    # `hub` holds secrets (the login's) in every stack, so Pulumi marks the whole key secret.
    return settings_from_config(PROJECT, stack, raw, {f"{PROJECT}:{k}" for k in (*secret, "hub")})


def problems_of(config: dict[str, Any], **kwargs: Any) -> list[str]:
    """The lines of the settings error this config gets, one per problem (it must get one)."""
    with pytest.raises(SettingsError) as caught:
        load_config_as_pulumi_passes_it(config, **kwargs)
    return str(caught.value).splitlines()[1:]
