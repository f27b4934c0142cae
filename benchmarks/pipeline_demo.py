"""The single person discount pilot on the synthetic council, measured end to end.

Generates the demo council (20,000 people by default), runs the whole pipeline several
times and reports medians: ingest rows per second (with plain pandas.read_csv of the same
CSV files in the same process as the reference), address resolution and link times, the
pairwise F1 of person links, UPRN accuracy and the rule's precision and recall.

    .venv/bin/python benchmarks/pipeline_demo.py --people 20000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import pandas as pd
from common import fresh_council, report_head, save_report

from joinedup.evaluation import evaluate
from joinedup.hub import Hub


def _reference_read_seconds(folder: Path, hub: Hub) -> float:
    """Plain pandas.read_csv of the CSV sources: a floor for what reading alone costs."""
    started = time.perf_counter()
    for source in hub.config.sources.values():
        if source.file_format() == "csv":
            pd.read_csv(
                hub.config.source_path(source),
                dtype=str,
                encoding=source.read.encoding or "utf-8",
                on_bad_lines="skip",
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / "work" / "pipeline")
    args = parser.parse_args()

    generate_seconds = fresh_council(args.work, args.people, args.seed)
    config = args.work / "joinedup.yaml"

    runs = []
    for index in range(args.runs):
        hub = Hub.open(config)
        started = time.perf_counter()
        summary = hub.run()
        total = time.perf_counter() - started
        rows_in = sum(load.rows_in for load in summary.loads)
        csv_rows = sum(
            load.rows_in
            for load in summary.loads
            if hub.config.sources[load.source].file_format() == "csv"
        )
        reference = _reference_read_seconds(args.work, hub)
        csv_ingest = sum(
            load.seconds
            for load in summary.loads
            if hub.config.sources[load.source].file_format() == "csv"
        )
        result = evaluate(hub, args.work / "truth")
        spd = result["rules"]["single_person_discount"]
        runs.append(
            {
                "run": index + 1,
                "rows_in": rows_in,
                "ingest_seconds": summary.seconds["ingest"],
                "ingest_rows_per_second": rows_in / summary.seconds["ingest"],
                "csv_ingest_vs_pandas_read_csv": csv_ingest / reference,
                "csv_rows": csv_rows,
                "places_seconds": summary.seconds["places"],
                "link_people_seconds": summary.seconds["link_people"],
                "rules_seconds": summary.seconds["rules"],
                "total_seconds": total,
                "person_link_f1": result["person_links"]["f1"],
                "person_link_precision": result["person_links"]["precision"],
                "person_link_recall": result["person_links"]["recall"],
                "uprn_right": result["uprn"]["right"],
                "uprn_wrong": result["uprn"]["wrong"],
                "uprn_flagged": result["uprn"]["flagged"],
                "spd_precision": spd["precision"],
                "spd_recall": spd["recall"],
                "spd_planted": spd["planted"],
                "spd_found": spd["found"],
            }
        )
        print(json.dumps(runs[-1]), flush=True)

    medians = {
        key: statistics.median(r[key] for r in runs)
        for key in runs[0]
        if key != "run" and all(isinstance(r[key], (int, float)) for r in runs)
    }
    report = {
        **report_head("pipeline_demo"),
        "people": args.people,
        "generate_seconds": generate_seconds,
        "medians": medians,
        "runs": runs,
        "last_evaluation": result,
    }
    print(json.dumps({"medians": medians}, indent=2))
    save_report(report)


if __name__ == "__main__":
    main()
