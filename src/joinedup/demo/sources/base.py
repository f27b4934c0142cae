"""What every source builder returns, and helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from joinedup.demo.world import World

# Reasons a planted row should be quarantined for.
DUPLICATE_KEY = "duplicate_key"
MISSING_KEY = "missing_key"
MALFORMED_ROW = "malformed_row"
INVALID_VALUE = "invalid_value"

# Date formats the sources write (strftime patterns for the config's column formats).
DMY = "%d/%m/%Y"
ISO = "%Y-%m-%d"


@dataclass
class SourceOutput:
    name: str
    path: Path
    rows: int  # data rows in the file, good and bad
    records: pd.DataFrame  # record_key, person (-1: none), prop (property number)
    quarantine: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"row_number": [], "reason": []})
    )
    config: dict[str, Any] = field(default_factory=dict)
    header_lines: int = 1  # lines above the first data row (a CSV's header line)
    # Rule name -> the planted cases and decoys for that rule: record_id (the subject record
    # a rule should name), kind ('fraud' for a real case, 'decoy_*' for a look-alike).
    truth: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceSpec:
    name: str
    file_name: str
    build: Callable[[World, Path], SourceOutput]


def describe(
    world: World,
    *,
    description: str,
    owner: str,
    steward: str,
    system: str,
    lawful_basis: str,
    retention: str,
    refresh: str,
    file: str,
    columns: list[dict[str, Any]],
    key: str = "record_key",
    entity: str = "person",
    classification: str = "OFFICIAL-SENSITIVE",
    read: dict[str, Any] | None = None,
    identifying: bool = True,
) -> dict[str, Any]:
    """A source's block of joinedup.yaml, keys in the order an analyst reads them; the format
    is the file's extension and the extract is as of the world's date."""
    block: dict[str, Any] = {
        "description": description,
        "entity": entity,
        "owner": owner,
        "steward": steward,
        "system": system,
        "classification": classification,
        "lawful_basis": lawful_basis,
        "retention": retention,
        "refresh": refresh,
        "file": file,
        "format": Path(file).suffix.lstrip("."),
    }
    if read:
        block["read"] = read
    if not identifying:
        block["identifying"] = False
    block.update({"key": key, "as_of": world.as_of.isoformat(), "columns": columns})
    return block


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Every CSV the demo writes: no index column, '\\n' line endings on every platform."""
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def col(column: str, field_name: str, **extra: Any) -> dict[str, Any]:
    return {"column": column, "field": field_name, **extra}


def interleave(
    lines: np.ndarray, extra_lines: np.ndarray, after: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Insert extra lines after the given 0-based data rows; return all lines and the 1-based
    row numbers at which the extra lines ended up."""
    key = np.concatenate([np.arange(len(lines), dtype=float), after.astype(float) + 0.5])
    order = np.argsort(key, kind="stable")
    merged = np.concatenate([lines, extra_lines])[order]
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return merged, position[len(lines) :] + 1
