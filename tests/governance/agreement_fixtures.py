"""A small hub config with one data sharing agreement, for the governance tests."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from joinedup.config import HubConfig, parse_config

TODAY = date(2026, 6, 1)

BASE: dict[str, Any] = {
    "hub": {"name": "Test hub", "organisation": "Exampleshire Council"},
    "sources": {
        "council_tax": {
            "owner": "Revenues manager",
            "file": "council_tax.csv",
            "key": "record_key",
            "columns": [
                {"column": "ref", "field": "record_key"},
                {"column": "forename", "field": "first_name"},
                {"column": "surname", "field": "surname"},
                {"column": "dob", "field": "date_of_birth"},
                {"column": "nhs", "field": "nhs_number"},
            ],
        },
        "benefits": {
            "owner": "Benefits manager",
            "file": "benefits.csv",
            "key": "record_key",
            "columns": [
                {"column": "ref", "field": "record_key"},
                {"column": "dob", "field": "date_of_birth"},
            ],
        },
    },
    "agreements": {
        "police_safeguarding": {
            "title": "Multi-agency safeguarding",
            "purpose": "safeguarding",
            "status": "active",
            "start": "2026-01-01",
            "end": "2026-12-31",
            "review": "2026-09-30",
            "parties": [
                {"organisation": "exampleshire_council", "lawful_basis": "Art 6(1)(e)"},
                {
                    "organisation": "exampleshire_police",
                    "lawful_basis": "Art 6(1)(e)",
                    "special_category_condition": "Art 9(2)(g); DPA 2018 Sch 1 para 18",
                },
            ],
            "shares": [
                {"source": "council_tax", "fields": ["first_name", "surname", "date_of_birth"]}
            ],
        }
    },
}

# Agreement states the gate must tell apart, as (status, start, end) against TODAY.
STATES: dict[str, dict[str, str] | None] = {
    "in_force": {"status": "active"},
    "draft": {"status": "draft"},
    "suspended": {"status": "suspended"},
    "ended": {"status": "ended"},
    "expired": {"status": "active", "start": "2025-01-01", "end": "2026-05-31"},
    "not_started": {"status": "active", "start": "2026-07-01", "end": "2027-06-30"},
    "no_agreement": None,
}


def config_data(state: str = "in_force", **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    overrides = STATES[state]
    if overrides is None:
        data["agreements"] = {}
    else:
        data["agreements"]["police_safeguarding"].update(overrides)
    data["agreements"].get("police_safeguarding", {}).update(changes)
    return data


def hub_config(state: str = "in_force", **changes: Any) -> HubConfig:
    return parse_config(config_data(state, **changes))
