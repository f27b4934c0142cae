"""One document, three formats: the same content in HTML (with SVG), Word and Markdown."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from docx import Document as WordDocument

from joinedup.reports.document import BarChart, Bullets, Document, Paragraph, Table, money
from joinedup.reports.render import write_all
from joinedup.reports.svg import bar_chart_svg


def _document() -> Document:
    doc = Document("Report <one>", subtitle="sub", summary=["a & b"])
    doc.section("First").add(
        Paragraph("text with <tag>"),
        Bullets(["x", "y"]),
        Table(["name", "value"], [["a|b", "1"]], caption="cap", numeric=(1,)),
        BarChart("shares", [("a", 0.5), ("b", 1.0)], scale_max=1.0, percent=True),
    )
    return doc


def test_all_three_formats_are_written(tmp_path: Path) -> None:
    paths = write_all(_document(), tmp_path, "report")
    html = paths["html"].read_text(encoding="utf-8")
    assert "&lt;tag&gt;" in html and "<tag>" not in html
    assert "<script" not in html and "<link" not in html
    markdown = paths["md"].read_text(encoding="utf-8")
    assert "| a\\|b | 1 |" in markdown and "| b | 100% |" in markdown
    word = WordDocument(str(paths["docx"]))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Report <one>" in text and "text with <tag>" in text
    assert len(word.tables) == 2  # the table and the chart's values


def test_svg_is_well_formed_and_scaled() -> None:
    svg = bar_chart_svg(BarChart("t", [("a", 2.0), ("b", 4.0)], scale_max=5, marker=3))
    root = ElementTree.fromstring(svg)
    rects = [r for r in root.iter("{http://www.w3.org/2000/svg}rect")]
    widths = [float(r.get("width")) for r in rects if r.get("fill") != "#f3f2f1"]
    assert widths[1] == 2 * widths[0]
    assert root.find("{http://www.w3.org/2000/svg}line") is not None


def test_money_shows_losses_plainly() -> None:
    assert money(-1500) == "-£1,500" and money(2.4) == "£2"
