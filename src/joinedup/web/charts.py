"""Small inline SVG charts, drawn on the server: no JavaScript, nothing from a CDN.

Colours are SVG presentation attributes, not style attributes, so the strict CSP
(no inline styles) holds. Each chart is role="img" with a title that says in words
what the lines show, for screen readers; the numbers are in a table beside it too.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from joinedup.link.explain import reason_weight

WIDTH, HEIGHT, PAD = 160, 40, 4
# Colour-blind-safe pair (Okabe-Ito blue and vermilion), plus a third for uniqueness.
COLOURS = {"completeness": "#0072B2", "validity": "#D55E00", "uniqueness": "#009E73"}


def _pct(value: float | None) -> str:
    return "not measured" if value is None else f"{value * 100:.0f}%"


def trend_svg(series: list[dict[str, Any]], label: str) -> Markup:
    """One line per dimension across runs, 0% at the bottom and 100% at the top."""
    lines, words = [], []
    for s in series:
        points = s["points"]
        scores = [p[1] for p in points]
        step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
        coords = [
            f"{PAD + i * step:.1f},{PAD + (1 - v) * (HEIGHT - 2 * PAD):.1f}"
            for i, v in enumerate(scores)
            if v is not None
        ]
        colour = COLOURS.get(s["dimension"], "#505a5f")
        if len(coords) == 1:
            x, y = coords[0].split(",")
            lines.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{colour}"/>')
        elif coords:
            lines.append(
                f'<polyline points="{" ".join(coords)}" fill="none" stroke="{colour}" '
                'stroke-width="2"/>'
            )
        words.append(f"{s['dimension']} {' then '.join(_pct(v) for v in scores)}")
    title = f"{label}: " + "; ".join(words) if words else f"{label}: no runs yet"
    return Markup(
        f'<svg class="trend" role="img" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}"><title>{escape(title)}</title>'
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f3f2f1"/>'
        + "".join(lines)
        + "</svg>"
    )


def waterfall_svg(reasons: list[str], label: str) -> Markup:
    """A link's evidence as a labelled waterfall: each reason, named with its weight, moves
    the running total right (for) or left (against) from where the last one ended; the
    last bar is the total, the match weight."""
    steps = [(r.rpartition(":")[0] or r, w) for r in reasons if (w := reason_weight(r)) is not None]
    if not steps:
        return Markup("")
    totals, running = [], 0.0
    for _, w in steps:
        totals.append((running, running + w))
        running += w
    low = min(0.0, *(min(a, b) for a, b in totals))
    high = max(0.0, *(max(a, b) for a, b in totals))
    span = (high - low) or 1.0
    # A column of names, a column of weights, then the bars.
    names_width, weights_right, bars_left, width, row = 440, 500, 512, 760, 24
    height = row * (len(steps) + 1) + 4

    def x(value: float) -> float:
        return bars_left + (value - low) / span * (width - bars_left - 4)

    parts = [f'<line x1="{x(0):.1f}" y1="0" x2="{x(0):.1f}" y2="{height}" stroke="#505a5f"/>']
    rows = [
        (name, w, start, end, "#0072B2" if w >= 0 else "#D55E00")
        for (name, w), (start, end) in zip(steps, totals, strict=True)
    ]
    rows.append(("total: the match weight", running, 0.0, running, "#0b0c0c"))
    for i, (name, w, start, end, colour) in enumerate(rows):
        x0, x1 = sorted((x(start), x(end)))
        baseline = i * row + row - 7
        bold = ' font-weight="bold"' if i == len(steps) else ""
        parts.append(
            f'<text x="0" y="{baseline}" font-size="14" fill="#0b0c0c"{bold}>'
            f"{escape(_fit(name, names_width))}</text>"
            f'<text x="{weights_right}" y="{baseline}" font-size="14" fill="#0b0c0c" '
            f'text-anchor="end"{bold}>{w:+.1f}</text>'
            f'<rect x="{x0:.1f}" y="{i * row + 3}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{row - 6}" fill="{colour}"/>'
        )
    words = "; ".join(f"{name} {w:+.1f}" for name, w in steps) + f"; total {running:+.1f}"
    return Markup(
        f'<svg class="waterfall" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(label + ": " + words)}</title>'
        + "".join(parts)
        + "</svg>"
    )


def _fit(text: str, pixels: int) -> str:
    """Shorten a label to fit a column (about 7.5 pixels a character at 14 pixels)."""
    most = int(pixels / 7.5)
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"
