"""Council tax accounts as a revenues system exports them: a Windows CSV (cp1252, CRLF).

One current account per occupied dwelling, plus ended accounts for people who moved out or
died. The liable person's name is one field ('SMITH, Mrs Jane'), the address one string with
the revenues system's abbreviations, and the UPRN is missing on some rows. A few bad rows
are planted for the ingest to quarantine: a repeated row, a row with no account number, a
row cut short, and a row whose liability start date does not exist.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo import errors
from joinedup.demo.rates import ERRORS, RecordingErrors
from joinedup.demo.sources import render
from joinedup.demo.sources.base import (
    DMY,
    DUPLICATE_KEY,
    INVALID_VALUE,
    MALFORMED_ROW,
    MISSING_KEY,
    SourceOutput,
    SourceSpec,
    col,
    describe,
    interleave,
)
from joinedup.demo.world import World

NAME = "council_tax"
FILE = "council_tax.csv"
ENCODING = "cp1252"
COLUMNS = [
    "Account Ref",
    "Lead Liable Name",
    "Liable DOB",
    "Property Ref",
    "Property Address",
    "Postcode",
    "Band",
    "Discount",
    "Liability Start",
    "Liability End",
    "Email",
    "Phone",
]
IMPOSSIBLE_DOB = "31/02/1980"
IMPOSSIBLE_START = "31/02/2019"


def build(world: World, out_dir: Path, rules: RecordingErrors = ERRORS[NAME]) -> SourceOutput:
    rng = world.rng(NAME)
    acc = world.admin.accounts
    frame = _rows(world, acc, rules, rng)
    lines = _csv_lines(frame)
    extra, after, reasons = _bad_rows(frame, lines, rules, rng)
    lines, row_numbers = interleave(lines, extra, after)
    header = _csv_lines(pd.DataFrame(columns=COLUMNS), header=True)[0]
    text = "\r\n".join([header, *lines.tolist()]) + "\r\n"
    path = out_dir / FILE
    # A Windows export: letters cp1252 cannot hold (Ł, ń, ř) come out as '?'.
    path.write_bytes(text.encode(ENCODING, errors="replace"))
    records = pd.DataFrame(
        {
            "record_key": frame["Account Ref"].to_numpy(dtype=object),
            "person": acc["person"].to_numpy(),
            "prop": acc["prop"].to_numpy(),
        }
    )
    quarantine = pd.DataFrame({"row_number": row_numbers, "reason": reasons})
    return SourceOutput(NAME, path, len(lines), records, quarantine, _config(world))


def _rows(
    world: World, acc: pd.DataFrame, rules: RecordingErrors, rng: np.random.Generator
) -> pd.DataFrame:
    n = len(acc)
    person = acc["person"].to_numpy()
    prop = acc["prop"].to_numpy()
    start = dt.as_days(acc["start"].to_numpy())
    end = dt.as_days(acc["end"].to_numpy())
    people = world.pop.people
    places = world.places.props

    sur_codes = render.surname_codes(world, person, start, rules.stale_surname_after_marriage, rng)
    first, middle, surname = render.names(world, person, sur_codes, rules, rng)
    first, surname = render.swap(first, surname, rules.names_swapped, rng)
    u = rng.random(n)
    initial = pd.Series(middle, dtype=object).str[:1].to_numpy(dtype=object)
    forenames = np.where(
        u < 0.35, errors_join(first, middle), np.where(u < 0.55, errors_join(first, initial), first)
    )
    surname = errors.upper_where(surname, rng.random(n) < 0.92)
    title = people["title"].to_numpy(dtype=object)[person]
    with_title = (rng.random(n) < 0.15) & (title != "")
    forenames = np.where(with_title, title + " " + forenames, forenames)
    name = surname + ", " + forenames
    name = errors.upper_where(name, errors.chance(rng, n, rules.all_caps))
    name = errors.extra_whitespace(name, rules.extra_whitespace, rng)

    dob = errors.transpose_day_month(people["dob"].to_numpy()[person], rules.dob_transposed, rng)
    dob_text = errors.blank_where(dt.fmt(dob, "dmy"), rules.missing.get("Liable DOB", 0), rng)
    if rules.bad_optional_date_rows and n:
        dob_text[rng.integers(0, n, rules.bad_optional_date_rows)] = IMPOSSIBLE_DOB

    parts = world.addresses
    style = rng.choice(3, size=n, p=[0.4, 0.3, 0.3])
    address = parts.one_line(
        prop, errors.chance(rng, n, rules.street_abbreviated), rng.random(n) < 0.7, style
    )
    address = errors.address_slips(address, parts.is_flat[prop], rules, rng)
    address = errors.upper_where(address, rng.random(n) < 0.2)
    address = errors.extra_whitespace(address, rules.extra_whitespace, rng)
    postcode = errors.postcodes(places["postcode"].to_numpy(dtype=object)[prop], rules, rng)
    postcode = errors.blank_where(postcode, rules.missing.get("Postcode", 0), rng.spawn(1)[0])
    uprn = places["uprn"].to_numpy().astype(str).astype(object)[prop]
    discount = np.where(
        acc["spd"].to_numpy(), "SPD", np.where(acc["disreg"].to_numpy(), "DISREG", "")
    )
    contact = {
        "Email": people["email"].to_numpy(dtype=object)[person],
        "Phone": people["phone"].to_numpy(dtype=object)[person],
    }
    frame = pd.DataFrame(
        {
            "Account Ref": acc["ref"].to_numpy().astype(str).astype(object),
            "Lead Liable Name": name,
            "Liable DOB": dob_text,
            "Property Ref": errors.blank_where(uprn, rules.missing.get("Property Ref", 0), rng),
            "Property Address": address,
            "Postcode": postcode,
            "Band": places["band"].to_numpy(dtype=object)[prop],
            "Discount": discount.astype(object),
            "Liability Start": dt.fmt(start, "dmy"),
            "Liability End": dt.fmt(end, "dmy"),
            "Email": errors.blank_where(contact["Email"], rules.missing.get("Email", 0), rng),
            "Phone": errors.blank_where(contact["Phone"], rules.missing.get("Phone", 0), rng),
        }
    )
    return _placeholders_for_blanks(frame, world.rng(f"{NAME} placeholders"))


# What a revenues system holds where its online account form insisted on an email or a
# phone number the resident did not have. Loading sets them aside with a reason; they
# must never tie residents together (docs/linking.md).
PLACEHOLDER_EMAILS = (
    "none@none.com",
    "noemail@noemail.com",
    "no.email@gmail.com",
    "unknown@test.com",
)
PLACEHOLDER_PHONES = ("07000000000", "01234567890")
PLACEHOLDER_SHARE = 0.03  # of the accounts with no email (or no phone)


def _placeholders_for_blanks(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Fill a few blank Email and Phone cells with placeholders (a stream of their own, so
    every other value of the file is as it was without them)."""
    for column, values in (("Email", PLACEHOLDER_EMAILS), ("Phone", PLACEHOLDER_PHONES)):
        cells = frame[column].to_numpy(dtype=object)
        blank = (cells == "") | pd.isna(cells)
        chosen = blank & (rng.random(len(cells)) < PLACEHOLDER_SHARE)
        cells = cells.copy()
        cells[chosen] = rng.choice(np.array(values, dtype=object), size=int(chosen.sum()))
        frame[column] = cells
    return frame


