"""Run the enabled rules against a run's store and keep their findings as matches.

A match key is a hash of the rule and what the finding is about (the subject record and
the property), so the same finding in a later run is the same match and the same case.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from joinedup.config import HubConfig
from joinedup.rules.model import Rule, RuleError, load_rules

MATCH_COLUMNS = (
    "match_key VARCHAR, rule VARCHAR, subject_record_id VARCHAR, uprn VARCHAR, "
    "other_entities VARCHAR[], evidence_records VARCHAR[], score DOUBLE, estimated_value DOUBLE"
)


def config_rules(config: HubConfig) -> dict[str, Rule]:
    """The built-in rules and the council's own, from the `rules/` folder beside its config."""
    return load_rules(config.path.parent if config.path else None)


def enabled_rules(config: HubConfig) -> list[tuple[Rule, dict]]:
    library = config_rules(config)
    chosen = []
    for name, rule in library.items():
        settings = config.rules.get(name)
        if settings is not None and not settings.enabled:
            continue
        overrides = settings.parameters if settings else {}
        values = {**rule.parameters, **overrides}
        needed = [str(values.get(role, role)) for role in rule.sources]
        if all(n in config.sources for n in needed):
            chosen.append((rule, overrides))
        elif settings is not None:
            raise RuleError(
                f"rule {name!r} is enabled but needs source(s) {', '.join(needed)}, "
                "which the config does not define"
            )
    unknown = set(config.rules) - set(library)
    if unknown:
        raise RuleError(f"the config names unknown rule(s): {', '.join(sorted(unknown))}")
    return chosen


@dataclass(frozen=True)
class RuleStatus:
    rule: Rule
    sources: list[str]  # the config's source names the rule reads
    state: str  # 'runs', 'disabled' or 'missing source(s): ...'


def rule_status(config: HubConfig) -> list[RuleStatus]:
    """What `joinedup rules list` shows: each rule and whether this config runs it."""
    enabled = {rule.name for rule, _ in enabled_rules(config)}
    out = []
    for name, rule in config_rules(config).items():
        settings = config.rules.get(name)
        values = {**rule.parameters, **(settings.parameters if settings else {})}
        needed = [str(values.get(role, role)) for role in rule.sources]
        if name in enabled:
            state = "runs"
        elif settings is not None and not settings.enabled:
            state = "disabled"
        else:
            missing = [n for n in needed if n not in config.sources]
            state = f"missing source(s): {', '.join(missing)}"
        out.append(RuleStatus(rule=rule, sources=needed, state=state))
    return out


def run_rules(con: duckdb.DuckDBPyConnection, config: HubConfig, as_of: str) -> dict[str, int]:
    con.execute(f"CREATE OR REPLACE TABLE matches ({MATCH_COLUMNS})")
    counts: dict[str, int] = {}
    for rule, overrides in enabled_rules(config):
        sql = rule.render(overrides, as_of)
        try:
            con.execute(
                f"""
                INSERT INTO matches
                SELECT substr(md5('{rule.name}|' || subject_record_id || '|' ||
                              coalesce(uprn, '')), 1, 16),
                       '{rule.name}', subject_record_id, uprn,
                       CAST(other_entities AS VARCHAR[]), CAST(evidence_records AS VARCHAR[]),
                       score, round(estimated_value, 2)
                FROM ({sql}) AS found
                """
            )
        except duckdb.Error as exc:
            raise RuleError(f"rule {rule.name!r} failed to run: {exc}") from None
        counts[rule.name] = int(
            con.execute("SELECT count(*) FROM matches WHERE rule = ?", [rule.name]).fetchone()[0]  # type: ignore[index]
        )
    return counts
