"""The business case for a council's data project, written from what the hub measured.

Every number in it comes from the last good run and the case outcomes in the operational
store (matches, their estimated values, confirmed outcomes, amounts recovered), or from an
assumption that is named as one, with its value and where it came from, so a finance
director can replace it. `gather` collects the facts; `business_case_document` writes
the plain-English case around them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from joinedup.fields import CANONICAL_FIELDS
from joinedup.reports.document import (
    BarChart,
    Bullets,
    Document,
    Paragraph,
    Table,
    count,
    money,
    pct,
)

CONFIRMED = ("fraud", "error")
QUALITY_FLOOR = 0.95  # fields scoring below this are listed as data issues
MIN_CLOSED_FOR_RATE = 10  # closed cases needed before the measured hit rate is used
ICO_HIGH_RISK = (
    "https://ico.org.uk/for-organisations/uk-gdpr-guidance-and-resources/"
    "accountability-and-governance/data-protection-impact-assessments-dpias/"
    "examples-of-processing-likely-to-result-in-high-risk/"
)


class AssumptionsError(ValueError):
    """The assumptions file names an assumption that does not exist or gives a bad value."""


@dataclass
class Assumption:
    key: str
    label: str
    value: float
    unit: str
    source: str


# Defaults a council replaces with its own figures (`--assumptions FILE`). Each says where
# it comes from; none is presented as measured.
DEFAULT_ASSUMPTIONS = [
    Assumption(
        "review_minutes_per_match",
        "Officer time to review one match",
        45,
        "minutes",
        "assumption: JoinedUp's planning figure for a desk review of one match with its "
        "evidence on screen; measure your own from the first 50 cases",
    ),
    Assumption(
        "staff_cost_per_hour",
        "Cost of an officer hour",
        32,
        "£ per hour",
        "assumption: about £40,000 a year salary plus about 30% on-costs, over about 1,650 "
        "working hours; replace with your own grade",
    ),
    Assumption(
        "expected_hit_rate",
        "Share of matches expected to be confirmed (before cases are closed)",
        0.3,
        "share",
        "assumption used only until at least 10 cases are closed; then the measured rate "
        "replaces it",
    ),
    Assumption(
        "setup_days",
        "Project team days to set up the hub",
        40,
        "days",
        "assumption: an analyst and an engineer for four weeks to configure sources, "
        "owners, agreements and rules",
    ),
    Assumption(
        "day_rate",
        "Cost of a project team day",
        400,
        "£ per day",
        "assumption: a blended internal analyst and engineer day including on-costs",
    ),
    Assumption(
        "running_cost_per_year",
        "Hosting and support per year",
        6000,
        "£ per year",
        "assumption: a modest server or cloud instance and a few days of support; "
        "JoinedUp itself has no licence fee (open source)",
    ),
]


def load_assumptions(path: Path | None) -> dict[str, Assumption]:
    found = {a.key: Assumption(**a.__dict__) for a in DEFAULT_ASSUMPTIONS}
    if path is None:
        return found
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise AssumptionsError("the assumptions file must be a mapping of name: value")
    for key, value in data.items():
        if key not in found:
            raise AssumptionsError(f"unknown assumption {key!r}; known: {', '.join(sorted(found))}")
        if isinstance(value, dict):
            number, source = value.get("value"), value.get("source", "the council's own figure")
        else:
            number, source = value, "the council's own figure"
        if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
            raise AssumptionsError(f"assumption {key!r} must be a number, zero or more")
        found[key].value = float(number)
        found[key].source = str(source)
    return found


@dataclass
class RuleBenefit:
    rule: str
    title: str
    matches: int
    unit_value: float  # mean estimated value of one match
    value_basis: str
    open_cases: int
    closed: int
    confirmed: int
    no_issue: int
    estimated_total: float
    confirmed_estimated: float  # estimated value of confirmed matches
    realised: float  # amounts recovered and prevented, as recorded on cases

    @property
    def hit_rate(self) -> float | None:
        return self.confirmed / self.closed if self.closed else None


@dataclass
class Facts:
    organisation: str
    hub_name: str
    as_of: date | None
    run_id: str | None
    sources: list[dict[str, Any]]
    people: int
    properties: int
    rules: list[RuleBenefit]
    quality_issues: list[tuple[str, str, str, float]]  # source, field, dimension, score
    personal_categories: dict[str, list[str]]  # source -> categories
    realised_by_month: list[tuple[str, int, int, float]]  # month, closed, confirmed, £
    agreements: int
    assumptions: dict[str, Assumption] = field(default_factory=dict)

    @property
    def matches(self) -> int:
        return sum(r.matches for r in self.rules)

    @property
    def closed(self) -> int:
        return sum(r.closed for r in self.rules)

    @property
    def confirmed(self) -> int:
        return sum(r.confirmed for r in self.rules)

    @property
    def hit_rate(self) -> tuple[float, str]:
        """The share of matches expected to be confirmed, and whether it was measured."""
        if self.closed >= MIN_CLOSED_FOR_RATE:
            return self.confirmed / self.closed, "measured"
        return self.assumptions["expected_hit_rate"].value, "assumed"

    @property
    def forecast(self) -> float:
        rate, _ = self.hit_rate
        return sum(r.estimated_total for r in self.rules) * rate

    @property
    def realised(self) -> float:
        return sum(r.realised for r in self.rules)

    def cost(self, key: str) -> float:
        return self.assumptions[key].value

    @property
    def review_cost(self) -> float:
        hours = self.matches * self.cost("review_minutes_per_match") / 60
        return hours * self.cost("staff_cost_per_hour")

    @property
    def setup_cost(self) -> float:
        return self.cost("setup_days") * self.cost("day_rate")


def gather(hub, assumptions: dict[str, Assumption] | None = None) -> Facts:  # type: ignore[no-untyped-def]
    """Collect the measured facts from a hub's last good run and its cases."""
    from joinedup.rules.model import load_library
    from joinedup.store.cases import Case

    assumptions = assumptions or load_assumptions(None)
    dash = hub.dashboard()
    matches = hub.list_matches()
    library = load_library()
    with hub.store.session() as session:
        cases = {c.match_key: c for c in session.scalars(select(Case))}
        agreements = _count_agreements(session)
    per_rule: dict[str, list] = defaultdict(list)
    for match in matches:
        per_rule[match.rule].append(match)
    rules = []
    for rule, found in sorted(per_rule.items()):
        closed = [m for m in found if m.case_status == "closed"]
        confirmed = [m for m in closed if m.case_outcome in CONFIRMED]
        realised = 0.0
        for m in confirmed:
            case = cases.get(m.match_key)
            if case is not None:
                realised += (case.amount_recovered or 0.0) + (case.amount_prevented or 0.0)
        total = sum(m.estimated_value for m in found)
        definition = library.get(rule)
        rules.append(
            RuleBenefit(
                rule=rule,
                title=found[0].rule_title,
                matches=len(found),
                unit_value=total / len(found),
                value_basis=" ".join((definition.value_basis or "").split()) if definition else "",
                open_cases=len(found) - len(closed),
                closed=len(closed),
                confirmed=len(confirmed),
                no_issue=sum(1 for m in closed if m.case_outcome == "no_issue"),
                estimated_total=total,
                confirmed_estimated=sum(m.estimated_value for m in confirmed),
                realised=realised,
            )
        )
    quality = [
        (q.source, q.field, q.dimension, float(q.score))
        for q in hub.quality()
        if q.score is not None
        and q.score < QUALITY_FLOOR
        and _matters(hub.config, q.source, q.field, q.dimension)
    ]
    categories: dict[str, list[str]] = {}
    sources = []
    for name, cfg in hub.config.sources.items():
        fields = [c.field for c in cfg.columns]
        found_categories = sorted(
            {
                CANONICAL_FIELDS[f].personal.replace("_", " ")
                for f in fields
                if f in CANONICAL_FIELDS and CANONICAL_FIELDS[f].personal != "none"
            }
        )
        categories[name] = found_categories
        summary = next((s for s in dash.sources if s.name == name), None)
        sources.append(
            {
                "name": name,
                "owner": cfg.owner,
                "steward": cfg.steward or "-",
                "system": cfg.system or "-",
                "lawful_basis": cfg.lawful_basis,
                "retention": cfg.retention,
                "classification": cfg.classification,
                "entity": cfg.entity,
                "rows_in": summary.rows_in if summary else 0,
                "records": summary.records if summary else 0,
                "quarantined": summary.quarantined if summary else 0,
                "completeness": summary.completeness if summary else None,
                "validity": summary.validity if summary else None,
            }
        )
    by_month: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for case in cases.values():
        if case.status != "closed":
            continue
        month = case.updated_at.strftime("%Y-%m")
        by_month[month][0] += 1
        if case.outcome in CONFIRMED:
            by_month[month][1] += 1
            by_month[month][2] += (case.amount_recovered or 0.0) + (case.amount_prevented or 0.0)
    realised_by_month = [
        (month, int(v[0]), int(v[1]), float(v[2])) for month, v in sorted(by_month.items())
    ]
    return Facts(
        organisation=dash.organisation,
        hub_name=dash.hub_name,
        as_of=dash.as_of,
        run_id=dash.run_id,
        sources=sources,
        people=dash.people,
        properties=dash.properties,
        rules=rules,
        quality_issues=quality,
        personal_categories=categories,
        realised_by_month=realised_by_month,
        agreements=agreements,
        assumptions=assumptions,
    )


