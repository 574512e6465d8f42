"""A real JupyterHub on this machine, for the tests and benchmarks that talk to a hub: JupyterHub
from PyPI, configurable-http-proxy from npm (`make test` installs it into .node/), servers as
local processes. Only loopback addresses are used."""

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from charts.jupyterhub import HEALTH_CHECK_ROLE, HEALTH_CHECK_SERVICE
from contracts import environment_banner
from tools.plan.stack_config import ROOT

PROXY = Path(os.environ.get("CHP_COMMAND", ROOT / ".node" / "node_modules" / ".bin" / "configurable-http-proxy"))
TOKEN = "admin-token-for-local-tests"
# Users whose name starts with this get a server that exits at once.
NEVER_STARTS = "never-starts-"
_PORT_BLOCKS = itertools.count()


@dataclass(frozen=True)
class LocalHub:
    url: str
    token: str
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def local_hub(
    folder: Path,
    server_command: list[str] | None = None,
    concurrent_spawns: int = 20,
    retry_after_seconds: tuple[int, int] = (30, 60),
    *,
    db_url: str | None = None,
    keep_servers_on_stop: bool = False,
) -> Iterator[LocalHub]:
    """Start a hub (its servers run `server_command`, default jupyterhub-singleuser); stop it after.

    Over `concurrent_spawns` pending spawns it answers 429 with a Retry-After in
    `retry_after_seconds` (JupyterHub's own range by default).

    The hub's database is `db_url` (a SQLite file in `folder` by default). With
    `keep_servers_on_stop` the hub leaves its servers running when it stops, as a hub pod that
    restarts does: a hub started again on the same folder and database is at the same addresses,
    with the same cookie secret, and finds them.
    """
    if not PROXY.exists():
        raise FileNotFoundError(
            f"{PROXY} is missing: run `make test` (it installs configurable-http-proxy from npm into .node/) "
            "or set CHP_COMMAND to a configurable-http-proxy"
        )
    port, hub_port, api_port = _ports(folder)
    # A block of 500 ports per hub, so that hubs started one after another do not share ports.
    first_port = 20_000 + 500 * (next(_PORT_BLOCKS) % 20)
    command = server_command or [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
    config = folder / "jupyterhub_config.py"
    config.write_text(
        textwrap.dedent(
            f"""
            c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
            c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
            c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
            c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
            c.JupyterHub.db_url = {db_url or f"sqlite:///{folder}/hub.sqlite"!r}
            c.JupyterHub.cookie_secret_file = "{folder}/cookie_secret"
            # JupyterHub stops its servers when it stops, unless told to leave them (the proxy,
            # started by this hub, always goes: the next hub starts its own and adds their routes)
            c.JupyterHub.cleanup_servers = {not keep_servers_on_stop!r}
            import itertools
            from jupyterhub.spawner import SimpleLocalProcessSpawner

            # Each server its own port, below the kernel's ephemeral range: with JupyterHub's
            # random pick, two of a hundred servers starting at once can take the same one.
            _ports = itertools.count({first_port})

            class OwnPortSpawner(SimpleLocalProcessSpawner):
                async def start(self):
                    self.port = next(_ports)
                    if self.user.name.startswith({NEVER_STARTS!r}):
                        self.cmd = ["false"]  # a server that exits at once, for tests of failures
                    return await super().start()

                async def poll(self):
                    # A server an earlier hub left running is no child of this one: if nothing
                    # reaps it once it ends (a container without an init), its zombie would look alive.
                    if self.proc is None and self.pid:
                        try:
                            with open(f"/proc/{{self.pid}}/stat") as stat:  # state: after the ")"
                                zombie = stat.read().rsplit(")", 1)[1].split()[0] == "Z"
                        except FileNotFoundError:
                            zombie = False
                        if zombie:
                            self.clear_state()
                            return 0
                    return await super().poll()

            c.JupyterHub.spawner_class = OwnPortSpawner
            c.Spawner.cmd = {command!r}
            c.Spawner.args = ["--allow-root"]
            c.Spawner.http_timeout = 300
            c.Spawner.start_timeout = 300
            c.JupyterHub.concurrent_spawn_limit = {concurrent_spawns}
            # JupyterHub reads its retry hint's range from the web application's settings only
            c.JupyterHub.tornado_settings = {{"spawn_throttle_retry_range": {retry_after_seconds!r}}}
            # the banner every non-production hub of this platform shows
            c.JupyterHub.template_vars = {{"announcement": {environment_banner("development", "local")!r}}}
            c.OwnPortSpawner.home_dir_template = "{folder}/home/{{username}}"
            c.JupyterHub.authenticator_class = "dummy"  # no system users; the check uses a token
            c.Authenticator.allow_all = True
            c.JupyterHub.services = [{{"name": {HEALTH_CHECK_SERVICE!r}, "api_token": {TOKEN!r}}}]
            # the chart's own role for the service, not a copy: a scope it lacks fails here too
            c.JupyterHub.load_roles = {[{"name": name, **role} for name, role in HEALTH_CHECK_ROLE.items()]!r}
            """
        )
    )
    log = folder / "hub.log"
    with log.open("a") as output:  # a hub started again on this folder logs after the earlier one
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
            # Its own process group, killed as a whole if it does not stop. JupyterHub starts the
            # proxy and the servers in sessions of their own: it stops them itself on SIGTERM.
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{url}/hub/api/", process, log)
        yield LocalHub(url, TOKEN, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        if not keep_servers_on_stop:
            shutil.rmtree(folder / "home", ignore_errors=True)


def _ports(folder: Path) -> tuple[int, int, int]:
    """The public, hub and proxy API ports: new ones for a new folder, the same ones again for a
    folder a hub ran in (the servers it left running call the hub at its address)."""
    saved = folder / "ports.json"
    if saved.exists():
        port, hub_port, api_port = json.loads(saved.read_text())
        return port, hub_port, api_port
    ports = _free_port(), _free_port(), _free_port()
    saved.write_text(json.dumps(ports))
    return ports


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local hub exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the local hub did not answer within 60 s: {log.read_text()[-2000:]}")
