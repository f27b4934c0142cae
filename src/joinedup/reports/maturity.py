"""A data maturity self-assessment on the themes of the local government data maturity model.

The themes are those of the Local Government Association's Local Government Data Maturity
Model, refreshed in 2023 with Emerging Field and Porism (https://www.local.gov.uk/
publications/local-government-data-maturity-model): culture and structure, leadership and
strategy, the data lifecycle (plan and design; collect or acquire, and ingest; prepare,
store and maintain; use and process; share and publish; archive and destroy), systems and
tools, skills and capability, and governance and compliance. The five level names are
those of the LGA's framework for data maturity (Nascent, Basic, Intermediate, Advanced,
Expert; T. Adams, "Developing data maturity in local government", LGA, May 2018).

The statements for each level and the recommendations are JoinedUp's own plain-English
wording, not the LGA's: the LGA's tool (in LG Inform Plus) remains the reference, and a
council that has used it can record its results here to plan the next steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from joinedup.reports.document import BarChart, Bullets, Document, Paragraph, Table

LEVELS = {1: "Nascent", 2: "Basic", 3: "Intermediate", 4: "Advanced", 5: "Expert"}
DEFAULT_TARGET = 3
SOURCE = (
    "Local Government Association, Local Government Data Maturity Model (2023), "
    "https://www.local.gov.uk/publications/local-government-data-maturity-model"
)


class AnswersError(ValueError):
    """The answers file is missing a question or gives a level that is not 1 to 5."""


@dataclass(frozen=True)
class Question:
    id: str
    theme: str
    area: str  # the theme itself, or the stage of the data lifecycle
    question: str
    levels: tuple[str, str, str, str, str]  # what each level looks like, 1 to 5
    foundation: str  # the next step from level 1 or 2
    advance: str  # the next step from level 3 or 4

    def next_step(self, level: int) -> str:
        return self.foundation if level <= 2 else self.advance


THEMES = [
    "Culture and structure",
    "Leadership and strategy",
    "Data lifecycle",
    "Systems and tools",
    "Skills and capability",
    "Governance and compliance",
]

QUESTIONS: list[Question] = [
    Question(
        "culture",
        "Culture and structure",
        "Culture and structure",
        "How do people across the council treat data?",
        (
            "Data is a by-product of systems; few people use it to make decisions.",
            "Some teams use data for their own reports; sharing depends on goodwill.",
            "Most services use data routinely and ask for it when deciding; a central "
            "team supports them.",
            "Data is expected in every decision and business case; teams share by default "
            "within clear rules.",
            "Using and sharing data well is part of how everyone works, and is recognised "
            "and rewarded.",
        ),
        "Name data champions in each service and show two or three decisions that data "
        "changed, in staff briefings.",
        "Make data sharing the default inside the council (within agreements) and report "
        "benefits realised to staff, not just to the board.",
    ),
    Question(
        "leadership",
        "Leadership and strategy",
        "Leadership and strategy",
        "Is there a data strategy that leaders own and fund?",
        (
            "No data strategy; no senior owner for data.",
            "A strategy or policy exists on paper, with little funding or follow-up.",
            "A data strategy with a named senior owner, linked to the council plan, with "
            "some funded actions.",
            "Leaders set measurable data outcomes, fund them and review progress regularly.",
            "Data strategy shapes the council plan; leaders champion it across partners.",
        ),
        "Agree a short data strategy with one senior owner (for example the SIRO or chief "
        "digital officer) and three measurable outcomes.",
        "Tie data outcomes to the medium-term financial plan and review benefits realised "
        "at the leadership team each quarter.",
    ),
    Question(
        "lifecycle_plan",
        "Data lifecycle",
        "Plan and design",
        "Do you plan what data you need before you collect it?",
        (
            "Data is whatever systems happen to record.",
            "Some new projects list the data they need.",
            "New systems and forms are designed with data standards (UPRN, NHS number, "
            "dates of birth) from the start.",
            "Data needs are planned across services, reusing common definitions.",
            "Data design is standard practice and tested with users and partners.",
        ),
        "Require every new system or form to record the UPRN for addresses and a date of "
        "birth for people, in a standard format.",
        "Keep a council-wide data catalogue of definitions and check new designs against it.",
    ),
    Question(
        "lifecycle_collect",
        "Data lifecycle",
        "Collect or acquire, and ingest",
        "How is data brought together from systems?",
        (
            "By hand: spreadsheets emailed between teams.",
            "Some regular extracts, often reworked by hand each time.",
            "Scheduled extracts land in one place, with row counts checked.",
            "Automated loads with validation; failed rows are kept and reported.",
            "Near real-time feeds from source systems and partners, monitored end to end.",
        ),
        "Agree a regular extract from each key system (council tax, electoral register, "
        "housing, benefits) into one governed place.",
        "Automate loads with validation and quarantine, so every row is accounted for.",
    ),
    Question(
        "lifecycle_prepare",
        "Data lifecycle",
        "Prepare, store and maintain",
        "How well is data quality known and looked after?",
        (
            "Quality is unknown until something goes wrong.",
            "Known problems are fixed one at a time.",
            "Quality is measured for key data (completeness, validity) and owners see it.",
            "Quality targets per source, tracked over time, with fixes at source.",
            "Quality is managed as a service with partners; errors are prevented at entry.",
        ),
        "Measure completeness and validity of the key fields in each main system and share "
        "the results with their owners.",
        "Set quality targets per source, track the trend each run and fix errors in the "
        "source system, not in copies.",
    ),
    Question(
        "lifecycle_use",
        "Data lifecycle",
        "Use and process",
        "How is data used to act, not just to report?",
        (
            "Data is used for statutory returns only.",
            "Reports describe what happened; few lead to action.",
            "Data matching and analysis find cases that staff act on.",
            "Linked data drives prevention and targeting across services, with outcomes recorded.",
            "Predictive and linked insight is routine, evaluated and explained.",
        ),
        "Start with one data match with a clear saving (for example single person "
        "discount against the electoral register) and record the outcome of every case.",
        "Link people and properties across services and measure the outcomes of the work "
        "that follows.",
    ),
    Question(
        "lifecycle_share",
        "Data lifecycle",
        "Share and publish",
        "How is data shared with partners and the public?",
        (
            "Sharing is ad hoc or avoided.",
            "Some data sharing agreements exist, agreed case by case.",
            "Agreements cover the main partners; open data is published.",
            "Sharing follows agreed templates and purposes, and is audited.",
            "Sharing is routine, safe and transparent to residents.",
        ),
        "List current sharing with partners and put a data sharing agreement in place for "
        "each, with purpose and lawful basis.",
        "Use one agreement template with partners, audit every access and publish what you "
        "share and why.",
    ),
    Question(
        "lifecycle_archive",
        "Data lifecycle",
        "Archive and destroy",
        "Is data kept only as long as it is needed?",
        (
            "Data is kept indefinitely; no one knows what can be deleted.",
            "A retention schedule exists but is rarely applied.",
            "Retention is applied to the main systems, with records of deletion.",
            "Retention is automated and checked.",
            "Retention is designed in and reported on.",
        ),
        "Apply the retention schedule to the main systems, starting with records that "
        "ended more than six years ago.",
        "Automate retention and report it to the information governance board.",
    ),
    Question(
        "systems",
        "Systems and tools",
        "Systems and tools",
        "Do systems and tools help people find, join and use data?",
        (
            "Data is locked in line-of-business systems.",
            "Some reporting tools; data is joined by hand in spreadsheets.",
            "A shared data platform holds key data with common tools.",
            "A governed hub links people and places across services, with self-service.",
            "Modern, open, interoperable platforms shared with partners.",
        ),
        "Bring key extracts into one governed store with a gazetteer (LLPG) for addresses.",
        "Link people and places across sources and give services self-service access "
        "under role- and purpose-based rules.",
    ),
    Question(
        "skills",
        "Skills and capability",
        "Skills and capability",
        "Do staff have the data skills they need?",
        (
            "Few data skills; no training.",
            "A few specialists; others rely on them.",
            "Training in data basics is offered; analysts serve most services.",
            "Data literacy is part of induction; analysts and engineers work in teams "
            "with services.",
            "Skills are planned for, shared with partners, and kept up to date.",
        ),
        "Offer data basics and data protection training to managers, and name an analyst "
        "for each directorate.",
        "Build a shared data team (analysts, engineers, information governance) that works "
        "alongside services.",
    ),
    Question(
        "governance",
        "Governance and compliance",
        "Governance and compliance",
        "Is data governed, owned and lawful?",
        (
            "No named owners; compliance is reactive.",
            "Owners named for some systems; DPIAs done when prompted.",
            "Information asset owners for all key data; DPIAs for new processing; an "
            "information asset register.",
            "Governance is built into tools: access by role and purpose, audit trails, "
            "regular review.",
            "Governance is transparent, measured and trusted by residents and partners.",
        ),
        "Name an information asset owner for each key system and keep an information "
        "asset register.",
        "Build governance into the tools people use: access by role and purpose, an audit "
        "trail of every read, and regular access reviews.",
    ),
]
QUESTION_BY_ID = {q.id: q for q in QUESTIONS}


@dataclass
class Assessment:
    answers: dict[str, int]
    organisation: str = "the council"
    assessed_by: str = ""
    assessed_on: date = field(default_factory=date.today)
    target: int = DEFAULT_TARGET

    def theme_score(self, theme: str) -> float:
        levels = [self.answers[q.id] for q in QUESTIONS if q.theme == theme]
        return sum(levels) / len(levels)

    @property
    def overall(self) -> float:
        return sum(self.theme_score(t) for t in THEMES) / len(THEMES)

    def gaps(self) -> list[tuple[Question, int]]:
        """Questions below the target, biggest gap first."""
        below = [(q, self.answers[q.id]) for q in QUESTIONS if self.answers[q.id] < self.target]
        return sorted(below, key=lambda item: (item[1], THEMES.index(item[0].theme)))


def level_name(score: float) -> str:
    return LEVELS[max(1, min(5, int(score)))]


def parse_answers(data: dict[str, Any], target: int = DEFAULT_TARGET) -> Assessment:
    """An assessment from a mapping: `answers: {question id: level}` plus optional details."""
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise AnswersError("the answers file needs an 'answers:' mapping of question id to level")
    given = data["answers"]
    unknown = sorted(set(given) - set(QUESTION_BY_ID))
    if unknown:
        raise AnswersError(f"unknown question id(s): {', '.join(unknown)}")
    missing = [q.id for q in QUESTIONS if q.id not in given]
    if missing:
        raise AnswersError(f"no answer for: {', '.join(missing)}")
    answers: dict[str, int] = {}
    for key, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise AnswersError(f"the answer to {key} must be a level from 1 to 5")
        answers[key] = value
    assessed_on = data.get("assessed_on")
    return Assessment(
        answers=answers,
        organisation=str(data.get("organisation") or "the council"),
        assessed_by=str(data.get("assessed_by") or ""),
        assessed_on=date.fromisoformat(str(assessed_on)) if assessed_on else date.today(),
        target=int(data.get("target", target)),
    )


def load_answers(path: Path, target: int = DEFAULT_TARGET) -> Assessment:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise AnswersError(f"the answers file is not valid YAML: {exc}") from None
    return parse_answers(data, target)


def answers_template() -> str:
    """A commented answers file, one line per question, for scripting the assessment."""
    lines = [
        "# Data maturity self-assessment answers: a level from 1 to 5 for each question.",
        "# Levels: " + ", ".join(f"{n} {name}" for n, name in LEVELS.items()),
        "organisation: Council",
        "assessed_by: ''",
        "target: 3",
        "answers:",
    ]
    for q in QUESTIONS:
        lines.append(f"  {q.id}: 1  # {q.area}: {q.question}")
    return "\n".join(lines) + "\n"


def maturity_document(assessment: Assessment) -> Document:
    a = assessment
    overall = a.overall
    themes = [(t, a.theme_score(t)) for t in THEMES]
    weakest = min(themes, key=lambda item: item[1])
    strongest = max(themes, key=lambda item: item[1])
    doc = Document(
        title="Data maturity self-assessment",
        subtitle=(
            f"{a.organisation}, {a.assessed_on:%d %B %Y}"
            + (f", assessed by {a.assessed_by}" if a.assessed_by else "")
        ),
        summary=[
            f"Overall: {overall:.1f} out of 5 ({level_name(overall)}).",
            f"Strongest theme: {strongest[0]} ({strongest[1]:.1f}); weakest: "
            f"{weakest[0]} ({weakest[1]:.1f}).",
            f"{len(a.gaps())} of {len(QUESTIONS)} areas are below the target level "
            f"{a.target} ({LEVELS[a.target]}).",
        ],
        footer=f"Themes and level names from the {SOURCE}. Statements and recommendations "
        "are JoinedUp's own wording. A self-assessment is a conversation starter: ask "
        "several people in different roles and compare their answers.",
    )
    result = doc.section("Result by theme")
    result.add(
        BarChart(
            "Maturity by theme (1 Nascent to 5 Expert)",
            themes,
            scale_max=5,
            marker=a.target,
            marker_label=f"target {a.target}",
        ),
        Table(
            ["Theme", "Score", "Level"],
            [[t, f"{s:.1f}", level_name(s)] for t, s in themes]
            + [["Overall", f"{overall:.1f}", level_name(overall)]],
            numeric=(1,),
        ),
    )
    detail = doc.section("Answers")
    detail.add(
        Table(
            ["Theme", "Area", "Level", "What it looks like now"],
            [
                [
                    q.theme,
                    q.area,
                    f"{a.answers[q.id]} {LEVELS[a.answers[q.id]]}",
                    q.levels[a.answers[q.id] - 1],
                ]
                for q in QUESTIONS
            ],
        )
    )
    plan = doc.section("Recommendations")
    gaps = a.gaps()
    if gaps:
        plan.add(
            Paragraph(
                f"For each area below the target level {a.target}, the next step, biggest "
                "gap first. Each step aims at the next level, not the top one."
            ),
            Table(
                ["Area", "Now", "Next level", "Next step"],
                [
                    [q.area, LEVELS[level], LEVELS[level + 1], q.next_step(level)]
                    for q, level in gaps
                ],
            ),
        )
    else:
        plan.add(Paragraph(f"Every area is at or above the target level {a.target}."))
    above = [q for q in QUESTIONS if a.target <= a.answers[q.id] < 5]
    if above:
        plan.add(
            Paragraph("To keep improving where the council already meets the target:"),
            Bullets([f"{q.area}: {q.next_step(a.answers[q.id])}" for q in above]),
        )
    return doc
