"""The maturity self-assessment and the business case, as pages beside the data.

Both are built by reports/ (the same `Document` the CLI writes), so the web page, the
Word file and the Markdown always say the same thing. The business case holds counts and
money only, yet it is the council's internal planning: the gate answers (and audits)
before it is shown or downloaded. The maturity assessment holds no data about anyone;
any signed-in user may take it, and the latest one is kept in the hub's data folder as
an answers file that `joinedup maturity --answers` reads too.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from joinedup.reports.document import Document
from joinedup.reports.maturity import (
    DEFAULT_TARGET,
    LEVELS,
    QUESTIONS,
    THEMES,
    AnswersError,
    Assessment,
    level_name,
    load_answers,
    maturity_document,
    parse_answers,
)
from joinedup.reports.render import to_docx, to_html_sections, to_markdown
from joinedup.web.deps import DEFAULT_PURPOSE, DbDep, HubDep, HubLike, UserDep, csrf_protect, gate
from joinedup.web.routers.matches import denied_page
from joinedup.web.templating import render

router = APIRouter()

MATURITY_FILE = "maturity.yaml"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- shared -----------------------------------------------------------------------------


def _download(document: Document, stem: str, kind: str) -> Response:
    """The document as .docx or .md, written on request and never kept on disk."""
    if kind == "md":
        body = to_markdown(document).encode("utf-8")
        media = "text/markdown; charset=utf-8"
    elif kind == "docx":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{stem}.docx"
            to_docx(document, path)
            body = path.read_bytes()
        media = DOCX_TYPE
    else:
        raise HTTPException(status_code=404)
    headers = {"Content-Disposition": f'attachment; filename="{stem}.{kind}"'}
    return Response(body, media_type=media, headers=headers)


# --- maturity ---------------------------------------------------------------------------


def _maturity_path(hub: HubLike) -> Path:
    return Path(hub.config.data_dir) / MATURITY_FILE


def load_saved(hub: HubLike) -> Assessment | None:
    """The latest saved assessment, or None (also when the file was spoiled by hand)."""
    path = _maturity_path(hub)
    if not path.exists():
        return None
    try:
        return load_answers(path)
    except (AnswersError, OSError, ValueError):
        return None


def save(hub: HubLike, assessment: Assessment) -> None:
    """Write the answers file atomically, in the shape `joinedup maturity --answers` reads."""
    data = {
        "organisation": assessment.organisation,
        "assessed_by": assessment.assessed_by,
        "assessed_on": assessment.assessed_on.isoformat(),
        "target": assessment.target,
        "answers": {q.id: assessment.answers[q.id] for q in QUESTIONS},
    }
    path = _maturity_path(hub)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    os.replace(tmp, path)


def _maturity_page(
    request: Request,
    assessment: Assessment | None,
    form: dict[str, str],
    errors: list[tuple[str, str]] | None = None,
) -> Response:
    result: dict[str, Any] | None = None
    if assessment is not None:
        document = maturity_document(assessment)
        result = {
            "assessment": assessment,
            "document": document,
            "sections": to_html_sections(document),
            "overall": assessment.overall,
            "overall_level": level_name(assessment.overall),
        }
    context: dict[str, Any] = {
        "title": ("Error: " if errors else "") + "Data maturity",
        "questions": QUESTIONS,
        "themes": THEMES,
        "levels": LEVELS,
        "form": form,
        "errors": errors or [],
        "error_ids": {key for key, _ in errors or []},
        "result": result,
    }
    return render(request, "maturity.html", context, status_code=400 if errors else 200)


def _form_from(assessment: Assessment | None) -> dict[str, str]:
    if assessment is None:
        return {"target": str(DEFAULT_TARGET)}
    form = {q.id: str(assessment.answers[q.id]) for q in QUESTIONS}
    form["target"] = str(assessment.target)
    return form


@router.get("/maturity")
def maturity_page(request: Request, hub: HubDep, user: UserDep) -> Response:
    saved = load_saved(hub)
    return _maturity_page(request, saved, _form_from(saved))


@router.post("/maturity", dependencies=[Depends(csrf_protect)])
async def maturity_submit(request: Request, hub: HubDep, user: UserDep, db: DbDep) -> Response:
    # The assessment is the council's own: saving it is for the roles that may read its
    # internal reports, which keeps partner users from overwriting it.
    decision = gate(db, user, "report.view", "report:maturity", DEFAULT_PURPOSE)
    if not decision.allowed:
        return denied_page(request, decision)
    posted = await request.form()
    form = {
        key: value
        for key in [q.id for q in QUESTIONS] + ["target"]
        if isinstance(value := posted.get(key), str)
    }
    errors = [
        (q.id, f"Choose a level for {q.area.lower()}")
        for q in QUESTIONS
        if form.get(q.id) not in {str(n) for n in LEVELS}
    ]
    if form.get("target") not in {str(n) for n in LEVELS}:
        errors.append(("target", "Choose the level to aim for"))
    if errors:
        return _maturity_page(request, load_saved(hub), form, errors)
    assessment = parse_answers(
        {
            "answers": {q.id: int(form[q.id]) for q in QUESTIONS},
            "organisation": hub.config.hub.organisation or hub.config.hub.name,
            "assessed_by": user.username,
            "assessed_on": date.today().isoformat(),
            "target": int(form["target"]),
        }
    )
    save(hub, assessment)
    request.state.session.set_flash("The assessment has been saved.")
    return RedirectResponse("/maturity#result", status_code=303)


@router.get("/maturity/maturity.{kind}")
def maturity_download(kind: str, hub: HubDep, user: UserDep) -> Response:
    saved = load_saved(hub)
    if saved is None:
        raise HTTPException(status_code=404)
    return _download(maturity_document(saved), "maturity", kind)


# --- business case ----------------------------------------------------------------------


def _business_case(hub: HubLike) -> Document:
    from joinedup.reports.business_case import business_case_document, gather

    return business_case_document(gather(hub))


def _no_run(request: Request) -> Response:
    context = {
        "title": "Business case",
        "heading": "Business case",
        "message": "The business case is written from the latest run and the cases worked "
        "since. No run has finished yet: run the pipeline, then come back here.",
    }
    return render(request, "error.html", context, status_code=404)


@router.get("/business-case")
def business_case_page(request: Request, hub: HubDep, user: UserDep, db: DbDep) -> Response:
    decision = gate(db, user, "report.view", "report:business-case", DEFAULT_PURPOSE)
    if not decision.allowed:
        return denied_page(request, decision)
    if not hub.has_run():
        return _no_run(request)
    document = _business_case(hub)
    context = {
        "title": "Business case",
        "document": document,
        "sections": to_html_sections(document),
    }
    return render(request, "business_case.html", context)


@router.get("/business-case/business-case.{kind}")
def business_case_download(
    request: Request, kind: str, hub: HubDep, user: UserDep, db: DbDep
) -> Response:
    if kind not in {"docx", "md"}:
        raise HTTPException(status_code=404)
    decision = gate(db, user, "report.view", f"report:business-case.{kind}", DEFAULT_PURPOSE)
    if not decision.allowed:
        return denied_page(request, decision)
    if not hub.has_run():
        return _no_run(request)
    return _download(_business_case(hub), "business-case", kind)
