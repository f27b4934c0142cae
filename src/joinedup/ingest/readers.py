"""Read a source file into a frame of text, accounting for every row in the file.

Council extracts are messy: Windows-1252 CSVs with a title line above the header, Excel
sheets with a report title and a "Total electors: 12,345" footer, rows with a field too many
because someone typed a comma. The readers find the real header, skip what is not data
(title, footer and blank rows, counted in `skipped`), and set aside rows that are data but
cannot be read (`bad_rows`), so that ingest can reconcile:

    data rows in the file = len(frame) + len(bad_rows)

Values in `frame` are object dtype: a `str`, or `None` for an empty cell. Readers do not
trim or clean text (that is the standardisers' job), except that whitespace-only cells are
empty. Spreadsheet cells keep their date/datetime objects; numbers become text without a
trailing ".0" for whole numbers, so a UPRN or phone number survives a trip through Excel.

Row numbers are the ones a person sees when they open the file: the physical line number
in a CSV or JSON lines file (the line where a record starts, counting the header and blank
lines), the row number Excel shows, and the 1-based row position in a Parquet file.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from joinedup.config import ReadOptions

FileFormat = Literal["csv", "xlsx", "parquet", "jsonl"]

DELIMITERS = (",", ";", "\t", "|")
_HEADER_SCAN_ROWS = 30
_SNIFF_CHARS = 256 * 1024
# Footer and subtotal rows carry one cell of text like these; a data row with one value
# would not (it is kept as data).
_FOOTER = re.compile(
    r"^\s*(?:\*+.*\*+|(?:grand\s+|sub-?\s*)?totals?\b|count\b|number\s+of\b|records?\b|rows?\b"
    r"|end\s+of\b|report\b|produced\b|generated\b|printed\b|run\s+on\b|extracted\b"
    r"|source\s*:|notes?\s*:|page\s+\d)",
    re.IGNORECASE,
)
_NUMERIC_TEXT = re.compile(r"[\d\s.,/:£$%+\-]+")

# Raise the csv module's 128 KB field limit: free-text case notes can be long. A field
# longer than this is almost always an unclosed quote swallowing the rest of the file.
csv.field_size_limit(min(sys.maxsize, 64 * 1024 * 1024))


class ReaderError(ValueError):
    """The file cannot be read at all; the message names the problem, never the data."""


@dataclass
class BadRow:
    """A data row that could not be read as a record, kept whole for the quarantine."""

    row_number: int
    raw: dict[str, Any] | list[Any]
    reason: str


@dataclass
class ReadResult:
    frame: pd.DataFrame
    row_numbers: pd.Series
    bad_rows: list[BadRow] = field(default_factory=list)
    skipped: int = 0
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)


def read_source(
    path: Path,
    fmt: FileFormat,
    options: ReadOptions | None = None,
    *,
    max_rows: int | None = None,
) -> ReadResult:
    """Read `path` as `fmt`. `max_rows` stops after that many data rows (for sampling)."""
    path = Path(path)
    options = options or ReadOptions()
    if not path.is_file():
        raise ReaderError(f"no file at {path}")
    readers = {"csv": _read_csv, "xlsx": _read_xlsx, "parquet": _read_parquet, "jsonl": _read_jsonl}
    if fmt not in readers:
        raise ReaderError(f"unknown file format {fmt!r}; expected one of {', '.join(readers)}")
    return readers[fmt](path, options, max_rows)


# --- shared helpers ---------------------------------------------------------------------


def _filled(cells: Sequence[Any]) -> int:
    return sum(1 for c in cells if c is not None and not (isinstance(c, str) and not c.strip()))


def _is_texty(cell: Any) -> bool:
    return isinstance(cell, str) and bool(cell.strip()) and not _NUMERIC_TEXT.fullmatch(cell)


def find_header(rows: Sequence[Sequence[Any]]) -> int | None:
    """Index of the header among the first rows of a file, or None if they are all empty.

    The header is the first row that (a) fills at least half as many cells as the widest
    of the first rows, and at least two, (b) is mostly text, and (c) is followed by a row
    that looks like data (two or more values) or by nothing. Title rows fail (a); a
    two-cell 'Report: ..., Date: ...' banner above a ten-column header fails it too.
    """
    scan = rows[:_HEADER_SCAN_ROWS]
    counts = [_filled(r) for r in scan]
    if not any(counts):
        return None
    need = max(2, math.ceil(max(counts) / 2))
    for i, row in enumerate(scan):
        if counts[i] < need:
            continue
        texty = sum(1 for c in row if _is_texty(c))
        if texty < 0.8 * counts[i]:
            continue
        following = [n for n in counts[i + 1 : i + 4] if n]
        if not following or max(following) >= 2:
            return i
    return next(i for i, n in enumerate(counts) if n)


def _is_footer(cells: Sequence[Any]) -> bool:
    values = [c for c in cells if c is not None and not (isinstance(c, str) and not c.strip())]
    return len(values) == 1 and isinstance(values[0], str) and bool(_FOOTER.match(values[0]))


def _column_names(header: Sequence[Any], notes: list[str]) -> list[str]:
    """Header cells as unique column names; trailing empty header cells are dropped."""
    cells = ["" if c is None else str(c).strip() for c in header]
    while cells and not cells[-1]:
        cells.pop()
    names: list[str] = []
    seen: Counter[str] = Counter()
    for i, cell in enumerate(cells, start=1):
        name = cell or f"column_{i}"
        if not cell:
            notes.append(f"column {i} has no header; it is called {name!r}")
        seen[name] += 1
        if seen[name] > 1:
            renamed = f"{name}_{seen[name]}"
            notes.append(f"column name {name!r} appears more than once; copy called {renamed!r}")
            name = renamed
        names.append(name)
    return names


_isspace = np.frompyfunc(str.isspace, 1, 1)


def _frame(names: list[str], rows: list[Sequence[Any]], width: int, text: bool) -> pd.DataFrame:
    """Build the frame column by column from rows that all have `width` cells.

    The rows become one 2-D object array in C and are sliced into columns, several times
    faster than transposing lists in Python. With `text` (every cell a str, as from a
    CSV) empty and whitespace-only cells become None; other readers already made them None.
    """
    if not rows or not names:
        return pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    grid = np.array(rows, dtype=object)
    if grid.shape != (len(rows), width):  # cells that numpy took for sequences
        grid = np.empty((len(rows), width), dtype=object)
        for i, row in enumerate(rows):
            grid[i, :] = list(row)
    data = {}
    for i, name in enumerate(names):
        column = grid[:, i].copy()
        if text:
            column[(column == "") | _isspace(column).astype(bool)] = None
        data[name] = pd.Series(column, dtype=object)
    return pd.DataFrame(data, columns=names)


def _row_numbers(numbers: list[int]) -> pd.Series:
    return pd.Series(numbers, dtype="int64")


# --- CSV --------------------------------------------------------------------------------


def _decode(data: bytes, requested: str | None, notes: list[str]) -> tuple[str, str]:
    """Decode the whole file; return (text, encoding used)."""
    if requested:
        try:
            codecs.lookup(requested)
        except LookupError:
            raise ReaderError(f"unknown encoding {requested!r}") from None
        try:
            return data.decode(requested), requested
        except UnicodeDecodeError as exc:
            raise ReaderError(
                f"the file is not valid {requested} (first bad byte at offset {exc.start})"
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Not UTF-8. A UK council system's export is almost always Windows-1252, and guesses
    # between single-byte code pages from a few accented letters are unreliable, so
    # charset-normalizer is trusted only for multi-byte encodings (UTF-16 without BOM,
    # East Asian code pages) or when Windows-1252 cannot decode the bytes.
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 4 * 1024 * 1024]).best()
    guess = codecs.lookup(best.encoding).name if best is not None else None
    multibyte = guess is not None and re.match(r"utf|gb|big5|shift|euc|cp9[35]|iso2022", guess)
    candidates = ([guess] if multibyte else []) + ["cp1252", *([guess] if guess else [])]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        notes.append(f"the file is not UTF-8; read as {encoding} (guessed: set read.encoding)")
        return text, encoding
    notes.append("the file is not UTF-8 or Windows-1252; read as latin-1 (check the text)")
    return data.decode("latin-1"), "latin-1"


_SAMPLE_BYTES_PER_ROW = 4096


def _read_bytes(path: Path, max_rows: int | None) -> bytes:
    """The file, or for a sample only its first part cut at a line end.

    `joinedup init` samples every file in a folder, and reading a 2 GB extract whole to
    look at 1,000 rows would be slow. Cutting at a newline byte is safe for UTF-8 and the
    single-byte code pages; UTF-16 files are read whole.
    """
    if max_rows is None:
        return path.read_bytes()
    limit = max_rows * _SAMPLE_BYTES_PER_ROW + 1024 * 1024
    with path.open("rb") as handle:
        data = handle.read(limit)
        if len(data) < limit:
            return data
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data + handle.read()
    cut = data.rfind(b"\n")
    return data[: cut + 1] if cut > 0 else data


def _delimiter(requested: str | None, sample: str) -> str:
    if requested:
        named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
        delimiter = named.get(requested.lower(), requested)
        if len(delimiter) != 1:
            raise ReaderError(f"the delimiter must be one character, not {requested!r}")
        return delimiter
    cut = sample.rfind("\n")
    sample = sample[: cut + 1] if cut > 0 else sample
    # Score each candidate by the delimiters it explains consistently: the commonest field
    # count among rows with more than one field, times the rows that have it. Title and
    # footer lines (one field) do not vote, and a stray comma in 'SMITH, Jane' under a
    # semicolon header explains far fewer delimiters than the semicolons do.
    best, best_score = ",", 0
    for candidate in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=candidate))
        except csv.Error:
            continue
        counts = [len(r) for r in rows if len(r) > 1 and any(c.strip() for c in r)]
        if not counts:
            continue
        width, freq = Counter(counts).most_common(1)[0]
        score = (width - 1) * freq
        if score > best_score:
            best, best_score = candidate, score
    return best


def _numbered(reader: Any) -> Iterable[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on (records may span lines in quotes)."""
    previous = 0
    for row in reader:
        start = previous + 1
        previous = reader.line_num
        yield start, row


