"""`make bench`: median wall time of three offline plans per stack, and the test suite's wall time.

Each plan runs as a user runs it (`python -m tools.plan STACK`, a fresh interpreter), so the
figures include importing the Pulumi SDKs. Targets: each plan under 10 s on 2 cores, and the plan
of `prod` within 1.5 times the time it takes merely to import the modules it uses (what the plan
itself adds: registering resources under mocks, rendering, writing).
"""

import statistics
import subprocess
import sys
import tempfile
import time

from tools.plan.stack_config import ROOT, stack_names

PLAN_TARGET_SECONDS = 10.0
IMPORT_RATIO_TARGET = 1.5
RUNS = 3
# In a fresh interpreter: plan a stack, then list every module that took.
_LIST_MODULES = (
    "import json, sys; from tools.plan.render import main; "
    "main([sys.argv[1], '--out', sys.argv[2]], echo=lambda line: None); "
    "json.dump(sorted(sys.modules), open(sys.argv[3], 'w'))"
)
# In a fresh interpreter: import those modules and nothing else.
_IMPORT_MODULES = (
    "import importlib, json, sys\n"
    "for name in json.load(open(sys.argv[1])):\n"
    "    try:\n"
    "        importlib.import_module(name)\n"
    "    except Exception:\n"
    "        pass\n"
)


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def import_ratio(stack: str) -> tuple[float, float]:
    """(median plan time, median time to import the same modules), three runs each."""
    with tempfile.TemporaryDirectory() as folder:
        modules = f"{folder}/modules.json"
        subprocess.run([sys.executable, "-c", _LIST_MODULES, stack, folder, modules], cwd=ROOT, check=True)
        imports = [timed([sys.executable, "-c", _IMPORT_MODULES, modules]) for _ in range(RUNS)]
        plans = [timed([sys.executable, "-m", "tools.plan", stack, "--out", folder]) for _ in range(RUNS)]
    return statistics.median(plans), statistics.median(imports)


def main() -> int:
    slow = []
    print(f"{'stack':<10}{'median of ' + str(RUNS):>14}   runs")
    for stack in stack_names():
        with tempfile.TemporaryDirectory() as out:
            runs = [timed([sys.executable, "-m", "tools.plan", stack, "--out", out]) for _ in range(RUNS)]
        median = statistics.median(runs)
        slow += [stack] if median > PLAN_TARGET_SECONDS else []
        print(f"{stack:<10}{median:>12.2f} s   " + ", ".join(f"{r:.2f}" for r in runs))
    plan, imports = import_ratio("prod")
    ratio = plan / imports
    print(f"prod plan {plan:.2f} s, importing its modules alone {imports:.2f} s: {ratio:.2f}x")
    if ratio > IMPORT_RATIO_TARGET:
        slow.append(f"prod plan at {ratio:.2f}x its imports")
    suite = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
    print(f"{'test suite':<10}{suite:>12.2f} s")
    if slow:
        print(
            f"over target ({PLAN_TARGET_SECONDS:.0f} s a plan, {IMPORT_RATIO_TARGET}x): {', '.join(slow)}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
