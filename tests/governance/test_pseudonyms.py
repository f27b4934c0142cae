"""Keyed pseudonyms: the same as RFC 2104 HMAC, stable, keyed, and re-identified only
through the gate."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from joinedup.governance.policy import PermissionDenied
from joinedup.governance.pseudonyms import (
    PseudonymKeyError,
    create_key,
    load_key,
    pseudonym,
    pseudonymise_table,
    reidentify,
)
from joinedup.store.audit import AuditEvent
from joinedup.store.db import OperationalStore


@dataclass
class Person:
    username: str
    role: str


@pytest.fixture
def key(tmp_path: Path) -> bytes:
    return load_key(create_key(tmp_path / "secrets" / "pseudonym.key"))


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE records AS SELECT * FROM (VALUES "
        "('r1', '9990000026', 'Zoë'), ('r2', '9990000026', 'Ann'), "
        "('r3', '9990000034', 'Bob'), ('r4', NULL, 'Cy')) t(record_key, nhs_number, first_name)"
    )
    return con


def test_table_pseudonyms_equal_python_hmac_and_keep_joins(
    con: duckdb.DuckDBPyConnection, key: bytes
) -> None:
    pseudonymise_table(con, "records", {"nhs_number": "nhs_number"}, key, "records_p")
    rows = con.execute(
        "SELECT record_key, nhs_number, first_name FROM records_p ORDER BY 1"
    ).fetchall()
    assert rows[0][1] == pseudonym(key, "nhs_number", "9990000026")
    assert rows[0][1] == rows[1][1] != rows[2][1]  # same value, same pseudonym
    assert rows[0][1].startswith("p_") and len(rows[0][1]) == 26
    assert rows[3][1] is None  # missing stays missing
    assert [r[2] for r in rows] == ["Zoë", "Ann", "Bob", "Cy"]  # other columns untouched
    assert "9990000026" not in str(con.execute("SELECT * FROM records_p").fetchall())


def test_domain_and_key_change_the_pseudonym(key: bytes) -> None:
    assert pseudonym(key, "nhs_number", "123") != pseudonym(key, "ni_number", "123")
    assert pseudonym(key, "nhs_number", "123") != pseudonym(b"x" * 32, "nhs_number", "123")


def test_key_file_is_private_never_replaced_and_kept_outside_the_data_folder(
    tmp_path: Path,
) -> None:
    path = create_key(tmp_path / "k" / "pseudonym.key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(PseudonymKeyError, match="never replaced"):
        create_key(path)
    inside = create_key(tmp_path / "data" / "pseudonym.key")
    with pytest.raises(PseudonymKeyError, match="outside the hub's data folder"):
        load_key(inside, data_dir=tmp_path / "data")
    with pytest.raises(PseudonymKeyError, match="JOINEDUP_PSEUDONYM_KEY_FILE"):
        load_key(None)


def test_reidentify_needs_the_gate_and_is_audited(
    store: OperationalStore, con: duckdb.DuckDBPyConnection, key: bytes
) -> None:
    wanted = [pseudonym(key, "nhs_number", "9990000026"), pseudonym(key, "nhs_number", "0")]
    with store.session() as session, session.begin():
        found = reidentify(
            session, Person("dee", "dpo"), "audit_oversight", con, "records", "nhs_number",
            "nhs_number", wanted, key,
        )  # fmt: skip
        assert found == {wanted[0]: ["9990000026"]}
        with pytest.raises(PermissionDenied):
            reidentify(
                session, Person("al", "analyst"), "audit_oversight", con, "records",
                "nhs_number", "nhs_number", wanted, key,
            )  # fmt: skip
    with store.session() as session:
        trail = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [(e.actor, e.action, e.decision) for e in trail] == [
        ("dee", "pseudonym.reidentify", "allowed"),
        ("al", "pseudonym.reidentify", "denied"),
    ]
    assert all("9990000026" not in (e.resource + (e.detail or "")) for e in trail)
