"""Invariants every stack file in the repository keeps: prefix, tags, explicit providers, no secrets."""

import importlib
import inspect
import json
from functools import cache
from pathlib import Path

import pytest

from tests.support import STACKS, tags_of
from tools.plan.mocks import Registration, SecretValue
from tools.plan.program import ProgramRun, run_program
from tools.plan.render import SECRET, write_plan
from tools.plan.stack_config import PLACEHOLDER_SECRET, read_stack_config

pytestmark = pytest.mark.parametrize("stack", STACKS)


def test_the_repository_has_the_three_environments(stack: str) -> None:
    assert {"dev", "tst", "prod"} <= set(STACKS)


@cache
def takes_tags(type_token: str) -> bool:
    """Whether a pulumi_aws resource type has a `tags` argument (`aws:ec2/vpc:Vpc` -> ec2.Vpc)."""
    _, module_path, class_name = type_token.split(":")
    module = importlib.import_module(f"pulumi_aws.{module_path.split('/')[0]}")
    init = getattr(module, class_name)._internal_init
    return "tags" in inspect.signature(init).parameters


def default_tags(run: ProgramRun, resource: Registration) -> dict[str, str]:
    if resource.provider is None:
        return {}
    provider = next(r for r in run.resources if r.urn == resource.provider)
    return dict(json.loads(provider.inputs.get("defaultTags", "{}")).get("tags", {}))


def test_every_logical_name_starts_with_the_prefix(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    for resource in run.resources:
        if resource.type == "pulumi:pulumi:Stack":
            continue
        assert resource.name.startswith(f"{stack}-"), f"{resource.type} {resource.name}"
        name_tag = tags_of(resource).get("Name")
        assert name_tag is None or name_tag.startswith(f"{stack}-"), f"{resource.name} Name tag {name_tag}"


def test_every_aws_resource_goes_through_an_explicit_provider(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    for resource in stack_runs[stack].resources:
        if resource.type.startswith("aws:"):
            assert resource.provider, f"{resource.name} uses the default provider"


def test_every_taggable_aws_resource_gets_the_four_tags(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    tier = read_stack_config(stack).values[f"{run.project}:tier"]
    expected = {"Project": run.project, "Stack": stack, "Tier": tier, "ManagedBy": "pulumi"}
    taggable = [r for r in run.resources if r.type.startswith("aws:") and takes_tags(r.type)]
    if run.outputs["clusterMode"] != "eks":
        assert not any(r.type.startswith(("aws:", "pulumi:providers:aws")) for r in run.resources)
        return
    assert taggable, "no taggable AWS resource: the check would prove nothing"
    for resource in taggable:
        tags = {**default_tags(run, resource), **tags_of(resource)}
        assert {k: tags.get(k) for k in expected} == expected, resource.name


def test_no_secret_reaches_the_plan_files(stack: str, stack_runs: dict[str, ProgramRun], tmp_path: Path) -> None:
    run = stack_runs[stack]
    resources, outputs = write_plan(run, tmp_path)
    text = resources.read_text() + outputs.read_text()
    assert PLACEHOLDER_SECRET not in text
    secrets = [s.value for s in _secrets([r.inputs for r in run.resources]) + _secrets(run.outputs)]
    for secret in secrets:
        if secret:  # an empty secret (no kubeconfig given) cannot leak anything
            assert json.dumps(secret) not in text
    assert text.count(SECRET) >= len(secrets)


def test_the_plan_is_deterministic(stack: str, stack_runs: dict[str, ProgramRun], tmp_path: Path) -> None:
    first = write_plan(stack_runs[stack], tmp_path / "first")
    second = write_plan(run_program(read_stack_config(stack)), tmp_path / "second")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def _secrets(value: object) -> list[SecretValue]:
    if isinstance(value, SecretValue):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _secrets(v)]
    if isinstance(value, list):
        return [s for v in value for s in _secrets(v)]
    return []
