"""`python -m tools.loadtest URL`: a class arriving at a hub, the students driven by Locust.

Before any student arrives it checks that the hub answers and is not production (its login page
lacks the environment banner every other tier shows) unless `--force-production`, and caps the
load. Then it runs Locust headless with the class-start shape (`--students` within
`--arrive-within` seconds, then `--hold` seconds of work once all have a server;
tools/loadtest/locustfile.py), in one
process or as a master and `--workers` worker processes; Locust prints live statistics and writes
its HTML report and CSV statistics into `--report`, with the run's summary (summary.json). When it
ends, also on Ctrl-C, every user of the run is removed. The generator's own cost counts every
process it started, browsers included. Exit 1 when more students than `--max-without-server`
never got a server or a cell's 95th percentile is over `--max-cell-p95`; 2 on a usage error.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from contracts import ENVIRONMENT_BANNER_WORD
from tools.loadtest.classroom import (
    BROWSER_LOGINS,
    BROWSERS_VARIABLE,
    CHROMIUM,
    DEFAULT_CELLS,
    PASSWORD_VARIABLE,
    TOKEN_VARIABLE,
    Hub,
    StudentError,
)
from tools.plan.stack_config import ROOT

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
MAX_STUDENTS = 500
MAX_SECONDS = 3600


class LoadTestError(Exception):
    pass


def refuse_production(url: str, force: bool) -> None:
    """The hub answers, and shows the environment banner of a non-production tier (or `force`)."""
    try:
        with urllib.request.urlopen(f"{url}/hub/login", timeout=30) as response:
            page = response.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as error:
        raise LoadTestError(f"the hub at {url} does not answer: {error}") from None
    if ENVIRONMENT_BANNER_WORD not in page and not force:
        raise LoadTestError(
            f"{url} looks like a production hub (no environment banner): refusing; "
            "pass --force-production to load-test it anyway"
        )


@dataclass
class GeneratorCost:
    """CPU time and peak memory of every process the load test started (Locust's, the browser
    students' and their Chromium), measured from outside them."""

    started: list[int]
    cpu_seconds: float = 0.0
    peak_rss: int = 0

    def watch(self, stop: threading.Event) -> None:
        seen: dict[int, float] = {}
        while not stop.wait(1.0):
            rss = 0
            tree = []
            for pid in self.started:
                try:
                    root = psutil.Process(pid)
                    tree += [root, *root.children(recursive=True)]
                except psutil.Error:
                    continue
            for process in tree:
                try:
                    times = process.cpu_times()
                    seen[process.pid] = times.user + times.system  # its own; a child is counted itself
                    rss += process.memory_info().rss
                except psutil.Error:
                    continue
            self.cpu_seconds = sum(seen.values())
            self.peak_rss = max(self.peak_rss, rss)

    def per_student(self, students: int, seconds: float) -> dict[str, float]:
        return {
            "cpu_percent_per_student": round(100 * self.cpu_seconds / max(seconds, 1) / max(students, 1), 3),
            "memory_mib_per_student": round(self.peak_rss / 2**20 / max(students, 1), 2),
            "cpu_seconds": round(self.cpu_seconds, 1),
            "peak_memory_mib": round(self.peak_rss / 2**20, 1),
        }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def locust_commands(args: argparse.Namespace, run_id: str, report: Path) -> list[list[str]]:
    """The master (or the only process) first, then the workers."""
    shared = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", args.url,
        "--run-id", run_id, "--arrive-within", str(args.arrive_within), "--hold", str(args.hold),
        "--think", str(args.think), "--start-timeout", str(args.start_timeout), "--cells", json.dumps(args.cells),
        "--max-without-server", str(args.max_without_server), "--max-cell-p95", str(args.max_cell_p95),
        "--browser-login", args.browser_login, "--loglevel", "WARNING",
    ]  # fmt: skip
    # The user classes by name: a class not named is not used (weights would mix them at random).
    students = ["ProtocolStudent", *(["BrowserStudent"] if args.browser_students else [])]
    main = [
        *shared, *students, "--headless", "--users", str(args.students), "--summary", str(report / "summary.json"),
        "--csv", str(report / "stats"), "--html", str(report / "report.html"), "--stop-timeout", "60",
    ]  # fmt: skip
    if not args.workers:
        return [main]
    port = _free_port()
    master = [*main, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
              "--expect-workers", str(args.workers)]  # fmt: skip
    worker = [*shared, *students, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
    return [master, *([worker] * args.workers)]


def run(args: argparse.Namespace, token: str) -> tuple[int, dict[str, Any]]:
    refuse_production(args.url, args.force_production)
    run_id = uuid.uuid4().hex[:6]
    report = Path(args.report)
    report.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, TOKEN_VARIABLE: token, BROWSERS_VARIABLE: str(args.browser_students),
                   "PYTHONPATH": str(ROOT)}  # fmt: skip
    started = time.monotonic()
    processes = [subprocess.Popen(command, env=environment) for command in locust_commands(args, run_id, report)]
    cost, stop = GeneratorCost([p.pid for p in processes]), threading.Event()
    watcher = threading.Thread(target=cost.watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        code = processes[0].wait()
    except KeyboardInterrupt:
        # Ctrl-C reached Locust's processes too (they are in this process group): they stop their
        # users, write the reports and the summary of what was gathered so far. A second signal
        # would cut that short, so this process only waits.
        try:
            code = processes[0].wait(timeout=180)
        except subprocess.TimeoutExpired:
            processes[0].terminate()
            code = processes[0].wait()
    finally:
        for process in processes[1:]:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        stop.set()
        watcher.join()
        left = clean_up(args.url, token, run_id)
    summary_file = report / "summary.json"
    summary: dict[str, Any] = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    summary["generator"] = cost.per_student(args.students, time.monotonic() - started)
    summary["users left behind"] = left
    summary_file.write_text(json.dumps(summary, indent=2))
    return code, summary


def clean_up(url: str, token: str, run_id: str) -> int:
    """Remove every user this run made that a student did not remove itself; how many there were."""
    hub = Hub(url, token)
    try:
        users = hub.users_of_run(run_id)
        for user in users:
            hub.remove_user(user, time.sleep)
    except (StudentError, OSError):
        return -1
    return len(users)


def print_summary(summary: dict[str, Any]) -> None:
    students = summary.get("students", {})
    arrived, served = students.get("arrived", 0), students.get("got a server", 0)
    never, throttled = students.get("never got a server", 0), summary.get("throttled", 0)
    print(f"\nStudents: {arrived} arrived, {served} got a server, {never} never did; {throttled} starts throttled")
    for key in ("time to notebook seconds", "server start seconds", "cell seconds", "browser notebook run seconds"):
        row = summary.get(key, {})
        if row.get("count"):
            print(f"  {key:<30} n={row['count']:<5} p50 {row['p50']:>7} p95 {row['p95']:>7} max {row['max']:>7}")
    generator = summary["generator"]
    print(f"Generator (every process it started): {generator['cpu_percent_per_student']}% of a core and "
          f"{generator['memory_mib_per_student']} MiB per student")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the hub's URL, like https://dev.hub.example.edu")
    parser.add_argument("--students", type=int, default=10, help=f"the class (at most {MAX_STUDENTS})")
    parser.add_argument("--arrive-within", type=float, default=60, help="seconds in which the class arrives")
    parser.add_argument("--hold", type=float, default=120, help="seconds the class works after it arrived")
    parser.add_argument("--browser-students", type=int, default=0, help="how many of them use Chromium")
    parser.add_argument(
        "--browser-login",
        choices=BROWSER_LOGINS,
        default="token",
        help="token: the service's token in the Authorization header (any stack; OAuth stacks need it); "
        f"form: the login form with the shared password in {PASSWORD_VARIABLE} (development and review stacks)",
    )
    parser.add_argument("--workers", type=int, default=0, help="Locust worker processes (0: one process)")
    parser.add_argument("--think", type=float, default=10, help="seconds between a student's notebook runs")
    parser.add_argument("--start-timeout", type=float, default=660, help="seconds a student waits for a server")
    parser.add_argument("--max-without-server", type=int, default=0, help="students who may never get a server")
    parser.add_argument("--max-cell-p95", type=float, default=10, help="seconds a cell's p95 may take")
    parser.add_argument("--report", default="loadtest-report", help="folder for the reports")
    parser.add_argument("--force-production", action="store_true", help="load-test a hub without the banner")
    parser.set_defaults(cells=list(DEFAULT_CELLS))
    args = parser.parse_args(argv)
    args.url = args.url.rstrip("/")
    problems = []
    if not 1 <= args.students <= MAX_STUDENTS:
        problems.append(f"--students must be 1 to {MAX_STUDENTS}")
    if not 0 < args.arrive_within + args.hold <= MAX_SECONDS:
        problems.append(f"--arrive-within plus --hold must be at most {MAX_SECONDS} seconds")
    if not 0 <= args.browser_students <= args.students:
        problems.append("--browser-students must be 0 to --students")
    if args.browser_students and not Path(CHROMIUM).exists():
        problems.append(f"--browser-students need {CHROMIUM}: install Debian's chromium (`apt-get install chromium`)")
    if args.browser_students and args.browser_login == "form" and not os.environ.get(PASSWORD_VARIABLE):
        problems.append(f"--browser-login form needs the stack's shared password in {PASSWORD_VARIABLE}")
    token = os.environ.get(TOKEN_VARIABLE)
    if not token:
        problems.append(f"set {TOKEN_VARIABLE} to the token of the hub's health-check service")
    if problems:
        print("; ".join(problems), file=sys.stderr)
        return 2
    assert token is not None
    try:
        code, summary = run(args, token)
    except LoadTestError as error:
        print(error, file=sys.stderr)
        return 2
    print_summary(summary)
    return code
