"""Where one API search and one person read spend their time, in this process.

Drives the app in-process (no network, no worker processes) against the cached demo of
benchmarks/api_load.py, one request at a time: first timed (median of N of each kind),
then under the profiler, printing the functions with the most cumulative time. Use it
before and after a change to the request path, in the same state of the machine.
Route code that the server runs in worker threads runs inline here, on the one thread
the profiler sees; the figures are the app's own work, without network or HTTP parsing.

    .venv/bin/python benchmarks/profile_api_requests.py --people 20000 --requests 200
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from api_load import _prepare, _token_and_queries  # noqa: E402
from common import report_head, save_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200, help="of each kind")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative", help="or tottime")
    parser.add_argument("--label", default="", help="saved as api_profile[_LABEL].json")
    args = parser.parse_args()

    import anyio.to_thread
    import httpx

    import joinedup
    from joinedup.hub import Hub
    from joinedup.web.app import create_app

    async def inline(func: Any, *call_args: Any, **_options: Any) -> Any:
        return func(*call_args)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    config = _prepare(args.people)
    token, queries = _token_and_queries(config, 500)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(Hub.open(config))),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token}"},
    )
    loop = asyncio.new_event_loop()

    def search(q: dict) -> None:
        body = {k: q[k] for k in ("surname", "date_of_birth", "postcode")}
        sent = client.post("/api/v1/people/search", json=body)
        assert loop.run_until_complete(sent).status_code == 200

    def person(q: dict) -> None:
        sent = client.get(f"/api/v1/people/{q['entity_id']}")
        assert loop.run_until_complete(sent).status_code == 200

    for q in queries[:5]:  # warm: the lookup index and the served people
        search(q)
        person(q)

    def health(_q: dict) -> None:  # the floor: the framework, the middleware, no gate
        assert loop.run_until_complete(client.get("/health")).status_code == 200

    def timed(call: object) -> tuple[float, float]:
        """(median wall ms, mean CPU ms) per request; wall includes waiting for the disk."""
        times = []
        cpu = time.process_time()
        for i in range(args.requests):
            begun = time.perf_counter()
            call(queries[i % len(queries)])  # type: ignore[operator]
            times.append((time.perf_counter() - begun) * 1000)
        cpu_ms = (time.process_time() - cpu) * 1000 / args.requests
        return round(statistics.median(times), 2), round(cpu_ms, 2)

    (search_ms, search_cpu), (person_ms, person_cpu) = timed(search), timed(person)
    health_ms, health_cpu = timed(health)
    print(f"median wall ms: search {search_ms}, person {person_ms}, health {health_ms}")
    print(f"mean CPU ms: search {search_cpu}, person {person_cpu}, health {health_cpu}")

    profiles = {}
    for name, call in (("search", search), ("person", person)):
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.requests):
            call(queries[i % len(queries)])
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).sort_stats(args.sort)
        stats.print_stats(args.top)
        print(f"--- {name}: {args.requests} requests ---")
        print(text.getvalue())
        profiles[name] = text.getvalue().splitlines()
    report = {
        **report_head("api_profile"),
        # Which copy of the code ran: set PYTHONPATH to an older checkout's src to compare.
        "code": str(Path(joinedup.__file__).parent),
        "people": args.people,
        "requests_each": args.requests,
        "search_median_ms": search_ms,
        "person_median_ms": person_ms,
        "health_median_ms": health_ms,
        "search_cpu_ms": search_cpu,
        "person_cpu_ms": person_cpu,
        "health_cpu_ms": health_cpu,
    }
    print(json.dumps(report, indent=2))
    save_report(report, f"api_profile_{args.label}" if args.label else "api_profile")


if __name__ == "__main__":
    main()
