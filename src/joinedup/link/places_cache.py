"""Keep the prepared gazetteer between runs, keyed by its content.

Why: preparing 100,000 LLPG rows (tokens, keys, hierarchy) takes one to two seconds, the
biggest fixed cost of resolving addresses, and the gazetteer changes far less often than
the records do. The prepared tables are saved once per gazetteer *content* (a fingerprint
of every row, the preparation code and the engine version) in a small DuckDB file, and
later runs copy them back instead of rebuilding. A changed gazetteer, or changed
preparation code, gets a new fingerprint and so a fresh preparation: a stale cache can
never be read. The files hold only the council's own gazetteer, no personal data.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from joinedup.engine.analytical import sql_path
from joinedup.link import places_normalise, places_prepare

# the tables prepare_gazetteer makes
PREPARED_TABLES = (
    "_jp_gz", "_jp_gkey", "_jp_gkey_oc", "_jp_gkey_all", "_jp_places", "_jp_gwords",
    "_jp_places_raw",
)  # fmt: skip
_PREFIX = "gazetteer-"
_KEEP = 3  # prepared gazetteers kept (the newest), so a switch back is cheap too


def _code_version() -> str:
    digest = hashlib.sha256(duckdb.__version__.encode())
    for source in (places_normalise.__file__, places_prepare.__file__, __file__):
        digest.update(Path(source or "").read_bytes())
    return digest.hexdigest()


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A key for the content of table `gazetteer` (row order does not matter)."""
    row = con.execute("""
        SELECT count(*), bit_xor(h), sum(h >> 24)
        FROM (SELECT hash(uprn::VARCHAR, parent_uprn::VARCHAR, sao_text::VARCHAR,
                          pao_text::VARCHAR, street::VARCHAR, locality::VARCHAR,
                          town::VARCHAR, postcode::VARCHAR, property_class::VARCHAR) AS h
              FROM gazetteer)
    """).fetchone()
    digest = hashlib.sha256(f"{row}|{_code_version()}".encode())
    return digest.hexdigest()[:20]


def prepare_with_cache(
    con: duckdb.DuckDBPyConnection,
    cache_dir: Path | None,
    prepare: Callable[[duckdb.DuckDBPyConnection], None],
) -> bool:
    """Make the prepared tables on `con`, from `cache_dir` when it holds them.

    Returns True when they came from the cache. Without a cache_dir, always prepares.
    """
    if cache_dir is None:
        prepare(con)
        return False
    path = Path(cache_dir) / f"{_PREFIX}{fingerprint(con)}.duckdb"
    if path.exists():
        try:
            _copy(con, path, into_temp=True)
            os.utime(path)  # recently used: kept by _prune
            return True
        except duckdb.Error:  # unreadable (a half-written file from a crash): rebuild
            path.unlink(missing_ok=True)
    prepare(con)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        _copy(con, partial, into_temp=False)
        os.replace(partial, path)  # atomic: readers see a whole file or none
    finally:
        partial.unlink(missing_ok=True)
    _prune(path.parent)
    return False


def _copy(con: duckdb.DuckDBPyConnection, path: Path, *, into_temp: bool) -> None:
    alias = f"_jp_cache_{uuid.uuid4().hex[:8]}"
    quoted = sql_path(path)
    mode = " (READ_ONLY)" if into_temp else ""
    con.execute(f"ATTACH '{quoted}' AS {alias}{mode}")
    try:
        for table in PREPARED_TABLES:
            if into_temp:
                sql = f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {alias}.{table}"
            else:
                sql = f"CREATE TABLE {alias}.{table} AS SELECT * FROM temp.{table}"
            con.execute(sql)
    finally:
        con.execute(f"DETACH {alias}")


def _prune(folder: Path) -> None:
    files = sorted(folder.glob(f"{_PREFIX}*.duckdb"), key=lambda p: p.stat().st_mtime)
    for old in files[:-_KEEP]:
        old.unlink(missing_ok=True)
