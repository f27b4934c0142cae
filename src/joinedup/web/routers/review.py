"""Clerical review: pairs of records the hub is unsure about, answered by a person.

The queue lists pairs from the served run (link/review.py says which and why); a pair's
page shows the two records side by side with the model's evidence and a waterfall chart,
and a reviewer answers "same person", "different people" or "not sure". Answers are kept
in the operational store and used by the next run. Every page asks the one gate first
(it writes the audit event); URLs carry only an opaque pair key, never a record's details.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from joinedup.link.explain import explain_links
from joinedup.link.link_input import SHARED_CONTACTS
from joinedup.link.models import list_models, model_for_run
from joinedup.link.review import (
    LabelError,
    find_pair,
    label_counts,
    review_queue,
    save_label,
)
from joinedup.store.review import REVIEW_DECISIONS
from joinedup.web import reads
from joinedup.web.charts import waterfall_svg
from joinedup.web.deps import AUDIT_WRITE_LOCK, DbDep, HubDep, UserDep, csrf_protect, gate
from joinedup.web.routers.matches import denied_page
from joinedup.web.templating import render

router = APIRouter()

# Reviewing links puts the hub's records right, so it is asked for that purpose.
REVIEW_PURPOSE = "error_correction"
QUEUE_SHOWN = 50
_PAIR_KEY = re.compile(r"[0-9a-f]{16}")
DECISION_LABELS = {"same": "Same person", "different": "Different people", "unsure": "Not sure"}

# (label, column in `records`, the field the gate is asked for)
COMPARED: tuple[tuple[str, str, str], ...] = (
    ("Name", "name", "name"),
    ("Date of birth", "date_of_birth", "date_of_birth"),
    ("Address", "address", "address"),
    ("Postcode", "postcode", "postcode"),
    ("Email", "email", "email"),
    ("Phone", "phone", "phone"),
    ("NHS number", "nhs_number", "nhs_number"),
    ("National Insurance number", "ni_number", "ni_number"),
    ("Start", "start_date", "details"),
    ("End", "end_date", "details"),
)
PAIR_FIELDS = (*dict.fromkeys(f for _, _, f in COMPARED), "link_reasons")


def _no_run(request: Request) -> Response:
    context = {
        "title": "Review links",
        "heading": "Review links",
        "message": "No run has finished yet. Run the pipeline, then come back here.",
    }
    return render(request, "error.html", context, status_code=404)


def _band(hub: Any) -> tuple[float, float]:
    settings = hub.config.link.review
    return settings.lowest, settings.highest


@router.get("/review")
def queue_page(request: Request, hub: HubDep, user: UserDep, db: DbDep) -> Response:
    decision = gate(db, user, "link.review", "review:queue", REVIEW_PURPOSE, ("link_reasons",))
    if not decision.allowed:
        return denied_page(request, decision)
    if not hub.has_run():
        return _no_run(request)
    con = reads.served_cursor(hub)
    try:
        queue = review_queue(con, db, *_band(hub), limit=QUEUE_SHOWN)
    finally:
        con.close()
    run = hub.latest_run()
    settings = hub.config.link.review
    counts = label_counts(db)
    context: dict[str, Any] = {
        "title": "Review links",
        "queue": queue,
        "counts": counts,
        "retrain_from": settings.retrain_from,
        "lowest": settings.lowest,
        "highest": settings.highest,
        "model": model_for_run(db, run.id) if run else None,
        "models": list_models(db),
        "labels": DECISION_LABELS,
    }
    return render(request, "review.html", context)


def _value(row: dict[str, Any], column: str) -> str:
    if column == "name":
        parts = (row.get("first_name"), row.get("middle_names"), row.get("surname"))
        return " ".join(str(p).title() for p in parts if isinstance(p, str) and p)
    value = row.get(column)
    if value is None or value != value:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _side_by_side(con: Any, left: str, right: str, fields: set[str]) -> tuple[list, list]:
    """The two records' sources and keys, and each released detail with whether it agrees."""
    cursor = con.execute(
        "SELECT * FROM records WHERE record_id = ? OR record_id = ?", [left, right]
    )
    names = [d[0] for d in cursor.description]
    rows_found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    found = {r["record_id"]: r for r in rows_found}
    if left not in found or right not in found:
        raise HTTPException(status_code=404)
    a, b = found[left], found[right]
    heads = [(a["source"], a["record_key"]), (b["source"], b["record_key"])]
    shared = _shared_contacts(con)
    rows = []
    for label, column, field in COMPARED:
        if field not in fields:
            continue
        one, two = _value(a, column), _value(b, column)
        if not one and not two:
            continue
        agree = "–" if not one or not two else ("Same" if one.lower() == two.lower() else "Differs")
        if agree == "Same" and (column, one.lower()) in shared:
            agree = "Same, but given for many people: not used as evidence"
        rows.append((label, one or "–", two or "–", agree))
    return heads, rows


