"""The PDF's lean SVG charts against their data: every bar's length and place, every point's
height, measured on the chart's own axis (its tick labels), with the shares written out
here; the labels, the text alternative and the few elements WeasyPrint has to draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from analysis.charts import Bar, DriverMark, TrendLine, TrendMark
from analysis.lean_charts import drivers_svg, share_svg, trend_svg

SVG = "{http://www.w3.org/2000/svg}"
LONG = "Praktikken har hjulpet mig tættere på et job eller en uddannelse, som jeg gerne vil have"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own drawing


def texts(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}text"))


def text_at(root: ET.Element, content: str) -> ET.Element:
    found = [t for t in texts(root) if t.text == content]
    assert len(found) == 1, (content, [t.text for t in texts(root)])
    return found[0]


def bar_rects(root: ET.Element, fill: str) -> list[tuple[float, float, float, float]]:
    return [
        tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))  # type: ignore[misc]
        for r in root.iter(f"{SVG}rect")
        if r.get("fill") == fill and float(r.get("height")) > 10  # not the legend's swatch
    ]


def assert_labelled(root: ET.Element, element_id: str, title: str, description: str) -> None:
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{element_id}-title {element_id}-desc"
    assert root[0].tag == f"{SVG}title" and root[0].get("id") == f"{element_id}-title"
    assert root[0].text == title
    assert root[1].tag == f"{SVG}desc" and root[1].get("id") == f"{element_id}-desc"
    assert root[1].text == description


def assert_lean(root: ET.Element, most: int) -> None:
    """Few elements, none WeasyPrint draws at length, and no styles a CSP would drop."""
    nodes = list(root.iter())
    assert len(nodes) <= most, len(nodes)
    tags = {node.tag.removeprefix(SVG) for node in nodes}
    assert not tags & {"use", "clipPath", "marker", "style", "g"}, tags
    assert not any("style" in node.attrib or "clip-path" in node.attrib for node in nodes)


BARS = [
    Bar(
        "Jeg bliver taget godt imod i jobcentret.",
        0.59,
        (0.57, 0.61),
        1908,
        0.51,
        (0.49, 0.53),
        1898,
        0.55,
    ),
    Bar(LONG, 0.62, (0.55, 0.69), 145),  # not asked before: no earlier n
    Bar("Kort <b>&", None, None, 3, 0.25, (0.2, 0.3), 80),
]


def test_share_bars_are_as_long_as_their_shares_on_the_charts_axis():
    root = parse(
        share_svg(
            BARS,
            "Andel positive: Mødet",
            "59 % positive (n=1908)",
            "chart-meet",
            current_label="Forår 2026",
            previous_label="Forår 2025",
            benchmark_label="Andre kommuner",
            suppressed_label="under 5 svar",
            not_asked_label="ikke spurgt",
        )
    )
    assert_labelled(root, "chart-meet", "Andel positive: Mødet", "59 % positive (n=1908)")
    assert_lean(root, most=90)
    zero = float(text_at(root, "0 %").get("x"))
    full = float(text_at(root, "100 %").get("x"))
    assert float(text_at(root, "50 %").get("x")) == pytest.approx((zero + full) / 2, abs=0.02)
    current = bar_rects(root, "#08306b")
    previous = bar_rects(root, "#9ecae1")
    # the current round: 59 % and 62 %; the third item has under 5 answers and no bar
    assert [round((w) / (full - zero), 3) for _x, _y, w, _h in current] == [0.59, 0.62]
    assert [round(w / (full - zero), 3) for _x, _y, w, _h in previous] == [0.51, 0.25]
    assert all(x == pytest.approx(zero, abs=0.01) for x, *_ in current + previous)
    # top to bottom in the order given, each earlier bar right under its current one
    first, second = current
    assert first[1] < second[1]
    assert previous[0][1] == pytest.approx(first[1] + first[3], abs=0.02)
    assert previous[1][1] > second[1]
    # each item's label beside its bars (centred on the pair, wrapped over lines)
    label = text_at(root, "Jeg bliver taget godt imod i")
    assert float(label.get("y")) < previous[0][1] + previous[0][3]
    assert float(label.get("y")) > first[1]
    drawn = [t.text for t in texts(root)]
    assert "59 %  n=1908" in drawn and "51 %  n=1898" in drawn and "62 %  n=145" in drawn
    assert "(ikke spurgt)" in drawn and "(under 5 svar)" in drawn and "25 %  n=80" in drawn
    assert "Kort <b>&" in drawn  # escaped in the SVG, read back as written
    assert {"Forår 2026", "Forår 2025", "Andre kommuner"} <= set(drawn)
    # the long label wrapped at 38 characters, every word of it drawn
    assert " ".join(t for t in drawn if t and t in LONG).split() == LONG.split()
    # the interval: 57 % to 61 % across the first bar's middle
    middle = first[1] + first[3] / 2
    intervals = [p.get("d") for p in root.iter(f"{SVG}path") if p.get("stroke") == "#000000"]
    low, high = zero + 0.57 * (full - zero), zero + 0.61 * (full - zero)
    assert f"M{low:.2f}".rstrip("0").rstrip(".") in intervals[0]
    assert f"H{high:.2f}".rstrip("0").rstrip(".") in intervals[0]
    assert f" {middle:.2f}".rstrip("0").rstrip(".") in intervals[0]
    # the benchmark: one diamond, centred on 55 %
    diamonds = [p.get("d") for p in root.iter(f"{SVG}path") if p.get("fill") == "#000000"]
    tip = diamonds[0].split("L")[0].removeprefix("M").split()
    assert float(tip[0]) == pytest.approx(zero + 0.55 * (full - zero), abs=0.01)


def test_share_chart_without_an_earlier_round_has_no_earlier_bars_nor_legend_entry():
    root = parse(
        share_svg([Bar("A", 0.4, (0.3, 0.5), 50)], "T", "D", "chart-a", current_label="Forår 2026")
    )
    zero, full = (float(text_at(root, t).get("x")) for t in ("0 %", "100 %"))
    (bar,) = bar_rects(root, "#08306b")
    assert bar[2] / (full - zero) == pytest.approx(0.4, abs=0.001)
    assert not bar_rects(root, "#9ecae1") and root.find(f"{SVG}defs") is None
    assert [t.text for t in texts(root)].count("Forår 2026") == 1


def test_driver_bars_run_from_zero_to_their_correlation_either_way():
    marks = [DriverMark("Respekt", 0.45, (0.4, 0.5), 900), DriverMark("Ventetid", -0.25, None, 40)]
    root = parse(drivers_svg(marks, "Hvad hænger sammen", "Respekt: 0,45", "chart-drivers"))
    assert_labelled(root, "chart-drivers", "Hvad hænger sammen", "Respekt: 0,45")
    assert_lean(root, most=50)
    zero, one = (float(text_at(root, t).get("x")) for t in ("0", "1"))
    assert float(text_at(root, "−1").get("x")) == pytest.approx(2 * zero - one, abs=0.02)
    positive, negative = bar_rects(root, "#08306b")
    assert positive[0] == pytest.approx(zero, abs=0.01)
    assert positive[2] == pytest.approx(0.45 * (one - zero), abs=0.01)
    assert negative[0] + negative[2] == pytest.approx(zero, abs=0.01)
    assert negative[2] == pytest.approx(0.25 * (one - zero), abs=0.01)
    drawn = [t.text for t in texts(root)]
    assert "0,45  n=900" in drawn and "−0,25  n=40" in drawn and "Ventetid" in drawn


def test_trend_points_stand_at_their_shares_with_labels_for_a_single_line():
    marks = (
        TrendMark(2025.2, "1. halvår 2025", 0.51, (0.49, 0.53), 1898),
        TrendMark(2026.2, "1. halvår 2026", 0.8, (0.78, 0.82), 1908),
    )
    root = parse(
        trend_svg([TrendLine("Respekt", marks)], "Udvikling: Mødet", "51 % ...", "trend-m")
    )
    assert_labelled(root, "trend-m", "Udvikling: Mødet", "51 % ...")
    assert_lean(root, most=50)
    # the grid's lines at 0, 25, 50, 75 and 100 %, labelled in that order from the bottom
    grid = sorted(
        (float(g.get("y1")) for g in root.iter(f"{SVG}line") if g.get("stroke") == "#dddddd"),
        reverse=True,
    )
    zero, full = grid[0], grid[-1]
    assert grid[2] == pytest.approx((zero + full) / 2, abs=0.02)
    labels = sorted(
        ("0 %", "25 %", "50 %", "75 %", "100 %"), key=lambda t: -float(text_at(root, t).get("y"))
    )
    assert labels == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    line = [p for p in root.iter(f"{SVG}path") if p.get("stroke-width") == "1.5"]
    assert len(line) == 1
    (start, end) = (point.split() for point in line[0].get("d").removeprefix("M").split("L"))
    assert float(start[1]) == pytest.approx(zero + 0.51 * (full - zero), abs=0.02)
    assert float(end[1]) == pytest.approx(zero + 0.8 * (full - zero), abs=0.02)
    assert float(start[0]) < float(end[0])
    drawn = [t.text for t in texts(root)]
    assert {"51 %", "n=1898", "80 %", "n=1908", "1. halvår", "2025", "2026"} <= set(drawn)
    assert "Respekt" not in drawn  # one line: no legend, as the matplotlib chart


def test_trend_lines_each_have_their_own_dash_marker_and_legend_entry():
    marks = (
        TrendMark(2025.2, "1. halvår 2025", 0.5, (0.45, 0.55), 300),
        TrendMark(2026.2, "1. halvår 2026", 0.6, (0.55, 0.65), 310),
    )
    lines = [TrendLine(f"Spørgsmål {i}", marks) for i in range(3)]
    root = parse(trend_svg(lines, "Udvikling: Alt", "D", "trend-all"))
    assert_lean(root, most=90)
    strokes = [p for p in root.iter(f"{SVG}path") if p.get("stroke-width") == "1.5"]
    # a line through the points and a legend handle per question
    assert len(strokes) == 6
    assert len({(p.get("stroke"), p.get("stroke-dasharray")) for p in strokes}) == 3
    drawn = [t.text for t in texts(root)]
    assert [drawn.count(f"Spørgsmål {i}") for i in range(3)] == [1, 1, 1]
    assert "60 %" not in drawn  # several lines: no point labels, as the matplotlib chart
