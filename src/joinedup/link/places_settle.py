"""The rules every stage's candidates go through before a record is settled.

Why one place: the safety rules must not depend on which stage found a candidate.

* A record that names a flat never gets a parent (a PP shell, or any UPRN other UPRNs
  point to as their parent): such candidates are dropped, and if nothing is left the
  record goes on to the next stage, remembering the building it named (`_jp_shellhit`).
  Nor does it get an address without a sub-building part ("FLAT 2, HEATHER WALK" is not
  2 Heather Walk), unless the LLPG does not divide that house and the record either
  carries the house's numbers *and* a flat's ("FLAT 2, 14 HIGH ST" where 14 has no flats:
  14 is the property the LLPG knows) or says only "FLAT, 14 HIGH ST" in 14's postcode
  with no 14A on the street.
* A candidate outside the record's postcode must not sit in a locality other than the
  one the record names.
* A parent shell (PP) is not a dwelling: a record that resolves to one without naming a
  flat is *ambiguous* between the flats of that building (candidates: the shell, then its
  flats), method 'parent_shell'. Other parents (a shop with a flat above) are real
  properties and may be matched. (PP is "Property Shell" in the AddressBase
  classification scheme, docs.os.uk .../addressbase-fundamentals/classification-scheme:
  the LLPG record of a building whose addressable units are its children.)
* More than one equally good candidate is 'ambiguous' with up to 5 candidates.

Results accumulate in `_jp_res(rid, uprn, status, method, score, candidates)`; a record is
settled once and later stages skip it.
"""

from __future__ import annotations

import duckdb

MAX_CANDIDATES = 5


def create_result_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_res (
            rid BIGINT PRIMARY KEY, uprn VARCHAR, status VARCHAR, method VARCHAR,
            score DOUBLE, candidates VARCHAR)
    """)
    con.execute("CREATE OR REPLACE TEMP TABLE _jp_shellhit (rid BIGINT, uprn VARCHAR, via VARCHAR)")


def settle(con: duckdb.DuckDBPyConnection, candidates_table: str, method: str) -> int:
    """Settle records from `candidates_table(rid, uprn, score)` (equally good candidates).

    Returns the number of records settled.
    """
    before = con.execute("SELECT count(*) FROM _jp_res").fetchone()[0]
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_settle_c AS
        SELECT c.rid, c.uprn, c.score, g.is_shell,
               g.is_shell OR len(g.children) > 0 AS is_parent, g.children, i.names_flat,
               i.names_flat AND NOT g.has_sao AND NOT (g.is_shell OR len(g.children) > 0)
                   AND len(i.id_seq) <= len(g.id_seq)
                   AND (coalesce(i.flat_named, false) OR g.pc IS DISTINCT FROM i.pc
                        OR g.has_suffix_sibling) AS flat_on_house,
               g.pc IS DISTINCT FROM i.pc AND len(i.loc_in) > 0
                   AND len(list_intersect(i.loc_in, g.loc_t)) = 0 AS other_locality
        FROM (SELECT DISTINCT rid, uprn, score FROM {candidates_table}) c
        JOIN _jp_gz g USING (uprn)
        JOIN _jp_in i USING (rid)
        ANTI JOIN _jp_res r USING (rid)
    """)
    con.execute("""
        INSERT INTO _jp_shellhit
        SELECT rid, min(uprn) FILTER (WHERE names_flat AND is_parent), 'stage'
        FROM _jp_settle_c
        GROUP BY rid
        HAVING bool_or(names_flat AND is_parent)
           AND bool_and((names_flat AND is_parent) OR flat_on_house OR other_locality)
    """)
    con.execute(f"""
        INSERT INTO _jp_res
        WITH ok AS (
            SELECT * FROM _jp_settle_c
            WHERE NOT (names_flat AND is_parent) AND NOT flat_on_house AND NOT other_locality
        ),
        agg AS (
            SELECT rid, list(DISTINCT uprn ORDER BY uprn) AS uprns, max(score) AS score,
                   bool_or(is_shell) AS any_shell,
                   min(CASE WHEN is_shell THEN uprn END) AS shell,
                   first(children ORDER BY is_shell DESC) AS shell_children
            FROM ok GROUP BY rid
        )
        SELECT rid,
            CASE WHEN len(uprns) = 1 AND NOT any_shell THEN uprns[1] END,
            CASE WHEN len(uprns) = 1 AND NOT any_shell THEN 'matched' ELSE 'ambiguous' END,
            CASE WHEN len(uprns) = 1 AND any_shell THEN 'parent_shell' ELSE '{method}' END,
            score,
            CASE
                WHEN len(uprns) = 1 AND any_shell
                    THEN to_json(([shell] || shell_children)[1:{MAX_CANDIDATES}])::VARCHAR
                WHEN len(uprns) > 1 THEN to_json(uprns[1:{MAX_CANDIDATES}])::VARCHAR
            END
        FROM agg
    """)
    return int(con.execute("SELECT count(*) FROM _jp_res").fetchone()[0] - before)
