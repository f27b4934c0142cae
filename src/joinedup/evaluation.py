"""Measure a run against the synthetic council's ground truth.

Pairwise and B-cubed precision/recall/F1 of person links, UPRN accuracy (right, wrong,
flagged) per source, each rule's precision and recall, and how right the households built
from the addresses are (stale data alerts, movers, occupancy: link/occupancy_truth, the
one place those are judged). Only records that were loaded are scored for links;
quarantined rows are counted separately.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from joinedup.engine.analytical import sql_string
from joinedup.hub import Hub
from joinedup.link.occupancy_truth import measure as measure_households


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if not precision or not recall:
        return None
    return round(2 * precision * recall / (precision + recall), 4)


def evaluate(hub: Hub, truth_dir: Path) -> dict[str, Any]:
    truth_dir = Path(truth_dir)
    records_csv = truth_dir / "records.csv"
    if not records_csv.exists():
        raise FileNotFoundError(f"no truth file at {records_csv}")
    con = hub.connect()
    try:
        con.execute(
            "CREATE TEMP TABLE truth AS SELECT source || ':' || CAST(record_key AS VARCHAR) "
            "AS record_id, CAST(person_id AS VARCHAR) AS person_id, "
            "CAST(true_uprn AS VARCHAR) AS true_uprn "
            f"FROM read_csv('{records_csv}', all_varchar = true, header = true)"
        )
        result: dict[str, Any] = {
            "run_id": hub.latest_run().id if hub.latest_run() else None,  # type: ignore[union-attr]
            "sources": _source_counts(hub),
            "person_links": _pairwise(con, _identifying_sources(hub)),
            "person_links_all_sources": _pairwise(con, None),
            "person_links_not_scored_sources": sorted(
                s.name for s in hub.config.person_sources() if not s.identifying
            ),
            "uprn": _uprn_accuracy(con),
            "rules": _rules(con, truth_dir),
            "households": _households(hub, con, truth_dir),
        }
    finally:
        con.close()
    return result


def _source_counts(hub: Hub) -> dict[str, dict[str, int]]:
    return {
        s.source: {
            "rows_in": s.rows_in,
            "records": s.records,
            "quarantined": s.quarantined,
            "skipped": s.skipped,
        }
        for s in hub.source_runs()
    }


def _identifying_sources(hub: Hub) -> list[str]:
    return [s.name for s in hub.config.person_sources() if s.identifying]


def _pairwise(con: duckdb.DuckDBPyConnection, sources: list[str] | None) -> dict[str, Any]:
    """Scores over the given sources' records (all person sources when None)."""
    only = ""
    if sources is not None:
        names = ", ".join(sql_string(name) for name in sources)
        only = f" AND e.source IN ({names})"
    return cluster_scores(
        con,
        "SELECT e.entity_id, t.person_id FROM record_entities e JOIN truth t USING (record_id) "
        f"WHERE t.person_id IS NOT NULL AND t.person_id <> ''{only}",
    )


def cluster_scores(con: duckdb.DuckDBPyConnection, scored_sql: str) -> dict[str, Any]:
    """Pairwise and B-cubed precision/recall/F1 of predicted entities against true people.

    `scored_sql` yields one row per scored record: (entity_id, person_id). Pairwise counts
    record pairs, so big clusters dominate it; B-cubed (Bagga and Baldwin, 1998) averages
    per record the share of its predicted cluster that is truly it (precision) and the
    share of its true person that its cluster holds (recall), so every record counts once.
    """
    row = con.execute(
        f"""
        WITH scored AS ({scored_sql}),
        both_ AS (SELECT entity_id, person_id, count(*) AS n FROM scored
                  GROUP BY entity_id, person_id),
        pred AS (SELECT entity_id, count(*) AS n FROM scored GROUP BY entity_id),
        true_ AS (SELECT person_id, count(*) AS n FROM scored GROUP BY person_id)
        SELECT (SELECT sum(n * (n - 1) / 2) FROM both_),
               (SELECT sum(n * (n - 1) / 2) FROM pred),
               (SELECT sum(n * (n - 1) / 2) FROM true_),
               (SELECT count(*) FROM scored),
               (SELECT sum(b.n * b.n / p.n) FROM both_ b JOIN pred p USING (entity_id)),
               (SELECT sum(b.n * b.n / t.n) FROM both_ b JOIN true_ t USING (person_id))
        """
    ).fetchone()
    assert row is not None
    tp, predicted, actual, scored, b3_p, b3_r = (float(v or 0) for v in row)
    precision, recall = _ratio(tp, predicted), _ratio(tp, actual)
    b_precision, b_recall = _ratio(b3_p, scored), _ratio(b3_r, scored)
    return {
        "records_scored": int(scored),
        "true_pairs": int(actual),
        "predicted_pairs": int(predicted),
        "true_positive_pairs": int(tp),
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "bcubed_precision": b_precision,
        "bcubed_recall": b_recall,
        "bcubed_f1": _f1(b_precision, b_recall),
    }


