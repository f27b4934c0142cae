"""Stage 3: uk-address-matcher (a pretrained Splink model) on what the rule stages left.

Why last and why guarded: the model finds addresses the rules cannot (a dropped street, a
mangled building name, no postcode and a typo), but it always names *some* best candidate
and costs seconds of fixed set-up (Splink builds its SQL in Python). So it only sees the
leftovers, against only the gazetteer rows they could plausibly be (their postcodes, and
streets sharing a word with them), and its best candidate is accepted only when

* its match weight is at least MIN_MATCH_WEIGHT and it beats the runner-up by at least
  MIN_DISTINGUISHABILITY (uk-address-matcher's own "distinguishability"), and
* the identifiers agree as in the fuzzy stage (no house or flat number the candidate
  lacks, every flat number of the candidate present), a building name that is the
  candidate's only identifier is in the record, and a candidate outside the record's
  postcode is allowed by the same postcode rule as there and has all its street words
  in the record (allowing typos), and
* the shared safety rules pass (places_settle: no parent for a flat, shells ambiguous).

Otherwise the record stays unmatched, or 'ambiguous' with the model's top candidates when
they were close. Thresholds were set on the synthetic benchmark
(benchmarks/match_addresses.py), erring towards no match.
"""

from __future__ import annotations

import logging

import duckdb

from joinedup.link.places_fuzzy import covered
from joinedup.link.places_settle import MAX_CANDIDATES, settle

MIN_MATCH_WEIGHT = 10.0
MIN_DISTINGUISHABILITY = 5.0
AMBIGUOUS_WITHIN = 5.0
STREETS_PER_RECORD = 3
_MODEL_TABLES = ("_jp_m_messy", "_jp_m_canon", "_jp_m_best", "_jp_m_checked")

log = logging.getLogger(__name__)


_RESIDUE = """
        FROM _jp_in i
        ANTI JOIN _jp_res r USING (rid)
        ANTI JOIN (SELECT rid FROM _jp_shellhit WHERE via = 'stage') s USING (rid)
        WHERE len(i.toks) > 0
"""


def residue(con: duckdb.DuckDBPyConnection) -> int:
    """How many records the model stage would see now (unsettled, with some text)."""
    return int(con.execute(f"SELECT count(*) {_RESIDUE}").fetchone()[0])


