"""Every page checked with axe-core in the system Chromium, against WCAG 2.2 A and AA.

axe-core comes from npm (tests/web/package.json; `.ci/run` installs it). It is injected
with Playwright's add_script_tag in a context that bypasses the page's CSP: the site
itself allows no script at all, and the check must not need it to. Screenshots of each
page are saved beside the test's temporary files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.governed import AGREEMENT, PARTNER_ORG, add_agreement
from joinedup.hub import Hub
from joinedup.link.review import candidate_pairs, pair_key
from joinedup.reports.maturity import QUESTIONS
from joinedup.web import create_app

from .conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    add_users,
    browser_needs,
    browser_sign_in,
    copy_council,
    live_server,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
USERS = {
    "ivy_a11y": "investigator",
    "ana_a11y": "analyst",
    "ada_a11y": "admin",
    "pat_a11y": "partner_user",
}


@pytest.fixture(scope="module")
def served(demo_hub_config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub]]:  # type: ignore[no-untyped-def]
    browser_needs(AXE)
    config = copy_council(demo_hub_config.folder, tmp_path_factory.mktemp("a11y"))
    add_agreement(config)  # for the governance and partner pages
    hub = Hub.open(config)
    add_users(hub, USERS, partner_organisation=PARTNER_ORG)
    with live_server(create_app(hub)) as base_url:
        yield base_url, hub


def _pages(hub: Hub) -> dict[str, str]:
    con = hub.connect()
    try:
        key, uprn = con.execute(
            "SELECT match_key, uprn FROM matches WHERE uprn IS NOT NULL "
            "ORDER BY estimated_value DESC LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        (entity,) = con.execute(
            "SELECT entity_id FROM record_entities GROUP BY entity_id "
            "ORDER BY count(*) DESC, entity_id LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        source = con.execute(
            "SELECT source FROM quarantine GROUP BY source ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]  # type: ignore[index]
        first = candidate_pairs(con, 0.2, 0.98)[0]
        pair = pair_key(first["record_id_l"], first["record_id_r"])
    finally:
        con.close()
    return {
        "dashboard": "/",
        "matches": "/matches",
        "match": f"/matches/{key}",
        "sources": "/sources",
        "source": f"/sources/{source}",
        "property": f"/properties/{uprn}",
        "people": "/people",
        "person": f"/people/{entity}",
        "not_found": "/no-such-page",
        "review": "/review",
        "review_pair": f"/review/{pair}",
        "account": "/account",
        "maturity": "/maturity",
        "business_case": "/business-case",
        "runs": "/runs",
        "run_progress": "/runs/progress",
        "reports": "/reports",
        "report_quality": "/reports/quality",
        "report_savings": "/reports/savings",
        "report_discovery": "/reports/discovery",
        "agreements": "/agreements",
        "agreement": f"/agreements/{AGREEMENT}",
        "catalogue": "/catalogue",
        "pseudonyms": "/pseudonyms",
    }


def _violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    assert result["passes"], "axe-core ran no checks"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def test_every_page_passes_axe(served: tuple[str, Hub], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base, hub = served
    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(base + "/login")
            found["login"] = _violations(page)
            browser_sign_in(page, base, "ivy_a11y")
            for name, path in _pages(hub).items():
                page.goto(base + path)
                found[name] = _violations(page)
                page.screenshot(path=tmp_path / f"{name}.png", full_page=True)
            # The search results and the search error, after a POST.
            page.goto(base + "/people")
            page.get_by_label("Last name").fill("Smith")
            page.get_by_role("button", name="Search").click()
            found["people_results"] = _violations(page)
            page.goto(base + "/people")
            page.get_by_label("Date of birth").fill("31/02/1980")
            page.get_by_role("button", name="Search").click()
            found["people_error"] = _violations(page)
            page.goto(base + "/account")
            page.get_by_role("button", name="Create an API token").click()
            found["account_token"] = _violations(page)
            # The maturity form with its errors, then with a saved result and its chart.
            page.goto(base + "/maturity")
            page.get_by_role("button", name="Save and show the result").click()
            found["maturity_error"] = _violations(page)
            for question in QUESTIONS:
                page.check(f"#{question.id}-{2 + len(question.id) % 3}")
            page.get_by_role("button", name="Save and show the result").click()
            found["maturity_result"] = _violations(page)
            context.close()

            # A refusal, as an analyst sees it.
            context = browser.new_context(bypass_csp=True)
            page = context.new_page()
            browser_sign_in(page, base, "ana_a11y")
            page.goto(base + _pages(hub)["person"])
            found["forbidden"] = _violations(page)
            context.close()

            # Governance pages with their forms, as an administrator sees them.
            context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            browser_sign_in(page, base, "ada_a11y")
            for name, path in (
                ("audit", "/audit"),
                ("catalogue_edit", "/catalogue"),
                ("agreement_edit", f"/agreements/{AGREEMENT}"),
            ):
                page.goto(base + path)
                found[name] = _violations(page)
                page.screenshot(path=tmp_path / f"{name}.png", full_page=True)
            context.close()

            # A partner's user: what they may see, and a person as their agreement allows.
            context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            browser_sign_in(page, base, "pat_a11y")
            for name, path in (("partner", "/partner"), ("partner_person", _pages(hub)["person"])):
                page.goto(base + path)
                found[name] = _violations(page)
                page.screenshot(path=tmp_path / f"{name}.png", full_page=True)
            context.close()
        finally:
            browser.close()
    problems = {name: v for name, v in found.items() if v}
    assert not problems, problems
    assert len(found) == 36
