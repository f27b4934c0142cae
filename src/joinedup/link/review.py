"""Clerical review: the pairs a person should look at, and what their answers change.

The model is least sure about pairs in the middle of the probability scale, and the
clusters `person_cluster_quality` flags (a weak link, or a conflict that split it) are where
a wrong decision would merge or part two people. Those pairs make the review queue. A
reviewer answers "same person", "different people" or "not sure"; answers are kept in the
operational store (store/review.py), keyed by the two records' stable ids, so they outlive
the run they were made in.

On the next run the answers are used twice (`LinkReview`, passed to `link_people`):
- as fixed decisions: a labelled pair the run scores is linked ("same") or kept apart
  ("different", also a cannot-link constraint when clusters are split), whatever the
  model says, because a person looked;
- to retrain: with at least `link.review.retrain_from` "same person" answers, the model's
  m probabilities also learn from those pairs (Splink's estimate from pairwise labels,
  averaged with the unsupervised training sessions).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.store.review import REVIEW_DECISIONS, ReviewLabel

# The weight given to a pair a reviewer decided: far beyond anything the model scores,
# finite so sums and charts stay numbers.
_DECIDED_WEIGHT = 40.0
# Why a pair is in the queue, in the reviewer's words.
WHY_CONFLICT = "a conflict:"
WHY_WEAK = "the weakest link of a person the hub flagged for review"
WHY_BAND = "the model is unsure"
QUEUE_LIMIT = 500


def pair_key(record_id_l: str, record_id_r: str) -> str:
    """An opaque key for a pair, for URLs and the audit trail (no record ids in URLs)."""
    left, right = sorted((record_id_l, record_id_r))
    return hashlib.md5(f"{left}|{right}".encode(), usedforsecurity=False).hexdigest()[:16]


# `pair_key` in SQL, for pairs already in order (record_id_l < record_id_r).
_KEY_SQL = "substr(md5(record_id_l || '|' || record_id_r), 1, 16)"


@dataclass(frozen=True)
class UncertainPair:
    key: str
    record_id_l: str
    record_id_r: str
    match_probability: float | None  # the model's, before any reviewer's decision
    why: str
    linked: bool  # whether the run put the two records in one person
    label: str | None = None  # a reviewer's answer, when there is one
    reviewer: str | None = None


# Candidate pairs, each once with its strongest reason; `{labelled}` marks the model's
# own probability for pairs whose score a reviewer's decision replaced.
_QUEUE_SQL = """
WITH model AS (
    SELECT l.record_id_l, l.record_id_r,
           coalesce(d.model_probability, l.match_probability) AS p
    FROM person_links l
    LEFT JOIN {decided} d USING (record_id_l, record_id_r)
),
weak AS (
    SELECT q.entity_id FROM person_cluster_quality q WHERE q.needs_review
),
candidates AS (
    SELECT record_id_l, record_id_r, p, 3 AS rank, '{band}' AS why
    FROM model WHERE p >= $low AND p < $high
    UNION ALL
    SELECT m.record_id_l, m.record_id_r, m.p, 2, '{weak_why}'
    FROM model m
    JOIN person_clusters a ON a.record_id = m.record_id_l
    JOIN person_clusters b ON b.record_id = m.record_id_r AND b.entity_id = a.entity_id
    WHERE a.entity_id IN (SELECT entity_id FROM weak) AND m.p < $high
    UNION ALL
    SELECT k.record_id_l, k.record_id_r, m.p, 1, '{conflict} ' || k.reason
    FROM person_cluster_conflicts k
    LEFT JOIN model m USING (record_id_l, record_id_r)
)
SELECT c.record_id_l, c.record_id_r, any_value(c.p) AS p,
       arg_min(c.why, c.rank) AS why, min(c.rank) AS rank,
       coalesce(any_value(a.entity_id = b.entity_id), false) AS linked
