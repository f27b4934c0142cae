"""Write a starter `joinedup.yaml` for a folder of extracts (`joinedup init DIR`).

The starter is a reviewed-by-a-person document, not a finished config: every guess is
marked `# guessed: check`, every key is explained in a comment, and columns the hub could
not place are listed so nothing is silently ignored. Once the guesses are checked and the
owners named, the same file validates with `joinedup.config.parse_config`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joinedup.config import FORMAT_BY_SUFFIX, FileFormat, ReadOptions
from joinedup.ingest.guess import guess_mapping
from joinedup.ingest.readers import ReaderError, ReadResult, read_source, sheet_names

OWNER_TODO = "TO DO: name the information asset owner"
GUESSED = "# guessed: check"
SAMPLE_ROWS = 1000
_PERSON_FIELDS = {"surname", "first_name", "full_name", "date_of_birth", "nhs_number"}
_YAML_WORDS = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~", ""}


@dataclass
class _Source:
    name: str
    file: str
    fmt: FileFormat
    result: ReadResult
    sheet: str | None = None
    mappings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fields(self) -> set[str]:
        return {m["field"] for m in self.mappings}

    @property
    def entity(self) -> str:
        return "place" if "uprn" in self.fields and not self.fields & _PERSON_FIELDS else "person"

    @property
    def is_gazetteer(self) -> bool:
        return self.entity == "place" and bool(self.fields & {"street", "pao_text"})


def scalar(value: Any) -> str:
    """A YAML scalar, quoted only when it has to be (JSON strings are valid YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ .()/\-]*", text) and not text.endswith(" ")
    if plain and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def _source_name(stem: str, taken: set[str]) -> str:
    name = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_") or "source"
    if not name[0].isalpha():
        name = f"source_{name}"
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate


def _read_folder(folder: Path) -> tuple[list[_Source], list[str]]:
    sources: list[_Source] = []
    problems: list[str] = []
    taken: set[str] = set()
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if (
            not path.is_file()
            or suffix not in FORMAT_BY_SUFFIX
            or path.name.startswith((".", "~$"))
        ):
            continue
        fmt = FORMAT_BY_SUFFIX[suffix]
        try:
            found = _read_tables(path, fmt)
        except ReaderError as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        except Exception as exc:  # a starter must not die on one odd file
            problems.append(f"{path.name}: could not be read ({type(exc).__name__})")
            continue
        if not found:
            problems.append(f"{path.name}: no table of data found")
        for sheet, result in found:
            # Name a source after its sheet only when the workbook has several tables.
            stem = f"{path.stem} {sheet}" if sheet and len(found) > 1 else path.stem
            source = _Source(_source_name(stem, taken), path.name, fmt, result, sheet)
            columns = [str(c) for c in result.frame.columns]
            source.mappings = guess_mapping(columns, result.frame)
            sources.append(source)
    return sources, problems


def _read_tables(path: Path, fmt: FileFormat) -> list[tuple[str | None, ReadResult]]:
    """The tables in a file worth a source: each sheet with a header and data rows."""
    sheets: list[str | None] = list(sheet_names(path)) if fmt == "xlsx" else [None]
    found = []
    for sheet in sheets:
        result = read_source(path, fmt, ReadOptions(sheet=sheet), max_rows=SAMPLE_ROWS)
        if result.frame.shape[1] >= 2 and not result.frame.empty:
            found.append((sheet, result))
    return found


def write_starter_config(folder: Path) -> str:
    """A commented starter config for every readable file in `folder` (paths relative to it)."""
    folder = Path(folder)
    sources, problems = _read_folder(folder)
    gazetteers = [s for s in sources if s.is_gazetteer]
    lines = [
        "# JoinedUp hub config, started by `joinedup init` from the files in this folder.",
        f"# Lines marked '{GUESSED}' are guesses from column names and a sample of",
        f"# up to {SAMPLE_ROWS} rows per file: check each one and name every owner.",
        "# File paths are relative to this file.",
        "",
        "hub:",
        "  name: JoinedUp hub  # shown on every page and report",
        "  organisation: Council  # your organisation's name",
        "  data_dir: .joinedup  # where the hub keeps its stores, relative to this file",
    ]
    if len(gazetteers) == 1:
        lines.append(f"  gazetteer: {gazetteers[0].name}  {GUESSED} - the source that is the LLPG")
    else:
        lines.append("  # gazetteer: llpg  # the source that is your LLPG (address gazetteer)")
    lines += [
        "  # as_of: 2024-03-31  # the date the hub treats as today; today if unset",
        "",
        "sources:",
    ]
    if problems:
        lines.append("  # Files that were not added:")
        lines += [f"  #   {problem}" for problem in problems]
    if not sources:
        lines.append("  {}  # no readable data files found: add sources here")
    for source in sources:
        lines += [""] + _source_lines(source)
    return "\n".join(lines) + "\n"