def _shared_contacts(con: Any) -> set[tuple[str, str]]:
    """(field, value) of the emails and phones the run left out of linking as shared (none
    in a run from before it kept them)."""
    if not con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [SHARED_CONTACTS]
    ).fetchone():
        return set()
    rows = con.execute(f"SELECT field, lower(value) FROM {SHARED_CONTACTS}").fetchall()
    return {(field, value) for field, value in rows}


def _pair_page(
    request: Request,
    hub: Any,
    user: Any,
    db: Any,
    key: str,
    error: str | None = None,
) -> Response:
    if not _PAIR_KEY.fullmatch(key):
        raise HTTPException(status_code=404)
    decision = gate(db, user, "link.review", f"pair:{key}", REVIEW_PURPOSE, PAIR_FIELDS)
    if not decision.allowed:
        return denied_page(request, decision)
    if not hub.has_run():
        return _no_run(request)
    fields = set(decision.fields)
    con = reads.served_cursor(hub)
    try:
        pair = find_pair(con, db, key, *_band(hub))
        if pair is None:
            raise HTTPException(status_code=404)
        heads, rows = _side_by_side(con, pair.record_id_l, pair.record_id_r, fields)
        evidence = explain_links(con, [pair.record_id_l, pair.record_id_r])
    finally:
        con.close()
    context: dict[str, Any] = {
        "title": "Review a pair of records",
        "pair": pair,
        "heads": heads,
        "rows": rows,
        "reasons": evidence[0].reasons if evidence and "link_reasons" in fields else [],
        "waterfall": waterfall_svg,
        "decisions": [(d, DECISION_LABELS[d]) for d in REVIEW_DECISIONS],
        "error": error,
    }
    return render(request, "review_pair.html", context, status_code=400 if error else 200)


@router.get("/review/{key}")
def pair_page(request: Request, key: str, hub: HubDep, user: UserDep, db: DbDep) -> Response:
    return _pair_page(request, hub, user, db, key)


@router.post("/review/{key}", dependencies=[Depends(csrf_protect)])
def answer(
    request: Request,
    key: str,
    hub: HubDep,
    user: UserDep,
    db: DbDep,
    decision: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    if not _PAIR_KEY.fullmatch(key):
        raise HTTPException(status_code=404)
    if decision not in REVIEW_DECISIONS:
        return _pair_page(
            request, hub, user, db, key, "Choose same person, different people or not sure."
        )
    allowed = gate(db, user, "link.label", f"pair:{key}", REVIEW_PURPOSE)
    if not allowed.allowed:
        return denied_page(request, allowed)
    if not hub.has_run():
        return _no_run(request)
    con = reads.served_cursor(hub)
    try:
        pair = find_pair(con, db, key, *_band(hub))
        if pair is None:
            raise HTTPException(status_code=404)
        run = hub.latest_run()
        try:
            with AUDIT_WRITE_LOCK:
                save_label(
                    db,
                    user.username,
                    pair.record_id_l,
                    pair.record_id_r,
                    decision,
                    run_id=run.id if run else None,
                    match_probability=pair.match_probability,
                )
                db.commit()
        except LabelError as problem:
            db.rollback()
            return _pair_page(request, hub, user, db, key, str(problem))
        following = review_queue(con, db, *_band(hub), limit=1).shown
    finally:
        con.close()
    request.state.session.set_flash(
        f"Your answer ({DECISION_LABELS[decision].lower()}) is saved. The next run will use it."
    )
    target = f"/review/{following[0].key}" if following else "/review"
    return RedirectResponse(target, status_code=303)
