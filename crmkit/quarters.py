"""Calendar quarters at an ``as_of`` day: which ones are complete, and sums per customer and quarter.

The forms count sales by quarter (第一…第四季度). A quarter counts once it is over: the quarters
of an analysis are the last ones whose last day is on or before ``as_of`` (a quarter ending on
the ``as_of`` day itself is complete), so a quarter-on-quarter growth never compares a few weeks
with three months.

>>> complete_quarters("2026-10-31", 4)
[Period('2025Q4', 'Q-DEC'), Period('2026Q1', 'Q-DEC'), Period('2026Q2', 'Q-DEC'), Period('2026Q3', 'Q-DEC')]
>>> complete_quarters("2026-09-30", 1)
[Period('2026Q3', 'Q-DEC')]
"""

from __future__ import annotations

import pandas as pd

from .timeframe import as_of_day

__all__ = ["complete_quarters", "quarter_sums", "quarter_label"]


def complete_quarters(as_of, n: int) -> list[pd.Period]:
    """The last ``n`` calendar quarters that are over on ``as_of``, oldest first."""
    if int(n) < 1:
        raise ValueError(f"n must be at least 1 quarter, got {n}")
    day = as_of_day(as_of)
    current = day.to_period("Q")
    last = current if day == current.end_time.normalize() else current - 1
    return [last - k for k in range(int(n) - 1, -1, -1)]


def quarter_label(period: pd.Period) -> str:
    """'2026Q3': how a quarter names a column."""
    return str(period)


def quarter_sums(frame: pd.DataFrame, quarters: list[pd.Period], *, key: str, date: str,
                 values: list[str]) -> pd.DataFrame:
    """Sums of ``values`` per ``key`` and quarter, for the ``quarters`` given (others dropped).

    Returns a frame indexed by (key, quarter) with one float column per value; a key with no row
    in a quarter has no entry (reindex to fill). Vectorised: one groupby over integer quarter codes.
    """
    start, end = quarters[0].start_time, quarters[-1].end_time
    dates = pd.to_datetime(frame[date])
    inside = frame[(dates >= start) & (dates <= end)]
    periods = pd.to_datetime(inside[date]).dt.to_period("Q")
    grouped = inside[values].astype("float64").groupby([inside[key].astype(str), periods], observed=True, sort=True)
    out = grouped.sum(min_count=1)
    out.index = out.index.set_names([key, "quarter"])
    return out
