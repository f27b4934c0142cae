"""Readers: encodings, delimiters, headers under titles, footers, ragged rows, row numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from joinedup.config import ReadOptions
from joinedup.ingest.readers import ReaderError, find_header, read_source


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _records(result) -> list[dict]:
    return result.frame.to_dict(orient="records")


def test_plain_csv(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name,postcode\n1,Jane,AB1 2CD\n2,,\n")
    result = read_source(path, "csv", ReadOptions())
    assert _records(result) == [
        {"id": "1", "name": "Jane", "postcode": "AB1 2CD"},
        {"id": "2", "name": None, "postcode": None},
    ]
    assert all(dtype == "object" for dtype in result.frame.dtypes)
    assert result.row_numbers.tolist() == [2, 3]  # lines in the file; the header is line 1
    assert (result.header_row, result.encoding, result.delimiter) == (1, "utf-8", ",")
    assert result.bad_rows == [] and result.skipped == 0


def test_cp1252_with_diacritics(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name\r\n1,Zoë Brontë\r\n2,Seán O’Brien\r\n", "cp1252")
    result = read_source(path, "csv", ReadOptions())
    assert result.encoding == "cp1252"
    assert result.frame["name"].tolist() == ["Zoë Brontë", "Seán O’Brien"]
    assert any("not UTF-8" in note for note in result.notes)


def test_requested_encoding_wins(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name\n1,Zoë\n", "latin-1")
    result = read_source(path, "csv", ReadOptions(encoding="latin-1"))
    assert (result.encoding, result.frame["name"].tolist()) == ("latin-1", ["Zoë"])
    with pytest.raises(ReaderError, match="not valid utf-8"):
        read_source(path, "csv", ReadOptions(encoding="utf-8"))


def test_bom_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name\n1,Łukasz\n", "utf-8-sig")
    result = read_source(path, "csv", ReadOptions())
    assert result.encoding == "utf-8-sig"
    assert list(result.frame.columns) == ["id", "name"]
    assert result.frame["name"].tolist() == ["Łukasz"]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiter_sniffing(tmp_path: Path, delimiter: str) -> None:
    rows = ["id,ref", "name", "address"], ["1", "Smith, Jane", "1 High St, Town"]
    text = "\n".join(delimiter.join(r) for r in rows) + "\n"
    result = read_source(_csv(tmp_path, text), "csv", ReadOptions())
    assert result.delimiter == delimiter
    assert _records(result) == [
        {"id,ref": "1", "name": "Smith, Jane", "address": "1 High St, Town"}
    ]


def test_requested_delimiter_wins(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a;b\n1;2\n")
    assert read_source(path, "csv", ReadOptions(delimiter=",")).frame.columns.tolist() == ["a;b"]
    tabbed = _csv(tmp_path, "a\tb\n1\t2\n", name="t.csv")
    assert read_source(tabbed, "csv", ReadOptions(delimiter="tab")).frame.shape == (1, 2)


def test_quoted_line_breaks_and_crlf(tmp_path: Path) -> None:
    text = 'id,address,note\r\n1,"1 High St\r\nTown","said ""hi"""\r\n2,"2 Low Rd",x\r\n'
    result = read_source(_csv(tmp_path, text), "csv", ReadOptions())
    assert result.frame["address"].tolist() == ["1 High St\r\nTown", "2 Low Rd"]
    assert result.frame["note"].tolist() == ['said "hi"', "x"]
    assert result.row_numbers.tolist() == [2, 4]  # the second record starts on line 4


