"""The police incidents, taxi licence and empty-home sources, and the truth of the rules
they feed: taxi drivers named in domestic or violent incidents, multi-agency households,
and empty-home exemptions where people live."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from demo_files import AS_OF, read_truth

from joinedup.demo import DemoSummary, generate, generator

VIOLENT = {"Domestic incident", "Domestic abuse - assault", "Assault", "Public order - violence"}


def _police(demo: DemoSummary) -> pd.DataFrame:
    return pd.read_csv(demo.files["police_incidents"], dtype=str, keep_default_na=False)


def test_police_rows_are_person_lines_of_their_incident(demo: DemoSummary) -> None:
    police = _police(demo)
    assert police["Person Ref"].is_unique
    # Every row's person line is one of the people in its incident's free text, and all rows
    # of an incident carry the same free text and location.
    assert all(
        line in text
        for line, text in zip(police["Person Line"], police["Persons Involved"], strict=True)
    )
    per_incident = police.groupby("Incident Ref").agg(
        texts=("Persons Involved", "nunique"),
        places=("Location", "nunique"),
        people=("Person Line", "size"),
    )
    assert (per_incident["texts"] == 1).all() and (per_incident["places"] == 1).all()
    assert (per_incident["people"] > 1).any()
    text = police.groupby("Incident Ref")["Persons Involved"].first()
    assert (text.str.count("; ") + 1 == per_incident["people"]).all()
    assert set(police["Role"]) <= {"suspect", "victim", "witness", "informant"}
    assert (
        police["Person Line"]
        .str.match(
            r"^[^a-z(]+ .+ \((suspect|victim|witness|informant), "
            r"(approx \d+|\d+s)\)$"
        )
        .all()
    )


def test_taxi_truth_matches_the_police_rows(demo: DemoSummary) -> None:
    police = _police(demo)
    taxi = pd.read_csv(demo.files["taxi_licences"], dtype=str, keep_default_na=False)
    records = read_truth(demo.out_dir, "records").set_index(["source", "record_key"])["person_id"]
    police["person"] = [records[("police_incidents", k)] for k in police["Person Ref"]]
    taxi = taxi.set_index("Licence No")
    truth = read_truth(demo.out_dir, "rule_taxi_driver_police_incident")
    kinds = truth["kind"].value_counts()
    assert kinds.get("fraud", 0) > 0 and kinds.get("decoy_namesake", 0) > 0
    assert truth["record_id"].is_unique
    for record_id, kind in truth[["record_id", "kind"]].itertuples(index=False):
        key = record_id.split(":", 1)[1]
        mine = police[police["person"] == records[("taxi_licences", key)]]
        suspect_violent = mine[(mine["Role"] == "suspect") & mine["Incident Type"].isin(VIOLENT)]
        if kind == "fraud":
            assert len(suspect_violent) > 0
        else:
            assert len(suspect_violent) == 0
        if kind == "decoy_namesake":
            # Someone else, written with the driver's surname, a generation apart.
            born = pd.to_datetime(taxi.loc[key, "Date of Birth"], dayfirst=True)
            same = police[
                (police["Surname"] == taxi.loc[key, "Surname"].upper())
                & (police["person"] == "")
                & (police["Role"] == "suspect")
            ]
            assert len(same) > 0
            age = (pd.Timestamp(AS_OF) - born).days / 365.25
            assert (abs(same["Approx Age"].astype(int) - age) >= 9).all()


def test_multi_agency_truth_has_cases_and_both_kinds_of_decoy(demo: DemoSummary) -> None:
    truth = read_truth(demo.out_dir, "rule_multi_agency_household")
    kinds = set(truth["kind"])
    assert {"fraud", "decoy_two_contacts"} <= kinds
    assert truth["record_id"].str.startswith("gazetteer:").all()
    assert truth["record_id"].is_unique


def test_the_new_sources_leave_the_older_files_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The police, taxi and empty-home sources draw from random streams of their own:
    without them, every other source's file is byte for byte the same."""
    with_them = generate(tmp_path / "with", people=600, seed=3, as_of=AS_OF)
    new = {"police_incidents", "taxi_licences", "empty_homes"}
    older = [s for s in generator.SOURCES if s.name not in new]
    monkeypatch.setattr(generator, "SOURCES", older)
    without = generate(tmp_path / "without", people=600, seed=3, as_of=AS_OF)
    for spec in older:
        name = spec.file_name
        assert (with_them.out_dir / name).read_bytes() == (without.out_dir / name).read_bytes()


def test_empty_home_truth_matches_who_lives_there(demo: DemoSummary) -> None:
    awards = pd.read_csv(demo.files["empty_homes"], dtype=str, keep_default_na=False)
    people = read_truth(demo.out_dir, "people")
    lived_in = set(people.loc[people["status"] == "resident", "current_uprn"])
    truth = read_truth(demo.out_dir, "rule_empty_home_exemption_occupied")
    kind = truth.set_index("record_id")["kind"]
    awards["kind"] = [kind["empty_homes:" + k] for k in awards["Award Ref"]]
    assert set(awards["kind"]) == {"fraud", "decoy_empty", "decoy_ended"}
    for uprn, ended, k in zip(awards["UPRN"], awards["Award End"], awards["kind"], strict=True):
        assert (uprn in lived_in) == (k != "decoy_empty")
        assert (ended == "") == (k != "decoy_ended")
