"""Address -> UPRN resolution on a small hand-made gazetteer (invented ZZ postcodes)."""

from __future__ import annotations

import json

import duckdb
import pytest

from joinedup.link.places import AddressResolutionSummary, resolve_addresses

# uprn, parent_uprn, sao_text, pao_text, street, locality, town, postcode, property_class
GAZETTEER = [
    ("1001", None, None, "10", "HIGH STREET", "NORTHFIELD", "ZEDBURY", "ZZ1 1AA", "RD04"),
    ("1002", None, None, "12", "HIGH STREET", "NORTHFIELD", "ZEDBURY", "ZZ1 1AA", "RD04"),
    ("1003", None, None, "12A", "HIGH STREET", "NORTHFIELD", "ZEDBURY", "ZZ1 1AA", "RD04"),
    ("1004", None, None, "14", "HIGH STREET", "NORTHFIELD", "ZEDBURY", "ZZ1 1AA", "RD04"),
    # a converted house: parent shell + two flats
    ("1010", None, None, "16", "HIGH STREET", "NORTHFIELD", "ZEDBURY", "ZZ1 1AA", "PP"),
    ("1011", "1010", "FLAT A", "16", "HIGH STREET", "NORTHFIELD", "ZEDBURY", "ZZ1 1AA", "RD06"),
    ("1012", "1010", "FLAT B", "16", "HIGH STREET", "NORTHFIELD", "ZEDBURY", "ZZ1 1AA", "RD06"),
    # a purpose-built block with its own postcode
    (
        "1020",
        None,
        None,
        "WILLOW COURT 20",
        "HIGH STREET",
        "NORTHFIELD",
        "ZEDBURY",
        "ZZ1 1AB",
        "PP",
    ),
    (
        "1021",
        "1020",
        "FLAT 1",
        "WILLOW COURT 20",
        "HIGH STREET",
        "NORTHFIELD",
        "ZEDBURY",
        "ZZ1 1AB",
        "RD06",
    ),
    (
        "1022",
        "1020",
        "FLAT 2",
        "WILLOW COURT 20",
        "HIGH STREET",
        "NORTHFIELD",
        "ZEDBURY",
        "ZZ1 1AB",
        "RD06",
    ),
    (
        "1023",
        "1020",
        "FLAT 3",
        "WILLOW COURT 20",
        "HIGH STREET",
        "NORTHFIELD",
        "ZEDBURY",
        "ZZ1 1AB",
        "RD06",
    ),
    # a named house
    ("1030", None, None, "ROSE COTTAGE", "MILL LANE", "NORTHFIELD", "ZEDBURY", "ZZ1 2AA", "RD02"),
    ("1031", None, None, "IVY HOUSE", "MILL LANE", "NORTHFIELD", "ZEDBURY", "ZZ1 2AA", "RD02"),
    ("1032", None, None, "THE COTTAGE", "MILL LANE", "NORTHFIELD", "ZEDBURY", "ZZ1 2AA", "RD02"),
    # the same street name in another locality
    ("2001", None, None, "10", "HIGH STREET", "SOUTHBY", "ZEDBURY", "ZZ2 1AA", "RD04"),
    ("2002", None, None, "5", "ACORN ROAD", "SOUTHBY", "ZEDBURY", "ZZ2 2AA", "RD04"),
    ("2003", None, None, "7", "ACORN ROAD", "SOUTHBY", "ZEDBURY", "ZZ2 2AA", "RD04"),
]

