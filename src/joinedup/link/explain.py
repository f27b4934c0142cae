"""Plain-English explanations of person links: each comparison's level and its weight.

Weights are log2 Bayes factors from the trained model, so "+6.0" means the evidence makes
a match 64 times more likely, and a negative weight counts against the match.
"""

from __future__ import annotations

import json
import math
import re

import duckdb

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


def _plain(label: str, comparison: str) -> str | None:
    what = _DESCRIPTIONS.get(comparison, comparison.replace("_", " "))
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
    labels = level_labels(model_row[0])
    frame = con.execute(
        "SELECT l.*, coalesce(a.entity_id = b.entity_id, false) AS same_entity "
        "FROM person_links l "
        "LEFT JOIN person_clusters a ON a.record_id = l.record_id_l "
        "LEFT JOIN person_clusters b ON b.record_id = l.record_id_r "
        "WHERE list_contains(?, l.record_id_l) AND list_contains(?, l.record_id_r) "
        "ORDER BY l.match_weight DESC",
        [record_ids, record_ids],
    ).df()
    evidence = []
    comparisons = [c.removeprefix("gamma_") for c in frame.columns if c.startswith("gamma_")]
    for row in frame.to_dict(orient="records"):
        reasons = []
        for name in comparisons:
            gamma = row.get(f"gamma_{name}")
            factor = row.get(f"bf_{name}")
            if gamma is None or gamma == -1 or factor is None or factor <= 0:
                continue
            text = _plain(labels.get((name, int(gamma)), ""), name)
            if text:
                reasons.append(f"{text}: {math.log2(factor):+.1f}")
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
