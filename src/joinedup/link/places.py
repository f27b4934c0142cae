"""Resolve free-text addresses to UPRNs in the council's gazetteer (LLPG).

Why staged: a council's records mostly carry its own LLPG addresses, written a little
differently. Cheap, exact, set-based stages settle those (thousands per second); only
what is left goes to the slower probabilistic model. Every stage's candidates pass the
same safety rules (places_settle): a record that names a flat never gets its building's
UPRN, a parent shell is never a match, and near-ties are 'ambiguous', because a wrong UPRN
does more harm than none (it links people to the wrong household).

Stages, in order (the `method` of each output row):

* given: the source's own UPRN, when it is in the gazetteer and the address does not
  contradict it: no house/flat number the given UPRN's address lacks, the given flat's
  number present when the address names a flat, not a parent when the address names a
  flat, and no exact address match to a different UPRN (that makes the record
  'ambiguous', method 'given_conflict'). A given parent shell is never accepted as it
  stands: the address is resolved as if no UPRN were given, and if it names no flat the
  record ends 'ambiguous' (parent_shell).
* exact, exact_outcode, exact_district: normalised keys (places_exact).
* fuzzy: identifier-anchored matching within postcode / street blocks (places_fuzzy).
* model: uk-address-matcher's pretrained Splink model on what is left (places_model),
  by default only when the rules leave at least MODEL_MIN_SHARE of the records and at
  least MODEL_MIN_RECORDS of them: its fixed set-up costs seconds, and on data like the
  council's own LLPG the rules leave little it can add (benchmarks/match_addresses.py).
* parent_shell: the record resolves only to a block of flats ('ambiguous'; candidates
  are the shell and its flats).

Unmatched rows have method NULL. Input: tables `gazetteer` and `addresses_to_resolve` in
`con`. Output: table `address_matches`, exactly one row per input row. Work tables are
TEMP `_jp_*` and are dropped (also on failure); the `jp_*` temp macros stay on `con`.

Cost: the rule stages are set-based SQL (a few CPU-seconds for 20,000 records against
100,000 LLPG rows); the gazetteer's preparation is kept between runs per gazetteer content
(places_cache) when a cache folder is given; the model stage adds Splink's fixed set-up of
several seconds however few records reach it (benchmarks/match_addresses.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from joinedup.link.places_cache import prepare_with_cache
from joinedup.link.places_exact import run_exact
from joinedup.link.places_fuzzy import run_fuzzy
from joinedup.link.places_model import residue, run_model
from joinedup.link.places_normalise import install_macros
from joinedup.link.places_prepare import drop_work_tables, prepare_gazetteer, prepare_inputs
from joinedup.link.places_settle import create_result_tables

Progress = Callable[[str, int, int], None]

_STEPS = ("prepare", "given", "exact", "fuzzy", "model", "write")

# the model stage, by default, only for a residue this big (share of all records, count)
MODEL_MIN_SHARE = 0.05
MODEL_MIN_RECORDS = 500

# DuckDB threads for the rule stages: some forty small set-based statements, where a
# second thread costs more in co-ordination than it saves (20,000 addresses on 2 shared
# cores: 1.8-2.1 CPU-seconds with one thread, 3.1-3.9 with two, and less wall time too)
RULE_THREADS = 1


@dataclass(frozen=True)
class AddressResolutionSummary:
    """Counts of one resolution run (no addresses: safe to log)."""

    total: int
    matched: int
    ambiguous: int
    unmatched: int
    by_method: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    seconds_by_step: dict[str, float] = field(default_factory=dict)
    gazetteer_from_cache: bool = False
    model_ran: bool = False

    @property
    def matched_share(self) -> float:
        return self.matched / self.total if self.total else 0.0


def resolve_addresses(
    con: duckdb.DuckDBPyConnection,
    *,
    progress: Progress | None = None,
    use_model: bool | None = None,
    cache_dir: Path | None = None,
) -> AddressResolutionSummary:
    """Resolve every row of `addresses_to_resolve` against `gazetteer` into `address_matches`.

    `progress(step, done, total)` is called as each step finishes (`done` counts steps).
    `use_model`: True always runs the uk-address-matcher stage on what the rules leave,
    False never, None (the default) only for a residue of at least MODEL_MIN_SHARE and
    MODEL_MIN_RECORDS. `cache_dir`: where prepared gazetteers are kept between runs.
    """
    started = last = time.perf_counter()
    seconds_by_step: dict[str, float] = {}

    def tick(step: str) -> None:
        nonlocal last
        now = time.perf_counter()
        seconds_by_step[step] = round(now - last, 3)
        last = now
        if progress is not None:
            progress(step, _STEPS.index(step) + 1, len(_STEPS))

    install_macros(con)
    create_result_tables(con)
    model_ran = False
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute(f"SET threads = {RULE_THREADS}")
    try:
        from_cache = prepare_with_cache(con, cache_dir, prepare_gazetteer)
        total = prepare_inputs(con)
        tick("prepare")
        _check_given(con)
        tick("given")
        run_exact(con)
        _apply_given(con)
        tick("exact")
        run_fuzzy(con)
        tick("fuzzy")
        if use_model is None:
            left = residue(con)
            use_model = left >= MODEL_MIN_RECORDS and left >= MODEL_MIN_SHARE * total
        if use_model:
            con.execute(f"SET threads = {int(threads)}")
            run_model(con)
            con.execute(f"SET threads = {RULE_THREADS}")
            model_ran = True
        tick("model")
        _write_output(con)
        tick("write")
    finally:
        drop_work_tables(con)
        con.execute(f"SET threads = {int(threads)}")
    return _summary(
        con,
        time.perf_counter() - started,
        seconds_by_step,
        gazetteer_from_cache=from_cache,
        model_ran=model_ran,
    )


def _check_given(con: duckdb.DuckDBPyConnection) -> None:
    """`_jp_given`: records whose given UPRN exists and is not contradicted by the address."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_given AS
        SELECT i.rid, g.uprn
        FROM _jp_in i
        JOIN _jp_gz g ON ltrim(g.uprn, '0') = i.given
        WHERE list_has_all(g.ids, i.ids)
          AND NOT g.is_shell
          AND NOT (i.names_flat AND len(g.children) > 0)
          AND NOT (i.names_flat AND NOT list_has_all(i.ids, g.sao_ids))
    """)
    # a given parent shell is not a dwelling: remember the building for the fallback
    con.execute("""
        INSERT INTO _jp_shellhit
        SELECT i.rid, g.uprn, 'given' FROM _jp_in i
        JOIN _jp_gz g ON ltrim(g.uprn, '0') = i.given
        WHERE g.is_shell
    """)


def _apply_given(con: duckdb.DuckDBPyConnection) -> None:
    """Let a valid given UPRN settle its record, unless an exact match says otherwise."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_cand AS
        SELECT gv.rid, gv.uprn AS given, r.uprn AS other
        FROM _jp_given gv LEFT JOIN _jp_res r USING (rid)
    """)
    con.execute("DELETE FROM _jp_res WHERE rid IN (SELECT rid FROM _jp_cand)")
    con.execute("""
        INSERT INTO _jp_res
        SELECT rid,
            CASE WHEN other IS NULL OR other = given THEN given END,
            CASE WHEN other IS NULL OR other = given THEN 'matched' ELSE 'ambiguous' END,
            CASE WHEN other IS NULL OR other = given THEN 'given' ELSE 'given_conflict' END,
            1.0,
            CASE WHEN other IS NOT NULL AND other <> given
                 THEN to_json([given, other])::VARCHAR END
        FROM _jp_cand
    """)


def _write_output(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE OR REPLACE TABLE address_matches AS
        SELECT i.record_id, i.source, i.address, i.postcode,
            r.uprn,
            CASE WHEN r.status IS NOT NULL THEN r.status
                 WHEN s.uprn IS NOT NULL THEN 'ambiguous'
                 ELSE 'unmatched' END AS status,
            CASE WHEN r.status IS NOT NULL THEN r.method
                 WHEN s.uprn IS NOT NULL THEN 'parent_shell' END AS method,
            r.score,
            CASE WHEN r.status IS NOT NULL THEN r.candidates
                 WHEN s.uprn IS NOT NULL
                     THEN to_json(([s.uprn] || g.children)[1:5])::VARCHAR END AS candidates
        FROM _jp_in i
        LEFT JOIN _jp_res r USING (rid)
        LEFT JOIN (SELECT rid, min(uprn) AS uprn FROM _jp_shellhit GROUP BY rid) s USING (rid)
        LEFT JOIN _jp_gz g ON g.uprn = s.uprn
        ORDER BY i.rid
    """)


def _summary(
    con: duckdb.DuckDBPyConnection,
    seconds: float,
    seconds_by_step: dict[str, float],
    **flags: bool,
) -> AddressResolutionSummary:
    rows = con.execute(
        "SELECT status, coalesce(method, 'none'), count(*) FROM address_matches GROUP BY ALL"
    ).fetchall()
    by_status: dict[str, int] = {}
    by_method: dict[str, int] = {}
    for status, method, n in rows:
        by_status[status] = by_status.get(status, 0) + n
        by_method[method] = by_method.get(method, 0) + n
    return AddressResolutionSummary(
        total=sum(by_status.values()),
        matched=by_status.get("matched", 0),
        ambiguous=by_status.get("ambiguous", 0),
        unmatched=by_status.get("unmatched", 0),
        by_method=dict(sorted(by_method.items())),
        seconds=round(seconds, 3),
        seconds_by_step=seconds_by_step,
        **flags,
    )
