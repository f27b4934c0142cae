"""The council's payroll: one row per employment, current staff and leavers.

HR systems hold names as separate fields, dates of birth and NI numbers reliably, and the
home address the employee last gave. Pay is the monthly gross for the post.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo import errors
from joinedup.demo.rates import ERRORS, RecordingErrors
from joinedup.demo.sources import render
from joinedup.demo.sources.base import ISO, SourceOutput, SourceSpec, col, describe, write_csv
from joinedup.demo.sources.benefit_facts import benefit_facts
from joinedup.demo.world import World

NAME = "payroll"
FILE = "payroll.csv"


def build(world: World, out_dir: Path, rules: RecordingErrors = ERRORS[NAME]) -> SourceOutput:
    rng = world.rng(NAME)
    staff = benefit_facts(world).payroll
    person = staff["person"].to_numpy()
    p = world.pop.people
    prop = p["last_prop"].to_numpy()[person]
    f = render.person_fields(world, person, prop, rules, rng, date_style="iso")
    number = ("E" + staff["employee_no"].to_numpy().astype(str).astype(object)).astype(object)
    ni = errors.blank_where(
        p["ni"].to_numpy(dtype=object)[person], rules.missing.get("NI Number", 0), rng
    )
    frame = pd.DataFrame(
        {
            "Employee No": number,
            "Surname": f["surname"],
            "First Name": f["first"],
            "Middle Names": f["middle"],
            "Date of Birth": f["dob"],
            "NI Number": ni,
            "Home Address": f["address"],
            "Home Postcode": f["postcode"],
            "Start Date": dt.fmt(staff["start"].to_numpy(), "iso"),
            "Leaving Date": dt.fmt(staff["end"].to_numpy(), "iso"),
            "Monthly Gross Pay": np.char.mod("%.2f", staff["monthly_pay"].to_numpy()),
        }
    )
    path = write_csv(frame, out_dir / FILE)
    records = pd.DataFrame({"record_key": number, "person": person, "prop": prop})
    return SourceOutput(NAME, path, len(frame), records, config=_config(world))


def _config(world: World) -> dict:
    return describe(
        world,
        description="The council's payroll: employees and leavers, with monthly gross pay.",
        owner="Head of HR",
        steward="Payroll Manager",
        system="HR and payroll system",
        lawful_basis=(
            "UK GDPR Art 6(1)(b) contract and 6(1)(c) legal obligation (employment and tax); "
            "data matching for the prevention and detection of fraud under the Local Audit "
            "and Accountability Act 2014 Sch. 9, as staff privacy notices say."
        ),
        retention="Leaving date plus 6 years",
        refresh="Monthly",
        file=FILE,
        columns=[
            col("Employee No", "record_key", checks=["not_null", "unique"], required=True),
            col("Surname", "surname", checks=["not_null"]),
            col("First Name", "first_name", checks=["not_null"]),
            col("Middle Names", "middle_names"),
            col("Date of Birth", "date_of_birth", format=ISO, checks=["valid"]),
            col("NI Number", "ni_number", checks=["valid"]),
            col("Home Address", "address"),
            col("Home Postcode", "postcode", checks=["valid"]),
            col("Start Date", "start_date", format=ISO, checks=["not_null", "valid"]),
            col("Leaving Date", "end_date", format=ISO, checks=["valid"]),
            col("Monthly Gross Pay", "monthly_gross_pay", type="decimal", checks=["not_null"]),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
