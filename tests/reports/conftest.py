"""Small messy council extracts for discovery tests: every name and number is made up."""

from __future__ import annotations

from pathlib import Path

import pytest

# NHS numbers below pass the modulus 11 check digit; 999 numbers are never issued.
COUNCIL_TAX = """Council Tax extract - produced 01/11/2024
Account Ref,Lead Liable Name,Liable DOB,Property Ref,Property Address,Postcode,Band,\
Discount,Liability End,Empty,Batch
A1,"SMITH, Jane",01/02/1960,100000000001,"1 High Street, Townby",AB1 2NX,B,SPD,,,X
A2,"JONES, Peter",03/04/1970,100000000002,"2 High Street, Townby",AB1 2NX,C,SPD,,,X
A3,"BROWN, Ann",05/06/1980,100000000003,"3 High Street, Townby",AB1 2NX,D,SPD,,,X
A4,"GREEN, Tom",07/08/1990,100000000004,"4 High Street, Townby",AB1 2NX,A,SPD,,,X
A5,"WHITE, Sue",09/10/1950,100000000005,"5 High Street, Townby",AB1 2NX,B,,,,X
A6,"BLACK, Ed",11/12/1955,100000000006,"6 High Street, Townby",AB1 2NX,B,SPD,01/01/2010,,X
A6,"BLACK, Ed",11/12/1955,100000000006,"6 High Street, Townby",AB1 2NX,B,SPD,01/01/2010,,X
Total records: 7
"""
REGISTER = """Elector Number,Forename,Surname,Address 1,Address 2,Postcode,DOB
E1,Jane,Smith,1 High Street,Townby,AB1 2NX,01/02/1960
E2,Mark,Taylor,1 High Street,Townby,AB1 2NX,01/01/1985
E3,Peter,Jones,2 High Street,Townby,AB1 2NX,03/04/1970
E4,Jo,Brown,3 High Street,Townby,AB1 2NX,01/01/2015
E5,Zed,Adams,4 High Street,Townby,AB1 2NX,02/02/1940
E6,Sue,White,5 High Street,Townby,AB1 2NX,09/10/1950
E7,Kim,Hall,6 High Street,Townby,AB1 2NX,01/01/1970
"""
DEATHS = """Registration No,Deceased Surname,Deceased Forenames,Date of Birth,Date of Death,\
Postcode,Ref2,Medical Condition
D1,ADAMS,Zed,1940-02-02,2024-09-01,AB1 2NX,9434765919,heart disease
D2,WHITE,Sue,1950-10-09,2024-10-01,AB1 2NX,9434765870,dementia
"""
SURNAMES = ["SMITH", "JONES", "TAYLOR", "ADAMS", "Smith", "Taylor"]


@pytest.fixture()
def messy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "council_tax.csv").write_bytes(
        COUNCIL_TAX.replace("Townby", "Tównby").encode("cp1252")
    )
    (folder / "register.csv").write_text(REGISTER, encoding="utf-8")
    (folder / "deaths.csv").write_text(DEATHS, encoding="utf-8")
    (folder / "broken.xlsx").write_bytes(b"this is not a workbook")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    return folder


@pytest.fixture()
def fixture_surnames() -> list[str]:
    """Surnames in the fixtures, which no report may contain."""
    return SURNAMES
