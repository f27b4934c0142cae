"""Real-time lookup: which known people match these details, how well, and why.

A caseworker types a name, a date of birth and a postcode; the hub answers with candidate
entities scored by the same trained model that linked the records (its m and u
probabilities from `link_model`), so a lookup and a run agree on what counts as evidence.
Only comparisons the query can feed are scored (no tenure, no term-frequency adjustment),
and candidates are records sharing the surname, the date of birth or the postcode.

Without a UPRN the query cannot reach the model's "same property" level, which would make
"same postcode" look like counter-evidence (in a run, most true pairs at one postcode share
a UPRN); for lookups the two levels are pooled: P(same postcode | match) is the sum of
both levels' m, and likewise for u.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date

import duckdb

from joinedup.link.explain import _plain
from joinedup.link.nicknames import name_variants

# Comparison -> the query fields it needs.
_NEEDS = {
    "first_name": ("first_name",),
    "surname": ("surname",),
    "dob": ("dob",),
    "address": ("postcode",),
    "email": ("email",),
    "phone": ("phone",),
    "nhs_number": ("nhs_number",),
    "ni_number": ("ni_number",),
}


@dataclass
class LookupCandidate:
    entity_id: str
    match_weight: float
    match_probability: float
    best_record_id: str
    reasons: list[str] = field(default_factory=list)


def _levels(comparison: dict, pool_address: bool) -> list[tuple[str, float, str]]:
    """(sql condition, log2 Bayes factor, label) per non-null level, in the model's order."""
    levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
    if pool_address and comparison["output_column_name"] == "address":
        uprn = next((lvl for lvl in levels if "uprn_l = uprn_r" in lvl["sql_condition"]), None)
        if uprn is not None:
            levels = [lvl for lvl in levels if lvl is not uprn]
            for lvl in levels:
                if lvl["sql_condition"] == "postcode_l = postcode_r":
                    lvl = lvl | {}
                    lvl["m_probability"] = lvl.get("m_probability", 0) + uprn.get(
                        "m_probability", 0
                    )
                    lvl["u_probability"] = lvl.get("u_probability", 0) + uprn.get(
                        "u_probability", 0
                    )
                    levels = [lvl if x["sql_condition"] == lvl["sql_condition"] else x
                              for x in levels]
    out = []
    for lvl in levels:
        m, u = lvl.get("m_probability"), lvl.get("u_probability")
        weight = math.log2(m / u) if m and u else 0.0
        out.append((lvl["sql_condition"], weight, lvl.get("label_for_charts", "")))
    return out


