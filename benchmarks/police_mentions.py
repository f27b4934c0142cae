"""How far a name + approximate-age rule could attach police mentions to people (1M council).

The police incidents source names people with surname, forenames, role and an approximate
age on the incident date ("30s", "approx 76"), no date of birth and no home address, so the
hub does not link its rows (`identifying: false`). This script measures, on a prepared
council and the hub's full link of it, what attaching those mentions to linked people by
name and age alone could give:

1. per mention, the dates of birth the approximate age allows: officers write the true age
   give or take three years, or only the decade of that estimate (the generator,
   demo/sources/police_incidents.py), so "approx N" allows ages N-3..N+3 and "Ns" allows
   N-3..N+12 (the narrow variant takes the brief's N-2..N+2 and N..N+9);
2. candidate entities from the full link (never from truth): an entity whose identifying
   records carry the mention's normalised surname and first name (or a forename variant,
   the sets meeting as in link/nicknames.py) and a date of birth in that range;
3. rules: A attaches when exactly one candidate; A+variants the same with forename
   variants; B is A when the name is rare (at most `--rare` entities carry it, any age);
   C is A when, besides, no same-named entity without a date of birth could be the person.
   Each rule's attachment precision (the entity's majority true person is the mention's),
   mention recall (correct attachments over mentions whose person has an entity) and the
   all-record pairwise and B-cubed scores when attached mentions join their entity
   (`cluster_scores`, as `joinedup evaluate` and link_people.py score);
4. the oracle ceiling: mentions whose person has an entity and for which no entity of
   another person carries the written name with a date of birth in range, attached to
   that person's main entity (the most a name + age rule could attach without error), and
   the same when the person's entity must itself carry the name and a date of birth in
   range or none at all, and the strict one where a same-named entity of another person
   with no date of birth blocks too (a rule cannot tell it is not the one named); and, as
   the bound of any attachment, every mention whose person has an entity attached to it.
   Most entities have no date of birth (people known only from the electoral register or
   council tax), so for them the age cannot tell namesakes apart.

    .venv/bin/python benchmarks/police_mentions.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
from common import report_head, save_report

from joinedup.evaluation import cluster_scores
from joinedup.link.nicknames import name_variants

POLICE = "police_incidents"
FOLDER = Path(__file__).parent / "work" / "link" / "records_1000000"

# (approx: years either side; decade: years below the decade, years above its start)
WIDTHS = {"generator": (3, (3, 12)), "narrow": (2, (0, 9))}


def _connect(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(folder / "previous_full.duckdb"), read_only=True)
    con.execute("SET threads = 1")
    con.execute("SET memory_limit = '4GB'")
    con.execute(f"ATTACH '{folder / 'input.duckdb'}' AS inp (READ_ONLY)")
    return con


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Temp tables: the identifying records' entities, names and dates of birth, each
    entity's majority true person, and the mentions with their written age."""
    con.execute(
        f"""
        CREATE TEMP TABLE ident AS
        SELECT e.record_id, e.entity_id, l.first_name, l.surname, r.date_of_birth AS dob,
               t.person_id
        FROM record_entities e
        JOIN link_input l ON l.unique_id = e.record_id
        JOIN records r USING (record_id)
        LEFT JOIN inp.truth t USING (record_id)
        WHERE e.source <> '{POLICE}'
        """
    )
    # Majority true person per entity (ties: the smallest id), and each person's main entity.
    for key, value in (("entity_id", "person_id"), ("person_id", "entity_id")):
        con.execute(
            f"""
            CREATE TEMP TABLE {key.split("_")[0]}_{value.split("_")[0]} AS
            SELECT {key}, arg_max({value}, n) AS {value} FROM (
                SELECT {key}, {value}, count(*) AS n FROM ident
                WHERE person_id IS NOT NULL AND person_id <> ''
                GROUP BY ALL ORDER BY {value})
            GROUP BY {key}
            """
        )
    # Dates of birth an entity carries: its records' and its golden one.
    con.execute(
        """
        CREATE TEMP TABLE entity_dob AS
        SELECT DISTINCT entity_id, dob FROM (
            SELECT entity_id, dob FROM ident WHERE dob IS NOT NULL
            UNION ALL
            SELECT entity_id, date_of_birth FROM entity_facts WHERE date_of_birth IS NOT NULL)
        """
    )
    con.execute(
        "CREATE TEMP TABLE entity_name AS SELECT DISTINCT entity_id, first_name, surname "
        "FROM ident WHERE first_name IS NOT NULL AND surname IS NOT NULL"
    )
    con.execute(
        "CREATE TEMP TABLE name_count AS SELECT first_name, surname, "
        "count(DISTINCT entity_id) AS entities FROM entity_name GROUP BY ALL"
    )
    # Forename variants: a name stands for a set of names; two names agree when sets meet.
    firsts = con.execute(
        "SELECT DISTINCT first_name FROM link_input WHERE first_name IS NOT NULL"
    ).fetchall()
    variants = pd.DataFrame(
        [(name, v) for (name,) in firsts for v in name_variants(name)],
        columns=["first_name", "variant"],
    )
    con.register("variants_df", variants)
    con.execute("CREATE TEMP TABLE variant AS SELECT * FROM variants_df")
    con.unregister("variants_df")
    con.execute(
        f"""
        CREATE TEMP TABLE mention AS
        SELECT s.record_id, l.first_name, l.surname, CAST(s.incident_date AS DATE) AS seen,
               regexp_extract(s.person_line, '\\(([^)]*)\\)$', 1) AS said,
               t.person_id, e.entity_id AS own_entity
        FROM inp.src_police_incidents s
        JOIN link_input l ON l.unique_id = s.record_id
        JOIN record_entities e ON e.record_id = s.record_id
        LEFT JOIN inp.truth t ON t.record_id = s.record_id
        WHERE l.source_dataset = '{POLICE}'
        """
    )
    con.execute(
        """
        ALTER TABLE mention ADD COLUMN decade BOOLEAN;
        ALTER TABLE mention ADD COLUMN age INTEGER;
        UPDATE mention SET
            decade = regexp_matches(said, '[0-9]+s$'),
            age = CAST(regexp_extract(said, '([0-9]+)s?$', 1) AS INTEGER);
        """
    )


