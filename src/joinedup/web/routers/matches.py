"""Matches and their cases: the pages that show personal data, so every one of them
asks the policy gate first and a refusal becomes a 403 page (with the refusal audited).

URLs carry only the opaque match key and filter words, never a name or an address.
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from joinedup.cases.queue import SORTS, QueueFilter, filter_queue, queue_rows, run_start_times
from joinedup.cases.workflow import (
    CaseError,
    assign_case,
    assignable_users,
    case_for_match,
    case_states,
    update_case,
)
from joinedup.governance.policy import Decision, PermissionDenied, can
from joinedup.store.cases import CASE_OUTCOMES, CASE_STATUSES
from joinedup.store.users import User
from joinedup.web import pseudonymised
from joinedup.web.deps import (
    DEFAULT_PURPOSE,
    DbDep,
    HubDep,
    HubLike,
    UserDep,
    csrf_protect,
)
from joinedup.web.paging import page_number
from joinedup.web.templating import render

router = APIRouter()

PAGE_SIZE = 50
# Field names the gate is asked about; templates show a column only if it was released.
MATCH_LIST_FIELDS = ("address", "uprn")
MATCH_FIELDS = ("name", "date_of_birth", "address", "postcode", "uprn", "details", "link_reasons")


def denied_page(request: Request, decision: Decision) -> Response:
    context = {"title": "You do not have access to this page", "reason": decision.reason}
    return render(request, "forbidden.html", context, status_code=403)


def _whole_number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 7 else None


def _pounds(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "").removeprefix("£"))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


@router.get("/matches")
def match_list(
    request: Request,
    hub: HubDep,
    user: UserDep,
    db: DbDep,
    status: str = "",
    rule: str = "",
    assignee: str = "",
    min_value: str = "",
    age: str = "",
    sort: str = "value",
    page: int = 1,
) -> Response:
    """The case queue. Filter values in the URL are words, amounts and user ids only:
    the assignee is named by account id (or "me" / "none"), never by a username."""
    decision, key = pseudonymised.ask(
        db, user, hub, "match.list", "matches", DEFAULT_PURPOSE, MATCH_LIST_FIELDS
    )
    if not decision.allowed:
        return denied_page(request, decision)
    matches = hub.list_matches()
    if key is not None:  # an analyst: pseudonyms instead of addresses and UPRNs
        matches = [pseudonymised.summary(m, key) for m in matches]
    rules = sorted({(m.rule, m.rule_title) for m in matches}, key=lambda r: r[1])
    workers = assignable_users(db)
    by_id = {str(w.id): w.username for w in workers}
    status = status if status in CASE_STATUSES else ""
    rule = rule if rule in {r for r, _ in rules} else ""
    assignee = assignee if assignee in ("me", "none") or assignee in by_id else ""
    value_floor = _pounds(min_value) if min_value.strip() else None
    min_age = _whole_number(age)
    sort = sort if sort in SORTS else "value"
    filters = QueueFilter(
        rule=rule,
        status=status,
        min_value=value_floor,
        assignee=user.username if assignee == "me" else by_id.get(assignee),
        unassigned=assignee == "none",
        min_age_days=min_age,
        sort=sort,
    )
    cases = case_states(db, [m.match_key for m in matches])
    shown = filter_queue(queue_rows(matches, cases, run_start_times(db, matches)), filters)
    page, pages = page_number(page, len(shown), PAGE_SIZE)
    params = {
        "status": status,
        "rule": rule,
        "assignee": assignee,
        "min_value": "" if value_floor is None else f"{value_floor:g}",
        "age": "" if min_age is None else str(min_age),
        "sort": sort,
    }
    context: dict[str, Any] = {
        "title": "Matches",
        "rows": shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "total": len(matches),
        "shown": len(shown),
        "filtered": any(v for k, v in params.items() if k != "sort"),
        "query": urlencode({k: v for k, v in params.items() if v}),
        "params": params,
        "rules": rules,
        "statuses": CASE_STATUSES,
        "workers": workers,
        "sorts": SORTS,
        "page": page,
        "pages": pages,
        "page_size": PAGE_SIZE,
        "fields": pseudonymised.shown_fields(decision, key),
    }
    return render(request, "matches.html", context)


def _match_page(
    request: Request,
    hub: HubLike,
    user: User,
    db: Session,
    match_key: str,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    assign_error: str | None = None,
) -> Response:
    resource = f"match:{match_key}"
    decision, key = pseudonymised.ask(
        db, user, hub, "match.view", resource, DEFAULT_PURPOSE, MATCH_FIELDS
    )
    if not decision.allowed:
        return denied_page(request, decision)
    detail = hub.get_match(match_key)
    if detail is None:
        raise HTTPException(status_code=404)
    if key is not None:
        detail = pseudonymised.detail(detail, key)
    case = case_states(db, [match_key]).get(match_key)
    if form is None:
        form = {
            "status": case.status if case else detail.summary.case_status,
            "outcome": (case.outcome if case else detail.summary.case_outcome) or "",
            "note": "",
            "amount_recovered": _amount_text(case.amount_recovered if case else None),
            "amount_prevented": _amount_text(case.amount_prevented if case else None),
        }
    context: dict[str, Any] = {
        "title": detail.summary.rule_title,
        "detail": detail,
        "case": case,
        "notes": list(reversed(case.notes)) if case else [],
        "fields": pseudonymised.shown_fields(decision, key),
        "can_update": can(user, "case.update", DEFAULT_PURPOSE),
        "workers": assignable_users(db),
        "assign_error": assign_error,
        "statuses": CASE_STATUSES,
        "outcomes": CASE_OUTCOMES,
        "error": error,
        "form": form,
    }
    status_code = 400 if error or assign_error else 200
    return render(request, "match.html", context, status_code=status_code)


def _amount_text(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _parse_amount(text: str, label: str) -> float | None:
    text = text.strip().replace(",", "").removeprefix("£")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise CaseError(f"the amount {label} must be a number of pounds, like 1250.00") from None
    if not math.isfinite(value):
        raise CaseError(f"the amount {label} must be a number of pounds, like 1250.00")
    return value


@router.get("/matches/{match_key}")
def match_page(
    request: Request,
    match_key: str,
    hub: HubDep,
    user: UserDep,
    db: DbDep,
) -> Response:
    return _match_page(request, hub, user, db, match_key)


@router.post("/matches/{match_key}", dependencies=[Depends(csrf_protect)])
def update_match_case(
    request: Request,
    match_key: str,
    hub: HubDep,
    user: UserDep,
    db: DbDep,
    status: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    amount_recovered: Annotated[str, Form()] = "",
    amount_prevented: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "status": status,
        "outcome": outcome,
        "note": note,
        "amount_recovered": amount_recovered,
        "amount_prevented": amount_prevented,
    }
    detail = hub.get_match(match_key)
    if detail is None:
        raise HTTPException(status_code=404)
    try:
        recovered = _parse_amount(amount_recovered, "recovered")
        prevented = _parse_amount(amount_prevented, "prevented")
        case = case_for_match(db, detail.summary)
        update_case(
            db,
            case,
            status=status,
            outcome=outcome or None,
            note=note,
            user=user,
            amount_recovered=recovered,
            amount_prevented=prevented,
            purpose=DEFAULT_PURPOSE,
        )
    except PermissionDenied as denied:
        db.commit()  # keep the refusal on record
        return denied_page(request, denied.decision)
    except CaseError as problem:
        db.rollback()
        return _match_page(request, hub, user, db, match_key, error=str(problem), form=form)
    db.commit()
    request.state.session.set_flash("The case has been updated.")
    return RedirectResponse(f"/matches/{match_key}", status_code=303)


@router.post("/matches/{match_key}/assign", dependencies=[Depends(csrf_protect)])
def assign_match_case(
    request: Request,
    match_key: str,
    hub: HubDep,
    user: UserDep,
    db: DbDep,
    assignee: Annotated[str, Form()] = "",
) -> Response:
    """Give the case to an investigator or admin (by account id), or to no one ("")."""
    detail = hub.get_match(match_key)
    if detail is None:
        raise HTTPException(status_code=404)
    by_id = {str(w.id): w.username for w in assignable_users(db)}
    try:
        if assignee and assignee not in by_id:
            raise CaseError("a case can only be assigned to an investigator or an admin")
        case = case_for_match(db, detail.summary)
        assign_case(db, case, assignee=by_id.get(assignee), user=user, purpose=DEFAULT_PURPOSE)
    except PermissionDenied as denied:
        db.commit()  # keep the refusal on record
        return denied_page(request, denied.decision)
    except CaseError as problem:
        db.rollback()
        return _match_page(request, hub, user, db, match_key, assign_error=str(problem))
    db.commit()
    request.state.session.set_flash("The case worker has been changed.")
    return RedirectResponse(f"/matches/{match_key}", status_code=303)