def errors_join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(b != "", a + " " + b, a).astype(object)


def _csv_lines(frame: pd.DataFrame, header: bool = False) -> np.ndarray:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=header, quoting=csv.QUOTE_ALL, lineterminator="\n")
    text = buffer.getvalue()
    return np.array(text.split("\n")[:-1], dtype=object)


def _bad_rows(
    frame: pd.DataFrame, lines: np.ndarray, rules: RecordingErrors, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Planted rows the ingest must quarantine, and the data rows they follow."""
    n = len(frame)
    if n == 0:
        return np.array([], dtype=object), np.array([], dtype=np.int64), []
    n_dup = max(1, int(round(rules.duplicate_rows * n))) if rules.duplicate_rows else 0
    dup_of = np.sort(rng.choice(n, size=min(n_dup, n), replace=False))
    extra = [lines[dup_of]]
    after = [dup_of]
    reasons = [DUPLICATE_KEY] * len(dup_of)

    blank = frame.iloc[rng.integers(0, n, rules.blank_key_rows)].copy()
    blank["Account Ref"] = ""
    extra.append(_csv_lines(blank))
    after.append(rng.integers(0, n, rules.blank_key_rows))
    reasons += [MISSING_KEY] * rules.blank_key_rows

    short = frame.iloc[rng.integers(0, n, rules.short_rows)].copy()
    short_lines = _csv_lines(short.iloc[:, :5])  # the export was cut off mid-row
    extra.append(short_lines)
    after.append(rng.integers(0, n, rules.short_rows))
    reasons += [MALFORMED_ROW] * rules.short_rows

    bad = frame.iloc[rng.integers(0, n, rules.bad_required_date_rows)].copy()
    top = int(frame["Account Ref"].astype(int).max()) if n else 60_000_000
    bad["Account Ref"] = [str(top + 10 + i) for i in range(len(bad))]
    bad["Liability Start"] = IMPOSSIBLE_START
    bad["Liability End"] = ""
    extra.append(_csv_lines(bad))
    after.append(rng.integers(0, n, rules.bad_required_date_rows))
    reasons += [INVALID_VALUE] * rules.bad_required_date_rows
    return np.concatenate(extra), np.concatenate(after), reasons


def _config(world: World) -> dict:
    return describe(
        world,
        description=(
            "Council tax accounts from the revenues system: the lead liable person at each "
            "dwelling, liability dates, band and discounts, current and ended accounts."
        ),
        owner="Head of Revenues and Benefits",
        steward="Council Tax Manager",
        system="Revenues system",
        # Single person discount: Local Government Finance Act 1992 s.11; information
        # duties: Council Tax (Administration and Enforcement) Regulations 1992 (SI 1992/613).
        lawful_basis=(
            "UK GDPR Art 6(1)(c) legal obligation and 6(1)(e) public task: billing and "
            "collecting council tax under the Local Government Finance Act 1992 (discounts "
            "under s.11) and the Council Tax (Administration and Enforcement) Regulations 1992; "
            "preventing and detecting fraud in the council's own revenues."
        ),
        # Six years: the Limitation Act 1980 period for recovering sums due under statute.
        retention="Current financial year plus 6 years after the account closes",
        refresh="Weekly",
        file=FILE,
        read={"encoding": ENCODING},
        columns=[
            col("Account Ref", "record_key", checks=["not_null", "unique"], required=True),
            col(
                "Lead Liable Name",
                "full_name",
                parser="surname_comma_forenames",
                checks=["not_null"],
            ),
            col("Liable DOB", "date_of_birth", format=DMY, checks=["valid"]),
            col("Property Ref", "uprn", checks=["valid"]),
            col("Property Address", "address", checks=["not_null"]),
            col("Postcode", "postcode", checks=["valid"]),
            col("Band", "council_tax_band", type="string", checks=["not_null"]),
            col("Discount", "single_person_discount", type="bool", true_values=["SPD"]),
            col(
                "Liability Start",
                "start_date",
                format=DMY,
                checks=["not_null", "valid"],
                required=True,
            ),
            col("Liability End", "end_date", format=DMY, checks=["valid"]),
            col("Email", "email", checks=["valid"]),
            col("Phone", "phone", checks=["valid"]),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
