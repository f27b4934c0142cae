"""Person linking measured against truth, beside a plain Splink run in the same script.

For each size (records, not people) the demo generator writes a council with ground truth;
the hub ingests it and resolves addresses once; then each method links the same `records`
in its own subprocess, so peak memory (ru_maxrss) belongs to that method alone:

- joinedup: `link_people` (train, predict, cluster, split conflicting clusters, stable
  ids, cluster quality) + entities + golden records: what `Hub.run()` does after addresses;
- reference: plain Splink 4 on DuckDB with the settings its documentation shows: name,
  date of birth, postcode and email comparisons (the comparison library's
  NameComparison, DateOfBirthComparison, PostcodeComparison, EmailComparison), blocking on
  postcode, date of birth, surname with first initial and email; u by random sampling, m by
  EM; clusters at match probability 0.95 (Splink README and "deduplicate_50k_synthetic").

Both report wall time, peak memory, pairwise and B-cubed precision/recall/F1 (the same
`cluster_scores` that `joinedup evaluate` uses). Medians over --runs.

`--methods incremental` measures an incremental run instead: a full link, then a 1% delta
(0.5% changed, 0.5% new records) linked incrementally and by a full relink, reporting both
times and the share of records whose entity is identical both ways.

    .venv/bin/python benchmarks/link_people.py --sizes 10000 100000 --runs 3
    .venv/bin/python benchmarks/link_people.py --sizes 100000 --runs 1 --reuse \
        --methods incremental --out benchmarks/results/link_people_incremental.json
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
from common import RESULTS, report_head

# The demo writes about 1.33 person records per person (people appear in several sources).
RECORDS_PER_PERSON = 1.33
METHODS = ("joinedup", "reference", "incremental")


def prepare(size: int, work: Path, seed: int) -> Path:
    """Generate a council of about `size` records; ingest and resolve addresses once."""
    from joinedup.config import load_config
    from joinedup.demo import generate
    from joinedup.engine import analytical
    from joinedup.hub import Hub
    from joinedup.ingest.pipeline import build_records_table, create_common_tables, ingest_source
    from joinedup.link.places import resolve_addresses

    folder = work / f"records_{size}"
    if folder.exists():
        shutil.rmtree(folder)
    generate(folder, people=max(50, round(size / RECORDS_PER_PERSON)), seed=seed)
    config = load_config(folder / "joinedup.yaml")
    hub = Hub(config)
    as_of = hub.as_of()
    path = folder / "input.duckdb"
    con = analytical.connect(path)
    create_common_tables(con)
    for source in config.sources.values():
        ingest_source(con, config, source, as_of)
    hub._build_gazetteer(con)
    build_records_table(con, config, as_of)
    con.execute(
        "CREATE OR REPLACE TABLE addresses_to_resolve AS SELECT record_id, source, "
        "address, postcode, uprn AS uprn_given FROM records "
        "WHERE address IS NOT NULL OR postcode IS NOT NULL OR uprn IS NOT NULL"
    )
    resolve_addresses(con)
    truth = folder / "truth" / "records.csv"
    con.execute(
        "CREATE TABLE truth AS SELECT source || ':' || CAST(record_key AS VARCHAR) AS record_id, "
        "CAST(person_id AS VARCHAR) AS person_id "
        f"FROM read_csv('{truth}', all_varchar = true, header = true) "
        "WHERE person_id IS NOT NULL AND person_id <> ''"
    )
    con.execute("CHECKPOINT")
    con.close()
    return path


def _load(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """The prepared council's tables, in memory or into `con`."""
    con = con if con is not None else duckdb.connect()
    con.execute(f"ATTACH '{path}' AS inp (READ_ONLY)")
    for table in ("records", "address_matches", "truth", "gazetteer"):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM inp.{table}")
    con.execute("DETACH inp")
    return con