def _uprn_accuracy(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    rows = con.execute(
        """
        SELECT e.source,
               count(*) AS records,
               count(*) FILTER (WHERE e.uprn = t.true_uprn) AS right_,
               count(*) FILTER (WHERE e.uprn IS NOT NULL AND e.uprn <> t.true_uprn) AS wrong,
               count(*) FILTER (WHERE e.uprn IS NULL) AS flagged
        FROM record_entities e JOIN truth t USING (record_id)
        WHERE t.true_uprn IS NOT NULL AND t.true_uprn <> ''
        GROUP BY e.source ORDER BY e.source
        """
    ).fetchall()
    per_source = {}
    totals = [0, 0, 0, 0]
    for source, n, right, wrong, flagged in rows:
        per_source[source] = {
            "records": n,
            "right": _ratio(right, n),
            "wrong": _ratio(wrong, n),
            "flagged": _ratio(flagged, n),
        }
        for i, v in enumerate((n, right, wrong, flagged)):
            totals[i] += v
    n, right, wrong, flagged = totals
    return {
        "records": n,
        "right": _ratio(right, n),
        "wrong": _ratio(wrong, n),
        "flagged": _ratio(flagged, n),
        "per_source": per_source,
    }


def _households(
    hub: Hub, con: duckdb.DuckDBPyConnection, truth_dir: Path
) -> dict[str, Any] | None:
    """Stale data alerts, movers, occupancy and placements against the truth (None when
    the truth has no people or address history to judge them by)."""
    if not all((truth_dir / f"{name}.csv").exists() for name in ("people", "addresses")):
        return None
    run = hub.latest_run()
    as_of = run.as_of if run is not None and run.as_of else hub.as_of().isoformat()
    return measure_households(con, truth_dir, as_of=as_of)


def _rules(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict[str, Any]:
    """Precision and recall of every rule that has a truth file (truth/rule_<name>.csv).

    A truth file lists the subject records a rule should name (kind 'fraud') and the
    look-alikes it should not (kind 'decoy_...'); a match on any other record counts as a
    false positive of kind 'not_planted'.
    """
    results: dict[str, Any] = {}
    for path in sorted(truth_dir.glob("rule_*.csv")):
        rule = path.stem.removeprefix("rule_")
        truth = dict(
            con.execute(
                "SELECT CAST(record_id AS VARCHAR), kind "
                "FROM read_csv(?, all_varchar = true, header = true)",
                [str(path)],
            ).fetchall()
        )
        found = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT subject_record_id FROM matches WHERE rule = ?", [rule]
            ).fetchall()
        }
        positives = {k for k, v in truth.items() if v == "fraud"}
        true_positive = found & positives
        false_by_kind: dict[str, int] = {}
        for key in found - positives:
            kind = truth.get(key, "not_planted")
            false_by_kind[kind] = false_by_kind.get(kind, 0) + 1
        results[rule] = {
            "planted": len(positives),
            "decoys": len(truth) - len(positives),
            "found": len(found),
            "true_positives": len(true_positive),
            "precision": _ratio(len(true_positive), len(found)),
            "recall": _ratio(len(true_positive), len(positives)),
            "false_positives_by_kind": dict(sorted(false_by_kind.items())),
        }
    return results


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The headline figures of `evaluate`'s result in plain words, one line each."""

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    links, uprn = result["person_links"], result["uprn"]
    lines = [
        f"person links: precision {pct(links['precision'])}, recall {pct(links['recall'])}, "
        f"F1 {pct(links['f1'])}",
        f"UPRN, all sources: {uprn['records']:,} records, right {pct(uprn['right'])}, "
        f"wrong {pct(uprn['wrong'])}, flagged {pct(uprn['flagged'])}",
    ]
    for source, figures in uprn["per_source"].items():
        lines.append(
            f"  {source}: {figures['records']:,} records, right {pct(figures['right'])}, "
            f"wrong {pct(figures['wrong'])}, flagged {pct(figures['flagged'])}"
        )
    households = result.get("households")
    if households:
        for alert in households["stale_alerts"]:
            kind = "moved" if alert["stale"] == "address" else "died"
            corroborated = ", corroborated" if alert["corroborated"] else ""
            lines.append(
                f"stale data alerts ({kind}{corroborated}): {alert['alerts']:,}, "
                f"right {alert['right']:,} ({pct(alert['precision'])})"
            )
        for kind, figures in households["recall"].items():
            lines.append(
                f"  truly stale open records ({kind}): {figures['truly_stale_open_records']:,}, "
                f"alerted {figures['alerted']:,} ({pct(figures['recall'])})"
            )
        movers = households["movers"]
        lines.append(
            f"movers: {movers['rows']:,}, right {movers['right']:,} ({pct(movers['precision'])})"
        )
    for name, figures in result["rules"].items():
        lines.append(
            f"rule {name}: precision {pct(figures.get('precision'))}, "
            f"recall {pct(figures.get('recall'))}"
        )
    return lines
