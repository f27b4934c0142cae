"""A small, deterministic .xlsx writer for one sheet of text and date cells.

openpyxl's write-only mode appends a Python row at a time (about 4,500 rows a second here,
so a 350,000-elector register took over a minute) and stamps the current time into the
package, so two runs never give the same bytes. This writer builds the sheet XML column by
column with numpy string operations, stores text as shared strings, writes dates as real
Excel serial numbers with a date format, and fixes every zip timestamp. openpyxl and pandas
read the result as an ordinary workbook (tests check that).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt

_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_CHUNK_ROWS = 50_000
_STYLE_TEXT, _STYLE_DATE, _STYLE_BOLD = 0, 1, 2

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/xl/sharedStrings.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/>\
<Relationship Id="rId3" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" \
Target="sharedStrings.xml"/></Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""
_SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<dimension ref="A1:{last}"/><sheetData>"""
_SHEET_TAIL = "</sheetData></worksheet>"


@dataclass(frozen=True)
class Column:
    """One column: a header and either text values ('' = empty cell) or dates (NaT = empty)."""

    header: str
    values: np.ndarray
    is_date: bool = False


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _escape(values: np.ndarray) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    s = s.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False)
    return s.str.replace(">", "&gt;", regex=False).to_numpy(dtype=object)


def _shared_strings(texts: list[np.ndarray]) -> tuple[list[np.ndarray], bytes]:
    """Number every distinct text (Excel's shared string table) in one vectorised pass;
    return each array's codes (-1 for '') and the table's XML."""
    sizes = [len(t) for t in texts]
    values = np.concatenate([t.astype(object) for t in texts]) if texts else np.array([], object)
    present = values != ""
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[present], unique = pd.factorize(values[present])
    unique = np.asarray(unique, dtype=object)
    stripped = pd.Series(unique, dtype=object).str.strip().to_numpy(dtype=object)
    items = _escape(unique)
    body = np.where(
        stripped != unique,
        '<si><t xml:space="preserve">' + items + "</t></si>",
        "<si><t>" + items + "</t></si>",
    )
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{int(present.sum())}" uniqueCount="{len(unique)}">'
    )
    xml = (head + "".join(body.tolist()) + "</sst>").encode("utf-8")
    return np.split(codes, np.cumsum(sizes)[:-1]), xml


def write_xlsx(
    path: Path, sheet: str, titles: Sequence[str], columns: Sequence[Column], footer: str | None
) -> int:
    """Write title rows, a blank row, a bold header, the data and a footer; return the
    1-based sheet row of the header."""
    n = len(columns[0].values) if columns else 0
    header_row = len(titles) + 2
    last_row = header_row + n + (1 if footer is not None else 0)
    text_cols = [i for i, c in enumerate(columns) if not c.is_date]
    extra = [*titles, *(c.header for c in columns), *([footer] if footer is not None else [])]
    coded, sst = _shared_strings(
        [np.array(extra, dtype=object), *(columns[i].values for i in text_cols)]
    )
    extra_codes = coded[0]
    col_codes = dict(zip(text_cols, coded[1:], strict=True))
    title_codes = extra_codes[: len(titles)]
    header_codes = extra_codes[len(titles) : len(titles) + len(columns)]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in [
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _WORKBOOK.format(name=sheet)),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
        ]:
            zf.writestr(_info(name), text.encode("utf-8"))
        with zf.open(_info("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as out:
            last = f"{_letters(max(len(columns), 1) - 1)}{last_row}"
            out.write(_SHEET_HEAD.format(last=last).encode("utf-8"))
            for i, code in enumerate(title_codes):
                out.write(_row_xml(i + 1, [("A", int(code))]))
            cells = [(_letters(i), int(code)) for i, code in enumerate(header_codes)]
            out.write(_row_xml(header_row, cells))
            for lo in range(0, n, _CHUNK_ROWS):
                hi = min(lo + _CHUNK_ROWS, n)
                out.write(_data_xml(columns, col_codes, lo, hi, header_row + 1 + lo))
            if footer is not None:
                out.write(_row_xml(last_row, [("A", int(extra_codes[-1]))]))
            out.write(_SHEET_TAIL.encode("utf-8"))
        zf.writestr(_info("xl/sharedStrings.xml"), sst)
    return header_row


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _row_xml(row: int, cells: list[tuple[str, int]]) -> bytes:
    """A row of bold text cells (titles, header, footer)."""
    parts = [f'<c r="{c}{row}" s="{_STYLE_BOLD}" t="s"><v>{code}</v></c>' for c, code in cells]
    return (f'<row r="{row}">' + "".join(parts) + "</row>").encode("utf-8")


def _data_xml(
    columns: Sequence[Column], codes: dict[int, np.ndarray], lo: int, hi: int, first_row: int
) -> bytes:
    rows = np.arange(first_row, first_row + hi - lo).astype("U9").astype(object)
    line = np.full(hi - lo, "", dtype=object)
    for i, column in enumerate(columns):
        ref = '<c r="' + _letters(i) + rows
        if column.is_date:
            serial = dt.excel_serial(column.values[lo:hi])
            value = serial.astype("U8").astype(object)
            cell = ref + f'" s="{_STYLE_DATE}"><v>' + value + "</v></c>"
            line = line + np.where(serial >= 0, cell, "")
        else:
            code = codes[i][lo:hi]
            cell = ref + '" t="s"><v>' + code.astype("U9").astype(object) + "</v></c>"
            line = line + np.where(code >= 0, cell, "")
    xml = '<row r="' + rows + '">' + line + "</row>"
    return "".join(xml.tolist()).encode("utf-8")
