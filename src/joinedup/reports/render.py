"""Write a `Document` as HTML (with SVG charts), Word (.docx) and Markdown.

HTML is one self-contained file: inline CSS and inline SVG, no scripts, no fonts or
styles from the network, so it can be emailed or opened on a locked-down laptop. Word
cannot show SVG without a PNG fallback, so there a chart becomes a small table of its
values (as it does in Markdown); the numbers are the same.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from joinedup.reports.document import BarChart, Block, Bullets, Document, Paragraph, Section, Table
from joinedup.reports.svg import bar_chart_svg

_CSS = """
body{font-family:Arial,Helvetica,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;
color:#0b0c0c;line-height:1.45}
h1{font-size:2em;margin-bottom:.2em}h2{border-bottom:2px solid #1d70b8;padding-bottom:.2em;
margin-top:1.8em}h3{margin-top:1.4em}
.subtitle{color:#505a5f;margin-top:0}
.summary{background:#f3f2f1;border-left:6px solid #1d70b8;padding:.6em 1em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{border:1px solid #b1b4b6;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f2f1}td.num{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:bold;padding:.3em 0}
svg.chart{display:block;margin:1em 0;font-family:Arial,Helvetica,sans-serif}
footer{margin-top:3em;color:#505a5f;font-size:.85em}
@media print{h2{page-break-after:avoid}table,svg{page-break-inside:avoid}}
"""


def write_all(document: Document, out_dir: Path, stem: str) -> dict[str, Path]:
    """Write stem.html, stem.docx and stem.md into `out_dir`; return the paths by format."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "html": out_dir / f"{stem}.html",
        "docx": out_dir / f"{stem}.docx",
        "md": out_dir / f"{stem}.md",
    }
    paths["html"].write_text(to_html(document), encoding="utf-8")
    paths["md"].write_text(to_markdown(document), encoding="utf-8")
    to_docx(document, paths["docx"])
    return paths


# --- HTML -------------------------------------------------------------------------------


def to_html(document: Document) -> str:
    parts = [
        "<!doctype html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(document.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(document.title)}</h1>",
    ]
    if document.subtitle:
        parts.append(f'<p class="subtitle">{escape(document.subtitle)}</p>')
    if document.summary:
        items = "".join(f"<li>{escape(line)}</li>" for line in document.summary)
        parts.append(f'<div class="summary"><strong>In short</strong><ul>{items}</ul></div>')
    if len(document.sections) > 3:
        links = "".join(
            f'<li><a href="#s{i}">{escape(s.title)}</a></li>'
            for i, s in enumerate(document.sections, start=1)
        )
        parts.append(f"<nav><strong>Contents</strong><ol>{links}</ol></nav>")
    for i, section in enumerate(document.sections, start=1):
        parts.append(_html_section(section, 2, f"s{i}"))
    if document.footer:
        parts.append(f"<footer>{escape(document.footer)}</footer>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def to_html_sections(document: Document) -> str:
    """The sections alone, for a page that shows title and summary in its own layout.

    Tables carry the web UI's classes, so the report reads like the rest of the site.
    """
    return "\n".join(
        _html_section(s, 2, f"s{i}", table_class="table")
        for i, s in enumerate(document.sections, start=1)
    )


def _html_section(
    section: Section, level: int, anchor: str | None = None, table_class: str = ""
) -> str:
    tag = f"h{min(level, 6)}"
    ident = f' id="{anchor}"' if anchor else ""
    parts = [f"<{tag}{ident}>{escape(section.title)}</{tag}>"]
    parts += [_html_block(block, table_class) for block in section.blocks]
    parts += [_html_section(sub, level + 1, table_class=table_class) for sub in section.subsections]
    return "\n".join(parts)


def _html_block(block: Block, table_class: str = "") -> str:
    if isinstance(block, Paragraph):
        return f"<p>{escape(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Table):
        head = "".join(f"<th scope='col'>{escape(c)}</th>" for c in block.columns)
        rows = []
        for row in block.rows:
            cells = "".join(
                f"<td class='num'>{escape(str(v))}</td>"
                if i in block.numeric
                else f"<td>{escape(str(v))}</td>"
                for i, v in enumerate(row)
            )
            rows.append(f"<tr>{cells}</tr>")
        caption = f"<caption>{escape(block.caption)}</caption>" if block.caption else ""
        if table_class:
            return (
                f'<div class="table-wrap"><table class="{table_class}">{caption}<thead><tr>'
                f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            )
        return (
            f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    if isinstance(block, BarChart):
        return bar_chart_svg(block)
    raise TypeError(f"unknown block {type(block).__name__}")


# --- Markdown ---------------------------------------------------------------------------


def _md_cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(columns: list[str], rows: list[list[str]], caption: str | None) -> list[str]:
    lines = [f"*{caption}*", ""] if caption else []
    lines.append("| " + " | ".join(_md_cell(c) for c in columns) + " |")
    lines.append("|" + "|".join("---" for _ in columns) + "|")
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def _chart_table(chart: BarChart) -> tuple[list[str], list[list[str]]]:
    return ["", "value"], [[label, chart.formatted(value)] for label, value in chart.bars]


def to_markdown(document: Document) -> str:
    lines = [f"# {document.title}", ""]
    if document.subtitle:
        lines += [f"_{document.subtitle}_", ""]
    if document.summary:
        lines += ["**In short**", ""] + [f"- {line}" for line in document.summary] + [""]
    for section in document.sections:
        lines += _md_section(section, 2)
    if document.footer:
        lines += ["---", "", document.footer, ""]
    return "\n".join(lines)


def _md_section(section: Section, level: int) -> list[str]:
    lines = ["#" * min(level, 6) + f" {section.title}", ""]
    for block in section.blocks:
        if isinstance(block, Paragraph):
            lines += [block.text, ""]
        elif isinstance(block, Bullets):
            lines += [f"- {item}" for item in block.items] + [""]
        elif isinstance(block, Table):
            lines += _md_table(block.columns, block.rows, block.caption)
        elif isinstance(block, BarChart):
            columns, rows = _chart_table(block)
            lines += _md_table(columns, rows, f"Chart: {block.title}")
    for sub in section.subsections:
        lines += _md_section(sub, level + 1)
    return lines


# --- Word -------------------------------------------------------------------------------


def to_docx(document: Document, path: Path) -> None:
    from docx import Document as WordDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    word = WordDocument()
    word.core_properties.title = document.title
    word.add_heading(document.title, level=0)
    if document.subtitle:
        word.add_paragraph(document.subtitle).italic = True
    if document.summary:
        word.add_heading("In short", level=1)
        for line in document.summary:
            word.add_paragraph(line, style="List Bullet")

    def table(columns: list[str], rows: list[list[str]], caption: str | None, numeric=()) -> None:  # type: ignore[no-untyped-def]
        if caption:
            word.add_paragraph().add_run(caption).bold = True
        grid = word.add_table(rows=1, cols=len(columns))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, columns, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(str(text)).bold = True
        for row in rows:
            cells = grid.add_row().cells
            for i, (cell, value) in enumerate(zip(cells, row, strict=True)):
                cell.text = str(value)
                if i in numeric:
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        word.add_paragraph()

    def section(sec: Section, level: int) -> None:
        word.add_heading(sec.title, level=min(level, 9))
        for block in sec.blocks:
            if isinstance(block, Paragraph):
                word.add_paragraph(block.text)
            elif isinstance(block, Bullets):
                for item in block.items:
                    word.add_paragraph(item, style="List Bullet")
            elif isinstance(block, Table):
                table(block.columns, block.rows, block.caption, block.numeric)
            elif isinstance(block, BarChart):
                columns, rows = _chart_table(block)
                table(columns, rows, f"Chart: {block.title}", (1,))
        for sub in sec.subsections:
            section(sub, level + 1)

    for sec in document.sections:
        section(sec, 1)
    if document.footer:
        word.add_paragraph(document.footer).runs[0].italic = True
    word.save(str(path))
