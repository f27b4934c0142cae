"""What governance costs: opening (migrating) the store, one gate decision, pseudonyms.

- store: seconds to open a new operational store (Alembic from nothing) and an
  up-to-date one (the check every hub open pays), on SQLite.
- gate: authorise() calls per second with their audit events, staff and partner users,
  committed in batches of 100 (SQLite file store).
- pseudonyms: values per second pseudonymised set-based in DuckDB, against a Python
  hmac loop over the same values (the reference; the ratio is the point).

    .venv/bin/python benchmarks/governance.py --values 1000000 --runs 3
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import secrets
import statistics
import time
from dataclasses import dataclass
from datetime import date

import duckdb
from common import report_head, save_report, scratch_folder

from joinedup.config import parse_config
from joinedup.governance.agreements import sync_agreements
from joinedup.governance.policy import authorise
from joinedup.governance.pseudonyms import pseudonymise_table
from joinedup.store.db import OperationalStore


@dataclass
class Person:
    username: str
    role: str
    organisation: str | None = None


AGREEMENT_CONFIG = {
    "sources": {
        "council_tax": {
            "owner": "x",
            "file": "x.csv",
            "key": "record_key",
            "columns": [
                {"column": "a", "field": "record_key"},
                {"column": "b", "field": "surname"},
            ],
        }
    },
    "agreements": {
        "police": {
            "purpose": "safeguarding",
            "status": "active",
            "start": "2026-01-01",
            "parties": [{"organisation": "police", "lawful_basis": "Art 6(1)(e)"}],
            "shares": [{"source": "council_tax", "fields": ["surname"]}],
        }
    },
}


def time_store(runs: int) -> dict[str, float]:
    fresh, again = [], []
    for _ in range(runs):
        with scratch_folder("joinedup-gov-bench-") as folder:
            started = time.perf_counter()
            OperationalStore.for_data_dir(folder).engine.dispose()
            fresh.append(time.perf_counter() - started)
            started = time.perf_counter()
            OperationalStore.for_data_dir(folder).engine.dispose()
            again.append(time.perf_counter() - started)
    return {
        "new_store_seconds_median": round(statistics.median(fresh), 3),
        "up_to_date_store_seconds_median": round(statistics.median(again), 3),
    }


def time_gate(decisions: int, runs: int) -> dict[str, float]:
    config = parse_config(AGREEMENT_CONFIG)
    rates: dict[str, list[float]] = {"staff": [], "partner": []}
    users = {
        "staff": Person("ivy", "investigator"),
        "partner": Person("pc", "partner_user", "police"),
    }
    for _ in range(runs):
        with scratch_folder("joinedup-gov-bench-") as folder:
            store = OperationalStore.for_data_dir(folder)
            with store.session() as session, session.begin():
                sync_agreements(session, config.agreements)
            for kind, user in users.items():
                started = time.perf_counter()
                for batch in range(decisions // 100):
                    with store.session() as session, session.begin():
                        for i in range(100):
                            authorise(
                                session, user, "records.view", f"r:{batch}:{i}", "safeguarding",
                                ("council_tax.surname",), today=date(2026, 6, 1),
                            )  # fmt: skip
                rates[kind].append(decisions / (time.perf_counter() - started))
            store.engine.dispose()
    return {
        f"{k}_decisions_per_second_median": round(statistics.median(v)) for k, v in rates.items()
    }


def time_pseudonyms(values: int, runs: int) -> dict[str, float]:
    key = secrets.token_bytes(32)
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE t AS SELECT i AS id, lpad(CAST(9000000000 + i AS VARCHAR), 10, '0') "
        f"AS nhs_number FROM range({values}) r(i)"
    )
    duck = []
    for _ in range(runs):
        started = time.perf_counter()
        pseudonymise_table(con, "t", {"nhs_number": "nhs_number"}, key, "t_p")
        duck.append(time.perf_counter() - started)
    sample = [v for (v,) in con.execute("SELECT nhs_number FROM t LIMIT 100000").fetchall()]
    python = []
    for _ in range(runs):
        started = time.perf_counter()
        for value in sample:
            hmac.new(key, f"nhs_number\x1f{value}".encode(), hashlib.sha256).hexdigest()
        python.append(time.perf_counter() - started)
    duck_rate = values / statistics.median(duck)
    python_rate = len(sample) / statistics.median(python)
    return {
        "values": values,
        "duckdb_values_per_second_median": round(duck_rate),
        "python_hmac_loop_values_per_second_median": round(python_rate),
        "duckdb_to_python_ratio": round(duck_rate / python_rate, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = {
        "store": time_store(args.runs),
        "gate": time_gate(args.decisions, args.runs),
        "pseudonyms": time_pseudonyms(args.values, args.runs),
    }
    print(json.dumps(results, indent=2), flush=True)
    save_report({**report_head("governance"), "results": results})


if __name__ == "__main__":
    main()
