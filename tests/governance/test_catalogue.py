"""The catalogue: personal data categories per column, detected and overridable, and gaps."""

from __future__ import annotations

import copy

from joinedup.config import parse_config
from joinedup.governance.catalogue import build_catalogue

from .agreement_fixtures import BASE


def config_with_care_source(**source_changes: object):  # type: ignore[no-untyped-def]
    data = copy.deepcopy(BASE)
    data["sources"]["adult_care"] = {
        "owner": "Head of Adult Social Care",
        "file": "care.csv",
        "key": "record_key",
        "lawful_basis": "Art 6(1)(e)",
        "columns": [
            {"column": "client_id", "field": "record_key"},
            {"column": "Primary Diagnosis", "field": "primary_diagnosis", "type": "string"},
            {"column": "Package cost", "field": "weekly_cost", "type": "decimal"},
            {
                "column": "Warning marker",
                "field": "warning_marker",
                "type": "string",
                "personal_data": "crime",
            },
            {"column": "Date of birth", "field": "date_of_birth"},
        ],  # fmt: skip
        **source_changes,
    }
    return parse_config(data)


def test_columns_get_categories_detected_or_declared() -> None:
    catalogue = {e.source: e for e in build_catalogue(config_with_care_source())}
    care = {c.field: c for c in catalogue["adult_care"].columns}
    assert (care["record_key"].category, care["record_key"].found_by) == (
        "identifiers",
        "canonical field",
    )
    assert (care["primary_diagnosis"].category, care["primary_diagnosis"].found_by) == (
        "health",
        "name suggests it",
    )
    assert care["weekly_cost"].category is None
    assert (care["warning_marker"].category, care["warning_marker"].found_by) == (
        "crime",
        "declared in the config",
    )
    assert care["date_of_birth"].category == "dates_of_birth"
    council_tax = {c.field: c.category for c in catalogue["council_tax"].columns}
    assert council_tax["surname"] == "names" and council_tax["nhs_number"] == "identifiers"


def test_gaps_name_missing_conditions_retention_and_steward() -> None:
    [care] = [e for e in build_catalogue(config_with_care_source()) if e.source == "adult_care"]
    assert "holds special category data but its lawful basis names no Art 9 condition" in care.gaps
    assert any("criminal offence data" in gap for gap in care.gaps)
    assert "holds personal data but records no retention period" in care.gaps
    fixed = config_with_care_source(
        lawful_basis="Art 6(1)(e); Art 9(2)(h); Art 10 with DPA 2018 Schedule 1 para 6",
        retention="6 years after the last service",
        steward="Care records officer",
    )
    [care] = [e for e in build_catalogue(fixed) if e.source == "adult_care"]
    assert care.gaps == ()


def test_personal_data_none_overrides_a_guess() -> None:
    data = copy.deepcopy(BASE)
    data["sources"]["benefits"]["columns"].append(
        {"column": "Property ref", "field": "property_ref", "type": "string",
         "personal_data": "none"}
    )  # fmt: skip
    [benefits] = [e for e in build_catalogue(parse_config(data)) if e.source == "benefits"]
    assert {c.field: c.category for c in benefits.columns}["property_ref"] is None
