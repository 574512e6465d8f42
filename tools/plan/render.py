"""Offline plan: `python -m tools.plan STACK --out DIR`.

Runs the real program for one stack file under mocks that answer like AWS, prints a tree like
`pulumi preview`, and writes `DIR/resources.json` and `DIR/outputs.json`. No cloud account, no
Pulumi CLI. Exit 0 on success, 2 when the stack's config is wrong (the problems on stderr).

Invariants guarded here: no secret value reaches the files or the screen (each becomes the
string `[secret]`), and the same input gives byte-identical files. The shape of
`resources.json` (one object per resource with `urn`, `type`, `name`, `parent`, `provider`,
`dependsOn`, `protect`, `inputs`, then `propertyDependencies`: each input's dependencies) is a
contract for tests, CI and reviewers; information is added at the end, never renamed or removed.
"""

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from charts.dashboards import MissingDashboardsError
from settings import SettingsError, settings_from_config
from settings.calendar import session_lines
from settings.capacity import stack_capacity
from settings.cluster import ClusterMode
from settings.resilience import zone_line
from tools.plan.charts import MissingChartArchiveError, schema_problems
from tools.plan.mocks import Registration, SecretValue
from tools.plan.program import ProgramRun, run_program
from tools.plan.stack_config import ROOT, StackFileError, read_stack_config

SECRET = "[secret]"
RESOURCE_KEYS = ("urn", "type", "name", "parent", "provider", "dependsOn", "protect", "inputs", "propertyDependencies")


def plain(value: Any) -> Any:
    """A JSON-ready copy of an input or output: secrets masked, keys sorted, unknowns named."""
    if isinstance(value, SecretValue):
        return SECRET
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value == UNKNOWN:
        return "[unknown]"
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(getattr(value, "urn", value))


def resource_records(run: ProgramRun) -> list[dict[str, Any]]:
    return [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "provider": r.provider,
            "dependsOn": r.depends_on,
            "protect": r.protect,
            "inputs": plain(r.inputs),
            "propertyDependencies": dict(r.property_dependencies),
        }
        for r in run.resources
    ]


def longest_chain(resources: list[Registration]) -> list[Registration]:
    """The longest path through `dependsOn`, first resource first (ties: lowest URN)."""
    by_urn = {r.urn: r for r in resources}
    memo: dict[str, list[Registration]] = {}

    def chain_to(urn: str) -> list[Registration]:
        if urn not in memo:
            deps = [chain_to(d) for d in sorted(by_urn[urn].depends_on) if d in by_urn]
            memo[urn] = [*max(deps, key=len, default=[]), by_urn[urn]]
        return memo[urn]

    return max((chain_to(r.urn) for r in resources), key=len, default=[])


def render_tree(run: ProgramRun) -> str:
    children: dict[str | None, list[Registration]] = {}
    for r in run.resources:
        children.setdefault(r.parent, []).append(r)
    rows: list[tuple[str, Registration]] = []

    def walk(parent: str | None, indent: str) -> None:
        kids = sorted(children.get(parent, []), key=lambda r: (not r.type.startswith("pulumi:providers:"), r.name))
        for i, r in enumerate(kids):
            last = i == len(kids) - 1
            branch = "" if parent is None else ("└─ " if last else "├─ ")
            rows.append((f"{indent}{branch}{r.type}", r))
            walk(r.urn, indent + ("" if parent is None else ("   " if last else "│  ")))

    walk(None, "")
    width = max((len(label) for label, _ in rows), default=0) + 2
    lines = [f"     {'Type':<{width}}Name"]
    lines += [
        f" {'>-' if r.read else '+ '}  {label:<{width}}{r.name}{'  [protect]' if r.protect else ''}"
        for label, r in rows
    ]
    return "\n".join(lines)


def _short(r: Registration) -> str:
    return f"{r.name} ({r.type.rsplit(':', 1)[-1]})"


def render_summary(run: ProgramRun) -> str:
    counts = Counter(r.type for r in run.resources)
    chain = longest_chain(run.resources)
    read = sum(r.read for r in run.resources)
    counts_line = f"{len(run.resources) - read} to create" + (f", {read} to read" if read else "")
    lines = ["", f"Resources: {counts_line}", "", "By type:"]
    lines += [f"  {n:>4}  {t}" for t, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    lines += ["", f"Longest dependency chain ({len(chain)}): " + " → ".join(_short(r) for r in chain)]
    lines += _capacity_lines(run)
    return "\n".join(lines)


def _capacity_lines(run: ProgramRun) -> list[str]:
    """What the stack pins to one zone (settings/resilience.py) and, for an `eks` stack, students per
    user node with every bound named (settings/capacity.py)."""
    config = run.config
    settings = settings_from_config(config.project, config.stack, config.values, config.secret_keys)
    lines = ["", zone_line(settings)]
    if settings.cluster.mode is ClusterMode.EKS:
        capacity = stack_capacity(settings)
        lines.append(capacity.line())
        calendar = settings.calendar
        base = settings.cluster.user_nodes.min_per_zone
        lines += session_lines(calendar, capacity.students, settings.zone_count, base)
        for hold in settings.class_holds:
            lines.append(
                f"  every user group's minimum: {hold.per_zone} per zone at {hold.clock} {calendar.time_zone} "
                f"on {','.join(hold.days)}"
            )
    return lines


def write_plan(run: ProgramRun, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    resources, outputs = out / "resources.json", out / "outputs.json"
    resources.write_text(json.dumps(resource_records(run), indent=2, ensure_ascii=False) + "\n")
    outputs.write_text(json.dumps(plain(run.outputs), indent=2, ensure_ascii=False) + "\n")
    return resources, outputs


def main(argv: list[str] | None = None, echo: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", help="stack name; its config is read from Pulumi.STACK.yaml")
    parser.add_argument("--out", type=Path, required=True, help="folder for resources.json and outputs.json")
    parser.add_argument(
        "--config-dir", type=Path, default=ROOT, help="folder with Pulumi.yaml and the stack files (default: here)"
    )
    args = parser.parse_args(argv)
    try:
        config = read_stack_config(args.stack, root=args.config_dir)
        run = run_program(config)
    except (SettingsError, StackFileError, MissingDashboardsError) as error:
        print(error, file=sys.stderr)
        return 2
    try:
        refused = schema_problems(run)
    except MissingChartArchiveError as error:
        refused, unchecked = [], f"\nChart values not checked against the charts' schemas: {error}"
    else:
        unchecked = ""
    if refused:
        print("\n".join(refused), file=sys.stderr)
        return 2
    echo(f"Offline plan of stack {run.stack} (project {run.project}); mocks, no cloud access\n")
    echo(render_tree(run))
    echo(render_summary(run))
    resources, outputs = write_plan(run, args.out)
    echo(f"\nWrote {resources} and {outputs}{unchecked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
