"""The report's charts as lean hand-written SVG, for the PDF.

The same figures, colours, hatching, markers and texts as analysis/charts.py draws with
matplotlib, in a few dozen elements per chart: rects, lines and <text> labels, no clip
paths, glyph paths, markers or <use>. WeasyPrint draws a matplotlib chart's thousand
nodes one by one; these cost it a fraction (bench/report.py, the PDF). Units are points
of an 8-inch-wide figure, as matplotlib's; every figure comes from the data passed in.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from html import escape

from analysis.charts import (
    BENCHMARK_COLOUR,
    CURRENT_COLOUR,
    LINE_STYLES,
    PREVIOUS_COLOUR,
    Bar,
    DriverMark,
    TrendLine,
)
from analysis.formatting import danish_percent

WIDTH = 576.0  # 8 inches in points, the width of matplotlib's figures
GRID = "#dddddd"
MUTED = "#4d4d4d"
TICK = 3.5
CAP = 3.0  # half an interval's cap, as matplotlib's capsize=3
FONT = 10.0
SMALL = 8.0
LINE_HEIGHT = 1.2  # of a wrapped label's font size
CHAR_WIDTH = 0.6  # DejaVu Sans, a character's average width per point of font size


def _n(value: float) -> str:
    """A coordinate in two decimals at most (shorter SVG, the same drawing)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


class _Drawing:
    """Elements in drawing order; text is escaped, attributes are numbers or fixed words."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def rect(self, x: float, y: float, width: float, height: float, fill: str, **extra) -> None:
        attributes = "".join(f' {name.replace("_", "-")}="{v}"' for name, v in extra.items())
        self.parts.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}"'
            f' fill="{fill}"{attributes}/>'
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float) -> None:
        self.parts.append(
            f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"'
            f' stroke="{stroke}" stroke-width="{_n(width)}"/>'
        )

    def path(self, d: str, **attributes) -> None:
        extra = "".join(f' {name.replace("_", "-")}="{v}"' for name, v in attributes.items())
        self.parts.append(f'<path d="{d}"{extra}/>')

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = FONT,
        anchor: str = "start",
        fill: str = "#000000",
    ) -> None:
        """One line of text, its middle at y (matplotlib's va="center")."""
        self.parts.append(
            f'<text x="{_n(x)}" y="{_n(y + size * 0.35)}" font-size="{_n(size)}"'
            f' text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
        )

    def lines_of_text(
        self, x: float, y: float, lines: Sequence[str], size: float = FONT, anchor: str = "start"
    ) -> None:
        """Lines one under another, the block's middle at y."""
        step = size * LINE_HEIGHT
        first = y - step * (len(lines) - 1) / 2
        for index, line in enumerate(lines):
            self.text(x, first + index * step, line, size, anchor)

    def interval(self, low: float, high: float, at: float, vertical: bool, colour: str) -> None:
        """A 95 % interval from `low` to `high` with its caps, across at `at`."""
        if vertical:
            self.path(
                f"M{_n(at)} {_n(low)}V{_n(high)}M{_n(at - CAP)} {_n(low)}H{_n(at + CAP)}"
                f"M{_n(at - CAP)} {_n(high)}H{_n(at + CAP)}",
                stroke=colour,
                stroke_width="1",
                fill="none",
            )
        else:
            self.path(
                f"M{_n(low)} {_n(at)}H{_n(high)}M{_n(low)} {_n(at - CAP)}V{_n(at + CAP)}"
                f"M{_n(high)} {_n(at - CAP)}V{_n(at + CAP)}",
                stroke=colour,
                stroke_width="1",
                fill="none",
            )

    def svg(self, height: float, title: str, description: str, element_id: str) -> str:
        """The drawing as inline SVG labelled as figure_svg labels a chart: its <title> and
        <desc> first, with ids the PDF's alternative text is taken from."""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(WIDTH)}pt"'
            f' height="{_n(height)}pt" viewBox="0 0 {_n(WIDTH)} {_n(height)}"'
            ' font-family="DejaVu Sans" role="img"'
            f' aria-labelledby="{element_id}-title {element_id}-desc">'
            f'<title id="{element_id}-title">{escape(title)}</title>'
            f'<desc id="{element_id}-desc">{escape(description)}</desc>'
            + "".join(self.parts)
            + "</svg>"
        )


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def _hatch(element_id: str) -> str:
    """Dark diagonal lines (matplotlib's "///") over the earlier round's light blue, which
    is a rect of its own: a background in the tile left seams at the tiles' edges."""
    return (
        f'<defs><pattern id="{element_id}-hatch" patternUnits="userSpaceOnUse"'
        ' width="4.5" height="4.5">'
        f'<path d="M-1 1L1 -1M0 4.5L4.5 0M3.5 5.5L5.5 3.5" stroke="{MUTED}" stroke-width="0.7"/>'
        "</pattern></defs>"
    )