def lookup_people(
    con: duckdb.DuckDBPyConnection,
    *,
    first_name: str | None = None,
    surname: str | None = None,
    date_of_birth: date | str | None = None,
    postcode: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    nhs_number: str | None = None,
    ni_number: str | None = None,
    limit: int = 5,
) -> list[LookupCandidate]:
    """The best `limit` entities for these details, strongest first, with reasons."""
    row = con.execute("SELECT model_json FROM link_model").fetchone()
    if row is None:
        return []
    model = json.loads(row[0])
    dob = date_of_birth.isoformat() if isinstance(date_of_birth, date) else date_of_birth
    query = {
        "first_name": first_name.strip().lower() if first_name else None,
        "surname": surname.strip().lower() if surname else None,
        "dob": dob,
        "postcode": postcode.strip().upper() if postcode else None,
        "email": email.strip().lower() if email else None,
        "phone": phone,
        "nhs_number": nhs_number,
        "ni_number": ni_number,
    }
    given = {k for k, v in query.items() if v}
    if not given & {"surname", "dob", "postcode", "email", "phone", "nhs_number", "ni_number"}:
        return []
    prior = model["probability_two_random_records_match"]
    score_terms, gamma_cols = [], []
    labels: dict[str, list[tuple[float, str]]] = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        needs = _NEEDS.get(name)
        if needs is None or not set(needs) <= given:
            continue
        levels = _levels(comparison, pool_address=True)
        labels[name] = [(w, label) for _, w, label in levels]
        null = next(
            lvl["sql_condition"] for lvl in comparison["comparison_levels"]
            if lvl.get("is_null_level")
        )
        cases = " ".join(
            f"WHEN {cond} THEN {i}" for i, (cond, _, _) in enumerate(levels) if cond != "ELSE"
        )
        weights = ", ".join(["0.0", *(f"{w!r}" for _, w, _ in levels)])
        # Null first (a missing value is no evidence), then the model's levels in order.
        gamma = f"CASE WHEN {null} THEN -1 {cases} ELSE {len(levels) - 1} END"
        gamma_cols.append(f"{gamma} AS g_{name}")
        score_terms.append(f"[{weights}][g_{name} + 2]")
    blocks = [
        f"{column} = q.{column}_l"
        for column in ("surname", "dob", "postcode", "email", "phone", "nhs_number", "ni_number")
        if column in given
    ]
    params = [query[k] for k in _NEEDS_ORDER]
    has_variants = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'person_name_variants'"
    ).fetchone()
    variants = (
        "person_name_variants"
        if has_variants and has_variants[0]
        else "(SELECT NULL::VARCHAR AS first_name, NULL::VARCHAR[] AS first_name_variants)"
    )
    frame = con.execute(
        f"""
        WITH q AS (
            SELECT ?::VARCHAR AS first_name_l, ?::VARCHAR AS surname_l, ?::VARCHAR AS dob_l,
                   ?::VARCHAR AS postcode_l, ?::VARCHAR AS email_l, ?::VARCHAR AS phone_l,
                   ?::VARCHAR AS nhs_number_l, ?::VARCHAR AS ni_number_l,
                   CAST(NULL AS VARCHAR) AS uprn_l, ?::VARCHAR[] AS first_name_variants_l
        ),
        cand AS (
            SELECT i.unique_id, i.first_name AS first_name_r, i.surname AS surname_r,
                   i.dob AS dob_r, i.postcode AS postcode_r, i.email AS email_r,
                   i.phone AS phone_r, i.nhs_number AS nhs_number_r,
                   i.ni_number AS ni_number_r, i.uprn AS uprn_r,
                   v.first_name_variants AS first_name_variants_r, q.*
            FROM link_input i CROSS JOIN q
            LEFT JOIN {variants} v ON v.first_name = i.first_name
            WHERE {" OR ".join(f"i.{b}" for b in blocks)}
        ),
        gammas AS (SELECT unique_id, {", ".join(gamma_cols)} FROM cand),
        scored AS (
            SELECT g.*, c.entity_id, {math.log2(prior / (1 - prior))!r}
                   + {" + ".join(score_terms)} AS match_weight
            FROM gammas g JOIN person_clusters c ON c.record_id = g.unique_id
        )
        SELECT * FROM scored
        QUALIFY row_number() OVER (PARTITION BY entity_id ORDER BY match_weight DESC,
                                   unique_id) = 1
        ORDER BY match_weight DESC, entity_id
        LIMIT {int(limit)}
        """,
        [*params, name_variants(first_name) if first_name else None],
    ).df()
    results = []
    for rec in frame.to_dict(orient="records"):
        reasons = []
        for name, levels in labels.items():
            gamma = int(rec[f"g_{name}"])
            if gamma < 0:
                continue
            weight, label = levels[gamma]
            text = _plain(label, name) if label else None
            if text:
                reasons.append(f"{text}: {weight:+.1f}")
        weight = float(rec["match_weight"])
        results.append(
            LookupCandidate(
                entity_id=rec["entity_id"],
                match_weight=round(weight, 2),
                match_probability=round(2**weight / (1 + 2**weight), 4),
                best_record_id=rec["unique_id"],
                reasons=reasons,
            )
        )
    return results


_NEEDS_ORDER = (
    "first_name",
    "surname",
    "dob",
    "postcode",
    "email",
    "phone",
    "nhs_number",
    "ni_number",
)
