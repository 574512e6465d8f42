"""The health check against a real hub on this machine: it passes when the hub works, and fails
with a clear reason (and leaves nothing behind) when it does not."""

import asyncio
import json
import urllib.request
from pathlib import Path

import pytest

from tools.local_hub import NEVER_STARTS, LocalHub
from tools.ops.healthcheck import HealthCheck, HealthCheckError, main


def users(hub: LocalHub) -> list[str]:
    request = urllib.request.Request(f"{hub.url}/hub/api/users", headers={"Authorization": f"token {hub.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return [user["name"] for user in json.loads(response.read())]


def test_a_working_hub_passes_every_step(
    hub: LocalHub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", hub.token)
    assert main([hub.url, "--start-timeout", "90"]) == 0, hub.log.read_text()[-3000:]
    printed = capsys.readouterr().out
    for step in ("reach the hub API", "create the check user", "start a server", "run a cell", "clean up"):
        assert step in printed
    assert "platform-health-check" not in users(hub)


def test_a_wrong_token_fails_at_once_with_the_reason(hub: LocalHub) -> None:
    check = HealthCheck(hub.url, "not-the-token")
    with pytest.raises(HealthCheckError, match=r"reach the hub API: the hub refused the token \(403\)"):
        asyncio.run(check.run())
    assert [name for name, _ in check.timings] == ["reach the hub API"]


def test_a_server_that_never_starts_fails_and_is_cleaned_up(hub: LocalHub) -> None:
    user = f"{NEVER_STARTS}check"
    check = HealthCheck(hub.url, hub.token, user=user, start_timeout=60)
    with pytest.raises(HealthCheckError, match="start a server: "):
        asyncio.run(check.run())
    assert [name for name, _ in check.timings][-1] == "clean up"
    assert user not in users(hub)


def test_without_a_token_it_says_where_to_put_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    assert main(["http://127.0.0.1:9"]) == 2
    assert "JUPYTERHUB_API_TOKEN" in capsys.readouterr().err


def test_an_unreachable_hub_fails_with_the_reason(tmp_path: Path) -> None:
    check = HealthCheck("http://127.0.0.1:9", "token")
    with pytest.raises(HealthCheckError, match="reach the hub API"):
        asyncio.run(check.run())
