"""App-level behaviour: failures show a friendly page and leak nothing; serve() set-up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from joinedup.web import app as web_app
from joinedup.web import create_app

from .conftest import csrf_from, sign_in
from .fakes import FakeHub

SECRET_DETAIL = "Sam Placeholder 17/05/1980"


def test_a_crash_shows_a_friendly_page_without_the_error_text(
    hub: FakeHub,
    make_user: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> None:
        raise RuntimeError(f"could not parse {SECRET_DETAIL}")

    monkeypatch.setattr(hub, "dashboard", broken)
    client = TestClient(create_app(hub), raise_server_exceptions=False, follow_redirects=False)
    sign_in(client, make_user("ivy", "investigator"))
    with caplog.at_level(logging.DEBUG):
        page = client.get("/")
    assert page.status_code == 500
    assert "Sorry, there is a problem with the service" in page.text
    assert SECRET_DETAIL not in page.text
    assert "RuntimeError" in caplog.text
    assert SECRET_DETAIL not in caplog.text


def test_a_whole_session_logs_no_personal_data(
    investigator: TestClient, hub: FakeHub, caplog: pytest.LogCaptureFixture
) -> None:
    key = next(m.match_key for m in hub.list_matches() if m.rule == "spd_electoral_register")
    with caplog.at_level(logging.DEBUG):
        page = investigator.get(f"/matches/{key}")
        form = {"status": "closed", "outcome": "no_issue", "note": "Sam Placeholder moved.",
                "csrf_token": csrf_from(page.text)}  # fmt: skip
        investigator.post(f"/matches/{key}", data=form)
        investigator.get("/matches")
    for name in ["Placeholder", "Fictional", "1980", "ZZ1"]:
        assert name not in caplog.text


def test_serve_creates_the_first_admin_and_prints_the_password_once(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_run(app: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    import uvicorn

    monkeypatch.setattr(uvicorn, "run", fake_run)
    web_app.serve(hub, port=8123)
    first = capsys.readouterr().err
    assert "Created user 'admin'" in first
    web_app.serve(hub, port=8123)
    assert "Created user 'admin'" not in capsys.readouterr().err
    assert calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8123