def _diamond(x: float, y: float, half: float = 3.5) -> str:
    return f"M{_n(x)} {_n(y - half)}L{_n(x + half)} {_n(y)}L{_n(x)} {_n(y + half)}L{_n(x - half)} {_n(y)}Z"


def _legend(
    drawing: _Drawing, entries: Sequence[tuple[str, str]], element_id: str, bottom: float
) -> None:
    """Entries (kind, label), two a row, centred on the figure as matplotlib's legend."""
    rows = [entries[i : i + 2] for i in range(0, len(entries), 2)]
    for row_index, row in enumerate(rows):
        y = bottom - (len(rows) - row_index) * FONT * 1.6
        widths = [20 + 8 + _text_width(label, FONT) for _kind, label in row]
        x = (WIDTH - sum(widths) - 20 * (len(row) - 1)) / 2
        for (kind, label), width in zip(row, widths, strict=True):
            if kind == "current":
                drawing.rect(x, y - 5, 20, 10, CURRENT_COLOUR)
            elif kind == "previous":
                drawing.rect(x, y - 5, 20, 10, PREVIOUS_COLOUR, stroke=MUTED)
                drawing.rect(x, y - 5, 20, 10, f"url(#{element_id}-hatch)")
            else:
                drawing.path(_diamond(x + 10, y), fill=BENCHMARK_COLOUR)
            drawing.text(x + 28, y, label)
            x += width + 20


def share_svg(
    bars: Sequence[Bar],
    title: str,
    description: str,
    element_id: str,
    current_label: str,
    previous_label: str | None = None,
    benchmark_label: str | None = None,
    suppressed_label: str = "under 5 svar",
    not_asked_label: str = "ikke spurgt",
) -> str:
    """Horizontal bars of share positive per item with intervals and n, as plot_shares."""
    rows = max(1, len(bars))
    height = (0.75 * rows + 1.5) * 72
    left, right, top, bottom = 0.38 * WIDTH, 0.97 * WIDTH, 0.03 * height, height - 90
    scale = (right - left) / 1.22  # points per share: 0 to 122 % as matplotlib's xlim

    def y_of(position: float) -> float:  # data -0.7 .. rows - 0.3, first item at the top
        return top + (len(bars) - 0.3 - position) / (len(bars) + 0.4) * (bottom - top)

    bar_height = (0.38 if previous_label else 0.6) / (len(bars) + 0.4) * (bottom - top)
    hatch = f"url(#{element_id}-hatch)"
    drawing = _Drawing()
    if previous_label:
        drawing.parts.append(_hatch(element_id))
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = left + tick * scale
        drawing.line(x, top, x, bottom, GRID, 0.8)
        drawing.line(x, bottom, x, bottom + TICK, "#000000", 0.8)
        drawing.text(x, bottom + TICK + 9, danish_percent(tick), anchor="middle")

    def one_bar(y, share, ci, n, fill, edge, suppressed, hatched=False):
        if share is None:
            drawing.text(left + 0.03 * scale, y, f"({suppressed})", SMALL, fill=MUTED)
            return
        drawing.rect(left, y - bar_height / 2, share * scale, bar_height, fill, stroke=edge)
        if hatched:
            drawing.rect(left, y - bar_height / 2, share * scale, bar_height, hatch)
        if ci is not None:
            drawing.interval(left + ci[0] * scale, left + ci[1] * scale, y, False, "#000000")
        end = ci[1] if ci else share
        drawing.text(left + (end + 0.015) * scale, y, f"{danish_percent(share)}  n={n}", SMALL)

    # The axis below the bars, its labels before the bars' own (matplotlib's order, which
    # is the order a PDF's text is read and extracted in).
    for index, bar in enumerate(bars):
        centre = y_of(len(bars) - 1 - index)
        drawing.line(left - TICK, centre, left, centre, "#000000", 0.8)
        drawing.lines_of_text(
            left - TICK - 3.5, centre, textwrap.fill(bar.label, 38).split("\n"), anchor="end"
        )
    for index, bar in enumerate(bars):
        position = len(bars) - 1 - index
        centre = y_of(position)
        offset = 0.19 / (len(bars) + 0.4) * (bottom - top) if previous_label else 0
        one_bar(
            centre - offset,
            bar.current,
            bar.current_ci,
            bar.current_n,
            CURRENT_COLOUR,
            CURRENT_COLOUR,
            suppressed_label,
        )
        if previous_label:
            one_bar(
                centre + offset,
                bar.previous,
                bar.previous_ci,
                bar.previous_n,
                PREVIOUS_COLOUR,
                MUTED,
                not_asked_label if bar.previous_n is None else suppressed_label,
                hatched=True,
            )
        if bar.benchmark is not None:
            drawing.path(_diamond(left + bar.benchmark * scale, centre), fill=BENCHMARK_COLOUR)
    drawing.line(left, top, left, bottom, "#000000", 0.8)
    drawing.line(left, bottom, right, bottom, "#000000", 0.8)
    entries = [("current", current_label)]
    if previous_label:
        entries.append(("previous", previous_label))
    if benchmark_label and any(bar.benchmark is not None for bar in bars):
        entries.append(("benchmark", benchmark_label))
    _legend(drawing, entries, element_id, height)
    return drawing.svg(height, title, description, element_id)


