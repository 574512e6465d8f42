"""How many students does a hub hold? `python -m tools.loadtest URL [options]`.

Simulated students, each: a user of its own (made with the admin token in JUPYTERHUB_API_TOKEN,
which mints the student's own token), a server, a small notebook put in place, then all the
notebook's cells run over and over through the Jupyter server's REST and kernel websocket
protocols, with think time between runs, until the test's time is up. `--browser-students`
runs some of them through a real browser instead (see tools/loadtest_browser.py).

Every user it made is deleted at the end (their servers stopped), also on Ctrl-C, unless
`--keep`; it never touches a user it did not make. It refuses a production hub (one without the
environment banner non-production stacks show) unless `--force-production`, and caps students
and duration. Exit 1 when the error rate or the cells' p95 exceeds the thresholds given.
"""

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from contracts import ENVIRONMENT_BANNER_WORD
from tools.loadtest.browser import DONE_MARKER, browser_student
from tools.loadtest.options import DEFAULT_CELLS, NOTEBOOK, Options, notebook
from tools.loadtest.report import GeneratorUsage, Measurements, summary, table, write
from tools.ops.healthcheck import DEFAULT_START_TIMEOUT_SECONDS
from tools.ops.hub_api import HubApi, ServerStartError
from tools.ops.kernels import KernelError, execute

MAX_STUDENTS = 500
MAX_DURATION_SECONDS = 3600
TOKEN_VARIABLE = "JUPYTERHUB_API_TOKEN"


class LoadTestError(Exception):
    """The load test cannot run: the message says why."""


async def refuse_production(hub: HubApi, force: bool) -> None:
    """Non-production stacks show their environment on every page; production shows none."""
    try:
        response = await hub.client.fetch(f"{hub.url}/hub/login", raise_error=False, request_timeout=30)
    except OSError as error:
        raise LoadTestError(f"the hub at {hub.url} does not answer: {error}") from None
    if response.code >= 500:
        raise LoadTestError(f"the hub at {hub.url} does not answer ({response.code})")
    if ENVIRONMENT_BANNER_WORD.encode() not in response.body.lower() and not force:
        raise LoadTestError(
            f"{hub.url} looks like a production hub (no environment banner): refusing; "
            "pass --force-production to load-test it anyway"
        )


class Student:
    def __init__(self, index: int, options: Options, hub: HubApi, measurements: Measurements) -> None:
        self.name, self.options, self.hub, self.m = options.user(index), options, hub, measurements
        self.token = ""

    async def run(self, deadline: float) -> None:
        # The service's own token does everything: it may make users and reach their servers
        # (access:servers); minting a token per user would need a scope the chart does not grant.
        admin = self.token = self.options.token
        started = time.monotonic()
        await self.hub.call("POST", f"/hub/api/users/{self.name}", admin)
        self.m.record("login", time.monotonic() - started)

        started = time.monotonic()
        await self.hub.start_server(
            self.name, admin, self.options.start_timeout, on_throttled=lambda _wait: self.m.throttled(self.name)
        )
        self.m.record("server start", time.monotonic() - started)

        base = f"/user/{self.name}"
        await self.hub.call(
            "PUT",
            f"{base}/api/contents/{NOTEBOOK}",
            self.token,
            {"type": "notebook", "content": notebook(self.options.cells)},
        )
        kernel = await self.hub.call("POST", f"{base}/api/kernels", self.token)
        socket_url = f"{self.hub.url.replace('http', 'ws', 1)}{base}/api/kernels/{kernel['id']}/channels"
        connection = await websocket_connect(HTTPRequest(socket_url, headers={"Authorization": f"token {self.token}"}))
        self.m.students_active += 1
        first = True
        started = time.monotonic()
        try:
            while True:  # every student runs the notebook at least once, however late it started
                for code in self.options.cells:
                    cell_started = time.monotonic()
                    await asyncio.wait_for(execute(connection, code), timeout=120)
                    self.m.record("cell round trip", time.monotonic() - cell_started)
                    if first:
                        self.m.record("first cell", time.monotonic() - started)
                        first = False
                if time.monotonic() >= deadline:
                    break
                await asyncio.sleep(min(self.options.think_seconds, max(deadline - time.monotonic(), 0)))
        finally:
            self.m.students_active -= 1
            connection.close()


