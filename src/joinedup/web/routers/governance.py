"""Governance pages and their API: agreements, the audit trail, the catalogue, and the
page that tells a partner's user what their agreements let them see.

Agreements and the catalogue describe data, they are not personal data: any signed-in
user may read them (a partner's user only the agreements their organisation is party
to). Changing them, and reading the audit trail (which says who looked at whom), asks
the policy gate for the "audit_oversight" purpose, so each change and each look at the
trail is itself in the trail.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from joinedup.governance.agreements import (
    EDITABLE_STATUSES,
    AgreementEditError,
    AgreementView,
    edit_agreement,
    get_agreement,
    visible_agreements,
)
from joinedup.governance.audit import verify_chain
from joinedup.governance.catalogue import (
    CATEGORIES,
    SOURCE_ATTRIBUTES,
    CatalogueEditError,
    build_catalogue,
    catalogue_edits,
    edit_catalogue,
)
from joinedup.governance.policy import AGREEMENT_ROLES, PURPOSES, Decision, PermissionDenied, can
from joinedup.governance.pseudonyms import reidentify
from joinedup.store.audit import AuditEvent
from joinedup.store.base import utcnow
from joinedup.store.users import User
from joinedup.web import pseudonymised, reads
from joinedup.web.deps import (
    AUDIT_WRITE_LOCK,
    DEFAULT_PURPOSE,
    DbDep,
    HubDep,
    UserDep,
    csrf_protect,
    gate,
)
from joinedup.web.paging import api_page, api_slice, count_and_fetch, page_number
from joinedup.web.routers.api import ERRORS, ApiError, ApiUser, Limit, Offset
from joinedup.web.routers.matches import denied_page
from joinedup.web.templating import render

router = APIRouter()
api_router = APIRouter(prefix="/api/v1", tags=["api"])

OVERSIGHT = "audit_oversight"
AUDIT_PAGE_SIZE = 100
STATE_LABELS = {
    "in_force": "In force",
    "draft": "Draft",
    "not_started": "Not started yet",
    "expired": "Expired",
    "suspended": "Suspended",
    "ended": "Ended",
    "withdrawn": "Withdrawn",
}


def _is_partner(user: User) -> bool:
    return user.role in AGREEMENT_ROLES


def _agreements(db: Session, user: User) -> list[AgreementView]:
    return visible_agreements(db, user.organisation, _is_partner(user), utcnow().date())


def chosen_purpose(db: Session, user: User, given: str) -> str:
    """The purpose a page asks the gate for: the one the user chose; otherwise, for a
    partner's user, that of their first agreement in force (or, with none in force, of
    their first agreement, so a refusal names it and says why), and for staff the
    default."""
    if given in PURPOSES:
        return given
    if given:
        return given[:100]  # unknown: the gate refuses it, and says so
    if _is_partner(user):
        mine = sorted(_agreements(db, user), key=lambda a: a.state != "in_force")
        if mine:
            return mine[0].purpose
    return DEFAULT_PURPOSE


# --- agreements ---------------------------------------------------------------------------


@router.get("/agreements")
def agreement_list(request: Request, user: UserDep, db: DbDep) -> Response:
    context = {
        "title": "Data sharing agreements",
        "agreements": _agreements(db, user),
        "states": STATE_LABELS,
    }
    return render(request, "agreements.html", context)


def _agreement_page(
    request: Request,
    db: Session,
    user: User,
    name: str,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    view = next((a for a in _agreements(db, user) if a.name == name), None)
    if view is None:
        raise HTTPException(status_code=404)
    context: dict[str, Any] = {
        "title": view.title or view.name,
        "agreement": view,
        "states": STATE_LABELS,
        "statuses": EDITABLE_STATUSES,
        "can_edit": can(user, "agreement.edit", OVERSIGHT) and view.status != "withdrawn",
        "error": error,
        "form": form
        or {"status": view.status, "review": view.review.isoformat() if view.review else ""},
    }
    return render(request, "agreement.html", context, status_code=400 if error else 200)


@router.get("/agreements/{name}")
def agreement_page(request: Request, name: str, user: UserDep, db: DbDep) -> Response:
    return _agreement_page(request, db, user, name)


@router.post("/agreements/{name}", dependencies=[Depends(csrf_protect)])
def change_agreement(
    request: Request,
    name: str,
    user: UserDep,
    db: DbDep,
    status: Annotated[str, Form(max_length=20)] = "",
    review: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Suspend, reinstate or end an agreement, or move its review date (audited)."""
    if get_agreement(db, name) is None:
        raise HTTPException(status_code=404)
    form = {"status": status, "review": review}
    try:
        review_date = date.fromisoformat(review.strip()) if review.strip() else None
    except ValueError:
        return _agreement_page(
            request, db, user, name, "Enter the review date as year-month-day, like 2027-03-31.",
            form,
        )  # fmt: skip
    decision = gate(db, user, "agreement.edit", f"agreement:{name}", OVERSIGHT)
    if not decision.allowed:
        return denied_page(request, decision)
    try:
        with AUDIT_WRITE_LOCK:
            agreement = get_agreement(db, name)
            assert agreement is not None
            changed = edit_agreement(db, user.username, agreement, status, review_date)
            db.commit()
    except AgreementEditError as problem:
        db.rollback()
        return _agreement_page(request, db, user, name, str(problem).capitalize() + ".", form)
    message = "Nothing changed." if not changed else "Changed: " + "; ".join(changed) + "."
    request.state.session.set_flash(message)
    return RedirectResponse(f"/agreements/{name}", status_code=303)


