"""What the benchmark scripts share: the head of every report (command, date, machine), where
reports are saved, and a synthetic council to measure on.

The scripts run as files (`.venv/bin/python benchmarks/<name>.py`), so this folder is first
on the import path and they import this module as `common`.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def report_head(benchmark: str, **machine: Any) -> dict[str, Any]:
    """The first keys of every report: which benchmark, the exact command, when, and on what
    machine (with the load averages as the report is written: the machine is shared, so
    other work shows up in the timings). `machine` adds or overrides machine facts."""
    return {
        "benchmark": benchmark,
        "command": " ".join([os.path.relpath(sys.executable), *sys.argv]),
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": os.getloadavg(),
            **machine,
        },
    }


def save_report(report: dict[str, Any], name: str | None = None) -> Path:
    """Write the report to results/<name>.json (the benchmark's name by default) and say so."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name or report['benchmark']}.json"
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"saved {out}")
    return out


def fresh_council(folder: Path, people: int, seed: int) -> float:
    """Write the synthetic council into `folder`, emptied first so no earlier files mix in;
    returns the seconds the writing took (the emptying not counted)."""
    from joinedup.demo import generate  # here: the API benchmarks choose their joinedup late

    if folder.exists():
        shutil.rmtree(folder)
    started = time.perf_counter()
    generate(folder, people=people, seed=seed)
    return time.perf_counter() - started


@contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A new temporary folder, removed afterwards whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
