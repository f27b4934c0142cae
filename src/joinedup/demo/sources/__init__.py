"""The source systems of the synthetic council.

A source is a `SourceSpec`: a name and a function from the `World` to a written file plus
its truth (which person and property each row is about), its planted bad rows and its block
of `joinedup.yaml`. Adding housing benefit, payroll or blue badges is a new module here and
one line in `SOURCES`.
"""

from __future__ import annotations

from joinedup.demo.sources import (
    adult_social_care,
    blue_badges,
    council_tax,
    creditor_payments,
    deaths,
    electoral_register,
    gazetteer,
    housing_benefit,
    payroll,
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
]

__all__ = ["SOURCES", "SourceOutput", "SourceSpec"]
