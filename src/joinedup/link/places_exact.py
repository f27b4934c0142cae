"""Stage 1: normalised exact matching, set-based.

Three paths, tried in order for the records not yet settled:

1. 'exact': postcode + key. The input key may drop trailing locality/town words; the
   longest key that matches wins, then the most complete gazetteer variant.
2. 'exact_outcode': the postcode's inward part is wrong (a typo) but the key is unique in
   the outward code (district within the town), and the record's postcode has no dwelling
   with the record's numbers (else the street may be the wrong part).
3. 'exact_district': no postcode, or an in-district postcode that the gazetteer does not
   know, and the key is unique in the whole gazetteer. Never for an out-of-district
   postcode: the record may well be at the same house number on a same-named street in
   another town; never for a known postcode elsewhere in the district either (a known
   postcode with a different street is as likely a wrong street as a wrong postcode).
"""

from __future__ import annotations

import duckdb

from joinedup.link.places_settle import settle

_BEST = """
    SELECT rid, uprn, 1.0 AS score FROM (
        SELECT rid, uprn,
               rank() OVER (PARTITION BY rid ORDER BY ntok DESC, variant) AS rk
        FROM hits
    ) WHERE rk = 1
"""


def run_exact(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Run the three exact paths; return records settled per method."""
    settled: dict[str, int] = {}
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_cand AS
        WITH hits AS (
            SELECT i.rid, k.ntok, g.variant, g.uprn
            FROM _jp_in i
            JOIN _jp_ikey k USING (rid)
            JOIN _jp_gkey g ON g.pc = i.pc AND g.key = k.key
            ANTI JOIN _jp_res r ON r.rid = i.rid
        )
        {_BEST}
    """)
    settled["exact"] = settle(con, "_jp_cand", "exact")

    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_cand AS
        WITH hits AS (
            SELECT i.rid, k.ntok, u.variant, u.uprn
            FROM _jp_in i
            JOIN _jp_ikey k USING (rid)
            JOIN _jp_gkey_oc u ON u.outcode = i.outcode AND u.key = k.key
            ANTI JOIN _jp_res r ON r.rid = i.rid
            ANTI JOIN (SELECT rid FROM _jp_shellhit WHERE via = 'stage') s ON s.rid = i.rid
            -- the record's own postcode has a dwelling with its numbers: the street, not
            -- the postcode, may be what is wrong, so this path cannot tell
            ANTI JOIN _jp_gz own ON own.pc = i.pc AND own.id_seq = i.id_seq
        )
        {_BEST}
    """)
    settled["exact_outcode"] = settle(con, "_jp_cand", "exact_outcode")

    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_cand AS
        WITH district AS (SELECT DISTINCT outcode FROM _jp_gz WHERE outcode IS NOT NULL),
        hits AS (
            SELECT i.rid, k.ntok, u.variant, u.uprn
            FROM _jp_in i
            JOIN _jp_ikey k USING (rid)
            JOIN _jp_gkey_all u ON u.key = k.key
            ANTI JOIN _jp_res r ON r.rid = i.rid
            ANTI JOIN (SELECT rid FROM _jp_shellhit WHERE via = 'stage') s ON s.rid = i.rid
            WHERE i.pc IS NULL
               OR (NOT i.pc_known AND i.outcode IN (SELECT outcode FROM district))
        )
        {_BEST}
    """)
    settled["exact_district"] = settle(con, "_jp_cand", "exact_district")
    return settled
