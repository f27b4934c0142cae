"""Readers for the demo files as the tests need them: every cell as text."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd

AS_OF = date(2026, 11, 1)  # the demo council's 'today' in every test


def read_truth(demo_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "truth" / f"{name}.csv", dtype=str, keep_default_na=False)


def council_tax_rows(path: Path) -> list[list[str]]:
    """Data rows of the council tax file (header dropped), ragged rows kept as they are."""
    text = path.read_bytes().decode("cp1252")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[1:]


def register_sheet(path: Path) -> list[tuple]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(workbook.active.iter_rows(values_only=True))
    finally:
        workbook.close()


def register_frame(path: Path) -> pd.DataFrame:
    """The register's data rows (between the header and the footer) as text."""
    rows = register_sheet(path)
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "Elector Number")
    header = list(rows[header_at])
    body = [list(r) + [None] * (len(header) - len(r)) for r in rows[header_at + 1 : -1]]
    return pd.DataFrame(body, columns=header)
