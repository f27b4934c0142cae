"""A stand-in hub with the same read methods as joinedup.hub.Hub, over synthetic data.

It keeps a real operational store (SQLite in a temp dir) so users, cases and the audit
trail behave exactly as they will with the real hub; only the analytical side is fake.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from joinedup.cases.workflow import case_states
from joinedup.config import HubConfig, parse_config
from joinedup.readmodel import (
    Dashboard,
    LinkEvidence,
    MatchDetail,
    MatchSummary,
    RecordView,
    SourceSummary,
)
from joinedup.store.db import OperationalStore
from joinedup.store.runs import Run


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _summary(
    rule: str, title: str, address: str, uprn: str, score: float, value: float
) -> MatchSummary:
    return MatchSummary(
        match_key=_key(rule + uprn),
        rule=rule,
        rule_title=title,
        uprn=uprn,
        address=address,
        score=score,
        estimated_value=value,
        first_found_run="run-20250301-0900",
        case_status="open",
        case_outcome=None,
    )


def _details() -> list[MatchDetail]:
    spd = _summary(
        "spd_electoral_register",
        "Single person discount with other adults on the electoral register",
        "14 Placeholder Road, Testbury, ZZ1 1AA",
        "100000000014",
        0.97,
        412.50,
    )
    badge = _summary(
        "blue_badge_deceased",
        "Blue badge held by someone who has died",
        "3 Sample Close, Testbury, ZZ1 2BB",
        "100000000203",
        0.99,
        575.00,
    )
    creditor = _summary(
        "duplicate_creditor_payment",
        "Invoice paid twice to the same creditor",
        None,  # type: ignore[arg-type]
        "",
        0.88,
        1250.00,
    )
    creditor = replace(creditor, address=None, uprn=None)
    return [
        MatchDetail(
            summary=spd,
            description=(
                "Council tax account CT-0001 gets a single person discount, but the electoral "
                "register lists two adults at the same property."
            ),
            why=[
                "the council tax account has a single person discount (SPD)",
                "2 other adults are registered to vote at the same UPRN",
                "they have been registered for more than 6 months",
            ],
            # source, record key, person, name, born, address, postcode, UPRN, UPRN method
            records=[
                RecordView(
                    "council_tax", "CT-0001", "P-000101", "Sam Placeholder", date(1980, 5, 17),
                    "14 Placeholder Road, Testbury", "ZZ1 1AA", "100000000014", "exact",
                    {"Discount": "Single person discount", "Since": "1 April 2021"},
                ),
                RecordView(
                    "electoral_register", "ER-5521", "P-000101", "Samuel Placeholder",
                    date(1980, 5, 17), "14 Placeholder Rd", "ZZ1 1AA", "100000000014", "model",
                ),
                RecordView(
                    "electoral_register", "ER-5522", "P-000102", "Alex Fictional",
                    date(1982, 11, 2), "14 Placeholder Rd", "ZZ1 1AA", "100000000014", "model",
                ),
            ],  # fmt: skip
            links=[
                LinkEvidence(
                    left="council_tax:CT-0001",
                    right="electoral_register:ER-5521",
                    match_probability=0.993,
                    match_weight=12.4,
                    reasons=[
                        "same date of birth: +8.1",
                        "first name is a known nickname (Sam / Samuel): +2.2",
                        "same surname: +4.2",
                        "same postcode: +1.9",
                    ],
                )
            ],
            value_basis=(
                "25% single person discount on a Band C charge of £1,650.00 a year: £412.50."
            ),
        ),
        MatchDetail(
            summary=badge,
            description="Blue badge BB-77 is still valid but its holder died on 2 January 2025.",
            why=["the badge is valid until 2026", "a death registration matches the badge holder"],
            records=[
                RecordView(
                    "blue_badges", "BB-77", "P-000203", "Jo Example", date(1941, 3, 9),
                    "3 Sample Close, Testbury", "ZZ1 2BB", "100000000203", "given",
                )
            ],  # fmt: skip
            links=[],
            value_basis="The Cabinet Office's standard estimate per blue badge cancelled: £575.",
        ),
        MatchDetail(
            summary=creditor,
            description="Invoice INV-9 was paid twice to creditor CR-12, 3 days apart.",
            why=["same creditor, invoice number and amount", "paid 3 days apart"],
            records=[],
            links=[],
            value_basis="The amount of the second payment: £1,250.00.",
        ),
    ]


class FakeHub:
    """The hub's read surface over fixed synthetic data, with a real operational store."""

    def __init__(self, data_dir: Path) -> None:
        self.config: HubConfig = parse_config(
            {
                "hub": {
                    "name": "JoinedUp test hub",
                    "organisation": "Testbury District Council",
                    "data_dir": str(data_dir),
                },
                "sources": {},
            }
        )
        self.store = OperationalStore.for_data_dir(data_dir)
        self._details = {d.summary.match_key: d for d in _details()}

    def dashboard(self) -> Dashboard:
        values = [d.summary.estimated_value for d in self._details.values()]
        by_rule: dict[str, int] = {}
        for d in self._details.values():
            by_rule[d.summary.rule] = by_rule.get(d.summary.rule, 0) + 1
        return Dashboard(
            hub_name=self.config.hub.name,
            organisation=self.config.hub.organisation,
            run_id="run-20250301-0900",
            run_finished_at=datetime(2025, 3, 1, 9, 4),
            as_of=date(2025, 3, 1),
            sources=[
                SourceSummary(
                    "council_tax",
                    "Head of Revenues",
                    "Revenues system",
                    "OFFICIAL-SENSITIVE",
                    1200,
                    1195,
                    5,
                    0.982,
                    0.991,
                ),
                SourceSummary(
                    "electoral_register",
                    "Electoral Services Manager",
                    None,
                    "OFFICIAL-SENSITIVE",
                    2400,
                    2400,
                    0,
                    0.995,
                    None,
                ),
                SourceSummary(
                    "blue_badges",
                    "Head of Adult Social Care",
                    "Case system",
                    "OFFICIAL-SENSITIVE",
                    310,
                    302,
                    8,
                    0.934,
                    0.958,
                ),
            ],
            people=3120,
            properties=1480,
            matches_by_rule=by_rule,
            total_estimated_value=sum(values),
        )

    def latest_run(self) -> Run | None:
        """The newest succeeded run in the store (tests add them); None when there is none."""
        with self.store.session() as session:
            return session.scalars(
                select(Run).where(Run.status == "succeeded").order_by(Run.started_at.desc())
            ).first()

    def has_run(self) -> bool:
        return False  # no analytical store: pages over it say so

    def list_matches(self) -> list[MatchSummary]:
        """Like the real hub: case status and outcome come from the cases table."""
        summaries = [d.summary for d in self._details.values()]
        with self.store.session() as session:
            cases = case_states(session, [s.match_key for s in summaries])
            return [
                replace(
                    s,
                    case_status=cases[s.match_key].status,
                    case_outcome=cases[s.match_key].outcome,
                )
                if s.match_key in cases
                else s
                for s in summaries
            ]

    def get_match(self, match_key: str) -> MatchDetail | None:
        detail = self._details.get(match_key)
        if detail is None:
            return None
        with self.store.session() as session:
            case = case_states(session, [match_key]).get(match_key)
            if case is None:
                return detail
            return replace(
                detail,
                summary=replace(detail.summary, case_status=case.status, case_outcome=case.outcome),
            )
