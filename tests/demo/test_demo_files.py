"""The source files look like the systems that export them."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from demo_files import council_tax_rows, read_truth, register_frame, register_sheet

from joinedup.demo import DemoSummary
from joinedup.demo.identifiers import nhs_check_digit

# A UK postcode (outward: area letters + district; inward: sector digit + two unit letters).
POSTCODE = re.compile(r"^[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$")
NINO = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$")


def test_council_tax_is_a_windows_export(demo: DemoSummary) -> None:
    raw = demo.files["council_tax"].read_bytes()
    text = raw.decode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert text.startswith('"Account Ref","Lead Liable Name","Liable DOB","Property Ref"')
    assert re.search(r"[ëéáóüíñ]", text), "some names carry accents cp1252 can hold"
    rows = [r for r in council_tax_rows(demo.files["council_tax"]) if len(r) == 12]
    names = [r[1] for r in rows if r[0]]
    assert all(", " in n for n in names)
    assert any(re.match(r"^[A-Z' -]+, (Mr|Mrs|Ms|Miss|Dr) ", n) for n in names)
    discounts = {r[7] for r in rows}
    assert {"SPD", "DISREG", ""} <= discounts
    abbreviated = sum(bool(re.search(r"\b(Rd|RD|St|ST|Ave|AVE|Cres|CRES)\b", r[4])) for r in rows)
    assert abbreviated > len(rows) * 0.1


def test_register_has_titles_header_and_footer_and_no_uprn_or_dob(demo: DemoSummary) -> None:
    rows = register_sheet(demo.files["electoral_register"])
    assert rows[0][0] == "Demo District Council"
    assert rows[1][0].startswith("Register of Electors")
    assert rows[2][0].startswith("Published 1 December 2025")
    assert all(v is None for v in rows[3])
    header = rows[4]
    assert header[:5] == ("Elector Number", "Title", "Forename", "Middle Names", "Surname")
    assert "UPRN" not in header and "Date of Birth" not in header
    data = rows[5:-1]
    assert rows[-1][0] == f"Total electors: {len(data):,}"
    assert all(re.match(r"^[A-Z]{2}[0-9]+-[0-9]+$", r[0]) for r in data)
    attains = [r[header.index("Date of Attainment")] for r in data]
    dated = [d for d in attains if d is not None]
    assert dated and all(isinstance(d, datetime) for d in dated)
    # Attainers turn 18 within two years of as_of.
    assert all(datetime(2026, 11, 1) < d <= datetime(2028, 11, 1) for d in dated)


def test_register_reads_with_pandas_at_the_configured_header(demo: DemoSummary) -> None:
    frame = pd.read_excel(demo.files["electoral_register"], header=4, dtype=str)
    assert frame.columns[0] == "Elector Number"
    assert frame["Elector Number"].iloc[-1].startswith("Total electors")
    assert frame["Phone"].dropna().str.startswith("07").all()


def test_gazetteer_is_clean_bs7666(demo: DemoSummary) -> None:
    gaz = pd.read_csv(demo.files["gazetteer"], dtype=str, keep_default_na=False)
    assert gaz["UPRN"].is_unique
    assert gaz["UPRN"].str.fullmatch(r"[1-9][0-9]{0,11}").all()
    assert gaz["POSTCODE_LOCATOR"].str.match(POSTCODE).all()
    assert set(gaz["CLASSIFICATION_CODE"]) == {"RD02", "RD03", "RD04", "RD06", "PP", "CR"}
    flats = gaz[gaz["CLASSIFICATION_CODE"] == "RD06"]
    parents = gaz.set_index("UPRN").loc[flats["PARENT_UPRN"]]
    assert (parents["CLASSIFICATION_CODE"] == "PP").all()
    assert flats["SAO_TEXT"].str.match(r"^FLAT [0-9]+$").all()
    assert (parents["PAO_TEXT"].to_numpy() == flats["PAO_TEXT"].to_numpy()).all()
    per_postcode = gaz.groupby("POSTCODE_LOCATOR").size()
    assert 8 < per_postcode.mean() < 30
    named = gaz[gaz["PAO_TEXT"].str.contains("COTTAGE")]
    assert len(named) > 0


def test_people_carry_valid_identifiers(demo: DemoSummary) -> None:
    people = read_truth(demo.out_dir, "people")
    nhs = people.loc[people["nhs_number"] != "", "nhs_number"]
    assert len(nhs) > 0.9 * len(people) and nhs.is_unique
    digits = nhs.astype(np.int64).to_numpy()
    assert (nhs_check_digit(digits // 10) == digits % 10).all()
    assert nhs.str.startswith("999").all()  # the range reserved for test data
    nino = people.loc[people["ni_number"] != "", "ni_number"]
    assert nino.str.match(NINO).all() and nino.is_unique
    phones = people.loc[people["phone"] != "", "phone"]
    assert phones.str.fullmatch(r"07[0-9]{9}").all()
    emails = people.loc[people["email"] != "", "email"]
    assert emails.str.fullmatch(r"[a-z0-9.]+@example\.(com|org|net)").all()


def test_linkage_traps_are_present(demo: DemoSummary) -> None:
    people = read_truth(demo.out_dir, "people")
    live = people[people["status"] == "resident"]
    twins = (
        live[live["first_name"] != ""].groupby(["household_id", "surname", "date_of_birth"]).size()
    )
    assert (twins >= 2).any()
    juniors = people[people["junior_of"] != ""]
    assert len(juniors) > 0
    fathers = people.set_index("person_id").loc[juniors["junior_of"]]
    assert (fathers["first_name"].to_numpy() == juniors["first_name"].to_numpy()).all()
    assert (fathers["current_uprn"].to_numpy() == juniors["current_uprn"].to_numpy()).all()
    married = people[(people["previous_surname"] != "") & (people["married_on"] >= "2021-11-01")]
    assert len(married) > 0
    moved = read_truth(demo.out_dir, "addresses").groupby("person_id").size()
    assert (moved >= 2).sum() > 0
    assert (people["status"] == "died").sum() > 0 and (people["status"] == "moved_away").sum() > 0


def test_nicknames_typos_and_old_surnames_reach_the_sources(demo: DemoSummary) -> None:
    people = read_truth(demo.out_dir, "people").set_index("person_id")
    records = read_truth(demo.out_dir, "records")
    reg = register_frame(demo.files["electoral_register"])
    reg = reg.merge(
        records[records["source"] == "electoral_register"],
        left_on="Elector Number",
        right_on="record_key",
    )
    truth = people.loc[reg["person_id"]]
    first_differs = (
        reg["Forename"].str.lower().to_numpy() != truth["first_name"].str.lower().to_numpy()
    )
    assert 0.005 < first_differs.mean() < 0.1
    old_name = reg["Surname"].str.strip().to_numpy() == truth["previous_surname"].to_numpy()
    assert old_name.sum() > 0