FROM candidates c
LEFT JOIN person_clusters a ON a.record_id = c.record_id_l
LEFT JOIN person_clusters b ON b.record_id = c.record_id_r
-- both records still served (an erased person's records are not)
WHERE c.record_id_l IN (SELECT record_id FROM records)
  AND c.record_id_r IN (SELECT record_id FROM records)
GROUP BY c.record_id_l, c.record_id_r
ORDER BY rank, abs(coalesce(any_value(c.p), 0.5) - 0.5), c.record_id_l, c.record_id_r
"""


def decided_table(con: duckdb.DuckDBPyConnection) -> str:
    """The run's table of reviewer-decided pairs, or an empty stand-in for older runs."""
    # Views count (an erasure serves the run through views); an attached older run does not.
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'person_link_labels' "
        "AND table_catalog = current_database()"
    ).fetchone()
    if found and found[0]:
        return "person_link_labels"
    return (
        "(SELECT NULL::VARCHAR AS record_id_l, NULL::VARCHAR AS record_id_r, "
        "NULL::VARCHAR AS decision, NULL::DOUBLE AS model_probability WHERE false)"
    )


def candidate_pairs(
    con: duckdb.DuckDBPyConnection, low: float, high: float, key: str | None = None
) -> list[dict[str, Any]]:
    """Every pair worth a reviewer's look in the served run, most telling first (only the
    pair with this `pair_key` when one is given)."""
    sql = _QUEUE_SQL.format(
        decided=decided_table(con),
        band=WHY_BAND,
        weak_why=WHY_WEAK,
        conflict=WHY_CONFLICT,
    )
    params: dict[str, Any] = {"low": low, "high": high}
    if key is not None:
        sql = f"SELECT * FROM ({sql}) WHERE {_KEY_SQL} = $key"
        params["key"] = key
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass(frozen=True)
class ReviewQueue:
    shown: list[UncertainPair]  # the first `limit` pairs still to answer
    waiting: int  # all pairs still to answer ("not sure" stays in the queue)
    answered: int  # pairs answered "same person" or "different people"


def review_queue(
    con: duckdb.DuckDBPyConnection,
    session: Session,
    low: float,
    high: float,
    limit: int = QUEUE_LIMIT,
) -> ReviewQueue:
    """The served run's pairs still to answer, most telling first."""
    labels = labels_by_pair(session)
    shown: list[UncertainPair] = []
    waiting = answered = 0
    for row in candidate_pairs(con, low, high):
        label = labels.get((row["record_id_l"], row["record_id_r"]))
        if label is not None and label.decision != "unsure":
            answered += 1
            continue
        waiting += 1
        if len(shown) < limit:
            shown.append(_pair(row, label))
    return ReviewQueue(shown=shown, waiting=waiting, answered=answered)


def _pair(row: dict[str, Any], label: ReviewLabel | None) -> UncertainPair:
    p = row.get("p")
    return UncertainPair(
        key=pair_key(row["record_id_l"], row["record_id_r"]),
        record_id_l=row["record_id_l"],
        record_id_r=row["record_id_r"],
        match_probability=None if p is None or p != p else float(p),
        why=row["why"],
        linked=bool(row["linked"]),
        label=label.decision if label else None,
        reviewer=label.reviewer if label else None,
    )


def find_pair(
    con: duckdb.DuckDBPyConnection, session: Session, key: str, low: float, high: float
) -> UncertainPair | None:
    """The pair behind a key: one in the queue, or any pair the run scored."""
    labels = labels_by_pair(session)
    for row in candidate_pairs(con, low, high, key):
        return _pair(row, labels.get((row["record_id_l"], row["record_id_r"])))
    decided = decided_table(con)
    found = con.execute(
        f"""
        SELECT l.record_id_l, l.record_id_r,
               coalesce(d.model_probability, l.match_probability) AS p,
               '{WHY_BAND}' AS why, coalesce(a.entity_id = b.entity_id, false) AS linked
        FROM person_links l
        LEFT JOIN {decided} d USING (record_id_l, record_id_r)
        LEFT JOIN person_clusters a ON a.record_id = l.record_id_l
        LEFT JOIN person_clusters b ON b.record_id = l.record_id_r
        WHERE {_KEY_SQL.replace("record_id", "l.record_id")} = ?
        """,
        [key],
    ).fetchone()
    if found is None:
        return None
    row = dict(zip(("record_id_l", "record_id_r", "p", "why", "linked"), found, strict=True))
    return _pair(row, labels.get((row["record_id_l"], row["record_id_r"])))


