"""`make bench`: median wall time of three offline plans per stack, and the test suite's wall time.

Each plan runs as a user runs it (`python -m tools.plan STACK`, a fresh interpreter), so the
figures include importing the Pulumi SDKs. Target: each plan under 10 s on 2 cores.
"""

import statistics
import subprocess
import sys
import tempfile
import time

from tools.plan.stack_config import ROOT, stack_names

PLAN_TARGET_SECONDS = 10.0
RUNS = 3


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    slow = []
    print(f"{'stack':<10}{'median of ' + str(RUNS):>14}   runs")
    for stack in stack_names():
        with tempfile.TemporaryDirectory() as out:
            runs = [timed([sys.executable, "-m", "tools.plan", stack, "--out", out]) for _ in range(RUNS)]
        median = statistics.median(runs)
        slow += [stack] if median > PLAN_TARGET_SECONDS else []
        print(f"{stack:<10}{median:>12.2f} s   " + ", ".join(f"{r:.2f}" for r in runs))
    suite = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
    print(f"{'test suite':<10}{suite:>12.2f} s")
    if slow:
        print(f"over the {PLAN_TARGET_SECONDS:.0f} s target: {', '.join(slow)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
