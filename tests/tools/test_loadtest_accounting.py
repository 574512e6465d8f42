"""The load test's accounting: every student it starts ends as completed or failed, never neither."""

import asyncio
from typing import Any

import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tools.loadtest import run as loadtest
from tools.loadtest.options import Options
from tools.loadtest.report import Measurements


def test_a_browser_that_gives_up_is_a_failed_student_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's TimeoutError is not the built-in one: a browser student that timed out used to
    end neither completed nor failed, and the report showed no error at all."""

    async def browser_gives_up(*args: Any) -> None:
        raise PlaywrightTimeoutError('Locator.wait_for: Timeout 30000ms exceeded.\n  waiting for "| Idle"')

    monkeypatch.setattr(loadtest, "browser_student", browser_gives_up)
    m = Measurements()
    options = Options("http://127.0.0.1:1", "token", students=1, browser_students=1)
    asyncio.run(loadtest._student(0, options, hub=None, m=m, deadline=0.0))  # type: ignore[arg-type]
    assert (m.students_started, m.students_done, m.students_failed) == (1, 0, 1)
    assert list(m.errors) == ["TimeoutError: Locator.wait_for: Timeout 30000ms exceeded."]