# -- labels in the operational store ---------------------------------------------------


class LabelError(ValueError):
    """A label that cannot be kept, in words a reviewer can act on."""


def labels_by_pair(session: Session) -> dict[tuple[str, str], ReviewLabel]:
    return {(x.record_id_l, x.record_id_r): x for x in session.scalars(select(ReviewLabel))}


def save_label(
    session: Session,
    reviewer: str,
    record_id_l: str,
    record_id_r: str,
    decision: str,
    *,
    run_id: str | None = None,
    match_probability: float | None = None,
) -> ReviewLabel:
    """Keep a reviewer's answer; a new answer about the same pair replaces the old one."""
    if decision not in REVIEW_DECISIONS:
        raise LabelError("Choose same person, different people or not sure.")
    left, right = sorted((record_id_l, record_id_r))
    if left == right:
        raise LabelError("A record cannot be paired with itself.")
    label = session.scalar(
        select(ReviewLabel).where(ReviewLabel.record_id_l == left, ReviewLabel.record_id_r == right)
    )
    if label is None:
        label = ReviewLabel(record_id_l=left, record_id_r=right, decision=decision, reviewer="")
        session.add(label)
    label.decision, label.reviewer = decision, reviewer
    label.run_id, label.match_probability = run_id, match_probability
    session.flush()
    return label


def label_counts(session: Session) -> dict[str, int]:
    counts = dict.fromkeys(REVIEW_DECISIONS, 0)
    for label in session.scalars(select(ReviewLabel)):
        counts[label.decision] = counts.get(label.decision, 0) + 1
    return counts


# -- labels in a run ---------------------------------------------------------------------


@dataclass
class LinkReview:
    """What clerical review hands to a run of `link_people`, and what the run did with it.

    `labels` holds the decided pairs (record_id_l < record_id_r, decision "same" or
    "different"); `model_json`, when set, is a saved model to score with instead of training.
    """

    labels: pd.DataFrame
    retrain_from: int = 30
    model_json: str | None = None
    labels_trained_on: int = 0
    labels_applied: int = 0

    @classmethod
    def from_store(
        cls, session: Session, retrain_from: int = 30, model_json: str | None = None
    ) -> LinkReview:
        rows = [
            (x.record_id_l, x.record_id_r, x.decision)
            for x in session.scalars(
                select(ReviewLabel).where(ReviewLabel.decision.in_(("same", "different")))
            )
        ]
        frame = pd.DataFrame(rows, columns=["record_id_l", "record_id_r", "decision"])
        return cls(labels=frame, retrain_from=retrain_from, model_json=model_json)


def train_with_labels(linker: Any, work: duckdb.DuckDBPyConnection, review: LinkReview) -> int:
    """Let "same person" answers inform the m probabilities; returns the pairs used.

    Below `retrain_from` answers the estimate would rest on too few pairs, and the
    reviewed pairs are the hard ones (not a random sample), so they are averaged with the
    unsupervised sessions rather than replacing them.
    """
    same = review.labels[review.labels["decision"] == "same"]
    if same.empty or len(same) < review.retrain_from:
        return 0
    work.register("_review_same", same[["record_id_l", "record_id_r"]])
    work.execute(
        """
        CREATE OR REPLACE TABLE review_labels_same AS
        SELECT a.source_dataset AS source_dataset_l, s.record_id_l AS unique_id_l,
               b.source_dataset AS source_dataset_r, s.record_id_r AS unique_id_r
        FROM _review_same s
        JOIN link_input a ON a.unique_id = s.record_id_l
        JOIN link_input b ON b.unique_id = s.record_id_r
        """
    )
    work.unregister("_review_same")
    used = work.execute("SELECT count(*) FROM review_labels_same").fetchone()[0]  # type: ignore[index]
    if used < review.retrain_from:
        return 0
    linker.training.estimate_m_from_pairwise_labels("review_labels_same")
    review.labels_trained_on = int(used)
    return int(used)


