"""A bad rule fails at load with a message that names the rule and what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from joinedup.rules.model import REQUIRED_COLUMNS, RuleError, load_library, load_rule, load_rules

GOOD = {
    "name": "my_rule",
    "title": "My rule",
    "description": "Finds things.",
    "sources": {"council_tax": "accounts"},
    "parameters": {"council_tax": "council_tax", "days": 30},
    "value_basis": "None.",
    "finding": "Found {evidence} record(s), {days} days.",
    "why": ["Because {others} other(s)."],
    "sql": "SELECT record_id AS subject_record_id, NULL AS uprn, [] AS other_entities, "
    "[record_id] AS evidence_records, 1 AS score, 0 AS estimated_value "
    "FROM src_{council_tax} WHERE start_date < DATE '{as_of}' - INTERVAL {days} DAY",
}


def _write(tmp_path: Path, data: object, name: str = "rule.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_good_rule_loads_and_renders(tmp_path: Path) -> None:
    rule = load_rule(_write(tmp_path, GOOD))
    sql = rule.render({"days": 10}, "2026-11-01")
    assert "src_council_tax" in sql and "INTERVAL 10 DAY" in sql
    finding, why = rule.explain({"evidence": 2, "others": 1, "score": 1, "value": 0})
    assert finding == "Found 2 record(s), 30 days." and why == ["Because 1 other(s)."]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sql": GOOD["sql"].replace("{days}", "{weeks}")}, "uses weeks in its SQL"),
        ({"sql": GOOD["sql"].replace("AS score", "AS points")}, "must return the column(s) score"),
        ({"sql": "DELETE FROM records"}, "must return the column(s)"),
        ({"sql": GOOD["sql"] + "; DROP TABLE records"}, "single statement"),
        ({"name": "My Rule"}, "lower_snake_case"),
        ({"severity": "urgent"}, "severity"),
        ({"finding": "Found {colour}"}, "finding names colour"),
        ({"why": ["{"]}, "why is not a valid template"),
        ({"parameters": {"council_tax": "council_tax", "days": [1, 2]}}, "must be a number"),
        ({"parameters": {"council_tax": "x'; --", "days": 1}}, "text may hold"),
        ({"parameters": {"as_of": "2020-01-01", "council_tax": "x", "days": 1}}, "reserved"),
        ({"colour": "blue"}, "colour: Extra inputs are not permitted"),
        ({"value_basis": None}, "value_basis"),
    ],
)
def test_a_bad_rule_fails_at_load_with_a_clear_message(
    tmp_path: Path, change: dict, message: str
) -> None:
    data = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(RuleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_rule(_write(tmp_path, data))


def test_a_rule_file_that_is_not_yaml_or_not_a_mapping_fails(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="not valid YAML"):
        load_rule(_write(tmp_path, "name: [unclosed"))
    with pytest.raises(RuleError, match="not a YAML mapping"):
        load_rule(_write(tmp_path, "- just\n- a list\n"))


def test_the_library_loads_and_every_rule_returns_the_required_columns() -> None:
    library = load_library()
    assert {
        "single_person_discount",
        "deceased_still_listed",
        "blue_badge_after_death",
        "housing_benefit_payroll",
        "duplicate_creditor_payments",
    } <= set(library)
    for rule in library.values():
        assert all(c in rule.sql for c in REQUIRED_COLUMNS), rule.name
        assert rule.finding != "{title}" and rule.why, f"{rule.name} has no match page words"


def test_council_rules_come_from_the_rules_folder_and_may_not_shadow_the_library(
    tmp_path: Path,
) -> None:
    (tmp_path / "rules").mkdir()
    _write(tmp_path / "rules", GOOD, "my_rule.yaml")
    rules = load_rules(tmp_path)
    assert "my_rule" in rules and "single_person_discount" in rules
    _write(tmp_path / "rules", {**GOOD, "name": "single_person_discount"}, "clash.yaml")
    with pytest.raises(RuleError, match="name of a built-in rule"):
        load_rules(tmp_path)