def _take_header(
    records: Iterable[tuple[int, list[Any]]], header_row: int | None
) -> tuple[list[tuple[int, list[Any]]], int | None]:
    """Read the first records and find the header among them: (records read, its index)."""
    head: list[tuple[int, list[Any]]] = []
    if header_row is not None:
        for number, row in records:
            head.append((number, row))
            if number >= header_row:
                break
        if not head or head[-1][0] != header_row:
            raise ReaderError(f"read.header_row {header_row}: no row starts there")
        return head, len(head) - 1
    for record in records:
        head.append(record)
        if len(head) >= _HEADER_SCAN_ROWS:
            break
    return head, find_header([row for _, row in head])


def _note_counts(notes: list[str], skipped_above: int, footers: int, trimmed: int) -> None:
    if skipped_above:
        notes.append(f"{skipped_above} row(s) above the header skipped (title or blank)")
    if footers:
        notes.append(f"{footers} footer or total row(s) skipped")
    if trimmed:
        notes.append(f"{trimmed} row(s) ended with extra empty fields, which were dropped")


def _read_csv(path: Path, options: ReadOptions, max_rows: int | None) -> ReadResult:
    notes: list[str] = []
    text, encoding = _decode(_read_bytes(path, max_rows), options.encoding, notes)
    if "\x00" in text:
        text = text.replace("\x00", "")
        notes.append("NUL characters removed (is the encoding right?)")
    delimiter = _delimiter(options.delimiter, text[:_SNIFF_CHARS])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = _numbered(reader)
    good: list[list[str]] = []
    numbers: list[int] = []
    bad: list[BadRow] = []
    skipped = trimmed = footers = 0
    try:
        head, header_index = _take_header(records, options.header_row)
        if header_index is None:
            notes.append("the file has no data")
            return ReadResult(pd.DataFrame(), _row_numbers([]), [], len(head), None,
                              encoding, delimiter, notes)  # fmt: skip
        header_line = head[header_index][0]
        names = _column_names(head[header_index][1], notes)
        width = len(names)
        skipped = header_index
        limit = sys.maxsize if max_rows is None else max_rows
        for line, cells in itertools.chain(head[header_index + 1 :], records):
            if len(good) + len(bad) >= limit:
                break
            # Fast path: the right number of fields and at least two values.
            if len(cells) == width and width - cells.count("") > 1:
                good.append(cells)
                numbers.append(line)
                continue
            if len(cells) - cells.count("") <= 1:
                if not "".join(cells).strip():
                    skipped += 1
                    continue
                if _is_footer(cells):
                    skipped += 1
                    footers += 1
                    continue
            if len(cells) > width and not "".join(cells[width:]).strip():
                cells = cells[:width]
                trimmed += 1
            if len(cells) == width:
                good.append(cells)
                numbers.append(line)
            else:
                reason = f"row has {len(cells)} fields, the header has {width}"
                bad.append(BadRow(line, cells, reason))
    except csv.Error as exc:
        raise ReaderError(f"line {reader.line_num}: the CSV cannot be parsed ({exc})") from None
    _note_counts(notes, header_index, footers, trimmed)
    return ReadResult(
        frame=_frame(names, good, width, text=True),
        row_numbers=_row_numbers(numbers),
        bad_rows=bad,
        skipped=skipped,
        header_row=header_line,
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
    )


