"""Is the hub working, end to end? `python -m tools.ops.healthcheck URL`.

With the token of the hub's `health-check` service (in `JUPYTERHUB_API_TOKEN`), it creates a
check user, starts their server, runs a cell through the server's kernel API and checks its
output, then stops the server and deletes the user, also when a step fails. Each step is timed.
Exit 0 when every step passed, 1 with the failing step and why otherwise.
"""

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from charts.jupyterhub import SERVER_START_TIMEOUT_SECONDS
from tools.ops.hub_api import HubApi, ServerStartError
from tools.ops.kernels import KernelError, execute

CHECK_USER = "platform-health-check"
CHECK_CODE = "print(6 * 7)"
EXPECTED_OUTPUT = "42"
TOKEN_VARIABLE = "JUPYTERHUB_API_TOKEN"
# A cold start (autoscaler, spot launch, image pull) may take the hub's whole start timeout; a
# minute more, so that a start that fails is reported with the hub's own verdict.
DEFAULT_START_TIMEOUT_SECONDS = SERVER_START_TIMEOUT_SECONDS + 60


class HealthCheckError(Exception):
    """A step failed; the message says which and why."""


@dataclass
class HealthCheck:
    url: str
    token: str
    user: str = CHECK_USER
    start_timeout: float = DEFAULT_START_TIMEOUT_SECONDS
    timings: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.url = self.url.rstrip("/")
        self.hub = HubApi(self.url)

    async def run(self) -> None:
        failure: HealthCheckError | None = None
        try:
            await self.step("reach the hub API", self.reach_hub)
            await self.step("create the check user", self.create_user)
            await self.step("start a server", self.start_server)
            await self.step("run a cell", self.run_cell)
        except HealthCheckError as error:
            failure = error
        if failure is None or "refused the token" not in str(failure):
            try:
                await self.step("clean up", self.clean_up)  # also after a failure: leave nothing behind
            except HealthCheckError as error:
                failure = failure or error
        if failure is not None:
            raise failure

    async def step(self, name: str, action: Callable[[], Awaitable[None]]) -> None:
        started = time.monotonic()
        try:
            await action()
        except HealthCheckError as failure:
            raise HealthCheckError(f"{name}: {failure}") from None
        except (HTTPClientError, OSError, TimeoutError) as error:
            raise HealthCheckError(f"{name}: {error}") from None
        finally:
            self.timings.append((name, time.monotonic() - started))

    async def api(self, method: str, path: str, body: Any = None, allowed: tuple[int, ...] = ()) -> Any:
        try:
            return await self.hub.call(method, path, self.token, body, ok=allowed)
        except HTTPClientError as error:
            if error.code in (401, 403):
                reason = f"the hub refused the token ({error.code}): is it the health-check service's?"
                raise HealthCheckError(reason) from None
            raise HealthCheckError(f"{method} {path} answered {error.code}") from None

    async def reach_hub(self) -> None:
        await self.api("GET", "/hub/api/")
        await self.api("GET", "/hub/api/users?limit=1")  # the token is checked here

    async def create_user(self) -> None:
        await self.api("POST", f"/hub/api/users/{self.user}", allowed=(409,))  # 409: left from a failed run

    async def start_server(self) -> None:
        try:
            await self.hub.start_server(self.user, self.token, self.start_timeout)
        except ServerStartError as error:
            raise HealthCheckError(str(error)) from None

    async def run_cell(self) -> None:
        base = f"/user/{self.user}/api/kernels"
        kernel = await self.api("POST", base)
        websocket_url = f"{self.url.replace('http', 'ws', 1)}{base}/{kernel['id']}/channels"
        request = HTTPRequest(websocket_url, headers={"Authorization": f"token {self.token}"})
        connection = await websocket_connect(request)
        try:
            output = await asyncio.wait_for(execute(connection, CHECK_CODE), timeout=60)
        except KernelError as error:
            raise HealthCheckError(f"the cell failed: {error}") from None
        finally:
            connection.close()
            await self.api("DELETE", f"{base}/{kernel['id']}", allowed=(404,))
        if output.strip() != EXPECTED_OUTPUT:
            raise HealthCheckError(f"the cell printed {output.strip()!r}, not {EXPECTED_OUTPUT!r}")

    async def clean_up(self) -> None:
        await self.hub.remove_user(self.user, self.token)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.ops.healthcheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the hub's URL, like https://dev.hub.example.edu")
    parser.add_argument("--user", default=CHECK_USER, help=f"name of the check user (default {CHECK_USER})")
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=DEFAULT_START_TIMEOUT_SECONDS,
        help=f"seconds a server may take to start (default {DEFAULT_START_TIMEOUT_SECONDS}, beyond the hub's own)",
    )
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_VARIABLE)
    if not token:
        print(f"set {TOKEN_VARIABLE} to the token of the hub's health-check service", file=sys.stderr)
        return 2
    check = HealthCheck(args.url, token, user=args.user, start_timeout=args.start_timeout)
    try:
        asyncio.run(check.run())
        failure = None
    except HealthCheckError as error:
        failure = str(error)
    for name, seconds in check.timings:
        print(f"{seconds:7.1f} s  {name}")
    if failure:
        print(f"health check failed: {failure}", file=sys.stderr)
        return 1
    print(f"health check passed: {args.url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
