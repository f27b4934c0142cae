"""The web UI in a real browser: sign in, list matches, open one, record an outcome.

Runs the system Chromium through Playwright against uvicorn on a free localhost port.
Skipped when /usr/bin/chromium is missing, unless CI=true (then it fails instead).

To run it against a real demo run (tests/conftest.py's synthetic council) instead of the
fake hub, set USE_DEMO_HUB = True: that is the one line to change.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from joinedup.governance.users import create_user
from joinedup.web import create_app
from joinedup.web.deps import HubLike

from .conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, browser_needs, live_server
from .fakes import FakeHub

pytestmark = pytest.mark.browser

USERNAME = "ivy_browser"


USE_DEMO_HUB = True


@pytest.fixture
def browser_hub(request: pytest.FixtureRequest, tmp_path: Path) -> HubLike:
    if USE_DEMO_HUB:
        from joinedup.hub import Hub

        # A private copy, so the users and cases made here stay out of other tests.
        return Hub.open(request.getfixturevalue("fresh_demo_copy").config_path)
    return FakeHub(tmp_path / "data")


@pytest.fixture
def base_url(browser_hub: HubLike) -> Iterator[str]:
    with browser_hub.store.session() as session, session.begin():
        create_user(session, USERNAME, PASSWORD, "investigator", display_name="Ivy Browser")
    with live_server(create_app(browser_hub)) as url:
        yield url


def test_sign_in_review_a_match_and_record_an_outcome(base_url: str, tmp_path: Path) -> None:
    browser_needs()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base_url + "/matches")
            expect(page).to_have_url(f"{base_url}/login?next=%2Fmatches")

            page.get_by_label("Username").fill(USERNAME)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Matches", exact=True)).to_be_visible()
            page.screenshot(path=tmp_path / "matches.png", full_page=True)

            page.locator("table a", has_text="View").first.click()
            expect(page.get_by_role("heading", name="The records", exact=True)).to_be_visible()
            match_url = page.url
            assert "/matches/" in match_url

            page.get_by_label("Closed").check()
            page.get_by_label("Fraud").check()
            page.get_by_label("Add a note").fill("Checked with the service; outcome agreed.")
            page.get_by_role("button", name="Save case").click()

            expect(page.get_by_role("status")).to_contain_text("The case has been updated.")
            assert page.url == match_url
            expect(page.locator(".summary-list").first).to_contain_text("Closed")
            expect(page.locator(".notes")).to_contain_text("outcome agreed")
            page.screenshot(path=tmp_path / "match.png", full_page=True)

            page.goto(base_url + "/matches?status=closed")
            expect(page.locator("tbody tr")).to_have_count(1)
        finally:
            browser.close()
    assert (tmp_path / "match.png").stat().st_size > 10_000
