"""The governance page's example config is valid, and its agreement is one the hub accepts."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml

from joinedup.config import parse_config
from joinedup.governance.agreements import effective_state, list_agreements, sync_agreements
from joinedup.governance.catalogue import build_catalogue
from joinedup.governance.purposes import PURPOSES
from joinedup.store.db import OperationalStore

PAGE = Path(__file__).resolve().parents[2] / "docs" / "governance.md"


def test_the_agreement_example_validates_and_syncs(store: OperationalStore) -> None:
    block = re.findall(r"```yaml\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)[0]
    config = parse_config(yaml.safe_load(block))
    assert set(config.agreements) == {"police_safeguarding"}
    with store.session() as session, session.begin():
        sync_agreements(session, config.agreements)
    with store.session() as session:
        [agreement] = list_agreements(session)
        assert effective_state(agreement, date(2026, 6, 1)) == "in_force"


def test_the_page_lists_every_purpose() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert all(f"`{purpose}`" in text for purpose in PURPOSES)


def test_the_catalogue_example_validates_and_overrides() -> None:
    block = re.findall(r"```yaml\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)[1]
    [entry] = build_catalogue(parse_config(yaml.safe_load(block)))
    categories = {c.field: c.category for c in entry.columns}
    assert categories == {
        "record_key": "identifiers",
        "service_type": "health",
        "property_ref": None,
    }
    assert entry.gaps == ("has no data steward",)
