"""Clerical review labels and saved models, measured on the synthetic council.

Runs the pipeline without labels (the reference, in the same script), then labels a
random sample of the review queue's pairs from the ground truth, as a careful reviewer
would, and runs again: once with the labels as fixed decisions only, once also retraining
the model's m probabilities from the "same person" labels. Reports pairwise and B-cubed
precision, recall and F1 of person links for each, and the link stage's time when a saved
model version is reused instead of training.

    .venv/bin/python benchmarks/review_labels.py --people 3000 --labels 50 200

Accuracy figures are deterministic for a seed; times are single runs on a shared 2-core
machine and noisy.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import duckdb
from common import fresh_council, report_head, save_report
from sqlalchemy import delete

from joinedup.evaluation import evaluate
from joinedup.hub import Hub
from joinedup.link.review import candidate_pairs, save_label
from joinedup.store.review import ReviewLabel

NEVER = 10**9  # retrain_from for "labels as decisions only"


def truth_people(truth_dir: Path) -> dict[str, str]:
    """record_id -> the true person, from the demo's truth."""
    rows = duckdb.sql(
        "SELECT source || ':' || record_key, person_id FROM read_csv(?, all_varchar = true) "
        "WHERE person_id IS NOT NULL AND person_id <> ''",
        params=[str(truth_dir / "records.csv")],
    ).fetchall()
    return dict(rows)


def review_queue(hub: Hub) -> list[dict[str, object]]:
    band = hub.config.link.review
    con = hub.connect()
    try:
        return candidate_pairs(con, band.lowest, band.highest)
    finally:
        con.close()


def label_sample(
    hub: Hub, queue: list[dict], truth: dict[str, str], size: int, seed: int
) -> dict[str, int]:
    """Answer `size` random pairs of the review queue from the truth (replacing any labels)."""
    known = [p for p in queue if p["record_id_l"] in truth and p["record_id_r"] in truth]
    chosen = random.Random(seed).sample(known, min(size, len(known)))
    counts = {"queue": len(queue), "same": 0, "different": 0}
    with hub.store.session() as session, session.begin():
        session.execute(delete(ReviewLabel))
        for pair in chosen:
            same = truth[pair["record_id_l"]] == truth[pair["record_id_r"]]
            decision = "same" if same else "different"
            counts[decision] += 1
            save_label(session, "benchmark", pair["record_id_l"], pair["record_id_r"], decision)
    return counts


def measure(hub: Hub, truth_dir: Path, label: str, **run_args: object) -> dict[str, object]:
    started = time.perf_counter()
    summary = hub.run(**run_args)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    links = evaluate(hub, truth_dir)["person_links"]
    row = {
        "variant": label,
        "run_seconds": round(seconds, 1),
        "link_people_seconds": round(summary.seconds["link_people"], 1),
        "model_version": summary.model_version,
        **{
            k: links[k]
            for k in ("precision", "recall", "f1", "bcubed_precision", "bcubed_recall", "bcubed_f1")
        },
    }
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--labels", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / "work" / "review")
    args = parser.parse_args()

    fresh_council(args.work, args.people, args.seed)
    truth_dir = args.work / "truth"
    truth = truth_people(truth_dir)
    hub = Hub.open(args.work / "joinedup.yaml")
    rows = [measure(hub, truth_dir, "no labels (reference)")]
    reference_version = rows[0]["model_version"]
    rows.append(
        measure(hub, truth_dir, "reuse the reference model", model_version=reference_version)
    )
    queue = review_queue(hub)  # every sample size draws from the same unlabelled queue
    samples = []
    for size in args.labels:
        counts = label_sample(hub, queue, truth, size, args.seed)
        samples.append({"asked": size, **counts})
        hub.config.link.review.retrain_from = NEVER
        rows.append(measure(hub, truth_dir, f"{size} labels as decisions"))
        hub.config.link.review.retrain_from = 30
        rows.append(measure(hub, truth_dir, f"{size} labels as decisions and to retrain m"))
    reference = rows[0]
    for row in rows:
        row["f1_change"] = round(float(row["f1"]) - float(reference["f1"]), 4)  # type: ignore[arg-type]
        row["bcubed_f1_change"] = round(
            float(row["bcubed_f1"]) - float(reference["bcubed_f1"]),  # type: ignore[arg-type]
            4,
        )
    report = {
        **report_head(
            "review_labels", note="2 cores shared with other work: times are single runs and noisy"
        ),
        "people": args.people,
        "seed": args.seed,
        "label_samples": samples,
        "runs": rows,
    }
    print(json.dumps(rows, indent=2))
    save_report(report)


if __name__ == "__main__":
    main()