def _source_lines(source: _Source) -> list[str]:
    result = source.result
    frame = result.frame
    where = f", sheet {source.sheet!r}" if source.sheet else ""
    out = [
        f"  # {source.file}{where}: {len(frame.columns)} columns, {len(frame)} rows sampled",
        f"  {source.name}:",
        '    description: ""  # what the data is and which system it comes from',
        f"    entity: {source.entity}  {GUESSED} - person or place (a property, an address)",
        f"    owner: {scalar(OWNER_TODO)}  # the information asset owner",
        "    # steward: ...  # who looks after the data day to day",
        "    # system: ...  # the system it is extracted from",
        "    # lawful_basis: ...  # UK GDPR Art. 6 (and Art. 9) basis for holding it",
        "    # retention: ...  # how long the hub keeps snapshots of it",
        "    classification: OFFICIAL-SENSITIVE  # Government Security Classification",
        f"    file: {scalar(source.file)}  # the extract, relative to this file",
        f"    format: {source.fmt}  # csv, xlsx, parquet or jsonl",
    ]
    out += _read_lines(source)
    has_key = any(m["field"] == "record_key" for m in source.mappings)
    if has_key:
        out.append("    key: record_key  # the field that identifies a row")
    else:
        out.append(
            "    key: record_key  # TO DO: no unique id column was found; map one to record_key"
        )
    out.append("    columns:  # each source column and the canonical field it feeds")
    for mapping in source.mappings:
        out += _mapping_lines(mapping)
    mapped = {m["column"] for m in source.mappings}
    unmapped = [str(c) for c in frame.columns if str(c) not in mapped]
    if unmapped:
        out.append("    # Columns not mapped (add a mapping, with a field name of your own, to use")
        out.append("    # one; give `type:` for a field that is not canonical):")
        out += [f"    #   - column: {scalar(c)}" for c in unmapped]
    return out


def _read_lines(source: _Source) -> list[str]:
    result = source.result
    options: list[str] = []
    if result.encoding and result.encoding not in ("utf-8", "utf-8-sig"):
        options.append(f"      encoding: {scalar(result.encoding)}  {GUESSED} - not UTF-8")
    if source.fmt == "csv" and result.delimiter and result.delimiter != ",":
        options.append(f"      delimiter: {scalar(result.delimiter)}  {GUESSED}")
    if source.sheet and len(result.sheets) > 1:
        others = ", ".join(s for s in result.sheets if s != source.sheet)
        options.append(f"      sheet: {scalar(source.sheet)}  # other sheets: {others}")
    if result.header_row and result.header_row > 1:
        options.append(
            f"      header_row: {result.header_row}  {GUESSED} - the rows above are titles"
        )
    if not options:
        return []
    return ["    read:  # how to read the file where sniffing is not enough"] + options


def _mapping_lines(mapping: dict[str, Any]) -> list[str]:
    why = mapping.get("why", "")
    out = [
        f"      - column: {scalar(mapping['column'])}",
        f"        field: {mapping['field']}  {GUESSED} - {why}",
    ]
    if "parser" in mapping:
        out.append(f"        parser: {mapping['parser']}  {GUESSED} - how to split the name")
    if "format" in mapping:
        out.append(f"        format: {scalar(mapping['format'])}  {GUESSED} - strftime format")
    if mapping.get("required"):
        out.append("        required: true  # a row without it is quarantined")
    if mapping.get("checks"):
        out.append(f"        checks: [{', '.join(mapping['checks'])}]  # quality checks")
    return out