# --- Excel ------------------------------------------------------------------------------


def _cell_text(value: Any) -> Any:
    """A spreadsheet or JSON value as the frame holds it (see the module docstring)."""
    if value is None or isinstance(value, (datetime, date)):
        return value
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        return repr(value)
    if isinstance(value, time):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, options: ReadOptions, max_rows: int | None) -> ReadResult:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ReaderError(
            f"{path.name} is not a readable Excel workbook ({type(exc).__name__})"
        ) from None
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise ReaderError(
            f"{path.name} is not a readable Excel workbook ({type(exc).__name__})"
        ) from None
    try:
        sheets = list(workbook.sheetnames)
        if options.sheet is not None:
            if options.sheet not in sheets:
                raise ReaderError(
                    f"no sheet called {options.sheet!r}; the sheets are {', '.join(sheets)}"
                )
            sheet = options.sheet
        else:
            sheet = sheets[0]
        worksheet = workbook[sheet]
        # The stored dimensions are sometimes wrong (some exporters write A1 only), which
        # would silently cut rows off, so read until the last row actually present.
        worksheet.reset_dimensions()
        rows = (
            (number, [_cell_text(v) for v in row])
            for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1)
        )
        return _read_rows(rows, options, max_rows, sheet, sheets)
    finally:
        workbook.close()


