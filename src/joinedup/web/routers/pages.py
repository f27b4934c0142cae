"""Sources, properties and people: pages over the served run.

Source pages show counts and quality to every signed-in user; the raw values of
quarantined rows only when the gate releases them. Property and person pages are
personal data: the gate answers first (and audits), a refusal is a 403 page. The person
search is a POST form, so names and dates of birth never appear in a URL or a log line.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from joinedup.governance.audit import record_event
from joinedup.governance.corrections import CORRECTION_PURPOSE
from joinedup.governance.policy import AGREEMENT_ROLES, PURPOSES, can
from joinedup.link.entity_ids import follow_id, id_history
from joinedup.link.explain import explain_links
from joinedup.link.lookup_query import date_of_birth_text
from joinedup.web import pseudonymised, reads
from joinedup.web.charts import trend_svg, waterfall_svg
from joinedup.web.deps import DEFAULT_PURPOSE, DbDep, HubDep, UserDep, csrf_protect, gate
from joinedup.web.people_cache import served_people
from joinedup.web.routers.governance import chosen_purpose
from joinedup.web.routers.matches import denied_page
from joinedup.web.templating import render

router = APIRouter()

PERSON_FIELDS = (*reads.GOLDEN_GATE_FIELDS, "address", "details", "link_reasons")
PROPERTY_FIELDS = ("name", "date_of_birth", "address", "uprn")
SEARCH_FIELDS = ("first_name", "surname", "date_of_birth", "postcode")


def _no_run(request: Request, title: str) -> Response:
    context = {
        "title": title,
        "heading": title,
        "message": "No run has finished yet. Run the pipeline, then come back here.",
    }
    return render(request, "error.html", context, status_code=404)


@router.get("/sources")
def source_list(request: Request, hub: HubDep, user: UserDep) -> Response:
    board = hub.dashboard()
    return render(request, "sources.html", {"title": "Sources", "board": board})


@router.get("/sources/{name}")
def source_page(request: Request, name: str, hub: HubDep, user: UserDep, db: DbDep) -> Response:
    cfg = hub.config.sources.get(name)
    if cfg is None:
        raise HTTPException(status_code=404)
    summary = next((s for s in hub.dashboard().sources if s.name == name), None)
    history = reads.quality_history(db, name)
    latest: dict[str, dict[str, float | None]] = {}
    for series in history:
        latest.setdefault(series["field"], {})[series["dimension"]] = series["points"][-1][1]
    charts = {
        f: trend_svg(
            [s for s in history if s["field"] == f],
            label=f"Quality of {f} in each run",
        )
        for f in latest
    }
    dimensions = sorted({s["dimension"] for s in history})
    quarantined, rows, raw_allowed = 0, [], False
    if hub.has_run():
        # Reasons are ours and safe to show; the raw row is the source's data.
        decision = gate(
            db, user, "records.view", f"quarantine:{name}", DEFAULT_PURPOSE, (f"{name}.raw",)
        )
        raw_allowed = decision.allowed
        con = reads.served_cursor(hub)
        try:
            quarantined, rows = reads.quarantine(con, name, with_raw=raw_allowed)
        finally:
            con.close()
    context: dict[str, Any] = {
        "title": name,
        "name": name,
        "cfg": cfg,
        "summary": summary,
        "latest": latest,
        "dimensions": dimensions,
        "charts": charts,
        "runs": max((len(s["points"]) for s in history), default=0),
        "quarantined": quarantined,
        "rows": rows,
        "raw_allowed": raw_allowed,
        "limit": reads.QUARANTINE_LIMIT,
    }
    return render(request, "source.html", context)


@router.get("/properties/{uprn}")
def property_page(request: Request, uprn: str, hub: HubDep, user: UserDep, db: DbDep) -> Response:
    if not uprn.isdigit() or len(uprn) > 12:
        raise HTTPException(status_code=404)
    asked = reads.property_gate_fields(user.role in AGREEMENT_ROLES, PROPERTY_FIELDS)
    decision = gate(db, user, "records.view", f"property:{uprn}", DEFAULT_PURPOSE, asked)
    if not decision.allowed:
        return denied_page(request, decision)
    if not hub.has_run():
        return _no_run(request, "Property")
    con = reads.served_cursor(hub)
    try:
        view = reads.property_view(con, uprn)
    finally:
        con.close()
    if view is None:
        raise HTTPException(status_code=404)
    matches = [m for m in hub.list_matches() if m.uprn == uprn]
    context = {
        "title": f"Property {uprn}",
        "uprn": uprn,
        "view": view,
        "matches": matches,
        "fields": set(decision.fields),
    }
    return render(request, "property.html", context)


def _people_context(db: Any, user: Any, purpose: str, form: dict[str, str]) -> dict[str, Any]:
    return {
        "title": "Find a person",
        "form": form,
        "results": None,
        "purpose": chosen_purpose(db, user, purpose),
        "purposes": PURPOSES,
    }


def _person_fields(hub: Any, user: Any) -> tuple[str, ...]:
    return reads.person_gate_fields(hub.config.sources, user.role in AGREEMENT_ROLES, PERSON_FIELDS)


@router.get("/people")
def search_page(request: Request, user: UserDep, db: DbDep, purpose: str = "") -> Response:
    return render(request, "people.html", _people_context(db, user, purpose, {}))


@router.post("/people", dependencies=[Depends(csrf_protect)])
def search(
    request: Request,
    hub: HubDep,
    user: UserDep,
    db: DbDep,
    first_name: Annotated[str, Form(max_length=100)] = "",
    surname: Annotated[str, Form(max_length=100)] = "",
    date_of_birth: Annotated[str, Form(max_length=20)] = "",
    postcode: Annotated[str, Form(max_length=10)] = "",
    purpose: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    form = {
        "first_name": first_name.strip(),
        "surname": surname.strip(),
        "date_of_birth": date_of_birth.strip(),
        "postcode": postcode.strip(),
    }
    given = {k: v for k, v in form.items() if v}
    context = _people_context(db, user, purpose, form)
    purpose = context["purpose"]
    partner = user.role in AGREEMENT_ROLES
    if not given:
        context["error"] = "Enter at least one detail: a name, a date of birth or a postcode."
        return render(request, "people.html", context, status_code=400)
    if form["date_of_birth"] and date_of_birth_text(form["date_of_birth"]) is None:
        context["error"] = "Enter a real date of birth, day first, like 17/05/1980."
        return render(request, "people.html", context, status_code=400)
    asked = _person_fields(hub, user) if partner else SEARCH_FIELDS
    decision = gate(db, user, "records.view", "people:search", purpose, asked)
    if not decision.allowed:
        return denied_page(request, decision)
    if not hub.has_run():
        return _no_run(request, "Find a person")
    candidates = hub.lookup(limit=10, **given)  # erased people are already left out
    con = reads.served_cursor(hub)
    try:
        ids = [c.entity_id for c in candidates]
        if partner:  # only what each candidate's sources let this partner see
            fields = set(decision.fields)
            names = {
                i: {
                    g["field"]: g["value"]
                    for g in reads.released_by_source(reads.golden_fields(con, i), fields)
                }
                for i in ids
            }
        else:
            names = reads.entity_names(con, ids)
    finally:
        con.close()
    context["results"] = [(c, names.get(c.entity_id, {})) for c in candidates]
    context["partner"] = partner
    return render(request, "people.html", context)


def _is_entity_id(text: str) -> bool:
    return text.isalnum() and len(text) <= 40


@router.get("/people/{entity_id}")
def person_page(
    request: Request,
    entity_id: str,
    hub: HubDep,
    user: UserDep,
    db: DbDep,
    purpose: str = "",
    merged_from: str = "",
) -> Response:
    if not _is_entity_id(entity_id):
        raise HTTPException(status_code=404)
    purpose = chosen_purpose(db, user, purpose)
    partner = user.role in AGREEMENT_ROLES
    asked = _person_fields(hub, user)
    decision, key = pseudonymised.ask(
        db, user, hub, "records.view", f"person:{entity_id}", purpose, asked
    )
    if not decision.allowed:
        return denied_page(request, decision)
    fields = pseudonymised.shown_fields(decision, key)
    if not hub.has_run():
        return _no_run(request, "Person")
    found = served_people(hub).person(entity_id)  # read once per run (people_cache.py)
    con = reads.served_cursor(hub)
    try:
        if found is None:
            # An id from before a merge (a case, a bookmark) leads to the person it is now.
            event, current = follow_id(con, entity_id)
            if event != "merged":
                raise HTTPException(status_code=404)
            query = urlencode({"purpose": purpose, "merged_from": entity_id})
            return RedirectResponse(f"/people/{current}?{query}", status_code=303)
        ids, golden, records = found
        links = explain_links(con, ids) if "link_reasons" in fields else []
        history = id_history(con, entity_id)
        came_from = (
            merged_from
            if _is_entity_id(merged_from) and follow_id(con, merged_from) == ("merged", entity_id)
            else ""
        )
    finally:
        con.close()
    if key is not None:  # an analyst: pseudonyms only
        golden = pseudonymised.golden(golden, key)
        records = [pseudonymised.record(r, key) for r in records]
    elif partner:
        golden = reads.released_by_source(golden, fields)
        records = reads.masked_records(records, fields)
        # The template shows a column when any record may show it.
        fields = {f for f in reads.PARTNER_FIELDS if any(reads.visible(fields, r.source, f)
                                                         for r in records)}  # fmt: skip
    else:
        golden = reads.released(golden, fields)
    timeline = sorted(
        (
            (value, label, r.source, r.record_key)
            for r in records
            for label, value in r.details.items()
        ),
    )
    context = {
        "title": "Person",
        "entity_id": entity_id,
        "golden": golden,
        "records": records,
        "links": links,
        "timeline": timeline,
        "id_history": history,
        "merged_from": came_from,
        "waterfall": waterfall_svg,
        "fields": fields,
        "partner": partner,
        "purpose": purpose,
        "purposes": PURPOSES,
        "can_correct": can(user, "correction.submit", CORRECTION_PURPOSE),
    }
    return render(request, "person.html", context)


@router.get("/account")
def account_page(request: Request, user: UserDep) -> Response:
    return render(request, "account.html", {"title": "Your account", "token": None})


@router.post("/account/token", dependencies=[Depends(csrf_protect)])
def issue_token(request: Request, user: UserDep, db: DbDep) -> Response:
    """Make an API token for the signed-in user and show it once; the trail notes it."""
    token = request.app.state.tokens.issue(user)
    record_event(db, user.username, "token.issue", f"user:{user.id}", "authentication", "allowed")
    db.commit()
    return render(request, "account.html", {"title": "Your account", "token": token})
