"""The maturity self-assessment: scoring, gaps and recommendations, file and terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.reports.maturity import (
    QUESTIONS,
    THEMES,
    AnswersError,
    answers_template,
    maturity_document,
    parse_answers,
)
from joinedup.reports.render import to_html, to_markdown


def _answers(default: int = 2, **levels: int) -> dict:
    return {"answers": {q.id: levels.get(q.id, default) for q in QUESTIONS}}


def test_themes_are_the_local_government_model_s_six() -> None:
    assert THEMES == [
        "Culture and structure",
        "Leadership and strategy",
        "Data lifecycle",
        "Systems and tools",
        "Skills and capability",
        "Governance and compliance",
    ]
    lifecycle = [q.area for q in QUESTIONS if q.theme == "Data lifecycle"]
    assert len(lifecycle) == 6 and lifecycle[0] == "Plan and design"
    assert all(len(q.levels) == 5 for q in QUESTIONS)


def test_scores_average_within_and_across_themes() -> None:
    lifecycle = {q.id: 5 for q in QUESTIONS if q.theme == "Data lifecycle"}
    lifecycle["lifecycle_plan"] = 2  # five 5s and one 2: 4.5
    assessment = parse_answers(_answers(1, governance=4, **lifecycle))
    assert assessment.theme_score("Data lifecycle") == pytest.approx(4.5)
    assert assessment.theme_score("Governance and compliance") == 4
    assert assessment.overall == pytest.approx((1 + 1 + 4.5 + 1 + 1 + 4) / 6)


def test_gaps_come_biggest_first_with_the_next_step() -> None:
    assessment = parse_answers(_answers(3, culture=1, skills=2))
    gaps = assessment.gaps()
    assert [(q.id, level) for q, level in gaps] == [("culture", 1), ("skills", 2)]
    assert gaps[0][0].next_step(1) == gaps[0][0].foundation
    document = maturity_document(assessment)
    markdown = to_markdown(document)
    assert "Recommendations" in markdown and gaps[1][0].foundation in markdown
    assert "<svg" in to_html(document)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"answers": {"culture": 2}}, "no answer for"),
        (_answers(2, culture=6), "from 1 to 5"),
        ({"answers": {**_answers()["answers"], "vibes": 3}}, "unknown question"),
        ({}, "answers:"),
    ],
)
def test_bad_answers_are_refused_plainly(data: dict, message: str) -> None:
    with pytest.raises(AnswersError, match=message):
        parse_answers(data)


def test_template_parses_and_the_command_scores_it(tmp_path: Path) -> None:
    template = yaml.safe_load(answers_template())
    assert set(template["answers"]) == {q.id for q in QUESTIONS}
    path = tmp_path / "answers.yaml"
    path.write_text(answers_template().replace(": 1  #", ": 3  #"), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["maturity", "--answers", str(path), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "Intermediate" in result.output
    assert (tmp_path / "out" / "maturity.docx").exists()


def test_the_command_asks_in_the_terminal() -> None:
    levels = "\n".join("4" for _ in QUESTIONS) + "\n"
    result = CliRunner().invoke(app, ["maturity", "--target", "5"], input=levels)
    assert result.exit_code == 0, result.output
    assert "Advanced" in result.output
    assert QUESTIONS[0].advance.split()[0] in result.output