def decide_labelled_pairs(
    con: duckdb.DuckDBPyConnection,
    work: duckdb.DuckDBPyConnection,
    linker: Any,
    predictions: Any,
    review: LinkReview,
) -> Any:
    """The run's scored pairs with every labelled pair decided by its label.

    Writes `person_link_labels` in the run's store (the pairs decided, with the model's own
    probability) for the review page and for cluster splitting, which treats "different"
    as cannot-link. Pairs the run did not score (not blocked together this time) are left
    alone. Set-based, in Splink's own database: no scored pair passes through Python.
    """
    labels = review.labels[["record_id_l", "record_id_r", "decision"]].astype(str)
    work.register("_review_labels", labels)
    work.execute(
        f"""
        CREATE OR REPLACE TABLE _review_decided AS
        SELECT p.unique_id_l AS record_id_l, p.unique_id_r AS record_id_r, d.decision,
               p.match_probability AS model_probability
        FROM {predictions.physical_name} p
        JOIN _review_labels d ON d.record_id_l = p.unique_id_l AND d.record_id_r = p.unique_id_r
        WHERE {"true" if len(labels) else "false"}
        """
    )
    work.unregister("_review_labels")
    decided = work.execute("SELECT * FROM _review_decided").to_arrow_table()
    con.register("_decided", decided)
    con.execute("CREATE OR REPLACE TABLE person_link_labels AS SELECT * FROM _decided")
    con.unregister("_decided")
    review.labels_applied = decided.num_rows
    if decided.num_rows == 0:
        return predictions
    table = work.execute(
        f"""
        SELECT p.* REPLACE (
            CASE d.decision WHEN 'same' THEN 1.0 WHEN 'different' THEN 0.0
                 ELSE p.match_probability END AS match_probability,
            CASE d.decision WHEN 'same' THEN {_DECIDED_WEIGHT} WHEN 'different'
                 THEN -{_DECIDED_WEIGHT} ELSE p.match_weight END AS match_weight)
        FROM {predictions.physical_name} p
        LEFT JOIN _review_decided d
               ON d.record_id_l = p.unique_id_l AND d.record_id_r = p.unique_id_r
        """
    ).to_arrow_table()
    return linker.table_management.register_table(
        table, "__joinedup_decided_predictions", overwrite=True
    )


REVIEWED_DIFFERENT = "a reviewer said they are different people"


def add_reviewed_conflicts(con: duckdb.DuckDBPyConnection) -> None:
    """Add every "different people" answer inside one cluster to the run's `_conflicts`,
    so cluster splitting keeps the two apart even when other links chain them together."""
    if decided_table(con) != "person_link_labels":
        return
    con.execute(
        f"""
        INSERT INTO _conflicts
        SELECT a.cluster_id, k.record_id_l, k.record_id_r, '{REVIEWED_DIFFERENT}'
        FROM person_link_labels k
        JOIN person_clusters a ON a.record_id = k.record_id_l
        JOIN person_clusters b ON b.record_id = k.record_id_r AND b.cluster_id = a.cluster_id
        WHERE k.decision = 'different'
        """
    )


# -- labels in an incremental run (incremental.py) -----------------------------------------
# A full run decides every labelled pair it scores. An incremental run keeps the previous
# run's scored pairs, already decided by the answers of the day; so a pair whose answer is
# new, changed or withdrawn since has both its records scored afresh (they join the delta),
# and the fresh pairs are decided by today's answers.


