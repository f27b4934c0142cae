"""The truth covers every record, and the SPD truth means what it says."""

from __future__ import annotations

import pandas as pd
import yaml
from demo_files import AS_OF, council_tax_rows, read_truth, register_frame

from joinedup.config import parse_config
from joinedup.demo import DemoSummary


def _age(dob: pd.Series) -> pd.Series:
    born = pd.to_datetime(dob)
    before_birthday = (born.dt.month > AS_OF.month) | (
        (born.dt.month == AS_OF.month) & (born.dt.day > AS_OF.day)
    )
    return AS_OF.year - born.dt.year - before_birthday.astype(int)


def _file_keys(demo: DemoSummary) -> dict[str, list[str]]:
    gaz = pd.read_csv(demo.files["gazetteer"], dtype=str, keep_default_na=False)
    deaths = pd.read_csv(demo.files["deaths"], dtype=str, keep_default_na=False)
    reg = register_frame(demo.files["electoral_register"])
    ct = council_tax_rows(demo.files["council_tax"])
    return {
        "gazetteer": gaz["UPRN"].tolist(),
        "council_tax": [r[0] for r in ct],
        "electoral_register": reg["Elector Number"].tolist(),
        "deaths": deaths["Registration No"].tolist(),
    }


def test_truth_covers_every_record_and_every_bad_row(demo: DemoSummary) -> None:
    records = read_truth(demo.out_dir, "records")
    quarantine = read_truth(demo.out_dir, "quarantine")
    people = set(read_truth(demo.out_dir, "people")["person_id"])
    gaz_uprns = set(pd.read_csv(demo.files["gazetteer"], dtype=str)["UPRN"])
    for source, keys in _file_keys(demo).items():
        bad = quarantine.loc[quarantine["source"] == source, "row_number"].astype(int)
        bad_rows = set(bad - 2)  # row numbers are file lines; line 1 is the header
        good = [k for i, k in enumerate(keys) if i not in bad_rows]
        truth = records[records["source"] == source]
        assert sorted(good) == sorted(truth["record_key"]), source
        assert truth["record_key"].is_unique
        assert set(truth["true_uprn"]) <= gaz_uprns
        person = truth["person_id"]
        if source == "gazetteer":
            assert (person == "").all()
        else:
            assert person.isin(people).all()
        assert demo.rows[source] == len(keys)


def test_planted_bad_rows_are_what_the_quarantine_truth_says(demo: DemoSummary) -> None:
    quarantine = read_truth(demo.out_dir, "quarantine")
    ct = council_tax_rows(demo.files["council_tax"])
    reasons = quarantine[quarantine["source"] == "council_tax"]
    assert set(reasons["reason"]) == {
        "duplicate_key",
        "missing_key",
        "malformed_row",
        "invalid_value",
    }
    seen: set[str] = set()
    first_at: dict[str, int] = {}
    for i, row in enumerate(ct):
        first_at.setdefault(row[0], i)
    for number, reason in zip(reasons["row_number"].astype(int), reasons["reason"], strict=True):
        row = ct[number - 2]
        if reason == "duplicate_key":
            assert first_at[row[0]] < number - 2 and row == ct[first_at[row[0]]]
        elif reason == "missing_key":
            assert row[0] == "" and len(row) == 12
        elif reason == "malformed_row":
            assert len(row) < 12
        else:
            assert row[8] == "31/02/2019"
        seen.add(reason)
    assert seen == set(reasons["reason"])
    deaths = pd.read_csv(demo.files["deaths"], dtype=str, keep_default_na=False)
    for number in quarantine.loc[quarantine["source"] == "deaths", "row_number"].astype(int):
        # A death notified twice: the repeat follows the first notification.
        assert deaths.iloc[number - 2].equals(deaths.iloc[number - 3])


