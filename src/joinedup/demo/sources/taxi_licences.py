"""Taxi driver licences (hackney carriage and private hire) from the licensing system.

A council may license a taxi or private hire driver only if satisfied the driver is a 'fit
and proper person' (Town Police Clauses Act 1847 s.46; Local Government (Miscellaneous
Provisions) Act 1976 ss.51 and 59); the Statutory Taxi and Private Hire Vehicle Standards
(DfT, 2020) ask councils to act on police information about violence and domestic abuse,
not only on convictions. Driver licences normally last three years (1976 Act s.53).

Truth for the rule `taxi_driver_police_incident`, one row per licence (the subject record):

- fraud: the holder is named as the suspect in a domestic or violent incident in the
  police extract;
- decoy_victim_or_witness: the holder is named in a violent incident, as victim or witness;
- decoy_not_violent: the holder is the suspect in an incident that is neither domestic nor
  violent (a theft, a road traffic collision);
- decoy_namesake: someone else with the holder's name, a generation older or younger, is
  the suspect in a violent incident.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.rates import ERRORS
from joinedup.demo.sources import render
from joinedup.demo.sources.base import DMY, SourceOutput, SourceSpec, col, describe, write_csv
from joinedup.demo.sources.police_incidents import SUSPECT, VIOLENT, holders, incidents
from joinedup.demo.world import World

NAME = "taxi_licences"
FILE = "taxi_licences.csv"
RULE = "taxi_driver_police_incident"
LICENCE_YEARS = 3
KINDS = np.array(["Hackney carriage driver", "Private hire driver", "Dual driver"], dtype=object)


def build(world: World, out_dir: Path) -> SourceOutput:
    rng = world.rng(NAME)
    person = holders(world)
    n = len(person)
    prop = world.pop.people["last_prop"].to_numpy()[person]
    f = render.person_fields(world, person, prop, ERRORS[NAME], rng)
    forenames = np.where(f["middle"] != "", f["first"] + " " + f["middle"], f["first"])
    today = world.pop.as_of
    issued = dt.uniform_between(today - dt.years(LICENCE_YEARS) + dt.days(1), today, rng, n)
    expires = dt.as_days(dt.add_years(issued, LICENCE_YEARS))
    kind = rng.choice(len(KINDS), n, p=[0.3, 0.55, 0.15])
    number = ("TX" + (50_000 + np.arange(n) * 7).astype(str).astype(object)).astype(object)
    frame = pd.DataFrame(
        {
            "Licence No": number,
            "Licence Type": KINDS[kind],
            "Surname": f["surname"],
            "Forenames": forenames.astype(object),
            "Date of Birth": f["dob"],
            "Home Address": f["address"],
            "Postcode": f["postcode"],
            "Issued": dt.fmt(issued, "dmy"),
            "Expires": dt.fmt(expires, "dmy"),
        }
    )
    path = write_csv(frame, out_dir / FILE)
    records = pd.DataFrame({"record_key": number, "person": person, "prop": prop})
    truth = {RULE: _truth(world, number, person)}
    return SourceOutput(NAME, path, n, records, config=_config(world), truth=truth)


def _truth(world: World, number: np.ndarray, person: np.ndarray) -> pd.DataFrame:
    """Real cases from every incident row (background ones too), decoys where planted."""
    inc = incidents(world)
    violent = VIOLENT[inc["type"].to_numpy()]
    suspect = inc["role"].to_numpy() == SUSPECT
    of_holder = inc["person"].to_numpy()
    real = np.isin(person, of_holder[violent & suspect])
    planted = inc[inc["planted"].to_numpy() != ""]
    label = pd.Series(planted["planted"].to_numpy(), index=planted["holder"].to_numpy())
    label = label[~label.index.duplicated()]
    kind = np.where(real, "fraud", label.reindex(person).fillna("").to_numpy())
    return render.truth_rows(NAME, number, kind)


def _config(world: World) -> dict:
    return describe(
        world,
        description=(
            "Taxi and private hire driver licences: the holder, date of birth, home address "
            "and the licence's dates."
        ),
        owner="Head of Licensing",
        steward="Licensing Systems Officer",
        system="Licensing system",
        classification="OFFICIAL-SENSITIVE",
        lawful_basis=(
            "UK GDPR Art 6(1)(e) public task: the Town Police Clauses Act 1847 and the Local "
            "Government (Miscellaneous Provisions) Act 1976 (driver licensing, fit and "
            "proper person test)."
        ),
        retention="6 years after the licence ends",
        refresh="Weekly",
        file=FILE,
        columns=[
            col("Licence No", "record_key", checks=["not_null", "unique"], required=True),
            col("Licence Type", "licence_type", type="string", checks=["not_null"]),
            col("Surname", "surname", checks=["not_null"]),
            col("Forenames", "first_name", checks=["not_null"]),
            col("Date of Birth", "date_of_birth", format=DMY, checks=["not_null", "valid"]),
            col("Home Address", "address", checks=["not_null"]),
            col("Postcode", "postcode", checks=["valid"]),
            col("Issued", "issue_date", type="date", format=DMY, checks=["valid"]),
            col("Expires", "expiry_date", type="date", format=DMY, checks=["valid"]),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
