"""Data sharing agreements: copying them from joinedup.yaml into the store, and the
questions the policy gate asks of them.

joinedup.yaml is the source of truth for what an agreement says (reviewed like code).
Each time a hub opens, the declared agreements are written to the store; a change is
audited, so the trail shows from when an agreement allowed what. An agreement taken out
of the YAML is marked "withdrawn" rather than deleted, so the audit trail's references
to it still resolve.

Two things must be changeable at once, without waiting for a change to the YAML: the
status (to suspend an agreement the day a breach is found) and the next review date. An
admin or the DPO changes them in the web UI (`edit_agreement`, through the gate and
audited); the store remembers what the YAML last said of each, and a later sync
overwrites a web change only if the YAML's own value has changed since. So the latest
change wins, wherever it was made, and the YAML is never silently ignored.

An agreement lets its parties see data only while it is in force: status "active", the
start date reached and the end date not passed. Anything else means no access.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from joinedup.config import AgreementConfig, ConfigError
from joinedup.governance.audit import record_event
from joinedup.governance.purposes import PURPOSES
from joinedup.store.agreements import (
    AGREEMENT_STATUSES,
    Agreement,
    AgreementParty,
    AgreementShare,
)
from joinedup.store.db import OperationalStore

EffectiveState = Literal[
    "in_force", "draft", "not_started", "expired", "suspended", "ended", "withdrawn"
]


def effective_state(agreement: Agreement, today: date) -> EffectiveState:
    """What an agreement means today: only "in_force" lets anyone see anything."""
    if agreement.status != "active":
        return agreement.status  # type: ignore[return-value]
    if today < agreement.start_date:
        return "not_started"
    if agreement.end_date is not None and today > agreement.end_date:
        return "expired"
    return "in_force"


def review_overdue(agreement: Agreement, today: date) -> bool:
    return agreement.review_date is not None and agreement.review_date < today


@dataclass(frozen=True)
class SyncSummary:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    withdrawn: tuple[str, ...]

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.changed or self.withdrawn)


def _snapshot(agreement: Agreement) -> tuple[object, ...]:
    """Everything that matters about an agreement, to tell whether the YAML changed it."""
    return (
        agreement.title,
        agreement.purpose,
        agreement.declared_status or agreement.status,
        agreement.start_date,
        agreement.end_date,
        agreement.declared_review_date if agreement.declared_status else agreement.review_date,
        tuple(
            sorted(
                (p.organisation, p.lawful_basis, p.special_category_condition or "")
                for p in agreement.parties
            )
        ),  # fmt: skip
        tuple(sorted((s.source, s.field) for s in agreement.shares)),
    )


def _declared_snapshot(declared: AgreementConfig) -> tuple[object, ...]:
    return (
        declared.title,
        declared.purpose,
        declared.status,
        declared.start,
        declared.end,
        declared.review,
        tuple(
            sorted(
                (p.organisation, p.lawful_basis, p.special_category_condition or "")
                for p in declared.parties
            )
        ),  # fmt: skip
        tuple(sorted({(s.source, f) for s in declared.shares for f in s.fields})),
    )


def _apply(agreement: Agreement, declared: AgreementConfig) -> None:
    agreement.title = declared.title
    agreement.purpose = declared.purpose
    # Status and review date may have been changed in the web UI since the YAML last
    # said something of them: the YAML wins only when its own value changed.
    if agreement.declared_status is None or agreement.declared_status != declared.status:
        agreement.status = declared.status
    if agreement.declared_status is None or agreement.declared_review_date != declared.review:
        agreement.review_date = declared.review
    agreement.declared_status = declared.status
    agreement.declared_review_date = declared.review
    agreement.start_date = declared.start
    agreement.end_date = declared.end
    agreement.parties = [
        AgreementParty(
            organisation=p.organisation,
            lawful_basis=p.lawful_basis,
            special_category_condition=p.special_category_condition,
        )
        for p in declared.parties
    ]
    agreement.shares = [
        AgreementShare(source=share.source, field=field)
        for share in declared.shares
        for field in dict.fromkeys(share.fields)
    ]


def sync_agreements(
    session: Session, declared: Mapping[str, AgreementConfig], actor: str = "system"
) -> SyncSummary:
    """Make the store's agreements match the YAML (flushed; the caller commits)."""
    for name, config in declared.items():
        if config.purpose not in PURPOSES:
            raise ConfigError(
                f"agreement {name!r}: purpose {config.purpose!r} is not one the hub knows; "
                f"purposes are {', '.join(PURPOSES)}"
            )
    stored = {
        a.name: a
        for a in session.scalars(
            select(Agreement).options(
                selectinload(Agreement.parties), selectinload(Agreement.shares)
            )
        )
    }
    added: list[str] = []
    changed: list[str] = []
    withdrawn: list[str] = []
    for name, config in declared.items():
        agreement = stored.get(name)
        if agreement is None:
            agreement = Agreement(name=name)
            _apply(agreement, config)
            session.add(agreement)
            added.append(name)
            continue
        # Replace children only when something differs, so an unchanged YAML writes nothing.
        if _snapshot(agreement) != _declared_snapshot(config):
            # Remove the old parties and shares first: their unique keys would clash.
            agreement.parties.clear()
            agreement.shares.clear()
            session.flush()
            _apply(agreement, config)
            changed.append(name)
    for name, agreement in stored.items():
        if name not in declared and agreement.status != "withdrawn":
            agreement.status = "withdrawn"
            withdrawn.append(name)
    session.flush()
    for verb, names in (("add", added), ("change", changed), ("withdraw", withdrawn)):
        for name in names:
            status = declared[name].status if name in declared else "withdrawn"
            record_event(
                session,
                actor,
                f"agreement.{verb}",
                f"agreement:{name}",
                "administration",
                "allowed",
                detail=f"status {status}",
            )
    return SyncSummary(tuple(added), tuple(changed), tuple(withdrawn))