def run_model(con: duckdb.DuckDBPyConnection) -> int:
    """Run uk-address-matcher on unsettled records; return records settled."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_m_messy AS
        SELECT i.rid::VARCHAR AS unique_id,
               coalesce(nullif(trim(i.addr_nopc), ''), '') AS address_concat,
               i.pc AS postcode
        {_RESIDUE}
    """)
    n = con.execute("SELECT count(*) FROM _jp_m_messy").fetchone()[0]
    if n == 0:
        return 0
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_m_canon AS
        WITH todo AS (
            SELECT i.rid, i.toks, i.pc,
                   CASE WHEN i.outcode IN (SELECT outcode FROM _jp_gz) THEN i.outcode END
                       AS outcode
            FROM _jp_in i SEMI JOIN _jp_m_messy m ON m.unique_id = i.rid::VARCHAR
        ),
        street_words AS (
            SELECT DISTINCT st_t, unnest(st_t) AS w FROM (SELECT DISTINCT st_t FROM _jp_gz)
        ),
        -- words that name a street, not street types (ROAD, CLOSE) shared by hundreds
        rare AS (
            SELECT w FROM street_words GROUP BY w
            HAVING count(*) <= greatest(10, (SELECT count(DISTINCT st_t) FROM _jp_gz) / 100)
        ),
        rec_words AS (
            SELECT DISTINCT rid, outcode, unnest(toks) AS w FROM todo
        ),
        -- per record, the few streets (in its outward code, if it has one) sharing the
        -- most words with it, at least one of them a street-name word
        scored AS (
            SELECT r.rid, r.outcode, s.st_t, count(*) AS shared,
                   bool_or(r.w IN (SELECT w FROM rare)) AS has_rare
            FROM rec_words r JOIN street_words s USING (w)
            GROUP BY ALL
        ),
        picked AS (
            SELECT * FROM scored WHERE has_rare
            QUALIFY row_number() OVER (PARTITION BY rid ORDER BY shared DESC)
                <= {STREETS_PER_RECORD}
        ),
        -- candidates: in the record's postcode or on a picked street, and sharing an
        -- identifier with the record (or, for a record without one, having none): the
        -- model's answer must keep the identifiers anyway, and a small candidate set keeps
        -- uk-address-matcher's preparation short
        ids AS (
            SELECT rid, unnest(CASE WHEN len(ids) = 0 THEN [''] ELSE ids END) AS id
            FROM _jp_in SEMI JOIN todo USING (rid)
        ),
        gid AS (
            SELECT uprn, pc, outcode, st_t,
                   unnest(CASE WHEN len(ids) = 0 THEN [''] ELSE ids END) AS id
            FROM _jp_gz
        ),
        pairs AS (
            SELECT g.uprn FROM todo t JOIN ids USING (rid)
            JOIN gid g ON g.pc = t.pc AND g.id = ids.id
            UNION
            SELECT g.uprn FROM picked p JOIN ids USING (rid)
            JOIN gid g ON g.st_t = p.st_t AND g.id = ids.id
                AND (p.outcode IS NULL OR p.outcode = g.outcode)
        )
        SELECT g.uprn AS unique_id, z.address_concat, g.pc AS postcode
        FROM (SELECT DISTINCT uprn FROM pairs) c
        JOIN _jp_gz g USING (uprn)
        JOIN (
            SELECT trim(uprn::VARCHAR) AS uprn,
                   concat_ws(', ', nullif(trim(sao_text::VARCHAR), ''),
                             nullif(trim(pao_text::VARCHAR), ''),
                             nullif(trim(street::VARCHAR), ''),
                             nullif(trim(locality::VARCHAR), ''),
                             nullif(trim(town::VARCHAR), '')) AS address_concat
            FROM gazetteer
        ) z USING (uprn)
    """)
    n_canon = con.execute("SELECT count(*) FROM _jp_m_canon").fetchone()[0]
    log.info("address model stage: %d records against %d gazetteer rows", n, n_canon)
    if n_canon == 0:
        _drop(con)
        return 0
    _match(con)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_m_checked AS
        SELECT m.rid, m.uprn, m.match_weight, m.rank, m.dist,
               (i.id_seq = g.id_seq
                OR (i.id_seq_nofloor = g.id_seq AND len(g.sao_ids) > 0)
                OR (len(i.ids) > 0 AND len(g.pao_name) > 0
                    AND list_has_all(g.ids, i.ids) AND list_has_all(i.ids, g.sao_ids)))
               -- a building name that is the only identifier must be in the record
               AND (len(g.pao_num) > 0 OR len(g.pao_name) = 0
                    OR {covered("g.pao_name", "i.toks")} = len(g.pao_name))
               -- another postcode only as the fuzzy stage allows it, and with the street
               AND (coalesce(g.pc = i.pc, false)
                    OR (((NOT i.pc_known AND NOT i.pc_outside)
                         OR coalesce(g.outcode = i.outcode, false))
                        AND len(g.st_t) > 0
                        AND {covered("g.st_t", "i.toks")} = len(g.st_t)))
                   AS ok
        FROM _jp_m_best m
        JOIN _jp_in i USING (rid)
        JOIN _jp_gz g USING (uprn)
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_cand AS
        WITH top AS (SELECT * FROM _jp_m_checked WHERE rank = 1)
        -- a clear winner
        SELECT rid, uprn, 1.0 / (1.0 + pow(2.0, -match_weight)) AS score
        FROM top
        WHERE ok AND match_weight >= {MIN_MATCH_WEIGHT}
          AND coalesce(dist, 99) >= {MIN_DISTINGUISHABILITY}
        UNION ALL
        -- close candidates that all pass the checks: ambiguous between them
        SELECT b.rid, b.uprn, 1.0 / (1.0 + pow(2.0, -b.match_weight))
        FROM _jp_m_checked b JOIN top t USING (rid)
        WHERE t.match_weight >= {MIN_MATCH_WEIGHT}
          AND coalesce(t.dist, 99) < {MIN_DISTINGUISHABILITY}
          AND b.ok AND b.match_weight > t.match_weight - {AMBIGUOUS_WITHIN}
    """)
    settled = settle(con, "_jp_cand", "model")
    _drop(con)
    return settled


def _drop(con: duckdb.DuckDBPyConnection) -> None:
    for name in _MODEL_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _match(con: duckdb.DuckDBPyConnection) -> None:
    """`_jp_m_best(rid, uprn, match_weight, rank, dist)`: the model's ranked candidates."""
    from uk_address_matcher import AddressMatcher, SplinkStage

    matcher = AddressMatcher(
        canonical_addresses=con.table("_jp_m_canon"),
        addresses_to_match=con.table("_jp_m_messy"),
        con=con,
        stages=[SplinkStage()],
        cleaning_num_chunks=1,
        show_progress="off",
    )
    result = matcher.match()
    try:
        stage = result._splink_stage  # the ranked candidates, not only the winner
        table = stage.best_matches_table if stage is not None else None
        if table is None:
            con.execute("""
                CREATE OR REPLACE TEMP TABLE _jp_m_best (
                    rid BIGINT, uprn VARCHAR, match_weight DOUBLE, rank BIGINT, dist DOUBLE)
            """)
            return
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _jp_m_best AS
            SELECT unique_id_r::BIGINT AS rid, unique_id_l::VARCHAR AS uprn,
                   match_weight, candidate_rank AS rank, distinguishability AS dist
            FROM {table}
            WHERE unique_id_l IS NOT NULL AND candidate_rank <= {MAX_CANDIDATES}
        """)
    finally:
        result.close()
