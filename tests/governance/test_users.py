"""Accounts: argon2id hashes, lockout after 5 failures for 15 minutes, first-run admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import select

from joinedup.governance import users
from joinedup.governance.audit import verify_chain
from joinedup.governance.users import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    UserError,
    create_user,
    ensure_admin,
    get_user,
    reset_password,
    verify_password,
)
from joinedup.store.audit import AuditEvent
from joinedup.store.base import utcnow
from joinedup.store.db import OperationalStore

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def cheap_hashing_unless_real(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lockout logic does not need 64 MiB per guess; tests marked `real_argon2` keep it."""
    if "real_argon2" not in request.node.name:
        monkeypatch.setattr(users, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


def make(store: OperationalStore, username: str = "ivy", role: str = "investigator") -> None:
    with store.session() as session, session.begin():
        create_user(session, username, PASSWORD, role)


def test_passwords_are_stored_as_argon2id_real_argon2(store: OperationalStore) -> None:
    make(store)
    with store.session() as session:
        user = get_user(session, "ivy")
        assert user is not None
        # argon2-cffi's defaults, RFC 9106's low-memory recommendation.
        assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert verify_password(session, "ivy", PASSWORD).ok
        assert PASSWORD not in user.password_hash
        [event] = session.scalars(select(AuditEvent)).all()
        assert (event.action, event.resource, event.actor) == ("user.create", "user:ivy", "system")


def test_bad_accounts_are_refused(store: OperationalStore) -> None:
    make(store)
    with store.session() as session:
        with pytest.raises(UserError, match="already a user"):
            create_user(session, "ivy", PASSWORD, "investigator")
        with pytest.raises(UserError, match="unknown role"):
            create_user(session, "bob", PASSWORD, "superuser")
        with pytest.raises(UserError, match="at least 12"):
            create_user(session, "bob", "short", "analyst")
        with pytest.raises(UserError, match="letters, digits"):
            create_user(session, "bob smith", PASSWORD, "analyst")


def test_verify_password(store: OperationalStore) -> None:
    make(store)
    with store.session() as session, session.begin():
        assert verify_password(session, "ivy", PASSWORD).ok
        assert verify_password(session, "ivy", "wrong").reason == "invalid"
        assert verify_password(session, "nobody", PASSWORD).reason == "invalid"
        assert verify_password(session, "nobody", PASSWORD).user is None


def test_lockout_after_five_failures_for_fifteen_minutes(store: OperationalStore) -> None:
    assert (5, timedelta(minutes=15)) == (MAX_FAILED_LOGINS, LOCKOUT)
    make(store)
    now = utcnow()
    with store.session() as session, session.begin():
        reasons = [verify_password(session, "ivy", "wrong", now).reason for _ in range(5)]
        assert reasons == ["invalid"] * 4 + ["locked"]
        assert verify_password(session, "ivy", PASSWORD, now + timedelta(minutes=14)).reason == (
            "locked"
        )
        # Attempts while locked do not extend the lock.
        assert verify_password(session, "ivy", "wrong", now + timedelta(minutes=14)).reason == (
            "locked"
        )
        assert verify_password(session, "ivy", PASSWORD, now + timedelta(minutes=15, seconds=1)).ok


def test_success_resets_the_failure_count(store: OperationalStore) -> None:
    make(store)
    with store.session() as session, session.begin():
        for _ in range(4):
            verify_password(session, "ivy", "wrong")
        assert verify_password(session, "ivy", PASSWORD).ok
        for _ in range(4):
            assert verify_password(session, "ivy", "wrong").reason == "invalid"


def test_ensure_admin_creates_admin_once(store: OperationalStore) -> None:
    password = ensure_admin(store)
    assert password is not None and len(password) >= 20
    assert ensure_admin(store) is None
    with store.session() as session:
        result = verify_password(session, "admin", password)
        assert result.ok and result.user is not None and result.user.role == "admin"


def test_reset_password_unlocks_and_replaces_the_password(store: OperationalStore) -> None:
    make(store)
    with store.session() as session, session.begin():
        for _ in range(5):
            verify_password(session, "ivy", "wrong")
    new = reset_password(store, "ivy")
    with store.session() as session, session.begin():
        assert verify_password(session, "ivy", new).ok
        assert not verify_password(session, "ivy", PASSWORD).ok
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert actions == ["user.create", "user.reset_password"]
        assert verify_chain(session) == []
    with pytest.raises(UserError, match="no user called"):
        reset_password(store, "nobody")