def correlation_text(value: float) -> str:
    """0,45 and −0,5: a decimal comma and a true minus, as the matplotlib chart's axis."""
    return f"{value:g}".replace(".", ",").replace("-", "−")


def drivers_svg(marks: Sequence[DriverMark], title: str, description: str, element_id: str) -> str:
    """A bar per item from 0 to its rank correlation with its interval, as plot_drivers."""
    rows = max(1, len(marks))
    height = (0.5 * rows + 1) * 72
    left, right, top, bottom = 0.38 * WIDTH, 0.97 * WIDTH, 0.03 * height, height - 0.6 * 72
    scale = (right - left) / 2.3  # -1 .. 1.3

    def x_of(r: float) -> float:
        return left + (r + 1) * scale

    # matplotlib's autoscaled range: the bars' extent (-0.3 .. rows - 0.7) and 5 % of it
    # on either side; the first item at the top
    margin = 0.05 * (len(marks) - 0.4)
    low, high = -0.3 - margin, len(marks) - 0.7 + margin

    def y_of(position: float) -> float:
        return top + (high - position) / (high - low) * (bottom - top)

    bar_height = 0.6 / (high - low) * (bottom - top)
    drawing = _Drawing()
    for tick in (-1, -0.5, 0, 0.5, 1):
        x = x_of(tick)
        drawing.line(x, top, x, bottom, GRID, 0.8)
        drawing.line(x, bottom, x, bottom + TICK, "#000000", 0.8)
        drawing.text(x, bottom + TICK + 9, correlation_text(tick), anchor="middle")
    for index, mark in enumerate(marks):  # the axis and its labels first, as plot_shares
        centre = y_of(len(marks) - 1 - index)
        drawing.line(left - TICK, centre, left, centre, "#000000", 0.8)
        drawing.lines_of_text(
            left - TICK - 3.5, centre, textwrap.fill(mark.label, 38).split("\n"), anchor="end"
        )
    for index, mark in enumerate(marks):
        centre = y_of(len(marks) - 1 - index)
        start, end = sorted((x_of(0), x_of(mark.r)))
        drawing.rect(start, centre - bar_height / 2, end - start, bar_height, CURRENT_COLOUR)
        if mark.ci is not None:
            drawing.interval(x_of(mark.ci[0]), x_of(mark.ci[1]), centre, False, "#000000")
        label = f"{mark.r:.2f}".replace(".", ",").replace("-", "−")
        drawing.text(
            x_of((mark.ci[1] if mark.ci else mark.r) + 0.03), centre, f"{label}  n={mark.n}", SMALL
        )
    drawing.line(x_of(0), top, x_of(0), bottom, MUTED, 0.8)
    drawing.line(left, top, left, bottom, "#000000", 0.8)
    drawing.line(left, bottom, right, bottom, "#000000", 0.8)
    return drawing.svg(height, title, description, element_id)


# matplotlib's dash patterns, in multiples of the line width (1.5 points)
DASHES = {"-": None, "--": (3.7, 1.6), ":": (1, 1.65), "-.": (6.4, 1.6, 1, 1.6)}


def _dash(style) -> str | None:
    pattern = DASHES[style] if isinstance(style, str) else style[1]
    return None if pattern is None else " ".join(_n(step * 1.5) for step in pattern)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    """matplotlib's marker shapes at size 6 (o s ^ D v P) as one path each."""
    r = 3.0
    outlines = {
        "o": f"M{_n(x - r)} {_n(y)}A{r} {r} 0 1 0 {_n(x + r)} {_n(y)}A{r} {r} 0 1 0 {_n(x - r)} {_n(y)}Z",
        "s": f"M{_n(x - r)} {_n(y - r)}H{_n(x + r)}V{_n(y + r)}H{_n(x - r)}Z",
        "^": f"M{_n(x)} {_n(y - r)}L{_n(x + r)} {_n(y + r)}H{_n(x - r)}Z",
        "v": f"M{_n(x)} {_n(y + r)}L{_n(x + r)} {_n(y - r)}H{_n(x - r)}Z",
        "D": _diamond(x, y, r),
        "P": f"M{_n(x - 1)} {_n(y - r)}H{_n(x + 1)}V{_n(y - 1)}H{_n(x + r)}V{_n(y + 1)}"
        f"H{_n(x + 1)}V{_n(y + r)}H{_n(x - 1)}V{_n(y + 1)}H{_n(x - r)}V{_n(y - 1)}H{_n(x - 1)}Z",
    }
    return f'<path d="{outlines[shape]}" fill="{colour}"/>'


