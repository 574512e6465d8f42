"""The hub on PostgreSQL: a real JupyterHub on a real PostgreSQL server survives a restart with its
users and their running servers.

What it holds to:
- JupyterHub keeps its users, servers, tokens and each spawner's state in the database at
  `JupyterHub.db_url` (jupyterhub/app.py), any SQLAlchemy URL; the spawner's state is the
  `spawners.state` column (jupyterhub/orm.py `Spawner.state`), from which a hub that starts
  again resumes the servers an earlier one left running (`JupyterHub.init_spawners`:
  `Spawner.load_state`, `poll`, then a check that the server answers at its URL).
- z2jh's `hub.db.type: postgres` needs `hub.db.url` (files/hub/jupyterhub_config.py only sets
  `db_url` from it); this platform sets `db_url` from the HUB_DB_URL of the hub's environment
  instead (hub_config/10-secrets.py): components/hub_database.py's URL, same role, database and
  password authentication over TCP, without TLS here.
- The driver is psycopg2, as in z2jh 4.4.0's hub image (images/hub/requirements.txt: psycopg2
  2.9.12, sqlalchemy 2.0.50), named in the URL (`postgresql+psycopg2://`): SQLAlchemy 2.0 reads a
  bare `postgresql://` as psycopg2, but 2.1, the one the tests install, as psycopg 3.

The server is Debian's `postgresql` package (`apt-get install postgresql`; .ci/run installs it),
started in a temporary folder on a free loopback port.
"""

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2  # type: ignore[import-untyped]
import pytest

from components.hub_database import DATABASE_NAME, USERNAME
from tools.local_hub import LocalHub, local_hub
from tools.ops.hub_api import HubApi

USER = "survivor"
PASSWORD = "aPasswordOfLettersAndDigits0"  # as generated: letters and digits only


@dataclass(frozen=True)
class Postgres:
    url: str  # the hub's db_url: TCP with a password, as RDS is reached
    dsn: str  # the same for psycopg2 itself


def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not versions:
        pytest.fail(
            "PostgreSQL's server programs are missing (/usr/lib/postgresql/<version>/bin/initdb): "
            "run `apt-get install postgresql` (.ci/run does)"
        )
    return versions[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server of its own, on 127.0.0.1 only, with the hub's role and database."""
    binaries = _postgres_bin()
    # Not under pytest's folder: PostgreSQL runs as `postgres` when we are root (initdb refuses
    # root), and pytest's folder is root's alone. A short path, for the socket's name.
    folder = Path(tempfile.mkdtemp(prefix="pg", dir="/tmp"))
    as_owner: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()

    def run(*command: str, check: bool = True) -> None:
        subprocess.run([*as_owner, str(binaries / command[0]), *command[1:]], cwd=folder, check=check, timeout=60)

    try:
        run("initdb", "--no-sync", "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-D", str(data))
        # Durability off: the database lives as long as the test.
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c synchronous_commit=off"
        run("pg_ctl", "-D", str(data), "-l", str(folder / "postgres.log"), "-o", options, "-w", "start")
        admin = psycopg2.connect(host=str(folder), port=port, user="postgres", dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:  # no `with admin`: it would open a transaction
            cursor.execute(f"CREATE ROLE {USERNAME} LOGIN PASSWORD %s", (PASSWORD,))
            cursor.execute(f"CREATE DATABASE {DATABASE_NAME} OWNER {USERNAME}")
        admin.close()
        where = f"{USERNAME}:{PASSWORD}@127.0.0.1:{port}/{DATABASE_NAME}"
        yield Postgres(url=f"postgresql+psycopg2://{where}", dsn=f"postgresql://{where}")
    finally:
        if (data / "postmaster.pid").exists():
            run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _query(url: str, sql: str, *args: str) -> list[tuple[Any, ...]]:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows
    finally:
        connection.close()


def _user(hub: LocalHub) -> Any:
    return asyncio.run(HubApi(hub.url).call("GET", f"/hub/api/users/{USER}", hub.token))


def _server_answers(hub: LocalHub) -> dict[str, Any]:
    """The server's /api through the hub's proxy (the hub adds the routes of the servers it finds
    just after its own API answers: a few tries)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"{hub.url}/user/{USER}/api", timeout=5) as response:
                answer: dict[str, Any] = json.loads(response.read())
                if "version" in answer:
                    return answer
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    """Running, not a zombie (the state after the command's closing parenthesis in /proc's stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_the_hub_keeps_users_and_running_servers_across_a_restart(
    postgres: Postgres, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("hubdb")  # a short path: the servers' homes are in it
    pid = 0
    try:
        with local_hub(folder, db_url=postgres.url, keep_servers_on_stop=True) as hub:
            api = HubApi(hub.url)
            asyncio.run(api.call("POST", f"/hub/api/users/{USER}", hub.token))
            asyncio.run(api.start_server(USER, hub.token, timeout=60))
            _server_answers(hub)
            # The hub's tables are in PostgreSQL, the server's pid among its spawner's state.
            assert (USER,) in _query(postgres.dsn, "SELECT name FROM users")
            [(state,)] = _query(
                postgres.dsn,
                "SELECT s.state FROM spawners s JOIN users u ON u.id = s.user_id WHERE u.name = %s AND s.name = ''",
                USER,
            )
            pid = json.loads(state)["pid"]
            assert _alive(pid)

        assert _alive(pid), "the server stopped with the hub"
        with local_hub(folder, db_url=postgres.url) as hub:
            server = _user(hub)["servers"].get("")
            assert server is not None, hub.log.read_text()[-3000:]
            assert server["ready"] is True
            assert _server_answers(hub)["version"]
            asyncio.run(HubApi(hub.url).remove_user(USER, hub.token))
            assert not _alive(pid), "the restarted hub did not stop the server it found"
            assert (USER,) not in _query(postgres.dsn, "SELECT name FROM users")
    finally:
        if pid and _alive(pid):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(folder / "home", ignore_errors=True)
