"""`make bench-loadtest`: the load generator's own cost per simulated student.

Starts a JupyterHub on this machine, runs the load test with 50 protocol students (a full user
node's worth) running the notebook every 10 s, and prints the generator's CPU time and peak
memory per student. Target: under 1% of a core and 5 MB per student, so that one 2-core machine
can drive 500 students.
"""

import asyncio
import sys
import tempfile
from pathlib import Path

from tools.loadtest.options import Options
from tools.loadtest.report import GeneratorUsage, summary, table
from tools.loadtest.run import run
from tools.local_hub import local_hub

STUDENTS = 50
THINK_SECONDS = 10.0
CPU_PERCENT_TARGET = 1.0
MEMORY_MIB_TARGET = 5.0


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="lt", dir="/tmp") as folder, local_hub(Path(folder)) as hub:
        # Starts are paced (this machine starts a server in 4 to 7 s); every student then runs
        # the notebook for at least two minutes.
        options = Options(hub.url, hub.token, students=STUDENTS, duration=240, ramp_up_per_second=0.5,
                          think_seconds=THINK_SECONDS)  # fmt: skip
        usage = GeneratorUsage()
        measurements = asyncio.run(run(options, quiet=True))
        report = summary(measurements, usage.per_student(STUDENTS), None)
    print(table(report))
    generator = report["generator"]
    ok = (
        generator["cpu_percent_per_student"] < CPU_PERCENT_TARGET
        and generator["memory_mib_per_student"] < MEMORY_MIB_TARGET
    )
    print(
        f"target: under {CPU_PERCENT_TARGET}% of a core and {MEMORY_MIB_TARGET} MB per student: "
        + ("met" if ok else "missed")
    )
    return 0 if ok and report["students"]["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