# --- what a partner may see ---------------------------------------------------------------


@router.get("/partner")
def partner_page(request: Request, user: UserDep, db: DbDep) -> Response:
    """For a partner's user: their agreements, whether each is in force, and for which
    purpose it lets them see which fields; the same rules the gate applies."""
    views = _agreements(db, user) if _is_partner(user) else []
    context = {
        "title": "What you may see",
        "partner": _is_partner(user),
        "organisation": user.organisation,
        "in_force": [v for v in views if v.state == "in_force"],
        "not_in_force": [v for v in views if v.state != "in_force"],
        "states": STATE_LABELS,
        "purposes": PURPOSES,
    }
    return render(request, "partner.html", context)


# --- the audit trail ----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    def apply(self, query: Any) -> Any:
        if self.actor:
            query = query.where(AuditEvent.actor == self.actor)
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.since:
            query = query.where(AuditEvent.at >= datetime.combine(self.since, time()))
        if self.until:
            end = datetime.combine(self.until + timedelta(days=1), time())
            query = query.where(AuditEvent.at < end)
        return query


def _audit_events(db: Session, filters: AuditFilter, limit: int, offset: int) -> tuple[int, list]:
    return count_and_fetch(
        db, filters.apply(select(AuditEvent)), (AuditEvent.seq.desc(),), limit, offset
    )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@router.get("/audit")
