"""The analytical store: one DuckDB file per run, and an atomic pointer to the last good one.

A run builds a new file beside the old one and only a completed run moves the pointer
(an atomic rename), so a failed or killed run leaves the last good state served.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

KEEP_RUNS = 3


def runs_dir(data_dir: Path) -> Path:
    path = data_dir / "runs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pointer_path(data_dir: Path) -> Path:
    return data_dir / "current.json"


def building_path(data_dir: Path, run_id: str) -> Path:
    return runs_dir(data_dir) / f"{run_id}.duckdb.partial"


def published_path(data_dir: Path, run_id: str) -> Path:
    return runs_dir(data_dir) / f"{run_id}.duckdb"


def current_run_id(data_dir: Path) -> str | None:
    pointer = pointer_path(data_dir)
    if not pointer.exists():
        return None
    return str(json.loads(pointer.read_text(encoding="utf-8"))["run_id"])


def current_path(data_dir: Path) -> Path | None:
    run_id = current_run_id(data_dir)
    return published_path(data_dir, run_id) if run_id else None


def publish(data_dir: Path, run_id: str) -> Path:
    """Turn a finished build into the served state; older runs beyond KEEP_RUNS are removed."""
    building = building_path(data_dir, run_id)
    final = published_path(data_dir, run_id)
    os.replace(building, final)
    pointer = pointer_path(data_dir)
    tmp = pointer.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"run_id": run_id}), encoding="utf-8")
    os.replace(tmp, pointer)
    published = sorted(runs_dir(data_dir).glob("*.duckdb"), key=lambda p: p.stat().st_mtime)
    for old in published[:-KEEP_RUNS]:
        if old != final:
            old.unlink(missing_ok=True)
    return final


def discard(data_dir: Path, run_id: str) -> None:
    building_path(data_dir, run_id).unlink(missing_ok=True)
    Path(str(building_path(data_dir, run_id)) + ".wal").unlink(missing_ok=True)


def write_afresh(path: Path) -> None:
    """Rewrite the closed store at `path` into a new file holding only its live rows.

    DuckDB marks a deleted row deleted and keeps its bytes until the space is reused, and
    a dropped table's blocks stay in the file, free but unwiped; a copy of every table,
    view and macro into a fresh file leaves all of that behind."""
    fresh = path.with_name(path.name + ".afresh")
    fresh.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")  # the run reports its own progress
        con.execute(f"ATTACH '{sql_path(path)}' AS written (READ_ONLY)")
        con.execute(f"ATTACH '{sql_path(fresh)}' AS afresh")
        con.execute("COPY FROM DATABASE written TO afresh")
        con.execute("DETACH afresh")
        con.execute("DETACH written")
    except BaseException:
        con.close()
        fresh.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(fresh, path)


def sql_string(text: str) -> str:
    """`text` as a SQL string literal, its quotes doubled: for SQL that cannot take a
    bound parameter (a view, DDL, an expression built into a larger statement)."""
    return "'" + text.replace("'", "''") + "'"


def sql_path(path: Path | str) -> str:
    """A file path as the inside of a SQL string literal (quotes doubled)."""
    return sql_string(str(path))[1:-1]


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET preserve_insertion_order = false")
    if not read_only:
        # A run checkpoints once, when it is done: checkpoints part-way (each time the
        # log passes DuckDB's default 16 MB) would write the same tables out repeatedly.
        con.execute("SET checkpoint_threshold = '4GB'")
    return con


def connect_current(data_dir: Path) -> duckdb.DuckDBPyConnection | None:
    path = current_path(data_dir)
    if path is None or not path.exists():
        return None
    return connect(path, read_only=True)
