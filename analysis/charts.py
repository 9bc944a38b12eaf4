"""Charts of results with matplotlib: readable in grey and for colour-blind readers.

Plotting functions take an Axes and return it, and compute nothing: every figure they draw
comes from the results passed in. `figure_svg` turns a figure into inline SVG with a
title and a description, for pages and reports that show the same figures in a table.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis.formatting import danish_percent

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType  # the rc keys as a Literal; for the checker only

# Dark blue, light blue with hatching, black: distinct in colour, in grey and in print.
CURRENT_COLOUR = "#08306b"
PREVIOUS_COLOUR = "#9ecae1"
BENCHMARK_COLOUR = "#000000"
STYLE: dict[RcKeyType, Any] = {
    # Staff text ($...$ in a title) must never be read as mathtext: it made every chart fail.
    "text.parse_math": False,
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
}


@dataclass(frozen=True)
class Bar:
    """One item's bar pair: shares (None when suppressed) with intervals and n."""

    label: str
    current: float | None
    current_ci: tuple[float, float] | None
    current_n: int
    previous: float | None = None
    previous_ci: tuple[float, float] | None = None
    previous_n: int | None = None
    benchmark: float | None = None


def plot_shares(
    ax: Axes,
    bars: Sequence[Bar],
    current_label: str,
    previous_label: str | None = None,
    benchmark_label: str | None = None,
    suppressed_label: str = "under 5 svar",
    not_asked_label: str = "ikke spurgt",
) -> Axes:
    """Horizontal bars of share positive per item, intervals drawn, n on every bar."""
    height = 0.38 if previous_label else 0.6
    positions = list(range(len(bars)))[::-1]
    intervals: list[tuple[float, float, tuple[float, float]]] = []
    for position, bar in zip(positions, bars, strict=True):
        _bar(
            ax,
            position + (height / 2 if previous_label else 0),
            bar.current,
            bar.current_ci,
            bar.current_n,
            height,
            CURRENT_COLOUR,
            None,
            suppressed_label,
            intervals,
        )
        if previous_label:
            # A question the earlier round did not ask has no n at all: it is not a
            # suppressed figure, and calling it "under 5 answers" misled the reader.
            _bar(
                ax,
                position - height / 2,
                bar.previous,
                bar.previous_ci,
                bar.previous_n,
                height,
                PREVIOUS_COLOUR,
                "///",
                not_asked_label if bar.previous_n is None else suppressed_label,
                intervals,
            )
        if bar.benchmark is not None:
            ax.plot(
                [bar.benchmark],
                [position],
                marker="D",
                color=BENCHMARK_COLOUR,
                markersize=6,
                zorder=5,
            )
    _interval_bars(ax, intervals)
    ax.set_yticks(positions)
    ax.set_yticklabels([textwrap.fill(bar.label, 38) for bar in bars])
    # Room below the lowest bar for its label (it lay on the x axis) and to the right of a
    # share near 100 % for "97 %  n=1234".
    ax.set_ylim(-0.7, len(bars) - 0.3)
    ax.set_xlim(0, 1.22)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: danish_percent(x) if x <= 1 else ""))
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles: list[Artist] = [plt.Rectangle((0, 0), 1, 1, color=CURRENT_COLOUR, label=current_label)]
    if previous_label:
        handles.append(
            plt.Rectangle(
                (0, 0),
                1,
                1,
                facecolor=PREVIOUS_COLOUR,
                hatch="///",
                edgecolor="#4d4d4d",
                label=previous_label,
            )
        )
    if benchmark_label and any(bar.benchmark is not None for bar in bars):
        handles.append(
            plt.Line2D(
                [], [], marker="D", linestyle="", color=BENCHMARK_COLOUR, label=benchmark_label
            )
        )
    # Centred on the figure, not the axes, so long round titles are never cut off.
    ax.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=ax.figure.transFigure,
        ncol=min(len(handles), 2),
        frameon=False,
    )
    return ax


def _bar(ax, y, share, ci, n, height, colour, hatch, suppressed_label, intervals):
    """One bar and its label; its interval is added to `intervals`, drawn with the rest."""
    if share is None:
        # Clear of the axis line, which ran through the first letter.
        ax.text(0.03, y, f"({suppressed_label})", va="center", fontsize=8, color="#4d4d4d")
        return
    ax.barh(
        [y],
        [share],
        height=height,
        color=colour,
        hatch=hatch,
        edgecolor="#4d4d4d" if hatch else colour,
    )
    if ci is not None:
        intervals.append((share, y, ci))
    right = ci[1] if ci else share
    ax.text(right + 0.015, y, f"{danish_percent(share)}  n={n}", va="center", fontsize=8)


