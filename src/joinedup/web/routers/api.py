"""The JSON API (/api/v1) and the health check (/health), for other systems.

Callers authenticate with `Authorization: Bearer <token>` (web/tokens.py); the session
cookie is never accepted here, so no other site can make a browser call the API on a
user's behalf (no CSRF). Counts and quality are open to any signed-in caller; every
response with personal data (matches, cases) asks the policy gate first, which writes the
audit event, and shows only the fields the gate released. Errors always have one shape:
{"error": {"code": ..., "message": ...}}, with messages that never echo input.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse

from joinedup.cases.workflow import CaseError, case_for_match, case_states, update_case
from joinedup.governance.policy import AGREEMENT_ROLES, PURPOSES, PermissionDenied
from joinedup.link.entity_ids import follow_id
from joinedup.readmodel import MatchSummary
from joinedup.store.cases import CASE_STATUSES
from joinedup.store.runs import QualityResult, Run, SourceRun
from joinedup.store.users import User
from joinedup.web import reads
from joinedup.web.deps import AUDIT_WRITE_LOCK, DEFAULT_PURPOSE, DbDep, HubDep, gate
from joinedup.web.paging import api_page, api_slice, count_and_fetch
from joinedup.web.people_cache import served_people

router = APIRouter(prefix="/api/v1", tags=["api"])
health_router = APIRouter(tags=["health"])

MAX_LIMIT = 500
MATCH_LIST_FIELDS = ("address", "uprn")
MATCH_FIELDS = ("name", "date_of_birth", "address", "postcode", "uprn", "details", "link_reasons")
CASE_FIELDS = ("notes",)


class ApiError(Exception):  # noqa: N818 - an error response, not a program fault
    """An error the API returns as {"error": {"code", "message"}}; never holds input."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ErrorBody(BaseModel):
    code: str = Field(examples=["forbidden"])
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The request was not understood"},
    401: {"model": ErrorResponse, "description": "No valid token"},
    403: {"model": ErrorResponse, "description": "The policy gate refused"},
    404: {"model": ErrorResponse, "description": "Not found"},
}


def api_user(request: Request, db: DbDep) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    user = None
    if scheme.lower() == "bearer":
        user = request.app.state.tokens.user_for(db, token.strip())
    if user is None:
        raise ApiError(401, "unauthenticated", "Send a valid API token: Authorization: Bearer.")
    request.state.api_user = user
    return user


ApiUser = Annotated[User, Depends(api_user)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="at most this many items")]
Offset = Annotated[int, Query(ge=0, description="skip this many items first")]
Purpose = Annotated[
    str, Query(description="why you are asking: " + ", ".join(PURPOSES), max_length=100)
]


def _gate(
    db: Session, user: User, action: str, resource: str, purpose: str, fields: tuple[str, ...]
) -> set[str]:
    decision = gate(db, user, action, resource, purpose, fields)
    if not decision.allowed:
        raise ApiError(403, "forbidden", decision.reason)
    return set(decision.fields)


# --- health ------------------------------------------------------------------------------


class Health(BaseModel):
    status: str
    run_id: str | None
    run_finished_at: datetime | None


@health_router.get("/health", response_model=Health)
def health(hub: HubDep) -> dict[str, Any]:
    """Up or not, and which run is served: no login, nothing personal."""
    run = hub.latest_run()
    return {
        "status": "ok",
        "run_id": run.id if run else None,
        "run_finished_at": run.finished_at if run else None,
    }


# --- counts and quality (no personal data) ------------------------------------------------


class SourceOut(BaseModel):
    name: str
    owner: str
    system: str | None
    classification: str
    rows_in: int | None
    records: int | None
    quarantined: int | None