def sync_store(store: OperationalStore, declared: Mapping[str, AgreementConfig]) -> SyncSummary:
    """sync_agreements in its own transaction: what a hub does when it opens."""
    with store.session() as session, session.begin():
        return sync_agreements(session, declared)


def list_agreements(session: Session) -> list[Agreement]:
    return list(
        session.scalars(
            select(Agreement)
            .options(selectinload(Agreement.parties), selectinload(Agreement.shares))
            .order_by(Agreement.name)
        )
    )


@dataclass(frozen=True)
class Coverage:
    """What the agreements naming one organisation allow it, for one purpose, today."""

    in_force: tuple[str, ...]  # names of the agreements in force
    shared: frozenset[tuple[str, str]]  # (source, field) pairs they share
    not_in_force: tuple[tuple[str, EffectiveState], ...]  # the others, and why


def coverage(session: Session, organisation: str, purpose: str, today: date) -> Coverage:
    """The agreements that make `organisation` a party for `purpose`, split by state."""
    agreements = session.scalars(
        select(Agreement)
        .join(AgreementParty)
        .where(AgreementParty.organisation == organisation, Agreement.purpose == purpose)
        .options(selectinload(Agreement.shares))
        .order_by(Agreement.name)
    ).unique()
    in_force: list[str] = []
    shared: set[tuple[str, str]] = set()
    others: list[tuple[str, EffectiveState]] = []
    for agreement in agreements:
        state = effective_state(agreement, today)
        if state == "in_force":
            in_force.append(agreement.name)
            shared.update((s.source, s.field) for s in agreement.shares)
        else:
            others.append((agreement.name, state))
    return Coverage(tuple(in_force), frozenset(shared), tuple(others))


def agreement_purposes(session: Session) -> Sequence[str]:
    return list(session.scalars(select(Agreement.purpose).distinct()))


# Statuses a person may set in the web UI; "withdrawn" belongs to the YAML (taken out).
EDITABLE_STATUSES: tuple[str, ...] = tuple(s for s in AGREEMENT_STATUSES if s != "withdrawn")


class AgreementEditError(ValueError):
    """An edit that cannot be made as asked; phrased for the user."""


def get_agreement(session: Session, name: str) -> Agreement | None:
    return session.scalars(
        select(Agreement)
        .where(Agreement.name == name)
        .options(selectinload(Agreement.parties), selectinload(Agreement.shares))
    ).first()


def edit_agreement(
    session: Session,
    actor: str,
    agreement: Agreement,
    status: str,
    review_date: date | None,
) -> list[str]:
    """Change an agreement's status and review date (flushed, not committed); returns
    what changed, in words. The caller has asked the gate ("agreement.edit")."""
    if status not in EDITABLE_STATUSES:
        raise AgreementEditError("choose one of the statuses: " + ", ".join(EDITABLE_STATUSES))
    if agreement.status == "withdrawn":
        raise AgreementEditError(
            "this agreement was taken out of joinedup.yaml; put it back there to change it"
        )
    if agreement.declared_status is None:  # synced before the YAML's values were kept
        agreement.declared_status = agreement.status
        agreement.declared_review_date = agreement.review_date
    changed: list[str] = []
    if status != agreement.status:
        changed.append(f"status {agreement.status} to {status}")
        agreement.status = status
    if review_date != agreement.review_date:
        before = agreement.review_date.isoformat() if agreement.review_date else "none"
        after = review_date.isoformat() if review_date else "none"
        changed.append(f"review date {before} to {after}")
        agreement.review_date = review_date
    session.flush()
    if changed:
        record_event(
            session, actor, "agreement.edited", f"agreement:{agreement.name}",
            "audit_oversight", "allowed", detail="; ".join(changed),
        )  # fmt: skip
    return changed


@dataclass(frozen=True)
class AgreementView:
    """An agreement as pages and the API show it: plain values, judged against today."""

    name: str
    title: str
    purpose: str
    purpose_label: str
    status: str
    state: EffectiveState
    start: date
    end: date | None
    review: date | None
    review_overdue: bool
    parties: tuple[tuple[str, str, str | None], ...]  # organisation, Art 6 basis, Art 9
    shares: tuple[tuple[str, tuple[str, ...]], ...]  # source, its fields

    @property
    def organisations(self) -> tuple[str, ...]:
        return tuple(p[0] for p in self.parties)


def agreement_view(agreement: Agreement, today: date) -> AgreementView:
    by_source: dict[str, list[str]] = {}
    for share in agreement.shares:
        by_source.setdefault(share.source, []).append(share.field)
    return AgreementView(
        name=agreement.name,
        title=agreement.title,
        purpose=agreement.purpose,
        purpose_label=PURPOSES.get(agreement.purpose, agreement.purpose),
        status=agreement.status,
        state=effective_state(agreement, today),
        start=agreement.start_date,
        end=agreement.end_date,
        review=agreement.review_date,
        review_overdue=review_overdue(agreement, today),
        parties=tuple(
            (p.organisation, p.lawful_basis, p.special_category_condition)
            for p in agreement.parties
        ),
        shares=tuple((source, tuple(fields)) for source, fields in by_source.items()),
    )


def visible_agreements(
    session: Session, organisation: str | None, partner: bool, today: date
) -> list[AgreementView]:
    """Every agreement for the council's staff; a partner's user sees only those that
    name their organisation as a party (and none if their account names none)."""
    views = [agreement_view(a, today) for a in list_agreements(session)]
    if not partner:
        return views
    return [v for v in views if organisation and organisation in v.organisations]
