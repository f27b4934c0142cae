"""`generate()`: build the synthetic council, write its source files, truth and config."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from joinedup.demo.config_yaml import write_config
from joinedup.demo.population import RESIDENT
from joinedup.demo.sources import SOURCES, benefit_facts
from joinedup.demo.truth import write_truth
from joinedup.demo.world import build_world

CONFIG_FILE = "joinedup.yaml"
TRUTH_DIR = "truth"


@dataclass(frozen=True)
class DemoSummary:
    """What was written: paths, and row counts per source."""

    out_dir: Path
    config_path: Path
    seed: int
    as_of: date
    people: int  # everyone in the population frame, including the dead and those who left
    residents: int  # people living in the district on as_of
    households: int  # current households
    properties: int
    dwellings: int
    files: dict[str, Path] = field(default_factory=dict)  # source -> file
    rows: dict[str, int] = field(default_factory=dict)  # source -> data rows (good and bad)
    records: dict[str, int] = field(default_factory=dict)  # source -> real records
    quarantined: dict[str, int] = field(default_factory=dict)  # source -> planted bad rows
    truth: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


def generate(
    out_dir: Path,
    people: int = 20000,
    seed: int = 1,
    as_of: date = date(2026, 11, 1),
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Write the Demo District Council's source files, truth and joinedup.yaml to out_dir.

    The same seed always gives byte-identical files.
    """
    if people < 50:
        raise ValueError("people must be at least 50")
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    say(f"Building the district: about {people:,} people")
    world = build_world(people, seed, as_of)
    outputs = []
    for spec in SOURCES:
        say(f"Writing {spec.file_name}")
        outputs.append(spec.build(world, out_dir))
    benefit_facts.forget()
    say("Writing the ground truth")
    truth = write_truth(world, outputs, out_dir / TRUTH_DIR)
    config_path = out_dir / CONFIG_FILE
    write_config(config_path, outputs, as_of)
    pop = world.pop
    summary = DemoSummary(
        out_dir=out_dir,
        config_path=config_path,
        seed=seed,
        as_of=as_of,
        people=len(pop.people),
        residents=int((pop.people["status"].to_numpy() == RESIDENT).sum()),
        households=int((pop.households["status"].to_numpy() == 0).sum()),
        properties=len(world.places.props),
        dwellings=len(world.places.dwellings),
        files={o.name: o.path for o in outputs},
        rows={o.name: o.rows for o in outputs},
        records={o.name: len(o.records) for o in outputs},
        quarantined={o.name: len(o.quarantine) for o in outputs},
        truth=truth,
        seconds=time.perf_counter() - started,
    )
    say(f"Done: {summary.total_records:,} records in {summary.seconds:.1f}s")
    return summary
