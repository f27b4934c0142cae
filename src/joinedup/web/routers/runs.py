"""Pipeline runs in the web UI: the list of runs, starting one, and its live progress.

Starting a run asks the policy gate (action "run.start": admins and data owners), which
writes the audit event; the run itself happens in a child process (web/runner.py). The
progress page reloads itself every few seconds with a meta refresh while the run goes on:
no JavaScript. Nothing here shows personal data.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from joinedup.governance.policy import can
from joinedup.store.runs import Run
from joinedup.web import runner
from joinedup.web.deps import DEFAULT_PURPOSE, DbDep, HubDep, HubLike, UserDep, csrf_protect, gate
from joinedup.web.routers.matches import denied_page
from joinedup.web.templating import render

router = APIRouter()

RUNS_SHOWN = 20
REFRESH_SECONDS = 3


def config_path(hub: HubLike) -> Path | None:
    """The config file the child process opens: the one this hub was opened from."""
    return getattr(hub.config, "path", None)


def start(hub: HubLike, username: str) -> bool:
    """Start a run for this hub; False if one is already going (or there is no config file)."""
    path = config_path(hub)
    if path is None:
        raise RuntimeError("this hub was not opened from a config file")
    return runner.start_run(path, hub.config.data_dir, username)


@router.get("/runs")
def runs_page(request: Request, hub: HubDep, db: DbDep, user: UserDep) -> Response:
    runs = list(db.scalars(select(Run).order_by(Run.started_at.desc()).limit(RUNS_SHOWN)))
    served = hub.latest_run()
    context = {
        "title": "Pipeline runs",
        "runs": runs,
        "served_id": served.id if served else None,
        "progress": runner.read_progress(hub.config.data_dir),
        "may_start": can(user, "run.start", DEFAULT_PURPOSE),
    }
    return render(request, "runs.html", context)


@router.post("/runs", dependencies=[Depends(csrf_protect)])
def start_run(request: Request, hub: HubDep, db: DbDep, user: UserDep) -> Response:
    decision = gate(db, user, "run.start", "runs", DEFAULT_PURPOSE)
    if not decision.allowed:
        return denied_page(request, decision)
    if start(hub, user.username):
        request.state.session.set_flash("The run has started. This page shows how it is going.")
    else:
        request.state.session.set_flash("A run is already going: this is its progress.")
    return RedirectResponse("/runs/progress", status_code=303)


@router.get("/runs/progress")
def progress_page(request: Request, hub: HubDep, user: UserDep) -> Response:
    progress = runner.read_progress(hub.config.data_dir)
    served = hub.latest_run()
    context = {
        "title": "Run progress",
        "progress": progress,
        "served": served,
        "refresh": REFRESH_SECONDS if progress is not None and progress.running else None,
    }
    return render(request, "run_progress.html", context)
