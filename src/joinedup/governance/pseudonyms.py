"""Keyed pseudonyms: analysts work on stable stand-ins for identifiers, not the identifiers.

A pseudonym is HMAC-SHA256(key, domain + US + value), shortened to 96 bits and written
"p_" + 24 hex digits. The same value in the same domain always gets the same pseudonym,
so analysts can still count, join and link; without the key nobody can work back from
a pseudonym or test a guess (a plain hash of an NHS number could be reversed by hashing
every possible number, a keyed one cannot). The domain keeps an NHS number's pseudonym
from matching the same digits used as something else.

The key is a file outside both stores (the ICO's guidance on pseudonymisation asks that
the additional information be kept separately; UK GDPR Art 4(5)), named by
JOINEDUP_PSEUDONYM_KEY_FILE; the hub refuses a key inside its own data folder.

The work is set-based: DuckDB computes the HMAC for a whole column in one statement
(HMAC is two SHA-256 passes over padded key bytes, RFC 2104), checked against Python's
hmac module in the tests. Re-identification is a policy-gate action, so it is allowed
only to some roles, for a purpose, and audited.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import duckdb
from sqlalchemy.orm import Session

from joinedup.engine.analytical import sql_path
from joinedup.governance.policy import Actor, PermissionDenied, authorise

KEY_ENV = "JOINEDUP_PSEUDONYM_KEY_FILE"
KEY_BYTES = 32
_BLOCK = 64  # SHA-256's block size, for HMAC's padding
_SEPARATOR = "\x1f"  # ASCII unit separator: cannot appear in a domain name
_PREFIX = "p_"
_HEX_DIGITS = 24  # 96 bits: collisions need ~2^48 values


class PseudonymKeyError(RuntimeError):
    """The key is missing, malformed or in the wrong place; phrased for an administrator."""


def create_key(path: Path) -> Path:
    """Write a new random key, readable by its owner only; never overwrites one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise PseudonymKeyError(f"a key already exists at {path}; it is never replaced") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    return path


def load_key(path: Path | None = None, data_dir: Path | None = None) -> bytes:
    """The key from `path` or JOINEDUP_PSEUDONYM_KEY_FILE; refused if inside `data_dir`."""
    chosen = path or (Path(os.environ[KEY_ENV]) if os.environ.get(KEY_ENV) else None)
    if chosen is None:
        raise PseudonymKeyError(f"no pseudonym key: set {KEY_ENV} to a key file's path")
    chosen = chosen.resolve()
    if data_dir is not None and chosen.is_relative_to(data_dir.resolve()):
        raise PseudonymKeyError("the pseudonym key must be kept outside the hub's data folder")
    if not chosen.exists():
        raise PseudonymKeyError(f"no pseudonym key at {chosen}")
    try:
        key = bytes.fromhex(chosen.read_text(encoding="ascii").strip())
    except ValueError:
        raise PseudonymKeyError(f"the key at {chosen} is not hex") from None
    if len(key) < KEY_BYTES:
        raise PseudonymKeyError(f"the key at {chosen} is shorter than {KEY_BYTES} bytes")
    return key


def _pads(key: bytes) -> tuple[bytes, bytes]:
    block = key.ljust(_BLOCK, b"\0") if len(key) <= _BLOCK else key  # keys are 32 bytes
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def pseudonym_sql(column: str, domain: str) -> str:
    """SQL for the pseudonym of `column` (a quoted identifier or expression).

    Takes two parameters, in order: the outer pad and the inner pad ($opad, $ipad in
    `pseudonymise_table`). NULL stays NULL.
    """
    if not domain.replace("_", "").isalnum():
        raise ValueError("a pseudonym domain is letters, digits and underscores")
    message = f"encode('{domain}{_SEPARATOR}' || CAST({column} AS VARCHAR))"
    inner = f"unhex(sha256($ipad::BLOB || {message}))"
    digest = f"sha256($opad::BLOB || {inner})"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL "
        f"ELSE '{_PREFIX}' || left({digest}, {_HEX_DIGITS}) END"
    )