def _interval_bars(ax, intervals: Sequence[tuple[float, float, tuple[float, float]]]) -> None:
    """Horizontal 95 % intervals, all in one errorbar: drawn alike (black, above the bars,
    below the labels), but matplotlib builds and draws one collection and two cap lines
    instead of as many per bar, a third of a chart's time."""
    if not intervals:
        return
    ax.errorbar(
        [share for share, _y, _ci in intervals],
        [y for _share, y, _ci in intervals],
        xerr=[
            [share - ci[0] for share, _y, ci in intervals],
            [ci[1] - share for share, _y, ci in intervals],
        ],
        fmt="none",
        ecolor="#000000",
        elinewidth=1,
        capsize=3,
    )


def share_figure(bars: Sequence[Bar], **labels) -> Figure:
    """A figure sized to its number of items, with `plot_shares` drawn on it."""
    with plt.rc_context(STYLE):
        rows = max(1, len(bars))
        figure = Figure(figsize=(8, 0.75 * rows + 1.5), dpi=100)
        ax = figure.add_subplot()
        plot_shares(ax, bars, **labels)
        figure.subplots_adjust(left=0.38, right=0.97, top=0.97, bottom=1.25 / (0.75 * rows + 1.5))
    return figure


STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
SVG_ID = re.compile(r'(\sid="|url\(#|href="#)([^")]+)')


def _presentation_attributes(match: re.Match) -> str:
    """style="fill: #fff; stroke: none" -> fill="#fff" stroke="none" (all SVG attributes)."""
    pairs = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def figure_png(figure: Figure, dpi: int = 200) -> bytes:
    """PNG at print resolution (200 dpi) for documents that cannot hold SVG.

    Opaque RGB at zlib level 1: a chart's background is opaque white, so matplotlib's alpha
    channel said nothing, and without it the fast level packs as small as the default
    did with it, in a third less encoding time (the DOCX encodes a dozen of these)."""
    from PIL import Image  # matplotlib's own dependency, needed here only

    raw = io.BytesIO()
    with plt.rc_context(STYLE):
        figure.savefig(raw, format="rgba", dpi=dpi)
    pixels = raw.getvalue()
    # The width is whole inches at whole dots per inch; the height follows from the bytes.
    width = round(figure.get_figwidth() * dpi)
    height, rest = divmod(len(pixels), 4 * width)
    if rest:
        raise ValueError(f"a {width} pixel wide RGBA image cannot be {len(pixels)} bytes")
    image = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1)
    png = io.BytesIO()
    image.convert("RGB").save(png, format="png", compress_level=1, dpi=(dpi, dpi))
    return png.getvalue()


def figure_svg(figure: Figure, title: str, description: str, element_id: str) -> str:
    """Inline SVG with <title> and <desc>, no XML prolog and no inline styles.

    A Content-Security-Policy without 'unsafe-inline' ignores both <style> elements and
    style="..." attributes (every shape would be drawn black), so matplotlib's styles
    become SVG presentation attributes, which are not styles in the CSP's sense.
    """
    buffer = io.StringIO()
    with plt.rc_context(STYLE):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = STYLE_ATTRIBUTE.sub(_presentation_attributes, svg)
    # matplotlib names its groups patch_1, line2d_8, ... alike in every figure: with several
    # charts on a page the ids repeated (invalid HTML, WCAG 2.1 4.1.1), so every id and every
    # reference to one gets this chart's prefix.
    svg = SVG_ID.sub(lambda match: f"{match.group(1)}{element_id}-{match.group(2)}", svg)
    opening = svg[: svg.index(">") + 1]
    labelled = (
        opening[:-1]
        # What matplotlib's <style> gave every element; inherited as attributes.
        + ' stroke-linejoin="round" stroke-linecap="butt"'
        + f' role="img" aria-labelledby="{element_id}-title {element_id}-desc">'
    )
    return (
        labelled
        + f'<title id="{element_id}-title">{escape(title)}</title>'
        + f'<desc id="{element_id}-desc">{escape(description)}</desc>'
        + svg[len(opening) :]
    )


@dataclass(frozen=True)
class TrendMark:
    """One point of a trend chart: a shown share with its interval and n (hidden points are
    left out by the caller: no figure from fewer than 5 answers is drawn)."""

    time: float
    label: str
    share: float
    ci: tuple[float, float]
    n: int


@dataclass(frozen=True)
class TrendLine:
    """One item's line in a theme's trend chart: its label and its shown points."""

    label: str
    marks: tuple[TrendMark, ...]


# Told apart without colour: each line its own colour, marker and dash (colour-blind safe:
# the blues of the bars, black, and Okabe–Ito orange and bluish green).
LINE_STYLES = (
    (CURRENT_COLOUR, "o", "-"),
    ("#000000", "s", "--"),
    ("#e69f00", "^", ":"),
    ("#009e73", "D", "-."),
    ("#4292c6", "v", (0, (5, 1, 1, 1, 1, 1))),
    ("#cc79a7", "P", (0, (1, 3))),
)
DODGE_YEARS = 0.035  # lines side by side at one period, so their intervals do not overlap


