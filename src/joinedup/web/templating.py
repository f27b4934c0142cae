"""Jinja2 set-up: templates ship inside the package, autoescaped, with a few filters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def _missing(value: object) -> bool:
    """None, or a NaN-like missing value (pandas NaT) that compares unequal to itself."""
    return value is None or value != value


def money(value: float | None) -> str:
    if _missing(value):
        return "–"
    return f"£{value:,.2f}"


def percent(value: float | None) -> str:
    """A 0..1 share as a whole-number percentage; a dash when it was not measured."""
    if _missing(value):
        return "–"
    return f"{value * 100:.1f}%"


def number(value: int | float | None) -> str:
    if _missing(value):
        return "–"
    return f"{value:,}"


try:
    UK_TIME: ZoneInfo | None = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # no tz database on the host: show UTC and say so
    UK_TIME = None


def day(value: date | None) -> str:
    """A calendar date (a date of birth): never a time, never shifted by time zone."""
    if _missing(value) or not isinstance(value, date):
        return "–"
    return value.strftime("%-d %B %Y")


def when(value: datetime | date | None) -> str:
    """Dates as people write them; times in UK time (the store keeps naive UTC)."""
    if _missing(value) or not isinstance(value, date):
        return "–"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        if UK_TIME is None:
            return aware.astimezone(UTC).strftime("%-d %B %Y at %H:%M UTC")
        return aware.astimezone(UK_TIME).strftime("%-d %B %Y at %H:%M")
    return value.strftime("%-d %B %Y")


def sentence(text: str) -> str:
    """Capitalise the first letter only (Jinja's capitalize lowercases the rest)."""
    return text[:1].upper() + text[1:]


templates = Jinja2Templates(directory=TEMPLATE_DIR)
templates.env.filters.update(
    money=money, percent=percent, number=number, when=when, day=day, sentence=sentence
)
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
