"""The dashboard: counts and quality only, no personal data, so no policy check."""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Request
from starlette.responses import Response

from joinedup.web.deps import HubDep, UserDep
from joinedup.web.templating import render

router = APIRouter()


@lru_cache(maxsize=1)
def rule_titles() -> dict[str, str]:
    """Rule names to their titles, for people; the rule's name where there is no title."""
    try:
        from joinedup.rules.model import load_library

        return {name: rule.title for name, rule in load_library().items()}
    except Exception:  # noqa: BLE001 - a title is a nicety; the dashboard must still show
        return {}


@router.get("/")
def dashboard(request: Request, hub: HubDep, user: UserDep) -> Response:
    board = hub.dashboard()
    context = {"board": board, "rule_titles": rule_titles(), "title": "Dashboard"}
    return render(request, "dashboard.html", context)
