"""A rule is YAML: what it finds in plain English, the sources it needs, its parameters,
the SQL over the canonical tables and the words a match page shows. A bad rule fails at
load, with the rule's file, the key and what is wrong, so its author can fix it before any
run depends on it.

Built-in rules live in `library/`; a council adds its own as YAML files in a `rules/`
folder beside its joinedup.yaml (see docs/rules/writing-a-rule.md).
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

LIBRARY = Path(__file__).parent / "library"
COUNCIL_RULES_DIR = "rules"  # a council's own rules: <folder of joinedup.yaml>/rules/*.yaml
# The columns every rule's SELECT must return: one row per finding.
REQUIRED_COLUMNS = (
    "subject_record_id",
    "uprn",
    "other_entities",
    "evidence_records",
    "score",
    "estimated_value",
)
# What a finding/why template may name besides the rule's parameters: facts of the match.
TEMPLATE_FIELDS = frozenset({"others", "evidence", "score", "value"})
_RESERVED = frozenset({"as_of"})


class RuleError(ValueError):
    pass


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    description: str
    severity: Literal["low", "medium", "high"] = "medium"
    sources: dict[str, str] = Field(min_length=1)
    parameters: dict[str, Any] = {}
    value_basis: str
    # One sentence for the match page, and the reasons behind it: str.format templates over
    # the rule's parameters and the match's facts (TEMPLATE_FIELDS).
    finding: str = "{title}"
    why: list[str] = []
    sql: str

    @field_validator("name")
    @classmethod
    def _name_is_snake_case(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(f"rule name {value!r} must be lower_snake_case")
        return value

    @field_validator("parameters")
    @classmethod
    def _parameters_are_plain(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key, item in value.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
                raise ValueError(f"parameter name {key!r} must be lower_snake_case")
            if key in _RESERVED:
                raise ValueError(f"parameter name {key!r} is reserved (the hub sets it)")
            if not isinstance(item, (int, float, str)) or isinstance(item, bool):
                raise ValueError(f"parameter {key!r} must be a number or a word, not {item!r}")
            if isinstance(item, str) and not re.fullmatch(r"[A-Za-z0-9_ .-]*", item):
                raise ValueError(f"parameter {key!r}: text may hold letters, digits, _ . - only")
        return value

    def placeholders(self) -> set[str]:
        return _fields(self.sql)

    def render(self, overrides: dict[str, Any], as_of: str) -> str:
        try:
            Rule._parameters_are_plain(overrides)
        except ValueError as exc:
            raise RuleError(f"rule {self.name!r}, parameters in the config: {exc}") from None
        values = {**self.parameters, **overrides, "as_of": as_of}
        missing = self.placeholders() - set(values)
        if missing:
            raise RuleError(f"rule {self.name!r}: no value for {', '.join(sorted(missing))}")
        return self.sql.format(**values)

    def explain(self, facts: dict[str, Any], overrides: dict[str, Any] | None = None) -> tuple:
        """The match page's finding and reasons, filled in for one match."""
        values = {"title": self.title, **self.parameters, **(overrides or {}), **facts}
        return self.finding.format(**values), [w.format(**values) for w in self.why]


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _check(rule: Rule) -> None:
    undefined = rule.placeholders() - set(rule.parameters) - _RESERVED
    if undefined:
        raise RuleError(
            f"rule {rule.name!r} uses {', '.join(sorted(undefined))} in its SQL but does not "
            "define them under parameters"
        )
    lowered = rule.sql.lower()
    missing = [c for c in REQUIRED_COLUMNS if c not in lowered]
    if missing:
        raise RuleError(
            f"rule {rule.name!r}: its SQL must return the column(s) {', '.join(missing)} "
            f"(every rule returns {', '.join(REQUIRED_COLUMNS)})"
        )
    if not re.match(r"\s*(with|select)\b", lowered):
        raise RuleError(f"rule {rule.name!r}: its SQL must be one query (WITH ... or SELECT ...)")
    if ";" in rule.sql.strip().rstrip(";"):
        raise RuleError(f"rule {rule.name!r}: its SQL must be a single statement (no ';')")
    allowed = set(rule.parameters) | TEMPLATE_FIELDS | {"title"}
    for key, template in [("finding", rule.finding)] + [("why", w) for w in rule.why]:
        try:
            unknown = _fields(template) - allowed
        except ValueError as exc:
            raise RuleError(f"rule {rule.name!r}: {key} is not a valid template: {exc}") from None
        if unknown:
            raise RuleError(
                f"rule {rule.name!r}: {key} names {', '.join(sorted(unknown))}, which is neither "
                f"a parameter nor one of {', '.join(sorted(TEMPLATE_FIELDS))}"
            )


def load_rule(path: Path) -> Rule:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise RuleError(f"rule file {path.name} is not a YAML mapping of rule keys")
        rule = Rule.model_validate(data)
    except yaml.YAMLError as exc:
        raise RuleError(f"rule file {path.name} is not valid YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'rule'}: {e['msg']}" for e in exc.errors()
        )
        raise RuleError(f"rule file {path.name} is not a valid rule: {problems}") from None
    _check(rule)
    return rule


def load_library(directory: Path = LIBRARY) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for path in sorted(directory.glob("*.yaml")):
        rule = load_rule(path)
        if rule.name in rules:
            raise RuleError(f"rule {rule.name!r} is defined twice (see {path.name})")
        rules[rule.name] = rule
    return rules


def load_rules(config_dir: Path | None = None) -> dict[str, Rule]:
    """The built-in library plus the council's own rules from `<config_dir>/rules/`."""
    rules = load_library()
    folder = Path(config_dir) / COUNCIL_RULES_DIR if config_dir else None
    if folder is None or not folder.is_dir():
        return rules
    own = load_library(folder)
    clash = sorted(set(own) & set(rules))
    if clash:
        raise RuleError(
            f"the council rule(s) {', '.join(clash)} have the name of a built-in rule; "
            "give them a name of their own"
        )
    return {**rules, **own}
