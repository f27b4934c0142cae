"""The inline SVG charts: what they draw, and that they say it in words too."""

from __future__ import annotations

import re

from joinedup.web.charts import trend_svg, waterfall_svg


def test_trend_has_a_line_per_dimension_and_a_text_alternative() -> None:
    svg = str(
        trend_svg(
            [
                {"dimension": "completeness", "points": [("R1", 0.5), ("R2", 1.0)]},
                {"dimension": "validity", "points": [("R1", 0.9)]},
            ],
            label="Quality of postcode",
        )
    )
    assert 'role="img"' in svg and "style=" not in svg  # the CSP allows no inline styles
    assert "<title>Quality of postcode: completeness 50% then 100%; validity 90%</title>" in svg
    # 100% is drawn at the top of the chart, 50% halfway down.
    points = re.search(r'polyline points="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    (_, y1), (_, y2) = (map(float, p.split(",")) for p in points.split())
    assert y2 < y1
    assert "<circle" in svg  # a single run is a dot, not a line


def test_waterfall_bars_follow_the_evidence_and_end_with_the_total() -> None:
    svg = str(waterfall_svg(["same surname: +7.4", "different date of birth: -3.0", "odd"], "Link"))
    assert svg.count("<rect") == 3  # two reasons with weights, then the total
    assert 'fill="#D55E00"' in svg  # evidence against is drawn in the other colour
    assert "total +4.4" in svg
    # Each bar is named, with its weight, in the chart itself; the last is the total.
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert texts == ["same surname", "+7.4", "different date of birth", "-3.0"] + [
        "total: the match weight",
        "+4.4",
    ]
    assert str(waterfall_svg(["no weight here"], "Link")) == ""


def test_labels_are_escaped() -> None:
    svg = str(trend_svg([], label="<script>"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
