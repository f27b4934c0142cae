"""Accounts and passwords.

Passwords are hashed with argon2id, using argon2-cffi's defaults (RFC 9106's "second
recommended option": t=3, m=64 MiB, p=4; https://argon2-cffi.readthedocs.io/en/stable/api.html).
An account locks for 15 minutes after 5 failed sign-ins in a row. The NCSC asks for
throttling or lockout instead of complexity rules, and Cyber Essentials for lockout after
no more than 10 attempts (https://www.ncsc.gov.uk/collection/passwords/updating-your-approach);
5 is inside that. Passwords we generate are long and random, so need no composition rules.

Account changes are audited; the actor is "system" when the CLI makes them.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.governance.audit import record_event
from joinedup.store.base import utcnow
from joinedup.store.db import OperationalStore
from joinedup.store.users import ROLES, User

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
ADMIN_USERNAME = "admin"

_hasher = PasswordHasher()  # argon2id
# Verified against when the username is unknown, so the answer takes as long either way
# and response time does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A request about an account that cannot be met, phrased for the person asking."""


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    reason: Literal["ok", "invalid", "locked"]

    @property
    def ok(self) -> bool:
        return self.reason == "ok"


def random_password() -> str:
    """A password to hand over once; 128 bits, so it needs no composition rules."""
    return secrets.token_urlsafe(16)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password must be at least {MIN_PASSWORD_LENGTH} characters long")
    return _hasher.hash(password)


def get_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    actor: str = "system",
    organisation: str | None = None,
) -> User:
    """Add an account (flushed, not committed).

    A partner user should name their organisation (agreements are made with
    organisations); one without is allowed to exist but the gate lets them see nothing.
    `joinedup users add` insists on it.
    """
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if organisation is not None and not re.fullmatch(r"[a-z][a-z0-9_]*", organisation):
        raise UserError("an organisation is named by its id, in lower_snake_case")
    if not username or not username.isascii() or not username.replace("_", "").isalnum():
        raise UserError("a username must be letters, digits and underscores")
    if get_user(session, username) is not None:
        raise UserError(f"there is already a user called {username!r}")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        organisation=organisation,
        password_hash=hash_password(password),
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        actor,
        "user.create",
        f"user:{username}",
        "administration",
        "allowed",
        detail=f"role {role}" + (f", organisation {organisation}" if organisation else ""),
    )
    return user


def verify_password(
    session: Session, username: str, password: str, now: datetime | None = None
) -> LoginResult:
    """Check a sign-in and keep the failure count; the caller commits.

    A locked account is refused even with the right password, and the lock is not
    extended by further attempts, so an attacker cannot keep a user locked out for
    longer than one period after they stop.
    """
    now = now or utcnow()
    user = get_user(session, username)
    if user is None:
        _verify(_DUMMY_HASH, password)
        return LoginResult(None, "invalid")
    if user.locked_until is not None and user.locked_until > now:
        _verify(_DUMMY_HASH, password)
        return LoginResult(user, "locked")
    if not _verify(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            return LoginResult(user, "locked")
        return LoginResult(user, "invalid")
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return LoginResult(user, "ok")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def ensure_admin(store: OperationalStore) -> str | None:
    """On first run, create user "admin" and return its one-time password; else None.

    Runs when no admin account exists at all, so a hub whose admin was renamed or
    whose admins were all removed gets a way back in.
    """
    with store.session() as session, session.begin():
        admins = session.scalar(select(func.count()).select_from(User).where(User.role == "admin"))
        if admins:
            return None
        existing = get_user(session, ADMIN_USERNAME)
        password = random_password()
        if existing is not None:
            existing.role = "admin"
            existing.password_hash = hash_password(password)
            existing.failed_logins = 0
            existing.locked_until = None
            record_event(
                session,
                "system",
                "user.make_admin",
                f"user:{ADMIN_USERNAME}",
                "administration",
                "allowed",
                detail="no admin existed; password reset",
            )
        else:
            create_user(session, ADMIN_USERNAME, password, "admin", "Administrator")
        return password


def reset_password(store: OperationalStore, username: str) -> str:
    """Give an account a new random password and unlock it; returns the password.

    Signed-in sessions of the account end, because the web session is bound to the
    password hash.
    """
    with store.session() as session, session.begin():
        user = get_user(session, username)
        if user is None:
            raise UserError(f"there is no user called {username!r}")
        password = random_password()
        user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        record_event(
            session,
            "system",
            "user.reset_password",
            f"user:{username}",
            "administration",
            "allowed",
        )
        return password
