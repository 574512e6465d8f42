"""What a simulated student does, step by step, in code that gevent can run side by side: the hub's
REST API over `requests`, the kernel's websocket over `websocket-client` (both on sockets Locust's
gevent makes cooperative).

Every call uses the token of the hub's `health-check` service: it may make users, start their
servers and reach them (access:servers), and nothing else the chart does not grant.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import websocket

from tools.ops.kernels import Execution, KernelError, execute_request

# JupyterHub refuses a start with 429 over its concurrent spawn limit (with a Retry-After hint of
# 30 to 60 s) and over its active server limit (with no hint): a student waits and asks again.
THROTTLED = 429
DEFAULT_RETRY_AFTER_SECONDS = 30.0
NOTEBOOK = "loadtest.ipynb"
# What the runner hands its Locust processes through their environment (never on a command line).
TOKEN_VARIABLE = "JUPYTERHUB_API_TOKEN"
BROWSERS_VARIABLE = "LOADTEST_BROWSER_STUDENTS"
PASSWORD_VARIABLE = "LOADTEST_PASSWORD"  # the shared password, for browser students using the login form
BROWSER_LOGINS = ("form", "token")
# Debian's Chromium, which the browser students drive (Playwright never downloads a browser here).
CHROMIUM = "/usr/bin/chromium"
DEFAULT_CELLS = (
    "import math\ntotal = sum(math.sqrt(i) for i in range(200_000))",
    "data = [i * i for i in range(50_000)]\nprint(len(data))",
    "print('loadtest-done', round(total))",
)


class StudentError(Exception):
    """A student could not go on; the message says where."""


class ThrottledError(StudentError):
    def __init__(self, wait: float) -> None:
        super().__init__(f"throttled, retry in {wait:.0f} s")
        self.wait = wait


def notebook(cells: tuple[str, ...]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {
                "cell_type": "code",
                "id": f"cell-{i}",
                "metadata": {},
                "source": code,
                "outputs": [],
                "execution_count": None,
            }
            for i, code in enumerate(cells)
        ],
    }


def retry_after(response: requests.Response) -> float:
    """The wait a 429 asks for, in seconds (JupyterHub sends whole seconds)."""
    try:
        return max(float(response.headers["Retry-After"]), 0.0)
    except (KeyError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS


class Hub:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.session = url.rstrip("/"), requests.Session()
        self.session.headers["Authorization"] = f"token {token}"
        self.token = token

    def call(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = ()) -> Any:
        response = self.session.request(method, f"{self.url}{path}", json=body, timeout=120)
        if response.status_code in ok:
            return None
        if response.status_code == THROTTLED:
            raise ThrottledError(retry_after(response))
        if response.status_code >= 400:
            raise StudentError(
                f"HTTP {response.status_code} on {method} {path.split('/')[3] if path.count('/') > 2 else path}"
            )
        return response.json() if response.content else None

    def start_server(
        self, user: str, timeout: float, on_throttled: Callable[[float], None], sleep: Callable[[float], None]
    ) -> None:
        """Ask for the user's server until the hub takes the request, then wait until it is ready."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.call("POST", f"/hub/api/users/{user}/server", ok=(400,))  # 400: already running
                break
            except ThrottledError as throttled:
                if time.monotonic() + throttled.wait >= deadline:
                    raise StudentError(f"still throttled after {timeout:.0f} s") from None
                on_throttled(throttled.wait)
                sleep(throttled.wait)
        while time.monotonic() < deadline:
            model = self.call("GET", f"/hub/api/users/{user}")
            server = (model.get("servers") or {}).get("")
            if server and server.get("ready"):
                return
            if server is None and not model.get("pending"):
                raise StudentError("the server stopped while starting (see the hub's log)")
            sleep(1)
        raise StudentError(f"the server was not ready after {timeout:.0f} s")

    def remove_user(self, user: str, sleep: Callable[[float], None], wait_seconds: int = 120) -> None:
        """Stop the user's server, wait for it to go, delete the user; no error if already gone."""
        self.call("DELETE", f"/hub/api/users/{user}/server", ok=(400, 404))
        for _ in range(wait_seconds):
            model = self.call("GET", f"/hub/api/users/{user}", ok=(404,))
            if model is None or not (model.get("servers") or model.get("pending")):
                break
            sleep(1)
        self.call("DELETE", f"/hub/api/users/{user}", ok=(404,))

    def users_of_run(self, run_id: str) -> list[str]:
        users = self.call("GET", "/hub/api/users?limit=1000") or []
        return [u["name"] for u in users if u["name"].startswith(f"loadtest-{run_id}-")]

    def kernel(self, user: str) -> "Kernel":
        base = f"/user/{user}"
        kernel = self.call("POST", f"{base}/api/kernels")
        url = f"{self.url.replace('http', 'ws', 1)}{base}/api/kernels/{kernel['id']}/channels"
        return Kernel(websocket.create_connection(url, header=[f"Authorization: token {self.token}"], timeout=120))


class Kernel:
    """A kernel's channels websocket, as a notebook front end uses it."""

    def __init__(self, connection: websocket.WebSocket) -> None:
        self.connection = connection

    def execute(self, code: str) -> str:
        """Run `code`; return what it printed; StudentError if it raised or the connection closed."""
        msg_id, message = execute_request(code)
        self.connection.send(message)
        execution = Execution(msg_id)
        try:
            while True:
                raw = self.connection.recv()
                if execution.read(raw if isinstance(raw, str) else raw.decode()):
                    break
        except KernelError as error:
            raise StudentError(f"the cell raised {error}") from None
        return execution.output

    def close(self) -> None:
        self.connection.close()


@dataclass(frozen=True)
class StepStats:
    """One step's statistics over the whole run (every worker's), in seconds."""

    count: int
    failures: int
    percentiles: dict[int, float]
    longest: float


def summary(steps: dict[tuple[str, str], StepStats], errors: dict[str, int]) -> dict[str, Any]:
    """The run in numbers, by (kind, step) as the students record them (tools/loadtest/locustfile.py)."""
    empty = StepStats(0, 0, {50: 0.0, 95: 0.0, 99: 0.0}, 0.0)

    def seconds(kind: str, name: str) -> dict[str, float]:
        step = steps.get((kind, name), empty)
        return {
            "count": step.count,
            **{f"p{p}": round(value, 3) for p, value in step.percentiles.items()},
            "max": round(step.longest, 3),
        }

    arrived = steps.get(("student", "arrived"), empty).count
    starts = steps.get(("student", "server start"), empty)
    served = starts.count - starts.failures
    return {
        # A student still waiting when the run ended never got a server either.
        "students": {"arrived": arrived, "got a server": served, "never got a server": arrived - served},
        "time to notebook seconds": seconds("student", "time to notebook"),
        "server start seconds": seconds("student", "server start"),
        "cell seconds": seconds("kernel", "cell"),
        "browser notebook run seconds": seconds("browser", "notebook run"),
        "cell failures": steps.get(("kernel", "cell"), empty).failures,
        "throttled": steps.get(("hub", "throttled"), empty).count,
        "errors": errors,
    }