def _read_rows(
    rows: Iterable[tuple[int, list[Any]]],
    options: ReadOptions,
    max_rows: int | None,
    sheet: str,
    sheets: list[str],
) -> ReadResult:
    notes: list[str] = []
    rows = iter(rows)
    head, header_index = _take_header(rows, options.header_row)
    if header_index is None:
        notes.append("the sheet has no data")
        return ReadResult(pd.DataFrame(), _row_numbers([]), [], len(head), None,
                          notes=notes, sheet=sheet, sheets=sheets)  # fmt: skip
    header_line = head[header_index][0]
    names = _column_names(head[header_index][1], notes)
    width = len(names)
    good: list[list[Any]] = []
    numbers: list[int] = []
    bad: list[BadRow] = []
    skipped = header_index
    footers = 0
    for number, cells in itertools.chain(head[header_index + 1 :], rows):
        if max_rows is not None and len(good) + len(bad) >= max_rows:
            break
        filled = _filled(cells)
        if filled == 0:
            skipped += 1
            continue
        if filled == 1 and _is_footer(cells):
            skipped += 1
            footers += 1
            continue
        if _filled(cells[width:]):
            reason = f"row has values beyond the header's {width} columns"
            bad.append(BadRow(number, [c for c in cells], reason))
            continue
        if len(cells) < width:
            cells = cells + [None] * (width - len(cells))  # empty cells, not missing fields
        good.append(cells[:width])
        numbers.append(number)
    _note_counts(notes, header_index, footers, 0)
    return ReadResult(
        frame=_frame(names, good, width, text=False),
        row_numbers=_row_numbers(numbers),
        bad_rows=bad,
        skipped=skipped,
        header_row=header_line,
        notes=notes,
        sheet=sheet,
        sheets=sheets,
    )


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook, for `joinedup init` to offer each one."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


