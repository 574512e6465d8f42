"""What a change does to a stack's plan: `python -m tools.plan.diff BASE_DIR HEAD_DIR`.

Compares two offline plans (their resources.json) and prints a Markdown summary for a pull
request's job summary: resources added, removed, and changed (with the input keys that
changed), and which are protected. Secrets are already masked in the plans it reads.
"""

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PlanChange:
    added: list[str]
    removed: list[str]
    changed: dict[str, list[str]]
    """URN to the top-level input keys (and flags) that differ."""
    protected: set[str]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def compare(base: list[dict[str, Any]], head: list[dict[str, Any]]) -> PlanChange:
    before, after = {r["urn"]: r for r in base}, {r["urn"]: r for r in head}
    changed: dict[str, list[str]] = {}
    for urn in sorted(before.keys() & after.keys()):
        old, new = before[urn], after[urn]
        keys = sorted(
            k for k in old["inputs"].keys() | new["inputs"].keys() if old["inputs"].get(k) != new["inputs"].get(k)
        )
        keys += [flag for flag in ("protect", "provider", "parent") if old[flag] != new[flag]]
        if keys:
            changed[urn] = keys
    protected = {r["urn"] for r in [*base, *head] if r["protect"]}
    return PlanChange(sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys()), changed, protected)


def _label(urn: str) -> str:
    type_, name = urn.split("::")[2].rsplit("$", maxsplit=1)[-1], urn.split("::")[3]
    return f"`{name}` ({type_})"


def summary(stack: str, change: PlanChange) -> str:
    if change.empty:
        return f"### {stack}: no change\n"
    lines = [
        f"### {stack}: {len(change.added)} to add, {len(change.changed)} to change, {len(change.removed)} to remove",
        "",
    ]
    for urn in change.removed:
        warning = " **protected: `pulumi up` will refuse**" if urn in change.protected else ""
        lines.append(f"- remove {_label(urn)}{warning}")
    lines += [f"- add {_label(urn)}" for urn in change.added]
    lines += [f"- change {_label(urn)}: {', '.join(keys)}" for urn, keys in change.changed.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan.diff", description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path, help="plan folder of the base branch (holds resources.json)")
    parser.add_argument("head", type=Path, help="plan folder of the change")
    parser.add_argument("--stack", default=None, help="stack name for the heading (default: the head folder's name)")
    args = parser.parse_args(argv)
    base_file = args.base / "resources.json"
    base = json.loads(base_file.read_text()) if base_file.exists() else []  # a new stack
    head = json.loads((args.head / "resources.json").read_text())
    print(summary(args.stack or args.head.name, compare(base, head)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
