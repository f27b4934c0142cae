"""Blue badges issued by the council, as the badge system exports them (a CSV).

Most holders are older residents. Some holders died in the last three years: their badge
was usually cancelled once the council heard, but not always. A badge lasts up to three
years (Disabled Persons (Badges for Motor Vehicles) (England) Regulations 2000, reg. 6), so
some badges of people who died ran out on their own.

Truth for the rule `blue_badge_after_death`: a badge is a case ('fraud') when its holder
died more than `DAYS_SINCE_DEATH` days before the extract, it was not cancelled and has not
expired; look-alikes are the holder who died only days ago (`decoy_recent_death`), the badge
cancelled after death (`decoy_cancelled`) and the badge that expired (`decoy_expired`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.rates import ERRORS, RULE_RATES, RecordingErrors
from joinedup.demo.sources import render
from joinedup.demo.sources.base import DMY, SourceOutput, SourceSpec, col, describe, write_csv
from joinedup.demo.sources.service_users import service_users
from joinedup.demo.world import World

NAME = "blue_badges"
FILE = "blue_badges.csv"
RULE = "blue_badge_after_death"
DAYS_SINCE_DEATH = 28  # the rule's default: a month to hear of a death and cancel
BADGE_YEARS = 3


def holders(world: World) -> pd.DataFrame:
    """Who holds (or held) a badge: person, issue date, cancellation date (NaT if none)."""
    rng = world.rng(NAME + ":holders")
    r = RULE_RATES
    users = service_users(
        world, rng, r.badge_share_65_plus, r.badge_share_adult, r.badge_share_dead
    )
    person, seen_on = users.person, users.seen_on
    issued = dt.uniform_between(
        seen_on - dt.years(BADGE_YEARS) + dt.days(1), seen_on - dt.days(7), rng
    )
    cancel_on = users.dod + dt.days(rng.integers(5, 150, users.dead))
    cancelled = (rng.random(users.dead) < r.badge_cancelled_after_death) & (
        cancel_on <= world.pop.as_of
    )
    cancel = users.end_dates(np.where(cancelled, cancel_on, dt.NAT))
    order = np.lexsort((person, issued))
    return pd.DataFrame(
        {"person": person[order], "issued": issued[order], "cancelled": cancel[order]}
    )


def build(world: World, out_dir: Path, rules: RecordingErrors = ERRORS[NAME]) -> SourceOutput:
    rng = world.rng(NAME)
    badges = holders(world)
    person = badges["person"].to_numpy()
    n = len(person)
    p = world.pop.people
    prop = p["last_prop"].to_numpy()[person]
    issued = dt.as_days(badges["issued"].to_numpy())
    expiry = dt.as_days(dt.add_years(issued, BADGE_YEARS)) - dt.days(1)
    cancelled = dt.as_days(badges["cancelled"].to_numpy())
    number = "BB" + np.char.zfill((100_000 + np.arange(n) * 7).astype(str), 7).astype(object)
    f = render.person_fields(world, person, prop, rules, rng)
    status = np.where(
        ~np.isnat(cancelled), "Cancelled", np.where(expiry < world.pop.as_of, "Expired", "Issued")
    )
    reason = np.where(~np.isnat(cancelled), "Holder deceased", "")
    frame = pd.DataFrame(
        {
            "Badge Number": number,
            "Surname": f["surname"],
            "Forenames": np.where(f["middle"] != "", f["first"] + " " + f["middle"], f["first"]),
            "Date of Birth": f["dob"],
            "Address": f["address"],
            "Postcode": f["postcode"],
            "Issue Date": dt.fmt(issued, "dmy"),
            "Expiry Date": dt.fmt(expiry, "dmy"),
            "Badge Status": status.astype(object),
            "Cancelled Date": dt.fmt(cancelled, "dmy"),
            "Cancellation Reason": reason.astype(object),
        }
    )
    path = write_csv(frame, out_dir / FILE)
    records = pd.DataFrame({"record_key": number, "person": person, "prop": prop})
    truth = {RULE: _truth(world, number, person, expiry, cancelled)}
    return SourceOutput(NAME, path, n, records, config=_config(world), truth=truth)


def _truth(
    world: World, number: np.ndarray, person: np.ndarray, expiry: np.ndarray, cancelled
) -> pd.DataFrame:
    today = world.pop.as_of
    dod = dt.as_days(world.pop.people["dod"].to_numpy()[person])
    dead = ~np.isnat(dod) & (dod <= today)
    live_badge = np.isnat(cancelled) | (cancelled > today)
    kind = np.select(
        [
            dead & ~live_badge,
            dead & (expiry < today),
            dead & (dod > today - dt.days(DAYS_SINCE_DEATH)),
            dead,
        ],
        ["decoy_cancelled", "decoy_expired", "decoy_recent_death", "fraud"],
        "",
    )
    return render.truth_rows(NAME, number, kind)


def _config(world: World) -> dict:
    return describe(
        world,
        description=(
            "Blue badges (disabled persons' parking badges) issued by the council: holder, "
            "address, issue and expiry dates, and cancellations."
        ),
        owner="Head of Customer Services",
        steward="Blue Badge Team Leader",
        system="Blue badge system",
        lawful_basis=(
            "UK GDPR Art 6(1)(e) public task and Art 9(2)(g) substantial public interest: the "
            "Chronically Sick and Disabled Persons Act 1970 s.21 and the Disabled Persons "
            "(Badges for Motor Vehicles) (England) Regulations 2000; badges of holders who "
            "have died must be returned and are cancelled to prevent misuse."
        ),
        retention="Life of the badge plus 6 years",
        refresh="Weekly",
        file=FILE,
        columns=[
            col("Badge Number", "record_key", checks=["not_null", "unique"], required=True),
            col("Surname", "surname", checks=["not_null"]),
            col("Forenames", "first_name", checks=["not_null"]),
            col("Date of Birth", "date_of_birth", format=DMY, checks=["valid"]),
            col("Address", "address", checks=["not_null"]),
            col("Postcode", "postcode", checks=["valid"]),
            col("Issue Date", "start_date", format=DMY, checks=["not_null", "valid"]),
            col("Expiry Date", "expiry_date", type="date", format=DMY, checks=["valid"]),
            col("Badge Status", "badge_status", type="string"),
            col("Cancelled Date", "end_date", format=DMY, checks=["valid"]),
            col("Cancellation Reason", "cancellation_reason", type="string"),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
