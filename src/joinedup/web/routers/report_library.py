"""The reports page: discovery, data quality and savings by rule, to read and download.

Each is a `Document` built by reports/ (the same one the command line writes), shown as a
page and downloadable as Word or Markdown. The data quality report holds shares and
counts about fields, so any signed-in user may read it. Discovery describes the personal
data each source holds, and savings are the council's internal planning: the policy gate
answers (and audits) before either is shown or downloaded, as for the business case.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from joinedup.reports.document import Document
from joinedup.reports.render import to_html_sections
from joinedup.store.users import User
from joinedup.web.deps import DEFAULT_PURPOSE, DbDep, HubDep, HubLike, UserDep, gate
from joinedup.web.routers.matches import denied_page
from joinedup.web.routers.reports import _download
from joinedup.web.templating import render

router = APIRouter()


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    gated: bool  # asks the policy gate (action "report.view") first
    needs_run: bool
    build: Callable[[HubLike], Document]


def _quality(hub: HubLike) -> Document:
    from joinedup.reports.quality import quality_document

    return quality_document(hub)


def _savings(hub: HubLike) -> Document:
    from joinedup.reports.business_case import gather
    from joinedup.reports.savings import savings_document

    return savings_document(gather(hub))


_discovery_cache: dict[tuple, Document] = {}
_discovery_lock = threading.Lock()


def _discovery(hub: HubLike) -> Document:
    """Discovery over the source files the config names; kept until a file changes."""
    from joinedup.reports.discovery import discover, discovery_document

    paths = [Path(hub.config.source_path(s)) for s in hub.config.sources.values()]
    key = tuple((str(p), p.stat().st_mtime_ns if p.exists() else None) for p in paths)
    with _discovery_lock:  # one discovery at a time: it reads every file
        if key not in _discovery_cache:
            _discovery_cache.clear()
            as_of = hub.as_of() if hasattr(hub, "as_of") else None
            _discovery_cache[key] = discovery_document(discover(paths, as_of=as_of))
        return _discovery_cache[key]


REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(
            "quality",
            "Data quality report",
            "Each source's quality scores in the latest run, and the fields to fix first.",
            gated=False,
            needs_run=True,
            build=_quality,
        ),
        Report(
            "savings",
            "Savings by rule",
            "What each data matching rule found, what the cases show, and the money "
            "recovered or prevented.",
            gated=True,
            needs_run=True,
            build=_savings,
        ),
        Report(
            "discovery",
            "Discovery report",
            "What data the sources hold, its quality, the personal data in it and how the "
            "sources could be linked, read straight from the source files.",
            gated=True,
            needs_run=False,
            build=_discovery,
        ),
    )
}


def build_report(hub: HubLike, name: str) -> Document | None:
    """The named report's document; None when it needs a run and none has finished."""
    report = REPORTS[name]
    if report.needs_run and not hub.has_run():
        return None
    return report.build(hub)


def _allowed(
    request: Request, db: Session, user: User, report: Report, resource: str
) -> Response | None:
    """None if the report may be shown; else the refusal page (the gate audited both)."""
    if not report.gated:
        return None
    decision = gate(db, user, "report.view", resource, DEFAULT_PURPOSE)
    return None if decision.allowed else denied_page(request, decision)


def _no_run(request: Request, report: Report) -> Response:
    context = {
        "title": report.title,
        "heading": report.title,
        "message": "This report is written from the latest run. No run has finished yet: "
        "run the pipeline, then come back here.",
    }
    return render(request, "error.html", context, status_code=404)


@router.get("/reports")
def reports_index(request: Request, user: UserDep) -> Response:
    return render(request, "reports.html", {"title": "Reports", "reports": REPORTS.values()})


# Before the page route, which would otherwise take "quality.md" as a name.
@router.get("/reports/{name}.{kind}")
def report_download(
    request: Request, name: str, kind: str, hub: HubDep, db: DbDep, user: UserDep
) -> Response:
    report = REPORTS.get(name)
    if report is None or kind not in {"docx", "md"}:
        raise HTTPException(status_code=404)
    refused = _allowed(request, db, user, report, f"report:{name}.{kind}")
    if refused is not None:
        return refused
    document = build_report(hub, name)
    if document is None:
        return _no_run(request, report)
    return _download(document, name, kind)


@router.get("/reports/{name}")
def report_page(request: Request, name: str, hub: HubDep, db: DbDep, user: UserDep) -> Response:
    report = REPORTS.get(name)
    if report is None:
        raise HTTPException(status_code=404)
    refused = _allowed(request, db, user, report, f"report:{name}")
    if refused is not None:
        return refused
    document = build_report(hub, name)
    if document is None:
        return _no_run(request, report)
    context = {
        "title": report.title,
        "report": report,
        "document": document,
        "sections": to_html_sections(document),
    }
    return render(request, "report.html", context)
