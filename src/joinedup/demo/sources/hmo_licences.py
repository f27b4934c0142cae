"""The register of licensed houses in multiple occupation (HMOs), from the licensing system.

The demo district runs an additional licensing scheme (Housing Act 2004 s.56) on top of
mandatory licensing (s.55, five or more people in two or more households): any home let to
three or more people who are not one family needs a licence. Licences last five years; the
register gives the property's UPRN, since licences are issued against a property.

Truth for the rule `unlicensed_hmo`, one row per property (its gazetteer record):

- fraud: three or more adults who are not one family (a sharers' household) live there and
  it has no licence in force (none, or the licence expired);
- decoy_licensed: the same, with a licence in force;
- decoy_family: three or more adults of one family (parents and grown-up children, three
  generations) live there: not an HMO.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.population import HH_CURRENT, SHARERS
from joinedup.demo.rates import RULE_RATES
from joinedup.demo.sources import render
from joinedup.demo.sources.base import DMY, SourceOutput, SourceSpec, col, describe, write_csv
from joinedup.demo.vocab import load_names
from joinedup.demo.world import World

NAME = "hmo_licences"
FILE = "hmo_licences.csv"
RULE = "unlicensed_hmo"
LICENCE_YEARS = 5


def _homes(world: World) -> pd.DataFrame:
    """Current households with three or more adult residents: hh, prop, sharers."""
    pop = world.pop
    adult = pop.adult_residents()
    counts = np.bincount(pop.people["hh"].to_numpy()[adult], minlength=len(pop.households))
    hh = pop.households
    big = np.flatnonzero((counts >= 3) & (hh["status"].to_numpy() == HH_CURRENT))
    return pd.DataFrame(
        {
            "hh": big,
            "prop": hh["prop"].to_numpy()[big],
            "sharers": hh["type"].to_numpy()[big] == SHARERS,
        }
    )


def build(world: World, out_dir: Path) -> SourceOutput:
    rng = world.rng(NAME)
    homes = _homes(world)
    shared = homes[homes["sharers"].to_numpy()]
    licensed = rng.random(len(shared)) < RULE_RATES.hmo_licensed_share
    prop = shared["prop"].to_numpy()[licensed]
    n = len(prop)
    today = world.pop.as_of
    # A tenth of licences ran out and were not renewed: the home is unlicensed again.
    expired = rng.random(n) < 0.1
    issued = np.where(
        expired,
        dt.uniform_between(
            today - dt.years(8), today - dt.years(LICENCE_YEARS) - dt.days(5), rng, n=n
        ),
        dt.uniform_between(
            today - dt.years(LICENCE_YEARS) + dt.days(5), today - dt.days(10), rng, n=n
        ),
    ).astype("datetime64[D]")
    expiry = dt.as_days(dt.add_years(issued, LICENCE_YEARS)) - dt.days(1)
    names = load_names()
    holder = (
        names.first[rng.integers(0, len(names.first), n)]
        + " "
        + names.surnames[rng.integers(0, len(names.surnames), n)]
    ).astype(object)
    props = world.places.props
    number = ("HMO/" + (3000 + np.arange(n) * 2).astype(str).astype(object)).astype(object)
    occupiers = np.bincount(
        world.pop.people["hh"].to_numpy()[world.pop.adult_residents()],
        minlength=len(world.pop.households),
    )[shared["hh"].to_numpy()[licensed]]
    frame = pd.DataFrame(
        {
            "Licence Number": number,
            "UPRN": props["uprn"].to_numpy().astype(str).astype(object)[prop],
            "Property Address": world.addresses.one_line(prop, np.zeros(n, bool), np.ones(n, bool)),
            "Postcode": props["postcode"].to_numpy(dtype=object)[prop],
            "Licence Holder": holder,
            "Licence Type": np.where(occupiers >= 5, "Mandatory", "Additional").astype(object),
            "Max Occupiers": (occupiers + rng.integers(0, 2, n)).astype(str).astype(object),
            "Issue Date": dt.fmt(issued, "dmy"),
            "Expiry Date": dt.fmt(expiry, "dmy"),
        }
    )
    path = write_csv(frame, out_dir / FILE)
    records = pd.DataFrame({"record_key": number, "person": -1, "prop": prop})
    in_force = np.zeros(len(props), dtype=bool)
    in_force[prop[~expired]] = True
    home_prop = homes["prop"].to_numpy()
    kind = np.where(
        homes["sharers"].to_numpy(),
        np.where(in_force[home_prop], "decoy_licensed", "fraud"),
        "decoy_family",
    ).astype(object)
    uprn = props["uprn"].to_numpy().astype(str).astype(object)[home_prop]
    truth = pd.DataFrame({"record_id": render.record_ids("gazetteer", uprn), "kind": kind})
    return SourceOutput(NAME, path, n, records, config=_config(world), truth={RULE: truth})


def _config(world: World) -> dict:
    return describe(
        world,
        description=(
            "The register of licensed houses in multiple occupation: property, licence "
            "holder, type, permitted occupiers and licence dates."
        ),
        entity="place",
        owner="Head of Private Sector Housing",
        steward="HMO Licensing Officer",
        system="Licensing system",
        classification="OFFICIAL",
        lawful_basis=(
            "UK GDPR Art 6(1)(e) public task: Housing Act 2004 Part 2 (licensing of houses in "
            "multiple occupation, s.55 mandatory and s.56 additional licensing) and s.232 "
            "(the public register of licences)."
        ),
        retention="Licence expiry plus 6 years",
        refresh="Weekly",
        file=FILE,
        columns=[
            col("Licence Number", "record_key", checks=["not_null", "unique"], required=True),
            col("UPRN", "uprn", checks=["not_null", "valid"]),
            col("Property Address", "address", checks=["not_null"]),
            col("Postcode", "postcode", checks=["valid"]),
            col("Licence Holder", "licence_holder", type="string"),
            col("Licence Type", "licence_type", type="string"),
            col("Max Occupiers", "max_occupiers", type="integer"),
            col("Issue Date", "start_date", format=DMY, checks=["valid"]),
            col("Expiry Date", "expiry_date", type="date", format=DMY, checks=["valid"]),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
