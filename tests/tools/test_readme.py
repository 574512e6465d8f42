"""The README tells the truth: its configuration reference is the settings model's, and the
numbers and commands it quotes are the code's."""

import subprocess

from charts.alerts import alert_rules
from settings import settings_from_config
from settings.calendar import session_lines
from settings.capacity import stack_capacity
from settings.naming import MAX_PREFIX_LENGTH, TIGHTEST
from tools.plan.config_reference import reference_table, with_reference
from tools.plan.stack_config import ROOT, read_stack_config

README = (ROOT / "README.md").read_text()
PROSE = " ".join(README.split())  # line breaks fall anywhere in prose


def test_the_configuration_reference_is_up_to_date() -> None:
    assert with_reference(README) == README, "README.md is out of date: run `make docs`"


def test_the_reference_lists_every_setting_with_a_description() -> None:
    rows = reference_table().splitlines()[2:]
    assert rows, "no settings listed"
    for row in rows:
        description = row.rsplit(" | ", 1)[-1].removesuffix(" |").strip()
        assert len(description) > 20, f"setting without a real description: {row}"


def test_the_prefix_limit_quoted_is_the_code_s() -> None:
    assert f"at most {MAX_PREFIX_LENGTH} characters" in PROSE
    assert f"`{TIGHTEST.shape}` must fit in {TIGHTEST.limit}" in PROSE


def test_the_ci_entry_point_is_valid_bash_that_runs_make_test() -> None:
    """CI runs `.ci/run` with bash on a clean clone: a syntax error there is a red build, not a test."""
    run = ROOT / ".ci" / "run"
    checked = subprocess.run(["bash", "-n", str(run)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    assert run.read_text().rstrip().endswith("make test")


def test_the_quick_start_commands_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "make test" in README and "make plan STACK=dev" in README
    assert "\ntest:" in makefile and "\nplan:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_students_per_node_quoted_are_the_plan_s() -> None:
    for stack in ("dev", "tst", "prod"):
        config = read_stack_config(stack)
        settings = settings_from_config(config.project, stack, config.values, config.secret_keys)
        assert f"`{stack_capacity(settings).line()}`" in PROSE, stack


def test_every_alert_is_explained() -> None:
    for group in alert_rules("prod", "prod-hub"):
        for rule in group["rules"]:
            assert f"`{rule['alert']}`" in PROSE, rule["alert"]


def test_the_class_calendar_quoted_is_the_plan_s() -> None:
    config = read_stack_config("prod")
    settings = settings_from_config(config.project, "prod", config.values, config.secret_keys)
    lines = session_lines(
        settings.calendar,
        stack_capacity(settings).students,
        settings.zone_count,
        settings.cluster.user_nodes.min_per_zone,
    )
    assert lines
    for line in lines:
        assert f"`{line}`" in PROSE, line