# Fields whose gaps weaken linking: a missing value here means a missed or weaker match.
_LINK_FIELDS = {
    "record_key", "uprn", "postcode", "date_of_birth", "nhs_number", "ni_number",
    "surname", "first_name", "full_name", "address", "address_line_1",
}  # fmt: skip


def _matters(config, source: str, column: str, dimension: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether a low score is a data issue: any validity gap; completeness of a required or
    linking field; uniqueness of a field meant to be unique. Many people share a surname
    and most optional columns are half empty, and neither is a problem."""
    cfg = config.sources.get(source)
    mapping = next((c for c in cfg.columns if c.column == column), None) if cfg else None
    if dimension == "validity":
        return True
    if mapping is None:
        return False
    if dimension == "completeness":
        return mapping.required or "not_null" in mapping.checks or mapping.field in _LINK_FIELDS
    if dimension == "uniqueness":
        return "unique" in mapping.checks or mapping.field == cfg.key
    return True


def _count_agreements(session) -> int:  # type: ignore[no-untyped-def]
    """Data sharing agreements in the store; 0 where the store has none (older schema)."""
    try:
        from sqlalchemy import func

        from joinedup.store.agreements import Agreement

        return int(session.scalar(select(func.count()).select_from(Agreement)) or 0)
    except Exception:  # the agreements table may not exist in an older store
        session.rollback()
        return 0


# --- the document -----------------------------------------------------------------------


def business_case_document(facts: Facts) -> Document:
    f = facts
    rate, rate_kind = f.hit_rate
    first_year_cost = f.setup_cost + f.cost("running_cost_per_year") + f.review_cost
    net = f.forecast - first_year_cost
    people_sources = [s for s in f.sources if f.personal_categories.get(s["name"])]
    as_of = f"{f.as_of:%d %B %Y}" if f.as_of else "no run yet"
    doc = Document(
        title=f"Business case: joining up {f.organisation}'s data",
        subtitle=f"Written by JoinedUp from the run of {as_of} and the cases worked since",
        footer=(
            "Measured figures come from the hub's last good run and case records; every "
            "assumption is listed with its value and source in 'Costs' and can be replaced "
            "with `joinedup business-case --assumptions FILE`. Terms are explained in the "
            "JoinedUp glossary."
        ),
    )
    doc.summary = [
        f"The hub brought together {len(f.sources)} sources about {count(f.people)} people "
        f"and {count(f.properties)} properties, and found {count(f.matches)} matches worth "
        f"a review, with an estimated value of {money(sum(r.estimated_total for r in f.rules))}.",
        f"Expected benefit from this run: {money(f.forecast)} ({pct(rate)} of matches "
        f"confirmed, {rate_kind}); realised so far: {money(f.realised)} from "
        f"{count(f.confirmed)} confirmed case(s).",
        f"First-year cost: {money(first_year_cost)}; net first-year benefit {money(net)}.",
    ]

    purpose = doc.section("Purpose and measurable outcomes")
    purpose.add(
        Paragraph(
            f"{f.organisation} holds records about the same people and properties in "
            "separate systems. When one service learns that someone has moved, died or "
            "is living with another adult, the others often do not. This project joins "
            "those records up, safely, so the council can collect what it is owed, stop "
            "paying what it should not, and help people sooner."
        ),
        Table(
            ["Outcome", "Measure", "Now"],
            [
                ["Money recovered or prevented", "£ from confirmed cases", money(f.realised)],
                ["Matches reviewed", "cases closed", f"{count(f.closed)} of {count(f.matches)}"],
                [
                    "Accuracy of matches",
                    "share of closed cases confirmed",
                    pct(f.confirmed / f.closed) if f.closed else "no cases closed yet",
                ],
                [
                    "Data quality",
                    "fields below 95% (completeness, validity, uniqueness)",
                    count(len(f.quality_issues)),
                ],
                [
                    "Records linked",
                    "people known to more than one service",
                    "see the hub's dashboard",
                ],
            ],
        ),
    )

    stake = doc.section("Stakeholders")
    stake.add(
        Table(
            ["Who", "Their interest", "What they need from the project"],
            [
                [
                    "Service managers and data owners",
                    "their data, their decisions",
                    "quality reports; a say in what is matched",
                ],
                ["IT", "systems, hosting, security", "a supported platform; regular extracts"],
                [
                    "Legal and the Data Protection Officer",
                    "lawfulness and rights",
                    "lawful bases, agreements, DPIA, audit trail",
                ],
                [
                    "Internal audit and counter-fraud",
                    "assurance and recovery",
                    "evidence behind every match; outcomes recorded",
                ],
                [
                    "Finance (section 151 officer)",
                    "savings and costs",
                    "forecast against actual, every quarter",
                ],
                [
                    "Partners (police, NHS, other councils)",
                    "shared outcomes",
                    "agreements that say what is shared and why",
                ],
                [
                    "Residents",
                    "fair, accurate and private treatment",
                    "transparency; people decide, not the computer",
                ],
            ],
        )
    )

    found = doc.section("What the discovery found")
    found.add(
        Table(
            ["Source", "Owner", "Rows in", "Loaded", "Set aside", "Completeness", "Validity"],
            [
                [
                    s["name"],
                    s["owner"],
                    count(s["rows_in"]),
                    count(s["records"]),
                    count(s["quarantined"]),
                    pct(s["completeness"]),
                    pct(s["validity"]),
                ]
                for s in f.sources
            ],
            caption="Sources, owners and quality (set aside: rows that could not be loaded)",
            numeric=(2, 3, 4, 5, 6),
        )
    )
    if f.quality_issues:
        found.add(
            Paragraph(f"Data issues: fields scoring below {QUALITY_FLOOR:.0%}."),
            Table(
                ["Source", "Field", "Dimension", "Score"],
                [[s, fld, d, pct(v)] for s, fld, d, v in f.quality_issues[:25]],
                numeric=(3,),
            ),
        )
    found.add(
        Paragraph("Personal data by source, and the lawful basis recorded for it:"),
        Table(
            ["Source", "Personal data", "Lawful basis", "Retention"],
            [
                [
                    s["name"],
                    ", ".join(f.personal_categories.get(s["name"], [])) or "none",
                    s["lawful_basis"] or "NOT RECORDED",
                    s["retention"] or "NOT RECORDED",
                ]
                for s in f.sources
            ],
        ),
    )
    missing_basis = [s["name"] for s in people_sources if not s["lawful_basis"]]
    screening = [
        [
            "Matches personal data from several sources",
            "yes" if len(people_sources) > 1 else "no",
            "the ICO lists data matching as likely high risk: a DPIA is required",
        ],
        [
            "Large scale (thousands of people)",
            "yes" if f.people >= 1000 else "no",
            f"{count(f.people)} people in the hub",
        ],
        [
            "Decisions about people's access to a service or benefit",
            "yes",
            "matches lead to reviews of discounts and benefits; people decide (UK GDPR Art. 22)",
        ],
        [
            "Lawful basis recorded for every source with personal data",
            "no" if missing_basis else "yes",
            ("missing for " + ", ".join(missing_basis))
            if missing_basis
            else "recorded in joinedup.yaml",
        ],
        [
            "Data sharing agreements in place",
            "yes" if f.agreements else "not yet",
            f"{f.agreements} agreement(s) recorded in the hub",
        ],
    ]
    found.add(
        Paragraph(
            "DPIA screening, after the ICO's list of processing likely to result in high risk "
            f"({ICO_HIGH_RISK}). Conclusion: a full data protection impact assessment is "
            "required before the matches are worked, and should be reviewed each year."
        ),
        Table(["Question", "Answer", "Why"], screening),
    )

    steps = doc.section("Quick wins and longer-term steps")
    quick = [
        f"Review the {count(r.matches)} '{r.title}' matches, worth about {money(r.unit_value)} "
        "each, starting with the highest value."
        for r in f.rules
    ]
    quick += [
        f"Ask the owner of {s} to fix {fld} ({dim} {pct(v)})."
        for s, fld, dim, v in sorted(f.quality_issues, key=lambda q: q[3])[:3]
    ]
    steps.add(
        Paragraph("Quick wins (the next three months):"),
        Bullets(quick or ["Run the hub on the council's own extracts."]),
        Paragraph("Longer-term steps (the next one to two years):"),
        Bullets(
            [
                "Add the sources that widen the picture: housing, benefits, payroll, "
                "blue badges, adult social care, with agreements for partner data.",
                "Fix data at source: UPRNs and dates of birth recorded in every system.",
                "Turn one-off matches into a regular service, run every quarter, with "
                "outcomes fed back to improve the rules.",
                "Use linked data for prevention (people at risk, stale records) as well as "
                "for fraud and error, under agreed purposes.",
            ]
        ),
    )

    benefits = doc.section("Benefits")
    benefits.add(
        Paragraph(
            "Quantified benefits from the matches this run found. Unit value: the average "
            "estimated value of one match, worked out as the rule's value basis says. "
            f"Expected: matches × unit value × the confirmation rate ({pct(rate)}, {rate_kind})."
        ),
        Table(
            [
                "Benefit",
                "Matches",
                "Unit value",
                "How the unit value is worked out",
                "Expected",
                "Confirmed so far",
                "Realised (£ recorded)",
            ],
            [
                [
                    r.title,
                    count(r.matches),
                    money(r.unit_value),
                    r.value_basis or "-",
                    money(r.estimated_total * rate),
                    count(r.confirmed),
                    money(r.realised),
                ]
                for r in f.rules
            ],
            numeric=(1, 2, 4, 5, 6),
        ),
        Paragraph(
            "Softer benefits, not counted above: fewer letters and bills sent to people who "
            "have died; services that know when someone has moved; earlier help for people "
            "at risk; staff time saved by not re-keying and cross-checking by hand; better "
            "data quality for every service; and public trust from lawful, explained use of "
            "data."
        ),
    )
    over_time = benefits
    if f.realised_by_month:
        running = 0.0
        rows = []
        bars = []
        for month, closed, confirmed, amount in f.realised_by_month:
            running += amount
            rows.append([month, count(closed), count(confirmed), money(amount), money(running)])
            bars.append((month, running))
        over_time.add(
            Paragraph(
                f"Benefits realised over time, against the forecast of {money(f.forecast)} "
                "for this run:"
            ),
            Table(
                ["Month", "Cases closed", "Confirmed", "Realised", "Cumulative"],
                rows,
                numeric=(1, 2, 3, 4),
            ),
            BarChart(
                "Cumulative benefit realised (£)",
                bars,
                marker=f.forecast or None,
                marker_label="forecast",
                unit="£",
                scale_max=max(f.forecast, running) or None,
            ),
        )
    else:
        over_time.add(
            Paragraph(
                "No cases are closed yet, so no benefit is realised. Each case closed as fraud "
                "or error, with the amount recovered or prevented, adds to this section."
            )
        )
    over_time.add(
        Table(
            ["Rule", "Forecast", "Confirmed (estimated value)", "Realised (recorded)"],
            [
                [
                    r.title,
                    money(r.estimated_total * rate),
                    money(r.confirmed_estimated),
                    money(r.realised),
                ]
                for r in f.rules
            ],
            caption="Forecast against actual",
            numeric=(1, 2, 3),
        )
    )

    costs = doc.section("Costs")
    hours = f.matches * f.cost("review_minutes_per_match") / 60
    costs.add(
        Table(
            ["Cost", "First year", "How it is worked out"],
            [
                [
                    "Set-up",
                    money(f.setup_cost),
                    f"{f.cost('setup_days'):.0f} days × {money(f.cost('day_rate'))}",
                ],
                ["Running", money(f.cost("running_cost_per_year")), "hosting and support"],
                [
                    "Reviewing this run's matches",
                    money(f.review_cost),
                    f"{count(f.matches)} matches × "
                    f"{f.cost('review_minutes_per_match'):.0f} minutes = {hours:,.0f} hours × "
                    f"{money(f.cost('staff_cost_per_hour'))}",
                ],
                ["Total", money(first_year_cost), ""],
            ],
            numeric=(1,),
        ),
        Table(
            ["Assumption", "Value", "Unit", "Source"],
            [[a.label, f"{a.value:g}", a.unit, a.source] for a in f.assumptions.values()],
            caption="Assumptions (replace with your own)",
        ),
    )

    risks = doc.section("Risks")
    no_issue_rate = sum(r.no_issue for r in f.rules) / f.closed if f.closed else None
    risks.add(
        Table(
            ["Risk", "Likelihood", "Impact", "Mitigation"],
            [
                [
                    "A match is wrong and a resident is treated unfairly",
                    "medium" if no_issue_rate is None or no_issue_rate > 0.2 else "low",
                    "high",
                    "every match is reviewed by a person with the evidence; outcomes recorded; "
                    + (
                        f"{pct(no_issue_rate)} of closed cases found no issue"
                        if no_issue_rate is not None
                        else "no cases closed yet"
                    ),
                ],
                [
                    "Poor data quality hides real matches or creates false ones",
                    "high" if len(f.quality_issues) > 5 else "medium",
                    "medium",
                    f"{len(f.quality_issues)} field(s) below {QUALITY_FLOOR:.0%}; owners fix at "
                    "source; quality tracked each run",
                ],
                [
                    "Data shared or used beyond its purpose",
                    "low",
                    "high",
                    "agreements with purposes; role- and purpose-based access; audit trail",
                ],
                [
                    "Security breach of the joined-up data",
                    "low",
                    "high",
                    "pseudonymised analysis; least privilege; encryption; retention applied",
                ],
                [
                    "Benefits are not realised because cases are not worked",
                    "medium",
                    "medium",
                    "named case owners; forecast against actual reported quarterly",
                ],
                [
                    "Key staff leave",
                    "medium",
                    "medium",
                    "config as code, documented; open source with no lock-in",
                ],
                [
                    "Loss of public trust",
                    "low",
                    "high",
                    "privacy notices updated; DPIA published in summary; people decide",
                ],
            ],
        )
    )

    gov = doc.section("Governance and roles")
    gov.add(
        Table(
            ["Role", "Who", "Responsible for"],
            [["Information asset owner", s["owner"], f"the {s['name']} data"] for s in f.sources]
            + [
                [
                    "Senior Information Risk Owner (SIRO)",
                    "to be named",
                    "information risk across the project",
                ],
                [
                    "Data Protection Officer (DPO)",
                    "to be named",
                    "advice on the DPIA, lawful bases and rights",
                ],
                [
                    "Caldicott guardian",
                    "to be named",
                    "use of health and social care data, if added",
                ],
                ["Project sponsor", "to be named", "benefits and budget"],
            ],
        )
    )

    comms = doc.section("Communications plan")
    comms.add(
        Table(
            ["Audience", "Message", "How", "When"],
            [
                [
                    "Leadership team",
                    "benefits, costs, risks",
                    "this business case; quarterly report",
                    "before approval; then quarterly",
                ],
                [
                    "Data owners",
                    "quality of their data and what was found",
                    "quality report from the hub",
                    "each run",
                ],
                [
                    "Staff working cases",
                    "how to review a match fairly",
                    "training and guidance",
                    "before cases open",
                ],
                [
                    "Partners",
                    "what is shared and why",
                    "data sharing agreements",
                    "before any sharing",
                ],
                [
                    "Residents",
                    "how their data is used and their rights",
                    "privacy notice; council website",
                    "before the first run on live data",
                ],
                ["Councillors", "outcomes and safeguards", "committee report", "twice a year"],
            ],
        )
    )

    ceo = doc.section("Questions a chief executive will ask")
    ceo.add(
        Table(
            ["Question", "Answer"],
            [
                [
                    "How much will it save?",
                    f"About {money(f.forecast)} from this run's matches ({rate_kind} confirmation "
                    f"rate {pct(rate)}); {money(f.realised)} realised so far.",
                ],
                [
                    "What does it cost?",
                    f"{money(first_year_cost)} in the first year, then "
                    f"{money(f.cost('running_cost_per_year'))} a year plus case review time.",
                ],
                [
                    "How sure are we?",
                    f"{count(f.closed)} case(s) closed: {count(f.confirmed)} confirmed"
                    + (f" ({pct(f.confirmed / f.closed)})." if f.closed else ".")
                    + " Every match shows its evidence; a person decides.",
                ],
                [
                    "Is it legal?",
                    "Lawful bases are recorded for "
                    f"{len(people_sources) - len(missing_basis)} of {len(people_sources)} sources "
                    "with personal data; a DPIA is required (see the screening).",
                ],
                [
                    "How good is our data?",
                    f"{len(f.quality_issues)} field(s) fall below {QUALITY_FLOOR:.0%} on "
                    "completeness, validity or uniqueness; see 'What the discovery found'.",
                ],
                [
                    "When do we see the money?",
                    "As cases close: the first cases can close within weeks of the first run.",
                ],
                [
                    "What if we do nothing?",
                    f"The {count(f.matches)} matches stay unreviewed and grow with each year; "
                    "services keep working from records that disagree.",
                ],
                [
                    "Who is accountable?",
                    "Each source's information asset owner (listed under 'Governance and roles'), "
                    "the SIRO for information risk, and the project sponsor for benefits.",
                ],
            ],
        )
    )
    return doc
