"""The hub's REST API as the health check and the load test use it: calls with a token, a
server started and waited for, a user stopped and deleted."""

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

# JupyterHub refuses a start with 429 over its concurrent spawn limit (with a Retry-After hint of
# 30 to 60 s) and over its active server limit (with no hint): a student then waits and asks again.
THROTTLED = 429
DEFAULT_RETRY_AFTER_SECONDS = 30.0


class ServerStartError(Exception):
    """A server did not become ready; the message says how."""


def retry_after(error: HTTPClientError) -> float:
    """The wait a 429 asks for, in seconds (JupyterHub sends whole seconds)."""
    hint = error.response.headers.get("Retry-After") if error.response is not None else None
    try:
        return max(float(hint), 0.0) if hint is not None else DEFAULT_RETRY_AFTER_SECONDS
    except ValueError:
        return DEFAULT_RETRY_AFTER_SECONDS


class HubApi:
    def __init__(self, url: str, max_clients: int = 10) -> None:
        self.url = url.rstrip("/")
        AsyncHTTPClient.configure(None, max_clients=max_clients)
        self.client = AsyncHTTPClient()

    async def call(self, method: str, path: str, token: str, body: Any = None, ok: tuple[int, ...] = ()) -> Any:
        """The decoded answer; None for an empty one or for an error code listed in `ok`."""
        request = HTTPRequest(
            f"{self.url}{path}",
            method=method,
            headers={"Authorization": f"token {token}"},
            body=None if body is None and method == "GET" else json.dumps(body or {}),
            allow_nonstandard_methods=True,
            request_timeout=120,
        )
        try:
            response = await self.client.fetch(request)
        except HTTPClientError as error:
            if error.code in ok:
                return None
            raise
        return json.loads(response.body) if response.body else None

    async def start_server(
        self, user: str, token: str, timeout: float, on_throttled: Callable[[float], None] | None = None
    ) -> None:
        """Start the user's default server (or find it running) and wait until it is ready.

        A start the hub throttles (429) is asked for again after the wait it suggests, until the
        timeout; `on_throttled` hears of each refusal with that wait.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                await self.call("POST", f"/hub/api/users/{user}/server", token, ok=(400,))  # 400: already running
                break
            except HTTPClientError as error:
                wait = retry_after(error)
                if error.code != THROTTLED or time.monotonic() + wait >= deadline:
                    raise
                if on_throttled is not None:
                    on_throttled(wait)
                await asyncio.sleep(wait)
        while time.monotonic() < deadline:
            model = await self.call("GET", f"/hub/api/users/{user}", token)
            server = (model.get("servers") or {}).get("")
            if server and server.get("ready"):
                return
            if server is None and not model.get("pending"):
                raise ServerStartError("the server stopped while starting; see the hub's log for the spawn error")
            await asyncio.sleep(1)
        raise ServerStartError(f"the server was not ready after {timeout:.0f} s")

    async def remove_user(self, user: str, token: str, wait_seconds: int = 120) -> None:
        """Stop the user's server, wait for it to go, then delete the user; no error if already gone."""
        await self.call("DELETE", f"/hub/api/users/{user}/server", token, ok=(400, 404))
        for _ in range(wait_seconds):
            model = await self.call("GET", f"/hub/api/users/{user}", token, ok=(404,))
            if model is None or not (model.get("servers") or model.get("pending")):
                break
            await asyncio.sleep(1)
        await self.call("DELETE", f"/hub/api/users/{user}", token, ok=(404,))
