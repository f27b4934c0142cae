"""How right households over time, movers and stale data alerts are on the demo council.

Measures a run demo council against its truth (see joinedup.link.occupancy_truth): the
precision of the stale data alerts (per kind), of the movers, and of the people placed at
a property on the run's date and on an earlier date. It also times building the three
tables again on a copy of the run's store (median of several runs).

    .venv/bin/joinedup demo-data --out /tmp/h10demo --people 20000
    .venv/bin/joinedup run --config /tmp/h10demo/joinedup.yaml
    .venv/bin/python benchmarks/households_truth.py --folder /tmp/h10demo
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
from common import report_head, save_report

from joinedup.engine import analytical
from joinedup.hub import Hub
from joinedup.link.occupancy import build_occupancy
from joinedup.link.occupancy_truth import measure
from joinedup.link.stale import build_stale_alerts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, required=True, help="a demo council, run")
    parser.add_argument("--past", default="2022-01-01", help="an earlier date to check")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    hub = Hub.open(args.folder / "joinedup.yaml")
    run = hub.latest_run()
    as_of = run.as_of if run is not None and run.as_of else hub.as_of().isoformat()
    con = hub.connect()
    try:
        figures = measure(con, args.folder / "truth", as_of=as_of, past_date=args.past)
        people = con.execute("SELECT count(DISTINCT entity_id) FROM record_entities").fetchone()
        reference = _reference_rules(con)
    finally:
        con.close()
    figures["reference_rules"] = reference
    print(json.dumps(figures, indent=1), flush=True)

    # Time the build on a private copy of the store, so the published run is untouched.
    source = analytical.current_path(hub.data_dir)
    assert source is not None
    timings = []
    with tempfile.TemporaryDirectory(prefix="joinedup-households-") as work:
        copy = Path(work) / "store.duckdb"
        shutil.copyfile(source, copy)
        scratch = duckdb.connect(str(copy))
        try:
            for _ in range(args.runs):
                started = time.perf_counter()
                build_occupancy(scratch, as_of)
                build_stale_alerts(scratch, as_of)
                timings.append(time.perf_counter() - started)
        finally:
            scratch.close()
    report = {
        **report_head("households_truth"),
        "as_of": as_of,
        "entities": int(people[0]) if people else None,
        "build_seconds_median": round(statistics.median(timings), 3),
        "build_seconds_all": [round(t, 3) for t in timings],
        **figures,
    }
    save_report(report)


def _reference_rules(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, object]]:
    """The same truth test applied to the two rules that look for the same staleness (on
    the electoral register and council tax only): the reference the alerts are compared to.
    """
    out = {}
    for rule, stale in (("stale_address_after_move", "address"), ("deceased_still_listed", "died")):
        row = con.execute(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE CASE WHEN ? = 'died'
                       THEN coalesce(p.date_of_death, '') <> ''
                       ELSE coalesce(p.date_of_death, '') = ''
                            AND coalesce(p.current_uprn, '') <> m.uprn END)
            FROM matches m JOIN records r ON r.record_id = m.subject_record_id
            LEFT JOIN t_records t ON t.source = r.source AND t.record_key = r.record_key
            LEFT JOIN t_people p ON p.person_id = t.person_id
            WHERE m.rule = ?
            """,
            [stale, rule],
        ).fetchone()
        assert row is not None
        alerts = con.execute(
            "SELECT count(*) FROM stale_alerts WHERE stale = ? "
            "AND source IN ('electoral_register', 'council_tax')",
            [stale],
        ).fetchone()
        out[rule] = {
            "matches": row[0],
            "right": row[1],
            "precision": round(row[1] / row[0], 4) if row[0] else None,
            "alerts_on_the_same_sources": alerts[0] if alerts else None,
        }
    return out


if __name__ == "__main__":
    main()