def trend_svg(lines: Sequence[TrendLine], title: str, description: str, element_id: str) -> str:
    """One line per item through its shares over time with intervals, as plot_trend; with a
    single line every point is labelled with its share and n."""
    legend_rows = sum(line.label.count("\n") + 1 + len(line.label) // 90 for line in lines)
    legend = 0.2 * legend_rows + 0.2 if len(lines) > 1 else 0.0
    height = (3.2 + legend) * 72
    left, right = 0.09 * WIDTH, 0.98 * WIDTH
    top, bottom = 0.05 * height, height - (0.64 + legend) * 72
    times: dict[float, str] = {}
    for line in lines:
        for mark in line.marks:
            times.setdefault(mark.time, mark.label)
    ordered = sorted(times)
    low, high = ordered[0] - 0.3, ordered[-1] + 0.3

    def x_of(time: float) -> float:
        return left + (time - low) / (high - low) * (right - left)

    def y_of(share: float) -> float:
        return bottom - share / 1.15 * (bottom - top)

    drawing = _Drawing()
    # the time axis's labels before the shares' (matplotlib's order: a PDF's text order)
    for time in ordered:
        x = x_of(time)
        drawing.line(x, bottom, x, bottom + TICK, "#000000", 0.8)
        wrapped = textwrap.fill(times[time], 10).split("\n")
        drawing.lines_of_text(
            x, bottom + TICK + 4 + SMALL * LINE_HEIGHT * len(wrapped) / 2, wrapped, SMALL, "middle"
        )
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = y_of(tick)
        drawing.line(left, y, right, y, GRID, 0.8)
        drawing.line(left - TICK, y, left, y, "#000000", 0.8)
        drawing.text(left - TICK - 3.5, y, danish_percent(tick), anchor="end")
    for index, line in enumerate(lines):
        colour, marker, dash = LINE_STYLES[index % len(LINE_STYLES)]
        offset = (index - (len(lines) - 1) / 2) * 0.035 if len(lines) > 1 else 0.0
        points = [(x_of(mark.time + offset), mark) for mark in line.marks]
        dashes = _dash(dash)
        drawing.path(
            "M" + "L".join(f"{_n(x)} {_n(y_of(mark.share))}" for x, mark in points),
            fill="none",
            stroke=colour,
            stroke_width="1.5",
            **({"stroke_dasharray": dashes} if dashes else {}),
        )
        for x, mark in points:
            drawing.interval(y_of(mark.ci[0]), y_of(mark.ci[1]), x, True, colour)
            drawing.parts.append(_marker(marker, x, y_of(mark.share), colour))
            if len(lines) == 1:
                drawing.lines_of_text(
                    x,
                    y_of(mark.ci[1]) - 4 - 7 * LINE_HEIGHT,
                    [danish_percent(mark.share), f"n={mark.n}"],
                    7,
                    "middle",
                )
    drawing.line(left, top, left, bottom, "#000000", 0.8)
    drawing.line(left, bottom, right, bottom, "#000000", 0.8)
    if len(lines) > 1:
        y = bottom + 0.16 * (bottom - top) + SMALL
        for index, line in enumerate(lines):
            colour, marker, dash = LINE_STYLES[index % len(LINE_STYLES)]
            label = textwrap.fill(line.label, 90).split("\n")
            dashes = _dash(dash)
            # matplotlib's legend: its box at the axes' left, a handle three font sizes long
            drawing.path(
                f"M{_n(left + 5)} {_n(y)}H{_n(left + 29)}",
                stroke=colour,
                stroke_width="1.5",
                **({"stroke_dasharray": dashes} if dashes else {}),
            )
            drawing.parts.append(_marker(marker, left + 17, y, colour))
            drawing.lines_of_text(
                left + 35, y + SMALL * LINE_HEIGHT * (len(label) - 1) / 2, label, SMALL
            )
            y += SMALL * LINE_HEIGHT * len(label) + 2.4
    return drawing.svg(height, title, description, element_id)
