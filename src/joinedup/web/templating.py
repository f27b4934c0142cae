"""Jinja2 set-up: templates ship inside the package, autoescaped, with a few filters."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

STATUS_LABELS = {"open": "Open", "under_review": "Under review", "closed": "Closed"}
OUTCOME_LABELS = {"fraud": "Fraud", "error": "Error", "no_issue": "No issue"}
ROLE_LABELS = {
    "admin": "Administrator",
    "analyst": "Analyst",
    "investigator": "Investigator",
    "data_owner": "Data owner",
    "dpo": "Data protection officer",
    "partner_user": "Partner user",
}


def money(value: float | None) -> str:
    if value is None:
        return "–"
    return f"£{value:,.2f}"


def percent(value: float | None) -> str:
    """A 0..1 share as a whole-number percentage; a dash when it was not measured."""
    if value is None:
        return "–"
    return f"{value * 100:.1f}%"


def number(value: int | float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,}"


def when(value: datetime | date | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%-d %B %Y at %H:%M")
    return value.strftime("%-d %B %Y")


templates = Jinja2Templates(directory=TEMPLATE_DIR)
templates.env.filters.update(money=money, percent=percent, number=number, when=when)
templates.env.globals.update(
    STATUS_LABELS=STATUS_LABELS, OUTCOME_LABELS=OUTCOME_LABELS, ROLE_LABELS=ROLE_LABELS
)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """Render a page with what every page needs: the user, the CSRF token, the flash."""
    state = request.state
    session = getattr(state, "session", None)
    page: dict[str, Any] = {
        "user": getattr(state, "user", None),
        "csrf_token": session.csrf if session else "",
        "flash": session.pop_flash() if session else None,
        "service_name": getattr(request.app.state, "service_name", "JoinedUp"),
        "organisation": getattr(request.app.state, "organisation", ""),
    }
    page.update(context or {})
    return templates.TemplateResponse(request, name, page, status_code=status_code)
