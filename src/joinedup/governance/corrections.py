"""Corrections and erasure: putting a person's details right, or leaving them out.

Staff submit a correction of one field of a person's details (the person named by their
stable entity id). A data steward (an admin or the DPO; never the one who submitted it)
approves or rejects it. An approved correction:

- overrides the golden record on every later run (`apply_corrections`), shown with the
  provenance "correction #N approved by <steward>", because the hub's links are rebuilt
  from the sources each run and the sources may still hold the old value;
- leaves a notice for the owner of each source that holds the person's records, so the
  source itself is put right (the hub never writes back to a source system).

An erasure is recorded as a suppression of the entity: every later run drops the
person's records and everything derived from them (`apply_suppressions`), and the pages
leave the person out of the served run at once (governance/erasure.py). The sources
keep their own copies until their owners erase them; that is the honest limit of a hub.

Every step goes through the one gate and is audited with ids only: the new value of a
field is personal data and never reaches the audit trail, a log or a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from joinedup.governance.audit import record_event
from joinedup.governance.erasure import erased_rows, write_erased
from joinedup.governance.policy import Actor, PermissionDenied, authorise
from joinedup.link.golden import DEFAULT_SURVIVORSHIP
from joinedup.store.base import utcnow
from joinedup.store.corrections import Correction, CorrectionNotice, Suppression
from joinedup.store.review import ReviewLabel

__all__ = [
    "CORRECTABLE_FIELDS",
    "CorrectionError",
    "apply_corrections",
    "apply_suppressions",
    "approved_overrides",
    "request_erasure",
    "review_correction",
    "submit_correction",
    "suppressed_entities",
]

# The golden record's fields, and a free-text address line (a new address is given as
# its line, postcode and, where known, UPRN).
CORRECTABLE_FIELDS: tuple[str, ...] = (*DEFAULT_SURVIVORSHIP, "address")
_DATE_FIELDS = {"date_of_birth", "date_of_death"}
_ENTITY_ID = re.compile(r"^[A-Za-z0-9]{1,40}$")
CORRECTION_PURPOSE = "error_correction"


class CorrectionError(ValueError):
    """A correction that cannot be made as asked; phrased for the user, without values."""


@dataclass(frozen=True)
class Override:
    correction_id: int
    entity_id: str
    field: str
    value: str
    provenance: str
    approved_at: date


def _check_entity(entity_id: str) -> str:
    entity_id = entity_id.strip()
    if not _ENTITY_ID.match(entity_id):
        raise CorrectionError("give the person's entity id, as shown on their page")
    return entity_id


def _clean_value(field: str, value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise CorrectionError("give the new value")
    if len(value) > 200:
        raise CorrectionError("the new value must be 200 characters or fewer")
    if field in _DATE_FIELDS:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise CorrectionError("give the date as year-month-day, like 1980-05-17") from None
    if field == "postcode":
        compact = value.upper().replace(" ", "")
        if not re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", compact):
            raise CorrectionError("give a full UK postcode, like EX1 1AA")
        return f"{compact[:-3]} {compact[-3:]}"
    if field == "uprn" and not (value.isdigit() and len(value) <= 12):
        raise CorrectionError("a UPRN is a number of up to 12 digits")
    if field in {"first_name", "middle_names", "surname"}:
        return value.upper()  # as the hub standardises names
    return value


def _gate(session: Session, user: Actor, action: str, resource: str) -> None:
    decision = authorise(session, user, action, resource, CORRECTION_PURPOSE)
    if not decision.allowed:
        raise PermissionDenied(decision)


def submit_correction(
    session: Session, user: Actor, entity_id: str, field: str, value: str, reason: str = ""
) -> Correction:
    """Record a submitted correction (flushed, not committed)."""
    entity_id = _check_entity(entity_id)
    _gate(session, user, "correction.submit", f"person:{entity_id}")
    if field not in CORRECTABLE_FIELDS:
        raise CorrectionError("choose one of the fields the hub can correct")
    correction = Correction(
        entity_id=entity_id,
        field=field,
        value=_clean_value(field, value),
        reason=reason.strip()[:2000],
        status="submitted",
        submitted_by=user.username,
        review_note="",
    )
    session.add(correction)
    session.flush()
    record_event(
        session, user.username, "correction.submitted", f"correction:{correction.id}",
        CORRECTION_PURPOSE, "allowed", fields=(field,), detail=f"person:{entity_id}",
    )  # fmt: skip
    return correction


def review_correction(
    session: Session,
    user: Actor,
    correction_id: int,
    approve: bool,
    owners: Mapping[str, str],
    sources: Iterable[str] = (),
    note: str = "",
) -> Correction:
    """Approve or reject a submitted correction; on approval leave a notice for the owner
    of each source in `sources` (those holding the person's records), named from
    `owners` (source -> owner, from the config). Flushed, not committed."""
    resource = f"correction:{correction_id}"
    _gate(session, user, "correction.review", resource)
    correction = session.get(Correction, correction_id)
    if correction is None:
        raise CorrectionError(f"there is no correction #{correction_id}")
    if correction.status != "submitted":
        raise CorrectionError(f"correction #{correction_id} has already been {correction.status}")
    if correction.submitted_by == user.username:
        raise CorrectionError("a correction must be reviewed by someone other than its author")
    correction.status = "approved" if approve else "rejected"
    correction.reviewed_by = user.username
    correction.reviewed_at = utcnow()
    correction.review_note = note.strip()[:2000]
    if approve:
        for source in sorted(set(sources)):
            if source in owners:
                correction.notices.append(CorrectionNotice(source=source, owner=owners[source]))
    session.flush()
    told = len(correction.notices) if approve else 0
    record_event(
        session, user.username, f"correction.{correction.status}", resource,
        CORRECTION_PURPOSE, "allowed", fields=(correction.field,),
        detail=f"person:{correction.entity_id}; {told} source owners told",
    )  # fmt: skip
    return correction


def corrections_for(session: Session, entity_id: str) -> list[Correction]:
    return list(
        session.scalars(
            select(Correction).where(Correction.entity_id == entity_id).order_by(Correction.id)
        )
    )


def approved_overrides(session: Session) -> list[Override]:
    """The latest approved correction of each field of each person: what a run applies."""
    latest: dict[tuple[str, str], Override] = {}
    rows = session.scalars(
        select(Correction).where(Correction.status == "approved").order_by(Correction.id)
    )
    for c in rows:
        latest[(c.entity_id, c.field)] = Override(
            c.id,
            c.entity_id,
            c.field,
            c.value,
            c.provenance,
            (c.reviewed_at or c.submitted_at).date(),
        )
    return list(latest.values())


def apply_corrections(con: duckdb.DuckDBPyConnection, overrides: Iterable[Override]) -> int:
    """Put approved corrections over `golden_records` for people in this run; returns how
    many fields were overridden. The survivorship rule shows as "correction" and the
    source as the correction's provenance."""
    rows = [
        (o.entity_id, o.field, o.value, o.provenance, o.approved_at, o.correction_id)
        for o in overrides
    ]
    if not rows:
        return 0
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _overrides (entity_id VARCHAR, field VARCHAR, "
        "value VARCHAR, provenance VARCHAR, seen DATE, correction_id INTEGER)"
    )
    con.executemany("INSERT INTO _overrides VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        "DELETE FROM _overrides WHERE entity_id NOT IN "
        "(SELECT entity_id FROM record_entities WHERE entity_id IS NOT NULL)"
    )
    applied = int(con.execute("SELECT count(*) FROM _overrides").fetchone()[0])  # type: ignore[index]
    con.execute(
        "DELETE FROM golden_records g USING _overrides o "
        "WHERE g.entity_id = o.entity_id AND g.field = o.field"
    )
    con.execute(
        """
        INSERT INTO golden_records (entity_id, field, value, rule, source, record_id, seen,
                                    support, alternatives)
        SELECT entity_id, field, value, 'correction', provenance,
               'correction:' || correction_id, seen, 1, 1
        FROM _overrides
        """
    )
    con.execute("DROP TABLE _overrides")
    return applied


def request_erasure(session: Session, user: Actor, entity_id: str, reason: str = "") -> Suppression:
    """Record an erasure of one person (flushed, not committed). `reason` is a reference
    such as the request's number, never the person's details."""
    entity_id = _check_entity(entity_id)
    _gate(session, user, "erasure.request", f"person:{entity_id}")
    existing = session.scalar(select(Suppression).where(Suppression.entity_id == entity_id))
    if existing is not None:
        return existing
    suppression = Suppression(
        entity_id=entity_id, reason=reason.strip()[:500], requested_by=user.username
    )
    session.add(suppression)
    session.flush()
    record_event(
        session, user.username, "erasure.recorded", f"person:{entity_id}",
        CORRECTION_PURPOSE, "allowed", detail=f"suppression #{suppression.id}",
    )  # fmt: skip
    return suppression


def suppressed_entities(session: Session) -> set[str]:
    return set(session.scalars(select(Suppression.entity_id)))


def apply_suppressions(con: duckdb.DuckDBPyConnection, entity_ids: Iterable[str]) -> int:
    """Drop erased people from this run's derived tables; returns records dropped.

    The rows dropped are those `erasure.erased_rows` names, the same rows the served run
    hides from readers at once. Every table with an `entity_id` or `record_id` column
    loses the person's rows; matches lose any finding whose subject, evidence or other
    people include them; the typed source tables, the rows as read and any row the loader
    set aside under one of their record keys lose them too, so nothing rebuilt from them
    brings them back.
    """
    ids = sorted(set(entity_ids))
    if not ids:
        return 0
    dropped = write_erased(con, ids, temporary=True)
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE'"
        ).fetchall()
    ]
    for table in tables:
        columns = {
            r[0]: r[1]
            for r in con.execute(f'DESCRIBE "{table}"').fetchall()  # noqa: S608
        }
        condition = erased_rows(table, columns)
        if condition is not None and table != "records":
            con.execute(f'DELETE FROM "{table}" WHERE {condition}')  # noqa: S608
    # The records table last: the others were found through it.
    con.execute("DELETE FROM records WHERE record_id IN (SELECT record_id FROM _erased_records)")
    for table in ("_erased", "_erased_records", "_erased_rows"):
        con.execute(f"DROP TABLE {table}")
    return dropped


