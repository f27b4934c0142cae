"""Clerical review labels, their use in the next run, and saved model versions.

The store parts run on every backend (SQLite, and PostgreSQL when configured); the run
parts label pairs of a private copy of the session's demo council from its truth and run
it again, the way a reviewer's answers reach the next run.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from joinedup.hub import Hub
from joinedup.link.models import ModelVersionError, list_models, load_model, record_model
from joinedup.link.review import (
    LabelError,
    LinkReview,
    candidate_pairs,
    label_counts,
    pair_key,
    save_label,
    train_with_labels,
)
from joinedup.store.review import LinkModel, LinkModelUse, ReviewLabel
from joinedup.store.runs import Run

MODEL = json.dumps({"comparisons": [], "link_type": "dedupe_only"})


# -- labels and models in the operational store ----------------------------------------


def test_a_label_is_kept_by_the_pair_in_order_and_a_new_answer_replaces_it(
    operational_store,  # type: ignore[no-untyped-def]
) -> None:
    with operational_store.session() as session, session.begin():
        save_label(session, "ivy", "tax:9", "roll:1", "unsure", run_id="R1")
        save_label(session, "ian", "roll:1", "tax:9", "same", match_probability=0.62)
    with operational_store.session() as session:
        labels = list(session.scalars(select(ReviewLabel)))
        assert [(x.record_id_l, x.record_id_r, x.decision, x.reviewer) for x in labels] == [
            ("roll:1", "tax:9", "same", "ian")
        ]
        assert labels[0].match_probability == pytest.approx(0.62)
        assert label_counts(session) == {"same": 1, "different": 0, "unsure": 0}


def test_a_label_must_be_one_of_three_answers_about_two_records(operational_store) -> None:  # type: ignore[no-untyped-def]
    with operational_store.session() as session:
        with pytest.raises(LabelError):
            save_label(session, "ivy", "a:1", "b:2", "maybe")
        with pytest.raises(LabelError):
            save_label(session, "ivy", "a:1", "a:1", "same")


def test_only_decided_labels_reach_a_run(operational_store) -> None:  # type: ignore[no-untyped-def]
    with operational_store.session() as session, session.begin():
        save_label(session, "ivy", "a:1", "b:2", "same")
        save_label(session, "ivy", "a:1", "c:3", "different")
        save_label(session, "ivy", "b:2", "c:3", "unsure")
    with operational_store.session() as session:
        review = LinkReview.from_store(session, retrain_from=5)
    assert sorted(map(tuple, review.labels.to_numpy().tolist())) == [
        ("a:1", "b:2", "same"),
        ("a:1", "c:3", "different"),
    ]
    assert review.retrain_from == 5 and review.model_json is None


def test_models_are_versioned_once_per_model_with_every_run_that_used_them(
    operational_store,  # type: ignore[no-untyped-def]
) -> None:
    other = json.dumps({"comparisons": [{"output_column_name": "x"}]})
    with operational_store.session() as session, session.begin():
        first = record_model(session, "R1", MODEL)
        again = record_model(session, "R2", MODEL)  # an incremental run: the same JSON
        labelled = record_model(session, "R3", other, labels_used=40, labels_applied=55)
        pinned = record_model(session, "R4", "ignored", reused_version=first)
    assert first == again == pinned != labelled
    with operational_store.session() as session:
        versions = {m.version: m for m in list_models(session)}
        assert versions[first].used_by_runs == ["R1", "R2", "R4"]
        assert versions[first].method == "without labels"
        assert (versions[labelled].method, versions[labelled].labels_used) == ("with labels", 40)
        assert session.scalar(select(func.count()).select_from(LinkModel)) == 2
        uses = {
            u.run_id: (u.reused, u.labels_applied) for u in session.scalars(select(LinkModelUse))
        }
        assert uses == {"R1": (False, 0), "R2": (True, 0), "R3": (False, 55), "R4": (True, 0)}
        assert load_model(session, first) == MODEL
        with pytest.raises(ModelVersionError):
            load_model(session, 999)


def test_pair_keys_are_opaque_and_order_free() -> None:
    key = pair_key("council_tax:CT1", "electoral_register:ER9")
    assert key == pair_key("electoral_register:ER9", "council_tax:CT1")
    assert len(key) == 16 and "CT1" not in key


# -- labels in a real run --------------------------------------------------------------


def _truth(folder: Path) -> dict[str, str]:
    import duckdb

    rows = duckdb.sql(
        "SELECT source || ':' || record_key, person_id FROM read_csv(?, all_varchar = true) "
        "WHERE person_id <> ''",
        params=[str(folder / "truth" / "records.csv")],
    ).fetchall()
    return dict(rows)


def _same_entity(hub: Hub, left: str, right: str) -> bool:
    con = hub.connect()
    try:
        row = con.execute(
            "SELECT a.entity_id = b.entity_id FROM record_entities a, record_entities b "
            "WHERE a.record_id = ? AND b.record_id = ?",
            [left, right],
        ).fetchone()
    finally:
        con.close()
    return bool(row and row[0])


@pytest.fixture(scope="module")
def relabelled(demo_hub_config, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The demo after one more run with 60 queue pairs answered from the truth (and the
    model told to learn from as few as 10 "same person" answers)."""
    import shutil

    folder = tmp_path_factory.mktemp("review") / "council"
    shutil.copytree(demo_hub_config.folder, folder)
    config = folder / "joinedup.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data.setdefault("link", {})["review"] = {"retrain_from": 10}
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    hub = Hub.open(config)
    truth = _truth(folder)
    con = hub.connect()
    try:
        queue = candidate_pairs(con, 0.2, 0.98)
    finally:
        con.close()
    known = [p for p in queue if p["record_id_l"] in truth and p["record_id_r"] in truth]
    chosen = random.Random(5).sample(known, min(60, len(known)))
    answers = {}
    with hub.store.session() as session, session.begin():
        for p in chosen:
            same = truth[p["record_id_l"]] == truth[p["record_id_r"]]
            answer = "same" if same else "different"
            answers[(p["record_id_l"], p["record_id_r"])] = answer
            save_label(session, "tester", p["record_id_l"], p["record_id_r"], answer)
    # One wrong answer on purpose: a reviewer's word beats the model, right or wrong.
    (left, right), answer = next(iter(answers.items()))
    flipped = "different" if answer == "same" else "same"
    with hub.store.session() as session, session.begin():
        save_label(session, "tester", left, right, flipped)
    answers[(left, right)] = flipped
    return hub, answers, hub.run()


