"""The source systems of the synthetic council.

A source is a `SourceSpec`: a name and a function from the `World` to a written file plus
its truth (which person and property each row is about), its planted bad rows and its block
of `joinedup.yaml`, and, for the rules it feeds, the truth about every planted case and
decoy (`SourceOutput.truth`, written to truth/rule_<name>.csv). Adding a source is a new
module here and one line in `SOURCES`; a source draws from a random stream of its own, so
adding one never changes the files of the others.
"""

from __future__ import annotations

from joinedup.demo.sources import (
    adult_social_care,
    blue_badges,
    council_tax,
    creditor_payments,
    deaths,
    electoral_register,
    empty_homes,
    gazetteer,
    hmo_licences,
    housing_benefit,
    payroll,
    police_incidents,
    taxi_licences,
)
from joinedup.demo.sources.base import SourceOutput, SourceSpec

SOURCES: list[SourceSpec] = [
    gazetteer.SPEC,
    council_tax.SPEC,
    electoral_register.SPEC,
    deaths.SPEC,
    blue_badges.SPEC,
    housing_benefit.SPEC,
    payroll.SPEC,
    creditor_payments.SPEC,
    adult_social_care.SPEC,
    hmo_licences.SPEC,
    police_incidents.SPEC,
    taxi_licences.SPEC,
    empty_homes.SPEC,
]

__all__ = ["SOURCES", "SourceOutput", "SourceSpec"]