def pseudonym(key: bytes, domain: str, value: str) -> str:
    """One pseudonym, in Python: for tests and single look-ups, never for a whole column."""
    import hashlib
    import hmac

    digest = hmac.new(key, f"{domain}{_SEPARATOR}{value}".encode(), hashlib.sha256).hexdigest()
    return _PREFIX + digest[:_HEX_DIGITS]


def pseudonymise_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Mapping[str, str],
    key: bytes,
    out_table: str,
) -> None:
    """Write `out_table`: `table` with each column in `columns` (column -> domain)
    replaced by its pseudonym; every other column unchanged."""
    ipad, opad = _pads(key)
    replaced = ", ".join(
        f"{pseudonym_sql(_quote(column), domain)} AS {_quote(column)}"
        for column, domain in columns.items()
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {_quote(out_table)} AS "
        f"SELECT * REPLACE ({replaced}) FROM {_quote(table)}",
        {"ipad": ipad, "opad": opad},
    )


def reidentify(
    session: Session,
    user: Actor,
    purpose: str,
    con: duckdb.DuckDBPyConnection,
    table: str,
    column: str,
    domain: str,
    pseudonyms: list[str],
    key: bytes,
) -> dict[str, list[str]]:
    """The values behind some pseudonyms, if the gate allows it (audited either way).

    The resource in the trail is the table and column, never the values.
    """
    decision = authorise(
        session, user, "pseudonym.reidentify", f"pseudonyms:{table}.{column}", purpose,
        (column,),
    )  # fmt: skip
    if not decision.allowed:
        raise PermissionDenied(decision)
    ipad, opad = _pads(key)
    rows = con.execute(
        f"SELECT p, list(DISTINCT v ORDER BY v) FROM ("
        f"SELECT {pseudonym_sql(_quote(column), domain)} AS p, "
        f"CAST({_quote(column)} AS VARCHAR) AS v FROM {_quote(table)}) "
        f"WHERE p IN (SELECT unnest($wanted::VARCHAR[])) GROUP BY p",
        {"ipad": ipad, "opad": opad, "wanted": pseudonyms},
    ).fetchall()
    return {p: values for p, values in rows}


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# What an export's columns stand for, as pseudonym domains (web/pseudonymised.py uses the
# same, so a value has one pseudonym wherever an analyst meets it). A record key is only
# unique within its source, so it is pseudonymised as the record id "source:key".
EXPORT_DOMAINS: dict[str, str] = {
    "record_key": "record_id",
    "subject_record": "record_id",
    "address": "address",
    "postcode": "postcode",
    "uprn": "uprn",
    "new_uprn": "uprn",
}
_LISTS = {"records": "record_id"}  # space-separated lists of values


def pseudonymise_csv(path: Path, key: bytes) -> list[str]:
    """Rewrite an export in place with its identifying columns as pseudonyms; returns the
    columns replaced. Set-based: one DuckDB statement for the whole file."""
    con = duckdb.connect()
    try:
        literal = sql_path(path)
        con.execute(
            f"CREATE TABLE export AS SELECT * FROM read_csv('{literal}', all_varchar = true, "
            "header = true)"
        )
        columns = [r[0] for r in con.execute("DESCRIBE export").fetchall()]
        if "record_key" in columns and "source" in columns:
            con.execute("UPDATE export SET record_key = source || ':' || record_key")
        replaced = [c for c in columns if c in EXPORT_DOMAINS or c in _LISTS]
        if not replaced:
            return []
        parts = []
        for column in replaced:
            if column in _LISTS:
                inner = pseudonym_sql("x", _LISTS[column])
                parts.append(
                    f"array_to_string(list_transform(string_split({_quote(column)}, ' '), "
                    f"x -> {inner}), ' ') AS {_quote(column)}"
                )
            else:
                parts.append(f"{pseudonym_sql(_quote(column), EXPORT_DOMAINS[column])} "
                             f"AS {_quote(column)}")  # fmt: skip
        ipad, opad = _pads(key)
        con.execute(
            f"COPY (SELECT * REPLACE ({', '.join(parts)}) FROM export) TO '{literal}' "
            "(HEADER, DELIMITER ',')",
            {"ipad": ipad, "opad": opad},
        )
        return replaced
    finally:
        con.close()
