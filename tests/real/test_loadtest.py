"""The load test for real, against a JupyterHub on this machine: students complete, the report
has every field, nothing is left behind, and broken notebooks or dead hubs fail clearly."""

import asyncio
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from tools.loadtest.browser import CHROMIUM
from tools.loadtest.options import Options
from tools.loadtest.report import KINDS, GeneratorUsage, percentile, summary, table, write
from tools.loadtest.run import LoadTestError, main, run, students_per_node
from tools.local_hub import LocalHub


def hub_users(hub: LocalHub) -> list[dict[str, Any]]:
    request = urllib.request.Request(f"{hub.url}/hub/api/users", headers={"Authorization": f"token {hub.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        users: list[dict[str, Any]] = json.loads(response.read())
        return users


def test_ten_protocol_students_and_a_browser_student_complete(hub: LocalHub, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`; .ci/run does)")
    before = {u["name"] for u in hub_users(hub)}
    options = Options(
        hub.url, hub.token, students=11, duration=15, ramp_up_per_second=2, think_seconds=3, browser_students=1
    )
    usage = GeneratorUsage()
    measurements = asyncio.run(asyncio.wait_for(run(options, quiet=True), timeout=240))
    report = summary(measurements, usage.per_student(options.students), measurements.per_node)
    assert report["students"] == {"started": 11, "completed": 11, "failed": 0}, (
        report["errors"],
        hub.log.read_text()[-3000:],
    )
    assert report["errors"] == {} and report["error_rate"] == 0
    for kind in KINDS:
        assert report["latency_seconds"][kind]["count"] >= 11, kind
        assert set(report["latency_seconds"][kind]) == {"count", "p50", "p95", "p99", "max"}
    json_path, png_path = write(report, measurements, tmp_path)
    assert json.loads(json_path.read_text())["students"]["completed"] == 11
    assert png_path.read_bytes().startswith(b"\x89PNG")
    assert "cell round trip" in table(report)
    # nothing left behind: no user of this run, and only the users that were there before
    assert {u["name"] for u in hub_users(hub)} == before


def test_students_the_hub_throttles_retry_and_all_get_in(hub: LocalHub) -> None:
    """JupyterHub answers 429 over `concurrent_spawn_limit` (4 on this hub), with a Retry-After
    hint (jupyterhub/handlers/base.py `spawn_single_user`); a student then waits and asks again."""
    options = Options(hub.url, hub.token, students=8, duration=5, ramp_up_per_second=20, think_seconds=1)
    usage = GeneratorUsage()
    measurements = asyncio.run(asyncio.wait_for(run(options, quiet=True), timeout=240))
    report = summary(measurements, usage.per_student(options.students), measurements.per_node)
    assert report["students"] == {"started": 8, "completed": 8, "failed": 0}, report["errors"]
    assert report["throttled"]["retries"] > 0 and report["throttled"]["students"] > 0, report["throttled"]
    assert "throttled" in table(report)


def test_a_broken_notebook_fails_its_students_without_hanging(hub: LocalHub) -> None:
    options = Options(hub.url, hub.token, students=2, duration=10, ramp_up_per_second=4, think_seconds=1,
                      cells=("1 / 0",))  # fmt: skip
    measurements = asyncio.run(asyncio.wait_for(run(options, quiet=True), timeout=180))
    assert measurements.errors["cell failed"] == 2 and measurements.students_failed == 2
    assert not [u for u in hub_users(hub) if u["name"].startswith(f"loadtest-{options.run_id}")]


def test_a_dead_hub_is_a_clear_failure() -> None:
    with pytest.raises(LoadTestError, match="does not answer"):
        asyncio.run(asyncio.wait_for(run(Options("http://127.0.0.1:9", "token"), quiet=True), timeout=60))


class _ProductionLoginPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<html><title>JupyterHub</title><body>Sign in</body></html>")

    def log_message(self, *args: Any) -> None:
        pass


def test_a_production_hub_is_refused_unless_forced() -> None:
    server = HTTPServer(("127.0.0.1", 0), _ProductionLoginPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(LoadTestError, match="looks like a production hub"):
            asyncio.run(run(Options(url, "token", students=1, duration=1), quiet=True))
    finally:
        server.shutdown()


@pytest.mark.parametrize(
    ("flags", "words"), [(["--students", "501"], "--students"), (["--duration", "4000"], "--duration")]
)
def test_students_and_duration_are_capped(
    flags: list[str], words: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "token")
    assert main(["http://127.0.0.1:9", *flags]) == 2
    assert words in capsys.readouterr().err


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (50.0, 95.0, 99.0)
    assert percentile([3.0], 0.99) == 3.0


def test_students_per_node_counts_only_this_run() -> None:
    pods = {
        "items": [
            {"metadata": {"name": "dev-jupyter-loadtest-abc123-000"}, "spec": {"nodeName": "node-a"}},
            {"metadata": {"name": "dev-jupyter-loadtest-abc123-001"}, "spec": {"nodeName": "node-a"}},
            {"metadata": {"name": "dev-jupyter-loadtest-abc123-002"}, "spec": {"nodeName": "node-b"}},
            {"metadata": {"name": "dev-jupyter-alice"}, "spec": {"nodeName": "node-b"}},
            {"metadata": {"name": "dev-jupyter-loadtest-zzz999-000"}, "spec": {"nodeName": "node-b"}},
        ]
    }
    assert students_per_node(pods, "abc123") == {"node-a": 2, "node-b": 1}
