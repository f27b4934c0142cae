"""The business case from a real run of the demo council, and its sums."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from joinedup.cases.workflow import case_for_match
from joinedup.cli import app
from joinedup.hub import Hub
from joinedup.reports.business_case import (
    AssumptionsError,
    business_case_document,
    gather,
    load_assumptions,
)
from joinedup.reports.render import to_markdown

SECTIONS = [
    "Purpose and measurable outcomes",
    "Stakeholders",
    "What the discovery found",
    "Quick wins and longer-term steps",
    "Benefits",
    "Costs",
    "Risks",
    "Governance and roles",
    "Communications plan",
    "Questions a chief executive will ask",
]


def test_facts_come_from_the_run(demo_hub_config) -> None:  # type: ignore[no-untyped-def]
    hub = Hub.open(demo_hub_config.config_path)
    facts = gather(hub)
    matches = hub.list_matches()
    assert facts.matches == len(matches) > 0
    spd = next(r for r in facts.rules if r.rule == "single_person_discount")
    spd_matches = [m for m in matches if m.rule == "single_person_discount"]
    assert spd.estimated_total == pytest.approx(sum(m.estimated_value for m in spd_matches))
    assert "25%" in spd.value_basis
    assert {s["name"] for s in facts.sources} >= {"council_tax", "electoral_register"}
    # Nothing closed yet: the assumed rate is used and said to be assumed.
    if facts.closed < 10:
        assert facts.hit_rate == (0.3, "assumed")
    markdown = to_markdown(business_case_document(facts))
    for section in SECTIONS:
        assert f"## {section}" in markdown
    assert "DPIA" in markdown and "Caldicott" in markdown


def test_closed_cases_roll_up_into_realised_savings(fresh_demo_copy) -> None:  # type: ignore[no-untyped-def]
    hub = Hub.open(fresh_demo_copy.config_path)
    matches = [m for m in hub.list_matches() if m.rule == "single_person_discount"][:12]
    n = len(matches)
    assert n >= 10  # enough closed cases for the measured rate to replace the assumption
    with hub.store.session() as session:
        for i, match in enumerate(matches):
            confirmed = i < n - 3
            case = case_for_match(session, match)  # the run opened one for every match
            case.status = "closed"
            case.outcome = "fraud" if confirmed else "no_issue"
            case.amount_recovered = 100.0 if confirmed else None
            case.amount_prevented = 50.0 if i == 0 else None
            case.updated_at = datetime(2026, 10 + (i % 2), 5)
        session.commit()
    facts = gather(hub)
    assert facts.closed == n and facts.confirmed == n - 3
    realised = (n - 3) * 100 + 50
    assert facts.realised == pytest.approx(realised)
    assert facts.hit_rate == (pytest.approx((n - 3) / n), "measured")
    assert [m[0] for m in facts.realised_by_month] == ["2026-10", "2026-11"]
    assert sum(m[3] for m in facts.realised_by_month) == pytest.approx(realised)
    markdown = to_markdown(business_case_document(facts))
    assert "Cumulative benefit realised" in markdown and f"£{realised:,}" in markdown


def test_assumptions_file_replaces_defaults(tmp_path: Path) -> None:
    path = tmp_path / "costs.yaml"
    path.write_text(
        "staff_cost_per_hour: 40\nsetup_days: {value: 10, source: our project plan}\n",
        encoding="utf-8",
    )
    found = load_assumptions(path)
    assert found["staff_cost_per_hour"].value == 40
    assert found["setup_days"].source == "our project plan"
    path.write_text("free_lunch: 1\n", encoding="utf-8")
    with pytest.raises(AssumptionsError, match="unknown assumption"):
        load_assumptions(path)
    path.write_text("setup_days: -1\n", encoding="utf-8")
    with pytest.raises(AssumptionsError, match="zero or more"):
        load_assumptions(path)


def test_business_case_command_writes_three_formats(demo_hub_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "case"
    result = CliRunner().invoke(
        app, ["business-case", "--config", str(demo_hub_config.config_path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    for suffix in ("html", "docx", "md"):
        assert (out / f"business-case.{suffix}").stat().st_size > 0
    assert "<svg" not in (out / "business-case.md").read_text(encoding="utf-8")
