"""Small inline SVG charts, drawn on the server: no JavaScript, nothing from a CDN.

Colours are SVG presentation attributes, not style attributes, so the strict CSP
(no inline styles) holds. Each chart is role="img" with a title that says in words
what the lines show, for screen readers; the numbers are in a table beside it too.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

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


def _weight(reason: str) -> float | None:
    """The signed weight at the end of a reason such as "same surname: +7.4"."""
    _, _, tail = reason.rpartition(":")
    try:
        return float(tail.strip())
    except ValueError:
        return None


def waterfall_svg(reasons: list[str], label: str) -> Markup:
    """A link's evidence as a waterfall: each reason moves the running total right (for)
    or left (against); the last bar is the total match weight."""
    steps = [(r.rpartition(":")[0] or r, w) for r in reasons if (w := _weight(r)) is not None]
    if not steps:
        return Markup("")
    totals, running = [], 0.0
    for _, w in steps:
        totals.append((running, running + w))
        running += w
    low = min(0.0, *(min(a, b) for a, b in totals))
    high = max(0.0, *(max(a, b) for a, b in totals))
    span = (high - low) or 1.0
    width, row, left = 320, 18, 4
    height = row * (len(steps) + 1) + 4

    def x(value: float) -> float:
        return left + (value - low) / span * (width - 2 * left)

    bars = [f'<line x1="{x(0):.1f}" y1="0" x2="{x(0):.1f}" y2="{height}" stroke="#505a5f"/>']
    for i, ((start, end), (_, w)) in enumerate(zip(totals, steps, strict=True)):
        colour = "#0072B2" if w >= 0 else "#D55E00"
        x0, x1 = sorted((x(start), x(end)))
        bars.append(
            f'<rect x="{x0:.1f}" y="{i * row + 2}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{row - 4}" fill="{colour}"/>'
        )
    x0, x1 = sorted((x(0), x(running)))
    bars.append(
        f'<rect x="{x0:.1f}" y="{len(steps) * row + 2}" width="{max(x1 - x0, 1):.1f}" '
        f'height="{row - 4}" fill="#0b0c0c"/>'
    )
    words = "; ".join(f"{name} {w:+.1f}" for name, w in steps) + f"; total {running:+.1f}"
    return Markup(
        f'<svg class="waterfall" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(label + ": " + words)}</title>'
        + "".join(bars)
        + "</svg>"
    )
