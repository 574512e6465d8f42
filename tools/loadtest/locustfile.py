"""The load test's students, for Locust: a class arriving at a hub, each student's steps timed.

Run it through `python -m tools.loadtest` (which checks the hub is not production, caps the
load, starts the master and workers, and removes every user afterwards). What Locust reports, per
request type and name:
- `student arrived`: a student of the class arrived (the count is what matters);
- `student login`: the user made over the API (protocol students, browser students logging in
  with a token) or the login form sent until the server's page opens (browser students);
- `student server start`: asked for until the hub takes it (429s waited out), then ready; a
  failure here is a student who never got a server, what the thresholds gate on;
- `student time to notebook`: from arriving to the first cell's result, the number a class feels;
- `kernel cell`: one cell's round trip over the kernel's websocket;
- `browser notebook run`: "Run All Cells" in JupyterLab, until the last output shows;
- `hub throttled`: each 429, its response time the wait the hub asked for.
"""

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import gevent
from locust import LoadTestShape, User, constant, events, task
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import WorkerRunner

from tools.loadtest.classroom import (
    BROWSERS_VARIABLE,
    DEFAULT_CELLS,
    NOTEBOOK,
    TOKEN_VARIABLE,
    Hub,
    Kernel,
    StepStats,
    StudentError,
    notebook,
    summary,
)


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument("--run-id", default=uuid.uuid4().hex[:6], help="names every user this run makes")
    parser.add_argument("--arrive-within", type=float, default=60, help="seconds in which the whole class arrives")
    parser.add_argument("--hold", type=float, default=120, help="seconds the class then works")
    parser.add_argument("--think", type=float, default=10, help="seconds a student waits between notebook runs")
    parser.add_argument("--start-timeout", type=float, default=660, help="seconds a student waits for a server")
    parser.add_argument("--cells", default=json.dumps(DEFAULT_CELLS), help="the notebook's cells, a JSON list")
    parser.add_argument("--max-without-server", type=int, default=0, help="students who may never get a server")
    parser.add_argument("--max-cell-p95", type=float, default=10.0, help="seconds a cell's 95th percentile may take")
    parser.add_argument("--summary", default="", help="write the run's summary (JSON) here")
    parser.add_argument("--browser-login", default="token", help="how browser students log in: form or token")


def _record(environment: Environment, kind: str, name: str, seconds: float, error: Exception | None = None) -> None:
    environment.events.request.fire(
        request_type=kind, name=name, response_time=seconds * 1000, response_length=0, exception=error, context={}
    )


class Student(User):
    """What every student shares: a name of this run, the hub, the time it arrived."""

    abstract = True
    wait_time = constant(0)  # each task waits --think itself, before it runs the notebook again

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.name = f"loadtest-{options.run_id}-{uuid.uuid4().hex[:6]}"
        assert self.host, "run with --host (python -m tools.loadtest sets it)"
        self.hub = Hub(self.host, os.environ[TOKEN_VARIABLE])
        self.cells = tuple(json.loads(options.cells))
        self.arrived = time.monotonic()
        self.think = options.think
        self.record("student", "arrived", 0)

    def record(self, kind: str, name: str, seconds: float, error: Exception | None = None) -> None:
        _record(self.environment, kind, name, seconds, error)

    def throttled(self, wait: float) -> None:
        self.record("hub", "throttled", wait)

    def step(self, name: str, action: Any) -> Any:
        """Run one step and time it; a student who fails a step stops (it is counted, not retried)."""
        started = time.monotonic()
        try:
            result = action()
        except (StudentError, OSError, ValueError) as error:
            self.record("student", name, time.monotonic() - started, error)
            raise StopUser() from None
        self.record("student", name, time.monotonic() - started)
        return result

    def on_stop(self) -> None:
        # the runner sweeps what is left of this run when it ends
        with contextlib.suppress(StudentError, OSError):
            self.hub.remove_user(self.name, gevent.sleep)


