"""The case queue (filters, sorting, age), assignment, opening cases after a run, and
the fraud team's case export (gated, audited, no personal data)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from joinedup.cases.export import CASE_EXPORT_COLUMNS, export_cases
from joinedup.cases.queue import QueueFilter, filter_queue, queue_rows, run_start_times
from joinedup.cases.workflow import (
    CaseError,
    assign_case,
    assignable_users,
    case_for_match,
    case_states,
    open_cases,
    update_case,
)
from joinedup.governance.audit import verify_chain
from joinedup.governance.policy import PermissionDenied
from joinedup.governance.users import create_user
from joinedup.readmodel import MatchSummary
from joinedup.store.audit import AuditEvent
from joinedup.store.cases import Case
from joinedup.store.db import OperationalStore
from joinedup.store.runs import Run

from .test_workflow import summary


@dataclass
class Person:
    username: str
    role: str


IVY = Person("ivy", "investigator")
ANNA = Person("anna", "analyst")


def three() -> list[MatchSummary]:
    spd = summary("a" * 20, 412.5)
    badge = replace(summary("b" * 20, 575.0), rule="blue_badge_deceased")
    creditor = replace(summary("c" * 20, 1250.0), rule="duplicate_creditor_payment")
    return [spd, badge, creditor]


def events(store: OperationalStore, action: str) -> list[AuditEvent]:
    with store.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        return list(session.scalars(query))


def add_users(store: OperationalStore) -> None:
    with store.session() as session, session.begin():
        for name, role in [("ivy", "investigator"), ("bob", "admin"), ("anna", "analyst")]:
            create_user(session, name, "correct horse battery staple", role)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher, profiles

    from joinedup.governance import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


def test_open_cases_opens_only_the_new_ones(store: OperationalStore) -> None:
    with store.session() as session, session.begin():
        update_case(
            session, case_for_match(session, three()[0]), status="under_review",
            outcome=None, note=None, user=IVY,
        )  # fmt: skip
        assert open_cases(session, three()) == 2
        assert open_cases(session, three()) == 0
    with store.session() as session:
        states = case_states(session, [s.match_key for s in three()])
        assert {k: c.status for k, c in states.items()} == {
            "a" * 20: "under_review",
            "b" * 20: "open",
            "c" * 20: "open",
        }


def test_queue_filters_by_rule_status_value_assignee_and_age() -> None:
    a, b, c = three()
    b = replace(b, first_found_run=None)
    cases = {
        a.match_key: Case(match_key=a.match_key, rule=a.rule, status="under_review",
                          assignee="ivy", created_at=datetime(2025, 1, 1, 9)),
        b.match_key: Case(match_key=b.match_key, rule=b.rule, status="open",
                          assignee=None, created_at=datetime(2025, 2, 20, 9)),
    }  # fmt: skip
    # c has no case: its age comes from the run that first found it (run-1)
    rows = queue_rows([a, b, c], cases, {"run-1": datetime(2025, 2, 1, 8)}, date(2025, 3, 1))
    assert [r.age_days for r in rows] == [59, 9, 28]  # a: its case is older than the run

    def keys(**kw: object) -> list[str]:
        return [r.summary.match_key[0] for r in filter_queue(rows, QueueFilter(**kw))]

    assert keys() == ["c", "b", "a"]  # highest value first
    assert keys(rule="blue_badge_deceased") == ["b"]
    assert keys(status="open") == ["c", "b"]
    assert keys(min_value=500) == ["c", "b"]
    assert keys(assignee="ivy") == ["a"]
    assert keys(unassigned=True) == ["c", "b"]
    assert keys(min_age_days=10) == ["c", "a"]
    assert keys(sort="age") == ["a", "c", "b"]  # oldest first
    assert keys(sort="newest") == ["b", "c", "a"]
    assert keys(status="open", min_value=1000, sort="age") == ["c"]


def test_unknown_age_is_never_old_enough_and_sorts_last() -> None:
    a, b, _ = three()
    a = replace(a, first_found_run=None)
    cases = {b.match_key: Case(match_key=b.match_key, rule=b.rule, status="open",
                               created_at=datetime(2025, 2, 20))}  # fmt: skip
    rows = queue_rows([a, b], cases, {}, date(2025, 3, 1))
    assert rows[0].age_days is None and rows[0].opened is None
    assert [r.summary.match_key[0] for r in filter_queue(rows, QueueFilter(sort="age"))] == [
        "b",
        "a",
    ]
    assert filter_queue(rows, QueueFilter(min_age_days=0))[0].summary.match_key[0] == "b"


def test_run_start_times_reads_the_runs_table(store: OperationalStore) -> None:
    with store.session() as session, session.begin():
        session.add(Run(id="run-1", started_at=datetime(2025, 2, 1, 8), status="succeeded"))
    with store.session() as session:
        assert run_start_times(session, three()) == {"run-1": datetime(2025, 2, 1, 8)}


def test_assign_case_checks_the_account_and_audits(store: OperationalStore) -> None:
    add_users(store)
    with store.session() as session, session.begin():
        assert [u.username for u in assignable_users(session)] == ["bob", "ivy"]
        case = case_for_match(session, three()[0])
        assign_case(session, case, assignee="bob", user=IVY)
        with pytest.raises(CaseError, match="already has that case worker"):
            assign_case(session, case, assignee="bob", user=IVY)
        for wrong in ["anna", "nobody"]:
            with pytest.raises(CaseError, match="investigator or an admin"):
                assign_case(session, case, assignee=wrong, user=IVY)
        assign_case(session, case, assignee=None, user=IVY)
        assign_case(session, case, assignee="ivy", user=IVY)
    with store.session() as session:
        assert session.scalars(select(Case)).one().assignee == "ivy"
        assert verify_chain(session) == []
    assert [e.detail for e in events(store, "case.assign")] == [
        "assignee none -> bob",
        "assignee bob -> none",
        "assignee none -> ivy",
    ]
    assert all(e.decision == "allowed" for e in events(store, "case.update"))


def test_assign_case_is_refused_for_a_role_that_cannot_change_cases(
    store: OperationalStore,
) -> None:
    add_users(store)
    with store.session() as session:
        case = case_for_match(session, three()[0])
        with pytest.raises(PermissionDenied):
            assign_case(session, case, assignee="ivy", user=ANNA)
        session.commit()
        assert session.scalars(select(Case)).all() == []  # the refusal opened no case
    [denied] = events(store, "case.update")
    assert (denied.actor, denied.decision) == ("anna", "denied")
    assert events(store, "case.assign") == []


class StubHub:
    """Just what export_cases reads from a hub."""

    def __init__(self, store: OperationalStore, matches: list[MatchSummary]) -> None:
        self.store = store
        self._matches = matches

    def has_run(self) -> bool:
        return True

    def list_matches(self) -> list[MatchSummary]:
        return self._matches


def test_export_cases_writes_ids_states_and_amounts_and_is_audited(
    store: OperationalStore, tmp_path: Path
) -> None:
    add_users(store)
    a, b, c = three()
    with store.session() as session, session.begin():
        open_cases(session, [a, b, c])
        update_case(
            session, case_for_match(session, a), status="closed", outcome="fraud",
            note="Alex Fictional lives there.", user=IVY, amount_recovered=412.5,
            amount_prevented=825,
        )  # fmt: skip
        assign_case(session, case_for_match(session, c), assignee="bob", user=IVY)
    out = tmp_path / "out" / "cases.csv"
    assert export_cases(StubHub(store, [a, b, c]), out, IVY) == 3  # type: ignore[arg-type]

    text = out.read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0]) == CASE_EXPORT_COLUMNS
    assert [r["match_id"][0] for r in rows] == ["c", "b", "a"]
    spd = rows[2]
    assert (spd["rule"], spd["status"], spd["outcome"], spd["assignee"]) == (
        "spd_electoral_register", "closed", "fraud", "ivy",
    )  # fmt: skip
    assert (spd["estimated_value"], spd["amount_recovered"], spd["amount_prevented"]) == (
        "412.50", "412.50", "825.00",
    )  # fmt: skip
    assert spd["opened"] and spd["updated"]
    assert rows[0]["assignee"] == "bob" and rows[1]["assignee"] == ""
    for personal in ["Alex", "Fictional", "Placeholder", "100000000014"]:
        assert personal not in text, "no names, addresses, UPRNs or notes in the export"

    [gate] = events(store, "case.export")[:1]
    assert (gate.actor, gate.decision, gate.resource) == ("ivy", "allowed", "cases")
    assert events(store, "case.export")[-1].detail == "3 rows"
    with store.session() as session:
        assert verify_chain(session) == []


def test_export_cases_is_refused_and_audited_for_other_roles(
    store: OperationalStore, tmp_path: Path
) -> None:
    out = tmp_path / "cases.csv"
    with pytest.raises(PermissionDenied):
        export_cases(StubHub(store, three()), out, ANNA)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):  # a purpose the export is not for
        export_cases(StubHub(store, three()), out, IVY, purpose="safeguarding")  # type: ignore[arg-type]
    assert not out.exists()
    assert [(e.actor, e.decision) for e in events(store, "case.export")] == [
        ("anna", "denied"),
        ("ivy", "denied"),
    ]


def test_export_cases_filters(store: OperationalStore, tmp_path: Path) -> None:
    out = tmp_path / "cases.csv"
    hub = StubHub(store, three())
    assert export_cases(hub, out, IVY, filters=QueueFilter(min_value=500)) == 2  # type: ignore[arg-type]
