"""What a load test measured, and how it is reported: percentiles, errors, a chart, JSON."""

import json
import math
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The latencies a report always has, in the order it shows them.
KINDS = ("login", "server start", "first cell", "cell round trip")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of values at or below."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


@dataclass
class Measurements:
    started_at: float = field(default_factory=time.monotonic)
    latencies: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: {k: [] for k in KINDS})
    """Kind to (seconds since start, latency in seconds)."""
    errors: Counter[str] = field(default_factory=Counter)
    active: list[tuple[float, int]] = field(default_factory=list)
    """(seconds since start, students running cells) every second."""
    students_started: int = 0
    students_active: int = 0
    students_failed: int = 0
    students_done: int = 0
    per_node: dict[str, int] | None = None
    """This run's servers by node, read from the cluster at full load (when it can be read)."""
    throttled_retries: int = 0
    """Starts the hub refused (429: too many starting at once) and the student asked for again."""
    throttled_students: set[str] = field(default_factory=set)

    def record(self, kind: str, seconds: float) -> None:
        self.latencies[kind].append((time.monotonic() - self.started_at, seconds))

    def error(self, kind: str) -> None:
        self.errors[kind] += 1

    def throttled(self, student: str) -> None:
        self.throttled_retries += 1
        self.throttled_students.add(student)

    def sample(self) -> None:
        self.active.append((time.monotonic() - self.started_at, self.students_active))

    def progress(self) -> str:
        return (
            f"{time.monotonic() - self.started_at:6.0f} s  started {self.students_started}  "
            f"active {self.students_active}  failed {self.students_failed}  done {self.students_done}  "
            f"throttled {self.throttled_retries}"
        )


def summary(
    measurements: Measurements, generator: dict[str, float], students_per_node: dict[str, int] | None
) -> dict[str, Any]:
    """The report as data: what the table, the JSON file and the thresholds read."""
    latencies = {}
    for kind in KINDS:
        values = [latency for _, latency in measurements.latencies[kind]]
        latencies[kind] = (
            {
                "count": len(values),
                "p50": percentile(values, 0.50),
                "p95": percentile(values, 0.95),
                "p99": percentile(values, 0.99),
                "max": max(values),
            }
            if values
            else {"count": 0, "p50": None, "p95": None, "p99": None, "max": None}
        )
    runs = len(measurements.latencies["cell round trip"])
    return {
        "students": {
            "started": measurements.students_started,
            "completed": measurements.students_done,
            "failed": measurements.students_failed,
        },
        "latency_seconds": latencies,
        "errors": dict(sorted(measurements.errors.items())),
        # Refused starts that were retried: the hub protecting itself, not a failure unless the
        # student never got in (then it is an error of its own kind).
        "throttled": {"retries": measurements.throttled_retries, "students": len(measurements.throttled_students)},
        "error_rate": sum(measurements.errors.values()) / max(runs + sum(measurements.errors.values()), 1),
        "students_per_node": students_per_node,
        "generator": generator,
    }


def table(report: dict[str, Any]) -> str:
    lines = [f"{'':18}{'count':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}   (seconds)"]
    for kind, stats in report["latency_seconds"].items():
        cells = [f"{stats[k]:9.3f}" if stats[k] is not None else f"{'-':>9}" for k in ("p50", "p95", "p99", "max")]
        lines.append(f"{kind:18}{stats['count']:7d}{''.join(cells)}")
    students = report["students"]
    lines.append(
        f"students: {students['started']} started, {students['completed']} completed, {students['failed']} failed"
    )
    lines.append("errors: " + (", ".join(f"{k} {v}" for k, v in report["errors"].items()) or "none"))
    throttled = report["throttled"]
    lines.append(
        f"throttled: {throttled['retries']} starts refused (HTTP 429) for {throttled['students']} students, "
        "each asked again after the hub's hint"
    )
    if report["students_per_node"]:
        lines.append(
            "students per node: " + ", ".join(f"{n} {c}" for n, c in sorted(report["students_per_node"].items()))
        )
    generator = report["generator"]
    lines.append(
        f"generator: {generator['cpu_percent_per_student']:.3f}% of a core and "
        f"{generator['memory_mib_per_student']:.2f} MiB per student ({generator['students']} students)"
    )
    return "\n".join(lines)


def chart(measurements: Measurements, path: Path) -> None:
    """Active students and cell round-trip time over the test, as a PNG."""
    import matplotlib  # noqa: PLC0415 (a large import, only for the chart)

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    figure, students_axis = pyplot.subplots(figsize=(10, 5))
    if measurements.active:
        times, counts = zip(*measurements.active, strict=True)
        students_axis.plot(times, counts, color="tab:blue", label="active students")
    students_axis.set_xlabel("seconds since start")
    students_axis.set_ylabel("active students", color="tab:blue")
    latency_axis = students_axis.twinx()
    runs = measurements.latencies["cell round trip"]
    if runs:
        times, latencies = zip(*runs, strict=True)
        latency_axis.scatter(times, latencies, s=4, color="tab:red", label="cell round trip")
    latency_axis.set_ylabel("cell round trip (s)", color="tab:red")
    figure.suptitle("Active students and cell latency")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def write(report: dict[str, Any], measurements: Measurements, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path, png_path = folder / "loadtest.json", folder / "loadtest.png"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    chart(measurements, png_path)
    return json_path, png_path


class GeneratorUsage:
    """The load generator's own CPU time and memory, to know how many students one machine drives."""

    def __init__(self) -> None:
        self.cpu_start = time.process_time()
        self.wall_start = time.monotonic()
        self.memory_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    def per_student(self, students: int) -> dict[str, float]:
        cpu = time.process_time() - self.cpu_start
        wall = max(time.monotonic() - self.wall_start, 1e-9)
        peak_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self.memory_start
        students = max(students, 1)
        return {
            "students": students,
            "cpu_seconds": cpu,
            "wall_seconds": wall,
            "cpu_percent_per_student": 100 * cpu / wall / students,
            "memory_mib_per_student": peak_growth_kib / 1024 / students,
        }
