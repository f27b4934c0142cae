"""`joinedup users add`, `audit verify` and `agreements list`, as an administrator runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from argon2 import PasswordHasher, profiles
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.governance import users
from joinedup.governance.users import verify_password
from joinedup.store.db import OperationalStore

from .agreement_fixtures import config_data

runner = CliRunner()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the commands; test_users.py checks the real argon2 parameters."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("JOINEDUP_STORE_URL", raising=False)
    data = config_data()
    data["agreements"]["police_safeguarding"]["end"] = None  # in force whatever today is
    data["hub"]["data_dir"] = str(tmp_path / "data")
    path = tmp_path / "joinedup.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def store_of(tmp_path: Path) -> OperationalStore:
    return OperationalStore(f"sqlite:///{tmp_path / 'data' / 'operational.sqlite'}")


def test_users_add_prints_a_working_password_once(config: Path, tmp_path: Path) -> None:
    args = ["users", "add", "pc_jones", "--role", "partner_user"]
    result = runner.invoke(app, [*args, "--organisation", "exampleshire_police", "-c", str(config)])
    assert result.exit_code == 0, result.output
    password = result.stdout.strip().splitlines()[-1]
    with store_of(tmp_path).session() as session:
        login = verify_password(session, "pc_jones", password)
        assert login.ok and login.user.organisation == "exampleshire_police"

    again = runner.invoke(app, [*args, "--organisation", "exampleshire_police", "-c", str(config)])
    assert again.exit_code == 2 and "already a user called 'pc_jones'" in again.output
    orphan = runner.invoke(
        app, ["users", "add", "pc_x", "--role", "partner_user", "-c", str(config)]
    )
    assert orphan.exit_code == 2 and "needs --organisation" in orphan.output
    bad_role = runner.invoke(app, ["users", "add", "x", "--role", "boss", "-c", str(config)])
    assert bad_role.exit_code == 2 and "unknown role 'boss'" in bad_role.output


def test_audit_verify_passes_then_catches_edits_inserts_and_deletes(
    config: Path, tmp_path: Path
) -> None:
    for name in ("ann", "bob", "cat", "dan"):
        result = runner.invoke(app, ["users", "add", name, "--role", "analyst", "-c", str(config)])
        assert result.exit_code == 0, result.output
    intact = runner.invoke(app, ["audit", "verify", "-c", str(config)])
    assert intact.exit_code == 0, intact.output
    assert "intact: 5 events" in intact.stdout  # the agreement, then four accounts
    anchor = intact.stdout.strip().splitlines()[-1].split(": ")[-1]

    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'operational.sqlite'}")

    def execute(sql: str) -> None:
        with engine.begin() as connection:
            connection.execute(text(sql))

    def tamper(sql: str) -> str:
        execute(sql)
        result = runner.invoke(app, ["audit", "verify", "-c", str(config), "--anchor", anchor])
        assert result.exit_code == 1, result.output
        return result.stdout

    edited = tamper("UPDATE audit_events SET detail = 'role admin' WHERE seq = 3")
    assert "event 3 has been edited" in edited
    execute("UPDATE audit_events SET detail = 'role analyst' WHERE seq = 3")  # undo
    deleted = tamper("DELETE FROM audit_events WHERE seq = 2")
    assert "event 2 is missing (deleted)" in deleted
    inserted = tamper(
        "INSERT INTO audit_events (seq, at, actor, action, resource, purpose, decision, "
        "fields, detail, prev_hash, hash) VALUES (2, '2026-01-01 00:00:00', 'mallory', "
        "'user.create', 'user:mallory', 'administration', 'allowed', '', NULL, "
        f"'{'0' * 64}', '{'f' * 64}')"
    )
    assert "event 2 has been edited" in inserted or "event 2 does not follow" in inserted
    cut = tamper("DELETE FROM audit_events WHERE seq >= 4")
    assert "cut from the end" in cut
    engine.dispose()


def test_agreements_list_shows_state_and_shares(config: Path) -> None:
    result = runner.invoke(app, ["agreements", "list", "-c", str(config)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "police_safeguarding" in result.stdout
    assert "safeguarding" in result.stdout and "in force" in result.stdout
    assert "council_tax: first_name, surname, date_of_birth" in result.stdout
    assert "exampleshire_police: Art 6(1)(e)" in result.stdout


def test_pseudonyms_new_key_writes_once(tmp_path: Path) -> None:
    target = tmp_path / "secrets" / "pseudonym.key"
    result = runner.invoke(app, ["pseudonyms", "new-key", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert len(bytes.fromhex(target.read_text().strip())) == 32
    again = runner.invoke(app, ["pseudonyms", "new-key", "--out", str(target)])
    assert again.exit_code == 2 and "never replaced" in again.output


def test_catalogue_and_retention_on_the_demo_council(demo_hub_config) -> None:  # type: ignore[no-untyped-def]
    config = str(demo_hub_config.config_path)
    wide = {"COLUMNS": "200"}
    result = runner.invoke(app, ["catalogue", "-c", config], env=wide)
    assert result.exit_code == 0, result.output
    assert "adult_social_care" in result.stdout and "dates_of_birth" in result.stdout
    result = runner.invoke(app, ["retention", "-c", config], env=wide)
    assert result.exit_code == 0, result.output
    assert "past retention" in result.stdout and "council_tax" in result.stdout
    assert "not machine-readable" in result.stdout  # the electoral register's schedule
