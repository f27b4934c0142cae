"""Corrections and erasure: staff propose a change of a person's details; a data steward
(admin or DPO) approves or rejects it, and records erasures.

Every step asks the one gate (governance/corrections.py does). URLs carry only the
opaque entity id and the correction's number; the new value travels in the form body
and is shown only on the steward's review page, which the gate guards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from joinedup.governance.corrections import (
    CORRECTABLE_FIELDS,
    CORRECTION_PURPOSE,
    CorrectionError,
    request_erasure,
    review_correction,
    submit_correction,
)
from joinedup.governance.policy import PermissionDenied, can
from joinedup.store.corrections import Correction, Suppression
from joinedup.store.users import User
from joinedup.web import reads
from joinedup.web.deps import AUDIT_WRITE_LOCK, DbDep, HubDep, HubLike, UserDep, csrf_protect, gate
from joinedup.web.routers.matches import denied_page
from joinedup.web.templating import render

router = APIRouter()

REVIEW_LIMIT = 100
T = TypeVar("T")


def _valid_entity(entity_id: str) -> None:
    if not entity_id.isalnum() or len(entity_id) > 40:
        raise HTTPException(status_code=404)


def _form_page(
    request: Request,
    entity_id: str,
    form: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    context: dict[str, Any] = {
        "title": "Correct a person's details",
        "entity_id": entity_id,
        "fields": CORRECTABLE_FIELDS,
        "form": form or {"field": "", "value": "", "reason": ""},
        "error": error,
    }
    return render(request, "correction_form.html", context, status_code=400 if error else 200)


@router.get("/people/{entity_id}/corrections/new")
def correction_form(request: Request, entity_id: str, user: UserDep) -> Response:
    _valid_entity(entity_id)
    return _form_page(request, entity_id)


@router.post("/people/{entity_id}/corrections", dependencies=[Depends(csrf_protect)])
def submit(
    request: Request,
    entity_id: str,
    user: UserDep,
    db: DbDep,
    field: Annotated[str, Form(max_length=50)] = "",
    value: Annotated[str, Form(max_length=400)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _valid_entity(entity_id)
    form = {"field": field, "value": value, "reason": reason}
    correction = _guarded_step(
        request, db,
        lambda: submit_correction(db, user, entity_id, field, value, reason),
        lambda problem: _form_page(request, entity_id, form, problem),
    )  # fmt: skip
    if isinstance(correction, Response):
        return correction
    request.state.session.set_flash(
        f"Correction #{correction.id} has been sent to a data steward for review."
    )
    return RedirectResponse(f"/people/{entity_id}", status_code=303)


def _review_page(request: Request, db: Session, user: User, error: str | None = None) -> Response:
    decision = gate(db, user, "correction.review", "corrections", CORRECTION_PURPOSE)
    if not decision.allowed:
        return denied_page(request, decision)
    waiting = list(
        db.scalars(
            select(Correction).where(Correction.status == "submitted").order_by(Correction.id)
        )
    )
    reviewed = list(
        db.scalars(
            select(Correction)
            .where(Correction.status != "submitted")
            .order_by(Correction.id.desc())
            .limit(REVIEW_LIMIT)
        )
    )
    erasures = list(db.scalars(select(Suppression).order_by(Suppression.id.desc())))
    context: dict[str, Any] = {
        "title": "Corrections",
        "waiting": waiting,
        "reviewed": reviewed,
        "erasures": erasures,
        "error": error,
        "can_erase": can(user, "erasure.request", CORRECTION_PURPOSE),
    }
    return render(request, "corrections.html", context, status_code=400 if error else 200)


@router.get("/corrections")
def review_list(request: Request, user: UserDep, db: DbDep) -> Response:
    return _review_page(request, db, user)


def _guarded_step(
    request: Request, db: Session, step: Callable[[], T], on_problem: Callable[[str], Response]
) -> T | Response:
    """Run one step of the correction workflow (which asks the gate) under the audit write
    lock. A refusal is kept on record and shown as the refusal page; a step the workflow
    rejects is undone and `on_problem` shows the form again with the reason."""
    db.commit()  # end the read transaction: the gate writes (see deps.gate)
    try:
        with AUDIT_WRITE_LOCK:
            done = step()
            db.commit()
    except PermissionDenied as denied:
        db.commit()  # keep the refusal on record
        return denied_page(request, denied.decision)
    except CorrectionError as problem:
        db.rollback()
        return on_problem(str(problem))
    return done


def _entity_sources(hub: HubLike, entity_id: str) -> list[str]:
    """The sources holding the person's records in the served run: their owners are told."""
    if not hub.has_run():
        return []
    con = reads.served_cursor(hub)
    try:
        rows = con.execute(
            "SELECT DISTINCT r.source FROM records r JOIN record_entities e USING (record_id) "
            "WHERE e.entity_id = ? ORDER BY 1",
            [entity_id],
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


@router.post("/corrections/{correction_id}", dependencies=[Depends(csrf_protect)])
def review(
    request: Request,
    correction_id: int,
    hub: HubDep,
    user: UserDep,
    db: DbDep,
    decision: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if decision not in {"approve", "reject"}:
        return _review_page(request, db, user, "Choose approve or reject.")
    correction = db.get(Correction, correction_id)
    if correction is None:
        raise HTTPException(status_code=404)
    sources = _entity_sources(hub, correction.entity_id)
    owners = {name: s.owner for name, s in hub.config.sources.items()}
    approve = decision == "approve"
    done = _guarded_step(
        request, db,
        lambda: review_correction(db, user, correction_id, approve, owners, sources, note),
        lambda problem: _review_page(request, db, user, problem),
    )  # fmt: skip
    if isinstance(done, Response):
        return done
    told = ", ".join(n.owner for n in done.notices)
    message = f"Correction #{done.id} has been {done.status}."
    if done.status == "approved":
        message += " It will reach the golden record on the next run."
        if told:
            message += f" Source owners told: {told}."
    request.state.session.set_flash(message)
    return RedirectResponse("/corrections", status_code=303)


@router.post("/erasures", dependencies=[Depends(csrf_protect)])
def erase(
    request: Request,
    user: UserDep,
    db: DbDep,
    entity_id: Annotated[str, Form(max_length=40)] = "",
    reference: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    suppression = _guarded_step(
        request, db,
        lambda: request_erasure(db, user, entity_id, reference),
        lambda problem: _review_page(request, db, user, problem),
    )  # fmt: skip
    if isinstance(suppression, Response):
        return suppression
    request.state.session.set_flash(
        f"Erasure #{suppression.id} is recorded: the person is left out of every page now "
        "and of every run from the next one."
    )
    return RedirectResponse("/corrections", status_code=303)
