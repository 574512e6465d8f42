"""Review stacks for pull requests: `python -m tools.ops.review_stacks up|destroy|reap`.

    up --stack pr-123        create (from Pulumi.review.yaml) or update the stack, `pulumi up`;
                             its hub's shared password comes from REVIEW_SHARED_PASSWORD
    destroy --stack pr-123   `pulumi destroy`, then remove the stack and its stack file
    reap --open 12 15 ...    destroy every review stack whose pull request is not open, or that
                             has not been updated for --ttl-days

Invariant guarded here: the tool never creates, updates, destroys or removes a stack that is
not a review stack (`pr-<number>`), whatever it is asked: every path to Pulumi's Automation API
goes through `_open_review_stack` or `_remove_review_stack`, which check the name first.
The decisions (names, what to reap, the stack file) are pure functions with their own tests.

Without the Pulumi CLI (the Automation API runs it) the tool says so in one line and exits 2
before it writes anything; a run that fails removes the stack file it wrote, so none is left in
the repository for a commit to pick up.
"""

import argparse
import os
import re
import shutil
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pulumi import automation as auto
from pulumi.automation import ConfigValue

from tools.plan.stack_config import ROOT

REVIEW_STACK = re.compile(r"pr-[1-9]\d{0,7}")
TEMPLATE = "Pulumi.review.yaml"
DEFAULT_TTL_DAYS = 14
PASSWORD_VARIABLE = "REVIEW_SHARED_PASSWORD"
PASSWORD_KEY = "jupyterhub-platform:hub.auth.sharedPassword"


class ReviewStackError(ValueError):
    """The tool cannot do what it was asked; the message says why."""


class NotAReviewStackError(ReviewStackError):
    """The tool was asked to touch a stack that is not a review stack."""


class MissingPulumiCliError(ReviewStackError):
    """There is no Pulumi CLI for the Automation API to run."""


@dataclass(frozen=True)
class StackInfo:
    name: str
    last_update: datetime | None
    """When the stack was last updated; None if it never was."""


def review_stack_name(pull_request: int) -> str:
    name = f"pr-{pull_request}"
    require_review_stack(name)
    return name


def is_review_stack(name: str) -> bool:
    return REVIEW_STACK.fullmatch(name.rsplit("/", 1)[-1]) is not None


def require_review_stack(name: str) -> str:
    if not is_review_stack(name):
        raise NotAReviewStackError(f"{name!r} is not a review stack: this tool only touches stacks named pr-<number>")
    return name


def pull_request_of(name: str) -> int:
    return int(require_review_stack(name).rsplit("/", 1)[-1].removeprefix("pr-"))


def to_reap(stacks: Iterable[StackInfo], open_pull_requests: set[int], now: datetime, ttl: timedelta) -> list[str]:
    """Review stacks whose pull request is not open, or that nobody has updated within `ttl`."""
    doomed = []
    for stack in stacks:
        if not is_review_stack(stack.name):
            continue  # never a candidate, whatever else is in the backend
        closed = pull_request_of(stack.name) not in open_pull_requests
        stale = stack.last_update is None or now - stack.last_update > ttl
        if closed or stale:
            doomed.append(stack.name)
    return sorted(doomed)


def stack_file(name: str, root: Path = ROOT) -> str:
    """The stack file of a new review stack: the review template, as it is."""
    require_review_stack(name)
    return (root / TEMPLATE).read_text()


def require_pulumi_cli() -> None:
    """The Automation API runs the `pulumi` command; without it, say what is missing and how to get it."""
    if shutil.which("pulumi") is None:
        raise MissingPulumiCliError(
            "the Pulumi CLI is missing: there is no `pulumi` on PATH, and the Automation API runs it. "
            "Install it (https://www.pulumi.com/docs/iac/download-install/; in a workflow, the "
            "pulumi/actions step) and run again."
        )


def _stack_file_path(name: str, root: Path = ROOT) -> Path:
    return root / f"Pulumi.{name.rsplit('/', 1)[-1]}.yaml"


@contextmanager
def _stack_file_removed_on_failure(name: str, root: Path = ROOT) -> Iterator[None]:
    """A stack file this run writes is removed again if the run fails. It holds the review template and,
    once `up` sets it, the encrypted password; nothing needs it afterwards, since every run writes it
    anew from the template as a fresh checkout in CI does, and left behind it could be committed."""
    path = _stack_file_path(name, root)
    existed = path.exists()
    try:
        yield
    except BaseException:
        if not existed:
            path.unlink(missing_ok=True)
        raise


def _open_review_stack(name: str, root: Path = ROOT) -> auto.Stack:
    """The only way this tool gets a stack to run: after checking it is a review stack."""
    require_review_stack(name)
    require_pulumi_cli()
    path = _stack_file_path(name, root)
    if not path.exists():
        path.write_text(stack_file(name, root))
    return auto.create_or_select_stack(stack_name=name, work_dir=str(root))


def _remove_review_stack(name: str, root: Path = ROOT) -> None:
    """The only way this tool removes a stack: after checking it is a review stack."""
    require_review_stack(name)
    require_pulumi_cli()
    auto.LocalWorkspace(work_dir=str(root)).remove_stack(name)
    _stack_file_path(name, root).unlink(missing_ok=True)


def up(name: str, password: str | None) -> str:
    """Create or update the review stack; its shared password comes from the environment."""
    require_review_stack(name)  # the name first: asked for `prod`, say that, not that a password is missing
    if not password:
        raise ReviewStackError(f"set {PASSWORD_VARIABLE}: a review stack's hub logs in with a shared password")
    with _stack_file_removed_on_failure(name):
        stack = _open_review_stack(name)
        stack.set_config(PASSWORD_KEY, ConfigValue(password, secret=True), path=True)
        stack.up(on_output=print)
        return str(stack.outputs()["hubUrl"].value)


def destroy(name: str) -> None:
    require_review_stack(name)
    with _stack_file_removed_on_failure(name):
        stack = _open_review_stack(name)
        stack.destroy(on_output=print)
        _remove_review_stack(name)


def reap(open_pull_requests: set[int], ttl: timedelta) -> list[str]:
    require_pulumi_cli()
    summaries = auto.LocalWorkspace(work_dir=str(ROOT)).list_stacks()
    stacks = [StackInfo(s.name, s.last_update) for s in summaries]
    doomed = to_reap(stacks, open_pull_requests, datetime.now(UTC), ttl)
    for name in doomed:
        destroy(name)
    return doomed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.ops.review_stacks", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for command in ("up", "destroy"):
        commands.add_parser(command).add_argument("--stack", required=True, help="pr-<number>")
    reaper = commands.add_parser("reap")
    reaper.add_argument("--open", type=int, nargs="*", default=[], help="numbers of the open pull requests")
    reaper.add_argument("--ttl-days", type=float, default=DEFAULT_TTL_DAYS, help="reap stacks idle longer")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            print(f"hub URL: {up(require_review_stack(args.stack), os.environ.get(PASSWORD_VARIABLE))}")
        elif args.command == "destroy":
            destroy(args.stack)
        else:
            reaped = reap(set(args.open), timedelta(days=args.ttl_days))
            print("reaped: " + (", ".join(reaped) or "nothing"))
    except ReviewStackError as refusal:
        print(refusal, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
