"""API load: concurrent users searching for people and opening person records.

Generates (once, cached in benchmarks/work/api_load) a demo council, runs the pipeline,
serves the app with uvicorn on 127.0.0.1 only, then drives it with N concurrent users,
each making a bounded number of request pairs: POST /api/v1/people/search with a
person's surname, date of birth and postcode, then GET /api/v1/people/{entity_id}.
Every request goes through the token check and the policy gate, and writes an audit
event, as in production. The reference is the same requests from one user, one at a
time, in the same script: the ratio shows what concurrency costs.

Two ways to load it, and the JSON says which: with `--think-ms 0` (the default) every
user fires its next request the moment the last one answers (a closed loop: 50 users are
50 requests always in flight, far more than 50 people at their desks make); with
`--think-ms 1000` each user pauses a random 0.5-1.5 s between requests, as someone
reading a page does. The server runs as `joinedup serve --workers N` does.

    .venv/bin/python benchmarks/api_load.py --people 20000 --users 50 --pairs 10 --rounds 3
    .venv/bin/python benchmarks/api_load.py --users 50 --pairs 10 --think-ms 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from common import report_head, save_report

WORK = Path(__file__).parent / "work" / "api_load"
TIMEOUT = 30.0


def _prepare(people: int) -> Path:
    """A run council of this size, reused between invocations."""
    from joinedup.demo import generate
    from joinedup.hub import Hub

    folder = WORK / f"council-{people}"
    config = folder / "joinedup.yaml"
    if config.exists() and Hub.open(config).has_run():
        return config
    generate(folder, people=people, seed=11)
    Hub.open(config).run()
    return config


def _token_and_queries(config: Path, sample: int) -> tuple[str, list[dict]]:
    from sqlalchemy import select

    from joinedup.governance.users import create_user
    from joinedup.hub import Hub
    from joinedup.store.users import User
    from joinedup.web.sessions import load_secret
    from joinedup.web.tokens import TokenCodec

    hub = Hub.open(config)
    with hub.store.session() as db, db.begin():
        user = db.scalars(select(User).where(User.username == "load_test")).first()
        if user is None:
            user = create_user(db, "load_test", os.urandom(16).hex(), "investigator")
    with hub.store.session() as db:
        user = db.scalars(select(User).where(User.username == "load_test")).one()
        token = TokenCodec(load_secret(hub.config.data_dir)).issue(user)
    con = hub.connect()
    try:
        rows = con.execute(
            """
            SELECT entity_id,
                   max(value) FILTER (WHERE field = 'surname') AS surname,
                   max(value) FILTER (WHERE field = 'date_of_birth') AS date_of_birth,
                   max(value) FILTER (WHERE field = 'postcode') AS postcode
            FROM golden_records GROUP BY entity_id
            HAVING count(*) FILTER (WHERE field IN ('surname', 'date_of_birth', 'postcode')) = 3
            ORDER BY hash(entity_id) LIMIT ?
            """,
            [sample],
        ).fetchall()
    finally:
        con.close()
    queries = [
        {"entity_id": e, "surname": s, "date_of_birth": d, "postcode": p} for e, s, d, p in rows
    ]
    return token, queries


def _person_reads(config: Path, queries: list[dict], repeat: int) -> dict:
    """One person's data read both ways, in this process, at the same moment: with three
    queries of the analytical store per request (how the person page and the API read
    before) and from the served people held in memory (web/people_cache.py)."""
    from joinedup.hub import Hub
    from joinedup.web import reads
    from joinedup.web.people_cache import served_people

    hub = Hub.open(config)
    started = time.perf_counter()
    people = served_people(hub)
    build_seconds = time.perf_counter() - started

    def by_queries(entity_id: str) -> None:
        con = reads.served_cursor(hub)
        try:
            ids = reads.person_record_ids(con, entity_id)
            reads.golden_fields(con, entity_id)
            hub._record_views(con, ids)  # noqa: SLF001 - the read the pages made
        finally:
            con.close()

    def timed(read: object) -> float:
        times = []
        for q in queries[:repeat]:
            begun = time.perf_counter()
            read(q["entity_id"])  # type: ignore[operator]
            times.append((time.perf_counter() - begun) * 1000)
        return round(statistics.median(times), 2)

    store_ms = timed(by_queries)
    memory_ms = timed(lambda e: served_people(hub).person(e))
    return {
        "store_queries_median_ms": store_ms,
        "served_people_median_ms": memory_ms,
        "ratio": round(store_ms / max(memory_ms, 0.001), 1),
        "served_people_build_seconds": round(build_seconds, 2),
        "people": len(people.record_ids),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(config: Path, port: int, workers: int) -> subprocess.Popen:
    code = (
        "import sys; from joinedup.hub import Hub; from joinedup.web.app import serve; "
        "serve(Hub.open(sys.argv[1]), port=int(sys.argv[2]), workers=int(sys.argv[3]))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(config), str(port), str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the server did not start")


async def _user(
    client: httpx.AsyncClient, queries: list[dict], pairs: int, seed: int, out: dict, think: float
) -> None:
    rng = random.Random(seed)
    for _ in range(pairs):
        q = rng.choice(queries)
        body = {k: q[k] for k in ("surname", "date_of_birth", "postcode")}
        requests = (
            ("search", "POST", "/api/v1/people/search", body),
            ("person", "GET", f"/api/v1/people/{q['entity_id']}", None),
        )
        for kind, method, path, payload in requests:
            if think:  # a person reading the last page; 0.5-1.5 times the mean
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            started = time.perf_counter()
            try:
                response = await client.request(method, path, json=payload)
                ok, why = response.status_code == 200, str(response.status_code)
            except httpx.HTTPError as exc:
                ok, why = False, type(exc).__name__
            out[kind].append((time.perf_counter() - started) * 1000)
            out["errors"] += not ok
            if not ok:
                out["error_kinds"][why] = out["error_kinds"].get(why, 0) + 1


async def _load(
    base: str, token: str, queries: list[dict], users: int, pairs: int, think: float = 0.0
) -> dict:
    out: dict = {"search": [], "person": [], "errors": 0, "error_kinds": {}}
    # Idle connections are dropped before the server's 5 s keep-alive ends, so a request
    # never goes down a connection the server is closing (a client-side race, not the app).
    limits = httpx.Limits(
        max_connections=users, max_keepalive_connections=users, keepalive_expiry=4.0
    )
    async with httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
        limits=limits,
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(
            *(_user(client, queries, pairs, i, out, think) for i in range(users))
        )
        out["seconds"] = time.perf_counter() - started
    return out


def _summary(out: dict) -> dict:
    every = sorted(out["search"] + out["person"])

    def pct(values: list[float], p: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {
        "requests": len(every),
        "errors": out["errors"],
        "error_kinds": out["error_kinds"],
        "seconds": round(out["seconds"], 2),
        "requests_per_second": round(len(every) / out["seconds"], 1),
        "p50_ms": pct(every, 0.50),
        "p95_ms": pct(every, 0.95),
        "search_p50_ms": pct(out["search"], 0.50),
        "search_p95_ms": pct(out["search"], 0.95),
        "person_p50_ms": pct(out["person"], 0.50),
        "person_p95_ms": pct(out["person"], 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--pairs", type=int, default=10, help="search + person pairs per user")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument(
        "--person-reads",
        action="store_true",
        help="only compare the two ways of reading a person (no server, no load)",
    )
    parser.add_argument(
        "--think-ms", type=int, default=0, help="mean pause between a user's requests"
    )
    parser.add_argument(
        "--label", default="", help="add to the file name, e.g. for an older checkout's code"
    )
    args = parser.parse_args()
    think = args.think_ms / 1000
    import joinedup

    started = time.perf_counter()
    config = _prepare(args.people)
    prepare_seconds = time.perf_counter() - started
    token, queries = _token_and_queries(config, 500)
    if args.person_reads:
        result = _person_reads(config, queries, 100)
        report = {**report_head("api_load person reads"), "people": args.people, **result}
        print(json.dumps(report, indent=2))
        save_report(report, "api_load_person_reads")
        return
    port = _free_port()
    server = _start_server(config, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        # Warm every worker: the lookup index and the served people are read once per run.
        asyncio.run(_load(base, token, queries, 4 * args.workers, 3))
        reference = _summary(asyncio.run(_load(base, token, queries, 1, 20)))
        print(json.dumps({"reference_one_user": reference}), flush=True)
        load_average = round(os.getloadavg()[0], 1)
        rounds = []
        for i in range(args.rounds):
            loaded = _load(base, token, queries, args.users, args.pairs, think)
            result = _summary(asyncio.run(loaded))
            rounds.append({"round": i + 1, **result})
            print(json.dumps(rounds[-1]), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    medians = {
        key: statistics.median(r[key] for r in rounds)
        for key in rounds[0]
        if key not in ("round", "error_kinds")
    }
    medians["p95_vs_one_user"] = round(medians["p95_ms"] / max(reference["p95_ms"], 0.1), 2)
    report = {
        # Other work on the machine: the 1-minute load average as the rounds began, too.
        **report_head("api_load", load_average_1min=load_average),
        # Which copy of the code served: PYTHONPATH=<older checkout>/src compares with it.
        "code": str(Path(joinedup.__file__).parent),
        "people": args.people,
        "users": args.users,
        "pairs_per_user": args.pairs,
        "workers": args.workers,
        "load": (
            f"think time: each user pauses {args.think_ms} ms on average between requests"
            if args.think_ms
            else "closed loop: each user sends its next request as soon as the last answers"
        ),
        "think_ms": args.think_ms,
        "prepare_seconds": round(prepare_seconds, 1),
        "target": {"p95_ms": 200, "errors": 0},
        "reference_one_user": reference,
        "medians": medians,
        "rounds": rounds,
    }
    name = f"api_load_think{args.think_ms}" if args.think_ms else "api_load"
    print(json.dumps({"medians": medians}, indent=2))
    save_report(report, f"{name}_{args.label}" if args.label else name)


if __name__ == "__main__":
    main()
