"""Each role's main journey in a real browser (the system Chromium, through Playwright),
over a private copy of the session's 1,500-person council, with screenshots.

Screenshots go to tests/web/screenshots/<role>/ (made by the tests, ignored by git), so a
person can look through what each role sees. Every journey asserts on what is visible on
the page, not only that it loaded.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from joinedup.hub import Hub
from joinedup.web import create_app

from .conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    browser_needs,
    browser_sign_in,
    first_row,
    live_server,
    private_demo_hub,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
USERS = {
    "admin_j": "admin",
    "investigator_j": "investigator",
    "owner_j": "data_owner",
    "dpo_j": "dpo",
    "analyst_j": "analyst",
    "partner_j": "partner_user",
}


@pytest.fixture(scope="module")
def served(demo_hub_config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub]]:  # type: ignore[no-untyped-def]
    browser_needs()
    hub = private_demo_hub(
        demo_hub_config.folder, tmp_path_factory.mktemp("journeys"), USERS, "demo_police"
    )
    with live_server(create_app(hub)) as base_url:
        yield base_url, hub


@pytest.fixture
def browser_page() -> Iterator:  # type: ignore[type-arg]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


class Shots:
    """Numbered screenshots of one journey, in tests/web/screenshots/<role>/."""

    def __init__(self, page, role: str) -> None:  # type: ignore[no-untyped-def]
        self.page, self.folder, self.n = page, SCREENSHOTS / role, 0
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)

    def take(self, name: str) -> None:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 5_000


def test_admin_starts_a_run_and_watches_it_finish(served, browser_page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, hub = served
    page, shots = browser_page, Shots(browser_page, "admin")
    browser_sign_in(page, base, "admin_j")
    before = page.request.get(base + "/health").json()["run_id"]
    page.get_by_role("link", name="Runs", exact=True).click()
    expect(page.get_by_role("heading", name="Pipeline runs")).to_be_visible()
    expect(page.locator("tbody")).to_contain_text(before)
    shots.take("runs")
    page.get_by_role("button", name="Start a new run").click()
    expect(page.get_by_role("heading", name="Run progress")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("The run has started")
    expect(page.locator("main")).to_contain_text("% done")
    shots.take("progress")
    # No clicks from here: the page's own meta refresh brings the finish into view.
    finished = page.locator(".notice", has_text="The run finished")
    expect(finished).to_be_visible(timeout=600_000)
    shots.take("finished")
    after = page.request.get(base + "/health").json()["run_id"]
    assert after != before
    expect(page.locator("main")).to_contain_text(f"The site now shows run {after}")
    page.get_by_role("link", name="see all runs").click()
    expect(page.locator("tbody tr").first).to_contain_text("succeeded")
    shots.take("runs-after")


def test_investigator_searches_opens_a_match_and_records_an_outcome(  # type: ignore[no-untyped-def]
    served, browser_page
) -> None:
    from playwright.sync_api import expect

    base, hub = served
    page, shots = browser_page, Shots(browser_page, "investigator")
    entity, first, surname, dob = first_row(
        hub,
        """
        SELECT entity_id, max(value) FILTER (WHERE field = 'first_name'),
               max(value) FILTER (WHERE field = 'surname'),
               max(value) FILTER (WHERE field = 'date_of_birth')
        FROM golden_records GROUP BY entity_id
        HAVING count(*) FILTER (WHERE field IN ('first_name', 'surname', 'date_of_birth')) = 3
        ORDER BY entity_id LIMIT 1
        """,
    )
    browser_sign_in(page, base, "investigator_j")
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(surname)
    page.get_by_label("Date of birth").fill(str(dob))
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    shots.take("search-results")
    assert entity not in page.url and surname not in page.url
    page.locator(f'a[href^="/people/{entity}"]').first.click()
    expect(page.get_by_role("heading", name="Golden record")).to_be_visible()
    expect(page.locator("h1")).to_contain_text(surname.title())
    shots.take("person")

    page.get_by_role("link", name="Matches", exact=True).click()
    page.locator("table a", has_text="View").first.click()
    expect(page.get_by_role("heading", name="The records", exact=True)).to_be_visible()
    shots.take("match")
    page.get_by_label("Closed").check()
    page.get_by_label("Error", exact=True).check()
    page.get_by_label("Add a note").fill("Checked with the service; record corrected.")
    page.get_by_role("button", name="Save case").click()
    expect(page.get_by_role("status")).to_contain_text("The case has been updated.")
    expect(page.locator(".notes")).to_contain_text("record corrected")
    shots.take("outcome-recorded")


def test_data_owner_checks_a_source_its_quality_and_quarantine(served, browser_page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, hub = served
    page, shots = browser_page, Shots(browser_page, "data_owner")
    (source,) = first_row(
        hub, "SELECT source FROM quarantine GROUP BY source ORDER BY count(*) DESC LIMIT 1"
    )
    browser_sign_in(page, base, "owner_j")
    page.get_by_role("link", name="Sources", exact=True).click()
    shots.take("sources")
    page.get_by_role("link", name=source, exact=True).click()
    expect(page.get_by_role("heading", name="Quality of each column")).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()
    expect(page.get_by_role("heading", name="Quarantined rows")).to_be_visible()
    expect(page.locator("main")).to_contain_text("could not be loaded")
    shots.take("source")
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Data quality report").click()
    expect(page.get_by_role("heading", name="Fields to look at")).to_be_visible()
    expect(page.locator("main")).to_contain_text(source)
    shots.take("quality-report")


def test_dpo_reads_the_audit_trail(served, browser_page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, _hub = served
    page, shots = browser_page, Shots(browser_page, "dpo")
    browser_sign_in(page, base, "dpo_j")
    page.goto(base + "/audit")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("The audit trail has been changed")
    expect(page.locator("tbody")).to_contain_text("audit.view")
    shots.take("audit")
    page.get_by_label("User").fill("dpo_j")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr").first).to_contain_text("dpo_j")
    shots.take("audit-filtered")


def test_analyst_sees_counts_and_quality_but_not_savings(served, browser_page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, _hub = served
    page, shots = browser_page, Shots(browser_page, "analyst")
    browser_sign_in(page, base, "analyst_j")
    expect(page.get_by_role("heading", name="Matches by rule")).to_be_visible()
    shots.take("dashboard")
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Data quality report").click()
    expect(page.get_by_role("heading", name="By source")).to_be_visible()
    shots.take("quality-report")
    page.goto(base + "/reports/savings")
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
    expect(page.locator("main")).to_contain_text("recorded in the audit trail")
    shots.take("savings-refused")


def test_partner_user_sees_what_they_may_and_no_more(served, browser_page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, _hub = served
    page, shots = browser_page, Shots(browser_page, "partner_user")
    browser_sign_in(page, base, "partner_j")
    page.goto(base + "/partner")
    expect(page.get_by_role("heading", name="What you may see")).to_be_visible()
    shots.take("what-you-may-see")
    page.goto(base + "/matches")
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
    shots.take("matches-refused")
    page.goto(base + "/people")
    page.get_by_label("Last name").fill("Smith")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main")).to_contain_text("You do not have access")
    shots.take("search-refused")
