"""The full electoral register as an electoral management system (EMS) exports it to Excel.

Title rows sit above the header and a total sits below the data, as in real exports. There
is no UPRN and no date of birth: only attainers (16- and 17-year-olds) carry a date, the
day they turn 18. Entries are in street order within each polling district and numbered
like 'MA1-123' (the Electoral Commission's format guidance: polling district letters plus
a sequence number). Some entries are stale: people who died and are still listed, and
people still listed at the home they left.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo import errors
from joinedup.demo.population import FEMALE
from joinedup.demo.rates import ERRORS, RecordingErrors
from joinedup.demo.sources import render
from joinedup.demo.sources.base import SourceOutput, SourceSpec, col, describe
from joinedup.demo.world import World
from joinedup.demo.xlsx import Column, write_xlsx

NAME = "electoral_register"
FILE = "electoral_register.xlsx"
SHEET = "Register"
COUNCIL = "Demo District Council"
TITLES = [COUNCIL, "Register of Electors – Full Register"]


def titles(world: World) -> list[str]:
    published = _last_publication(world.as_of)
    return TITLES + [
        f"Published {published.day} {published:%B %Y}, with monthly alterations to "
        f"{world.as_of.day} {world.as_of:%B %Y}"
    ]


def build(
    world: World, out_dir: Path, rules: RecordingErrors = ERRORS[NAME]
) -> SourceOutput:
    rng = world.rng(NAME)
    entries = _ordered_entries(world)
    person = entries["person"].to_numpy()
    prop = entries["prop"].to_numpy()
    n = len(entries)
    people = world.pop.people

    sur_codes = render.surname_codes(
        world, person, world.pop.window_start, rules.stale_surname_after_marriage, rng
    )
    first, middle, surname = render.names(world, person, sur_codes, rules, rng)
    first, surname = render.swap(first, surname, rules.names_swapped, rng)
    caps = errors.chance(rng, n, rules.all_caps)
    first = errors.upper_where(first, caps)
    surname = errors.upper_where(surname, caps)
    surname = errors.extra_whitespace(surname, rules.extra_whitespace, rng)
    middle = errors.blank_where(middle, rules.missing.get("Middle Names", 0), rng)

    lines = world.addresses.lines(
        prop, errors.chance(rng, n, rules.street_abbreviated), np.ones(n, bool)
    )
    postcode = errors.postcodes(
        world.places.props["postcode"].to_numpy(dtype=object)[prop], rules, rng
    )
    age = people["age"].to_numpy()[person]
    alive = np.isnat(people["dod"].to_numpy()[person])
    attainer = alive & (age >= 16) & (age < 18)
    attains = np.where(attainer, dt.add_years(people["dob"].to_numpy()[person], 18), dt.NAT)
    # Franchise markers (Electoral Commission, "Running electoral registration - England"):
    # 'G' an EU citizen on the local government register, changed to 'B' once the 2024
    # review confirms their eligibility under the new franchise.
    u = rng.random(n)
    markers = np.where(u < 0.015, "G", np.where(u < 0.02, "B", "")).astype(object)
    number = entries["elector_number"].to_numpy(dtype=object)
    title = people["title"].to_numpy(dtype=object)[person]
    title = np.where(
        (title == "Mrs")
        & (sur_codes != people["sur"].to_numpy()[person])
        & (people["sex"].to_numpy()[person] == FEMALE),
        "Miss",
        title,
    )

    columns = [
        Column("Elector Number", number),
        Column("Title", title.astype(object)),
        Column("Forename", first),
        Column("Middle Names", middle),
        Column("Surname", surname),
        *[Column(f"Address {i + 1}", lines[:, i]) for i in range(5)],
        Column("Postcode", postcode),
        Column("Elector Markers", markers),
        Column("Date of Attainment", attains, is_date=True),
        Column(
            "Email",
            errors.blank_where(
                people["email"].to_numpy(dtype=object)[person], rules.missing.get("Email", 0), rng
            ),
        ),
        Column(
            "Phone",
            errors.blank_where(
                people["phone"].to_numpy(dtype=object)[person], rules.missing.get("Phone", 0), rng
            ),
        ),
    ]
    path = out_dir / FILE
    footer = f"Total electors: {n:,}"
    header_row = write_xlsx(path, SHEET, titles(world), columns, footer)
    records = pd.DataFrame({"record_key": number, "person": person, "prop": prop})
    # Title rows and the footer are the export's framing, not rows of data: a reader drops
    # them, so nothing here is expected in quarantine.
    return SourceOutput(NAME, path, n, records, config=_config(world, header_row))


def _ordered_entries(world: World) -> pd.DataFrame:
    """Entries in street order within polling districts, numbered from 1 in each district."""
    reg = world.admin.register
    props = world.places.props
    streets = world.places.streets
    prop = reg["prop"].to_numpy()
    street = props["street"].to_numpy()[prop]
    polling = streets["polling"].to_numpy(dtype=object)[street]
    surname = world.pop.people["sur"].to_numpy()[reg["person"].to_numpy()]
    order = np.lexsort((reg["person"].to_numpy(), surname, prop, street, polling.astype(str)))
    out = reg.iloc[order].reset_index(drop=True)
    polling = polling[order]
    seq = pd.Series(np.ones(len(out), dtype=int)).groupby(polling).cumsum().to_numpy()
    out["elector_number"] = polling + "-" + seq.astype(str).astype(object)
    return out


def _last_publication(as_of) -> pd.Timestamp:
    """The annual register is published on 1 December (after the canvass)."""
    year = as_of.year if (as_of.month, as_of.day) >= (12, 1) else as_of.year - 1
    return pd.Timestamp(year=year, month=12, day=1)


def _config(world: World, header_row: int) -> dict:
    return describe(
        world,
        description=(
            "The full register of electors from the electoral management system, with "
            "attainers and monthly alterations; no UPRN and no date of birth."
        ),
        owner="Electoral Registration Officer",
        steward="Electoral Services Manager",
        system="Electoral management system",
        # Representation of the People (England and Wales) Regulations 2001 reg.107(3)-(4):
        # council staff may use the full register only where necessary for a statutory
        # function relating to security, law enforcement and crime prevention, or for
        # statistics; Council Tax (Administration and Enforcement) Regulations 1992 reg.4 lets
        # a billing authority obtain name and address information from the ERO.
        lawful_basis=(
            "UK GDPR Art 6(1)(c) legal obligation and 6(1)(e) public task: Representation of "
            "the People Act 1983 and the Representation of the People (England and Wales) "
            "Regulations 2001. The full register may be used by council staff only as "
            "reg. 107(4) allows: where necessary for a statutory function relating to "
            "security, law enforcement and crime prevention (e.g. detecting council tax "
            "discount fraud), or for statistics without names and addresses; billing "
            "authority access under the Council Tax (Administration and Enforcement) "
            "Regulations 1992 reg. 4."
        ),
        retention="As the ERO's retention schedule sets; superseded registers are not matched",
        refresh="Monthly (alterations), annually after the canvass (1 December)",
        file=FILE,
        read={"sheet": SHEET, "header_row": header_row},
        columns=[
            col("Elector Number", "record_key", checks=["not_null", "unique"], required=True),
            col("Title", "title"),
            col("Forename", "first_name", checks=["not_null"]),
            col("Middle Names", "middle_names"),
            col("Surname", "surname", checks=["not_null"]),
            *[col(f"Address {i}", f"address_line_{i}") for i in range(1, 6)],
            col("Postcode", "postcode", checks=["not_null", "valid"]),
            col("Elector Markers", "elector_markers", type="string"),
            # Real Excel dates; the formats are for a reader that hands cells over as text.
            col(
                "Date of Attainment",
                "date_of_attainment",
                type="date",
                checks=["valid"],
                format=["%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y"],
            ),
            col("Email", "email", checks=["valid"]),
            col("Phone", "phone", checks=["valid"]),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