def _ranges(con: duckdb.DuckDBPyConnection, width: str) -> None:
    """mention_range: the dates of birth each mention's age allows. True age is whole
    years on the incident date, so age a means born after seen - (a+1) years and on or
    before seen - a years."""
    approx, (below, above) = WIDTHS[width]
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE mention_range AS
        SELECT *, CAST(seen - to_years(hi + 1) + INTERVAL 1 DAY AS DATE) AS dob_from,
                  CAST(seen - to_years(lo) AS DATE) AS dob_to
        FROM (SELECT *,
                     CASE WHEN decade THEN age - {below} ELSE age - {approx} END AS lo,
                     CASE WHEN decade THEN age + {above} ELSE age + {approx} END AS hi
              FROM mention)
        """
    )


def _candidates(con: duckdb.DuckDBPyConnection, with_variants: bool) -> None:
    """candidate: (mention, entity) where the entity carries the name; in_range when one
    of its dates of birth is in the mention's range, undated when it has none."""
    if with_variants:
        named = """
            SELECT DISTINCT m.record_id, n.entity_id
            FROM mention_range m
            JOIN variant vm ON vm.first_name = m.first_name
            JOIN variant vn ON vn.variant = vm.variant
            JOIN entity_name n ON n.first_name = vn.first_name AND n.surname = m.surname
        """
    else:
        named = """
            SELECT DISTINCT m.record_id, n.entity_id
            FROM mention_range m
            JOIN entity_name n ON n.first_name = m.first_name AND n.surname = m.surname
        """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE candidate AS
        WITH named AS ({named})
        SELECT c.record_id, c.entity_id,
               bool_or(d.dob BETWEEN m.dob_from AND m.dob_to) IS TRUE AS in_range,
               count(d.dob) = 0 AS undated
        FROM named c JOIN mention_range m USING (record_id)
        LEFT JOIN entity_dob d ON d.entity_id = c.entity_id
        GROUP BY c.record_id, c.entity_id
        """
    )


def _score(con: duckdb.DuckDBPyConnection, attach_sql: str) -> dict:
    """Attachment counts and the all-record scores when the attached mentions join their
    entity (`attach_sql` yields record_id, entity_id for mentions)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE attach AS {attach_sql}")
    row = con.execute(
        """
        SELECT count(*),
               count(*) FILTER (WHERE ep.person_id = m.person_id),
               count(*) FILTER (WHERE m.person_id IS NULL OR m.person_id = '')
        FROM attach a JOIN mention m USING (record_id)
        LEFT JOIN entity_person ep ON ep.entity_id = a.entity_id
        """
    ).fetchone()
    assert row is not None
    attached, correct, unscored = (int(v) for v in row)
    eligible = con.execute(
        "SELECT count(*) FROM mention JOIN person_entity USING (person_id)"
    ).fetchone()[0]  # type: ignore[index]
    scores = cluster_scores(
        con,
        """
        SELECT coalesce(a.entity_id, e.entity_id) AS entity_id, t.person_id
        FROM record_entities e JOIN inp.truth t USING (record_id)
        LEFT JOIN attach a USING (record_id)
        WHERE t.person_id IS NOT NULL AND t.person_id <> ''
        """,
    )
    return {
        "attached": attached,
        "attached_correct": correct,
        "attached_namesakes_not_in_truth": unscored,
        "attachment_precision": round(correct / attached, 4) if attached else None,
        "mentions_with_person_entity": int(eligible),
        "mention_recall": round(correct / eligible, 4) if eligible else None,
        "all_records": scores,
    }


