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