# record_id, address, postcode, uprn_given -> expected (status, uprn, method)
CASES: dict[str, tuple[str, str | None, str | None, tuple[str, str | None, str | None]]] = {
    "exact": ("10 HIGH ST, NORTHFIELD, ZEDBURY", "ZZ1 1AA", None, ("matched", "1001", "exact")),
    "flat_exact": (
        "FLAT 2, WILLOW COURT, 20 HIGH STREET",
        "ZZ1 1AB",
        None,
        ("matched", "1022", "exact"),
    ),
    "flat_no_word": (
        "2 WILLOW COURT, HIGH STREET, ZEDBURY",
        "ZZ1 1AB",
        None,
        ("matched", "1022", "exact"),
    ),
    "flat_no_name": ("APARTMENT 3, 20 HIGH STREET", "ZZ1 1AB", None, ("matched", "1023", "exact")),
    "flat_letter": ("FLAT B 16 HIGH ST", "ZZ1 1AA", None, ("matched", "1012", "exact")),
    "suffix": ("12A HIGH STREET", "ZZ1 1AA", None, ("matched", "1003", "exact")),
    "named_house": (
        "ROSE COTTAGE, MILL LANE, NORTHFIELD",
        "ZZ1 2AA",
        None,
        ("matched", "1030", "exact"),
    ),
    "named_no_street": ("IVY HOUSE, ZEDBURY", "ZZ1 2AA", None, ("matched", "1031", "exact")),
    "postcode_in_text": (
        "14 HIGH STREET, ZEDBURY, ZZ1 1AA",
        None,
        None,
        ("matched", "1004", "exact"),
    ),
    "no_postcode_unique": ("5 ACORN ROAD", None, None, ("matched", "2002", "exact_district")),
    "no_postcode_twice": ("10 HIGH STREET", None, None, ("ambiguous", None, "fuzzy")),
    "no_postcode_locality": ("10 HIGH STREET, SOUTHBY", None, None, ("matched", "2001", "fuzzy")),
    "postcode_typo": ("14 HIGH STREET", "ZZ1 1AX", None, ("matched", "1004", "exact_outcode")),
    "street_typo": ("12 HIHG STREET", "ZZ1 1AA", None, ("matched", "1002", "fuzzy")),
    "joined_words": ("7 ACORNROAD", "ZZ2 2AA", None, ("matched", "2003", "exact")),
    "given": ("14 HIGH ST", "ZZ1 1AA", "1004", ("matched", "1004", "given")),
    "given_no_address": (None, None, "1002", ("matched", "1002", "given")),
    "given_contradicted": ("14 HIGH STREET", "ZZ1 1AA", "1001", ("matched", "1004", "exact")),
    "given_unknown": ("12 HIGH STREET", "ZZ1 1AA", "999999", ("matched", "1002", "exact")),
    "given_block_for_flat": (
        "FLAT 3, WILLOW COURT, 20 HIGH STREET",
        "ZZ1 1AB",
        "1020",
        ("matched", "1023", "exact"),
    ),
    "given_block_alone": ("16 HIGH STREET", "ZZ1 1AA", "1010", ("ambiguous", None, "parent_shell")),
    "block_no_flat": (
        "WILLOW COURT, 20 HIGH STREET",
        "ZZ1 1AB",
        None,
        ("ambiguous", None, "parent_shell"),
    ),
    "flat_missing_from_llpg": (
        "FLAT 9, WILLOW COURT, 20 HIGH STREET",
        "ZZ1 1AB",
        None,
        ("unmatched", None, None),
    ),
    "flat_word_only": (
        "FLAT, 16 HIGH STREET",
        "ZZ1 1AA",
        None,
        ("ambiguous", None, "parent_shell"),
    ),
    # a flat the LLPG does not divide from its house: the house, unless it may be 12A
    "flat_in_house": ("FLAT 2, 14 HIGH STREET", "ZZ1 1AA", None, ("matched", "1004", "fuzzy")),
    "flat_bare_word": ("FLAT, 14 HIGH STREET", "ZZ1 1AA", None, ("matched", "1004", "exact")),
    "flat_maybe_suffix": ("FLAT 2, 12 HIGH STREET", "ZZ1 1AA", None, ("unmatched", None, None)),
    # the flat number is not the house number
    "flat_on_house": ("FLAT 10, HIGH STREET", "ZZ1 1AA", None, ("unmatched", None, None)),
    "wrong_number": ("99 HIGH STREET", "ZZ1 1AA", None, ("unmatched", None, None)),
    "out_of_area": ("5 ACORN ROAD, OTHERTOWN", "AB1 2CD", None, ("unmatched", None, None)),
    # one-letter slips in the words that say which flat, and in place names
    "flat_word_typo": (
        "FALT 2, WILLOW COURT, 20 HIGH ST",
        "ZZ1 1AB",
        None,
        ("matched", "1022", "exact"),
    ),
    "flat_word_doubled": ("FLAAT B, 16 HIGH STREET", "ZZ1 1AA", None, ("matched", "1012", "exact")),
    "place_typo": ("10 HIGH STREET, SOUTHBBY", None, None, ("matched", "2001", "fuzzy")),
    # a street typed from another field: the postcode and the numbers agree, and the named
    # street has no 14 in the locality named
    "street_replaced": (
        "14 ACORN ROAD, NORTHFIELD",
        "ZZ1 1AA",
        None,
        ("matched", "1004", "fuzzy"),
    ),
    "flat_joined": ("FLATB, 16 HIGH STREET", "ZZ1 1AA", None, ("matched", "1012", "exact")),
    # the only house in the postcode with the name given, the street written wrongly
    "name_in_postcode": ("THE COTTAGE, BACK ROW", "ZZ1 2AA", None, ("matched", "1032", "fuzzy")),
    # the street's words out of order, no postcode
    "street_words_swapped": ("7, ROAD, ACORN SOUTHBY", None, None, ("matched", "2003", "fuzzy")),
    "nothing": ("NOWHERE AT ALL", None, None, ("unmatched", None, None)),
    "empty": (None, None, None, ("unmatched", None, None)),
}


