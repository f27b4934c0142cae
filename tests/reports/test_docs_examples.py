"""The YAML examples in the discovery, maturity and business case pages work as shown."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from joinedup.reports.business_case import DEFAULT_ASSUMPTIONS, load_assumptions
from joinedup.reports.maturity import parse_answers

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _yaml_blocks(page: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.S)


def test_maturity_answers_example_is_complete() -> None:
    (block,) = _yaml_blocks("maturity.md")
    assessment = parse_answers(yaml.safe_load(block))
    assert assessment.organisation == "Demo District Council"
    assert assessment.gaps()


def test_assumptions_example_loads_and_the_table_lists_every_default(tmp_path: Path) -> None:
    (block,) = _yaml_blocks("business-case.md")
    path = tmp_path / "costs.yaml"
    path.write_text(block, encoding="utf-8")
    found = load_assumptions(path)
    assert found["staff_cost_per_hour"].value == 29.5
    page = (DOCS / "business-case.md").read_text(encoding="utf-8")
    for assumption in DEFAULT_ASSUMPTIONS:
        assert f"| `{assumption.key}` | {assumption.value:g} |" in page
