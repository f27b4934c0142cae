"""Running the pipeline from the web: one run at a time, in its own process, with progress.

The run happens in a child process (`python -m joinedup.web.runner CONFIG USERNAME`), so
its heavy work never slows the pages, and a run survives nothing it should not: the hub's
run is atomic already (a new analytical file per run; the pointer moves only when every
stage succeeded), so the site serves the last good run during a run and after a failed one.

An exclusive lock on `run.lock` in the data folder, taken by the web process and handed
to the child, held for as long as the run goes, is what makes it "one run at a time"
across every web worker process; the lock is the operating system's, so it is released
even if the child is killed. It writes its
progress (the same messages the command line's progress bar shows) to
`run_progress.json`, which any worker can read to draw the progress page.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

PROGRESS_FILE = "run_progress.json"
LOCK_FILE = "run.lock"


@dataclass
class RunProgress:
    """What the latest run started from the web is doing, or how it ended."""

    state: str  # running, succeeded, failed, stopped
    stage: str  # the latest progress message: a stage and source names, never data
    done: int
    total: int
    started_at: str
    started_by: str
    finished_at: str | None = None
    run_id: str | None = None
    problem: str | None = None  # plain English, for a failed run

    @property
    def percent(self) -> int:
        if self.state == "succeeded":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def running(self) -> bool:
        return self.state == "running"


def _progress_path(data_dir: Path) -> Path:
    return Path(data_dir) / PROGRESS_FILE


def _lock_path(data_dir: Path) -> Path:
    return Path(data_dir) / LOCK_FILE


def write_progress(data_dir: Path, progress: RunProgress) -> None:
    """Replace the progress file atomically, so a reader never sees half of it."""
    path = _progress_path(data_dir)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(progress)), encoding="utf-8")
    os.replace(tmp, path)


def _take_lock(data_dir: Path) -> IO[str] | None:
    """The run lock, held until the returned file is closed; None if a run holds it."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    handle = open(_lock_path(data_dir), "a", encoding="utf-8")  # noqa: SIM115 - held open
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def run_in_progress(data_dir: Path) -> bool:
    """True while some process holds the run lock."""
    handle = _take_lock(data_dir)
    if handle is None:
        return True
    handle.close()
    return False


def read_progress(data_dir: Path) -> RunProgress | None:
    """The latest web-started run's progress; a run whose process died shows as stopped."""
    path = _progress_path(data_dir)
    try:
        progress = RunProgress(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if progress.running and not run_in_progress(data_dir):
        # The child holds the lock for its whole life: no lock, no child. It may also have
        # just finished, so read once more before calling it stopped.
        try:
            progress = RunProgress(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        if progress.running:
            progress.state = "stopped"
            progress.problem = (
                "The run stopped before it finished (the process ended unexpectedly). "
                "Nothing was changed: the last good run is still being served."
            )
    return progress


def start_run(config_path: Path, data_dir: Path, username: str) -> bool:
    """Start a run in a child process; False (and nothing started) if one is running.

    This process takes the lock and hands it to the child (a lock belongs to the open
    file, which the child inherits), so two starts at the same moment cannot both win.
    """
    lock = _take_lock(data_dir)
    if lock is None:
        return False
    with lock:
        write_progress(data_dir, RunProgress("running", "starting", 0, 1, _now(), username))
        child = subprocess.Popen(  # noqa: S603 - our own module, our own arguments
            [
                sys.executable,
                "-m",
                "joinedup.web.runner",
                str(config_path),
                username,
                str(lock.fileno()),
            ],
            pass_fds=(lock.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a run is not stopped by the server's Ctrl-C
        )
    # Reap the child when it ends, so it does not linger as a zombie.
    threading.Thread(target=child.wait, name="run-reaper", daemon=True).start()
    return True


def plain_problem(exc: BaseException) -> str:
    """What went wrong, for people: the kind of failure and our own wording, no data."""
    from joinedup.config import ConfigError
    from joinedup.ingest.pipeline import IngestError
    from joinedup.rules.model import RuleError

    if isinstance(exc, IngestError):
        what = "a source could not be read or did not fit its mapping"
    elif isinstance(exc, ConfigError):
        what = "the configuration has a problem"
    elif isinstance(exc, RuleError):
        what = "a data matching rule could not be run"
    else:
        what = "of an unexpected error"
    return (
        f"The run failed because {what} ({type(exc).__name__}). Nothing was changed: the "
        "last good run is still being served. Run `joinedup run` on the server to see the "
        "full message."
    )


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def take_run_lock(data_dir: Path) -> IO[str] | None:
    """The run lock for a run started elsewhere (the command line); None if a run holds it."""
    return _take_lock(data_dir)


def run_with_progress(
    hub: Any,
    started_by: str,
    lock: IO[str],
    also: Callable[[str, int, int], None] | None = None,
    **run_options: Any,
) -> Any:
    """Run the hub's pipeline while holding `lock` (released at the end), writing the
    progress file as it goes; a failure is written in plain words, then raised."""
    data_dir = hub.config.data_dir
    with lock:
        progress = RunProgress("running", "starting", 0, 1, _now(), started_by)
        write_progress(data_dir, progress)

        def report(message: str, done: int, total: int) -> None:
            progress.stage, progress.done, progress.total = message, done, total
            write_progress(data_dir, progress)
            if also is not None:
                also(message, done, total)

        try:
            summary = hub.run(progress=report, **run_options)
        except BaseException as exc:
            progress.state, progress.problem = "failed", plain_problem(exc)
            progress.finished_at = _now()
            write_progress(data_dir, progress)
            raise
        progress.state, progress.run_id, progress.finished_at = (
            "succeeded",
            summary.run_id,
            _now(),
        )
        progress.stage, progress.done = "finished", progress.total
        write_progress(data_dir, progress)
    return summary


def run_job(config_path: Path, username: str, lock_fd: int | None = None) -> int:
    """The child process: run the pipeline under the run lock, reporting progress and
    the end. `lock_fd` is the lock the web process took for it; without one (a direct
    call), take it here."""
    from joinedup.hub import Hub

    lock = os.fdopen(lock_fd, "a", encoding="utf-8") if lock_fd is not None else None
    hub = Hub.open(config_path)
    lock = lock or _take_lock(hub.config.data_dir)
    if lock is None:
        return 1  # another run holds the lock
    try:
        run_with_progress(hub, username, lock)
    except Exception:  # noqa: BLE001 - written to the progress file in plain words
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run_job(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