async def _student(index: int, options: Options, hub: HubApi, m: Measurements, deadline: float) -> None:
    m.students_started += 1
    try:
        if index < options.browser_students:

            async def put_notebook(name: str) -> str:
                # the browser may land on the server's URL before the hub calls it ready
                await hub.start_server(name, options.token, options.start_timeout)
                body = {"type": "notebook", "content": notebook(options.cells)}
                await hub.call("PUT", f"/user/{name}/api/contents/{NOTEBOOK}", options.token, body)
                return NOTEBOOK

            await browser_student(options.user(index), options, m, deadline, put_notebook)
        else:
            await Student(index, options, hub, m).run(deadline)
        m.students_done += 1
    except KernelError:
        m.error("cell failed")
        m.students_failed += 1
    except (LoadTestError, ServerStartError, HTTPClientError, OSError, TimeoutError) as error:
        m.error(_kind(error))
        m.students_failed += 1
    except Exception as error:
        m.error(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".rstrip(": "))
        m.students_failed += 1


def students_per_node(pods: dict[str, Any], run_id: str) -> dict[str, int]:
    """This run's servers by node, from `kubectl get pods -o json`."""
    counts: dict[str, int] = {}
    for pod in pods.get("items", []):
        if f"-loadtest-{run_id}-" in pod["metadata"]["name"] and pod.get("spec", {}).get("nodeName"):
            counts[pod["spec"]["nodeName"]] = counts.get(pod["spec"]["nodeName"], 0) + 1
    return counts


def _read_cluster(namespace: str | None, run_id: str) -> dict[str, int] | None:
    """Students per node if kubectl can read the hub's namespace; None otherwise."""
    if namespace is None:
        return None
    try:
        done = subprocess.run(
            ["kubectl", "get", "pods", "--namespace", namespace, "--output", "json"],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return students_per_node(json.loads(done.stdout), run_id)


def _kind(error: Exception) -> str:
    if isinstance(error, HTTPClientError):
        return f"HTTP {error.code}"
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, OSError):
        return "connection"
    return str(error)


async def clean_up(options: Options, hub: HubApi) -> None:
    """Stop and delete every user this run made: names with this run's id, and only those."""
    users = await hub.call("GET", "/hub/api/users?limit=1000", options.token) or []
    mine = [u["name"] for u in users if u["name"].startswith(f"loadtest-{options.run_id}-")]
    await asyncio.gather(*(hub.remove_user(name, options.token) for name in mine))


async def run(
    options: Options, force_production: bool = False, quiet: bool = False, namespace: str | None = None
) -> Measurements:
    hub, m = HubApi(options.url, max_clients=2 * MAX_STUDENTS), Measurements()
    await refuse_production(hub, force_production)
    deadline = time.monotonic() + options.duration
    tasks = []
    try:
        for index in range(options.students):
            tasks.append(asyncio.create_task(_student(index, options, hub, m, deadline)))
            await asyncio.sleep(1 / options.ramp_up_per_second)
            m.sample()
        while any(not t.done() for t in tasks):
            await asyncio.sleep(1)
            m.sample()
            if not quiet and int(time.monotonic() - m.started_at) % 5 == 0:
                print(m.progress(), flush=True)
            if m.students_active == options.students and m.per_node is None:
                m.per_node = _read_cluster(namespace, options.run_id)  # at full load
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if not options.keep:
            await clean_up(options, hub)
    return m


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--students", type=int, default=10, help=f"simulated students (at most {MAX_STUDENTS})")
    parser.add_argument(
        "--duration", type=float, default=300, help=f"seconds of running cells (at most {MAX_DURATION_SECONDS})"
    )
    parser.add_argument("--ramp-up", type=float, default=1.0, help="students started per second")
    parser.add_argument("--think", type=float, default=10.0, help="seconds between two runs of the notebook")
    parser.add_argument("--notebook", type=Path, help="an .ipynb whose code cells to run (default: a small one)")
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=DEFAULT_START_TIMEOUT_SECONDS,
        help="seconds a student waits for a server, retries after throttling included",
    )
    parser.add_argument("--browser-students", type=int, default=0, help="how many students use a real browser")
    parser.add_argument("--max-error-rate", type=float, default=0.01, help="fail above this share of errors")
    parser.add_argument("--max-p95", type=float, default=5.0, help="fail above this p95 cell round trip, seconds")
    parser.add_argument("--report", type=Path, default=Path("loadtest-report"), help="folder for the JSON and PNG")
    parser.add_argument("--keep", action="store_true", help="keep the users and servers it made")
    parser.add_argument("--namespace", help="the hub's namespace, to count students per node with kubectl")
    parser.add_argument("--force-production", action="store_true", help="load-test a production hub anyway")
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_VARIABLE)
    problems = []
    if not token:
        problems.append(f"set {TOKEN_VARIABLE} to an admin token of the hub (its health-check service's will do)")
    if not 1 <= args.students <= MAX_STUDENTS:
        problems.append(f"--students must be 1 to {MAX_STUDENTS}")
    if not 1 <= args.duration <= MAX_DURATION_SECONDS:
        problems.append(f"--duration must be 1 to {MAX_DURATION_SECONDS} seconds")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    cells = _cells(args.notebook) if args.notebook else DEFAULT_CELLS
    options = Options(
        args.url, str(token), args.students, args.duration, args.ramp_up, args.think, cells,
        start_timeout=args.start_timeout, browser_students=args.browser_students,
        password=os.environ.get("LOADTEST_PASSWORD"), keep=args.keep,
    )  # fmt: skip
    usage = GeneratorUsage()
    try:
        measurements = _run_until_interrupted(options, args.force_production, args.namespace)
    except LoadTestError as error:
        print(f"load test refused: {error}", file=sys.stderr)
        return 2
    report = summary(measurements, usage.per_student(options.students), measurements.per_node)
    json_path, png_path = write(report, measurements, args.report)
    print(table(report))
    print(f"wrote {json_path} and {png_path}")
    p95 = report["latency_seconds"]["cell round trip"]["p95"]
    if report["error_rate"] > args.max_error_rate or p95 is None or p95 > args.max_p95:
        print(f"over the thresholds: error rate {report['error_rate']:.3f}, p95 {p95}", file=sys.stderr)
        return 1
    return 0


def _run_until_interrupted(options: Options, force: bool, namespace: str | None) -> Measurements:
    """Run the test; Ctrl-C ends it early, and the clean-up still runs."""
    loop = asyncio.new_event_loop()
    task = loop.create_task(run(options, force, namespace=namespace))
    loop.add_signal_handler(signal.SIGINT, task.cancel)
    try:
        return loop.run_until_complete(task)
    except asyncio.CancelledError:
        raise LoadTestError("interrupted; the users it made were deleted") from None
    finally:
        loop.close()


def _cells(path: Path) -> tuple[str, ...]:
    """The notebook's code cells, and a last one browser students wait for."""
    document = json.loads(path.read_text())
    cells = tuple("".join(c["source"]) for c in document["cells"] if c["cell_type"] == "code")
    return (*cells, f"print({DONE_MARKER!r})")


if __name__ == "__main__":
    sys.exit(main())