def test_spd_truth_is_internally_consistent(demo: DemoSummary) -> None:
    people = read_truth(demo.out_dir, "people").set_index("person_id")
    records = read_truth(demo.out_dir, "records")
    cases = read_truth(demo.out_dir, "spd_cases")
    ct = pd.DataFrame(
        [r for r in council_tax_rows(demo.files["council_tax"]) if len(r) == 12 and r[0]],
        columns=[
            "ref",
            "name",
            "dob",
            "uprn",
            "address",
            "postcode",
            "band",
            "discount",
            "start",
            "end",
            "email",
            "phone",
        ],
    ).drop_duplicates("ref")
    ct_truth = records[records["source"] == "council_tax"].set_index("record_key")
    ct = ct[ct["ref"].isin(ct_truth.index)].copy()
    ct["person_id"] = ct_truth.loc[ct["ref"], "person_id"].to_numpy()
    ct["true_uprn"] = ct_truth.loc[ct["ref"], "true_uprn"].to_numpy()
    current_spd = ct[(ct["discount"] == "SPD") & (ct["end"] == "")]
    reg = records[records["source"] == "electoral_register"]
    on_register = set(zip(reg["person_id"], reg["true_uprn"], strict=True))
    deaths = set(records.loc[records["source"] == "deaths", "person_id"])
    age = _age(people["date_of_birth"])
    alive = people["status"] == "resident"
    adults_at = people[alive & (age >= 18)].groupby("current_uprn").groups

    liable = current_spd.set_index("ref")
    assert set(cases["account_ref"]) <= set(liable.index)
    for case in cases.itertuples():
        account = liable.loc[case.account_ref]
        assert account["true_uprn"] == case.uprn
        other = people.loc[case.other_person_id]
        others_living_there = set(adults_at.get(case.uprn, [])) - {account["person_id"]}
        assert case.other_person_id != account["person_id"]
        if case.kind == "fraud":
            assert other["status"] == "resident" and other["current_uprn"] == case.uprn
            assert age[case.other_person_id] >= 18
            assert (case.other_person_id, case.uprn) in on_register
            continue
        assert not others_living_there, case
        if case.kind == "decoy_died":
            assert other["date_of_death"] != "" and case.other_person_id in deaths
            assert (case.other_person_id, case.uprn) in on_register
        elif case.kind == "decoy_under_18":
            assert 16 <= age[case.other_person_id] <= 17 and other["current_uprn"] == case.uprn
            assert (case.other_person_id, case.uprn) in on_register
        else:
            assert case.kind == "decoy_moved_out"
            ended = ct[(ct["person_id"] == case.other_person_id) & (ct["end"] != "")]
            assert (ended["true_uprn"] == case.uprn).any()
            assert other["status"] == "resident" and other["current_uprn"] != case.uprn
            assert (case.other_person_id, other["current_uprn"]) in on_register

    # Every SPD account where another adult really lives is named as fraud.
    fraud = set(cases.loc[cases["kind"] == "fraud", "account_ref"])
    for ref, account in liable.iterrows():
        others = set(adults_at.get(account["true_uprn"], [])) - {account["person_id"]}
        assert bool(others) == (ref in fraud), ref

    shares = cases["kind"].value_counts() / len(current_spd)
    assert 0.03 < shares["fraud"] < 0.07
    for kind in ["decoy_died", "decoy_under_18", "decoy_moved_out"]:
        assert 0.015 < shares[kind] < 0.1, (kind, shares[kind])


def test_config_validates_and_maps_real_columns(demo: DemoSummary) -> None:
    data = yaml.safe_load(demo.config_path.read_text(encoding="utf-8"))
    config = parse_config(data, demo.config_path)
    assert config.hub.name and config.hub.organisation == "Demo District Council"
    assert config.hub.gazetteer == "gazetteer" and config.hub.as_of == "2026-11-01"
    assert config.sources["gazetteer"].entity == "place"
    assert config.sources["council_tax"].read.encoding == "cp1252"
    assert config.sources["electoral_register"].read.header_row == 5
    headers = {
        "gazetteer": list(pd.read_csv(demo.files["gazetteer"], nrows=0).columns),
        "council_tax": list(
            pd.read_csv(demo.files["council_tax"], nrows=0, encoding="cp1252").columns
        ),
        "electoral_register": list(register_frame(demo.files["electoral_register"]).columns),
        "deaths": list(pd.read_csv(demo.files["deaths"], nrows=0).columns),
    }
    for name in set(config.sources) - set(headers):  # the plain CSV sources
        headers[name] = list(pd.read_csv(demo.files[name], nrows=0).columns)
    for name, source in config.sources.items():
        assert config.source_path(source) == demo.files[name]
        assert source.owner and source.steward and source.system and source.lawful_basis
        mapped = [c.column for c in source.columns]
        assert sorted(mapped) == sorted(headers[name]), name
    spd = next(
        c for c in config.sources["council_tax"].columns if c.field == "single_person_discount"
    )
    assert spd.field_type() == "bool" and spd.true_values == ["SPD"]
