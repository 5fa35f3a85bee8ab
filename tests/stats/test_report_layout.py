"""The printed report and its charts: pages filled, round axis ticks, gaps for hidden cells."""

import re

import pytest

from nanduti.stats import charts, report

from .test_browser import data  # noqa: F401  (the same registry as the browser tests)


def _content_bottom(box) -> float:
    """Lowest edge of the text lines and images laid out in a WeasyPrint box (blocks such as
    <body> stretch to the page; what they hold does not)."""
    from weasyprint.formatting_structure import boxes

    bottom = 0.0
    if isinstance(box, boxes.LineBox | boxes.ReplacedBox):
        bottom = box.position_y + box.margin_height()
    for child in getattr(box, "children", []) or []:
        bottom = max(bottom, _content_bottom(child))
    return bottom


@pytest.mark.slow
def test_report_pages_are_filled(data):  # noqa: F811
    from weasyprint import HTML

    from nanduti.stats.publication import publish_demo_panels

    publish_demo_panels()
    document = HTML(string=report.render_html("es")).render()
    assert len(document.pages) >= 2
    fills = []
    for page in document.pages:
        box = page._page_box
        html = box.children[0]  # the page's <html> box; the margin boxes (page numbers) follow
        fills.append((_content_bottom(html) - box.content_box_y()) / box.height)
    # Every page but the last is at least two-thirds full (no panel pushed whole to the next
    # page, leaving the previous one half empty).
    assert all(f >= 0.66 for f in fills[:-1]), [round(f, 2) for f in fills]


def test_times_are_local_with_the_zone_named():
    from nanduti.localtime import local_time

    # 00:24 UTC on 7 December is 21:24 the evening before in Asunción (UTC−3).
    assert local_time("2026-12-07T00:24:20+00:00") == "06/12/2026 21:24 (America/Asuncion)"
    assert local_time(None) == ""


def test_axes_have_round_ticks_between_zero_and_the_top():
    assert charts.nice_ticks(13) == [0, 5, 10, 15]
    assert charts.nice_ticks(48) == [0, 10, 20, 30, 40, 50]
    assert charts.nice_ticks(1234) == [0, 500, 1000, 1500]
    svg = charts.line_chart_svg([2021, 2022, 2023], {"casos": [13, 7, 9]})
    labels = re.findall(r'text-anchor="end" font-size="11">(\d+)</text>', svg)
    assert labels == ["0", "5", "10", "15"]


def test_a_hidden_cell_is_a_gap_not_a_bar():
    svg = charts.bar_chart_svg(["Central", "Ñeembucú", "Itapúa"], [12, "—", 8], "Casos")
    assert svg.count('fill="#8c2d19"') == 2  # two bars; the hidden cell has none
    assert 'class="gap"' in svg and ">—</text>" in svg
    line = charts.line_chart_svg([2021, 2022, 2023, 2024], {"casos": [9, "—", 7, 8]})
    assert line.count("<polyline") == 1  # 2021 stands alone; the line resumes after the gap
    assert line.count("<circle") == 3
