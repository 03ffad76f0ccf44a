"""Turn the raw cells of a user's file (or a form's fields) into canonical values.

Every parser is vectorised: it takes a pandas Series of raw cells (strings from a CSV,
Python objects from an .xlsx) and returns the parsed Series plus, for each bad cell,
the reason it was rejected. Nothing here raises on bad data; the importer turns the
reasons into an ImportReport.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .schema import Column

# Excel's day zero for serial dates (it counts the fictitious 1900-02-29, hence the 30th).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Serial numbers outside these bounds are not dates anyone keeps in a CRM (1900 … 2199).
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 1, 109_574

_DATE_RE = (
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
    r"(?:[\sT]+(?P<H>\d{1,2})\s*[:：时点]\s*(?P<M>\d{1,2})\s*(?:[:：分]\s*(?P<S>\d{1,2}(?:\.\d+)?)\s*秒?)?\s*分?)?$"
)
_TRUE = {"是", "有", "y", "yes", "true", "t", "1", "1.0", "√", "✓", "已留", "留资"}
_FALSE = {"否", "无", "没有", "n", "no", "false", "f", "0", "0.0", "×", "✗", "未留", "未留资"}
_FORMULA_CHARS = ("=", "+", "-", "@")


@dataclass
class Parsed:
    values: pd.Series  # canonical values, NA where the cell was empty or bad
    reasons: pd.Series  # index of bad cells -> why (empty when everything parsed)


def parse(raw: pd.Series, column: Column) -> Parsed:
    """Parse one column's raw cells according to the column's kind."""
    typed = _parse_typed(raw, column)
    if typed is not None:
        return typed
    text = to_text(raw)
    if column.kind in ("id", "text", "category"):
        return _parse_text(text, column)
    if column.kind == "enum":
        return _parse_enum(text, column)
    if column.kind in ("datetime", "date"):
        return _parse_dates(raw, text, column)
    if column.kind in ("money", "number", "integer"):
        return _parse_numbers(raw, text, column)
    return _parse_bool(text)


def _parse_typed(raw: pd.Series, column: Column) -> Parsed | None:
    """Columns that already have the right dtype (a DataFrame from code, not a file) skip text parsing."""
    if column.kind in ("datetime", "date") and pd.api.types.is_datetime64_any_dtype(raw):
        values = raw.astype("datetime64[ns]")
        values = values.dt.normalize() if column.kind == "date" else values.dt.floor("s")
        return Parsed(values, _no_problems())
    if column.kind in ("money", "number", "integer") and pd.api.types.is_numeric_dtype(raw) \
            and not pd.api.types.is_bool_dtype(raw):
        return _check_numbers(raw.astype("Float64"), raw, column)
    if column.kind == "bool" and pd.api.types.is_bool_dtype(raw):
        return Parsed(raw.astype("boolean"), _no_problems())
    return None


def to_text(raw: pd.Series) -> pd.Series:
    """Cells as stripped strings (object dtype), NA for empty cells.

    Numbers that an .xlsx stored for an id column (``1.0``) come back as ``"1"``;
    a leading apostrophe that protected a formula-like text in Excel is dropped.
    """
    s = raw.astype(object)
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        s = s.where(s.notna(), None)  # the usual CSV case: no per-cell Python work
    else:
        s = s.map(lambda v: None if _is_missing(v) else v if isinstance(v, str) else _scalar_to_text(v))
    s = s.str.strip()
    s = s.where(s != "", None)
    # "'=SUM(A1)" is how a spreadsheet (and crmkit's own export) keeps a formula-like text
    quoted = s.str.startswith("'", na=False) & s.str[1:2].isin(_FORMULA_CHARS)
    if quoted.any():
        s = s.where(~quoted, s.str[1:])
    return s


def _is_missing(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _scalar_to_text(v) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, pd.Timestamp) or hasattr(v, "isoformat"):
        return pd.Timestamp(v).isoformat(sep=" ")
    return str(v)


def _no_problems() -> pd.Series:
    return pd.Series([], dtype=object)


def _parse_text(text: pd.Series, column: Column) -> Parsed:
    reasons = _no_problems()
    if column.kind == "id":
        too_long = text.str.len() > 64
        has_break = text.str.contains(r"[\r\n\t]", regex=True, na=False)
        bad = too_long.fillna(False) | has_break
        if bad.any():
            reasons = pd.Series(
                np.where(too_long[bad].fillna(False), "an id is at most 64 characters", "an id cannot contain line breaks or tabs"),
                index=text.index[bad], dtype=object,
            )
            text = text.where(~bad, None)
    return Parsed(text, reasons)


def enum_lookup(column: Column) -> dict[str, str]:
    """Every accepted spelling of an enum column's values -> canonical value."""
    lookup: dict[str, str] = {}
    for value, label in column.choices.items():
        for spelling in (value, label, value.replace("_", " "), value.replace("_", "-")):
            lookup[spelling.lower()] = value
        if len(value) == 1:  # grades: "A级", "A类", "a"
            for suffix in ("级", "类", "档"):
                lookup[(value + suffix).lower()] = value
    for spelling, value in column.choice_aliases.items():
        lookup[spelling.lower()] = value
    return lookup