def test_title_rows_blank_lines_footer_and_ragged_rows(tmp_path: Path) -> None:
    text = (
        "Electoral register extract\n"  # line 1: title
        "Run on 01/04/2024\n"  # line 2: title
        "\n"  # line 3
        "Elector No;Name;Address\n"  # line 4: header
        "1;SMITH, Jane;1 High St\n"  # line 5
        "2;JONES, Bob;2 High St;extra\n"  # line 6: a field too many
        "\n"  # line 7: blank
        ";;\n"  # line 8: blank cells
        "3;BROWN\n"  # line 9: a field too few
        "4;GREEN, Ann;4 High St\n"  # line 10
        "Total electors: 4\n"  # line 11: footer
    )
    result = read_source(_csv(tmp_path, text), "csv", ReadOptions())
    assert result.header_row == 4
    assert result.frame["Elector No"].tolist() == ["1", "4"]
    assert result.row_numbers.tolist() == [5, 10]
    assert [(b.row_number, b.reason) for b in result.bad_rows] == [
        (6, "row has 4 fields, the header has 3"),
        (9, "row has 2 fields, the header has 3"),
    ]
    assert result.bad_rows[0].raw == ["2", "JONES, Bob", "2 High St", "extra"]
    # Three rows above the header, two blank rows and one footer: none of them data.
    assert result.skipped == 6
    # Reconciliation: every data row is either in the frame or a bad row.
    assert len(result.frame) + len(result.bad_rows) == 4


def test_header_row_option(tmp_path: Path) -> None:
    text = "a,b\nTitle,row\nid,name\n1,x\n"
    result = read_source(_csv(tmp_path, text), "csv", ReadOptions(header_row=3))
    assert result.frame.columns.tolist() == ["id", "name"]
    assert result.skipped == 2 and result.header_row == 3
    with pytest.raises(ReaderError, match="header_row 9"):
        read_source(_csv(tmp_path, text, name="g.csv"), "csv", ReadOptions(header_row=9))


def test_trailing_delimiters_and_awkward_headers(tmp_path: Path) -> None:
    text = "id,name,,name,\n1,a,b,c,\n2,d,e,f\n"
    result = read_source(_csv(tmp_path, text), "csv", ReadOptions())
    assert result.frame.columns.tolist() == ["id", "name", "column_3", "name_2"]
    assert _records(result)[0] == {"id": "1", "name": "a", "column_3": "b", "name_2": "c"}
    assert result.bad_rows == []
    assert any("extra empty fields" in n for n in result.notes)


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    empty = read_source(_csv(tmp_path, ""), "csv", ReadOptions())
    assert empty.frame.empty and empty.row_numbers.empty
    header_only = read_source(_csv(tmp_path, "id,name\n", name="h.csv"), "csv", ReadOptions())
    assert header_only.frame.columns.tolist() == ["id", "name"] and header_only.frame.empty


def test_max_rows(tmp_path: Path) -> None:
    text = "id,name\n" + "".join(f"{i},n{i}\n" for i in range(100))
    result = read_source(_csv(tmp_path, text), "csv", ReadOptions(), max_rows=10)
    assert len(result.frame) == 10
    # A sample of a big file reads only its first part.
    big = "id,note\n" + "".join(f"{i},{'x' * 200}\n" for i in range(20_000))
    sample = read_source(_csv(tmp_path, big, name="big.csv"), "csv", ReadOptions(), max_rows=5)
    assert sample.frame["id"].tolist() == ["0", "1", "2", "3", "4"]


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match="no file"):
        read_source(tmp_path / "nope.csv", "csv", ReadOptions())
    path = _csv(tmp_path, "a\n")
    with pytest.raises(ReaderError, match="unknown file format"):
        read_source(path, "xml", ReadOptions())  # type: ignore[arg-type]


def _workbook(path: Path, rows: list[list], sheet: str = "Data", extra_sheet: bool = False) -> Path:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    if extra_sheet:
        notes = workbook.create_sheet("Notes")
        notes.append(["These notes are not data"])
    workbook.save(path)
    return path


def test_xlsx_with_title_and_footer_rows(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "register.xlsx",
        [
            ["Single person discount review"],  # row 1: title
            [None, "Produced 01/04/2024"],  # row 2: title
            [],  # row 3
            ["Account", "Name", "DOB", "UPRN", "Amount"],  # row 4: header
            [1001, "Smith", datetime(1980, 1, 2), 100023336956.0, 12.5],
            [1002, "Jones", None, 100023336957, None],
            [],  # row 7: blank
            [1003, None, date(1990, 5, 6), None, 0.0],
            [None, "Total electors: 12,345"],  # row 9: footer
        ],
    )
    result = read_source(path, "xlsx", ReadOptions())
    assert result.header_row == 4
    assert result.row_numbers.tolist() == [5, 6, 8]
    assert result.skipped == 3 + 1 + 1
    assert result.frame["Account"].tolist() == ["1001", "1002", "1003"]
    assert result.frame["UPRN"].tolist() == ["100023336956", "100023336957", None]
    assert result.frame["Amount"].tolist() == ["12.5", None, "0"]
    assert result.frame["DOB"].tolist()[0] == datetime(1980, 1, 2)
    assert result.frame["Name"].tolist() == ["Smith", "Jones", None]
    assert result.sheet == "Data"