def run_joinedup(con: duckdb.DuckDBPyConnection, as_of: str) -> str:
    """The hub's own linking stage; returns the SQL of (record_id, entity_id)."""
    from joinedup.config import LinkConfig
    from joinedup.link.entities import build_entity_tables
    from joinedup.link.golden import build_golden_records
    from joinedup.link.people import link_people

    started = time.perf_counter()

    def stage(message: str) -> None:  # where the time goes, on stderr
        print(f"{time.perf_counter() - started:8.1f}s {message}", file=sys.stderr, flush=True)

    link_people(con, LinkConfig(), stage)
    stage("entities")
    build_entity_tables(con, as_of)
    stage("golden records")
    build_golden_records(con)
    stage("done")
    return "SELECT record_id, entity_id FROM record_entities"


def run_reference(con: duckdb.DuckDBPyConnection, memory_limit: str | None = None) -> str:
    """Plain Splink as its documentation shows it, on the same records. `memory_limit`
    caps its DuckDB (spilling to disk beyond it): at a million records its default (most
    of the machine's memory) let it grow until the system killed it."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = con.execute(
        "SELECT record_id AS unique_id, lower(first_name) AS first_name, "
        "lower(surname) AS surname, strftime(date_of_birth, '%Y-%m-%d') AS dob, postcode, "
        "lower(email) AS email FROM records"
    ).df()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.EmailComparison("email"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("postcode"),
            block_on("dob"),
            block_on("surname", "substr(first_name, 1, 1)"),
            block_on("email"),
        ],
        retain_intermediate_calculation_columns=True,
    )
    engine = duckdb.connect()
    if memory_limit:
        spill = Path(tempfile.gettempdir()) / "link_people_reference_spill"
        engine.execute(f"SET memory_limit = '{memory_limit}'")
        engine.execute(f"SET temp_directory = '{spill}'")
    linker = Linker(frame, settings, db_api=DuckDBAPI(engine))
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("email")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.95)
    result = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    con.register("_ref", result)
    con.execute(
        "CREATE TABLE ref_entities AS SELECT unique_id AS record_id, "
        "CAST(cluster_id AS VARCHAR) AS entity_id FROM _ref"
    )
    return "SELECT record_id, entity_id FROM ref_entities"


def measure_lookups(con: duckdb.DuckDBPyConnection, queries: int = 200) -> dict:
    """Lookup latency in-process against the index of every record, and how often the
    queried record's own entity comes first (queries are records' own details)."""
    from joinedup.link.lookup import PersonIndex

    started = time.perf_counter()
    index = PersonIndex(con)
    build = time.perf_counter() - started
    sample = con.execute(
        "SELECT r.first_name, r.surname, r.date_of_birth, r.postcode, c.entity_id "
        "FROM records r JOIN person_clusters c USING (record_id) "
        f"WHERE r.surname IS NOT NULL USING SAMPLE {queries} ROWS (reservoir, 7)"
    ).fetchall()
    times, first = [], 0
    for first_name, surname, dob, postcode, entity in sample:
        started = time.perf_counter()
        found = index.lookup(
            first_name=first_name, surname=surname, date_of_birth=dob, postcode=postcode
        )
        times.append(time.perf_counter() - started)
        first += bool(found) and found[0].entity_id == entity
    times.sort()
    index.close()
    return {
        "lookup_index_build_seconds": round(build, 2),
        "lookup_p50_ms": round(1000 * times[len(times) // 2], 1),
        "lookup_p95_ms": round(1000 * times[int(len(times) * 0.95)], 1),
        "lookup_top1_own_entity": round(first / len(sample), 4),
    }


def _mutate(con: duckdb.DuckDBPyConnection, step: int = 0) -> None:
    """A 1% delta: 0.5% of records changed (an email added or re-cased), 0.5% new: another
    record of an existing person under a new record id, first name upper-cased and no
    address yet. (Not an exact copy: a source that repeats itself exactly is treated as an
    extract holding duplicates, which changes how all its records are linked; so a new
    record is never copied again.) Each `step` (up to 99) takes another 1% of the records,
    for deltas one after another."""
    changed, copied, suffix = 2 * step, 2 * step + 1, "-new" + (str(step) if step else "")
    con.execute(
        "UPDATE records SET email = lower(coalesce(email, first_name || '@example.org')) "
        f"WHERE hash(record_id) % 200 = {changed}"
    )
    con.execute(
        f"INSERT INTO records SELECT * REPLACE (record_id || '{suffix}' AS record_id, "
        "upper(first_name) AS first_name, NULL AS address, NULL AS postcode, NULL AS uprn) "
        f"FROM records WHERE hash(record_id) % 200 = {copied} AND record_id NOT LIKE '%-new%'"
    )
    con.execute(
        f"INSERT INTO truth SELECT record_id || '{suffix}', person_id FROM truth "
        f"WHERE hash(record_id) % 200 = {copied} AND record_id NOT LIKE '%-new%'"
    )


def run_incremental(path: Path, as_of: str, relink: bool = True) -> dict:
    """Full link, then a 1% delta linked incrementally and by a full relink: time of each
    and the share of records whose entity holds exactly the same records both ways.
    Each of the three is the whole linking stage as `run_joinedup` times it (link,
    entities, golden records), each in a store on disk as the hub keeps them; the
    incremental one starts from the last store's file and edits its linking tables.
    Without `relink` (for lack of time at a million records) the incremental run is
    compared with the first full link's time and agreement is not measured."""
    from joinedup.config import LinkConfig
    from joinedup.link.entities import build_entity_tables
    from joinedup.link.golden import build_golden_records
    from joinedup.link.incremental import link_people_incremental
    from joinedup.link.people import link_people

    def stage(con: duckdb.DuckDBPyConnection, previous: Path | None, incremental: bool) -> None:
        if incremental:
            link_people_incremental(con, LinkConfig(), previous_store=previous, run_id="r2")
        else:
            link_people(con, LinkConfig(), previous_store=previous, run_id="r2")
        build_entity_tables(con, as_of, previous_store=previous)
        build_golden_records(con, previous_store=previous)
        con.execute("CHECKPOINT")  # the store written to disk, as a run leaves it

    from joinedup.engine.analytical import connect
    from joinedup.link import carry

    # Stores on disk, as the hub keeps them; the folder lives as long as this process,
    # which scores the stores after this returns.
    tmp = Path(tempfile.mkdtemp(dir=path.parent))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    previous = tmp / "previous.duckdb"
    first = connect(previous)
    first.execute(f"ATTACH '{path}' AS inp (READ_ONLY)")
    for table in ("records", "address_matches"):
        first.execute(f"CREATE TABLE {table} AS SELECT * FROM inp.{table}")
    first.execute("DETACH inp")
    started = time.perf_counter()
    stage(first, None, incremental=False)
    full_first = time.perf_counter() - started
    first.execute("CHECKPOINT")
    first.close()
    results = {}
    for mode in ("incremental", "full") if relink else ("incremental",):
        build = tmp / f"{mode}.duckdb"
        # An incremental run's store starts as the last one's file with its linking
        # tables carried (timed: it is part of the incremental run's cost). Each timed
        # part starts with nothing waiting to be written to disk, so neither pays for
        # writing out the untimed steps before it.
        os.sync()
        started, cpu = time.perf_counter(), _cpu_seconds()
        con = carry.start_from(previous, build, connect) if mode == "incremental" else None
        carrying, carrying_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        con = _load(path, con or connect(build))  # the run's own ingest: not timed either way
        _mutate(con)
        con.execute("CHECKPOINT")
        os.sync()
        started, cpu = time.perf_counter(), _cpu_seconds()
        stage(con, previous, incremental=mode == "incremental")
        results[mode] = (
            time.perf_counter() - started + carrying,
            con,
            _cpu_seconds() - cpu + carrying_cpu,
        )
    seconds, con, cpu = results["incremental"]
    out = {
        "full_first_seconds": round(full_first, 2),
        "incremental_seconds": round(seconds, 2),
        "incremental_cpu_seconds": round(cpu, 1),
        "delta_records": int(con.execute("SELECT count(*) FROM _delta").fetchone()[0]),  # type: ignore[index]
        "people_kept": int(
            con.execute(
                "SELECT count(DISTINCT entity_id) FROM person_clusters "
                "WHERE entity_id NOT IN (SELECT entity_id FROM _redo_entities)"
            ).fetchone()[0]  # type: ignore[index]
        ),
        "seconds": round(seconds, 2),
        "con": con,
    }
    if not relink:
        return out | {"incremental_to_full_time": round(seconds / full_first, 3)}
    members = (
        "SELECT record_id, list(record_id ORDER BY record_id) OVER (PARTITION BY entity_id "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS m FROM person_clusters"
    )
    full_seconds, full_con, full_cpu = results["full"]
    both = con.execute(members).df().merge(full_con.execute(members).df(), on="record_id")
    same = float((both["m_x"].map(tuple) == both["m_y"].map(tuple)).mean())
    golden = "SELECT entity_id, field, value FROM golden_records"
    full_con.register("_inc_golden", con.execute(golden).to_arrow_table())
    golden_same = full_con.execute(
        f"SELECT count(*) / (SELECT count(*) FROM _inc_golden) FROM "
        f"(SELECT * FROM _inc_golden INTERSECT ALL {golden})"
    ).fetchone()[0]  # type: ignore[index]
    return out | {
        "full_relink_seconds": round(full_seconds, 2),
        "full_relink_cpu_seconds": round(full_cpu, 1),
        "incremental_to_full_time": round(seconds / full_seconds, 3),
        "incremental_to_full_cpu": round(cpu / full_cpu, 3),
        "records_same_entity_as_full_relink": round(same, 4),
        "golden_values_same_as_full_relink": round(float(golden_same), 4),
    }