def test_the_queue_holds_uncertain_and_flagged_pairs(demo_hub_config) -> None:  # type: ignore[no-untyped-def]
    con = Hub.open(demo_hub_config.config_path).connect()
    try:
        queue = candidate_pairs(con, 0.2, 0.98)
        flagged = con.execute(
            "SELECT count(*) FROM person_cluster_quality WHERE needs_review"
        ).fetchone()
    finally:
        con.close()
    assert queue, "the demo has pairs the model is unsure about"
    banded = [p for p in queue if p["why"] == "the model is unsure"]
    assert all(0.2 <= p["p"] < 0.98 for p in banded)
    assert len({(p["record_id_l"], p["record_id_r"]) for p in queue}) == len(queue)
    assert all(p["record_id_l"] < p["record_id_r"] for p in queue)
    if flagged[0]:  # type: ignore[index]
        assert any(p["rank"] < 3 for p in queue)


def test_every_answer_decides_its_pair_in_the_next_run(relabelled) -> None:  # type: ignore[no-untyped-def]
    hub, answers, summary = relabelled
    assert summary.people_links > 0
    wrong = [
        pair for pair, answer in answers.items() if _same_entity(hub, *pair) != (answer == "same")
    ]
    assert wrong == []
    con = hub.connect()
    try:
        applied = con.execute(
            "SELECT count(*), count(model_probability) FROM person_link_labels"
        ).fetchone()
    finally:
        con.close()
    assert applied[0] == applied[1] == len(answers)  # type: ignore[index]


def test_enough_same_person_answers_retrain_the_model_and_it_is_saved(relabelled) -> None:  # type: ignore[no-untyped-def]
    hub, answers, summary = relabelled
    same = sum(a == "same" for a in answers.values())
    assert same >= 10
    with hub.store.session() as session:
        version = session.get(LinkModel, summary.model_version)
        use = session.get(LinkModelUse, summary.run_id)
    assert version is not None and use is not None
    assert (version.method, version.labels_used) == ("with labels", same)
    assert version.trained_in_run == summary.run_id
    assert use.labels_applied == len(answers) and not use.reused
    con = hub.connect()
    try:
        served = con.execute("SELECT model_json FROM link_model").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    assert served == version.model_json


