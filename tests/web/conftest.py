"""Fixtures for the web tests: a fake hub with a real store, a client, signed-in users,
private copies of the demo council, and a live server for the browser tests."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.governance import users
from joinedup.governance.users import create_user
from joinedup.hub import Hub
from joinedup.store.audit import AuditEvent
from joinedup.web import create_app

from .fakes import FakeHub

PASSWORD = "correct horse battery staple"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about routes; tests/governance checks the real argon2 parameters."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def hub(tmp_path: Path) -> FakeHub:
    return FakeHub(tmp_path / "data")


@pytest.fixture
def make_user(hub: FakeHub) -> Callable[..., str]:
    def make(username: str, role: str, password: str = PASSWORD) -> str:
        with hub.store.session() as session, session.begin():
            create_user(session, username, password, role, display_name=username.title())
        return username

    return make


@pytest.fixture
def client(hub: FakeHub) -> TestClient:
    # base_url https so the Secure cookie flag path is exercised too
    return TestClient(create_app(hub), base_url="https://testserver", follow_redirects=False)


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def investigator(client: TestClient, make_user: Callable[..., str]) -> TestClient:
    sign_in(client, make_user("ivy", "investigator"))
    return client


@pytest.fixture
def as_user(demo_hub) -> Iterator[Callable[[str], TestClient]]:  # type: ignore[no-untyped-def]
    """Signed-in clients on the requesting module's `demo_hub` (each module makes its own
    council and accounts), closed at the end of the test."""
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(
            create_app(demo_hub), base_url="https://testserver", follow_redirects=False
        )
        sign_in(client, username)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def audited(hub: Any, resource: str) -> list[tuple[str, str, str]]:
    """Each audit event about this resource, as (actor, action, decision)."""
    with hub.store.session() as db:
        rows = db.scalars(select(AuditEvent).where(AuditEvent.resource == resource))
        return [(e.actor, e.action, e.decision) for e in rows]


def first_row(hub: Hub, sql: str) -> tuple:
    """The first row of a query on the run's analytical store."""
    con = hub.connect()
    try:
        return con.execute(sql).fetchone()  # type: ignore[return-value]
    finally:
        con.close()


def copy_council(folder: Path, into: Path) -> Path:
    """A private copy of the session's run council (tests/conftest.py) in `into`, so what a
    module adds (users, cases, audit events) stays out of the others; its config path."""
    target = into / "council"
    shutil.copytree(folder, target)
    return target / "joinedup.yaml"


def add_users(hub: Hub, roles: Mapping[str, str], partner_organisation: str = "police") -> None:
    """Accounts with PASSWORD, by username -> role; partner users belong to the organisation."""
    with hub.store.session() as db, db.begin():
        for username, role in roles.items():
            organisation = partner_organisation if role == "partner_user" else None
            create_user(
                db, username, PASSWORD, role, display_name=username.title(),
                organisation=organisation,
            )  # fmt: skip


def private_demo_hub(
    folder: Path, into: Path, roles: Mapping[str, str], partner_organisation: str = "police"
) -> Hub:
    """The hub over a private copy of the run council, with these accounts."""
    hub = Hub.open(copy_council(folder, into))
    add_users(hub, roles, partner_organisation)
    return hub


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve the app on a free localhost port in a thread, for a real browser; yields the
    base URL and stops the server on leaving."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def browser_needs(*paths: Path) -> None:
    """Skip when the system Chromium (or another file a browser test needs) is missing,
    unless CI=true: then fail instead."""
    missing = [str(p) for p in (Path(CHROMIUM), *paths) if not p.exists()]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"missing for the browser tests with CI=true: {', '.join(missing)}")
        pytest.skip(f"missing: {', '.join(missing)} (run npm install in tests/web for axe-core)")


def browser_sign_in(page: Any, base_url: str, username: str) -> None:
    """Sign in through the login form and wait for the dashboard."""
    from playwright.sync_api import expect

    page.goto(base_url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
