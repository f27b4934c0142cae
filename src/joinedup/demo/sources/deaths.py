"""Death notifications from the registration service (registrars' returns and Tell Us Once).

Registrars copy names from documents, so typos are rare; the same death is sometimes
notified twice (once by the registrar, once through Tell Us Once), which the ingest must
catch as a repeated registration number.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo import errors
from joinedup.demo.rates import ERRORS, RecordingErrors
from joinedup.demo.sources import render
from joinedup.demo.sources.base import (
    DUPLICATE_KEY,
    ISO,
    SourceOutput,
    SourceSpec,
    col,
    describe,
    interleave,
)
from joinedup.demo.world import World

NAME = "deaths"
FILE = "deaths.csv"


def deceased(world: World) -> np.ndarray:
    """People who died in the deaths window, in order of death: the rows of deaths.csv."""
    p = world.pop.people
    dod = dt.as_days(p["dod"].to_numpy())
    idx = np.flatnonzero(
        ~np.isnat(dod) & (dod >= world.pop.deaths_start) & (dod <= world.pop.as_of)
    )
    return idx[np.lexsort((idx, dod[idx]))]


def build(world: World, out_dir: Path, rules: RecordingErrors = ERRORS[NAME]) -> SourceOutput:
    rng = world.rng(NAME)
    person = deceased(world)
    n = len(person)
    p = world.pop.people
    prop = p["last_prop"].to_numpy()[person]
    dod = dt.as_days(p["dod"].to_numpy()[person])
    year, _, _ = dt.parts(dod)
    seq = pd.Series(np.ones(n, dtype=int)).groupby(year).cumsum().to_numpy()
    reg_no = (
        "DR"
        + year.astype(str).astype(object)
        + "-"
        + np.char.zfill(seq.astype(str), 5).astype(object)
    )

    sur_codes = p["sur"].to_numpy()[person]
    first, middle, surname = render.names(world, person, sur_codes, rules, rng)
    forenames = np.where(middle != "", first + " " + middle, first).astype(object)
    dob = errors.transpose_day_month(p["dob"].to_numpy()[person], rules.dob_transposed, rng)
    address, postcode = render.address_and_postcode(world, prop, rules, rng, locality_share=0.5)
    nhs = render.nhs_display(p["nhs"].to_numpy(dtype=object)[person], rng)
    missing = rules.missing
    frame = pd.DataFrame(
        {
            "Registration No": reg_no,
            "Deceased Surname": errors.upper_where(surname, np.ones(n, dtype=bool)),
            "Deceased Forenames": forenames,
            "Date of Birth": errors.blank_where(
                dt.fmt(dob, "iso"), missing.get("Date of Birth", 0), rng
            ),
            "Date of Death": dt.fmt(dod, "iso"),
            "Address": address,
            "Postcode": errors.blank_where(postcode, missing.get("Postcode", 0), rng),
            "NHS Number": errors.blank_where(nhs, missing.get("NHS Number", 0), rng),
        }
    )
    text = frame.to_csv(index=False, lineterminator="\n")
    header, *body = text.split("\n")[:-1]
    lines = np.array(body, dtype=object)
    dup = np.sort(np.flatnonzero(errors.chance(rng, n, rules.duplicate_rows)))
    lines, row_numbers = interleave(lines, lines[dup], dup)
    path = out_dir / FILE
    path.write_text("\n".join([header, *lines.tolist()]) + "\n", encoding="utf-8")
    records = pd.DataFrame({"record_key": reg_no, "person": person, "prop": prop})
    quarantine = pd.DataFrame({"row_number": row_numbers, "reason": DUPLICATE_KEY})
    return SourceOutput(NAME, path, len(lines), records, quarantine, _config(world))


def _config(world: World) -> dict:
    return describe(
        world,
        description=(
            "Deaths registered in the district over the last three years, as notified to the "
            "council by the registration service and Tell Us Once."
        ),
        owner="Superintendent Registrar",
        steward="Registration Services Manager",
        system="Registration service",
        lawful_basis=(
            "UK GDPR Art 6(1)(e) public task for the living people these notices concern "
            "(data about the dead is not personal data under UK GDPR, but it stays "
            "confidential); registration under the Births and Deaths Registration Act 1953; "
            "Tell Us Once notifications made with the informant's agreement; used to stop "
            "services, bills and payments to people who have died and to detect fraud."
        ),
        retention="2 years after the services it updates have been told",
        refresh="Weekly",
        file=FILE,
        columns=[
            col("Registration No", "record_key", checks=["not_null", "unique"], required=True),
            col("Deceased Surname", "surname", checks=["not_null"]),
            col("Deceased Forenames", "first_name", checks=["not_null"]),
            col("Date of Birth", "date_of_birth", format=ISO, checks=["valid"]),
            col(
                "Date of Death",
                "date_of_death",
                format=ISO,
                checks=["not_null", "valid"],
                required=True,
            ),
            col("Address", "address", checks=["not_null"]),
            col("Postcode", "postcode", checks=["valid"]),
            col("NHS Number", "nhs_number", checks=["valid"]),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
