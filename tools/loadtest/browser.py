"""A student in a real browser: Playwright driving the system's Chromium through the hub's login
and JupyterLab, running all cells from the menu, so the numbers include what a person sees.

It logs in as the stack does (`--login`):
- `form`: the hub's login form with the shared password of development and review stacks (from
  LOADTEST_PASSWORD); the hub then makes the user and starts the server;
- `token`: for stacks behind an OAuth provider, whose login page only leads to the provider. The
  user is made and its server started over the API, and the browser sends the health-check
  service's token in the `Authorization` header of every request (JupyterHub 5 accepts no token in
  a page's URL; the header is the way its services and the single-user server's HubAuth read it).

It runs as a process of its own, started by the Locust user BrowserStudent
(tools/loadtest/locustfile.py), and reports each step as a line of JSON; SIGTERM ends it after the
notebook run under way.
"""

import argparse
import asyncio
import json
import os
import re
import signal
import sys
import time
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tools.loadtest.classroom import (
    BROWSER_LOGINS,
    CHROMIUM,
    NOTEBOOK,
    PASSWORD_VARIABLE,
    TOKEN_VARIABLE,
    Hub,
    StudentError,
    notebook,
)

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


@dataclass(frozen=True)
class Options:
    cells: tuple[str, ...]
    think: float
    start_timeout: float
    login: str = "form"


async def _until_the_server_page(page: Page, name: str, url: str, options: Options, report: "Report") -> None:
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
            try:
                throttled = _THROTTLED.search(await page.content())
            except PlaywrightError:  # the page is navigating (to the server, with luck): look again
                continue
            if throttled:
                wait = int(throttled.group(1)) * (60 if throttled.group(2) == "minutes" else 1)
                report.throttled(wait)
                await asyncio.sleep(wait)
                await page.goto(f"{url}/hub/spawn/{name}")


async def log_in_with_the_form(
    page: Page, url: str, name: str, password: str, *, options: Options, report: "Report"
) -> None:
    """The hub's login form, filled in as a student does, until the server's page opens (the hub
    makes the user and starts the server on the way)."""
    await page.goto(f"{url}/hub/login")
    await page.fill("#username_input", name)
    await page.fill("#password_input", password)
    await page.click("#login_submit")
    await _until_the_server_page(page, name, url, options, report)


class Report:
    """Each step as one JSON line on standard output, for the Locust user that started this process."""

    def step(self, name: str, seconds: float, **extra: object) -> None:
        print(json.dumps({"step": name, "seconds": round(seconds, 3), **extra}), flush=True)

    def throttled(self, wait: float) -> None:
        self.step("throttled", wait)


async def browser_student(url: str, name: str, options: Options, report: Report, stop: asyncio.Event) -> None:
    """One student in Chromium, from the login to running the notebook until told to stop."""
    hub = Hub(url, os.environ[TOKEN_VARIABLE])
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            by_token = {"Authorization": f"token {hub.token}"} if options.login == "token" else {}
            context = await browser.new_context(extra_http_headers=by_token)
            page = await context.new_page()
            page.set_default_timeout(options.start_timeout * 1000)
            started = time.monotonic()
            if options.login == "token":
                await asyncio.to_thread(hub.call, "POST", f"/hub/api/users/{name}")
            else:
                await log_in_with_the_form(
                    page, url, name, os.environ[PASSWORD_VARIABLE], options=options, report=report
                )
            report.step("login", time.monotonic() - started)
            started = time.monotonic()
            # the browser may land on the server's URL before the hub calls it ready; with a token
            # the API starts it
            await asyncio.to_thread(hub.start_server, name, options.start_timeout, report.throttled, time.sleep)
            body = {"type": "notebook", "content": notebook(options.cells)}
            await asyncio.to_thread(hub.call, "PUT", f"/user/{name}/api/contents/{NOTEBOOK}", body)
            await page.goto(f"{url}/user/{name}/lab/tree/{NOTEBOOK}")
            # the status bar says the kernel is idle: the toolbar's indicator says so too early
            await page.get_by_text("| Idle").first.wait_for()
            report.step("server start", time.monotonic() - started)
            first = True
            while True:  # at least one run, however late the browser got there
                run_started = time.monotonic()
                await page.get_by_role("menuitem", name="Run", exact=True).click()
                await page.get_by_text("Run All Cells", exact=True).click()
                await page.get_by_text(DONE_MARKER).last.wait_for()
                report.step("notebook run", time.monotonic() - run_started, **({"first": True} if first else {}))
                first = False
                await page.get_by_role("menuitem", name="Edit", exact=True).click()
                await page.get_by_text("Clear Outputs of All Cells", exact=True).click()
                try:
                    await asyncio.wait_for(stop.wait(), timeout=options.think)
                    return
                except TimeoutError:
                    pass
        finally:
            await browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest.browser", description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("user")
    parser.add_argument("--cells", required=True, help="the notebook's cells, a JSON list")
    parser.add_argument("--think", type=float, default=10)
    parser.add_argument("--start-timeout", type=float, default=660)
    parser.add_argument("--login", choices=BROWSER_LOGINS, default="form")
    args = parser.parse_args(argv)
    options = Options(tuple(json.loads(args.cells)), args.think, args.start_timeout, args.login)
    report = Report()

    async def run() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        try:
            await browser_student(args.url.rstrip("/"), args.user, options, report, stop)
        except (PlaywrightError, StudentError, OSError) as error:
            report.step("error", 0, error=str(error).splitlines()[0])

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
