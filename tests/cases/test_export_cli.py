"""`joinedup export cases` on the demo council: every match has a case from the run, the
file holds ids, states and amounts only, and the export is in the audit trail."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from joinedup.cases.export import CASE_EXPORT_COLUMNS
from joinedup.cli import app
from joinedup.hub import Hub
from joinedup.store.audit import AuditEvent


def test_export_cases_from_the_command_line(fresh_demo_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cases.csv"
    config = str(fresh_demo_copy.config_path)
    result = CliRunner().invoke(app, ["export", "cases", "--config", config, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    hub = Hub.open(fresh_demo_copy.config_path)
    matches = hub.list_matches()
    assert rows and len(rows) == len(matches)
    assert list(rows[0]) == CASE_EXPORT_COLUMNS
    assert {r["match_id"] for r in rows} == {m.match_key for m in matches}
    # the run opened a case for every match, so each has the date it was first found
    assert all(r["opened"] and r["status"] == "open" for r in rows)
    values = [float(r["estimated_value"]) for r in rows]
    assert values == sorted(values, reverse=True)
    text = out.read_text(encoding="utf-8")
    addresses = [m.address for m in matches if isinstance(m.address, str) and m.address]
    assert not any(a in text for a in addresses[:50]), "no addresses in the case export"
    with hub.store.session() as session:
        exported = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.export")
        ).all()
    assert [e.decision for e in exported] == ["allowed", "allowed"]
    assert exported[0].actor.startswith("cli:") and exported[-1].detail == f"{len(rows)} rows"

    refused = CliRunner().invoke(
        app,
        ["export", "cases", "--config", config, "--out", str(out), "--purpose", "safeguarding"],
    )
    assert refused.exit_code == 2 and "not allowed" in refused.output
