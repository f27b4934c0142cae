"""Key both sides of address resolution: the gazetteer and the addresses to resolve.

Why keys: most addresses a council holds are its own LLPG addresses written slightly
differently (FLAT 2 vs APARTMENT 2, RD vs ROAD, with or without the locality and town).
Normalising both sides the same way (places_normalise) and joining on postcode + key
resolves them in one set-based pass, leaving only the genuinely messy ones to the slower
stages.

Tables created (TEMP, prefixed `_jp_`, dropped by `drop_work_tables`):

* `_jp_gz`: one row per gazetteer UPRN with its tokens, identifier tokens and hierarchy
  (is_shell: a PP parent shell; children: the UPRNs that point to it).
* `_jp_gkey`: (uprn, pc, outcode, key, variant): every way the LLPG row may be written;
  `_jp_gkey_oc` and `_jp_gkey_all`: the keys that name one UPRN only, per outward code
  and in the whole gazetteer.
* `_jp_in`: one row per input row (rid) with its tokens, identifiers, postcode (taken from
  the address text when the postcode column is empty) and whether it names a flat.
* `_jp_ikey`: (rid, key, ntok): the input's key, and shorter keys that leave out trailing
  locality / town words (only words that occur in the gazetteer's locality or town).
"""

from __future__ import annotations

import duckdb

from joinedup.link.places_normalise import (
    FLAT_ID_RE,
    FLAT_WORDS_RE,
    FLOOR_TOKEN_RE,
    ID_TOKEN_RE,
    POSTCODE_RE,
    UNIT_WORDS,
)

# words that may trail an address without naming the place the gazetteer knows
_EXTRA_PLACE_WORDS = ("UK", "ENGLAND", "WALES", "UNITED", "KINGDOM", "GB")

_IS_ID = f"regexp_matches(t, '{ID_TOKEN_RE}')"


