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
                    levels = [
                        lvl if x["sql_condition"] == lvl["sql_condition"] else x for x in levels
                    ]
    out = []
    for lvl in levels:
        m, u = lvl.get("m_probability"), lvl.get("u_probability")
        weight = math.log2(m / u) if m and u else 0.0
        out.append((lvl["sql_condition"], weight, lvl.get("label_for_charts", "")))
    return out


_COLUMNS = (
    "first_name",
    "surname",
    "dob",
    "postcode",
    "email",
    "phone",
    "nhs_number",
    "ni_number",
    "uprn",
)
_BLOCKS = ("surname", "dob", "postcode", "email", "phone", "nhs_number", "ni_number")


class PersonIndex:
    """What lookups read, copied once into memory and indexed on the columns they search.

    Building costs a second or two per million records; each lookup then reads only the
    records that share a surname, date of birth, postcode or identifier with the query
    (index scans, not a full scan), which keeps a lookup in milliseconds.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        row = con.execute("SELECT model_json FROM link_model").fetchone()
        self.model = json.loads(row[0]) if row else None
        has_variants = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'person_name_variants'"
        ).fetchone()
        variants = (
            "person_name_variants"
            if has_variants and has_variants[0]
            else "(SELECT NULL::VARCHAR AS first_name, NULL::VARCHAR[] AS first_name_variants)"
        )
        cols = ", ".join(f"i.{c}" for c in _COLUMNS)
        table = con.execute(
            f"SELECT i.unique_id, {cols}, v.first_name_variants, c.entity_id "
            f"FROM link_input i JOIN person_clusters c ON c.record_id = i.unique_id "
            f"LEFT JOIN {variants} v ON v.first_name = i.first_name"
        ).to_arrow_table()
        self.db = duckdb.connect()
        self.db.register("_index_arrow", table)
        self.db.execute("CREATE TABLE idx AS SELECT * FROM _index_arrow")
        self.db.unregister("_index_arrow")
        for column in _BLOCKS:
            self.db.execute(f"CREATE INDEX idx_{column} ON idx ({column})")
        self._sql: dict[frozenset[str], tuple[str, dict[str, list[tuple[float, str]]]]] = {}

    def close(self) -> None:
        self.db.close()

    def _compile(self, given: frozenset[str]) -> tuple[str, dict[str, list[tuple[float, str]]]]:
        """The scoring SQL for one shape of query (which fields it gives), cached."""
        if given in self._sql:
            return self._sql[given]
        assert self.model is not None
        prior = self.model["probability_two_random_records_match"]
        score_terms, gamma_cols = [], []
        labels: dict[str, list[tuple[float, str]]] = {}
        for comparison in self.model["comparisons"]:
            name = comparison["output_column_name"]
            needs = _NEEDS.get(name)
            if needs is None or not set(needs) <= given:
                continue
            levels = _levels(comparison, pool_address=True)
            labels[name] = [(w, label) for _, w, label in levels]
            null = next(
                lvl["sql_condition"]
                for lvl in comparison["comparison_levels"]
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
        # One indexed select per field searched on, so no search scans the whole table.
        hits = " UNION ALL ".join(
            f"SELECT * FROM idx WHERE {column} = ${column}" for column in _BLOCKS if column in given
        )
        renamed = ", ".join(f"h.{c} AS {c}_r" for c in (*_COLUMNS, "first_name_variants"))
        sql = f"""
            WITH hits AS ({hits}),
            cand AS (
                SELECT h.unique_id, h.entity_id, {renamed},
                       $first_name AS first_name_l, $surname AS surname_l, $dob AS dob_l,
                       $postcode AS postcode_l, $email AS email_l, $phone AS phone_l,
                       $nhs_number AS nhs_number_l, $ni_number AS ni_number_l,
                       CAST(NULL AS VARCHAR) AS uprn_l,
                       $variants AS first_name_variants_l
                FROM hits h
                QUALIFY row_number() OVER (PARTITION BY h.unique_id) = 1
            ),
            scored AS (
                SELECT unique_id, entity_id, {", ".join(gamma_cols)} FROM cand
            )
            SELECT *, {math.log2(prior / (1 - prior))!r} + {" + ".join(score_terms)}
                   AS match_weight
            FROM scored
            QUALIFY row_number() OVER (PARTITION BY entity_id ORDER BY match_weight DESC,
                                       unique_id) = 1
            ORDER BY match_weight DESC, entity_id
            LIMIT $limit
        """
        self._sql[given] = (sql, labels)
        return sql, labels

    def lookup(
        self,
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
        if self.model is None:
            return []
        dob = date_of_birth.isoformat() if isinstance(date_of_birth, date) else date_of_birth
        query: dict[str, object] = {
            "first_name": first_name.strip().lower() if first_name else None,
            "surname": surname.strip().lower() if surname else None,
            "dob": dob or None,
            "postcode": postcode.strip().upper() if postcode else None,
            "email": email.strip().lower() if email else None,
            "phone": phone or None,
            "nhs_number": nhs_number or None,
            "ni_number": ni_number or None,
        }
        given = frozenset(k for k, v in query.items() if v)
        if not given & set(_BLOCKS):
            return []
        sql, labels = self._compile(given)
        params = {
            **query,
            "variants": name_variants(first_name) if first_name else None,
            "limit": int(limit),
        }
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        rows = self.db.execute(sql, used).fetchall()
        names = [d[0] for d in self.db.description or []]
        results = []
        for values in rows:
            rec = dict(zip(names, values, strict=True))
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


def lookup_people(
    con: duckdb.DuckDBPyConnection, *, limit: int = 5, **details: object
) -> list[LookupCandidate]:
    """One-off lookup against a store (builds a PersonIndex; keep one for many lookups)."""
    index = PersonIndex(con)
    try:
        return index.lookup(limit=limit, **details)  # type: ignore[arg-type]
    finally:
        index.close()
