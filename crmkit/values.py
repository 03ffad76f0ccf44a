"""Record values between pandas, plain Python and text: one set of conversions for the store,
the importer and the widgets (a stored value, a cell of a typed frame and a field of a form
must compare and print alike)."""

from __future__ import annotations

import datetime as dt

import pandas as pd


def is_missing(v) -> bool:
    """True for None, NaN, NA and NaT; False for anything else (lists and strings included)."""
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # list-likes have no single truth value
        return False


def python_value(v):
    """A pandas or numpy scalar as the plain Python value a database driver binds (None for missing)."""
    if isinstance(v, str):
        return v
    if is_missing(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def blank_to_none(v):
    """An empty or all-blank string means no value."""
    if isinstance(v, str) and not v.strip():
        return None
    return v


def same_value(a, b) -> bool:
    """Whether two values are the same record value (a date and its midnight timestamp are)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (dt.date, pd.Timestamp)) and isinstance(b, (dt.date, pd.Timestamp)):
        return pd.Timestamp(a) == pd.Timestamp(b)
    return a == b


def history_text(v) -> str | None:
    """A value as the history keeps it: text, with times as ``YYYY-MM-DD HH:MM:SS``."""
    if v is None:
        return None
    if hasattr(v, "isoformat"):
        return pd.Timestamp(v).isoformat(sep=" ")
    return str(v)
