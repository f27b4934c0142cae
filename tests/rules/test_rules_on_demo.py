"""The rule library on the demo council: every rule finds its cases, the match page speaks
the rule's own words, matches export, and a council's own rule (the documented worked
example) loads and runs."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.config import load_config
from joinedup.evaluation import evaluate
from joinedup.hub import Hub
from joinedup.rules.model import load_rule
from joinedup.rules.runner import run_rules

DOCS = Path(__file__).resolve().parents[2] / "docs"
AS_OF = "2026-11-01"
RULES = [
    "single_person_discount",
    "deceased_still_listed",
    "blue_badge_after_death",
    "housing_benefit_payroll",
    "duplicate_creditor_payments",
    "care_package_after_death",
    "unlicensed_hmo",
    "stale_address_after_move",
    "taxi_driver_police_incident",
    "multi_agency_household",
    "empty_home_exemption_occupied",
]
# Rules with about one case per 1,500 people, which the small council may not have.
RARE = {"stale_address_after_move", "taxi_driver_police_incident"}


def test_every_rule_is_measured_against_its_truth(demo_hub_config) -> None:
    result = evaluate(Hub.open(demo_hub_config.config_path), demo_hub_config.folder / "truth")
    for name in RULES:
        figures = result["rules"][name]
        if name in RARE and figures["planted"] == 0:
            continue  # about one case per 1,500 people: measured on the 20,000-person demo
        assert figures["planted"] > 0, name
        # A 1,500-person council has few cases per rule; the 20,000-person figures are in
        # docs/rules/index.md. The HMO rule cannot tell three sharers from a family whose
        # members are recorded under three surnames (see docs/rules/unlicensed-hmo.md).
        floor = 0.5 if name == "unlicensed_hmo" else 0.75
        assert figures["recall"] is not None and figures["recall"] >= floor, (name, figures)
        assert figures["precision"] is not None and figures["precision"] >= floor, (name, figures)


@pytest.mark.parametrize("rule", RULES[1:])
def test_the_match_page_uses_the_rules_own_words(demo_hub_config, rule: str) -> None:
    hub = Hub.open(demo_hub_config.config_path)
    match = next((m for m in hub.list_matches() if m.rule == rule), None)
    if match is None and rule in RARE:
        pytest.skip("no case of this rule in this small council")
    assert match is not None, rule
    detail = hub.get_match(match.match_key)
    assert detail is not None
    assert detail.description and "{" not in detail.description
    assert detail.why and all("{" not in w for w in detail.why)
    assert detail.value_basis
    if rule == "duplicate_creditor_payments":
        assert "day(s) later" in detail.description
    else:
        assert detail.records, rule


def test_export_matches_and_rules_list(demo_hub_config, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "matches.csv"
    config = str(demo_hub_config.config_path)
    result = runner.invoke(app, ["export", "matches", "--config", config, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["rule"] for r in rows} >= set(RULES) - RARE
    first = rows[0]
    assert first["match_id"] and first["records"].startswith(first["subject_record"])
    assert first["case_status"] == "open"
    listed = runner.invoke(app, ["rules", "list", "--config", config])
    assert listed.exit_code == 0, listed.output
    for name in RULES:
        assert name in listed.output


def _worked_example() -> dict:
    page = (DOCS / "rules" / "writing-a-rule.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", page, flags=re.S)]
    return next(b for b in blocks if "sql" in b)


def test_the_worked_example_of_a_council_rule_loads_and_runs(
    fresh_demo_copy, run_copy, tmp_path: Path
) -> None:
    example = _worked_example()
    folder = fresh_demo_copy.folder / "rules"
    folder.mkdir()
    (folder / f"{example['name']}.yaml").write_text(yaml.safe_dump(example), encoding="utf-8")
    assert load_rule(folder / f"{example['name']}.yaml").name == "spd_with_benefit_partner"
    config = load_config(fresh_demo_copy.config_path)
    counts = run_rules(run_copy, config, AS_OF)
    assert "spd_with_benefit_partner" in counts
    # Every match is a current SPD account, and its evidence is a partner on a claim.
    bad = run_copy.execute(
        """
        SELECT count(*) FROM matches m
        JOIN src_council_tax s ON s.record_id = m.subject_record_id
        WHERE m.rule = 'spd_with_benefit_partner' AND NOT s.single_person_discount
        """
    ).fetchone()[0]
    assert bad == 0
    listed = CliRunner().invoke(
        app, ["rules", "list", "--config", str(fresh_demo_copy.config_path)]
    )
    assert "spd_with_benefit_partner" in listed.output


def test_a_rule_that_fails_to_run_names_itself(fresh_demo_copy, run_copy) -> None:
    example = _worked_example()
    example["sql"] = example["sql"].replace("claim_role", "no_such_column")
    folder = fresh_demo_copy.folder / "rules"
    folder.mkdir()
    (folder / "broken.yaml").write_text(yaml.safe_dump(example), encoding="utf-8")
    config = load_config(fresh_demo_copy.config_path)
    with pytest.raises(Exception, match="spd_with_benefit_partner.*failed to run"):
        run_rules(run_copy, config, AS_OF)
    shutil.rmtree(folder)
