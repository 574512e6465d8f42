"""Review stacks: naming, what to reap, the stack file, and the guard that keeps every other
stack out of the tool's reach."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from tools.ops import review_stacks
from tools.ops.review_stacks import (
    NotAReviewStackError,
    StackInfo,
    is_review_stack,
    main,
    review_stack_name,
    stack_file,
    to_reap,
)
from tools.plan.program import run_program
from tools.plan.stack_config import ROOT, config_from_dict

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TTL = timedelta(days=14)
NOT_REVIEW = [
    "dev",
    "tst",
    "prod",
    "local",
    "review",
    "pr-",
    "pr-0",
    "pr-12a",
    "PR-12",
    "pr-123456789",
    "org/proj/prod",
]


@pytest.mark.parametrize("name", ["pr-1", "pr-123", "org/jupyterhub-platform/pr-42"])
def test_review_stacks_are_named_after_their_pull_request(name: str) -> None:
    assert is_review_stack(name)


@pytest.mark.parametrize("name", NOT_REVIEW)
def test_nothing_else_is_a_review_stack(name: str) -> None:
    assert not is_review_stack(name)


def test_a_pull_request_number_gives_its_stack() -> None:
    assert review_stack_name(123) == "pr-123"
    with pytest.raises(NotAReviewStackError):
        review_stack_name(0)


def test_closed_and_stale_review_stacks_are_reaped_and_nothing_else() -> None:
    stacks = [
        StackInfo("pr-1", NOW - timedelta(hours=1)),  # open, fresh: kept
        StackInfo("pr-2", NOW - timedelta(hours=1)),  # closed: reaped
        StackInfo("pr-3", NOW - timedelta(days=20)),  # open but stale: reaped
        StackInfo("pr-4", None),  # never updated: reaped
        StackInfo("prod", NOW - timedelta(days=400)),  # old, but never a candidate
        StackInfo("tst", None),
    ]
    assert to_reap(stacks, open_pull_requests={1, 3, 4}, now=NOW, ttl=TTL) == ["pr-2", "pr-3", "pr-4"]


def test_a_new_review_stack_gets_the_review_template_and_plans(tmp_path: Path) -> None:
    text = stack_file("pr-7")
    assert text == (ROOT / "Pulumi.review.yaml").read_text()
    config = {**yaml.safe_load(text)["config"], "aws:region": "eu-west-1"}  # from Pulumi.yaml, as for any stack
    run = run_program(config_from_dict("jupyterhub-platform", "pr-7", config))
    hub = next(r for r in run.by_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "jupyterhub")
    assert hub.inputs["values"]["ingress"]["hosts"] == ["pr-7.review.tst.example.edu"]
    assert hub.inputs["namespace"] == "pr-7-hub"
    assert not [r for r in run.resources if r.type.startswith("aws:")]


class Recorder:
    """Stands in for Pulumi's Automation API and records every call that reaches it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def create_or_select_stack(self, **kwargs: Any) -> Any:
        self.calls.append(("select", kwargs["stack_name"]))
        raise AssertionError("reached the Automation API")

    def LocalWorkspace(self, **kwargs: Any) -> Any:  # noqa: N802 (the API's name)
        self.calls.append(("workspace", kwargs))
        raise AssertionError("reached the Automation API")


@pytest.mark.parametrize("name", NOT_REVIEW)
@pytest.mark.parametrize("command", ["up", "destroy"])
def test_no_command_reaches_pulumi_for_another_stack(
    name: str, command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(review_stacks, "auto", recorder)
    assert main([command, "--stack", name]) == 2
    assert recorder.calls == []
    assert "is not a review stack" in capsys.readouterr().err


ENTRY_POINTS: dict[str, Callable[[str], object]] = {
    "up": lambda name: review_stacks.up(name, password=None),
    "destroy": review_stacks.destroy,
    "open": review_stacks._open_review_stack,
    "remove": review_stacks._remove_review_stack,
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("name", ["prod", "tst", "pr-7-old"])
def test_every_function_that_reaches_pulumi_refuses_another_stack_first(
    entry: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only the command line: a workflow or a person importing the module is refused as well."""
    recorder = Recorder()
    monkeypatch.setattr(review_stacks, "auto", recorder)
    with pytest.raises(NotAReviewStackError):
        ENTRY_POINTS[entry](name)
    assert recorder.calls == []


def test_reaping_refuses_nothing_silently(monkeypatch: pytest.MonkeyPatch) -> None:
    destroyed: list[str] = []

    class Workspace:
        def __init__(self, **kwargs: Any) -> None:
            pass

        def list_stacks(self) -> list[Any]:
            return [SimpleNamespace(name=n, last_update=NOW) for n in ("prod", "tst", "pr-5", "pr-6")]

    monkeypatch.setattr("tools.ops.review_stacks.auto.LocalWorkspace", Workspace)
    monkeypatch.setattr(review_stacks, "require_pulumi_cli", lambda: None)
    monkeypatch.setattr(review_stacks, "destroy", destroyed.append)
    assert review_stacks.reap({6}, TTL) == ["pr-5"]
    assert destroyed == ["pr-5"]


# A pull request number no real review stack has: its stack file would land in the repository.
STRAY = "pr-99991"


@pytest.fixture
def stray_stack_file() -> Iterator[Path]:
    """The stack file the tool would write for STRAY; removed after the test whatever the tool did."""
    path = ROOT / f"Pulumi.{STRAY}.yaml"
    yield path
    path.unlink(missing_ok=True)


@pytest.mark.parametrize("argv", [["up", "--stack", STRAY], ["destroy", "--stack", STRAY], ["reap", "--open", "1"]])
def test_without_the_pulumi_cli_it_says_so_in_one_line_and_writes_nothing(
    argv: list[str],
    stray_stack_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """This machine has no Pulumi CLI; a PATH that is an empty folder makes sure of it anywhere."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv(review_stacks.PASSWORD_VARIABLE, "a-review-password")
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Pulumi CLI" in err[0] and "pulumi" in err[0] and "install" in err[0].lower()
    assert not stray_stack_file.exists()


@pytest.mark.parametrize("command", ["up", "destroy"])
def test_a_run_that_fails_leaves_no_stack_file_behind(
    command: str, stray_stack_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def backend_refuses(**kwargs: Any) -> Any:
        assert stray_stack_file.exists()  # written from the template before Pulumi reads it
        raise RuntimeError("the backend refused")

    monkeypatch.setattr(review_stacks, "require_pulumi_cli", lambda: None, raising=False)
    monkeypatch.setattr("tools.ops.review_stacks.auto.create_or_select_stack", backend_refuses)
    with pytest.raises(RuntimeError, match="the backend refused"):
        if command == "up":
            review_stacks.up(STRAY, "a-review-password")
        else:
            review_stacks.destroy(STRAY)
    assert not stray_stack_file.exists()


def test_a_stack_file_that_was_there_before_stays(stray_stack_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stray_stack_file.write_text("config: {}\n")
    monkeypatch.setattr(review_stacks, "require_pulumi_cli", lambda: None, raising=False)
    monkeypatch.setattr("tools.ops.review_stacks.auto.create_or_select_stack", lambda **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        review_stacks.destroy(STRAY)
    assert stray_stack_file.read_text() == "config: {}\n"
