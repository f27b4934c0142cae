"""The demo council with a data sharing agreement and a user of every role, served by the
real web app: what the route-level matrix, the erasure and the governance page tests
use. Values of one known synthetic person are "planted" so responses can be searched
for them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.governance import users as user_accounts
from joinedup.governance.users import create_user
from joinedup.hub import Hub
from joinedup.store.agreements import Agreement
from joinedup.store.users import User
from joinedup.web import create_app

PASSWORD = "a long enough test password"
PARTNER_ORG = "demo_police"
AGREEMENT = "police_safeguarding"
SHARED_SOURCE = "council_tax"
SHARED_FIELDS = ("full_name", "date_of_birth")
# Every role, by the username that holds it; two partners: one whose organisation the
# agreement names, one whose organisation no agreement names.
ACCOUNTS: dict[str, tuple[str, str | None]] = {
    "admin": ("admin", None),
    "data_owner": ("data_owner", None),
    "analyst": ("analyst", None),
    "investigator": ("investigator", None),
    "dpo": ("dpo", None),
    "partner": ("partner_user", PARTNER_ORG),
    "partner_other": ("partner_user", "demo_fire"),
}

# Agreement states as (status, start, end) in the store; today lies in 2026-2027.
AGREEMENT_STATES: dict[str, tuple[str, date, date | None]] = {
    "in_force": ("active", date(2020, 1, 1), None),
    "draft": ("draft", date(2020, 1, 1), None),
    "suspended": ("suspended", date(2020, 1, 1), None),
    "ended": ("ended", date(2020, 1, 1), None),
    "withdrawn": ("withdrawn", date(2020, 1, 1), None),
    "expired": ("active", date(2020, 1, 1), date(2021, 1, 1)),
    "not_started": ("active", date(2099, 1, 1), None),
}


@contextmanager
def cheap_hashing() -> Iterator[None]:
    """These tests are about routes; tests/governance/test_users.py checks real argon2."""
    real = user_accounts._hasher  # noqa: SLF001
    user_accounts._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)  # noqa: SLF001
    try:
        yield
    finally:
        user_accounts._hasher = real  # noqa: SLF001


def add_agreement(config_path: Path) -> None:
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    data["agreements"] = {
        AGREEMENT: {
            "title": "Police safeguarding",
            "purpose": "safeguarding",
            "status": "active",
            "start": "2020-01-01",
            "review": "2030-01-01",
            "parties": [
                {"organisation": "demo_council", "lawful_basis": "UK GDPR Art 6(1)(e)"},
                {
                    "organisation": PARTNER_ORG,
                    "lawful_basis": "UK GDPR Art 6(1)(e)",
                    "special_category_condition": "Art 9(2)(g); DPA 2018 Sch 1 para 18",
                },
            ],
            "shares": [{"source": SHARED_SOURCE, "fields": list(SHARED_FIELDS)}],
        }
    }
    config_path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def set_agreement_state(hub: Hub, state: str) -> None:
    status, start, end = AGREEMENT_STATES[state]
    with hub.store.session() as db, db.begin():
        agreement = db.scalars(select(Agreement).where(Agreement.name == AGREEMENT)).one()
        agreement.status, agreement.start_date, agreement.end_date = status, start, end


@dataclass
class Planted:
    """One synthetic person's values, by (source, field), as pages may show them."""

    entity_id: str
    match_key: str
    uprn: str
    values: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def shared(self) -> set[str]:
        return {
            v for (source, f), vs in self.values.items() for v in vs
            if source == SHARED_SOURCE and f in {"name", "date_of_birth"}
        }  # fmt: skip

    def every(self) -> set[str]:
        return {v for vs in self.values.values() for v in vs}

    def unshared_only(self) -> set[str]:
        return self.every() - self.shared()

    def found_in(self, text: str, values: set[str]) -> set[str]:
        low = text.lower()
        return {v for v in values if re.search(rf"(?<![\w-]){re.escape(v.lower())}(?![\w-])", low)}


def csrf_from(html: str) -> str:
    """The CSRF token of a form in the page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def _date_forms(value: date) -> set[str]:
    return {value.isoformat(), value.strftime("%-d %B %Y")}


def plant(hub: Hub) -> Planted:
    """The subject of the most valuable match who also has a council tax record and
    records in other sources: their distinctive values, by source and field."""
    con = hub.connect()
    try:
        entity_id, match_key, uprn = con.execute(
            """
            SELECT e.entity_id, m.match_key, m.uprn FROM matches m
            JOIN record_entities e ON e.record_id = m.subject_record_id
            WHERE m.uprn IS NOT NULL AND e.entity_id IN (
                SELECT e.entity_id FROM record_entities e JOIN records r USING (record_id)
                GROUP BY e.entity_id
                HAVING count(DISTINCT r.source) >= 3
                   AND bool_or(r.source = 'council_tax' AND r.surname IS NOT NULL
                               AND r.date_of_birth IS NOT NULL))
            ORDER BY m.estimated_value DESC, m.match_key LIMIT 1
            """
        ).fetchone()  # type: ignore[misc]
        rows = con.execute(
            """
            SELECT r.source, r.first_name, r.surname, r.date_of_birth, r.postcode, r.email,
                   r.phone, r.nhs_number, r.ni_number
            FROM records r JOIN record_entities e USING (record_id) WHERE e.entity_id = ?
            """,
            [entity_id],
        ).fetchall()
    finally:
        con.close()
    planted = Planted(entity_id, match_key, uprn)
    for source, first, surname, dob, postcode, email, phone, nhs, ni in rows:
        found = planted.values
        for name in (first, surname):
            if isinstance(name, str) and len(name) >= 4:
                found.setdefault((source, "name"), set()).add(name)
        if isinstance(dob, date):
            found.setdefault((source, "date_of_birth"), set()).update(_date_forms(dob))
        for label, value in (
            ("postcode", postcode), ("email", email), ("phone", phone),
            ("nhs_number", nhs), ("ni_number", ni),
        ):  # fmt: skip
            if isinstance(value, str) and len(value) >= 6:
                found.setdefault((source, label), set()).add(value)
    return planted


@dataclass
class Governed:
    hub: Hub
    app: object
    planted: Planted
    users: dict[str, int]  # account name -> user id

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="https://testserver", follow_redirects=False)  # type: ignore[arg-type]

    def signed_in(self, account: str) -> TestClient:
        client = self.client()
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"username": account, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        )
        assert response.status_code == 303, response.text
        return client

    def token(self, account: str) -> str:
        with self.hub.store.session() as db:
            user = db.get(User, self.users[account])
            assert user is not None
            return self.app.state.tokens.issue(user)  # type: ignore[attr-defined]


def governed_hub(source_folder: Path, target: Path) -> Governed:
    """A private copy of the demo council, with the agreement and every role's account."""
    shutil.copytree(source_folder, target)
    config = target / "joinedup.yaml"
    add_agreement(config)
    hub = Hub.open(config)
    ids: dict[str, int] = {}
    with cheap_hashing(), hub.store.session() as db, db.begin():
        for account, (role, organisation) in ACCOUNTS.items():
            user = create_user(
                db, account, PASSWORD, role, display_name=account.title(),
                organisation=organisation,
            )  # fmt: skip
            db.flush()
            ids[account] = user.id
    return Governed(hub, create_app(hub), plant(hub), ids)