def test_xlsx_values_beyond_the_header_are_bad_rows(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "w.xlsx", [["id", "name"], [1, "a"], [2, "b", "stray"]])
    result = read_source(path, "xlsx", ReadOptions())
    assert result.frame["id"].tolist() == ["1"]
    assert [(b.row_number, b.reason) for b in result.bad_rows] == [
        (3, "row has values beyond the header's 2 columns")
    ]


def test_xlsx_sheet_and_header_options(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "w.xlsx", [["x", "y"], ["id", "name"], [1, "a"]], extra_sheet=True)
    result = read_source(path, "xlsx", ReadOptions(sheet="Data", header_row=2))
    assert result.frame.columns.tolist() == ["id", "name"]
    assert result.sheets == ["Data", "Notes"]
    with pytest.raises(ReaderError, match="no sheet called 'Missing'"):
        read_source(path, "xlsx", ReadOptions(sheet="Missing"))


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(ReaderError, match="not a readable Excel workbook"):
        read_source(path, "xlsx", ReadOptions())


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    table = pa.table(
        {
            "id": [1, 2],
            "uprn": [100023336956.0, None],
            "amount": [12.5, 3.0],
            "name": ["Jane", "  "],
            "dob": [date(1980, 1, 2), None],
            "flag": [True, False],
        }
    )
    pq.write_table(table, path)
    result = read_source(path, "parquet", ReadOptions())
    assert _records(result) == [
        {"id": "1", "uprn": "100023336956", "amount": "12.5", "name": "Jane",
         "dob": "1980-01-02", "flag": "true"},
        {"id": "2", "uprn": None, "amount": "3", "name": None, "dob": None, "flag": "false"},
    ]  # fmt: skip
    assert result.row_numbers.tolist() == [1, 2]


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(
        '{"id": 12345678901234567, "name": "Zoë", "tags": ["a"]}\n'
        "\n"
        "{not json\n"
        "[1, 2]\n"
        '{"id": 2, "active": true, "score": 1.0, "name": ""}\n',
        encoding="utf-8",
    )
    result = read_source(path, "jsonl", ReadOptions())
    assert result.frame.columns.tolist() == ["id", "name", "tags", "active", "score"]
    assert _records(result) == [
        {"id": "12345678901234567", "name": "Zoë", "tags": '["a"]', "active": None, "score": None},
        {"id": "2", "name": None, "tags": None, "active": "true", "score": "1"},
    ]
    assert result.row_numbers.tolist() == [1, 5]
    assert [(b.row_number, b.reason) for b in result.bad_rows] == [
        (3, "line is not valid JSON"),
        (4, "line is JSON but not an object"),
    ]
    assert result.skipped == 1


def test_find_header_prefers_the_wide_texty_row() -> None:
    rows = [
        ["Council Tax extract", None, None, None],
        ["Report date:", "01/04/2024", None, None],
        [],
        ["Account", "Name", "Postcode", "Band"],
        ["1", "Smith", "AB1 2CD", "C"],
    ]
    assert find_header(rows) == 3
    assert find_header([[], [None, ""]]) is None
    # Header-only: nothing follows, still a header.
    assert find_header([["id", "name"]]) == 0


def test_large_csv_reads_quickly_enough(tmp_path: Path) -> None:
    lines = ["id,first,last,dob,postcode"] + [
        f"{i},Jane{i},Smith,01/02/1980,AB1 2CD" for i in range(50_000)
    ]
    path = _csv(tmp_path, "\n".join(lines) + "\n")
    result = read_source(path, "csv", ReadOptions())
    assert len(result.frame) == 50_000
    assert result.row_numbers.iloc[-1] == 50_001
    assert isinstance(result.frame, pd.DataFrame)