def forget_review_labels(
    con: duckdb.DuckDBPyConnection, session: Session, entity_ids: Iterable[str]
) -> int:
    """Delete reviewers' answers about erased people's records (flushed, not committed):
    an answer names two records, and an erasure leaves nothing that points at the person.
    Needs the run's `record_entities`, so call it before `apply_suppressions`."""
    ids = sorted(set(entity_ids))
    if not ids:
        return 0
    records = [
        r[0]
        for r in con.execute(
            "SELECT record_id FROM record_entities WHERE entity_id IN (SELECT unnest(?))", [ids]
        ).fetchall()
    ]
    if not records:
        return 0
    result = session.execute(
        delete(ReviewLabel).where(
            ReviewLabel.record_id_l.in_(records) | ReviewLabel.record_id_r.in_(records)
        )
    )
    session.flush()
    return int(result.rowcount or 0)


def apply_to_run(con: duckdb.DuckDBPyConnection, session: Session, stage: str) -> int:
    """What a run calls: stage "golden" puts approved corrections over the golden records
    (after they are built); stage "erasure" drops erased people (after the rules ran)."""
    if stage == "golden":
        return apply_corrections(con, approved_overrides(session))
    if stage == "erasure":
        erased = suppressed_entities(session)
        forget_review_labels(con, session, erased)
        return apply_suppressions(con, erased)
    raise ValueError(f"unknown stage {stage!r}")
