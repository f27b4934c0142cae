"""An email or phone number given for many different people (a team's inbox, a care
home's phone) is not evidence about who anyone is: linking leaves it out, in full and in
incremental runs alike."""

from __future__ import annotations

import duckdb
from link_stores import inputs, partition

from joinedup.config import LinkConfig
from joinedup.hub import Hub
from joinedup.link.incremental import link_people_incremental
from joinedup.link.link_input import SHARED_CONTACTS, prepare_sql
from joinedup.link.people import link_people

TEAM_INBOX = "duty.team@example.gov.uk"
CARE_HOME_PHONE = "01632960555"


def _give(con: duckdb.DuckDBPyConnection, column: str, value: str, first_names: int) -> list:
    """Give `value` to one record without that column for each of `first_names` different
    first names; returns their record ids."""
    ids = [
        r[0]
        for r in con.execute(
            f"""
            SELECT min(record_id) FROM records
            WHERE {column} IS NULL AND first_name IS NOT NULL
            GROUP BY lower(first_name) ORDER BY 1 LIMIT ?
            """,
            [first_names],
        ).fetchall()
    ]
    con.execute(
        f"UPDATE records SET {column} = ? WHERE record_id IN (SELECT unnest(?))", [value, ids]
    )
    return ids


def test_a_team_inbox_given_for_many_people_links_nobody(demo_hub_config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    hub = Hub.open(demo_hub_config.config_path)
    plain = inputs(hub, tmp_path / "plain.duckdb")
    link_people(plain, LinkConfig(), run_id="r1")
    shared = inputs(hub, tmp_path / "shared.duckdb")
    given = _give(shared, "email", TEAM_INBOX, 12)
    link_people(shared, LinkConfig(), run_id="r1")

    assert shared.execute(f"SELECT * FROM {SHARED_CONTACTS}").fetchall() == [("email", TEAM_INBOX)]
    emails = shared.execute(
        "SELECT DISTINCT email FROM link_input WHERE unique_id IN (SELECT unnest(?))", [given]
    ).fetchall()
    assert emails == [(None,)]
    # The inbox was given only to records without an email: left out, it changes nothing.
    assert partition(shared) == partition(plain)

    # Given for fewer first names than the setting asks, it is an email like any other.
    few = inputs(hub, tmp_path / "few.duckdb")
    _give(few, "email", TEAM_INBOX, 12)
    link_people(few, LinkConfig(shared_contact_first_names=13), run_id="r1")
    assert few.execute(f"SELECT count(*) FROM {SHARED_CONTACTS}").fetchone() == (0,)
    assert few.execute("SELECT count(*) FROM link_input WHERE email = ?", [TEAM_INBOX]).fetchone()[
        0
    ] == len(given)
    for con in (plain, shared, few):
        con.close()


def test_a_phone_becoming_shared_is_left_out_of_every_record_incrementally(
    demo_hub_config, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Nine first names share a phone (a family-sized number, kept); the next extract
    gives it to a tenth, so it is shared: the incremental run prepares again the nine
    records it did not otherwise change, as preparing every record would."""
    hub = Hub.open(demo_hub_config.config_path)
    previous = tmp_path / "previous.duckdb"
    first = inputs(hub, previous)
    nine = _give(first, "phone", CARE_HOME_PHONE, 9)
    link_people(first, LinkConfig(), run_id="r1")
    assert first.execute(
        "SELECT count(*) FROM link_input WHERE phone = ?", [CARE_HOME_PHONE]
    ).fetchone() == (9,)
    first.close()

    con = inputs(hub, tmp_path / "current.duckdb")
    ten = _give(con, "phone", CARE_HOME_PHONE, 10)
    assert set(nine) < set(ten)
    summary = link_people_incremental(con, LinkConfig(), previous_store=previous, run_id="r2")
    assert summary.afresh_because is None
    changed = {r[0] for r in con.execute("SELECT record_id FROM _changed_rows").fetchall()}
    delta = {r[0] for r in con.execute("SELECT unique_id FROM _delta").fetchall()}
    assert changed == set(ten)
    # The nine lost their phone as evidence; the tenth is compared as before (no phone).
    assert delta == set(nine)
    assert con.execute(f"SELECT * FROM {SHARED_CONTACTS}").fetchall() == [
        ("phone", CARE_HOME_PHONE)
    ]
    assert set(con.execute("SELECT * FROM link_input").fetchall()) == set(
        con.execute(prepare_sql()).fetchall()
    )
    con.close()

    # And back: the next extract holds it for nine again, so the nine get it back.
    again = inputs(hub, tmp_path / "again.duckdb")
    _give(again, "phone", CARE_HOME_PHONE, 9)
    summary = link_people_incremental(
        again, LinkConfig(), previous_store=tmp_path / "current.duckdb", run_id="r3"
    )
    assert summary.afresh_because is None
    assert again.execute(f"SELECT count(*) FROM {SHARED_CONTACTS}").fetchone() == (0,)
    assert again.execute(
        "SELECT count(*) FROM link_input WHERE phone = ?", [CARE_HOME_PHONE]
    ).fetchone() == (9,)
    assert set(again.execute("SELECT * FROM link_input").fetchall()) == set(
        again.execute(prepare_sql()).fetchall()
    )
    again.close()
