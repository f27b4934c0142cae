"""Signing in and out. Failures get one message whatever went wrong, so the page does
not tell a guesser which usernames exist or whether they have locked an account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from joinedup.governance.audit import record_event
from joinedup.governance.users import LOCKOUT, MAX_FAILED_LOGINS, verify_password
from joinedup.web.deps import DbDep, csrf_protect
from joinedup.web.templating import render

router = APIRouter()

LOGIN_FAILED = (
    "The username or password is not right. After "
    f"{MAX_FAILED_LOGINS} failed attempts an account is locked for "
    f"{int(LOCKOUT.total_seconds() // 60)} minutes."
)


def safe_next(target: str | None) -> str:
    """Only ever send people on to a page of this site after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:  # noqa: A002
    if request.state.session.user_id is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "title": "Sign in"})


@router.post("/login", dependencies=[Depends(csrf_protect)])
def login(
    request: Request,
    db: DbDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",  # noqa: A002
) -> Response:
    result = verify_password(db, username.strip(), password)
    # The actor is only named when the account exists: people sometimes type their
    # password into the username box, and that must not end up in the audit trail.
    actor = result.user.username if result.user is not None else "unknown"
    record_event(
        db,
        actor,
        "login",
        "session",
        "authentication",
        "allowed" if result.ok else "denied",
        detail=None if result.ok else result.reason,
    )
    db.commit()
    if not result.ok or result.user is None:
        context = {"next": safe_next(next), "error": LOGIN_FAILED, "title": "Sign in"}
        return render(request, "login.html", context, status_code=401)
    request.state.session.sign_in(result.user.id, result.user.password_hash)
    return RedirectResponse(safe_next(next), status_code=303)


def _sign_out(request: Request) -> Response:
    request.state.session.sign_out()
    request.state.session.set_flash("You have signed out.")
    return RedirectResponse("/login", status_code=303)


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    return _sign_out(request)


@router.get("/logout")
def logout_link(request: Request) -> Response:
    """A plain link works too; the worst a forged one can do is sign someone out."""
    return _sign_out(request)
