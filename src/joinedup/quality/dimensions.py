"""Completeness, validity and uniqueness (three of DAMA UK's six dimensions) per field.

- completeness: the share of records with a usable value;
- validity: the share of values given that passed the field's standardiser (a malformed
  postcode, an NHS number failing its check digit);
- uniqueness: the share of usable values that are distinct.
A configured check (not_null, unique, valid) passes only when its dimension is 100%.
"""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.ingest.pipeline import ColumnProfile

CHECK_DIMENSION = {"not_null": "completeness", "unique": "uniqueness", "valid": "validity"}


@dataclass(frozen=True)
class DimensionScore:
    source: str
    column: str
    field: str
    dimension: str
    passed: int
    checked: int

    @property
    def score(self) -> float | None:
        return self.passed / self.checked if self.checked else None


@dataclass(frozen=True)
class CheckResult:
    source: str
    column: str
    check: str
    passed: bool
    failing: int


def score_profile(profile: ColumnProfile) -> list[DimensionScore]:
    def make(dimension: str, passed: int, checked: int) -> DimensionScore:
        return DimensionScore(
            profile.source, profile.column, profile.field, dimension, passed, checked
        )

    return [
        make("completeness", profile.filled, profile.records),
        make("validity", profile.valid, profile.provided),
        make("uniqueness", profile.distinct, profile.filled),
    ]


def run_checks(profile: ColumnProfile) -> list[CheckResult]:
    scores = {s.dimension: s for s in score_profile(profile)}
    results = []
    for check in profile.checks:
        score = scores[CHECK_DIMENSION[check]]
        failing = score.checked - score.passed
        results.append(CheckResult(profile.source, profile.column, check, failing == 0, failing))
    return results