def _connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("""
        CREATE TABLE gazetteer (uprn VARCHAR, parent_uprn VARCHAR, sao_text VARCHAR,
            pao_text VARCHAR, street VARCHAR, locality VARCHAR, town VARCHAR,
            postcode VARCHAR, property_class VARCHAR)
    """)
    con.executemany("INSERT INTO gazetteer VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", GAZETTEER)
    con.execute("""
        CREATE TABLE addresses_to_resolve (record_id VARCHAR, source VARCHAR,
            address VARCHAR, postcode VARCHAR, uprn_given VARCHAR)
    """)
    return con


@pytest.fixture(scope="module")
def resolved() -> tuple[AddressResolutionSummary, dict[str, tuple], list[tuple]]:
    con = _connection()
    rows = [(rid, "test", a, pc, given) for rid, (a, pc, given, _) in CASES.items()]
    # the same record twice: still one output row per input row
    rows.append(("exact", "other", "10 HIGH ST", "ZZ1 1AA", None))
    con.executemany("INSERT INTO addresses_to_resolve VALUES (?, ?, ?, ?, ?)", rows)
    steps: list[tuple] = []
    summary = resolve_addresses(
        con,
        progress=lambda step, done, total: steps.append((step, done, total)),
        use_model=False,
    )
    out = con.execute("""
        SELECT record_id, source, status, uprn, method, score, candidates
        FROM address_matches
    """).fetchall()
    by_id = {r[0]: r for r in out if r[1] == "test"}
    assert not [t for t in con.execute("SHOW TABLES").fetchall() if t[0].startswith("_jp")]
    return summary, by_id, [*steps, ("rows", len(out), len(rows))]


@pytest.mark.parametrize("record_id", sorted(CASES))
def test_each_path(resolved, record_id: str) -> None:
    _, by_id, _ = resolved
    status, uprn, method = CASES[record_id][3]
    got = by_id[record_id]
    assert (got[2], got[3], got[4]) == (status, uprn, method), got


def test_one_row_per_input_and_summary(resolved) -> None:
    summary, by_id, steps = resolved
    rows = steps[-1]
    assert rows[1] == rows[2] == len(CASES) + 1
    assert summary.total == rows[1]
    assert summary.matched + summary.ambiguous + summary.unmatched == summary.total
    assert summary.by_method["exact"] >= 1
    assert [s[0] for s in steps[:-1]] == ["prepare", "given", "exact", "fuzzy", "model", "write"]
    assert list(summary.seconds_by_step) == [s[0] for s in steps[:-1]]


def test_flats_never_get_their_block(resolved) -> None:
    _, by_id, _ = resolved
    shells = {"1010", "1020"}
    for record_id, (address, *_rest) in CASES.items():
        if address and "FLAT" in address:
            assert by_id[record_id][3] not in shells, record_id