@router.get("/sources", responses=ERRORS)
def sources(
    hub: HubDep,
    db: DbDep,
    user: ApiUser,
    owner: Annotated[str | None, Query(max_length=100, description="only this owner's")] = None,
    classification: Annotated[str | None, Query(max_length=40)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict:
    """The sources in the hub's config, with the served run's row counts; filter by owner
    or classification."""
    run = hub.latest_run()
    loads = (
        {s.source: s for s in db.scalars(select(SourceRun).where(SourceRun.run_id == run.id))}
        if run
        else {}
    )
    items = []
    for name, cfg in hub.config.sources.items():
        if (owner is not None and cfg.owner != owner) or (
            classification is not None and cfg.classification != classification
        ):
            continue
        load = loads.get(name)
        items.append(
            SourceOut(
                name=name,
                owner=cfg.owner,
                system=cfg.system,
                classification=cfg.classification,
                rows_in=load.rows_in if load else None,
                records=load.records if load else None,
                quarantined=load.quarantined if load else None,
            ).model_dump()
        )
    return api_slice(items, limit, offset)


class RunOut(BaseModel):
    id: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    as_of: str | None


@router.get("/runs", responses=ERRORS)
def runs(
    db: DbDep,
    user: ApiUser,
    status: Annotated[str | None, Query(pattern="^(running|succeeded|failed)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict:
    """Pipeline runs, newest first, failed ones included; filter by status."""
    query = select(Run) if status is None else select(Run).where(Run.status == status)
    order = (Run.started_at.desc(), Run.id.desc())
    total, rows = count_and_fetch(db, query, order, limit, offset)
    items = [
        RunOut(
            id=r.id,
            status=r.status,
            started_at=r.started_at,
            finished_at=r.finished_at,
            as_of=r.as_of,
        ).model_dump()
        for r in rows
    ]
    return api_page(items, total, limit, offset)


@router.get("/quality", responses=ERRORS)
def quality(
    hub: HubDep,
    db: DbDep,
    user: ApiUser,
    run_id: Annotated[str | None, Query(max_length=40)] = None,
    source: Annotated[str | None, Query(max_length=100)] = None,
    field: Annotated[str | None, Query(max_length=100)] = None,
    dimension: Annotated[str | None, Query(max_length=40)] = None,
    below: Annotated[float | None, Query(ge=0, le=1, description="scores under this")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict:
    """Quality scores per source, field and dimension, for one run (the served one by
    default); filter by source, field, dimension, or scores below a share."""
    if run_id is None:
        run = hub.latest_run()
        run_id = run.id if run else None
    query = select(QualityResult).where(QualityResult.run_id == run_id)
    if source:
        query = query.where(QualityResult.source == source)
    if field:
        query = query.where(QualityResult.field == field)
    if dimension:
        query = query.where(QualityResult.dimension == dimension)
    if below is not None:
        query = query.where(QualityResult.score < below)
    order = (QualityResult.source, QualityResult.id)
    total, rows = count_and_fetch(db, query, order, limit, offset)
    items = [
        {
            "run_id": r.run_id,
            "source": r.source,
            "field": r.field,
            "dimension": r.dimension,
            "passed": r.passed,
            "checked": r.checked,
            "score": r.score,
        }
        for r in rows
    ]
    return api_page(items, total, limit, offset)


# --- matches and cases (personal data: the gate first) ---------------------------------


def _summary(m: MatchSummary, fields: set[str]) -> dict[str, Any]:
    return {
        "match_key": m.match_key,
        "rule": m.rule,
        "rule_title": m.rule_title,
        "uprn": m.uprn if "uprn" in fields else None,
        "address": m.address if "address" in fields else None,
        "score": m.score,
        "estimated_value": m.estimated_value,
        "case_status": m.case_status,
        "case_outcome": m.case_outcome,
    }


@router.get("/matches", responses=ERRORS)
def matches(
    hub: HubDep,
    db: DbDep,
    user: ApiUser,
    purpose: Purpose = DEFAULT_PURPOSE,
    rule: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict:
    """Matches, highest estimated value first; filter by rule and case status."""
    fields = _gate(db, user, "match.list", "matches", purpose, MATCH_LIST_FIELDS)
    if status is not None and status not in CASE_STATUSES:
        raise ApiError(400, "bad_request", "status must be one of " + ", ".join(CASE_STATUSES))
    shown = [
        m
        for m in hub.list_matches()
        if (rule is None or m.rule == rule) and (status is None or m.case_status == status)
    ]
    return api_slice(shown, limit, offset, lambda m: _summary(m, fields))


@router.get("/matches/{match_key}", responses=ERRORS)
def match(
    match_key: Annotated[str, Path(max_length=100)],
    hub: HubDep,
    db: DbDep,
    user: ApiUser,
    purpose: Purpose = DEFAULT_PURPOSE,
) -> dict:
    """One match: the finding, why it fired, the records and the link evidence."""
    fields = _gate(db, user, "match.view", f"match:{match_key}", purpose, MATCH_FIELDS)
    detail = hub.get_match(match_key)
    if detail is None:
        raise ApiError(404, "not_found", "There is no match with that key in the served run.")
    records = [
        {
            "source": r.source,
            "record_key": r.record_key,
            "entity_id": r.entity_id,
            "name": r.name if "name" in fields else None,
            "date_of_birth": r.date_of_birth if "date_of_birth" in fields else None,
            "address": r.address if "address" in fields else None,
            "postcode": r.postcode if "postcode" in fields else None,
            "uprn": r.uprn if "uprn" in fields else None,
            "details": r.details if "details" in fields else {},
        }
        for r in detail.records
    ]
    links = [
        {
            "left": link.left,
            "right": link.right,
            "match_probability": link.match_probability,
            "match_weight": link.match_weight,
            "same_entity": link.same_entity,
            "reasons": link.reasons,
        }
        for link in (detail.links if "link_reasons" in fields else [])
    ]
    return {
        **_summary(detail.summary, fields),
        "description": detail.description,
        "why": detail.why,
        "value_basis": detail.value_basis,
        "records": records,
        "links": links,
    }


def _case_out(match_key: str, summary: MatchSummary | None, case: Any, notes: bool) -> dict:
    return {
        "match_key": match_key,
        "status": case.status if case else (summary.case_status if summary else "open"),
        "outcome": case.outcome if case else None,
        "assignee": case.assignee if case else None,
        "amount_recovered": case.amount_recovered if case else None,
        "amount_prevented": case.amount_prevented if case else None,
        "notes": [
            {"author": n.author, "text": n.text, "created_at": n.created_at}
            for n in (case.notes if case and notes else [])
        ],
    }


@router.get("/cases/{match_key}", responses=ERRORS)
def get_case(
    match_key: str,
    hub: HubDep,
    db: DbDep,
    user: ApiUser,
    purpose: Purpose = DEFAULT_PURPOSE,
) -> dict:
    """The case of a match: status, outcome, amounts and notes (open if never touched)."""
    fields = _gate(db, user, "case.view", f"case:{match_key}", purpose, CASE_FIELDS)
    case = case_states(db, [match_key]).get(match_key)
    summary = None
    if case is None:
        detail = hub.get_match(match_key)
        if detail is None:
            raise ApiError(404, "not_found", "There is no match with that key in the served run.")
        summary = detail.summary
    return _case_out(match_key, summary, case, "notes" in fields)


class CaseChange(BaseModel):
    """The case as it should be after the change; amounts left out keep their value."""

    status: str = Field(examples=["closed"])
    outcome: str | None = Field(default=None, examples=["fraud"])
    note: str | None = Field(default=None, max_length=5000)
    amount_recovered: float | None = Field(default=None, ge=0)
    amount_prevented: float | None = Field(default=None, ge=0)


@router.patch("/cases/{match_key}", responses=ERRORS)
def change_case(
    match_key: str,
    change: CaseChange,
    hub: HubDep,
    db: DbDep,
    user: ApiUser,
    purpose: Purpose = DEFAULT_PURPOSE,
) -> dict:
    """Change a case's status or outcome, or add a note; the gate and the trail see it."""
    detail = hub.get_match(match_key)
    if detail is None:
        raise ApiError(404, "not_found", "There is no match with that key in the served run.")
    db.commit()  # end the read transaction: the change below writes (see deps.gate)
    with AUDIT_WRITE_LOCK:
        try:
            case = case_for_match(db, detail.summary)
            update_case(
                db,
                case,
                status=change.status,
                outcome=change.outcome,
                note=change.note,
                user=user,
                amount_recovered=change.amount_recovered,
                amount_prevented=change.amount_prevented,
                purpose=purpose,
            )
        except PermissionDenied as denied:
            db.commit()  # keep the refusal on record, as the web page does
            raise ApiError(403, "forbidden", denied.decision.reason) from None
        except CaseError as problem:
            db.rollback()
            raise ApiError(400, "bad_request", str(problem)) from None
        db.commit()
    return _case_out(match_key, None, case, notes=True)


# --- people (personal data: the gate first; details travel in the body, not the URL) ---

PERSON_FIELDS = tuple(dict.fromkeys(("address", *reads.GOLDEN_GATE_FIELDS)))
SEARCH_FIELDS = ("first_name", "surname", "date_of_birth", "postcode")
# Identifiers a search may also give; a partner only by those an agreement shares.
IDENTIFIER_SEARCH_FIELDS = ("email", "phone", "nhs_number", "ni_number")
RECORD_VIEW_FIELDS = ("name", "date_of_birth", "address", "postcode", "uprn")


class PersonQuery(BaseModel):
    """The details to look a person up by; at least one of them."""

    first_name: str | None = Field(default=None, max_length=100)
    surname: str | None = Field(default=None, max_length=100)
    date_of_birth: date | None = None
    postcode: str | None = Field(default=None, max_length=10)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    nhs_number: str | None = Field(default=None, max_length=20)
    ni_number: str | None = Field(default=None, max_length=20)
    limit: int = Field(default=5, ge=1, le=50)


@router.post("/people/search", responses=ERRORS)
def search_people(
    query: PersonQuery, hub: HubDep, db: DbDep, user: ApiUser, purpose: Purpose = DEFAULT_PURPOSE
) -> dict:
    """Candidate people for these details, strongest first, with the reasons (POST, so the
    details never land in a URL or an access log)."""
    details = query.model_dump(exclude={"limit"}, exclude_none=True)
    if not details:
        raise ApiError(400, "bad_request", "Give at least one detail to search by.")
    partner = user.role in AGREEMENT_ROLES  # asked source by source (web/reads.py)
    identifiers = tuple(f for f in IDENTIFIER_SEARCH_FIELDS if f in details)
    asked = reads.person_gate_fields(
        hub.config.sources,
        partner,
        SEARCH_FIELDS + identifiers,
        reads.PARTNER_FIELDS + identifiers,
    )
    released = _gate(db, user, "records.view", "people:search", purpose, asked)
    # Searching by an identifier says who holds it: only for those who may see it.
    withheld = [f for f in identifiers if not any(r.rpartition(".")[2] == f for r in released)]
    if withheld:
        raise ApiError(
            403,
            "forbidden",
            f"No agreement shares {', '.join(withheld)} with you, so you cannot search by it.",
        )
    if not hub.has_run():
        return api_page([], 0, query.limit, 0)
    found = hub.lookup(limit=query.limit, **details)
    items = [
        {
            "entity_id": c.entity_id,
            "match_probability": c.match_probability,
            "match_weight": c.match_weight,
            "reasons": c.reasons,
        }
        for c in found
    ]
    return api_page(items, len(items), query.limit, 0)


@router.get("/people/{entity_id}", responses=ERRORS, response_model=dict)
def person(
    request: Request,
    entity_id: Annotated[str, Path(max_length=40, pattern="^[A-Za-z0-9]+$")],
    hub: HubDep,
    db: DbDep,
    user: ApiUser,
    purpose: Purpose = DEFAULT_PURPOSE,
) -> Any:
    """A person: the golden record and the source records behind it. An id merged into
    another person's since it was given redirects (308) to that person's."""
    partner = user.role in AGREEMENT_ROLES  # asked source by source (web/reads.py)
    asked = reads.person_gate_fields(hub.config.sources, partner, PERSON_FIELDS)
    fields = _gate(db, user, "records.view", f"person:{entity_id}", purpose, asked)
    if not hub.has_run():
        raise ApiError(404, "not_found", "The hub has no completed run yet.")
    found = served_people(hub).person(entity_id)  # read once per run (people_cache.py)
    if found is None:
        con = reads.served_cursor(hub)
        try:
            event, current = follow_id(con, entity_id)
        finally:
            con.close()
        if event == "merged":  # an id from before a merge: the person it is now
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(f"/api/v1/people/{current}{query}", status_code=308)
        raise ApiError(404, "not_found", "There is no person with that id in the served run.")
    _ids, golden, records = found
    if partner:
        golden = reads.released_by_source(golden, fields)
        records = reads.masked_records(records, fields)
    else:
        golden = reads.released(golden, fields)

    def shown(record: Any, field: str) -> Any:
        value = getattr(record, field)
        return value if partner or field in fields else None

    return {
        "entity_id": entity_id,
        "golden_record": {g["field"]: g["value"] for g in golden},
        "records": [
            {
                "source": r.source,
                "record_key": r.record_key,
                **{f: shown(r, f) for f in RECORD_VIEW_FIELDS},
            }
            for r in records
        ],
    }
