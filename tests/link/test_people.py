"""Person linking on a real run of the demo council, and its parts on small hand-made data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from joinedup.evaluation import evaluate
from joinedup.hub import Hub
from joinedup.link.clusters import _constrained_components
from joinedup.link.entity_ids import assign_stable_ids
from joinedup.link.golden import build_golden_records


def test_run_links_people_accurately_with_bcubed(demo_hub_config) -> None:
    hub = Hub.open(demo_hub_config.config_path)
    links = evaluate(hub, demo_hub_config.folder / "truth")["person_links"]
    assert links["f1"] >= 0.95
    assert links["bcubed_f1"] >= 0.97
    assert 0 < links["bcubed_precision"] <= 1 and 0 < links["bcubed_recall"] <= 1


def test_no_entity_holds_a_conflict(demo_hub_config) -> None:
    con = Hub.open(demo_hub_config.config_path).connect()
    try:
        bad = con.execute(
            """
            SELECT count(*) FROM person_clusters a
            JOIN person_clusters b ON a.entity_id = b.entity_id AND a.record_id < b.record_id
            JOIN link_input x ON x.unique_id = a.record_id
            JOIN link_input y ON y.unique_id = b.record_id
            WHERE x.nhs_number <> y.nhs_number OR x.ni_number <> y.ni_number
               OR (x.source_dataset = y.source_dataset AND x.end_date IS NULL
                   AND y.end_date IS NULL AND x.postcode = y.postcode)
            """
        ).fetchone()[0]
        quality = con.execute(
            "SELECT count(*), count(DISTINCT entity_id), sum(records) FROM person_cluster_quality"
        ).fetchone()
        entities, records = con.execute(
            "SELECT count(DISTINCT entity_id), count(*) FROM person_clusters"
        ).fetchone()
    finally:
        con.close()
    assert bad == 0
    assert quality == (entities, entities, records)


def test_constrained_components_break_a_chain() -> None:
    edges = pd.DataFrame({"record_id_l": ["a", "b"], "record_id_r": ["b", "c"]})
    conflicts = pd.DataFrame({"record_id_l": ["a"], "record_id_r": ["c"]})
    pieces = _constrained_components(["a", "b", "c"], edges, conflicts)
    assert pieces["a"] == pieces["b"] != pieces["c"]


def _clusters(con: duckdb.DuckDBPyConnection, members: dict[str, str]) -> None:
    frame = pd.DataFrame({"record_id": list(members), "cluster_id": list(members.values())})
    con.register("_m", frame)
    con.execute("CREATE OR REPLACE TABLE person_clusters AS SELECT * FROM _m")
    con.unregister("_m")


def test_stable_ids_keep_merge_split_and_never_reuse(tmp_path: Path) -> None:
    first = tmp_path / "first.duckdb"
    con = duckdb.connect(str(first))
    _clusters(con, {"r1": "A", "r2": "A", "r3": "B", "r4": "C", "r5": "C", "r6": "D"})
    assign_stable_ids(con, None, "run1")
    old = dict(con.execute("SELECT record_id, entity_id FROM person_clusters").fetchall())
    con.close()

    con = duckdb.connect()
    # r1+r2 grow with r7 (kept); B merges into A; C splits (r4 keeps, r5 leaves); D is gone
    _clusters(con, {"r1": "x", "r2": "x", "r3": "x", "r7": "x", "r4": "y", "r5": "z"})
    events = assign_stable_ids(con, first, "run2")
    new = dict(con.execute("SELECT record_id, entity_id FROM person_clusters").fetchall())
    history = con.execute(
        "SELECT entity_id, event, related_entity_id FROM entity_id_history WHERE run_id = 'run2'"
    ).fetchall()
    ever = {r[0] for r in con.execute("SELECT entity_id FROM entity_id_history").fetchall()}
    con.close()
    assert new["r1"] == new["r7"] == old["r1"]
    assert new["r4"] == old["r4"]
    assert new["r5"] not in set(old.values())
    assert (old["r3"], "merged", old["r1"]) in history
    assert (new["r5"], "split", old["r4"]) in history
    assert (old["r6"], "retired", None) in history
    assert events["kept"] == 2
    assert set(old.values()) | set(new.values()) <= ever


def test_an_incremental_rerun_keeps_every_entity_and_id(fresh_demo_copy) -> None:
    hub = Hub.open(fresh_demo_copy.config_path)
    con = hub.connect()
    golden = "SELECT * FROM golden_records"
    before = dict(con.execute("SELECT record_id, entity_id FROM person_clusters").fetchall())
    links_before = con.execute("SELECT count(*) FROM person_links").fetchone()[0]
    golden_before = set(con.execute(golden).fetchall())
    con.close()
    hub.config.link.incremental = True
    summary = hub.run()
    assert summary.records_rescored == 0  # linked incrementally, with nothing to score
    assert summary.linked_afresh_because is None
    assert summary.people_kept == summary.entities
    con = hub.connect()
    after = dict(con.execute("SELECT record_id, entity_id FROM person_clusters").fetchall())
    links_after = con.execute("SELECT count(*) FROM person_links").fetchone()[0]
    golden_after = set(con.execute(golden).fetchall())
    carried = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'carried_%'"
    ).fetchone()[0]
    con.close()
    assert carried == 0  # the last run's tables were edited and adopted, none left over
    assert after == before  # nothing changed: the same people under the same ids
    assert links_after == links_before
    assert golden_after == golden_before  # copied for everyone, as nobody was touched


def test_golden_records_follow_each_rule() -> None:
    con = duckdb.connect()
    con.execute(
        """
        CREATE TABLE records AS SELECT * FROM (VALUES
            ('a1', 'council_tax', 'JON', 'SMITH', DATE '1980-01-02', DATE '2020-01-01'),
            ('a2', 'electoral_register', 'JOHN', 'JONES', DATE '1980-02-01', DATE '2024-01-01'),
            ('a3', 'electoral_register', 'JOHN', 'SMITH', NULL, DATE '2019-01-01')
        ) t(record_id, source, first_name, surname, date_of_birth, start_date)
        """
    )
    con.execute("ALTER TABLE records ADD COLUMN snapshot_date DATE")
    con.execute(
        "CREATE TABLE record_entities AS SELECT record_id, 'P1' AS entity_id, "
        "NULL::VARCHAR AS uprn FROM records"
    )
    build_golden_records(con, ["council_tax"], {"surname": "recent"})
    golden = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT field, value, rule, record_id, support, alternatives FROM golden_records"
        ).fetchall()
    }
    assert golden["first_name"][:2] == ("JOHN", "frequent")  # two records agree
    assert golden["surname"][:3] == ("JONES", "recent", "a2")  # newest record
    assert golden["date_of_birth"][:3] == ("1980-01-02", "trusted", "a1")  # trusted source
    assert golden["first_name"][3:] == (2, 2)
    with pytest.raises(ValueError):
        build_golden_records(con, [], {"surname": "loudest"})
    # A field's own order of trust comes before the general one.
    build_golden_records(
        con, ["council_tax"], field_trust={"date_of_birth": ["electoral_register"]}
    )
    (dob,) = con.execute(
        "SELECT value FROM golden_records WHERE field = 'date_of_birth'"
    ).fetchone()  # type: ignore[misc]
    assert dob == "1980-02-01"  # a2, the electoral register's


def test_lookup_finds_the_person_first(demo_hub_config) -> None:
    hub = Hub.open(demo_hub_config.config_path)
    con = hub.connect()
    row = con.execute(
        "SELECT r.first_name, r.surname, r.date_of_birth, r.postcode, e.entity_id "
        "FROM records r JOIN record_entities e USING (record_id) "
        "WHERE r.date_of_birth IS NOT NULL AND r.postcode IS NOT NULL "
        "ORDER BY r.record_id LIMIT 1"
    ).fetchone()
    con.close()
    first, surname, dob, postcode, entity = row
    found = hub.lookup(first_name=first, surname=surname, date_of_birth=dob, postcode=postcode)
    assert found[0].entity_id == entity
    assert found[0].match_probability > 0.99
    assert any("date of birth" in reason for reason in found[0].reasons)
    assert all(a.match_weight >= b.match_weight for a, b in zip(found, found[1:], strict=False))
    # The reasons add up to the weight, a name's frequency included, as for a link.
    from joinedup.link.explain import reason_weight

    best = found[0]
    total = sum(reason_weight(r) or 0.0 for r in best.reasons)
    assert abs(total - best.match_weight) <= 0.05 * len(best.reasons) + 0.01
    assert any(r.startswith(("a rare", "a common")) for r in best.reasons)
    assert hub.lookup(first_name=first) == []  # a first name alone is not enough to search


def test_lookup_reads_details_as_people_type_them(demo_hub_config) -> None:
    """Details typed the way people write them find the same people with the same scores
    as the loaded form: a phone with +44 and spaces, a spaced lower-case NI number, a
    spaced NHS number, a postcode without its space, a day-first date of birth."""
    hub = Hub.open(demo_hub_config.config_path)
    con = hub.connect()
    rows = con.execute(
        "SELECT first_name, surname, dob, postcode, phone, ni_number, nhs_number FROM link_input "
        "WHERE dob IS NOT NULL AND postcode IS NOT NULL AND (phone IS NOT NULL "
        "OR ni_number IS NOT NULL OR nhs_number IS NOT NULL) ORDER BY unique_id LIMIT 20"
    ).fetchall()
    con.close()
    assert len(rows) == 20
    compared = 0
    for first, surname, dob, postcode, phone, ni, nhs in rows:
        loaded = {"first_name": first, "surname": surname, "date_of_birth": dob}
        typed = {
            "first_name": f"  {first.upper()} ",
            "surname": surname.upper(),
            "date_of_birth": f"{dob[8:10]}/{dob[5:7]}/{dob[:4]}",
        }
        loaded["postcode"], typed["postcode"] = postcode, postcode.replace(" ", "").lower()
        if phone:
            loaded["phone"], typed["phone"] = phone, f"+44 ({phone[0]}){phone[1:5]} {phone[5:]}"
        if ni:
            loaded["ni_number"] = ni
            typed["ni_number"] = f"{ni[:2]} {ni[2:4]} {ni[4:6]} {ni[6:8]} {ni[8]}".lower()
        if nhs:
            loaded["nhs_number"], typed["nhs_number"] = nhs, f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
        assert typed != loaded
        as_loaded = [(c.entity_id, c.match_weight) for c in hub.lookup(**loaded)]
        as_typed = [(c.entity_id, c.match_weight) for c in hub.lookup(**typed)]
        assert as_loaded and as_typed == as_loaded
        compared += 1
    assert compared == 20


def test_lookup_leaves_out_details_that_fail_the_checks() -> None:
    from joinedup.link.lookup_query import standardised_query

    query = standardised_query(
        first_name="Mrs Zoë",
        surname="O'Brien",
        date_of_birth="31/02/1980",  # no such day
        email="none@none.com",
        phone="07000 000000",
        nhs_number="943 476 5918",  # the check digit is 9
        ni_number="QQ 12 34 56 C",  # QQ is never issued
        postcode="not a postcode",
    )
    assert query == {
        "first_name": "zoe",
        "surname": "o'brien",
        "dob": None,
        "email": None,
        "phone": None,
        "nhs_number": None,
        "ni_number": None,
        "postcode": None,
    }
    assert standardised_query(nhs_number="943 476 5919", date_of_birth="1 Feb 1980") == {
        "first_name": None,
        "surname": None,
        "dob": "1980-02-01",
        "postcode": None,
        "email": None,
        "phone": None,
        "nhs_number": "9434765919",
        "ni_number": None,
    }


def test_the_linking_docs_example_validates() -> None:
    import re

    import yaml

    from joinedup.config import LinkConfig
    from joinedup.link.golden import RULES

    page = Path(__file__).parents[2] / "docs" / "linking.md"
    blocks = re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    blocks = [b for b in blocks if "link" in yaml.safe_load(b)]  # whole configs: test_review
    assert blocks
    for block in blocks:
        link = LinkConfig(**yaml.safe_load(block)["link"])
        assert set(link.survivorship.values()) <= set(RULES)


def test_people_lookup_command_prints_candidates(demo_hub_config) -> None:
    import json

    from typer.testing import CliRunner

    from joinedup.cli import app

    hub = Hub.open(demo_hub_config.config_path)
    con = hub.connect()
    surname, postcode = con.execute(
        "SELECT surname, postcode FROM records WHERE surname IS NOT NULL "
        "AND postcode IS NOT NULL ORDER BY record_id LIMIT 1"
    ).fetchone()
    con.close()
    result = CliRunner().invoke(
        app,
        [
            "people",
            "lookup",
            "--config",
            str(demo_hub_config.config_path),
            "--surname",
            surname,
            "--postcode",
            postcode,
            "--limit",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout[result.stdout.index("[") :])
    assert 1 <= len(found) <= 3
    assert {"entity_id", "match_probability", "reasons"} <= set(found[0])
    # An NHS number typed with spaces finds its holder first.
    con = hub.connect()
    nhs, entity = con.execute(
        "SELECT i.nhs_number, c.entity_id FROM link_input i JOIN person_clusters c "
        "ON c.record_id = i.unique_id WHERE i.nhs_number IS NOT NULL ORDER BY i.unique_id LIMIT 1"
    ).fetchone()
    con.close()
    spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    result = CliRunner().invoke(
        app,
        ["people", "lookup", "--config", str(demo_hub_config.config_path), "--nhs-number", spaced],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout[result.stdout.index("[") :])[0]["entity_id"] == entity


def test_link_reasons_add_up_to_the_match_weight(demo_hub_config) -> None:
    from joinedup.link.explain import explain_links, reason_weight

    con = Hub.open(demo_hub_config.config_path).connect()
    try:
        pairs = con.execute(
            "SELECT record_id_l, record_id_r FROM person_links "
            "ORDER BY hash(record_id_l || record_id_r) LIMIT 200"
        ).fetchall()
        evidence = [e for left, right in pairs for e in explain_links(con, [left, right])]
    finally:
        con.close()
    assert len(evidence) == len(pairs)
    for link in evidence:
        assert link.reasons[0].startswith("before any comparison")
        weights = [reason_weight(r) for r in link.reasons]
        assert None not in weights
        # Each reason is rounded to 0.1, so their sum may be off by 0.05 a reason.
        assert abs(sum(weights) - link.match_weight) <= 0.05 * len(weights) + 1e-9  # type: ignore[arg-type]
    # Agreeing on a rare or a common name moves the weight, and is said.
    assert any(r.startswith(("a rare", "a common")) for link in evidence for r in link.reasons)


def test_a_reviewers_answer_is_the_last_reason_and_completes_the_sum() -> None:
    import json

    from joinedup.link.explain import explain_links, reason_weight

    con = duckdb.connect()
    model = {
        "probability_two_random_records_match": 0.001,
        "comparisons": [
            {
                "output_column_name": "surname",
                "comparison_levels": [
                    {"is_null_level": True, "label_for_charts": "surname is NULL"},
                    {"label_for_charts": "Exact match on surname"},
                    {"label_for_charts": "All other comparisons"},
                ],
            }
        ],
    }
    con.execute("CREATE TABLE link_model AS SELECT ? AS model_json", [json.dumps(model)])
    con.execute(
        "CREATE TABLE person_links AS SELECT * FROM (VALUES "
        "('a', 'b', 40.0, 1.0, 1, 256.0, 2.0), ('a', 'c', -2.97, 0.11, 1, 256.0, 0.5)) "
        "t(record_id_l, record_id_r, match_weight, match_probability, gamma_surname, "
        "bf_surname, bf_tf_adj_surname)"
    )
    con.execute(
        "CREATE TABLE labels AS SELECT 'a' AS record_id_l, 'b' AS record_id_r, "
        "'same' AS decision, 0.9 AS model_probability"
    )
    # A view, as a run is served after an erasure (governance/erasure.py).
    con.execute("CREATE VIEW person_link_labels AS SELECT * FROM labels")
    con.execute(
        "CREATE TABLE person_clusters AS SELECT * FROM (VALUES ('a', 'P1'), ('b', 'P1'), "
        "('c', 'P2')) t(record_id, entity_id)"
    )
    decided, model_only = explain_links(con, ["a", "b", "c"])
    assert decided.reasons[1:3] == ["same surname: +8.0", "a rare surname: +1.0"]
    assert decided.reasons[-1].startswith("a reviewer said the same person: +")
    assert abs(sum(reason_weight(r) for r in decided.reasons) - 40.0) < 0.2  # type: ignore[misc]
    # Without an answer: the starting point (-10.0), the surname and a common surname.
    assert model_only.reasons == [
        "before any comparison, two records are rarely one person: -10.0",
        "same surname: +8.0",
        "a common surname: -1.0",
    ]


def test_an_old_id_is_followed_through_merges_to_the_person_now() -> None:
    from joinedup.link.entity_ids import follow_id, id_history

    con = duckdb.connect()
    con.execute("CREATE TABLE person_clusters AS SELECT 'a' AS record_id, 'P3' AS entity_id")
    con.execute(
        "CREATE TABLE entity_id_history AS SELECT * FROM (VALUES "
        "('r1', 'P1', 'created', NULL, 1), ('r1', 'P2', 'created', NULL, 1), "
        "('r2', 'P1', 'merged', 'P2', 1), ('r3', 'P2', 'merged', 'P3', 2), "
        "('r3', 'P3', 'split', 'P9', 2), ('r3', 'P4', 'retired', NULL, 0), "
        "('r4', 'P5', 'merged', 'P6', 1), ('r5', 'P6', 'merged', 'P5', 1)) "
        "t(run_id, entity_id, event, related_entity_id, records)"
    )
    assert follow_id(con, "P3") == ("current", "P3")
    assert follow_id(con, "P2") == ("merged", "P3")
    assert follow_id(con, "P1") == ("merged", "P3")  # merged twice: followed to the end
    assert follow_id(con, "P4") == ("retired", None)
    assert follow_id(con, "P7") == ("unknown", None)
    assert follow_id(con, "P5") == ("unknown", None)  # a loop is not followed for ever
    assert [(h["run_id"], h["event"], h["other_id"], h["side"]) for h in id_history(con, "P3")] == [
        ("r3", "merged", "P2", "other"),
        ("r3", "split", "P9", "this"),
    ]