def _register_labels(con: duckdb.DuckDBPyConnection, review: LinkReview | None) -> None:
    labels = (
        review.labels[["record_id_l", "record_id_r", "decision"]].astype(str)
        if review is not None
        else pd.DataFrame({"record_id_l": [], "record_id_r": [], "decision": []}, dtype=str)
    )
    con.register("_labels_frame", labels)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _review_labels AS SELECT CAST(record_id_l AS VARCHAR) "
        "AS record_id_l, CAST(record_id_r AS VARCHAR) AS record_id_r, "
        "CAST(decision AS VARCHAR) AS decision FROM _labels_frame"
    )
    con.unregister("_labels_frame")


def _previous_run_has_labels(con: duckdb.DuckDBPyConnection) -> bool:
    return (
        con.execute(
            "SELECT 1 FROM duckdb_tables() WHERE database_name = '_prev' "
            "AND table_name = 'person_link_labels'"
        ).fetchone()
        is not None
    )


def add_relabelled_to_delta(con: duckdb.DuckDBPyConnection, review: LinkReview | None) -> int:
    """Add to `_delta` the records of pairs whose answer differs from the one the previous
    run applied (`_prev.person_link_labels`); returns how many records were added."""
    _register_labels(con, review)
    before = (
        "SELECT record_id_l, record_id_r, decision FROM _prev.person_link_labels"
        if _previous_run_has_labels(con)
        else "SELECT NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR WHERE false"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _relabelled AS
        WITH now AS (SELECT record_id_l, record_id_r, decision FROM _review_labels),
        before AS ({before}),
        changed AS (
            (SELECT * FROM now EXCEPT SELECT * FROM before)
            UNION ALL (SELECT * FROM before EXCEPT SELECT * FROM now)
        )
        SELECT unique_id FROM (
            SELECT record_id_l AS unique_id FROM changed
            UNION SELECT record_id_r FROM changed
        )
        WHERE unique_id IN (SELECT unique_id FROM link_input)
          AND unique_id NOT IN (SELECT unique_id FROM _delta)
        """
    )
    con.execute("INSERT INTO _delta SELECT unique_id FROM _relabelled")
    return int(con.execute("SELECT count(*) FROM _relabelled").fetchone()[0])  # type: ignore[index]


def decide_new_links(con: duckdb.DuckDBPyConnection, review: LinkReview | None) -> None:
    """Decide the freshly scored pairs (`_new_links`) by today's answers and write
    `person_link_labels`: the previous run's decided pairs that were kept, and the new.
    Needs `_prev` attached, `_review_labels` and `_dropped`."""
    kept = (
        "SELECT * FROM _prev.person_link_labels "
        "WHERE record_id_l NOT IN (SELECT unique_id FROM _dropped) "
        "AND record_id_r NOT IN (SELECT unique_id FROM _dropped)"
        if _previous_run_has_labels(con)
        else "SELECT NULL::VARCHAR AS record_id_l, NULL::VARCHAR AS record_id_r, "
        "NULL::VARCHAR AS decision, NULL::DOUBLE AS model_probability WHERE false"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE person_link_labels AS
        {kept}
        UNION ALL
        SELECT n.record_id_l, n.record_id_r, d.decision, n.match_probability
        FROM _new_links n JOIN _review_labels d USING (record_id_l, record_id_r);

        UPDATE _new_links n SET
            match_probability = CASE d.decision WHEN 'same' THEN 1.0 ELSE 0.0 END,
            match_weight = CASE d.decision WHEN 'same' THEN {_DECIDED_WEIGHT}
                           ELSE -{_DECIDED_WEIGHT} END
        FROM _review_labels d
        WHERE n.record_id_l = d.record_id_l AND n.record_id_r = d.record_id_r;
        """
    )
    if review is not None:
        review.labels_applied = int(
            con.execute("SELECT count(*) FROM person_link_labels").fetchone()[0]  # type: ignore[index]
        )
