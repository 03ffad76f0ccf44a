"""Numbers as the report writes them: thousands separators, yuan, percentages, changes.

>>> yuan(1234567.8), count(12345), percent(0.1234), change(120, 100)
('¥1,234,568', '12,345', '12.3%', '+20.0%')
"""

from __future__ import annotations

import math

import pandas as pd


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def count(value) -> str:
    """12345 → "12,345"."""
    return "—" if _missing(value) else f"{int(round(float(value))):,}"


def yuan(value) -> str:
    """1234567.8 → "¥1,234,568" (whole yuan: a monthly report needs no fen)."""
    return "—" if _missing(value) else f"¥{float(value):,.0f}"


def percent(value, digits: int = 1) -> str:
    """0.1234 → "12.3%"; missing (e.g. a rate of nothing) → "—"."""
    return "—" if _missing(value) else f"{float(value) * 100:.{digits}f}%"


def days(value) -> str:
    """2.25 → "2.3 天"."""
    return "—" if _missing(value) else f"{float(value):.1f} 天"


def ratio(part, whole) -> float:
    """part / whole, or NaN when whole is 0 (a rate of nothing is not 0%)."""
    return float(part) / float(whole) if whole else math.nan


def change(now, before) -> str:
    """The relative change from ``before`` to ``now``: "+20.0%", "-5.0%", "—" when before is 0."""
    if _missing(now) or _missing(before) or float(before) == 0:
        return "—"
    return f"{(float(now) - float(before)) / abs(float(before)) * 100:+.1f}%"


def month_label(ts: pd.Timestamp) -> str:
    """Timestamp("2026-10-01") → "2026年10月"."""
    return f"{ts.year}年{ts.month}月"


def plot_label(value) -> str:
    """A value from the records as a chart label: phone numbers and e-mails masked, and "$"
    escaped so matplotlib never reads a customer's text as math (an unbalanced "$" would
    stop the report)."""
    from .privacy import scrub

    return scrub("—" if _missing(value) else str(value)).replace("$", r"\$")