def audit_page(
    request: Request,
    user: UserDep,
    db: DbDep,
    actor: Annotated[str, Query(max_length=100)] = "",
    action: Annotated[str, Query(max_length=100)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    page: int = 1,
) -> Response:
    """The trail for the DPO: filter by user, action and date; the chain's state on top."""
    decision = gate(db, user, "audit.view", "audit", OVERSIGHT)
    if not decision.allowed:
        return denied_page(request, decision)
    filters = AuditFilter(actor.strip(), action.strip(), _day(since), _day(until))
    given = (("from", since), ("to", until))
    bad_dates = [label for label, text in given if text and not _day(text)]
    total, _ = _audit_events(db, filters, 1, 0)
    page, pages = page_number(page, total, AUDIT_PAGE_SIZE)
    _, events = _audit_events(db, filters, AUDIT_PAGE_SIZE, (page - 1) * AUDIT_PAGE_SIZE)
    params = {
        "actor": filters.actor,
        "action": filters.action,
        "since": filters.since.isoformat() if filters.since else "",
        "until": filters.until.isoformat() if filters.until else "",
    }
    context = {
        "title": "Audit trail",
        "events": events,
        "total": total,
        "page": page,
        "pages": pages,
        "params": params,
        "query": urlencode({k: v for k, v in params.items() if v}),
        "actions": list(
            db.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
        ),
        "problems": verify_chain(db),
        "error": (
            f"Enter the date {' and '.join(bad_dates)} as year-month-day, like 2026-11-25."
            if bad_dates
            else None
        ),
    }
    return render(request, "audit.html", context, status_code=400 if bad_dates else 200)


# --- the catalogue ------------------------------------------------------------------------


def _catalogue_page(
    request: Request, hub: HubDep, db: Session, user: User, error: str | None = None
) -> Response:
    context = {
        "title": "Catalogue",
        "entries": build_catalogue(hub.config, catalogue_edits(db)),
        "can_edit": can(user, "catalogue.edit", OVERSIGHT),
        "attributes": SOURCE_ATTRIBUTES,
        "categories": CATEGORIES,
        "error": error,
    }
    return render(request, "catalogue.html", context, status_code=400 if error else 200)


@router.get("/catalogue")
def catalogue_page(request: Request, hub: HubDep, user: UserDep, db: DbDep) -> Response:
    if _is_partner(user):
        reason = "the catalogue is the council's own description of its data"
        return denied_page(request, Decision(False, (), reason))
    return _catalogue_page(request, hub, db, user)


@router.post("/catalogue/{source}", dependencies=[Depends(csrf_protect)])
async def change_catalogue(
    request: Request, source: str, hub: HubDep, user: UserDep, db: DbDep
) -> Response:
    """Edit a source's entry: its attributes, and each column's personal data category.
    Fields left as they were are not touched; an emptied field returns to the YAML."""
    cfg = hub.config.sources.get(source)
    if cfg is None:
        raise HTTPException(status_code=404)
    form = await request.form()
    decision = gate(db, user, "catalogue.edit", f"catalogue:{source}", OVERSIGHT)
    if not decision.allowed:
        return denied_page(request, decision)
    entry = next(e for e in build_catalogue(hub.config, catalogue_edits(db)) if e.source == source)
    current = {a: getattr(entry, a) or "" for a in SOURCE_ATTRIBUTES}
    wanted: list[tuple[str, str, str]] = []
    for attribute in SOURCE_ATTRIBUTES:
        value = form.get(attribute)
        if isinstance(value, str) and " ".join(value.split()) != current[attribute]:
            wanted.append(("", attribute, value))
    for index, column in enumerate(entry.columns):
        value = form.get(f"category-{index}")
        if isinstance(value, str) and value != (column.category or "none"):
            wanted.append((column.column, "personal_data", value))
    try:
        with AUDIT_WRITE_LOCK:
            for column_name, attribute, value in wanted:
                edit_catalogue(db, hub.config, user.username, source, column_name, attribute, value)
            db.commit()
    except CatalogueEditError as problem:
        db.rollback()
        return _catalogue_page(request, hub, db, user, str(problem).capitalize() + ".")
    request.state.session.set_flash(
        f"The catalogue entry for {source} has been saved." if wanted else "Nothing changed."
    )
    return RedirectResponse(f"/catalogue#source-{source}", status_code=303)


# --- the API ------------------------------------------------------------------------------


def _agreement_out(view: AgreementView) -> dict[str, Any]:
    out = asdict(view)
    out["parties"] = [
        {"organisation": o, "lawful_basis": b, "special_category_condition": c}
        for o, b, c in view.parties
    ]
    out["shares"] = [{"source": s, "fields": list(f)} for s, f in view.shares]
    return out


@api_router.get("/agreements", responses=ERRORS)
def api_agreements(db: DbDep, user: ApiUser, limit: Limit = 100, offset: Offset = 0) -> dict:
    """Data sharing agreements (a partner's token: only their organisation's), with their
    state today: only "in_force" lets anyone see anything."""
    return api_slice(_agreements(db, user), limit, offset, _agreement_out)


@api_router.get("/audit", responses=ERRORS)
def api_audit(
    db: DbDep,
    user: ApiUser,
    purpose: Annotated[str, Query(max_length=100, description="audit_oversight")] = OVERSIGHT,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    since: date | None = None,
    until: date | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict:
    """Audit events, newest first, with whether the hash chain is intact (DPO and admin)."""
    decision = gate(db, user, "audit.view", "audit", purpose)
    if not decision.allowed:
        raise ApiError(403, "forbidden", decision.reason)
    filters = AuditFilter(actor or "", action or "", since, until)
    total, events = _audit_events(db, filters, limit, offset)
    problems = verify_chain(db)
    items = [
        {
            "seq": e.seq,
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "resource": e.resource,
            "purpose": e.purpose,
            "decision": e.decision,
            "fields": [f for f in e.fields.split(",") if f],
            "detail": e.detail,
            "hash": e.hash,
        }
        for e in events
    ]
    return {
        **api_page(items, total, limit, offset),
        "chain_intact": not problems,
        "chain_problems": problems,
    }


# --- re-identification --------------------------------------------------------------------

# What a pseudonym on a page or in an export can stand for, and where its value lives.
REIDENTIFY_KINDS: dict[str, tuple[str, str, str]] = {
    "record_id": ("records", "record_id", "A record (record key)"),
    "uprn": ("gazetteer", "uprn", "A property (UPRN)"),
    "postcode": ("records", "postcode", "A postcode"),
}


def _reidentify_page(
    request: Request,
    db: Session,
    user: User,
    form: dict[str, str],
    found: list[str] | None = None,
    error: str | None = None,
) -> Response:
    context = {
        "title": "Work back from a pseudonym",
        "kinds": {k: label for k, (_t, _c, label) in REIDENTIFY_KINDS.items()},
        "purposes": PURPOSES,
        "form": form,
        "found": found,
        "error": error,
    }
    return render(request, "reidentify.html", context, status_code=400 if error else 200)


@router.get("/pseudonyms")
def reidentify_form(request: Request, user: UserDep, db: DbDep) -> Response:
    form = {"pseudonym": "", "kind": "record_id", "purpose": DEFAULT_PURPOSE}
    return _reidentify_page(request, db, user, form)


@router.post("/pseudonyms", dependencies=[Depends(csrf_protect)])
def reidentify_pseudonym(
    request: Request,
    hub: HubDep,
    user: UserDep,
    db: DbDep,
    pseudonym: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    purpose: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """The value behind one pseudonym, for the roles the gate allows (audited either way);
    the pseudonym travels in the form body, never the URL."""
    form = {"pseudonym": pseudonym.strip(), "kind": kind, "purpose": purpose}
    if kind not in REIDENTIFY_KINDS or not re.fullmatch(r"p_[0-9a-f]{24}", form["pseudonym"]):
        error = "Enter a pseudonym like p_3f9c0a51d2e47b86a1c0d9e2 and choose what it stands for."
        return _reidentify_page(request, db, user, form, error=error)
    key = pseudonymised.key_for(hub)
    if key is None or not hub.has_run():
        error = "The hub has no pseudonym key set up, or no run yet: nothing to work back from."
        return _reidentify_page(request, db, user, form, error=error)
    table, column, _label = REIDENTIFY_KINDS[kind]
    db.commit()  # end the read transaction: the gate writes (see deps.gate)
    con = reads.served_cursor(hub)
    try:
        with AUDIT_WRITE_LOCK:
            try:
                found = reidentify(
                    db, user, purpose, con, table, column, kind, [form["pseudonym"]], key
                )
            finally:
                db.commit()  # keep the answer, allowed or denied, on the trail
    except PermissionDenied as denied:
        return denied_page(request, denied.decision)
    finally:
        con.close()
    return _reidentify_page(request, db, user, form, found=found.get(form["pseudonym"], []))
