"""Stage 2: identifier-anchored matching within a block, set-based.

Why: after exact keys, most leftovers differ from their LLPG row in words, not in numbers:
a typo in the street, a building name added or left out, a county tacked on, a postcode
typo. Within a small block of candidates, the identifier tokens (house and flat numbers,
flat letters, floors) single out the dwelling and the words only need to agree enough.

Blocks: the input's postcode, and the dwellings sharing an identifier with the input on
any street the input names (word for word, or with a typo when it has no usable postcode),
anywhere in the district: the path for missing or wrong postcodes.

A candidate qualifies when
* its identifiers, in order, equal the input's (a floor written beside a flat number
  aside), or the input leaves out only the building number of a named building, or names
  a flat in a house the LLPG does not divide; and
* a building name that is its only identifier, or stands in for the missing number, is in
  the input before the street; and
* in the input's postcode: half its words are in the input (`cover`, with a Jaro-Winkler
  >= 0.9 allowance for typos in words of four letters or more), or it is the postcode's
  only dwelling with those numbers and the input names no other street of the district;
* elsewhere: three quarters of its words are in the input, and the input has no postcode,
  an unknown one in the district, or a real one in the same outward code.
The best candidate wins only by a clear margin; near-ties are ambiguous, and so is a
winner from another postcode when the input's own postcode has a dwelling with its
numbers (the postcode or the street is wrong, and the text cannot say which).
"""

from __future__ import annotations

import duckdb

from joinedup.link.places_normalise import FLOOR_TOKEN_RE
from joinedup.link.places_settle import settle

MIN_COVER_IN_POSTCODE = 0.5
MIN_COVER_ELSEWHERE = 0.75
MARGIN = 0.25
MAX_STREET_WORDS = 5
STREET_JW = 0.9


def covered(cand: str, inp: str) -> str:
    """SQL: how many tokens of list `cand` appear (allowing small typos) in list `inp`."""
    return f"""len(list_filter({cand}, ct -> list_contains({inp}, ct) OR (len(ct) >= 4 AND
        coalesce(list_max(list_transform({inp}, it -> jaro_winkler_similarity(ct, it))), 0)
        >= 0.9)))"""


