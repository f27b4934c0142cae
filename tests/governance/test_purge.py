"""Purging the kept runs: an erased person leaves every run the hub keeps at once, not
three runs later; only a steward may do it, and it is audited with counts only."""

from __future__ import annotations

import duckdb
from sqlalchemy import select
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.engine import analytical
from joinedup.governance.corrections import request_erasure
from joinedup.governance.purge import kept_runs
from joinedup.governance.users import create_user
from joinedup.hub import Hub
from joinedup.store.audit import AuditEvent

from .test_corrections import DORA

runner = CliRunner()


def test_purge_takes_an_erased_person_out_of_every_kept_run(fresh_demo_copy) -> None:  # type: ignore[no-untyped-def]
    hub = Hub.open(fresh_demo_copy.config_path)
    hub.run()
    hub.run()  # three runs kept, each holding everyone
    runs = kept_runs(hub.data_dir)
    assert len(runs) == analytical.KEEP_RUNS
    order = [(p.name, p.stat().st_mtime_ns) for p in runs]
    con = hub.connect()
    try:
        person, records = con.execute(
            "SELECT entity_id, list(record_id) FROM record_entities GROUP BY entity_id "
            "HAVING count(*) > 1 ORDER BY entity_id LIMIT 1"
        ).fetchone()
        others = con.execute(
            "SELECT count(*) FROM record_entities WHERE entity_id <> ?", [person]
        ).fetchone()[0]
    finally:
        con.close()
    with hub.store.session() as s, s.begin():
        create_user(s, "dora", "correct horse battery staple", "dpo")
        create_user(s, "ann", "correct horse battery staple", "analyst")
        request_erasure(s, DORA, person, "ER-9")
    assert all(r.encode() in runs[0].read_bytes() for r in records)  # before: all there

    cfg = ["--config", str(fresh_demo_copy.config_path)]
    refused = runner.invoke(app, ["erasure", "purge", *cfg, "--as", "ann"])
    assert refused.exit_code == 1 and "not allowed" in refused.output
    done = runner.invoke(app, ["erasure", "purge", *cfg, "--as", "dora"])
    assert done.exit_code == 0, done.output
    assert f"{analytical.KEEP_RUNS} kept run(s) rewritten" in done.output

    # Every kept run: none of their record ids even as bytes, everyone else still there,
    # and the runs in the same order (the hub removes the oldest by that order).
    assert [(p.name, p.stat().st_mtime_ns) for p in kept_runs(hub.data_dir)] == order
    for path in kept_runs(hub.data_dir):
        assert [r for r in records if r.encode() in path.read_bytes()] == [], path.name
        # Attached, not connected: a connection to a path this process still has open
        # would be handed the open (replaced) file.
        store = duckdb.connect()
        try:
            store.execute(f"ATTACH '{analytical.sql_path(path)}' AS kept (READ_ONLY)")
            count = store.execute("SELECT count(*) FROM kept.record_entities").fetchone()
            assert count == (others,)
        finally:
            store.close()
    with hub.store.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "erasure.purged")).one()
    assert event.actor == "dora" and event.detail == (
        f"{analytical.KEEP_RUNS} runs rewritten, {analytical.KEEP_RUNS * len(records)} "
        "records dropped"
    )
    # The served run is still the hub's, and a second purge finds nothing left to do.
    assert hub.connect().execute("SELECT count(*) FROM records").fetchone()[0] == others
    again = runner.invoke(app, ["erasure", "purge", *cfg, "--as", "dora"])
    assert again.exit_code == 0 and "hold none of the erased people's records" in again.output


def test_a_run_rewrites_the_kept_runs_and_reports_when_it_cannot(
    fresh_demo_copy, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A run after an erasure takes the person out of the runs kept before it too; if that
    fails the run still stands, and says so rather than hiding it."""
    import joinedup.hub as hub_module

    hub = Hub.open(fresh_demo_copy.config_path)
    con = hub.connect()
    try:
        person = con.execute("SELECT min(entity_id) FROM record_entities").fetchone()[0]
    finally:
        con.close()
    with hub.store.session() as s, s.begin():
        request_erasure(s, DORA, person, "ER-10")

    def fails(*_args: object) -> list:
        raise PermissionError("the runs folder is read-only")

    monkeypatch.setattr(hub_module, "purge_kept_runs", fails)
    summary = hub.run()
    assert summary.kept_runs_purged == 0 and summary.purge_problem == "PermissionError"
    assert hub.latest_run() is not None and hub.latest_run().id == summary.run_id
    monkeypatch.undo()
    summary = hub.run()  # the run before this one still held the person; this one did not
    assert summary.kept_runs_purged == 1 and summary.purge_problem is None
