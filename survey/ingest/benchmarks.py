"""Published national or regional figures (e.g. KL's 2025H2 category means on a 1-5 scale):
`category;mean;n` with an optional `sd`, stored per source and period and shown beside a
municipality's theme means, named with their source."""

from __future__ import annotations

import re

from sqlalchemy import select

from survey.core import audit
from survey.core.extensions import db
from survey.ingest.importer import FORMULA_START, ImportError_, read_file
from survey.models import BenchmarkFigure

COLUMNS = ("category", "mean", "n")
SOURCE_PATTERN = re.compile(r"^[A-Za-zÆØÅæøå0-9][\w .&-]{0,39}$")
HALF_YEAR = re.compile(r"^\d{4}H[12]$")
MAX_SCALE = 1000.0


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))  # Danish decimal comma, as KL publishes
    except ValueError:
        return None


def import_benchmarks(source: str, period: str, data: bytes) -> int:
    """Store (or replace) the figures of one source and period; nothing unless all are clean."""
    if not SOURCE_PATTERN.match(source):
        raise ImportError_(["--source: a short name such as KL"])
    if not HALF_YEAR.match(period):
        raise ImportError_(["--period: a half-year such as 2025H2"])
    header, rows = read_file(data)
    header = [name.strip().lower() for name in header]
    if sorted(header) not in (sorted(COLUMNS), sorted((*COLUMNS, "sd"))):
        raise ImportError_(["row 1: the columns must be category;mean;n and optionally sd"])
    problems: list[str] = []
    figures: dict[str, tuple[float, int, float | None]] = {}
    for number, cells in enumerate(rows, start=2):
        if not cells:
            continue
        if len(cells) != len(header):
            problems.append(f"row {number}: {len(cells)} cells, but {len(header)} columns")
            continue
        cell = dict(zip(header, (c.strip() for c in cells), strict=True))
        category = cell["category"]
        if not category or len(category) > 120 or category.startswith(FORMULA_START):
            problems.append(f"row {number}, column category: a name of at most 120 characters")
        elif category.casefold() in figures:
            problems.append(f"row {number}, column category: '{category}' appears twice")
        mean = _number(cell["mean"])
        if mean is None or not 0 <= mean <= MAX_SCALE:
            problems.append(f"row {number}, column mean: a number such as 3.88")
        if not cell["n"].isdigit() or int(cell["n"]) < 1:
            problems.append(f"row {number}, column n: a whole number of answers from 1")
        sd = _number(cell["sd"]) if cell.get("sd") else None
        if cell.get("sd") and (sd is None or sd < 0):
            problems.append(f"row {number}, column sd: a number of at least 0, or empty")
        if mean is not None and cell["n"].isdigit():
            figures[category.casefold()] = (mean, int(cell["n"]), sd)
    if problems:
        raise ImportError_(problems)
    if not figures:
        raise ImportError_(["the file has no figures"])
    named = {
        cells[header.index("category")].strip().casefold(): cells[header.index("category")].strip()
        for cells in rows
        if cells
    }
    existing = {
        figure.category.casefold(): figure
        for figure in db.session.scalars(
            select(BenchmarkFigure).where(
                BenchmarkFigure.source == source, BenchmarkFigure.period == period
            )
        )
    }
    for folded, (mean_value, n, sd_value) in figures.items():
        figure = existing.get(folded) or BenchmarkFigure(
            source=source, period=period, category=named[folded]
        )
        figure.mean, figure.n, figure.sd = mean_value, n, sd_value
        db.session.add(figure)
    audit.record(
        "benchmark.import",
        details={"source": source, "period": period, "figures": len(figures)},
    )
    return len(figures)
