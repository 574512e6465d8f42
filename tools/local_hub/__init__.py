"""A real JupyterHub on this machine, for the tests and benchmarks that talk to a hub: JupyterHub
from PyPI, configurable-http-proxy from npm (`make test` installs it into .node/), servers as
local processes. Only loopback addresses are used.

It is configured from a stack's chart values, as z2jh's hub configures the real one: the branding
(page template, logo, template variables with the environment banner) and the services with their
roles and scopes. Login (any name and password), servers and ports are this machine's own.
`python -m tools.local_hub [STACK]` starts one to look at in a browser.
"""

import base64
import copy
import itertools
import json
import os
import secrets
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
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from charts import JUPYTERHUB
from charts.jupyterhub import HEALTH_CHECK_SERVICE
from tools.plan.program import run_program
from tools.plan.stack_config import ROOT, read_stack_config

PROXY = Path(os.environ.get("CHP_COMMAND", ROOT / ".node" / "node_modules" / ".bin" / "configurable-http-proxy"))
# The stack a local hub is configured like unless told otherwise: Pulumi.local.yaml.
LOCAL_STACK = "local"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
# The health-check service's token (the chart has z2jh generate it; here it is known).
TOKEN = "admin-token-for-local-tests"
# Users whose name starts with this get a server that exits at once.
NEVER_STARTS = "never-starts-"
_PORT_BLOCKS = itertools.count()


@dataclass(frozen=True)
class LocalHub:
    url: str
    token: str
    """The health-check service's."""
    log: Path
    stack: str
    """The stack whose chart values configure it."""
    process: subprocess.Popen[bytes] = field(repr=False)


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
    stack: str = LOCAL_STACK,
) -> Iterator[LocalHub]:
    """Start a hub (its servers run `server_command`, default jupyterhub-singleuser), configured
    like `stack`'s hub (see `chart_traits`); stop it after.

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
    from_chart = chart_traits(chart_hub_values(stack), folder / "pod")
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
            c.OwnPortSpawner.home_dir_template = "{folder}/home/{{username}}"
            c.JupyterHub.authenticator_class = "dummy"  # no system users; the check uses a token
            c.Authenticator.allow_all = True
            """
        )
        # the stack's branding, services and roles: a scope the chart lacks fails here too
        + "".join(f"c.JupyterHub.{trait} = {value!r}\n" for trait, value in from_chart.items())
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
        yield LocalHub(url, TOKEN, log, stack, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        if not keep_servers_on_stop:
            shutil.rmtree(folder / "home", ignore_errors=True)


@cache
def _program_hub_values(stack: str) -> dict[str, Any]:
    run = run_program(read_stack_config(stack))
    [release] = [r for r in run.by_type(HELM_RELEASE) if r.inputs["chart"] == JUPYTERHUB.name]
    values = release.inputs["values"]
    if not isinstance(values, dict):  # a secret would wrap the whole values; the chart keeps none there
        raise TypeError(f"{stack}: the hub's chart values are not a plain mapping: {type(values).__name__}")
    hub: dict[str, Any] = values["hub"]
    return hub


def chart_hub_values(stack: str) -> dict[str, Any]:
    """The `hub` values the program hands the z2jh chart for `stack`: the program itself, run
    offline under the plan's mocks (a second or two), so the local hub cannot drift from them.
    A stack whose settings are wrong raises the program's SettingsError."""
    return copy.deepcopy(_program_hub_values(stack))  # the run is cached: a copy to change


def chart_traits(hub: dict[str, Any], pod_root: Path) -> dict[str, Any]:
    """`JupyterHub` traits from the chart's `hub` values, as z2jh's jupyterhub_config.py sets them,
    with the hub pod's files under `pod_root`: each of `extraFiles` written at its `mountPath`
    there, `templatePaths` and `config.JupyterHub.logo_file` pointing at them, `templateVars`,
    `services` (each with a token) and `loadRoles` (z2jh's dicts become lists named by their key)."""
    for name, extra_file in hub.get("extraFiles", {}).items():
        target = _under(pod_root, extra_file["mountPath"])
        target.parent.mkdir(parents=True, exist_ok=True)
        if "stringData" in extra_file:
            target.write_text(extra_file["stringData"])
        elif "binaryData" in extra_file:
            target.write_bytes(base64.b64decode(extra_file["binaryData"]))
        else:  # `data` (YAML or JSON written out by z2jh): the hub's values use none yet
            raise ValueError(f"hub.extraFiles.{name}: only stringData and binaryData are written here")
    roles = hub.get("loadRoles", {})
    # z2jh defines the services of `hub.services`, each with a token it generates; the hub_config
    # snippets add the metrics service from the stack's Secret. JupyterHub refuses to start over a
    # role that names a service it does not know: every service a role names exists here.
    services = {name: {"name": name, **spec} for name, spec in hub.get("services", {}).items()}
    for role in roles.values():
        for name in role.get("services", []):
            services.setdefault(name, {"name": name})
    for name, service in services.items():
        service["api_token"] = TOKEN if name == HEALTH_CHECK_SERVICE else secrets.token_hex(16)
    traits: dict[str, Any] = {
        "template_paths": [str(_under(pod_root, path)) for path in hub.get("templatePaths", [])],
        # A null value never reaches the hub (Helm drops it): no banner on a production hub.
        "template_vars": {key: value for key, value in hub.get("templateVars", {}).items() if value is not None},
        "services": list(services.values()),
        "load_roles": [{"name": name, **role} for name, role in roles.items()],
    }
    logo = hub.get("config", {}).get("JupyterHub", {}).get("logo_file")
    if logo is not None:
        traits["logo_file"] = str(_under(pod_root, logo))
    return traits


def _under(pod_root: Path, pod_path: str) -> Path:
    """Where a path of the hub pod's filesystem is on this machine."""
    return pod_root / pod_path.lstrip("/")


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
