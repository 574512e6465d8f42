"""Helpers the tests share: the stacks, a minimal config, reading what the plan registered.

Fixtures live in conftest.py; tests import helpers from here and never from each other.
"""

import base64
import email
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from traitlets.config import Config

from charts import ALL_CHARTS, Chart
from settings import settings_from_config
from tools.plan.mocks import Registration, SecretValue
from tools.plan.program import ProgramRun
from tools.plan.stack_config import project_name, read_stack_config, stack_names

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
HubFor = Callable[..., Config]
"""The hub configuration of a planned stack, as its pod would load it."""


def tags_of(resource: Registration) -> dict[str, str]:
    """A resource's own tags, whether a map (most types) or a list of key/value (Auto Scaling groups)."""
    tags = resource.inputs.get("tags") or {}
    if isinstance(tags, list):
        return {t["key"]: t["value"] for t in tags}
    return dict(tags)


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


def node_config_of(encoded: str) -> dict[str, Any]:
    """The nodeadm NodeConfig inside a launch template's base64 MIME user data."""
    message = email.message_from_bytes(base64.b64decode(encoded))
    assert message.is_multipart()
    [part] = [p for p in message.walk() if p.get_content_type() == "application/node.eks.aws"]
    document = json.loads(str(part.get_payload()))
    assert isinstance(document, dict)
    return document
