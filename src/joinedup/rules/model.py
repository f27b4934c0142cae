"""A rule is YAML: what it finds in plain English, the sources it needs, its parameters and
the SQL over the canonical tables. A bad rule fails at load, with the rule's name."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

LIBRARY = Path(__file__).parent / "library"
# The columns every rule's SELECT must return: one row per finding.
REQUIRED_COLUMNS = ("subject_record_id", "uprn", "evidence_records", "score", "estimated_value")


class RuleError(ValueError):
    pass


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    description: str
    severity: Literal["low", "medium", "high"] = "medium"
    sources: dict[str, str]
    parameters: dict[str, Any] = {}
    value_basis: str
    sql: str

    def placeholders(self) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(self.sql) if f}

    def render(self, overrides: dict[str, Any], as_of: str) -> str:
        values = {**self.parameters, **overrides, "as_of": as_of}
        missing = self.placeholders() - set(values)
        if missing:
            raise RuleError(f"rule {self.name!r}: no value for {', '.join(sorted(missing))}")
        return self.sql.format(**values)


def load_rule(path: Path) -> Rule:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rule = Rule.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise RuleError(f"rule file {path.name} is not a valid rule: {exc}") from None
    undefined = rule.placeholders() - set(rule.parameters) - {"as_of"}
    if undefined:
        raise RuleError(
            f"rule {rule.name!r} uses {', '.join(sorted(undefined))} in its SQL but does not "
            "define them under parameters"
        )
    return rule


def load_library(directory: Path = LIBRARY) -> dict[str, Rule]:
    rules = [load_rule(p) for p in sorted(directory.glob("*.yaml"))]
    return {r.name: r for r in rules}
