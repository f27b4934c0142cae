"""The data quality report: each source's scores in the served run, and the fields to fix.

Built from the quality results the run stored (one score per source, field and dimension)
and the run's load counts; it holds counts and shares only, never a value from a record.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from joinedup.reports.document import BarChart, Document, Paragraph, Table, count, pct1

# A field scoring below this in any dimension is listed under "Fields to look at".
ATTENTION_BELOW = 0.95


def quality_document(hub: Any) -> Document:
    """The report for the hub's served run (an empty one if no run has finished)."""
    run = hub.latest_run()
    results = hub.quality() if run else []
    loads = {s.source: s for s in hub.source_runs()} if run else {}
    dimensions = sorted({r.dimension for r in results})
    scores: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    fields: dict[tuple[str, str], dict[str, Any]] = {}
    for r in results:
        if r.score is not None:
            scores[r.source][r.dimension].append(r.score)
        fields.setdefault((r.source, r.field), {})[r.dimension] = r
    doc = Document(
        title="Data quality report",
        subtitle=f"Run {run.id}, data as of {run.as_of}" if run else "No run has finished yet",
        footer=(
            "Scores are the share of checked values that pass: completeness (filled in), "
            "validity (in the right form), uniqueness and the other dimensions explained in "
            "the JoinedUp glossary. Quarantined rows are kept out of the run with their reasons."
        ),
    )
    if not run:
        doc.summary = ["No run has finished yet: run the pipeline, then come back here."]
        return doc
    to_fix = sorted(
        (r.score, r.source, r.field, r.dimension, r.passed, r.checked)
        for r in results
        if r.score is not None and r.score < ATTENTION_BELOW
    )
    rows_in = sum(load.rows_in or 0 for load in loads.values())
    quarantined = sum(load.quarantined or 0 for load in loads.values())
    doc.summary = [
        f"{len(hub.config.sources)} sources; {count(rows_in)} rows read, "
        f"{count(quarantined)} quarantined.",
        f"{count(len(to_fix))} field scores below {ATTENTION_BELOW:.0%} across "
        f"{count(len({(s, f) for _, s, f, *_ in to_fix}))} fields.",
    ]

    def mean(source: str, dimension: str) -> float | None:
        values = scores[source].get(dimension)
        return sum(values) / len(values) if values else None

    by_source = doc.section("By source")
    by_source.add(
        Paragraph("The mean score of each source's fields, per dimension, and its row counts."),
        Table(
            ["Source", "Rows read", "Quarantined", *[d.capitalize() for d in dimensions]],
            [
                [
                    name,
                    count(loads[name].rows_in if name in loads else None),
                    count(loads[name].quarantined if name in loads else None),
                    *[pct1(mean(name, d)) for d in dimensions],
                ]
                for name in hub.config.sources
            ],
            numeric=tuple(range(1, 3 + len(dimensions))),
        ),
    )
    if "completeness" in dimensions:
        bars = [
            (name, value)
            for name in hub.config.sources
            if (value := mean(name, "completeness")) is not None
        ]
        by_source.add(BarChart("Completeness by source", bars, 1.0, True))
    attention = doc.section("Fields to look at")
    if to_fix:
        attention.add(
            Table(
                ["Source", "Field", "Dimension", "Score", "Passed", "Checked"],
                [
                    [s, f, d, pct1(score), count(passed), count(checked)]
                    for score, s, f, d, passed, checked in to_fix
                ],
                caption=f"Field scores below {ATTENTION_BELOW:.0%}, lowest first",
                numeric=(3, 4, 5),
            )
        )
    else:
        attention.add(Paragraph(f"Every field scores {ATTENTION_BELOW:.0%} or more."))
    every = doc.section("Every field")
    every.add(
        Table(
            ["Source", "Field", *[d.capitalize() for d in dimensions]],
            [
                [
                    source,
                    field_name,
                    *[pct1(by_dim[d].score) if d in by_dim else "-" for d in dimensions],
                ]
                for (source, field_name), by_dim in sorted(fields.items())
            ],
            numeric=tuple(range(2, 2 + len(dimensions))),
        )
    )
    return doc
