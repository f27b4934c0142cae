"""Adult social care packages from the case management system, one row per package.

Names are held as 'Surname, Forenames'; the NHS number is on most rows but not all. When a
client dies their package should end within days; some are left running, and the council
keeps paying the provider.

Truth for the rule `care_package_after_death`: a package is a case ('fraud': paid after
death, an overpayment to recover) when its client died more than `DAYS_SINCE_DEATH` days
before the extract and the package did not end within that many days of the death;
look-alikes are the package ended promptly (`decoy_ended`) and the client who died only
days ago (`decoy_recent_death`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo import errors
from joinedup.demo.rates import ERRORS, RULE_RATES, RecordingErrors
from joinedup.demo.sources import render
from joinedup.demo.sources.base import DMY, SourceOutput, SourceSpec, col, describe, write_csv
from joinedup.demo.sources.service_users import service_users
from joinedup.demo.world import World

NAME = "adult_social_care"
FILE = "adult_social_care.csv"
RULE = "care_package_after_death"
DAYS_SINCE_DEATH = 28
SERVICES = np.array(
    ["Home care", "Residential care", "Nursing care", "Day care", "Direct payment"], dtype=object
)
# Typical weekly costs (GBP) by service, in the order above.
WEEKLY_COST = np.array([320.0, 900.0, 1150.0, 160.0, 280.0])


def packages(world: World) -> pd.DataFrame:
    """Care packages: person, service, start, end (NaT while running), weekly cost."""
    rng = world.rng(NAME + ":packages")
    r = RULE_RATES
    users = service_users(world, rng, r.care_share_65_plus, r.care_share_adult, r.care_share_dead)
    person, dod, dead = users.person, users.dod, users.dead
    start = dt.uniform_between(users.seen_on - dt.years(4), users.seen_on - dt.days(30), rng)
    prompt = rng.random(dead) < r.care_ended_at_death
    end_dead = np.where(
        prompt,
        dod + dt.days(rng.integers(0, 14, dead)),
        np.where(rng.random(dead) < 0.5, dod + dt.days(rng.integers(60, 400, dead)), dt.NAT),
    ).astype("datetime64[D]")
    end_dead = np.where(end_dead > world.pop.as_of, dt.NAT, end_dead).astype("datetime64[D]")
    end = users.end_dates(end_dead)
    service = rng.integers(0, len(SERVICES), len(person))
    cost = np.round(WEEKLY_COST[service] * rng.uniform(0.6, 1.4, len(person)), 2)
    order = np.lexsort((person, start))
    return pd.DataFrame(
        {
            "person": person[order],
            "service": service[order],
            "start": start[order],
            "end": end[order],
            "weekly_cost": cost[order],
        }
    )


def build(
    world: World, out_dir: Path, rules: RecordingErrors = ERRORS[NAME]
) -> SourceOutput:
    rng = world.rng(NAME)
    pk = packages(world)
    person = pk["person"].to_numpy()
    n = len(person)
    p = world.pop.people
    prop = p["last_prop"].to_numpy()[person]
    f = render.person_fields(world, person, prop, rules, rng)
    forenames = np.where(f["middle"] != "", f["first"] + " " + f["middle"], f["first"])
    nhs = render.nhs_display(p["nhs"].to_numpy(dtype=object)[person], rng)
    number = ("ASC" + (400_000 + np.arange(n) * 3).astype(str).astype(object)).astype(object)
    frame = pd.DataFrame(
        {
            "Package ID": number,
            "Client Name": (f["surname"] + ", " + forenames).astype(object),
            "DOB": f["dob"],
            "NHS Number": errors.blank_where(nhs, rules.missing.get("NHS Number", 0), rng),
            "Address": f["address"],
            "Postcode": f["postcode"],
            "Service Type": SERVICES[pk["service"].to_numpy()],
            "Package Start": dt.fmt(pk["start"].to_numpy(), "dmy"),
            "Package End": dt.fmt(pk["end"].to_numpy(), "dmy"),
            "Weekly Cost": np.char.mod("%.2f", pk["weekly_cost"].to_numpy()),
        }
    )
    path = write_csv(frame, out_dir / FILE)
    records = pd.DataFrame({"record_key": number, "person": person, "prop": prop})
    truth = {RULE: _truth(world, number, person, dt.as_days(pk["end"].to_numpy()))}
    return SourceOutput(NAME, path, n, records, config=_config(world), truth=truth)


def _truth(world: World, number: np.ndarray, person: np.ndarray, end: np.ndarray) -> pd.DataFrame:
    today = world.pop.as_of
    grace = dt.days(DAYS_SINCE_DEATH)
    dod = dt.as_days(world.pop.people["dod"].to_numpy()[person])
    dead = ~np.isnat(dod) & (dod <= today)
    ended_in_time = ~np.isnat(end) & (end <= dod + grace)
    kind = np.select(
        [dead & ended_in_time, dead & (dod > today - grace), dead],
        ["decoy_ended", "decoy_recent_death", "fraud"],
        "",
    )
    return render.truth_rows(NAME, number, kind)


def _config(world: World) -> dict:
    return describe(
        world,
        description=(
            "Adult social care packages from the case management system: client, service, "
            "dates and weekly cost; NHS numbers where known."
        ),
        owner="Director of Adult Social Services",
        steward="Adult Social Care Systems Manager",
        system="Social care case management system",
        classification="OFFICIAL-SENSITIVE",
        lawful_basis=(
            "UK GDPR Art 6(1)(e) public task and Art 9(2)(h) health or social care: the Care "
            "Act 2014 (assessment, care and support, charging); the Health and Social Care "
            "Act 2012 s.251B duty to share for direct care; matching against deaths to stop "
            "payments for people who have died."
        ),
        retention="8 years after the last contact",
        refresh="Weekly",
        file=FILE,
        columns=[
            col("Package ID", "record_key", checks=["not_null", "unique"], required=True),
            col("Client Name", "full_name", parser="surname_comma_forenames", checks=["not_null"]),
            col("DOB", "date_of_birth", format=DMY, checks=["valid"]),
            col("NHS Number", "nhs_number", checks=["valid"]),
            col("Address", "address", checks=["not_null"]),
            col("Postcode", "postcode", checks=["valid"]),
            col("Service Type", "service_type", type="string", checks=["not_null"]),
            col("Package Start", "start_date", format=DMY, checks=["not_null", "valid"]),
            col("Package End", "end_date", format=DMY, checks=["valid"]),
            col("Weekly Cost", "weekly_cost", type="decimal", checks=["not_null"]),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