def _parse_enum(text: pd.Series, column: Column) -> Parsed:
    lookup = enum_lookup(column)
    values = text.str.lower().map(lookup)
    bad = text.notna() & values.isna()
    reasons = _no_problems()
    if bad.any():
        allowed = ", ".join(f"{v} ({label})" for v, label in column.choices.items())
        reasons = text[bad].map(lambda v: f"unknown {column.name} {v!r}; allowed: {allowed}")
    return Parsed(values.astype(object).where(values.notna(), None), reasons)


def _parse_dates(raw: pd.Series, text: pd.Series, column: Column) -> Parsed:
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    todo = text.notna()
    # Real dates from an .xlsx arrive as datetime objects.
    if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        is_dt = pd.Series(False, index=raw.index)
    else:
        is_dt = raw.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64, dt.date)))
    if is_dt.any():
        out[is_dt] = pd.to_datetime(raw[is_dt].astype(object), errors="coerce")
        todo &= ~is_dt
    # Fast path: ISO 8601 strings (what crmkit itself writes) parse in C.
    if todo.any():
        iso = pd.to_datetime(text[todo], format="ISO8601", errors="coerce")
        out[iso.index] = iso
        todo &= out.isna()
    # 2023/01/01, 2023-1-1 10:30, 2023年1月1日, 2023.1.1
    if todo.any():
        parts = text[todo].str.extract(_DATE_RE)
        seconds = parts["S"].astype(float).fillna(0)
        stamps = pd.to_datetime(
            pd.DataFrame({
                "year": parts["y"].astype(float), "month": parts["m"].astype(float),
                "day": parts["d"].astype(float), "hour": parts["H"].astype(float).fillna(0),
                "minute": parts["M"].astype(float).fillna(0), "second": np.floor(seconds),
            }),
            errors="coerce",
        )
        stamps = stamps.where(parts["y"].notna())
        out[stamps.index] = stamps
        todo &= out.isna()
    # Excel serial dates (44927 is 2023-01-01), as numbers or as text in a CSV
    if todo.any():
        serial = pd.to_numeric(text[todo], errors="coerce")
        ok = serial.between(EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX)
        if ok.any():
            days = serial[ok]
            out[days.index] = EXCEL_EPOCH + pd.to_timedelta(days.round(6), unit="D")
            todo &= out.isna()
    reasons = _no_problems()
    if todo.any():
        reasons = text[todo].map(lambda v: f"unparseable date {v!r}; write it like 2023-01-31, 2023/1/31 or 2023年1月31日")
    if column.kind == "date":
        out = out.dt.normalize()
    # seconds resolution is all a CRM keeps; it also makes round trips exact
    out = out.dt.floor("s")
    return Parsed(out, reasons)


def _parse_numbers(raw: pd.Series, text: pd.Series, column: Column) -> Parsed:
    cleaned = (
        text.str.replace(r"[\s,，¥￥元]|RMB|CNY", "", regex=True)
        .str.replace(r"^\((.*)\)$", r"-\1", regex=True)  # accountants' (100) means -100
    )
    numbers = pd.to_numeric(cleaned, errors="coerce").astype("Float64")
    return _check_numbers(numbers, text, column)


def _check_numbers(numbers: pd.Series, shown: pd.Series, column: Column) -> Parsed:
    """Reject what cannot be this column's number; ``shown`` is what the user wrote."""
    finite = numbers.notna() & np.isfinite(numbers.fillna(0).astype(float))
    reasons: dict = {}
    for i in shown.index[shown.notna() & ~finite]:
        reasons[i] = f"not a number: {shown[i]!r}"
    if column.kind == "money":
        for i in numbers.index[(finite & (numbers < 0)).fillna(False)]:
            reasons[i] = f"negative amount {shown[i]!r}; amounts cannot be below zero"
    if column.kind == "integer":
        for i in numbers.index[(finite & (numbers % 1 != 0)).fillna(False)]:
            reasons[i] = f"{shown[i]!r} is not a whole number"
    values = numbers.where(finite)
    if reasons:
        values[list(reasons)] = pd.NA
    values = values.round(0).astype("Int64") if column.kind == "integer" else values
    return Parsed(values, pd.Series(reasons, dtype=object))


def _parse_bool(text: pd.Series) -> Parsed:
    low = text.str.lower()
    values = pd.Series(pd.NA, index=text.index, dtype="boolean")
    values[low.isin(_TRUE)] = True
    values[low.isin(_FALSE)] = False
    bad = text.notna() & values.isna()
    reasons = _no_problems()
    if bad.any():
        reasons = text[bad].map(lambda v: f"{v!r} is not yes/no; write 是 or 否")
    return Parsed(values, reasons)