class ProtocolStudent(Student):
    """A student over the hub's API and the kernel's websocket, as JupyterLab talks to them."""

    def on_start(self) -> None:
        super().on_start()
        options = self.environment.parsed_options
        self.step("login", lambda: self.hub.call("POST", f"/hub/api/users/{self.name}"))
        self.step(
            "server start",
            lambda: self.hub.start_server(self.name, options.start_timeout, self.throttled, gevent.sleep),
        )
        self.kernel: Kernel = self.step("open notebook", self.open_notebook)
        self.run_notebook()
        self.record("student", "time to notebook", time.monotonic() - self.arrived)

    def open_notebook(self) -> Kernel:
        """The notebook in the student's home, and a kernel to run it on."""
        body = {"type": "notebook", "content": notebook(self.cells)}
        self.hub.call("PUT", f"/user/{self.name}/api/contents/{NOTEBOOK}", body)
        return self.hub.kernel(self.name)

    @task
    def work(self) -> None:
        gevent.sleep(self.think)
        self.run_notebook()

    def run_notebook(self) -> None:
        for code in self.cells:
            started = time.monotonic()
            try:
                self.kernel.execute(code)
            except (StudentError, OSError, ValueError) as error:
                self.record("kernel", "cell", time.monotonic() - started, error)
                raise StopUser() from None
            self.record("kernel", "cell", time.monotonic() - started)

    def on_stop(self) -> None:
        kernel = getattr(self, "kernel", None)
        if kernel is not None:
            kernel.close()
        super().on_stop()


class BrowserStudent(Student):
    """A student in Chromium (tools/loadtest/browser.py, a process of its own: Playwright and
    gevent do not share a thread), its steps reported back line by line."""

    fixed_count = int(os.environ.get(BROWSERS_VARIABLE, "0"))

    def on_start(self) -> None:
        super().on_start()
        options = self.environment.parsed_options
        command = [
            sys.executable, "-m", "tools.loadtest.browser", self.host, self.name,
            "--cells", options.cells, "--think", str(options.think), "--start-timeout", str(options.start_timeout),
            "--login", options.browser_login,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.reader = gevent.spawn(self.read_steps)

    def read_steps(self) -> None:
        assert self.process.stdout is not None
        for line in iter(self.process.stdout.readline, ""):
            report = json.loads(line)
            if report["step"] == "throttled":
                self.throttled(report["seconds"])
                continue
            error = StudentError(report["error"]) if "error" in report else None
            kind = "browser" if report["step"] == "notebook run" else "student"
            self.record(kind, report["step"], report["seconds"], error)
            if report["step"] == "notebook run" and "first" in report:
                self.record("student", "time to notebook", time.monotonic() - self.arrived)

    @task
    def work(self) -> None:
        gevent.sleep(1)
        if self.process.poll() is not None:
            raise StopUser()

    def on_stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # it finishes the notebook run under way, then closes Chromium
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.reader.join(timeout=5)
        super().on_stop()


class ClassStart(LoadTestShape):
    """The whole class (`--users`) arrives within `--arrive-within` seconds; once every student has
    a server (or gave up), it works for `--hold` seconds more. A slow start lengthens the run
    rather than cutting students off mid-start (up to `--start-timeout`)."""

    settled_at: float | None = None

    def tick(self) -> tuple[int, float] | None:
        environment = self.runner.environment if self.runner else None
        if environment is None or environment.parsed_options is None:
            return None
        options, stats = environment.parsed_options, environment.stats
        students, now = options.num_users, self.get_run_time()
        arrived = stats.get("arrived", "student").num_requests
        settled = stats.get("server start", "student").num_requests + stats.get("login", "student").num_failures
        if self.settled_at is None and now >= options.arrive_within and arrived >= students and settled >= arrived:
            self.settled_at = now
        end = (self.settled_at or options.arrive_within + options.start_timeout) + options.hold
        if now > end:
            return None
        return students, max(students / max(options.arrive_within, 1), 1)


@events.quitting.add_listener
def _verdict(environment: Environment, **_: Any) -> None:
    """The exit code and the summary, on the process that holds the whole run's statistics (the
    master, or the only process): ours, not Locust's "any failure is 1", since a run may allow
    some students without a server."""
    if environment.parsed_options is None or isinstance(environment.runner, WorkerRunner):
        return
    result = run_summary(environment)
    options = environment.parsed_options
    if options.summary:
        with open(options.summary, "w") as output:
            json.dump(result, output, indent=2)
    failed = (
        result["students"]["never got a server"] > options.max_without_server
        or result["cell failures"] > 0
        or result["cell seconds"]["p95"] > options.max_cell_p95
    )
    environment.process_exit_code = 1 if failed else 0


def run_summary(environment: Environment) -> dict[str, Any]:
    """The run's summary from Locust's statistics (classroom.summary does the counting)."""
    steps = {
        (entry.method, entry.name): StepStats(
            count=entry.num_requests,
            failures=entry.num_failures,
            percentiles={p: entry.get_response_time_percentile(p / 100) / 1000 for p in (50, 95, 99)},
            longest=entry.max_response_time / 1000,
        )
        for entry in environment.stats.entries.values()
    }
    errors = {f"{e.method} {e.name}: {e.error}": e.occurrences for e in environment.stats.errors.values()}
    return summary(steps, errors)