def plot_trend(ax: Axes, lines: Sequence[TrendLine]) -> Axes:
    """One line per item through its shares over time, each point with its interval; with
    a single line every point is labelled with its share and n."""
    times: dict[float, str] = {}
    for index, line in enumerate(lines):
        colour, marker, dash = LINE_STYLES[index % len(LINE_STYLES)]
        offset = (index - (len(lines) - 1) / 2) * DODGE_YEARS if len(lines) > 1 else 0.0
        xs = [mark.time + offset for mark in line.marks]
        shares = [mark.share for mark in line.marks]
        ax.plot(
            xs,
            shares,
            color=colour,
            marker=marker,
            linestyle=dash,
            linewidth=1.5,
            label=textwrap.fill(line.label, 90),
        )
        ax.errorbar(
            xs,
            shares,
            yerr=[
                [mark.share - mark.ci[0] for mark in line.marks],
                [mark.ci[1] - mark.share for mark in line.marks],
            ],
            fmt="none",
            ecolor=colour,
            elinewidth=1,
            capsize=3,
        )
        for mark in line.marks:
            times.setdefault(mark.time, mark.label)
            if len(lines) == 1:
                ax.annotate(
                    f"{danish_percent(mark.share)}\nn={mark.n}",
                    (mark.time, mark.ci[1]),
                    textcoords="offset points",
                    xytext=(0, 4),
                    ha="center",
                    fontsize=7,
                )
    ordered = sorted(times)
    ax.set_xticks(ordered)
    ax.set_xticklabels([textwrap.fill(times[time], 10) for time in ordered], fontsize=8)
    ax.set_xlim(ordered[0] - 0.3, ordered[-1] + 0.3)
    ax.set_ylim(0, 1.15)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: danish_percent(y) if y <= 1 else ""))
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if len(lines) > 1:
        ax.legend(
            loc="upper left",
            bbox_to_anchor=(0.0, -0.16),
            ncol=1,
            frameon=False,
            fontsize=8,
            handlelength=3,
        )
    return ax


def trend_figure(lines: Sequence[TrendLine]) -> Figure:
    """A figure sized to its legend (one row per line below the axes)."""
    with plt.rc_context(STYLE):
        legend_rows = sum(line.label.count("\n") + 1 + len(line.label) // 90 for line in lines)
        legend = 0.2 * legend_rows + 0.2 if len(lines) > 1 else 0.0
        height = 3.2 + legend
        figure = Figure(figsize=(8, height), dpi=100)
        ax = figure.add_subplot()
        plot_trend(ax, lines)
        figure.subplots_adjust(left=0.09, right=0.98, top=0.95, bottom=(0.64 + legend) / height)
    return figure


@dataclass(frozen=True)
class DriverMark:
    """One item's rank correlation with overall satisfaction, with its interval."""

    label: str
    r: float
    ci: tuple[float, float] | None
    n: int


def plot_drivers(ax: Axes, marks: Sequence[DriverMark]) -> Axes:
    """A bar per item from 0 to its correlation, the interval drawn; strongest at the top."""
    positions = list(range(len(marks)))[::-1]
    intervals: list[tuple[float, float, tuple[float, float]]] = []
    for position, mark in zip(positions, marks, strict=True):
        ax.barh([position], [mark.r], height=0.6, color=CURRENT_COLOUR)
        if mark.ci is not None:
            intervals.append((mark.r, position, mark.ci))
        right = mark.ci[1] if mark.ci else mark.r
        label = f"{mark.r:.2f}".replace(".", ",").replace("-", "−")
        ax.text(right + 0.03, position, f"{label}  n={mark.n}", va="center", fontsize=8)
    _interval_bars(ax, intervals)
    ax.axvline(0, color="#4d4d4d", linewidth=0.8)
    ax.set_yticks(positions)
    ax.set_yticklabels([textwrap.fill(mark.label, 38) for mark in marks])
    ax.set_xlim(-1, 1.3)
    ax.set_xticks([-1, -0.5, 0, 0.5, 1])
    ax.xaxis.set_major_formatter(
        FuncFormatter(
            lambda x, _pos: f"{x:g}".replace(".", ",").replace("-", "−") if x <= 1 else ""
        )
    )
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def driver_figure(marks: Sequence[DriverMark]) -> Figure:
    with plt.rc_context(STYLE):
        rows = max(1, len(marks))
        figure = Figure(figsize=(8, 0.5 * rows + 1), dpi=100)
        ax = figure.add_subplot()
        plot_drivers(ax, marks)
        figure.subplots_adjust(left=0.38, right=0.97, top=0.97, bottom=0.6 / (0.5 * rows + 1))
    return figure
