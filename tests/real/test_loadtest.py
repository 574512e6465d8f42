"""The load test for real, against a JupyterHub on this machine, driven by Locust as it runs in CI:
a class of protocol and browser students (a master and two workers) all get in, the starts the
hub throttles waited out (the browser student logging in with the service token, as on OAuth
stacks; the login form is tried in test_branding.py); broken notebooks
and dead or production hubs fail clearly, Ctrl-C keeps the results and removes the users.

Sources: Locust 2.x (a LoadTestShape's `tick` returns users and spawn rate, or None to stop; the
`quitting` event may set `environment.process_exit_code`; `--csv` and `--html` write the reports;
`--master`/`--worker` distribute the users), JupyterHub's 429 with Retry-After over its
concurrent spawn limit (4 on this hub), and JupyterHub 5's token handling (`BaseHandler.get_auth_token`
and the single-user server's `HubAuth.get_token` read `Authorization: token ...`; a token in a
page's URL is refused unless `JUPYTERHUB_ALLOW_TOKEN_IN_URL` is set, which the chart does not).
"""

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from tools.loadtest.classroom import CHROMIUM
from tools.loadtest.run import main
from tools.local_hub import LocalHub
from tools.plan.stack_config import ROOT


def hub_users(hub: LocalHub) -> set[str]:
    request = urllib.request.Request(f"{hub.url}/hub/api/users", headers={"Authorization": f"token {hub.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return {u["name"] for u in json.loads(response.read())}


def run_class(hub: LocalHub, report: Path, *flags: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any]]:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", hub.token)
    code = main([hub.url, "--report", str(report), "--think", "2", *flags])
    return code, json.loads((report / "summary.json").read_text())


def test_a_class_of_protocol_and_browser_students_all_get_in_throttled_or_not(
    hub: LocalHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`; .ci/run does)")
    before = hub_users(hub)
    # six arriving within 2 s at a hub that starts 4 at once: some are throttled and wait. The
    # browser student logs in as on the OAuth stacks the load-test workflow targets: with the token.
    flags = ["--students", "6", "--browser-students", "1", "--browser-login", "token",
             "--arrive-within", "2", "--hold", "6", "--workers", "2"]  # fmt: skip
    code, summary = run_class(hub, tmp_path, *flags, monkeypatch=monkeypatch)
    assert code == 0, summary
    assert summary["students"] == {"arrived": 6, "got a server": 6, "never got a server": 0}, summary["errors"]
    assert summary["time to notebook seconds"]["count"] == 6  # the browser student's first run included
    assert summary["browser notebook run seconds"]["count"] >= 1 and summary["cell seconds"]["count"] >= 5 * 3
    assert summary["cell failures"] == 0 and summary["errors"] == {}
    assert summary["throttled"] > 0
    # Locust's own reports: a row per step, and the HTML report
    with (tmp_path / "stats_stats.csv").open() as table:
        rows = {(row["Type"], row["Name"]) for row in csv.DictReader(table)}
    assert {("student", "server start"), ("student", "time to notebook"), ("kernel", "cell")} <= rows
    assert ("browser", "notebook run") in rows
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
    # the generator counted the browser too: a Chromium is hundreds of MiB
    assert summary["generator"]["peak_memory_mib"] > 300
    assert hub_users(hub) == before and summary["users left behind"] == 0


def test_a_broken_notebook_fails_the_run(hub: LocalHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tools.loadtest.run.DEFAULT_CELLS", ("1 / 0",))
    code, summary = run_class(hub, tmp_path, "--students", "2", "--arrive-within", "1", "--hold", "3",
                              monkeypatch=monkeypatch)  # fmt: skip
    assert code == 1 and summary["cell failures"] == 2, summary
    assert not {u for u in hub_users(hub) if u.startswith("loadtest-")}


def test_a_dead_hub_is_a_clear_failure(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "token")
    assert main(["http://127.0.0.1:9"]) == 2
    assert "does not answer" in capsys.readouterr().err


class _ProductionLoginPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<html><title>JupyterHub</title><body>Sign in</body></html>")

    def log_message(self, *args: Any) -> None:
        pass


def test_a_production_hub_is_refused_unless_forced(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = HTTPServer(("127.0.0.1", 0), _ProductionLoginPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "token")
    try:
        assert main([f"http://127.0.0.1:{server.server_address[1]}"]) == 2
        assert "looks like a production hub" in capsys.readouterr().err
    finally:
        server.shutdown()


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--students", "501"], "--students"),
        (["--hold", "4000"], "--hold"),
        (["--browser-students", "20"], "browser"),
        (["--browser-students", "1", "--browser-login", "form"], "LOADTEST_PASSWORD"),
    ],
)
def test_the_load_is_capped(flags: list[str], words: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "token")
    monkeypatch.delenv("LOADTEST_PASSWORD", raising=False)
    assert main(["http://127.0.0.1:9", *flags]) == 2
    assert words in capsys.readouterr().err


def test_browser_students_without_chromium_are_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "token")
    monkeypatch.setattr("tools.loadtest.run.CHROMIUM", str(tmp_path / "no-chromium"))
    assert main(["http://127.0.0.1:9", "--browser-students", "1"]) == 2
    assert "apt-get install chromium" in capsys.readouterr().err


def test_ctrl_c_keeps_the_results_and_removes_the_users(hub: LocalHub, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tools.loadtest", hub.url, "--students", "3", "--arrive-within", "1",
               "--hold", "600", "--think", "1", "--report", str(tmp_path)]  # fmt: skip
    environment = {**os.environ, "JUPYTERHUB_API_TOKEN": hub.token, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=environment, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len({u for u in hub_users(hub) if u.startswith("loadtest-")}) < 3:
        time.sleep(1)
    time.sleep(4)  # the students work a little
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole group, as in a terminal
    process.wait(timeout=180)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["students"]["arrived"] == 3 and summary["cell seconds"]["count"] > 0, summary
    assert not {u for u in hub_users(hub) if u.startswith("loadtest-")}