def test_ambiguous_candidates(resolved) -> None:
    _, by_id, _ = resolved
    block = json.loads(by_id["block_no_flat"][6])
    assert block[0] == "1020" and set(block[1:]) == {"1021", "1022", "1023"}
    twice = json.loads(by_id["no_postcode_twice"][6])
    assert sorted(twice) == ["1001", "2001"]
    assert by_id["exact"][5] == 1.0
    assert by_id["nothing"][6] is None


def test_model_stage_runs_on_leftovers() -> None:
    """uk-address-matcher sees only what the rules left, and its answer is checked."""
    con = _connection()
    con.executemany(
        "INSERT INTO addresses_to_resolve VALUES (?, ?, ?, ?, ?)",
        [
            ("a", "t", "10 HIGH ST", "ZZ1 1AA", None),
            # building name cut short and street left out: beyond the rules
            ("b", "t", "FLAT 2, WILLOW, ZEDBURY", "ZZ1 1AB", None),
            ("c", "t", "FLAT 7, WILLOW, ZEDBURY", "ZZ1 1AB", None),
        ],
    )
    summary = resolve_addresses(con, use_model=True)
    got = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT record_id, status, uprn, method FROM address_matches"
        ).fetchall()
    }
    assert summary.total == 3 and summary.model_ran
    assert got["a"] == ("matched", "1001", "exact")
    assert got["b"] == ("matched", "1022", "model")
    assert got["c"][0] != "matched"


def test_model_stage_by_default_only_for_a_big_residue() -> None:
    con = _connection()
    con.executemany(
        "INSERT INTO addresses_to_resolve VALUES (?, ?, ?, ?, ?)",
        [("a", "t", "10 HIGH ST", "ZZ1 1AA", None), ("b", "t", "FLAT 2, WILLOW", "ZZ1 1AB", None)],
    )
    con.execute("SET threads = 2")
    summary = resolve_addresses(con)  # one record left: not worth the model's set-up
    assert not summary.model_ran and summary.unmatched == 1
    # the rule stages run on one thread; the connection's setting is given back
    assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 2


def test_prepared_gazetteer_is_cached_per_content(tmp_path) -> None:
    con = _connection()
    rows = [(rid, "test", a, pc, given) for rid, (a, pc, given, _) in CASES.items()]
    con.executemany("INSERT INTO addresses_to_resolve VALUES (?, ?, ?, ?, ?)", rows)
    query = "SELECT record_id, status, uprn, method FROM address_matches ORDER BY record_id"
    first = resolve_addresses(con, use_model=False, cache_dir=tmp_path)
    first_rows = con.execute(query).fetchall()
    second = resolve_addresses(con, use_model=False, cache_dir=tmp_path)
    assert (first.gazetteer_from_cache, second.gazetteer_from_cache) == (False, True)
    assert con.execute(query).fetchall() == first_rows
    assert len(list(tmp_path.glob("gazetteer-*.duckdb"))) == 1
    # a changed gazetteer is prepared afresh: the new house is found
    con.execute(
        "INSERT INTO gazetteer VALUES "
        "('1005', NULL, NULL, '99', 'HIGH STREET', 'NORTHFIELD', 'ZEDBURY', 'ZZ1 1AA', 'RD04')"
    )
    third = resolve_addresses(con, use_model=False, cache_dir=tmp_path)
    assert not third.gazetteer_from_cache
    assert con.execute(
        "SELECT uprn FROM address_matches WHERE record_id = 'wrong_number'"
    ).fetchone() == ("1005",)
    assert len(list(tmp_path.glob("gazetteer-*.duckdb"))) == 2


def test_empty_inputs_and_empty_gazetteer() -> None:
    con = _connection()
    con.execute("DELETE FROM gazetteer")
    assert resolve_addresses(con).total == 0
    con.execute("INSERT INTO addresses_to_resolve VALUES ('1', 't', '10 HIGH ST', 'ZZ1 1AA', '7')")
    summary = resolve_addresses(con)
    assert (summary.total, summary.unmatched) == (1, 1)
    assert con.execute("SELECT status, uprn FROM address_matches").fetchall() == [
        ("unmatched", None)
    ]
