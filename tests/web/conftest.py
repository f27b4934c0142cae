"""Fixtures for the web tests: a fake hub with a real store, a client, signed-in users."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient

from joinedup.governance import users
from joinedup.governance.users import create_user
from joinedup.web import create_app

from .fakes import FakeHub

PASSWORD = "correct horse battery staple"


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
