"""Address text normalisation for UPRN resolution, as DuckDB macros.

Why macros: the gazetteer (about 100,000 rows) and the addresses to resolve are both keyed
in set-based SQL, and the two sides must go through *exactly* the same normalisation or the
exact join silently misses. One definition, installed on the connection, used by both.

The normal form is for comparison, not display:

* upper case, apostrophes removed (ST JOHN'S -> ST JOHNS), other punctuation -> space;
* "12 A" -> "12A" and "12 - 14" -> "12-14", so a number keeps its suffix or range;
* floor wording collapsed to one token per floor ("GROUND FLOOR FLAT", "GFF" -> F0), as
  councils and Royal Mail write floors several ways (the GFF/FFF forms are common in
  English council tax lists);
* words run together with a street or building word split off (IVYCLOSE -> IVY CLOSE);
* street and building abbreviations written out (RD -> ROAD, TCE -> TERRACE; ST and SAINT
  both -> STREET, so "ST JOHNS RD" and "SAINT JOHNS ROAD" agree); the list follows
  uk-address-matcher's (its data/address_abbreviations.json) for the words we meet;
* sub-building words (FLAT, APARTMENT, UNIT, ...) and THE dropped: the LLPG may say
  "APARTMENT 3" where a caseworker typed "FLAT 3"; the identifier "3" is what matters.

"Identifier tokens" are the tokens that carry a number or are a single letter (12, 12A,
12-14, F0, A): they tell one dwelling from its neighbours, so every later stage insists
they agree.
"""

from __future__ import annotations

import duckdb

from joinedup.engine.analytical import sql_string

# token -> one form per word (applied to both sides, so the direction does not matter;
# full words, so that a typo in a written-out word still looks like its target)
_ABBREVIATIONS: dict[str, str] = {
    "RD": "ROAD",
    "ST": "STREET",
    "STR": "STREET",
    "SAINT": "STREET",
    "AVE": "AVENUE",
    "AV": "AVENUE",
    "AVN": "AVENUE",
    "LN": "LANE",
    "CL": "CLOSE",
    "CLS": "CLOSE",
    "DR": "DRIVE",
    "DRV": "DRIVE",
    "CT": "COURT",
    "CRT": "COURT",
    "CRES": "CRESCENT",
    "CR": "CRESCENT",
    "CRESC": "CRESCENT",
    "PL": "PLACE",
    "GDNS": "GARDENS",
    "GDN": "GARDEN",
    "TER": "TERRACE",
    "TERR": "TERRACE",
    "TCE": "TERRACE",
    "SQ": "SQUARE",
    "GRV": "GROVE",
    "GRO": "GROVE",
    "GRN": "GREEN",
    "PK": "PARK",
    "MT": "MOUNT",
    "WY": "WAY",
    "WLK": "WALK",
    "VW": "VIEW",
    "HSE": "HOUSE",
    "COTT": "COTTAGE",
    "COT": "COTTAGE",
    "COTTS": "COTTAGES",
    "LDG": "LODGE",
    "LDGE": "LODGE",
    "MANS": "MANSIONS",
    "HTS": "HEIGHTS",
    "FM": "FARM",
    "UPR": "UPPER",
    "LWR": "LOWER",
    "PDE": "PARADE",
    "BUNG": "BUNGALOW",
    "CTR": "CENTRE",
    "CENTER": "CENTRE",
    "EST": "ESTATE",
    "MWS": "MEWS",
    "APP": "APPROACH",
    "BLVD": "BOULEVARD",
    "CNR": "CORNER",
    "ESP": "ESPLANADE",
    "PROM": "PROMENADE",
    "&": "AND",
    "NTH": "NORTH",
    "STH": "SOUTH",
}

# words that only say "this is a sub-building" or are filler; the identifier stays
_DROPPED = (
    "FLAT", "FLT", "FLATS", "APARTMENT", "APARTMENTS", "APT", "APTS", "UNIT", "MAISONETTE",
    "MAIS", "STUDIO", "THE", "AND", "NO", "NUMBER",
)  # fmt: skip

# a street or building word run onto the word before it ("IVYCLOSE", "SANDPIPERHOUSE")
_JOINED_RE = (
    r"\b([A-Z]{3,}?)(ROAD|STREET|LANE|CLOSE|AVENUE|DRIVE|GARDENS|COURT|HOUSE|COTTAGE|PLACE|"
    r"CRESCENT|GROVE|TERRACE|WAY|WALK|VIEW|RISE|LODGE|POINT|HEIGHTS|MANSIONS|FLOOR|FLAT)\b"
)

# a sub-building word run onto its identifier ("FLATD", "APARTMENT12")
_JOINED_UNIT_RE = r"\b(FLAT|APARTMENT|APT|UNIT)([0-9]+[A-Z]?|[A-Z])\b"

# floor wording -> one token (applied as regex replacements, longest forms first)
_FLOORS: tuple[tuple[str, str], ...] = (
    (r"\bLOWER GROUND (FLOOR|FLR|FL)\b", " FLG "),
    (r"\b(GROUND|GRD|GND) (FLOOR|FLR|FL)\b", " F0 "),
    (r"\b(BASEMENT|BSMT) (FLOOR|FLR|FL)\b", " FB "),
    (r"\bBASEMENT\b", " FB "),
    (r"\b(FIRST|1ST) (FLOOR|FLR|FL)\b", " F1 "),
    (r"\b(SECOND|2ND) (FLOOR|FLR|FL)\b", " F2 "),
    (r"\b(THIRD|3RD) (FLOOR|FLR|FL)\b", " F3 "),
    (r"\b(FOURTH|4TH) (FLOOR|FLR|FL)\b", " F4 "),
    (r"\bTOP (FLOOR|FLR|FL)\b", " FT "),
    (r"\bGFF?\b", " F0 "),
    (r"\bFFF?\b", " F1 "),
    (r"\bSFF?\b", " F2 "),
    (r"\bTFF?\b", " FT "),
)