def _cpu_seconds() -> float:
    """CPU time of this process, all threads: on a shared, loaded machine a steadier
    measure of the work done than wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(
    method: str,
    path: Path,
    as_of: str,
    reference_memory: str | None = None,
    relink: bool = True,
) -> None:
    """One measured run in this process; prints one JSON line."""
    import logging

    from joinedup.evaluation import cluster_scores

    logging.getLogger("splink").setLevel(logging.ERROR)
    extra: dict = {}
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if method == "incremental":
        extra = run_incremental(path, as_of, relink=relink)
        con = extra.pop("con")
        seconds = extra.pop("seconds")
        entities_sql = "SELECT record_id, entity_id FROM person_clusters"
    else:
        con = _load(path)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        entities_sql = (
            run_joinedup(con, as_of)
            if method == "joinedup"
            else run_reference(con, reference_memory)
        )
        seconds = time.perf_counter() - started
        extra["cpu_seconds"] = round(_cpu_seconds() - cpu_before, 1)
    records = con.execute("SELECT count(*) FROM records").fetchone()[0]  # type: ignore[index]
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scores = cluster_scores(
        con,
        f"SELECT e.entity_id, t.person_id FROM ({entities_sql}) e JOIN truth t USING (record_id)",
    )
    # As `joinedup evaluate` scores a run: only sources that identify people (the police
    # mentions name people without dates of birth or addresses, and are scored apart).
    identifying = _identifying_sources(path)
    names = ", ".join(f"'{name}'" for name in identifying)  # config names: [a-z0-9_]
    scores["identifying_sources_only"] = cluster_scores(
        con,
        f"SELECT e.entity_id, t.person_id FROM ({entities_sql}) e JOIN truth t USING (record_id) "
        f"WHERE split_part(record_id, ':', 1) IN ({names})",
    )
    if method == "joinedup":
        scores |= measure_lookups(con)
    scores |= extra
    print(
        json.dumps(
            {
                "method": method,
                "records": int(records),
                "seconds": round(seconds, 2),
                "peak_rss_mib": round(peak_kib / 1024, 1),
                "rss_before_link_mib": round(rss_before / 1024, 1),
                **scores,
            }
        )
    )


def _identifying_sources(path: Path) -> list[str]:
    from joinedup.config import load_config

    folder = path.parent if path.suffix == ".duckdb" else path
    config = load_config(folder / "joinedup.yaml")
    return [s.name for s in config.person_sources() if s.identifying]


def _measure(
    method: str, path: Path, as_of: str, reference_memory: str | None, relink: bool = True
) -> dict:
    memory = ["--reference-memory-limit", reference_memory] if reference_memory else []
    memory += [] if relink else ["--no-relink"]
    out = subprocess.run(
        [sys.executable, __file__, "--child", method, "--input", str(path), "--as-of", as_of]
        + memory,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


_KEYS = (
    "seconds",
    "cpu_seconds",
    "peak_rss_mib",
    "precision",
    "recall",
    "f1",
    "bcubed_precision",
    "bcubed_recall",
    "bcubed_f1",
)


_LOOKUP_KEYS = (
    "lookup_p50_ms",
    "lookup_p95_ms",
    "lookup_top1_own_entity",
    "incremental_to_full_time",
    "incremental_to_full_cpu",
    "records_same_entity_as_full_relink",
    "golden_values_same_as_full_relink",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--reference-runs",
        type=int,
        help="runs of the reference, when fewer than --runs (half an hour each at a million)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--methods", nargs="+", default=["joinedup", "reference"], choices=METHODS)
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / "work" / "link")
    parser.add_argument("--child", choices=METHODS)
    parser.add_argument("--input", type=Path)
    parser.add_argument("--as-of", default=date(2026, 11, 1).isoformat())
    parser.add_argument("--out", type=Path, default=RESULTS / "link_people.json")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse a prepared input.duckdb for a size if present"
    )
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument(
        "--no-relink",
        action="store_true",
        help="incremental: skip the full relink (no agreement figure; time vs the first link)",
    )
    parser.add_argument(
        "--reference-memory-limit",
        help="cap the reference's DuckDB memory (e.g. 8GB); its default can exhaust the machine",
    )
    parser.add_argument(
        "--reference-from",
        type=Path,
        help="take the reference's figures for a size from this earlier results file "
        "(a reference measured separately, e.g. at a million records); the row says so",
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, args.input, args.as_of, args.reference_memory_limit, not args.no_relink)
        return

    runs_of = {m: args.runs for m in args.methods}
    if args.reference_runs and "reference" in runs_of:
        runs_of["reference"] = args.reference_runs
    table = []
    for size in args.sizes:
        started = time.perf_counter()
        path = args.work / f"records_{size}" / "input.duckdb"
        if not (args.reuse and path.exists()):
            path = prepare(size, args.work, args.seed)
        prepare_seconds = time.perf_counter() - started
        if args.prepare_only:
            continue
        row: dict = {"size": size, "prepare_seconds": round(prepare_seconds, 1)}
        for method in args.methods:
            runs = [
                _measure(method, path, args.as_of, args.reference_memory_limit, not args.no_relink)
                for _ in range(runs_of[method])
            ]
            for run in runs:
                print(json.dumps({"size": size, **run}), flush=True)
            row["records"] = runs[0]["records"]
            row[method] = {
                k: statistics.median(r[k] for r in runs if r.get(k) is not None)
                for k in (*_KEYS, *_LOOKUP_KEYS)
                if any(r.get(k) is not None for r in runs)
            }
            scored_apart = [r["identifying_sources_only"] for r in runs]
            row[method]["identifying_sources_only"] = {
                k: statistics.median(r[k] for r in scored_apart)
                for k in _KEYS
                if k in scored_apart[0]
            }
            row[method]["runs"] = runs
        if args.reference_from and args.reference_from.exists() and "reference" not in args.methods:
            earlier = json.loads(args.reference_from.read_text(encoding="utf-8"))
            for measured in earlier["results"]:
                if measured["size"] == size and "reference" in measured:
                    row["reference"] = measured["reference"]
                    row["reference_measured_separately"] = {
                        "file": str(args.reference_from),
                        "command": earlier["command"],
                        "date": earlier["date"],
                    }
        if "joinedup" in row and "reference" in row:
            row["time_ratio_joinedup_to_reference"] = round(
                row["joinedup"]["seconds"] / row["reference"]["seconds"], 3
            )
        table.append(row)
    if args.prepare_only:
        return
    report = {**report_head("link_people"), "runs_per_method": runs_of, "results": table}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    header = f"{'records':>8} {'method':<10} {'s':>7} {'MiB':>7} {'P':>6} {'R':>6} {'F1':>6}"
    print(header + f" {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6}")
    for row in table:
        for method in [m for m in METHODS if m in row]:
            m = row[method]
            print(
                f"{row['records']:>8} {method:<10} {m['seconds']:>7.1f} {m['peak_rss_mib']:>7.0f} "
                f"{m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} "
                f"{m['bcubed_precision']:>6.3f} {m['bcubed_recall']:>6.3f} {m['bcubed_f1']:>6.3f}"
            )
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
