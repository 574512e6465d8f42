"""The stack's branding as a person sees it: the local hub, configured from the `local` stack's chart
values (tools/local_hub), opened in a real browser at its login page; then its form lets a
student in, as the load test's browser students log in on development and review stacks
(tools/loadtest/browser.py `log_in_with_the_form`).

Sources: JupyterHub 5.5's templates (share/jupyterhub/templates): page.html has the blocks `title`
(the browser tab's title), `stylesheet`, `logo` (an `img` of `{{ base_url }}logo` in
`#jupyterhub-logo`) and `announcement` (a `.announcement` element when the template variable is
set); login.html extends it, with the "Sign in" header `#login-main .auth-form-header` and the
`#login_submit` button (`btn-jupyter`), both orange (#f37524) in JupyterHub's style.min.css.
`JupyterHub.logo_file` is served at /hub/logo (handlers/static.py `LogoHandler`) and
`JupyterHub.template_vars` reach every template. z2jh sets those two, and `template_paths`, from
`hub.config` and `hub.templatePaths`/`hub.templateVars`; branding/page.html colours the banner,
the header and the button with `accent_color`.
"""

import asyncio
import time
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from contracts import environment_banner
from settings import settings_from_config
from settings.hub import BrandingSettings
from tools.loadtest.browser import CHROMIUM_FLAGS, Options, Report, log_in_with_the_form
from tools.loadtest.classroom import CHROMIUM, Hub
from tools.local_hub import LocalHub
from tools.plan.stack_config import ROOT, read_stack_config

# JupyterHub's own accent (its style.min.css): a stack with it would show no difference here.
JUPYTERHUB_ORANGE = "#f37524"
# What branding/page.html colours with the accent, on the login page.
ACCENT_COLOURED = (".announcement", "#login-main .auth-form-header", "#login_submit")


def css_rgb(hex_colour: str) -> str:
    """`#1d4f91` as a browser's computed style gives it: `rgb(29, 79, 145)`."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def stack_branding(stack: str) -> tuple[BrandingSettings, str]:
    """The stack's `hub.branding` and the environment banner of its tier, from its settings."""
    config = read_stack_config(stack)
    settings = settings_from_config(config.project, stack, config.values, config.secret_keys)
    return settings.hub.branding, environment_banner(settings.tier.value, settings.prefix)


def test_the_login_page_shows_the_stack_s_branding_and_its_form_lets_a_student_in(hub: LocalHub) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`; .ci/run does)")
    branding, banner = stack_branding(hub.stack)
    assert branding.logo is not None and branding.accent_color.lower() != JUPYTERHUB_ORANGE, (
        f"Pulumi.{hub.stack}.yaml must set hub.branding.logo and an accentColor of its own, or this test shows nothing"
    )
    student = "branding-visitor"
    try:
        asyncio.run(look_then_log_in(hub, branding, banner, student))
    finally:
        Hub(hub.url, hub.token).remove_user(student, time.sleep)


async def look_then_log_in(hub: LocalHub, branding: BrandingSettings, banner: str, student: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{hub.url}/hub/login")
            assert await page.title() == branding.title

            logo = page.locator("#jupyterhub-logo img")
            assert await logo.evaluate("img => img.complete && img.naturalWidth > 0"), "the browser shows no logo"
            served = await page.request.get(await logo.evaluate("img => img.currentSrc"))
            assert branding.logo is not None
            assert served.ok and await served.body() == (ROOT / branding.logo).read_bytes()

            assert (await page.locator(".announcement").inner_text()).strip() == banner
            for selector in ACCENT_COLOURED:
                colour = await page.locator(selector).evaluate("element => getComputedStyle(element).backgroundColor")
                assert colour == css_rgb(branding.accent_color), selector

            # this hub takes any password; a review stack's is its shared password
            options = Options(cells=(), think=0, start_timeout=120)
            await log_in_with_the_form(page, hub.url, student, "any-password", options=options, report=Report())
            assert f"/user/{student}/" in page.url
        finally:
            await browser.close()
