"""Charts drawn as inline SVG, so reports open offline with no scripts and no CDN.

Only what the reports need: horizontal bar charts with an optional target line. The SVG
carries a <title> and the values as text, so a screen reader (and a printout) can read it.
"""

from __future__ import annotations

from html import escape

from joinedup.reports.document import BarChart

_BAR = 18
_GAP = 8
_LABEL_WIDTH = 220
_PLOT_WIDTH = 360
_VALUE_WIDTH = 80
# Blue for bars; orange for bars short of the target line (GOV.UK palette).
_COLOURS = ("#1d70b8", "#00703c", "#f47738")


def bar_chart_svg(chart: BarChart) -> str:
    bars = chart.bars or [("(nothing to show)", 0.0)]
    top = 28
    height = top + len(bars) * (_BAR + _GAP) + 24
    width = _LABEL_WIDTH + _PLOT_WIDTH + _VALUE_WIDTH
    biggest = max((v for _, v in bars), default=0.0)
    scale = chart.scale_max or (biggest if biggest > 0 else 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" class="chart">',
        f"<title>{escape(chart.title)}</title>",
        f'<text x="0" y="16" font-weight="bold" font-size="14">{escape(chart.title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = top + i * (_BAR + _GAP)
        length = max(0.0, min(value, scale)) / scale * _PLOT_WIDTH
        colour = _COLOURS[0] if chart.marker is None or value >= chart.marker else _COLOURS[2]
        short = label if len(label) <= 32 else label[:31] + "…"
        parts += [
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + _BAR - 5}" text-anchor="end" '
            f'font-size="12">{escape(short)}</text>',
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{_PLOT_WIDTH}" height="{_BAR}" '
            'fill="#f3f2f1"/>',
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{_BAR}" '
            f'fill="{colour}"/>',
            f'<text x="{_LABEL_WIDTH + _PLOT_WIDTH + 6}" y="{y + _BAR - 5}" '
            f'font-size="12">{escape(chart.formatted(value))}</text>',
        ]
    bottom = top + len(bars) * (_BAR + _GAP)
    if chart.scale_max and not chart.percent and chart.scale_max <= 10:
        for tick in range(1, int(chart.scale_max) + 1):
            x = _LABEL_WIDTH + tick / scale * _PLOT_WIDTH
            parts.append(
                f'<text x="{x:.1f}" y="{bottom + 12}" text-anchor="middle" '
                f'font-size="10">{tick}</text>'
            )
    if chart.marker is not None:
        x = _LABEL_WIDTH + min(chart.marker, scale) / scale * _PLOT_WIDTH
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" '
            'stroke="#d4351c" stroke-width="2" stroke-dasharray="4 3"/>'
        )
        if chart.marker_label:
            parts.append(
                f'<text x="{x:.1f}" y="{top - 6}" text-anchor="middle" font-size="10" '
                f'fill="#d4351c">{escape(chart.marker_label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