def prepare_gazetteer(con: duckdb.DuckDBPyConnection) -> None:
    """Build `_jp_gz`, `_jp_gkey` and `_jp_places` from `gazetteer`."""
    # Tokenise each distinct text once: an LLPG repeats its streets, building names and
    # localities thousands of times, and the regex chain is the costly part.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_gtok AS
        WITH d AS (
            SELECT txt, jp_tokens(txt) AS toks FROM (
                SELECT sao_text::VARCHAR AS txt FROM gazetteer
                UNION SELECT pao_text::VARCHAR FROM gazetteer
                UNION SELECT street::VARCHAR FROM gazetteer
                UNION SELECT locality::VARCHAR FROM gazetteer
                UNION SELECT town::VARCHAR FROM gazetteer
            ) WHERE txt IS NOT NULL
        )
        SELECT txt, toks, array_to_string(toks, ' ') AS k,
               list_filter(toks, t -> {_IS_ID}) AS id_seq,
               list_filter(toks, t -> NOT {_IS_ID}) AS name_t
        FROM d
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_gz AS
        WITH z AS (
            SELECT trim(uprn::VARCHAR) AS uprn,
                   nullif(trim(parent_uprn::VARCHAR), '') AS parent_uprn,
                   sao_text::VARCHAR AS sao_text, pao_text::VARCHAR AS pao_text,
                   street::VARCHAR AS street, locality::VARCHAR AS locality,
                   town::VARCHAR AS town,
                   nullif(upper(trim(postcode::VARCHAR)), '') AS pc,
                   coalesce(upper(trim(property_class::VARCHAR)), '') = 'PP' AS is_shell
            FROM gazetteer
            WHERE nullif(trim(uprn::VARCHAR), '') IS NOT NULL
        ),
        kids AS (
            SELECT parent_uprn, list(uprn ORDER BY uprn) AS children
            FROM z WHERE parent_uprn IS NOT NULL GROUP BY parent_uprn
        ),
        -- streets with a lettered number (14A): their 14 may be a flat's "house"
        sfx AS (
            SELECT DISTINCT z.street, regexp_extract(p.k, '^([0-9]+)[A-Z]$', 1) AS base
            FROM z JOIN _jp_gtok p ON p.txt = z.pao_text
            WHERE regexp_matches(p.k, '^[0-9]+[A-Z]$')
        )
        SELECT
            z.uprn, z.parent_uprn, z.pc,
            nullif(split_part(z.pc, ' ', 1), '') AS outcode,
            coalesce(s.toks, []) AS sao_t,
            coalesce(p.toks, []) AS pao_t,
            coalesce(st.toks, []) AS st_t,
            coalesce(st.k, '') AS st_k,
            coalesce(l.toks, []) AS loc_t,
            coalesce(l.toks, []) || coalesce(tw.toks, []) AS place_t,
            z.is_shell,
            coalesce(p.name_t, []) AS pao_name,
            coalesce(p.id_seq, []) AS pao_num,
            coalesce(s.id_seq, []) AS sao_ids,
            coalesce(s.id_seq, []) || coalesce(p.id_seq, []) || coalesce(st.id_seq, [])
                AS id_seq,
            list_sort(list_distinct(coalesce(s.id_seq, []) || coalesce(p.id_seq, [])
                                    || coalesce(st.id_seq, []))) AS ids,
            s.toks IS NOT NULL AND len(s.toks) > 0 AS has_sao,
            coalesce(kids.children, []) AS children,
            sfx.base IS NOT NULL AS has_suffix_sibling,
            -- key parts, for _jp_gkey
            nullif(s.k, '') AS k_sao, nullif(p.k, '') AS k_pao,
            nullif(array_to_string(p.name_t, ' '), '') AS k_name,
            nullif(array_to_string(p.id_seq, ' '), '') AS k_num,
            nullif(st.k, '') AS k_st
        FROM z
        LEFT JOIN _jp_gtok s ON s.txt = z.sao_text
        LEFT JOIN _jp_gtok p ON p.txt = z.pao_text
        LEFT JOIN _jp_gtok st ON st.txt = z.street
        LEFT JOIN _jp_gtok l ON l.txt = z.locality
        LEFT JOIN _jp_gtok tw ON tw.txt = z.town
        LEFT JOIN kids ON kids.parent_uprn = z.uprn
        LEFT JOIN sfx ON sfx.street = z.street AND sfx.base = p.k
    """)
    con.execute("DROP TABLE _jp_gtok")
    # Variants: 0 full (name before number), 1 name without number, 2 number without
    # name, 3 building without street, 4 name only, 5 the PAO in its original order.
    # Not "49A" for FLAT A, 49: in address-errors' profile of six councils' records a
    # number+letter written for a flat named the wrong flat more often than the right one.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_gkey AS
        WITH v AS (
            SELECT uprn, pc, outcode, k_sao, k_name, k_num, k_st, k_pao,
                   k_name IS NOT NULL AND k_num IS NOT NULL AS has_both
            FROM _jp_gz
        ),
        k AS (
            SELECT uprn, pc, outcode, 0 AS variant,
                   concat_ws(' ', k_sao, k_name, k_num, k_st) AS key FROM v
            UNION ALL
            SELECT uprn, pc, outcode, 1, concat_ws(' ', k_sao, k_name, k_st) FROM v WHERE has_both
            UNION ALL
            SELECT uprn, pc, outcode, 2, concat_ws(' ', k_sao, k_num, k_st) FROM v WHERE has_both
            UNION ALL
            SELECT uprn, pc, outcode, 3, concat_ws(' ', k_sao, k_name, k_num) FROM v
            WHERE k_name IS NOT NULL AND k_st IS NOT NULL
            UNION ALL
            SELECT uprn, pc, outcode, 4, concat_ws(' ', k_sao, k_name) FROM v
            WHERE has_both AND k_st IS NOT NULL
            UNION ALL
            SELECT uprn, pc, outcode, 5, concat_ws(' ', k_sao, k_pao, k_st) FROM v
            WHERE k_pao IS DISTINCT FROM concat_ws(' ', k_name, k_num)
        )
        SELECT uprn, pc, outcode, key, min(variant) AS variant
        FROM k WHERE key <> ''
        GROUP BY uprn, pc, outcode, key
    """)
    # keys that name one UPRN only in their outward code, or in the whole gazetteer
    # (the exact stage's outcode and district paths)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_gkey_oc AS
        SELECT outcode, key, min(variant) AS variant, min(uprn) AS uprn
        FROM _jp_gkey GROUP BY outcode, key HAVING count(DISTINCT uprn) = 1
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_gkey_all AS
        SELECT key, min(variant) AS variant, min(uprn) AS uprn
        FROM _jp_gkey GROUP BY key HAVING count(DISTINCT uprn) = 1
    """)
    # every word the gazetteer writes, raw: a word it holds is never a typo
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_gwords AS
        SELECT list(DISTINCT w) AS words FROM (
            SELECT unnest(regexp_split_to_array(upper(txt), '[^A-Z]+')) AS w FROM (
                SELECT sao_text::VARCHAR AS txt FROM gazetteer
                UNION SELECT pao_text::VARCHAR FROM gazetteer
                UNION SELECT street::VARCHAR FROM gazetteer
                UNION SELECT locality::VARCHAR FROM gazetteer
                UNION SELECT town::VARCHAR FROM gazetteer))
        WHERE len(w) >= 4
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_places_raw AS
        SELECT list(DISTINCT w) AS words FROM (
            SELECT unnest(regexp_split_to_array(upper(txt), '[^A-Z]+')) AS w FROM (
                SELECT locality::VARCHAR AS txt FROM gazetteer
                UNION SELECT town::VARCHAR FROM gazetteer))
        WHERE len(w) >= 5
    """)
    extra = ", ".join(f"('{w}')" for w in _EXTRA_PLACE_WORDS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_places AS
        SELECT
            (SELECT list(DISTINCT t) FROM (
                SELECT unnest(place_t) AS t FROM _jp_gz
                UNION ALL SELECT * FROM (VALUES {extra}) AS x(t)
            ) WHERE NOT {_IS_ID}) AS words,
            (SELECT list(DISTINCT t) FROM (SELECT unnest(loc_t) AS t FROM _jp_gz)) AS locwords
    """)


def prepare_inputs(con: duckdb.DuckDBPyConnection) -> int:
    """Build `_jp_in` and `_jp_ikey` from `addresses_to_resolve`; return the row count."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_raw AS
        SELECT
            row_number() OVER () AS rid,
            record_id, source, address, postcode, uprn_given::VARCHAR AS uprn_given,
            upper(coalesce(address::VARCHAR, '')) AS addr_up,
            nullif(upper(trim(postcode::VARCHAR)), '') AS pc_col
        FROM addresses_to_resolve
    """)
    _fix_word_typos(con)
    # Step 1, materialised: the costly regex work, once per row.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_in AS
        WITH b AS (
            SELECT a.*,
                regexp_replace(addr_up, '{POSTCODE_RE}', ' ', 'g') AS addr_nopc,
                nullif(regexp_extract(addr_up, '{POSTCODE_RE}'), '') AS pc_text
            FROM _jp_raw a
        )
        SELECT b.* EXCLUDE (addr_up, pc_col, pc_text),
            coalesce(pc_col,
                CASE WHEN pc_text IS NOT NULL THEN
                    regexp_replace(replace(pc_text, ' ', ''), '([0-9][A-Z]{{2}})$', ' \\1')
                END) AS pc,
            jp_tokens(addr_nopc) AS toks_all,
            nullif(ltrim(trim(coalesce(uprn_given, '')), '0'), '') AS given,
            regexp_matches(addr_nopc, '{FLAT_ID_RE}') AS flat_id_written,
            regexp_matches(addr_nopc, '{FLAT_WORDS_RE}') AS flat_word_written
        FROM b
    """)
    con.execute("DROP TABLE _jp_raw")
    # Step 2: split off trailing place words; identifiers and flags from the tokens.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_in AS
        WITH d AS (
            SELECT i.*,
                -- how many trailing words only name a locality or town the gazetteer knows
                coalesce(nullif(list_position(
                    list_transform(list_reverse(toks_all),
                                   t -> NOT list_contains(p.words, t)), true), 0) - 1,
                    len(toks_all)) AS n_place,
                p.locwords
            FROM _jp_in i, _jp_places p
        ),
        e AS (
            SELECT d.* EXCLUDE (locwords),
                toks_all[1:len(toks_all) - n_place] AS toks,
                list_filter(toks_all[len(toks_all) - n_place + 1:],
                            t -> list_contains(locwords, t)) AS loc_in,
                split_part(pc, ' ', 1) AS outcode
            FROM d
        ),
        f AS (
            SELECT e.*, list_filter(toks, t -> regexp_matches(t, '{ID_TOKEN_RE}')) AS id_seq
            FROM e
        )
        SELECT f.* EXCLUDE (n_place, flat_id_written, flat_word_written),
            len(toks_all) - n_place AS n_content,
            known.pc IS NOT NULL AS pc_known,
            -- a postcode outside the gazetteer's outward codes: the record is elsewhere
            f.pc IS NOT NULL AND oc.outcode IS NULL AS pc_outside,
            list_sort(list_distinct(id_seq)) AS ids,
            list_filter(id_seq, t -> NOT regexp_matches(t, '{FLOOR_TOKEN_RE}'))
                AS id_seq_nofloor,
            -- names a sub-building: flat wording, or two identifiers ("2, 12 HIGH ST")
            flat_word_written OR len(list_distinct(id_seq)) >= 2 AS names_flat,
            -- which flat, not only "a flat": FLAT 2, a floor, or two numbers
            flat_id_written OR len(list_distinct(id_seq)) >= 2
                OR list_bool_or(list_transform(id_seq,
                                               t -> regexp_matches(t, '{FLOOR_TOKEN_RE}')))
                AS flat_named
        FROM f
        LEFT JOIN (SELECT DISTINCT pc FROM _jp_gz WHERE pc IS NOT NULL) known USING (pc)
        LEFT JOIN (SELECT DISTINCT outcode FROM _jp_gz WHERE outcode IS NOT NULL) oc
            ON oc.outcode = f.outcode
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _jp_ikey AS
        SELECT rid, array_to_string(toks_all[1:k], ' ') AS key, k AS ntok
        FROM (
            SELECT rid, toks_all, unnest(range(greatest(n_content, 1), len(toks_all) + 1)) AS k
            FROM _jp_in
            WHERE len(toks_all) > 0
        )
    """)
    return int(con.execute("SELECT count(*) FROM _jp_in").fetchone()[0])


def _fix_word_typos(con: duckdb.DuckDBPyConnection) -> None:
    """Correct one-letter slips in words that must be exact to help: the words that say
    which flat ("FALT 1", "GROND FLOOR") and the names of localities and towns ("ZEDBUURY").

    Why: flat words decide whether a record names a flat, and which one (a slip sends a
    flat to its building); a place name tells same-named streets apart and is cut off the
    end of the address before matching. Only a word the gazetteer does not hold is
    corrected, and only to the one such word one edit away (Damerau-Levenshtein: a letter
    dropped, added, changed, or two swapped); place names of five letters or more.
    """
    units = ", ".join(f"'{w}'" for w in UNIT_WORDS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_fix AS
        WITH words AS (
            SELECT DISTINCT w FROM (
                SELECT unnest(regexp_split_to_array(addr_up, '[^A-Z]+')) AS w FROM _jp_raw)
            WHERE len(w) >= 4
        ),
        known AS (SELECT unnest(words) AS w FROM _jp_gwords),
        targets AS (
            SELECT unnest([{units}]) AS v
            UNION SELECT unnest(words) FROM _jp_places_raw
        )
        SELECT w, min(v) AS v
        FROM words, targets
        WHERE damerau_levenshtein(w, v) = 1
          AND w NOT IN (SELECT w FROM known) AND w NOT IN ({units})
          -- "FLATB" is FLAT B run together, not a slip
          AND NOT starts_with(w, v)
        GROUP BY w HAVING count(*) = 1
    """)
    slips = [w for (w,) in con.execute("SELECT w FROM _jp_fix ORDER BY w").fetchall()]
    if not slips:
        return
    # the words are [A-Z]+ only, so they are safe inside the pattern
    pattern = r"\b(" + "|".join(slips) + r")\b"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _jp_fixed AS
        WITH parts AS (
            SELECT rid, unnest(regexp_split_to_array(addr_up, '\\s+')) AS w,
                   unnest(range(len(regexp_split_to_array(addr_up, '\\s+')))) AS pos
            FROM _jp_raw
            WHERE regexp_matches(addr_up, '{pattern}')
        )
        SELECT rid, string_agg(
                   coalesce(f.v || regexp_extract(p.w, '[^A-Z]+$'), p.w), ' ' ORDER BY pos)
                   AS addr_up
        FROM parts p LEFT JOIN _jp_fix f ON f.w = regexp_replace(p.w, '[^A-Z]+$', '')
        GROUP BY rid
    """)
    con.execute("""
        UPDATE _jp_raw SET addr_up = f.addr_up FROM _jp_fixed f WHERE _jp_raw.rid = f.rid
    """)


def drop_work_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every `_jp_` temp table this module family made (also after a failure)."""
    names = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, '_jp_')"
    ).fetchall()
    for (name,) in names:
        con.execute(f'DROP TABLE IF EXISTS "{name}"')