# the words that say which sub-building a record names; a one-letter slip in one of them
# is corrected before matching (places_prepare)
UNIT_WORDS = (
    "FLAT", "APARTMENT", "FLOOR", "GROUND", "FIRST", "SECOND", "THIRD", "FOURTH",
    "BASEMENT", "MAISONETTE",
)  # fmt: skip

# a word that every _FLOORS pattern contains
_FLOOR_GUARD = r"\b(FLOOR|FLR|FL|BASEMENT|GFF?|FFF?|SFF?|TFF?)\b"

# a UK postcode anywhere in a string (outward code, optional space, inward code)
POSTCODE_RE = r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b"

# a token that identifies a dwelling: has a digit, is one letter, or is a floor token
ID_TOKEN_RE = r"^([0-9].*|.*[0-9].*|[A-Z]|F(B|T|LG))$"

# a floor token made by the _FLOORS replacements
FLOOR_TOKEN_RE = r"^F([0-4]|B|T|LG)$"

# a sub-building word followed by its identifier: the record says *which* flat
FLAT_ID_RE = r"\b(FLAT|FLT|APARTMENT|APT|UNIT|MAISONETTE|STUDIO|ROOM) ?([0-9]+[A-Z]?|[A-Z])\b"

# sub-building wording that, in an input address, means "this names a flat"
FLAT_WORDS_RE = (
    r"\b(FLAT|FLT|FLATS|APARTMENT|APT|MAISONETTE|MAIS|STUDIO|UNIT|ROOM|BASEMENT|PENTHOUSE|"
    r"ANNEXE|ANNEX|GFF|FFF|SFF|TFF|"
    r"(GROUND|FIRST|SECOND|THIRD|FOURTH|TOP|1ST|2ND|3RD) (FLOOR|FLR|FL))\b"
)


def _clean_sql(arg: str) -> str:
    """SQL expression: the cleaned upper-case text of `arg`, words separated by one or
    more spaces (jp_tokens drops the empty words)."""
    expr = f"upper(coalesce({arg}, ''))"
    expr = f"replace({expr}, '''', '')"
    expr = f"regexp_replace({expr}, '([0-9]) *- *([0-9])', '\\1-\\2', 'g')"
    expr = f"regexp_replace({expr}, '[^A-Z0-9&-]+', ' ', 'g')"
    expr = f"regexp_replace({expr}, '(^|[^0-9])-|-([^0-9]|$)', '\\1 \\2', 'g')"
    expr = f"regexp_replace({expr}, '\\b([0-9]+) ([A-Z])\\b', '\\1\\2', 'g')"
    expr = f"regexp_replace({expr}, {sql_string(_JOINED_RE)}, '\\1 \\2', 'g')"
    expr = f"regexp_replace({expr}, {sql_string(_JOINED_UNIT_RE)}, '\\1 \\2', 'g')"
    floors = "x"
    for pattern, repl in _FLOORS:
        floors = f"regexp_replace({floors}, {sql_string(pattern)}, {sql_string(repl)}, 'g')"
    # Most addresses name no floor: test once and run the floor chain only when one may be
    # there (the one-element list makes `expr` be computed once, not three times).
    return (
        f"list_transform([{expr}], x -> CASE WHEN regexp_matches(x, {sql_string(_FLOOR_GUARD)})"
        f" THEN {floors} ELSE x END)[1]"
    )


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the `jp_*` temp macros on `con` (idempotent).

    * jp_tokens(s): list of normalised tokens.
    * jp_key(s): the tokens joined by single spaces ('' for nothing).
    * jp_ids(s): the sorted distinct identifier tokens.
    * jp_ids_of(toks): the same from a token list; jp_id_seq(toks): identifiers in order.
    * jp_names_flat(s, toks): true when raw text `s` (tokens `toks`) names a sub-building:
      flat wording, or two or more identifiers such as "2, 12 HIGH STREET".
    """
    # a simple CASE is compiled once; a MAP literal inside the lambda is rebuilt per token
    abbr = " ".join(f"WHEN {sql_string(k)} THEN {sql_string(v)}" for k, v in _ABBREVIATIONS.items())
    dropped = ", ".join(sql_string(w) for w in _DROPPED)
    con.execute(f"""
        CREATE OR REPLACE TEMP MACRO jp_tokens(s) AS list_filter(
            list_transform(string_split({_clean_sql("s")}, ' '),
                           t -> CASE t {abbr} ELSE t END),
            t -> t <> '' AND NOT list_contains([{dropped}], t))
    """)
    con.execute("CREATE OR REPLACE TEMP MACRO jp_key(s) AS array_to_string(jp_tokens(s), ' ')")
    con.execute(f"""
        CREATE OR REPLACE TEMP MACRO jp_ids_of(toks) AS
            list_sort(list_distinct(list_filter(toks, t -> regexp_matches(t, '{ID_TOKEN_RE}'))))
    """)
    con.execute("CREATE OR REPLACE TEMP MACRO jp_ids(s) AS jp_ids_of(jp_tokens(s))")
    con.execute(f"""
        CREATE OR REPLACE TEMP MACRO jp_names_flat(s, toks) AS
            regexp_matches(upper(coalesce(s, '')), {sql_string(FLAT_WORDS_RE)})
            OR len(jp_ids_of(toks)) >= 2
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP MACRO jp_id_seq(toks) AS
            list_filter(toks, t -> regexp_matches(t, '{ID_TOKEN_RE}'))
    """)
