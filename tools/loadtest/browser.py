"""A student in a real browser: Playwright driving the system's Chromium through the hub's login
page and JupyterLab, running all cells from the menu, so the numbers include what a person sees.

The browser logs in with the hub's login form (the shared password of development and review
stacks, from LOADTEST_PASSWORD); the hub then makes the user and starts the server.
"""

import asyncio
import re
import time
from collections.abc import Awaitable, Callable

from playwright.async_api import Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tools.loadtest.options import Options
from tools.loadtest.report import Measurements

CHROMIUM = "/usr/bin/chromium"
# Chromium's own connections (updates, sync) go nowhere on a closed network: switched off.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DONE_MARKER = "loadtest-done"
# The page JupyterHub shows for a start it throttles (429): "Too many users trying to log in right
# now. Try again in 40 seconds." (jupyterhub/handlers/base.py `spawn_single_user`)
_THROTTLED = re.compile(r"Too many users trying to log in right now\. Try again in (\d+) (seconds|minutes)")
_LOOK_EVERY_MS = 2_000


async def _until_the_server_page(page: Page, name: str, options: Options, m: Measurements) -> None:
    """Wait for the browser to reach the user's server; a throttled start is asked for again after
    the wait the hub's page names, as a student would."""
    deadline = time.monotonic() + options.start_timeout
    while True:
        try:
            await page.wait_for_url("**/user/**", timeout=_LOOK_EVERY_MS)
            return
        except PlaywrightTimeoutError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name}'s server page did not open within {options.start_timeout:.0f} s") from None
            throttled = _THROTTLED.search(await page.content())
            if throttled:
                m.throttled(name)
                wait = int(throttled.group(1)) * (60 if throttled.group(2) == "minutes" else 1)
                await asyncio.sleep(wait)
                await page.goto(f"{options.url}/hub/spawn/{name}")


async def browser_student(
    name: str,
    options: Options,
    m: Measurements,
    deadline: float,
    put_notebook: Callable[[str], Awaitable[str]],
) -> None:
    """One student in Chromium; `put_notebook(name)` puts the notebook in place and returns its path."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = await browser.new_page()
            page.set_default_timeout(options.start_timeout * 1000)
            started = time.monotonic()
            await page.goto(f"{options.url}/hub/login")
            await page.fill("#username_input", name)
            await page.fill("#password_input", options.password or "any-password")
            await page.click("#login_submit")
            await _until_the_server_page(page, name, options, m)
            m.record("login", time.monotonic() - started)
            started = time.monotonic()
            path = await put_notebook(name)
            await page.goto(f"{options.url}/user/{name}/lab/tree/{path}")
            # the status bar says the kernel is idle: the toolbar's indicator says so too early
            await page.get_by_text("| Idle").first.wait_for()
            m.record("server start", time.monotonic() - started)
            m.students_active += 1
            first, started = True, time.monotonic()
            try:
                while True:  # at least one run, however late the browser got there
                    run_started = time.monotonic()
                    await page.get_by_role("menuitem", name="Run", exact=True).click()
                    await page.get_by_text("Run All Cells", exact=True).click()
                    await page.get_by_text(DONE_MARKER).last.wait_for()
                    m.record("cell round trip", time.monotonic() - run_started)
                    if first:
                        m.record("first cell", time.monotonic() - started)
                        first = False
                    if time.monotonic() >= deadline:
                        break
                    await page.get_by_role("menuitem", name="Edit", exact=True).click()
                    await page.get_by_text("Clear Outputs of All Cells", exact=True).click()
                    await asyncio.sleep(min(options.think_seconds, max(deadline - time.monotonic(), 0)))
            finally:
                m.students_active -= 1
        finally:
            await browser.close()
