"""The same seed gives the same bytes; sizes follow the number of people."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_files import AS_OF

from joinedup.demo import generate


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", people=1000, seed=5, as_of=AS_OF)
    second = generate(tmp_path / "b", people=1000, seed=5, as_of=AS_OF)
    other = generate(tmp_path / "c", people=1000, seed=6, as_of=AS_OF)
    a, b, c = _files(first.out_dir), _files(second.out_dir), _files(other.out_dir)
    assert set(a) == {
        "gazetteer.csv",
        "council_tax.csv",
        "electoral_register.xlsx",
        "deaths.csv",
        "blue_badges.csv",
        "housing_benefit.csv",
        "payroll.csv",
        "creditor_payments.csv",
        "adult_social_care.csv",
        "hmo_licences.csv",
        "police_incidents.csv",
        "taxi_licences.csv",
        "empty_homes.csv",
        "joinedup.yaml",
        "truth/records.csv",
        "truth/people.csv",
        "truth/addresses.csv",
        "truth/spd_cases.csv",
        "truth/quarantine.csv",
        "truth/rule_single_person_discount.csv",
        "truth/rule_deceased_still_listed.csv",
        "truth/rule_blue_badge_after_death.csv",
        "truth/rule_housing_benefit_payroll.csv",
        "truth/rule_duplicate_creditor_payments.csv",
        "truth/rule_care_package_after_death.csv",
        "truth/rule_unlicensed_hmo.csv",
        "truth/rule_stale_address_after_move.csv",
        "truth/rule_taxi_driver_police_incident.csv",
        "truth/rule_multi_agency_household.csv",
        "truth/rule_empty_home_exemption_occupied.csv",
    }
    assert a == b
    assert a["council_tax.csv"] != c["council_tax.csv"]
    assert a["electoral_register.xlsx"] != c["electoral_register.xlsx"]


def test_row_counts_scale_with_people(tmp_path: Path) -> None:
    small = generate(tmp_path / "small", people=1000, seed=3, as_of=AS_OF)
    large = generate(tmp_path / "large", people=3000, seed=3, as_of=AS_OF)
    for source in ["gazetteer", "council_tax", "electoral_register", "deaths"]:
        ratio = large.records[source] / small.records[source]
        assert 2.3 < ratio < 3.8, (source, ratio)
    # About 2.2 people per dwelling, and roughly the number of people asked for.
    assert abs(large.residents - 3000) / 3000 < 0.1
    assert 3000 / large.dwellings == pytest.approx(2.2, rel=0.1)
    assert large.properties > large.dwellings  # parent shells and shops too