# --- Parquet ----------------------------------------------------------------------------


def _arrow_column_text(column: Any) -> pd.Series:
    """One Arrow column as the frame's object values, converted by Arrow where it can."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:
            column = column.cast(pa.timestamp(kind.unit))  # UTC wall time
        series = column.to_pandas(timestamp_as_object=True)
        return series.astype(object).where(series.notna(), None)
    if pa.types.is_floating(kind):
        finite = pc.is_finite(column)
        integral = pc.and_(finite, pc.equal(pc.floor(column), column))
        integral = pc.and_(integral, pc.less(pc.abs(column), 1e18))
        as_int = pc.cast(pc.if_else(integral, column, 0.0), pa.int64()).cast(pa.large_string())
        text = pc.if_else(integral, as_int, pc.cast(column, pa.large_string()))
        text = pc.if_else(finite, text, pa.scalar(None, pa.large_string()))
    elif (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_date(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_time(kind)
    ):
        text = column.cast(pa.large_string())
    else:
        values = [
            None
            if v is None
            else json.dumps(v, default=str)
            if isinstance(v, (list, dict))
            else str(v)
            for v in column.to_pylist()
        ]
        series = pd.Series(values, dtype=object)
        return series
    blank = pc.equal(pc.utf8_trim_whitespace(text), "")
    text = pc.if_else(pc.fill_null(blank, False), pa.scalar(None, text.type), text)
    return pd.Series(text.to_pylist(), dtype=object)


def _read_parquet(path: Path, options: ReadOptions, max_rows: int | None) -> ReadResult:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ReaderError(
            f"{path.name} is not a readable Parquet file ({type(exc).__name__})"
        ) from None
    if max_rows is not None:
        table = table.slice(0, max_rows)
    notes: list[str] = []
    names = _column_names(table.column_names, notes)
    data = {}
    for name, column in zip(names, table.columns, strict=True):
        data[name] = _arrow_column_text(column)
    frame = pd.DataFrame(data, columns=names) if data else pd.DataFrame(index=range(table.num_rows))
    return ReadResult(
        frame=frame,
        row_numbers=_row_numbers(list(range(1, table.num_rows + 1))),
        notes=notes,
    )


# --- JSON lines -------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return _cell_text(value)


def _read_jsonl(path: Path, options: ReadOptions, max_rows: int | None) -> ReadResult:
    notes: list[str] = []
    data = _read_bytes(path, max_rows)
    if options.encoding:
        text, encoding = _decode(data, options.encoding, notes)
    else:
        encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            text, encoding = _decode(data, None, notes)
    objects: list[dict[str, Any]] = []
    numbers: list[int] = []
    bad: list[BadRow] = []
    skipped = 0
    # JSON strings cannot hold a raw line break, so every record is exactly one line.
    for number, line in enumerate(text.split("\n"), start=1):
        if max_rows is not None and len(objects) + len(bad) >= max_rows:
            break
        line = line.rstrip("\r")
        if not line.strip():
            skipped += 1
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            bad.append(BadRow(number, [line], "line is not valid JSON"))
            continue
        if not isinstance(value, dict):
            bad.append(BadRow(number, [line], "line is JSON but not an object"))
            continue
        objects.append(value)
        numbers.append(number)
    if data.endswith(b"\n"):
        skipped -= 1  # the empty "line" after the final newline is not a line
    # Columns are the keys in the order first seen; a key missing from a line is empty.
    # Built by hand rather than by pandas so big integers never pass through float.
    keys = list(dict.fromkeys(key for value in objects for key in value))
    names = _column_names(keys, notes)
    frame = pd.DataFrame(
        {
            name: pd.Series([_json_value(o.get(key)) for o in objects], dtype=object)
            for name, key in zip(names, keys, strict=True)
        },
        columns=names,
    )
    return ReadResult(
        frame=frame,
        row_numbers=_row_numbers(numbers),
        bad_rows=bad,
        skipped=max(skipped, 0),
        encoding=encoding,
        notes=notes,
    )
