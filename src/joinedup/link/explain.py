"""Plain-English explanations of person links: each comparison's level and its weight.

Weights are log2 Bayes factors from the trained model, so "+6.0" means the evidence makes
a match 64 times more likely, and a negative weight counts against the match. A link's
reasons add up to its match weight: they start from how rare it is for two records picked
at random to be one person (the prior), then each comparison, then how common the name
that agreed is (the term frequency adjustment), then any reviewer's answer.
"""

from __future__ import annotations

import json
import math
import re

import duckdb

from joinedup.link.review import decided_table
from joinedup.readmodel import LinkEvidence

_DESCRIPTIONS = {
    "first_name": "first name",
    "surname": "surname",
    "dob": "date of birth",
    "address": "address",
    "email": "email",
    "phone": "phone",
    "nhs_number": "NHS number",
    "ni_number": "National Insurance number",
    "tenure": "tenure",
}


def _what(comparison: str) -> str:
    return _DESCRIPTIONS.get(comparison, comparison.replace("_", " "))


def plain_level(label: str, comparison: str) -> str | None:
    what = _what(comparison)
    lowered = label.lower()
    if "is null" in lowered or lowered == "address missing":
        return None
    if lowered.startswith("exact match"):
        return f"same {what}"
    if lowered.startswith("all other"):
        return f"different {what}"
    jaro = re.search(r">=\s*([0-9.]+)", lowered)
    if "jaro" in lowered and jaro:
        return f"very similar {what}" if float(jaro.group(1)) >= 0.9 else f"similar {what}"
    if "levenshtein" in lowered:
        return f"{what} differs by one character (a likely typo)"
    return label


def prior_reason(probability_two_random_records_match: float) -> str:
    """The starting point every link's evidence adds to, as a reason."""
    p = probability_two_random_records_match
    weight = math.log2(p / (1 - p))
    return f"before any comparison, two records are rarely one person: {weight:+.1f}"


def frequency_reason(comparison: str, weight: float) -> str:
    """How common the value that agreed is, as a reason ("a rare surname: +1.2")."""
    return f"{'a rare' if weight > 0 else 'a common'} {_what(comparison)}: {weight:+.1f}"


def level_labels(model_json: str) -> dict[tuple[str, int], str]:
    """(comparison, gamma value) -> the level's label, from the saved model."""
    model = json.loads(model_json)
    labels: dict[tuple[str, int], str] = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        for position, level in enumerate(levels):
            # Splink numbers non-null levels from the last (0) to the first (n-1).
            labels[(name, len(levels) - 1 - position)] = level.get("label_for_charts", "")
    return labels


def explain_links(con: duckdb.DuckDBPyConnection, record_ids: list[str]) -> list[LinkEvidence]:
    """Every scored pair among these records, strongest first, with reasons."""
    if len(record_ids) < 2:
        return []
    model_row = con.execute("SELECT model_json FROM link_model").fetchone()
    if model_row is None:
        return []
    model = json.loads(model_row[0])
    labels = level_labels(model_row[0])
    frame = con.execute(
        "SELECT l.*, k.decision, coalesce(a.entity_id = b.entity_id, false) AS same_entity "
        f"FROM person_links l LEFT JOIN {decided_table(con)} k USING (record_id_l, record_id_r) "
        "LEFT JOIN person_clusters a ON a.record_id = l.record_id_l "
        "LEFT JOIN person_clusters b ON b.record_id = l.record_id_r "
        "WHERE list_contains(?, l.record_id_l) AND list_contains(?, l.record_id_r) "
        "ORDER BY l.match_weight DESC",
        [record_ids, record_ids],
    ).df()
    evidence = []
    comparisons = [c.removeprefix("gamma_") for c in frame.columns if c.startswith("gamma_")]
    start = prior_reason(model["probability_two_random_records_match"])
    for row in frame.to_dict(orient="records"):
        reasons = [start]
        for name in comparisons:
            reasons += _comparison_reasons(row, name, labels)
        if isinstance(row.get("decision"), str):
            # A reviewer's answer decides the pair: it moves the total to the decided weight.
            said = "the same person" if row["decision"] == "same" else "different people"
            rest = sum(reason_weight(r) or 0.0 for r in reasons)
            reasons.append(f"a reviewer said {said}: {row['match_weight'] - rest:+.1f}")
        evidence.append(
            LinkEvidence(
                left=row["record_id_l"],
                right=row["record_id_r"],
                match_probability=float(row["match_probability"]),
                match_weight=float(row["match_weight"]),
                reasons=reasons,
                same_entity=bool(row["same_entity"]),
            )
        )
    return evidence


def _comparison_reasons(row: dict, name: str, labels: dict[tuple[str, int], str]) -> list[str]:
    """A comparison's reason (what agreed or differed) and, when the model adjusts for how
    common the value is, a second one for that."""
    gamma = row.get(f"gamma_{name}")
    factor = row.get(f"bf_{name}")
    if gamma is None or gamma == -1 or factor is None or factor <= 0:
        return []
    reasons = []
    text = plain_level(labels.get((name, int(gamma)), ""), name)
    if text:
        reasons.append(f"{text}: {math.log2(factor):+.1f}")
    adjustment = row.get(f"bf_tf_adj_{name}")
    if isinstance(adjustment, float) and adjustment > 0 and abs(math.log2(adjustment)) >= 0.05:
        reasons.append(frequency_reason(name, math.log2(adjustment)))
    return reasons


def reason_weight(reason: str) -> float | None:
    """The signed weight a reason ends with ("same surname: +7.4" -> 7.4), if any."""
    try:
        return float(reason.rpartition(":")[2].strip())
    except ValueError:
        return None
