"""What routes depend on: the hub, a store session, the signed-in user, a CSRF check."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from joinedup.config import HubConfig
from joinedup.governance.policy import Decision, authorise
from joinedup.readmodel import Dashboard, MatchDetail, MatchSummary
from joinedup.store.db import OperationalStore
from joinedup.store.runs import Run
from joinedup.store.users import User
from joinedup.web.sessions import password_fingerprint

# The purpose the web UI states for now; a purpose picker comes with agreements.
DEFAULT_PURPOSE = "fraud_investigation"


class HubLike(Protocol):
    """What the web needs from a hub; joinedup.hub.Hub and the test fake both fit."""

    config: HubConfig
    store: OperationalStore

    def dashboard(self) -> Dashboard: ...

    def latest_run(self) -> Run | None: ...

    def has_run(self) -> bool: ...

    def list_matches(self) -> list[MatchSummary]: ...

    def get_match(self, match_key: str) -> MatchDetail | None: ...


class LoginRequired(Exception):  # noqa: N818
    """No signed-in user: the app turns this into a redirect to the sign-in page."""


class CsrfFailed(Exception):  # noqa: N818
    """A form came back without this session's token."""


async def get_hub(request: Request) -> HubLike:
    # async: a plain attribute read, so it runs on the event loop instead of taking a
    # worker thread for a moment, as a sync dependency does, on every request.
    return request.app.state.hub


def db_session(hub: Annotated[HubLike, Depends(get_hub)]) -> Iterator[Session]:
    """One store session per request; routes commit what they mean to keep."""
    with hub.store.session() as session:
        yield session


def current_user(request: Request, db: Annotated[Session, Depends(db_session)]) -> User:
    web_session = request.state.session
    if web_session.user_id is None:
        raise LoginRequired
    user = db.get(User, web_session.user_id)
    if user is None or password_fingerprint(user.password_hash) != web_session.password_fp:
        web_session.sign_out()
        raise LoginRequired
    request.state.user = user
    return user


async def csrf_protect(request: Request) -> None:
    form = await request.form()
    token = form.get("csrf_token")
    if not request.state.session.csrf_ok(token if isinstance(token, str) else None):
        raise CsrfFailed


HubDep = Annotated[HubLike, Depends(get_hub)]
DbDep = Annotated[Session, Depends(db_session)]
UserDep = Annotated[User, Depends(current_user)]


# One writer of audit events at a time in this process. SQLite fails a transaction that
# read first and then tries to write while another connection is writing ("database is
# locked", without waiting), which is what many concurrent gate calls do: the gate reads
# the chain's head, then appends. Serialising the gate's short write here keeps 50
# concurrent API users error-free; PostgreSQL does not need it but is not slowed much.
AUDIT_WRITE_LOCK = threading.Lock()


def gate(
    db: Session,
    user: User,
    action: str,
    resource: str,
    purpose: str,
    fields: Sequence[str] = (),
) -> Decision:
    """Ask the policy gate and commit its audit event before anything else happens."""
    db.commit()  # end this request's read transaction, so the write starts fresh
    with AUDIT_WRITE_LOCK:
        decision = authorise(db, user, action, resource, purpose, fields)
        db.commit()
    return decision