def test_retraining_hands_splink_the_same_person_pairs_it_can_find() -> None:
    import duckdb
    import pandas as pd

    class Training:
        def __init__(self) -> None:
            self.tables: list[str] = []

        def estimate_m_from_pairwise_labels(self, table: str) -> None:
            self.tables.append(table)

    class Linker:
        training = Training()

    work = duckdb.connect()
    work.execute(
        "CREATE TABLE link_input AS SELECT * FROM (VALUES ('a:1', 'a'), ('b:2', 'b'), "
        "('c:3', 'c')) t(unique_id, source_dataset)"
    )
    labels = pd.DataFrame(
        [("a:1", "b:2", "same"), ("a:1", "c:3", "different"), ("b:2", "z:9", "same")],
        columns=["record_id_l", "record_id_r", "decision"],
    )
    few = LinkReview(labels=labels, retrain_from=2)
    assert train_with_labels(Linker(), work, few) == 0  # z:9 is not in this run: one pair
    assert Linker.training.tables == []
    enough = LinkReview(labels=labels, retrain_from=1)
    assert train_with_labels(Linker(), work, enough) == 1
    assert Linker.training.tables == ["review_labels_same"]
    assert work.execute("SELECT * FROM review_labels_same").fetchall() == [
        ("a", "a:1", "b", "b:2")
    ]
    assert enough.labels_trained_on == 1


def test_a_run_can_reuse_a_saved_model_instead_of_training(relabelled) -> None:  # type: ignore[no-untyped-def]
    hub, answers, summary = relabelled
    with hub.store.session() as session:
        versions_before = session.scalar(select(func.count()).select_from(LinkModel))
    again = hub.run(model_version=summary.model_version)
    assert again.model_version == summary.model_version
    with hub.store.session() as session:
        assert session.scalar(select(func.count()).select_from(LinkModel)) == versions_before
        use = session.get(LinkModelUse, again.run_id)
        model = load_model(session, summary.model_version)
    assert use is not None and use.reused
    con = hub.connect()
    try:
        served = con.execute("SELECT model_json FROM link_model").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()

    # The same parameters score the pairs: every m and u as saved.
    def parameters(text: str) -> list:
        return [
            (c["output_column_name"], lvl.get("m_probability"), lvl.get("u_probability"))
            for c in json.loads(text)["comparisons"]
            for lvl in c["comparison_levels"]
        ]

    assert parameters(served) == parameters(model)
    assert all(_same_entity(hub, *p) == (a == "same") for p, a in answers.items())


def test_an_unknown_model_version_stops_the_run_before_it_starts(relabelled) -> None:  # type: ignore[no-untyped-def]
    hub, *_ = relabelled
    with hub.store.session() as session:
        runs = session.scalar(select(func.count()).select_from(Run))
    with pytest.raises(ModelVersionError):
        hub.run(model_version=9999)
    with hub.store.session() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == runs


def test_the_linking_docs_examples_are_valid_configs() -> None:
    import re

    from joinedup.config import parse_config

    page = Path(__file__).resolve().parents[2] / "docs" / "linking.md"
    blocks = re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    checked = 0
    for block in blocks:
        data = yaml.safe_load(block)
        # A snippet of `link:` alone gets a minimal source for each source it names.
        link = data.get("link", {})
        named = {"residents", *link.get("source_trust", [])}
        named |= {name for order in link.get("field_trust", {}).values() for name in order}
        minimal = {name: {"owner": "x", "file": "p.csv", "key": "record_key",
                          "columns": [{"column": "id", "field": "record_key"}]}
                   for name in named}  # fmt: skip
        config = parse_config(data if "sources" in data else {"sources": minimal, **data})
        checked += 1
        if "review" in block:
            assert config.link.review.retrain_from == 50
        if "model_version" in block:
            assert config.link.model_version == 3
    assert checked >= 4


def test_the_models_command_lists_versions_and_run_refuses_an_unknown_one(relabelled) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from joinedup.cli import app

    hub, _answers, summary = relabelled
    config = str(hub.config.path)
    runner = CliRunner()
    listed = runner.invoke(app, ["models", "list", "--config", config], env={"COLUMNS": "160"})
    assert listed.exit_code == 0, listed.output
    assert summary.run_id in listed.output and "with labels" in listed.output
    refused = runner.invoke(app, ["run", "--config", config, "--model-version", "9999"])
    assert refused.exit_code == 2
    assert "no saved link model version 9999" in refused.output
