"""The hub's REST API as the health check and the load test use it: calls with a token, a
server started and waited for, a user stopped and deleted."""

import asyncio
import json
import time
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest


class ServerStartError(Exception):
    """A server did not become ready; the message says how."""


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

    async def start_server(self, user: str, token: str, timeout: float) -> None:
        """Start the user's default server (or find it running) and wait until it is ready."""
        await self.call("POST", f"/hub/api/users/{user}/server", token, ok=(400,))  # 400: already running
        deadline = time.monotonic() + timeout
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