def run_fuzzy(con: duckdb.DuckDBPyConnection) -> int:
    """Run the identifier-anchored stage; return records settled."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_fz_todo AS
        SELECT i.* FROM _jp_in i
        ANTI JOIN _jp_res r USING (rid)
        ANTI JOIN (SELECT rid FROM _jp_shellhit WHERE via = 'stage') s USING (rid)
        WHERE len(i.toks) > 0
    """)
    # Streets the input names: a run of its words equal to a street; and, for records with
    # no usable postcode (so no postcode block), also a run within Jaro-Winkler 0.9 of a
    # street with as many words and the same first or last word (one may carry a typo).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_fz_grams AS
        SELECT DISTINCT rid, no_pc, toks[s:s + n - 1] AS gram, n,
               array_to_string(toks[s:s + n - 1], ' ') AS gk
        FROM (SELECT rid, toks, pc IS NULL OR NOT pc_known AS no_pc,
                     unnest(range(1, len(toks) + 1)) AS s FROM _jp_fz_todo),
             (SELECT unnest(range(1, {MAX_STREET_WORDS + 1})) AS n)
        WHERE s + n - 1 <= len(toks)
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_fz_streets AS
        WITH streets AS (
            SELECT DISTINCT st_k, len(st_t) AS n, st_t[1] AS first, st_t[-1] AS last
            FROM _jp_gz WHERE len(st_t) BETWEEN 1 AND {MAX_STREET_WORDS}
        )
        SELECT g.rid, s.st_k, true AS exact
        FROM _jp_fz_grams g JOIN streets s ON s.st_k = g.gk
        UNION
        SELECT g.rid, s.st_k, false
        FROM _jp_fz_grams g JOIN streets s
            ON s.n = g.n AND (s.last = g.gram[-1] OR (s.n > 1 AND s.first = g.gram[1]))
        WHERE g.no_pc AND s.st_k <> g.gk
          AND jaro_winkler_similarity(g.gk, s.st_k) >= {STREET_JW}
    """)
    # ... and, for a record with no usable postcode that names no street as such, a street
    # whose words are all there, out of order ("84, LANE, GRANGE" for 84 Grange Lane)
    con.execute(f"""
        INSERT INTO _jp_fz_streets
        WITH streets AS (
            SELECT DISTINCT st_k, st_t FROM _jp_gz
            WHERE len(st_t) BETWEEN 2 AND {MAX_STREET_WORDS}
        ),
        todo AS (
            SELECT t.rid, t.toks FROM _jp_fz_todo t
            ANTI JOIN _jp_fz_streets s USING (rid)
            WHERE t.pc IS NULL OR NOT t.pc_known
        )
        SELECT DISTINCT t.rid, s.st_k, false
        FROM (SELECT rid, toks, unnest(toks) AS w FROM todo) t
        JOIN streets s ON s.st_t[1] = t.w
        WHERE list_has_all(t.toks, s.st_t)
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_fz AS
        WITH named AS (
            -- another street the input names outright, when that street has a dwelling
            -- with the input's numbers in the locality the input names (anywhere, if it
            -- names none): the street, not the postcode, may be right. A street that has
            -- no such dwelling there is a slip (a street typed from another field).
            SELECT s.rid, list(DISTINCT s.st_k) AS named_streets
            FROM _jp_fz_streets s
            JOIN _jp_fz_todo t USING (rid)
            JOIN _jp_gz g ON g.st_k = s.st_k AND g.id_seq = t.id_seq
            WHERE s.exact
              AND (len(t.loc_in) = 0 OR len(list_intersect(t.loc_in, g.loc_t)) > 0)
            GROUP BY s.rid
        ),
        blocked AS (
            SELECT t.rid, g.uprn FROM _jp_fz_todo t JOIN _jp_gz g ON g.pc = t.pc
            UNION
            -- on a named street, only dwellings sharing an identifier with the record
            -- (or, for a record without one, dwellings without one)
            SELECT s.rid, g.uprn
            FROM _jp_fz_streets s
            JOIN (SELECT rid, unnest(CASE WHEN len(ids) = 0 THEN [''] ELSE ids END) AS id
                  FROM _jp_fz_todo) ti USING (rid)
            JOIN (SELECT uprn, st_k, unnest(CASE WHEN len(ids) = 0 THEN [''] ELSE ids END)
                         AS id FROM _jp_gz) g
                ON g.st_k = s.st_k AND g.id = ti.id
        )
        SELECT t.rid, g.uprn, t.toks, g.pao_name, g.pao_num,
               t.id_seq = g.id_seq OR (t.id_seq_nofloor = g.id_seq AND len(g.sao_ids) > 0)
                   AS same_ids,
               list_filter(t.toks, x -> NOT regexp_matches(x, '[0-9]') AND len(x) > 1)
                   AS in_words,
               -- the words before the street part of the input, where a building name goes
               -- (the street's words the input holds: a street may be cut short)
               t.toks[1:greatest(len(t.toks)
                   - len(list_filter(g.st_t, x -> list_contains(t.toks, x))), 0)] AS head,
               g.sao_t || g.pao_t || g.st_t AS g_toks,
               coalesce(g.pc = t.pc, false) AS same_pc,
               coalesce(g.outcode = t.outcode, false) AS same_oc,
               len(list_intersect(t.loc_in, g.loc_t)) > 0 AS same_loc,
               t.pc_known, t.pc_outside, damerau_levenshtein(g.pc, t.pc) AS pc_edits,
               -- the input names another street of the district outright
               coalesce(len(n.named_streets) > 0
                        AND NOT list_contains(n.named_streets, g.st_k), false)
                   AS street_conflict
        FROM blocked b JOIN _jp_fz_todo t USING (rid) JOIN _jp_gz g USING (uprn)
        LEFT JOIN named n USING (rid)
        WHERE t.id_seq = g.id_seq
           -- a floor written beside a flat number ("1ST FLR FLAT 23"): the number decides
           OR (t.id_seq_nofloor = g.id_seq AND len(g.sao_ids) > 0
               AND NOT list_bool_or(list_transform(g.id_seq,
                                                   x -> regexp_matches(x, '{FLOOR_TOKEN_RE}'))))
           -- a flat in a house the LLPG does not divide ("FLAT 2, 14 HIGH ST", 14 has no
           -- flats): the house, if all its own numbers follow the flat's, in the record's
           -- postcode, and the street has no 14A (the flat may be 14A: BS7666 gives the
           -- PAON number suffix for "a flat in a house with a separate outside entrance",
           -- UK Government Data Standards Catalogue, PAON Start Number 1.0)
           OR (NOT g.has_sao AND NOT g.is_shell AND len(g.children) = 0
               AND NOT g.has_suffix_sibling AND g.pc = t.pc
               AND len(g.id_seq) > 0 AND len(t.id_seq) = len(g.id_seq) + 1
               AND t.id_seq[2:] = g.id_seq)
           OR (len(t.ids) > 0
               AND len(g.pao_name) > 0
               AND list_has_all(g.ids, t.ids)
               AND list_has_all(t.ids, g.sao_ids))
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_fz_scored AS
        WITH w AS (
            SELECT *, list_filter(g_toks, x -> NOT regexp_matches(x, '[0-9]')
                                               AND len(x) > 1) AS words,
                   count(*) FILTER (WHERE same_pc AND same_ids)
                       OVER (PARTITION BY rid) AS n_same_in_pc
            FROM _jp_fz
        ),
        s AS (
            SELECT *,
                CASE WHEN len(words) = 0 THEN 0.0
                     ELSE {covered("words", "toks")} / len(words) END AS cover,
                len(pao_name) = 0 OR {covered("pao_name", "head")} = len(pao_name)
                    AS name_ok
            FROM w
        ),
        n AS (
            SELECT *,
                -- how many of the postcode's dwellings have a building name the input gives
                count(*) FILTER (WHERE same_pc AND same_ids AND len(pao_name) > 0 AND name_ok)
                    OVER (PARTITION BY rid) AS n_named_in_pc
            FROM s
        )
        SELECT rid, uprn, cover, same_pc, n_same_in_pc, pc_known,
               same_ids AND same_pc AS pc_rival,
               cover + CASE WHEN same_pc THEN 0.5 WHEN same_oc THEN 0.1 ELSE 0 END
                     + CASE WHEN same_loc THEN 0.1 ELSE 0 END AS score,
               (same_ids AND len(pao_num) > 0 OR name_ok)
               AND (
                 (same_pc AND cover >= {MIN_COVER_IN_POSTCODE})
                 -- the postcode's only dwelling with these numbers, no other street named
                 OR (same_pc AND same_ids AND NOT street_conflict
                     AND (n_same_in_pc = 1 OR len(in_words) = 0))
                 -- the postcode's only dwelling whose building name the input gives
                 OR (same_pc AND same_ids AND NOT street_conflict AND len(pao_name) > 0
                     AND name_ok AND n_named_in_pc = 1)
                 -- elsewhere: no postcode, an unknown one in the district, or a real one
                 -- in the same outward code (wrong postcodes in records are mostly real
                 -- ones nearby: address-errors' PC3/PC4, fitted on council records)
                 OR (NOT same_pc AND cover >= {MIN_COVER_ELSEWHERE}
                     AND ((NOT pc_known AND NOT pc_outside) OR same_oc))
               ) AS ok
        FROM n
    """)
    # The best candidates within MARGIN. When the best is in another postcode while the
    # record's own postcode holds a dwelling with its numbers, either the postcode or the
    # street is wrong: both stay in as candidates (ambiguous) rather than a guess.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_cand AS
        WITH r AS (
            SELECT *, max(score) OVER (PARTITION BY rid) AS best
            FROM _jp_fz_scored WHERE ok
        ),
        top AS (
            SELECT rid, bool_or(same_pc) AS top_in_pc FROM r
            WHERE score > best - {MARGIN} GROUP BY rid
        )
        SELECT rid, uprn, greatest(least(cover, 1.0), 0.5) * 0.9 AS score
        FROM r WHERE score > best - {MARGIN}
        UNION ALL
        SELECT f.rid, f.uprn, 0.5
        FROM _jp_fz_scored f JOIN top t USING (rid)
        WHERE NOT t.top_in_pc AND f.pc_rival AND NOT f.ok
    """)
    settled = settle(con, "_jp_cand", "fuzzy")
    for name in ("_jp_fz_todo", "_jp_fz_grams", "_jp_fz_streets", "_jp_fz", "_jp_fz_scored"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return settled
