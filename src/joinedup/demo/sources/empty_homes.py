"""Council tax exemptions and discounts for empty homes, from the revenues system.

An unoccupied dwelling can be exempt from council tax (the Council Tax (Exempt Dwellings)
Order 1992: for example class F, the owner has died, and class E, the occupier now lives in
a care home) or get the council's local empty-home discount. Either should end the day
someone moves in; when nobody tells the council, the home stays exempt with people living
there. The revenues system keeps these awards as a list against the property (its UPRN).

Truth for the rule `empty_home_exemption_occupied`, one row per award (its own record):

- fraud: the award is in force and a household lives there now;
- decoy_empty: the award is in force and the home really is empty;
- decoy_ended: the award ended when the household now living there moved in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.population import HH_CURRENT
from joinedup.demo.sources import render
from joinedup.demo.sources.base import DMY, SourceOutput, SourceSpec, col, describe, write_csv
from joinedup.demo.world import World

NAME = "empty_homes"
FILE = "empty_homes.csv"
RULE = "empty_home_exemption_occupied"
CLASSES = np.array(
    [
        "Class F - owner deceased",
        "Class E - occupier in care",
        "Empty and unfurnished discount",
    ],
    dtype=object,
)
EMPTY_SHARE = 0.6  # of the empty dwellings, the share with an award
OCCUPIED_SHARE = 0.008  # of occupied homes, an award never ended (the rule's cases)
ENDED_SHARE = 0.01  # of occupied homes, an award that ended when the household moved in


def build(world: World, out_dir: Path) -> SourceOutput:
    rng = world.rng(NAME)
    today = world.pop.as_of
    hh = world.pop.households
    current = np.flatnonzero(hh["status"].to_numpy() == HH_CURRENT)
    occupied_prop = hh["prop"].to_numpy()[current]
    move_in = dt.as_days(hh["move_in"].to_numpy()[current])
    empty = np.setdiff1d(world.places.dwellings, occupied_prop)
    empty = empty[rng.random(len(empty)) < EMPTY_SHARE]
    u = rng.random(len(current))
    stale = u < OCCUPIED_SHARE
    ended = (u >= OCCUPIED_SHARE) & (u < OCCUPIED_SHARE + ENDED_SHARE)
    prop = np.concatenate([empty, occupied_prop[stale], occupied_prop[ended]])
    kind = np.concatenate(
        [
            np.full(len(empty), "decoy_empty", dtype=object),
            np.full(stale.sum(), "fraud", dtype=object),
            np.full(ended.sum(), "decoy_ended", dtype=object),
        ]
    )
    n = len(prop)
    # Awards start while the home is empty: before the household moved in.
    arrived = np.concatenate([np.full(len(empty), today), move_in[stale], move_in[ended]]).astype(
        "datetime64[D]"
    )
    start = dt.uniform_between(arrived - dt.years(2), arrived - dt.days(20), rng, n)
    end = np.where(kind == "decoy_ended", arrived + dt.days(rng.integers(-3, 4, n)), dt.NAT).astype(
        "datetime64[D]"
    )
    order = np.argsort(prop, kind="stable")
    prop, kind, start, end = prop[order], kind[order], start[order], end[order]
    props = world.places.props
    number = ("EX" + (20_000 + np.arange(n) * 3).astype(str).astype(object)).astype(object)
    frame = pd.DataFrame(
        {
            "Award Ref": number,
            "UPRN": props["uprn"].to_numpy().astype(str).astype(object)[prop],
            "Property Address": world.addresses.one_line(prop, np.zeros(n, bool), np.ones(n, bool)),
            "Postcode": props["postcode"].to_numpy(dtype=object)[prop],
            "Exemption": CLASSES[rng.integers(0, len(CLASSES), n)],
            "Award Start": dt.fmt(start, "dmy"),
            "Award End": dt.fmt(end, "dmy"),
        }
    )
    path = write_csv(frame, out_dir / FILE)
    records = pd.DataFrame({"record_key": number, "person": -1, "prop": prop})
    truth = pd.DataFrame({"record_id": render.record_ids(NAME, number), "kind": kind})
    return SourceOutput(NAME, path, n, records, config=_config(world), truth={RULE: truth})


def _config(world: World) -> dict:
    return describe(
        world,
        description=(
            "Council tax exemptions and discounts for empty homes: property, class and the "
            "award's dates."
        ),
        entity="place",
        owner="Head of Revenues and Benefits",
        steward="Council Tax Manager",
        system="Revenues system",
        classification="OFFICIAL",
        lawful_basis=(
            "UK GDPR Art 6(1)(e) public task: Local Government Finance Act 1992 (council tax "
            "exemptions and discounts) and the Council Tax (Exempt Dwellings) Order 1992."
        ),
        retention="6 years after the award ends",
        refresh="Weekly",
        file=FILE,
        columns=[
            col("Award Ref", "record_key", checks=["not_null", "unique"], required=True),
            col("UPRN", "uprn", checks=["not_null", "valid"]),
            col("Property Address", "address", checks=["not_null"]),
            col("Postcode", "postcode", checks=["valid"]),
            col("Exemption", "exemption_class", type="string", checks=["not_null"]),
            col("Award Start", "award_start", type="date", format=DMY, checks=["valid"]),
            col("Award End", "award_end", type="date", format=DMY, checks=["valid"]),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