def _rules(con: duckdb.DuckDBPyConnection, rare: int) -> dict:
    """Rules A, B, C on the current candidate table."""
    one = """
        SELECT record_id, any_value(entity_id) AS entity_id FROM candidate
        WHERE in_range GROUP BY record_id HAVING count(*) = 1
    """
    out = {"A_unique_candidate": _score(con, one)}
    out[f"B_unique_and_name_at_most_{rare}_entities"] = _score(
        con,
        f"""
        SELECT o.* FROM ({one}) o JOIN mention m USING (record_id)
        JOIN name_count n ON n.first_name = m.first_name AND n.surname = m.surname
        WHERE n.entities <= {rare}
        """,
    )
    out["C_unique_and_no_undated_namesake"] = _score(
        con,
        f"""
        SELECT o.* FROM ({one}) o
        WHERE NOT EXISTS (SELECT 1 FROM candidate c WHERE c.record_id = o.record_id
                          AND c.undated AND c.entity_id <> o.entity_id)
        """,
    )
    return out


def _ceiling(con: duckdb.DuckDBPyConnection) -> dict:
    """Oracle: attach to the person's main entity unless an entity of another person
    carries the written name (variants included) with a date of birth in range."""
    blocked = """
        SELECT 1 FROM candidate c LEFT JOIN entity_person ep USING (entity_id)
        WHERE c.record_id = m.record_id AND c.in_range
          AND ep.person_id IS DISTINCT FROM m.person_id
    """
    free = _score(
        con,
        f"""
        SELECT m.record_id, pe.entity_id FROM mention_range m
        JOIN person_entity pe USING (person_id)
        WHERE NOT EXISTS ({blocked})
        """,
    )
    named = _score(
        con,
        f"""
        SELECT m.record_id, pe.entity_id FROM mention_range m
        JOIN person_entity pe USING (person_id)
        JOIN candidate own ON own.record_id = m.record_id AND own.entity_id = pe.entity_id
        WHERE (own.in_range OR own.undated) AND NOT EXISTS ({blocked})
        """,
    )
    # Stricter: a same-named entity of another person with no date of birth could as well
    # be the one named, so it blocks too (what a rule that can see no truth must respect).
    strict = _score(
        con,
        """
        SELECT m.record_id, pe.entity_id FROM mention_range m
        JOIN person_entity pe USING (person_id)
        JOIN candidate own ON own.record_id = m.record_id AND own.entity_id = pe.entity_id
        WHERE (own.in_range OR own.undated) AND NOT EXISTS (
            SELECT 1 FROM candidate c LEFT JOIN entity_person ep USING (entity_id)
            WHERE c.record_id = m.record_id AND (c.in_range OR c.undated)
              AND ep.person_id IS DISTINCT FROM m.person_id)
        """,
    )
    every = _score(
        con,
        "SELECT m.record_id, pe.entity_id FROM mention m JOIN person_entity pe USING (person_id)",
    )
    return {
        "oracle_no_other_person_in_range": free,
        "oracle_own_entity_named_and_dated_or_undated": named,
        "oracle_named_and_no_other_person_in_range_or_undated": strict,
        "every_mention_attached_correctly": every,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, default=FOLDER)
    parser.add_argument("--rare", type=int, default=2, help="rule B: most entities per name")
    args = parser.parse_args()
    started = time.perf_counter()
    con = _connect(args.folder)
    _prepare(con)
    counts = con.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE decade),
               count(*) FILTER (WHERE person_id IS NULL OR person_id = ''),
               (SELECT count(*) FROM mention JOIN person_entity USING (person_id))
        FROM mention
        """
    ).fetchone()
    assert counts is not None
    dated = con.execute(
        "SELECT count(*) FROM mention m JOIN person_entity pe USING (person_id) "
        "WHERE EXISTS (SELECT 1 FROM entity_dob d WHERE d.entity_id = pe.entity_id)"
    ).fetchone()[0]  # type: ignore[index]
    _ranges(con, "generator")
    own = con.execute(
        """
        SELECT count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM entity_dob d WHERE d.entity_id = pe.entity_id
                   AND d.dob BETWEEN m.dob_from AND m.dob_to)),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM entity_name n WHERE n.entity_id = pe.entity_id
                   AND n.first_name = m.first_name AND n.surname = m.surname))
        FROM mention_range m JOIN person_entity pe USING (person_id)
        """
    ).fetchone()
    assert own is not None
    undated_entities = con.execute(
        "SELECT count(DISTINCT entity_id), count(DISTINCT entity_id) FILTER (WHERE NOT EXISTS "
        "(SELECT 1 FROM entity_dob d WHERE d.entity_id = i.entity_id)) FROM ident i"
    ).fetchone()
    assert undated_entities is not None
    baseline = cluster_scores(
        con,
        "SELECT e.entity_id, t.person_id FROM record_entities e JOIN inp.truth t "
        "USING (record_id) WHERE t.person_id IS NOT NULL AND t.person_id <> ''",
    )
    report = {
        **report_head("police_mentions"),
        "folder": str(args.folder),
        "mentions": int(counts[0]),
        "mentions_decade_only": int(counts[1]),
        "mentions_not_in_truth": int(counts[2]),
        "mentions_whose_person_has_entity": int(counts[3]),
        "of_those_entity_has_date_of_birth": int(dated),
        "of_those_entity_date_of_birth_in_generator_range": int(own[0]),
        "of_those_entity_carries_written_name_exactly": int(own[1]),
        "identifying_entities": int(undated_entities[0]),
        "identifying_entities_without_date_of_birth": int(undated_entities[1]),
        "baseline_all_records": baseline,
        "results": {},
    }
    for width in WIDTHS:
        _ranges(con, width)
        for with_variants in (False, True):
            _candidates(con, with_variants)
            key = f"{width}_ages{'_name_variants' if with_variants else '_exact_names'}"
            entry = _rules(con, args.rare)
            if width == "generator":
                entry |= _ceiling(con)
            report["results"][key] = entry
            print(f"done {key} at {time.perf_counter() - started:.0f} s", file=sys.stderr)
    report["seconds"] = round(time.perf_counter() - started, 1)
    con.close()
    save_report(report, "police_mentions_1m")
    _table(report)


def _table(report: dict) -> None:
    b = report["baseline_all_records"]
    print(
        f"mentions {report['mentions']}, whose person has an entity "
        f"{report['mentions_whose_person_has_entity']} (with a date of birth "
        f"{report['of_those_entity_has_date_of_birth']}); entities without a date of birth "
        f"{report['identifying_entities_without_date_of_birth']} of "
        f"{report['identifying_entities']}"
    )
    head = f"{'variant / rule':<72} {'attached':>8} {'prec':>6} {'recall':>6}"
    print(head + f" {'P':>6} {'R':>6} {'F1':>6} {'B3 F1':>6}")
    print(
        f"{'baseline (no mention attached)':<72} {0:>8} {'':>6} {'':>6} "
        f"{b['precision']:>6.4f} {b['recall']:>6.4f} {b['f1']:>6.4f} {b['bcubed_f1']:>6.4f}"
    )
    for key, rules in report["results"].items():
        for rule, r in rules.items():
            s = r["all_records"]
            print(
                f"{key + ' / ' + rule:<72} {r['attached']:>8} "
                f"{r['attachment_precision'] or 0:>6.4f} {r['mention_recall'] or 0:>6.4f} "
                f"{s['precision']:>6.4f} {s['recall']:>6.4f} {s['f1']:>6.4f} "
                f"{s['bcubed_f1']:>6.4f}"
            )


if __name__ == "__main__":
    main()
