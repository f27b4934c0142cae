"""What the hub hands to its readers (web, API, CLI): plain data, no store objects.

The web layer renders these; the hub builds them. Keeping them here lets both sides
change independently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class SourceSummary:
    name: str
    owner: str
    system: str | None
    classification: str
    rows_in: int
    records: int
    quarantined: int
    completeness: float | None  # mean over mapped fields, 0..1
    validity: float | None


@dataclass
class Dashboard:
    hub_name: str
    organisation: str
    run_id: str | None
    run_finished_at: datetime | None
    as_of: date | None
    sources: list[SourceSummary]
    people: int  # person entities
    properties: int  # gazetteer UPRNs
    matches_by_rule: dict[str, int]
    total_estimated_value: float


@dataclass
class RecordView:
    """One source record as evidence; personal fields, so only shown after the policy gate."""

    source: str
    record_key: str
    entity_id: str | None
    name: str
    date_of_birth: date | None
    address: str | None
    postcode: str | None
    uprn: str | None
    uprn_method: str | None  # given, exact, model, ...
    details: dict[str, str] = field(default_factory=dict)  # e.g. {"Discount": "SPD"}


@dataclass
class LinkEvidence:
    """Why two records are the same person, in plain English."""

    left: str  # record id "source:key"
    right: str
    match_probability: float
    match_weight: float
    reasons: list[str]  # e.g. ["same date of birth: +8.1", "similar surname: +4.2"]
    same_entity: bool = True  # False: the hub scored the pair and kept them apart


@dataclass
class MatchSummary:
    match_key: str  # stable across runs: the same finding keeps the same key
    rule: str
    rule_title: str
    uprn: str | None
    address: str | None
    score: float
    estimated_value: float
    first_found_run: str | None
    case_status: str  # open, under_review, closed
    case_outcome: str | None  # fraud, error, no_issue


@dataclass
class MatchDetail:
    summary: MatchSummary
    description: str  # plain-English statement of the finding
    why: list[str]  # plain-English reasons the rule fired
    records: list[RecordView]
    links: list[LinkEvidence]
    value_basis: str  # how the estimated value was worked out
