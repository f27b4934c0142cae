"""The commands others script: each on the small demo council, checking what they print."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from joinedup.cli import app

runner = CliRunner()


def test_demo_data_writes_a_council_with_truth(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo-data", "--out", str(tmp_path / "c"), "--people", "200"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "c"
    assert (folder / "joinedup.yaml").exists()
    assert (folder / "truth" / "records.csv").exists()
    assert (folder / "electoral_register.xlsx").exists()


def test_demo_generates_runs_and_measures_without_serving(tmp_path: Path) -> None:
    """What the README's first command does, short of serving: the run inside it goes
    through `run_pipeline`, the plain function behind `joinedup run`."""
    folder = tmp_path / "demo"
    result = runner.invoke(
        app, ["demo", "--dir", str(folder), "--people", "200", "--no-serve"]
    )
    assert result.exit_code == 0, result.output
    assert "measured against the truth:" in result.output
    assert (folder / "joinedup.yaml").exists()


def test_run_quality_evaluate_and_export(fresh_demo_copy, tmp_path: Path) -> None:
    config = str(fresh_demo_copy.config_path)
    result = runner.invoke(app, ["run", "--config", config])
    assert result.exit_code == 0, result.output
    assert "council_tax" in result.output and "single_person_discount" in result.output

    result = runner.invoke(app, ["quality", "--config", config])
    assert result.exit_code == 0, result.output
    assert "completeness" in result.output and "Postcode" in result.output

    result = runner.invoke(
        app, ["evaluate", "--config", config, "--truth", str(fresh_demo_copy.folder / "truth")]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) >= {"sources", "person_links", "uprn", "rules", "households"}
    assert set(figures["uprn"]["per_source"]["council_tax"]) >= {"right", "wrong", "flagged"}
    assert {"stale_alerts", "movers", "recall"} <= set(figures["households"])
    truth = str(fresh_demo_copy.folder / "truth")
    result = runner.invoke(app, ["evaluate", "--summary", "--config", config, "--truth", truth])
    assert result.exit_code == 0, result.output
    assert "council_tax:" in result.output and "movers:" in result.output
    assert figures["sources"]["council_tax"]["rows_in"] == (
        figures["sources"]["council_tax"]["records"]
        + figures["sources"]["council_tax"]["quarantined"]
    )

    out = tmp_path / "entities.csv"
    result = runner.invoke(app, ["export", "entities", "--config", config, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[:4] == ["source", "record_key", "entity_id", "uprn"]


def test_a_broken_config_is_reported_plainly(tmp_path: Path) -> None:
    config = tmp_path / "joinedup.yaml"
    config.write_text("hub: {name: x}\nsources:\n  ct: {file: a.csv}\n", encoding="utf-8")
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "source 'ct'" in result.output and "owner" in result.output


def test_quality_before_any_run_says_what_to_do(tmp_path: Path) -> None:
    config = tmp_path / "joinedup.yaml"
    config.write_text(
        "sources:\n  ct:\n    owner: x\n    file: a.csv\n    key: record_key\n"
        "    columns: [{column: Ref, field: record_key}]\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["quality", "--config", str(config)])
    assert result.exit_code == 2
    assert "joinedup run" in result.output


def test_init_writes_a_starter_config(tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "people.csv").write_text(
        "Ref,Surname,Forename,Date of Birth,Postcode\n1,Smith,Jane,01/02/1980,AB1 2CD\n"
        "2,Jones,Tom,03/04/1975,AB1 2CE\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    text = (folder / "joinedup.yaml").read_text(encoding="utf-8")
    assert "people.csv" in text and "surname" in text
    again = runner.invoke(app, ["init", str(folder)])
    assert again.exit_code == 2 and "--force" in again.output


def test_exports_of_personal_data_pass_the_gate_and_are_audited(
    demo_hub_config, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from joinedup.hub import Hub
    from joinedup.store.audit import AuditEvent

    config = str(demo_hub_config.config_path)
    for kind in ("entities", "addresses", "stale", "matches"):
        out = tmp_path / f"{kind}.csv"
        result = runner.invoke(app, ["export", kind, "--config", config, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.exists()
    refused = runner.invoke(
        app,
        [
            "export",
            "entities",
            "--config",
            config,
            "--out",
            str(tmp_path / "x.csv"),
            "--purpose",
            "curiosity",
        ],
    )
    assert refused.exit_code == 2 and "not allowed" in refused.output
    assert not (tmp_path / "x.csv").exists()
    hub = Hub.open(demo_hub_config.config_path)
    with hub.store.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.resource.like("export:%"))
        ).all()
    decisions = {(e.resource, e.decision) for e in events}
    for kind in ("entities", "addresses", "stale", "matches"):
        assert (f"export:{kind}", "allowed") in decisions
    assert ("export:entities", "denied") in decisions


def _give_team_inbox(path: Path, accounts: int) -> None:
    """One inbox as the email of `accounts` council tax accounts with different first names
    (the demo writes this file in Windows-1252)."""
    import csv

    with path.open(encoding="cp1252", newline="") as f:
        rows = list(csv.reader(f))
    email, name = rows[0].index("Email"), rows[0].index("Lead Liable Name")
    seen: set[str] = set()
    for row in rows[1:]:
        if len(row) != len(rows[0]):  # the demo's broken rows, left as they are
            continue
        first = row[name].split(",")[-1].split()[:1]
        if first and first[0].lower() not in seen and len(seen) < accounts:
            seen.add(first[0].lower())
            row[email] = "duty.team@example.gov.uk"
    assert len(seen) == accounts
    with path.open("w", encoding="cp1252", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows)


def test_a_run_set_to_link_incrementally_says_when_it_linked_afresh(tmp_path: Path) -> None:
    import yaml

    folder = tmp_path / "c"
    result = runner.invoke(app, ["demo-data", "--out", str(folder), "--people", "200"])
    assert result.exit_code == 0, result.output
    config_path = folder / "joinedup.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config.setdefault("link", {})["incremental"] = True
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    _give_team_inbox(folder / "council_tax.csv", accounts=12)
    first = runner.invoke(app, ["run", "--config", str(config_path)])
    assert first.exit_code == 0, first.output
    assert "linked everything afresh: there is no earlier run to build on" in first.output
    assert "1 email(s) or phone number(s) given for many people left out" in first.output
    second = runner.invoke(app, ["run", "--config", str(config_path)])
    assert second.exit_code == 0, second.output
    assert "linked incrementally: scored afresh 0 new or changed record(s)" in second.output
    assert "linked everything afresh" not in second.output
