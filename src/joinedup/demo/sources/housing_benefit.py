"""Housing benefit claims as the benefits system exports them: one row per person on a claim.

The claimant and their partner each have a row (role 'Claimant' or 'Partner') with the
earnings they declared; the claim's weekly award is on both rows. Names are written
'Mrs Jane A Smith', so a parser splits them. Truth for `housing_benefit_payroll` is decided
in `benefit_facts`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo import errors
from joinedup.demo.rates import ERRORS, RecordingErrors
from joinedup.demo.sources import render
from joinedup.demo.sources.base import DMY, SourceOutput, SourceSpec, col, describe, write_csv
from joinedup.demo.sources.benefit_facts import RULE, benefit_facts
from joinedup.demo.world import World

NAME = "housing_benefit"
FILE = "housing_benefit.csv"


def keys(claim: np.ndarray, role: np.ndarray) -> np.ndarray:
    return (claim.astype(str).astype(object) + "/" + role.astype(object)).astype(object)


def build(
    world: World, out_dir: Path, rules: RecordingErrors = ERRORS[NAME]
) -> SourceOutput:
    rng = world.rng(NAME)
    facts = benefit_facts(world)
    cp = facts.claim_people
    claims = facts.claims.set_index("claim")
    person = cp["person"].to_numpy()
    n = len(person)
    claim = cp["claim"].to_numpy()
    prop = claims["prop"].reindex(claim).to_numpy()
    p = world.pop.people
    f = render.person_fields(world, person, prop, rules, rng)
    title = p["title"].to_numpy(dtype=object)[person]
    name = np.where(title != "", title + " ", "") + f["first"]
    name = np.where(f["middle"] != "", name + " " + f["middle"].astype(str).astype(object), name)
    name = (name + " " + f["surname"]).astype(object)
    ni = errors.blank_where(
        p["ni"].to_numpy(dtype=object)[person], rules.missing.get("NI Number", 0), rng
    )
    key = keys(claim, cp["role"].to_numpy())
    frame = pd.DataFrame(
        {
            "Claim Ref": claim.astype(str).astype(object),
            "Person Ref": key,
            "Role": np.where(cp["role"].to_numpy() == "C", "Claimant", "Partner").astype(object),
            "Name": name,
            "DOB": f["dob"],
            "NI Number": ni,
            "Address": f["address"],
            "Postcode": f["postcode"],
            "Claim Start": dt.fmt(claims["start"].reindex(claim).to_numpy(), "dmy"),
            "Claim End": dt.fmt(claims["end"].reindex(claim).to_numpy(), "dmy"),
            "Weekly Award": np.char.mod("%.2f", claims["weekly_award"].reindex(claim).to_numpy()),
            "Declared Weekly Earnings": np.char.mod("%.2f", cp["declared_weekly"].to_numpy()),
        }
    )
    path = write_csv(frame, out_dir / FILE)
    records = pd.DataFrame({"record_key": key, "person": person, "prop": prop})
    t = facts.truth
    truth = pd.DataFrame(
        {
            "record_id": render.record_ids(NAME, keys(t["claim"].to_numpy(), t["role"].to_numpy())),
            "kind": t["kind"].to_numpy(dtype=object),
        }
    )
    return SourceOutput(NAME, path, n, records, config=_config(world), truth={RULE: truth})


def _config(world: World) -> dict:
    return describe(
        world,
        description=(
            "Housing benefit claims from the benefits system: one row for the claimant and one "
            "for any partner, with the claim's dates, weekly award and declared earnings."
        ),
        owner="Head of Revenues and Benefits",
        steward="Benefits Manager",
        system="Benefits system",
        lawful_basis=(
            "UK GDPR Art 6(1)(c) legal obligation and 6(1)(e) public task: the Social Security "
            "Contributions and Benefits Act 1992 and the Housing Benefit Regulations 2006; "
            "data matching to prevent and detect fraud under the Social Security "
            "Administration Act 1992 and the Local Audit and Accountability Act 2014 Sch. 9."
        ),
        retention="Claim end plus 6 years",
        refresh="Weekly",
        file=FILE,
        columns=[
            col("Claim Ref", "claim_ref", type="string", checks=["not_null"]),
            col("Person Ref", "record_key", checks=["not_null", "unique"], required=True),
            col("Role", "claim_role", type="string", checks=["not_null"]),
            col("Name", "full_name", parser="forenames_surname", checks=["not_null"]),
            col("DOB", "date_of_birth", format=DMY, checks=["valid"]),
            col("NI Number", "ni_number", checks=["valid"]),
            col("Address", "address", checks=["not_null"]),
            col("Postcode", "postcode", checks=["valid"]),
            col("Claim Start", "start_date", format=DMY, checks=["not_null", "valid"]),
            col("Claim End", "end_date", format=DMY, checks=["valid"]),
            col("Weekly Award", "weekly_award", type="decimal", checks=["not_null"]),
            col("Declared Weekly Earnings", "declared_weekly_earnings", type="decimal"),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
