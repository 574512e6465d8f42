"""Plan diffs for pull requests: what a change adds, removes and changes in a stack."""

import copy
import json
from pathlib import Path
from typing import Any

from tools.plan.diff import compare, main, summary
from tools.plan.program import ProgramRun, run_program
from tools.plan.render import resource_records
from tools.plan.stack_config import read_stack_config


def records(run: ProgramRun) -> list[dict[str, Any]]:
    return resource_records(run)


def test_the_same_plan_is_no_change(stack_runs: dict[str, ProgramRun]) -> None:
    plan = records(stack_runs["dev"])
    change = compare(plan, copy.deepcopy(plan))
    assert change.empty
    assert summary("dev", change) == "### dev: no change\n"


def test_a_changed_setting_shows_as_the_inputs_it_changes(stack_runs: dict[str, ProgramRun]) -> None:
    base = records(stack_runs["dev"])
    config = read_stack_config("dev")
    values = dict(config.values)
    network = json.loads(values["jupyterhub-platform:cluster"])
    network["userNodes"]["maxPerZone"] = 3
    values["jupyterhub-platform:cluster"] = json.dumps(network)
    head = records(run_program(type(config)(config.project, config.stack, values, config.secret_keys)))
    change = compare(base, head)
    assert not change.added and not change.removed
    groups = {urn: keys for urn, keys in change.changed.items() if "autoscaling/group:Group" in urn}
    assert len(groups) == 3 and all(keys == ["maxSize"] for keys in groups.values())


def test_removing_a_protected_resource_is_flagged(stack_runs: dict[str, ProgramRun]) -> None:
    base = records(stack_runs["prod"])
    head = [r for r in base if r["type"] != "aws:kms/key:Key"]
    text = summary("prod", compare(base, head))
    assert "to remove" in text and "protected: `pulumi up` will refuse" in text


def test_the_command_line_reads_two_plan_folders(
    tmp_path: Path, capsys: Any, stack_runs: dict[str, ProgramRun]
) -> None:
    plan = records(stack_runs["local"])
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    (tmp_path / "base" / "resources.json").write_text(json.dumps(plan[:-1]))
    (tmp_path / "head" / "resources.json").write_text(json.dumps(plan))
    assert main([str(tmp_path / "base"), str(tmp_path / "head"), "--stack", "local"]) == 0
    assert "### local: 1 to add" in capsys.readouterr().out
