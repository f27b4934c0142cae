"""More of the JSON API (/api/v1): runs (one, start, progress), places and reports.

The same rules as web/routers/api.py: a bearer token, one error shape, list endpoints
paged with limit and offset, and the policy gate (which writes the audit event) before
any personal data. Starting a run asks the gate too (action "run.start").
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from joinedup.governance.policy import AGREEMENT_ROLES
from joinedup.reports.document import Document
from joinedup.store.runs import Run
from joinedup.web import reads, runner
from joinedup.web.deps import DEFAULT_PURPOSE, DbDep, HubDep
from joinedup.web.paging import api_slice
from joinedup.web.routers.api import ERRORS, ApiError, ApiUser, Limit, Offset, Purpose, _gate
from joinedup.web.routers.report_library import REPORTS, build_report
from joinedup.web.routers.runs import start as start_web_run

router = APIRouter(prefix="/api/v1", tags=["api"])

PLACE_FIELDS = ("name", "date_of_birth", "address", "uprn")
CONFLICT = {409: {"model": ERRORS[400]["model"], "description": "A run is already going"}}


# --- runs ----------------------------------------------------------------------------


class ProgressOut(BaseModel):
    state: str
    stage: str
    percent: int
    done: int
    total: int
    started_at: str
    started_by: str
    finished_at: str | None
    run_id: str | None
    problem: str | None


def _progress_out(progress: runner.RunProgress) -> dict[str, Any]:
    return ProgressOut(percent=progress.percent, **dataclasses.asdict(progress)).model_dump()


@router.get("/runs/progress", responses=ERRORS)
def run_progress(hub: HubDep, user: ApiUser) -> dict:
    """The run started from the web or the API: stage, percent, and how it ended."""
    progress = runner.read_progress(hub.config.data_dir)
    if progress is None:
        raise ApiError(404, "not_found", "No run has been started from the web or the API.")
    return _progress_out(progress)


@router.post("/runs", status_code=202, responses={**ERRORS, **CONFLICT})
def start_run(hub: HubDep, db: DbDep, user: ApiUser, purpose: Purpose = DEFAULT_PURPOSE) -> dict:
    """Start a pipeline run (admins and data owners); follow it at /api/v1/runs/progress.
    The site keeps serving the last good run meanwhile, and after a failed run."""
    _gate(db, user, "run.start", "runs", purpose, ())
    if not start_web_run(hub, user.username):
        raise ApiError(409, "conflict", "A run is already going: one run at a time.")
    return {"started": True, "progress": "/api/v1/runs/progress"}


class RunDetail(BaseModel):
    id: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    as_of: str | None
    served: bool


@router.get("/runs/{run_id}", responses=ERRORS)
def get_run(
    run_id: Annotated[str, Path(max_length=40)], hub: HubDep, db: DbDep, user: ApiUser
) -> dict:
    """One run; `served` says whether the site shows it now."""
    run = db.get(Run, run_id)
    if run is None:
        raise ApiError(404, "not_found", "There is no run with that id.")
    served = hub.latest_run()
    return RunDetail(
        id=run.id,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        as_of=run.as_of,
        served=served is not None and served.id == run.id,
    ).model_dump()


# --- places (personal data: the gate first) -------------------------------------------


@router.get("/places/{uprn}", responses=ERRORS)
def place(
    uprn: Annotated[str, Path(max_length=12, pattern="^[0-9]+$")],
    hub: HubDep,
    db: DbDep,
    user: ApiUser,
    purpose: Purpose = DEFAULT_PURPOSE,
    adults_only: Annotated[bool, Query(description="only occupants aged 18 or over")] = False,
) -> dict:
    """A property by UPRN: its gazetteer entry, its current occupants and the source
    records matched to it, with only the fields the gate released."""
    asked = reads.property_gate_fields(user.role in AGREEMENT_ROLES, PLACE_FIELDS)
    fields = _gate(db, user, "records.view", f"property:{uprn}", purpose, asked)
    if not hub.has_run():
        raise ApiError(404, "not_found", "The hub has no completed run yet.")
    con = reads.served_cursor(hub)
    try:
        view = reads.property_view(con, uprn)
    finally:
        con.close()
    if view is None:
        raise ApiError(404, "not_found", "There is no property with that UPRN in the gazetteer.")
    return _place_out(view, fields, adults_only)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _place_out(view: dict[str, Any], fields: set[str], adults_only: bool) -> dict[str, Any]:
    name, dob = "name" in fields, "date_of_birth" in fields
    occupants = [
        {
            "entity_id": o["entity_id"],
            "name": " ".join(p for p in (o["first_name"], o["surname"]) if p) if name else None,
            "date_of_birth": _text(o["date_of_birth"]) if dob else None,
            "adult": o["adult"],
            "records_here": o["records_here"],
            "sources_here": o["sources_here"],
        }
        for o in view["occupants"]
        if o["adult"] or not adults_only
    ]
    records = [
        {
            "source": r["source"],
            "record_key": r["record_key"],
            "entity_id": r["entity_id"],
            "name": " ".join(p for p in (r["first_name"], r["surname"]) if p) if name else None,
            "date_of_birth": _text(r["date_of_birth"]) if dob else None,
            "start_date": _text(r["start_date"]),
            "end_date": _text(r["end_date"]),
            "uprn_method": r["uprn_method"],
        }
        for r in view["records"]
    ]
    prop = {k: _text(v) for k, v in view["property"].items()}
    return {"property": prop, "occupants": occupants, "records": records}


# --- reports ----------------------------------------------------------------------------


@router.get("/reports", responses=ERRORS)
def reports(user: ApiUser, limit: Limit = 50, offset: Offset = 0) -> dict:
    """The reports there are; `gated` ones ask the policy gate (and are audited)."""
    items = [
        {"name": r.name, "title": r.title, "description": r.description, "gated": r.gated}
        for r in REPORTS.values()
    ]
    return api_slice(items, limit, offset)


def _document_out(document: Document) -> dict[str, Any]:
    def block(b: Any) -> dict[str, Any]:
        return {"type": type(b).__name__.lower(), **dataclasses.asdict(b)}

    def section(s: Any) -> dict[str, Any]:
        return {
            "title": s.title,
            "blocks": [block(b) for b in s.blocks],
            "subsections": [section(sub) for sub in s.subsections],
        }

    return {
        "title": document.title,
        "subtitle": document.subtitle,
        "summary": document.summary,
        "sections": [section(s) for s in document.sections],
        "footer": document.footer,
    }


@router.get("/reports/{name}", responses=ERRORS)
def report(
    name: Annotated[str, Path(max_length=40)],
    hub: HubDep,
    db: DbDep,
    user: ApiUser,
    purpose: Purpose = DEFAULT_PURPOSE,
) -> dict:
    """A report as structured JSON: summary lines, then sections of paragraphs, bullet
    lists, tables and bar charts (each block says its type)."""
    found = REPORTS.get(name)
    if found is None:
        raise ApiError(404, "not_found", "There is no report with that name.")
    if found.gated:
        _gate(db, user, "report.view", f"report:{name}", purpose, ())
    document = build_report(hub, name)
    if document is None:
        raise ApiError(404, "not_found", "The hub has no completed run yet.")
    return {"name": name, **_document_out(document)}
