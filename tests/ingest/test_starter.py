"""`joinedup init`: guessed mappings and a commented starter config that validates."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from joinedup.config import ConfigError, parse_config
from joinedup.ingest.guess import guess_date_format, guess_mapping, normalise_column_name
from joinedup.ingest.starter import GUESSED, OWNER_TODO, scalar, write_starter_config


def _by_column(mappings: list[dict]) -> dict[str, dict]:
    return {m["column"]: m for m in mappings if m["field"] != "record_key"}


def test_normalise_column_name() -> None:
    assert normalise_column_name("DateOfBirth") == "date of birth"
    assert normalise_column_name("date_of_birth") == "date of birth"
    assert normalise_column_name("Address1") == "address 1"
    assert normalise_column_name(" NHS No. ") == "nhs no"


def test_guess_by_column_names() -> None:
    columns = [
        "Client ID", "Title", "Forename", "Middle Name", "Last Name", "D.O.B.", "Post Code",
        "Address 1", "Address Line 2", "UPRN", "NHS No", "NINO", "E-mail", "Tel No", "Gender",
        "Mobile", "Notes",
    ]  # fmt: skip
    sample = pd.DataFrame(
        [[f"C{i}", "Mr", "John", None, "Smith", "13/02/1980", "AB1 2CD", "1 High St", "Town",
          "100", "9434765919", "AB123456C", "a@b.com", "01632 960001", "M", "07700 900123", "x"]
         for i in range(5)],
        columns=columns,
    )  # fmt: skip
    mappings = guess_mapping(columns, sample)
    fields = {c: m["field"] for c, m in _by_column(mappings).items()}
    assert fields == {
        "Title": "title",
        "Forename": "first_name",
        "Middle Name": "middle_names",
        "Last Name": "surname",
        "D.O.B.": "date_of_birth",
        "Post Code": "postcode",
        "Address 1": "address_line_1",
        "Address Line 2": "address_line_2",
        "UPRN": "uprn",
        "NHS No": "nhs_number",
        "NINO": "ni_number",
        "E-mail": "email",
        "Tel No": "phone",
        "Gender": "sex",
        # 'Mobile' is a phone too, but a field is mapped once: it stays unmapped.
    }
    assert mappings[0] == {
        "column": "Client ID",
        "field": "record_key",
        "required": True,
        "checks": ["not_null", "unique"],
        "why": "an id-like name, (almost) unique in the sample",
    }
    assert _by_column(mappings)["D.O.B."]["format"] == "%d/%m/%Y"
    assert all(m["why"] for m in mappings)


def test_words_in_front_of_a_known_name() -> None:
    columns = ["Registration No", "Deceased Surname", "Deceased Forenames", "Liable DOB",
               "Street Name", "TOWN_NAME", "POSTCODE_LOCATOR", "Email Consent"]  # fmt: skip
    fields = {c: m["field"] for c, m in _by_column(guess_mapping(columns, pd.DataFrame())).items()}
    assert fields == {
        "Deceased Surname": "surname",
        "Deceased Forenames": "first_name",
        "Liable DOB": "date_of_birth",
        "Street Name": "street",  # a whole-name rule wins over 'name' at the end
        "TOWN_NAME": "town",
        "POSTCODE_LOCATOR": "postcode",
    }


def test_record_key_tolerates_a_few_blanks_and_repeats() -> None:
    refs = [f"A{i}" for i in range(100)]
    refs[5], refs[6] = refs[4], None
    mappings = guess_mapping(["Account Ref"], pd.DataFrame({"Account Ref": refs}))
    assert mappings[0]["field"] == "record_key"


def test_full_name_by_values_and_by_name() -> None:
    sample = pd.DataFrame(
        {
            "Elector": ["SMITH, Jane", "O'BRIEN, Seán", "JONES, Mr Bob", "BROWN, Ann Marie"],
            "Name": ["Jane Smith", "Bob Jones", "Ann Brown", "Sean Li"],
            "Addr": ["High Street, Town", "Low Road, Town", "Mill Lane, Town", "Oak Close, X"],
            "Ref": ["1", "2", "3", "4"],
        }
    )
    by_values = _by_column(guess_mapping(["Elector", "Addr", "Ref"], sample))
    assert by_values["Elector"]["field"] == "full_name"
    assert by_values["Elector"]["parser"] == "surname_comma_forenames"
    assert "Addr" not in by_values  # comma-separated address text is not a name
    by_name = _by_column(guess_mapping(["Name", "Ref"], sample))
    assert (by_name["Name"]["field"], by_name["Name"]["parser"]) == (
        "full_name",
        "forenames_surname",
    )


def test_record_key_needs_unique_values() -> None:
    sample = pd.DataFrame({"Account Ref": ["A1", "A1", "A2"], "Code": ["X", "Y", "Z"]})
    mappings = guess_mapping(["Account Ref", "Code"], sample)
    assert mappings[0]["field"] == "record_key" and mappings[0]["column"] == "Code"
    none_unique = pd.DataFrame({"Surname": ["Smith", "Smith"]})
    assert all(m["field"] != "record_key" for m in guess_mapping(["Surname"], none_unique))


@pytest.mark.parametrize(
    ("values", "fmt"),
    [
        (["13/02/1980", "01/12/1975"], "%d/%m/%Y"),
        (["02/13/1980", "12/31/1975"], "%m/%d/%Y"),  # only month-first fits
        (["01/02/1980", "03/04/1975"], "%d/%m/%Y"),  # ambiguous: UK day-first wins
        (["13-Feb-1980", "01-Dec-1975"], "%d-%b-%Y"),
        (["13/02/80", "01/12/75"], "%d/%m/%y"),
        (["19800213", "19751201"], "%Y%m%d"),
        (["1980-02-13", "1975-12-01"], None),
        (["29221", "27000"], None),
        (["soon", "later"], None),
    ],
)
def test_guess_date_format(values: list[str], fmt: str | None) -> None:
    assert guess_date_format(pd.Series(values))[0] == fmt


def test_guess_date_format_for_spreadsheet_dates() -> None:
    values = pd.Series([datetime(1980, 1, 2), datetime(1990, 3, 4)], dtype=object)
    assert guess_date_format(values) == (None, "the spreadsheet holds real dates")


def test_scalar_quotes_only_when_needed() -> None:
    assert scalar("Post Code") == "Post Code"
    assert scalar("%d/%m/%Y") == '"%d/%m/%Y"'
    assert scalar("yes") == '"yes"'
    assert scalar("n") == '"n"'
    assert scalar("a: b") == '"a: b"'
    assert scalar("\t") == '"\\t"'
    assert yaml.safe_load(f"x: {scalar('Zoë # 1')}") == {"x": "Zoë # 1"}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "extracts"
    folder.mkdir()
    (folder / "Council Tax.csv").write_bytes(
        (
            "Council Tax extract\n"
            "\n"
            "Account Ref;Surname;Forename;DOB;Post Code;Address 1;Address 2;Property Ref;SPD\n"
            "A1;Smith;Zoë;13/02/1980;AB1 2CD;1 High St;Town;100;Y\n"
            "A2;Jones;Bob;01/12/1975;AB1 2CD;2 High St;Town;101;N\n"
        ).encode("cp1252")
    )
    (folder / "llpg.csv").write_text(
        "UPRN,PAO,Street,Town,Postcode\n100,1,HIGH STREET,TOWN,AB1 2CD\n"
        "101,2,HIGH STREET,TOWN,AB1 2CD\n"
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Register"
    sheet.append(["Electoral register"])
    sheet.append(["Elector Number", "Elector Name", "Date of Birth", "Postcode"])
    sheet.append([1, "SMITH, Mrs Jane", datetime(1980, 2, 13), "AB1 2CD"])
    sheet.append([2, "JONES, Bob", None, "AB1 2CD"])
    sheet.append(["Total electors: 2"])
    workbook.create_sheet("Notes").append(["Read me"])
    workbook.save(folder / "register.xlsx")
    (folder / "care.jsonl").write_text(
        '{"case_id": "K1", "full_name": "Jane Smith", "nhs_number": "943 476 5919"}\n'
        '{"case_id": "K2", "full_name": "Bob Jones", "nhs_number": "401 023 2137"}\n'
    )
    (folder / "readme.md").write_text("not data")
    (folder / "broken.xlsx").write_bytes(b"not a workbook")
    return folder


def test_starter_config_validates_and_explains(tmp_path: Path) -> None:
    text = write_starter_config(_folder(tmp_path))
    config = parse_config(yaml.safe_load(text))
    assert sorted(config.sources) == ["care", "council_tax", "llpg", "register"]
    assert config.hub.gazetteer == "llpg"

    council_tax = config.sources["council_tax"]
    assert council_tax.owner == OWNER_TODO
    assert council_tax.read.encoding == "cp1252"
    assert council_tax.read.delimiter == ";"
    assert council_tax.read.header_row == 3
    mapped = {c.column: c for c in council_tax.columns}
    assert mapped["Account Ref"].field == "record_key"
    assert mapped["DOB"].field == "date_of_birth" and mapped["DOB"].format == "%d/%m/%Y"
    assert mapped["Property Ref"].field == "uprn"
    assert "SPD" not in mapped

    register = config.sources["register"]
    assert register.file == "register.xlsx" and register.read.sheet == "Register"
    names = {c.column: c for c in register.columns}
    assert names["Elector Name"].parser == "surname_comma_forenames"
    assert names["Elector Number"].field == "record_key"
    assert names["Date of Birth"].format is None  # real spreadsheet dates

    assert config.sources["llpg"].entity == "place"
    assert config.sources["care"].entity == "person"
    care = {c.field: c.column for c in config.sources["care"].columns}
    assert care["nhs_number"] == "nhs_number" and care["record_key"] == "case_id"

    # Guesses are marked, unmapped columns listed, unreadable files reported.
    assert text.count(GUESSED) > 20
    assert "#   - column: SPD" in text
    assert "broken.xlsx" in text and "readme.md" not in text
    # Nothing from the data itself leaks into the config beyond column names.
    assert "Zoë" not in text and "SMITH" not in text


def test_starter_config_without_a_key_does_not_validate(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("Surname,Forename\nSmith,Jane\nSmith,Jane\n")
    text = write_starter_config(tmp_path)
    assert "TO DO: no unique id column was found" in text
    with pytest.raises(ConfigError, match="key field 'record_key' is not mapped"):
        parse_config(yaml.safe_load(text))


def test_empty_folder(tmp_path: Path) -> None:
    text = write_starter_config(tmp_path)
    assert yaml.safe_load(text)["sources"] == {}
