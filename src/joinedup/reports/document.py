"""A report as plain data: sections of paragraphs, lists, tables and charts.

Discovery, business case and maturity all build one `Document`; `render` turns it into
HTML, Word and Markdown. Keeping the content apart from the formats means the three
outputs always say the same thing, and a new format is one renderer, not three reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Paragraph:
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str | None = None
    # Columns (by index) that hold numbers, right-aligned in HTML and Word.
    numeric: tuple[int, ...] = ()


@dataclass
class BarChart:
    """Horizontal bars: one label and value each; drawn as SVG, shown as a table elsewhere.

    `scale_max` fixes the axis (1.0 for shares, 5 for maturity levels); `percent` shows
    values as percentages; `marker` draws a dashed line (a target) across the bars.
    """

    title: str
    bars: list[tuple[str, float]]
    scale_max: float | None = None
    percent: bool = False
    marker: float | None = None
    marker_label: str | None = None
    unit: str = ""

    def formatted(self, value: float) -> str:
        if self.percent:
            return f"{value:.0%}"
        if self.unit == "£":
            return f"£{value:,.0f}"
        return f"{value:,.1f}{self.unit}" if value != int(value) else f"{value:,.0f}{self.unit}"


Block = Paragraph | Bullets | Table | BarChart


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)

    def add(self, *blocks: Block) -> Section:
        self.blocks.extend(blocks)
        return self


@dataclass
class Document:
    title: str
    subtitle: str = ""
    summary: list[str] = field(default_factory=list)  # the few lines a reader must see
    sections: list[Section] = field(default_factory=list)
    footer: str = ""

    def section(self, title: str) -> Section:
        section = Section(title)
        self.sections.append(section)
        return section


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def pct1(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def money(value: float | None) -> str:
    if value is None:
        return "-"
    return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"


def count(value: int | float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"
