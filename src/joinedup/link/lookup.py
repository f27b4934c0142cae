"""Real-time lookup: which known people match these details, how well, and why.

A caseworker types a name, a date of birth and a postcode; the hub answers with candidate
entities scored by the same trained model that linked the records (its m and u
probabilities from `link_model`), so a lookup and a run agree on what counts as evidence.
Only comparisons the query can feed are scored (no tenure), names adjusted for how common
they are as in a run; candidates are records sharing a searched detail with the query,
which is first cleaned as records are at loading (lookup_query.py).

Without a UPRN the query cannot reach the model's "same property" level, which would make
"same postcode" look like counter-evidence (in a run, most true pairs at one postcode share
a UPRN); for lookups the two levels are pooled: P(same postcode | match) is the sum of
both levels' m, and likewise for u.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np

from joinedup.link.explain import frequency_reason, plain_level, prior_reason
from joinedup.link.lookup_query import standardised_query
from joinedup.link.nicknames import name_variants
from joinedup.link.scoring import term_frequency_columns, term_frequency_sql

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


def _frequency_level(comparison: dict) -> tuple[int, str, float, float] | None:
    """(gamma, column, u, power) of the comparison's level adjusted for how common the
    value is, as `_levels` numbers the levels; None when it has none."""
    levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
    for gamma, level in enumerate(levels):
        column, u = level.get("tf_adjustment_column"), level.get("u_probability")
        if column and u:
            return gamma, column, float(u), float(level.get("tf_adjustment_weight", 1.0))
    return None


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


@dataclass
class _Scored:
    """One comparison a query can feed: its weight per level (null first) and labels, and
    the level (if any) the model adjusts for how common the agreeing value is."""

    name: str
    weights: np.ndarray
    labels: list[str]
    frequency_level: int | None = None  # the level's gamma (exact match on a name)
    frequency_column: str = ""
    frequency_u: float = 0.0  # u of that level: a value as common as this adds nothing
    frequency_power: float = 1.0


_BLOCKS = ("surname", "dob", "postcode", "email", "phone", "nhs_number", "ni_number")


class PersonIndex:
    """What lookups read, held in memory once per run: the records as an Arrow table and,
    per searched column, the rows sorted by a 64-bit hash of the value.

    A lookup hashes the query's values, finds the records sharing each one by binary
    search (no table scan, no per-value Python objects: about 12 bytes a record per
    column), keeps the `max_candidates` records that share the most values with the query,
    and scores only those with the model in a small query. Building costs seconds per
    million records; a lookup costs milliseconds whatever the number of records.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, max_candidates: int = 300) -> None:
        row = con.execute("SELECT model_json FROM link_model").fetchone()
        self.model = json.loads(row[0]) if row else None
        self.max_candidates = max_candidates
        has_variants = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'person_name_variants'"
        ).fetchone()
        variants = (
            "person_name_variants"
            if has_variants and has_variants[0]
            else "(SELECT NULL::VARCHAR AS first_name, NULL::VARCHAR[] AS first_name_variants)"
        )
        cols = ", ".join(f"i.{c}" for c in _COLUMNS)
        self._table = con.execute(
            f"SELECT i.unique_id, {cols}, v.first_name_variants, c.entity_id "
            f"FROM link_input i JOIN person_clusters c ON c.record_id = i.unique_id "
            f"LEFT JOIN {variants} v ON v.first_name = i.first_name ORDER BY i.unique_id"
        ).to_arrow_table()
        # One chunk per column: taking rows from a chunked table concatenates the chunks on
        # every call (36 ms a lookup at a million records; 0.1 ms from one chunk).
        self._table = self._table.combine_chunks()
        self._unique_ids = np.asarray(self._table.column("unique_id").to_pylist(), dtype=object)
        self._entity_ids = np.asarray(self._table.column("entity_id").to_pylist(), dtype=object)
        # Per searched column, the rows sorted by the value's hash (Python's own: the index
        # lives and is queried in one process), so finding the rows sharing a value is a
        # binary search in two numpy arrays.
        self._hashed: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for column in _BLOCKS:
            values = self._table.column(column).to_pylist()
            rows = np.fromiter((i for i, v in enumerate(values) if v is not None), dtype=np.int32)
            keys = np.fromiter(
                (hash(v) for v in values if v is not None), dtype=np.int64, count=len(rows)
            )
            order = np.argsort(keys, kind="stable")
            self._hashed[column] = (keys[order], rows[order])
        # How common each value of a name is among all records, as the full run counts it
        # (scoring.py), for the term frequency adjustment of an exact match.
        self._frequency: dict[str, dict[str, float]] = {}
        for column in term_frequency_columns(self.model) if self.model else []:
            self._frequency[column] = dict(con.execute(term_frequency_sql(column)).fetchall())
        self.db = duckdb.connect()
        # Scoring a few hundred rows gains nothing from threads; one connection serves every
        # caller (web workers are threads), so one query at a time.
        self.db.execute("SET threads = 1")
        self._lock = threading.Lock()
        self._sql: dict[frozenset[str], tuple[str, list[_Scored]]] = {}

    def _candidates(self, query: dict[str, object]) -> np.ndarray:
        """Rows sharing at least one searched value with the query, those sharing most
        first, at most `max_candidates` (a common surname alone can match thousands)."""
        parts = []
        for column in _BLOCKS:
            value = query.get(column)
            if not value:
                continue
            keys, rows = self._hashed[column]
            lo = np.searchsorted(keys, hash(value), side="left")
            hi = np.searchsorted(keys, hash(value), side="right")
            parts.append(rows[lo:hi])
        if not parts:
            return np.empty(0, dtype=np.int32)
        rows, shared = np.unique(np.concatenate(parts), return_counts=True)
        if len(rows) > self.max_candidates:
            # stable: among equally good candidates, the earlier rows (by record id)
            keep = np.argsort(-shared, kind="stable")[: self.max_candidates]
            rows = np.sort(rows[keep])
        return rows

    def close(self) -> None:
        self.db.close()

    def _compile(self, given: frozenset[str]) -> tuple[str, list[_Scored]]:
        """The SQL giving each candidate's level per comparison, for one shape of query
        (which fields it gives), cached; the weights are added up in numpy."""
        if given in self._sql:
            return self._sql[given]
        assert self.model is not None
        gamma_cols, scored = [], []
        for comparison in self.model["comparisons"]:
            name = comparison["output_column_name"]
            needs = _NEEDS.get(name)
            if needs is None or not set(needs) <= given:
                continue
            levels = _levels(comparison, pool_address=True)
            null = next(
                lvl["sql_condition"]
                for lvl in comparison["comparison_levels"]
                if lvl.get("is_null_level")
            )
            cases = " ".join(
                f"WHEN {cond} THEN {i}" for i, (cond, _, _) in enumerate(levels) if cond != "ELSE"
            )
            # Null first (a missing value is no evidence), then the model's levels in order.
            gamma_cols.append(
                f"CASE WHEN {null} THEN -1 {cases} ELSE {len(levels) - 1} END AS g_{name}"
            )
            frequency = _frequency_level(comparison)
            scored.append(
                _Scored(
                    name,
                    np.array([0.0, *(w for _, w, _ in levels)]),
                    [label for _, _, label in levels],
                    *(frequency or (None,)),
                )
            )
        renamed = ", ".join(f"{c} AS {c}_r" for c in (*_COLUMNS, "first_name_variants"))
        sql = f"""
            SELECT {", ".join(gamma_cols)}
            FROM (
                SELECT {renamed},
                       $first_name AS first_name_l, $surname AS surname_l, $dob AS dob_l,
                       $postcode AS postcode_l, $email AS email_l, $phone AS phone_l,
                       $nhs_number AS nhs_number_l, $ni_number AS ni_number_l,
                       CAST(NULL AS VARCHAR) AS uprn_l,
                       $variants AS first_name_variants_l
                FROM _candidates
            )
        """
        self._sql[given] = (sql, scored)
        return sql, scored

    def lookup(self, *, limit: int = 5, **details: date | str | None) -> list[LookupCandidate]:
        """The best `limit` entities for these details (lookup_query.DETAILS), strongest
        first, with reasons."""
        if self.model is None:
            return []
        query: dict[str, object] = dict(standardised_query(**details))
        given = frozenset(k for k, v in query.items() if v)
        if not given & set(_BLOCKS):
            return []
        sql, scored = self._compile(given)
        cleaned_first = query["first_name"]
        params = {
            **query,
            "variants": name_variants(str(cleaned_first)) if cleaned_first else None,
        }
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        rows = self._candidates(query)
        if not len(rows):
            return []
        with self._lock:
            self.db.register("_candidates", self._table.take(rows))
            try:
                gammas = self.db.execute(sql, used).fetchnumpy()
            finally:
                self.db.unregister("_candidates")
        prior = self.model["probability_two_random_records_match"]
        levels = {s.name: np.asarray(gammas[f"g_{s.name}"], dtype=np.int64) for s in scored}
        weights = np.full(len(rows), math.log2(prior / (1 - prior)))
        adjust: dict[str, float] = {}  # per comparison: the frequency weight of its value
        for s in scored:
            weights += s.weights[levels[s.name] + 1]
            tf = self._frequency.get(s.frequency_column, {}).get(query.get(s.frequency_column))  # type: ignore[arg-type]
            if s.frequency_level is not None and tf:
                adjust[s.name] = s.frequency_power * math.log2(s.frequency_u / tf)
                weights += np.where(levels[s.name] == s.frequency_level, adjust[s.name], 0.0)
        # Each entity's best record (ties: the lower record id), entities strongest first.
        unique_ids, entity_ids = self._unique_ids[rows], self._entity_ids[rows]
        best: dict[str, int] = {}
        for i in np.lexsort((unique_ids, -weights)):
            best.setdefault(entity_ids[i], int(i))
        chosen = sorted(best.items(), key=lambda item: (-weights[item[1]], item[0]))[:limit]
        results = []
        start = prior_reason(prior)
        for entity_id, i in chosen:
            reasons = [start]
            for s in scored:
                gamma = int(levels[s.name][i])
                if gamma < 0:
                    continue
                label = s.labels[gamma]
                text = plain_level(label, s.name) if label else None
                if text:
                    reasons.append(f"{text}: {s.weights[gamma + 1]:+.1f}")
                if gamma == s.frequency_level and abs(adjust.get(s.name, 0.0)) >= 0.05:
                    reasons.append(frequency_reason(s.name, adjust[s.name]))
            weight = float(weights[i])
            results.append(
                LookupCandidate(
                    entity_id=entity_id,
                    match_weight=round(weight, 2),
                    match_probability=round(2**weight / (1 + 2**weight), 4),
                    best_record_id=str(unique_ids[i]),
                    reasons=reasons,
                )
            )
        return results


def lookup_people(
    con: duckdb.DuckDBPyConnection, *, limit: int = 5, **details: date | str | None
) -> list[LookupCandidate]:
    """One-off lookup against a store (builds a PersonIndex; keep one for many lookups)."""
    index = PersonIndex(con)
    try:
        return index.lookup(limit=limit, **details)
    finally:
        index.close()
