"""Turn the raw cells of a user's file (or a form's fields) into canonical values.

Every parser is vectorised: it takes a pandas Series of raw cells (strings from a CSV,
Python objects from an .xlsx) and returns the parsed Series plus, for each bad cell,
the reason it was rejected. Nothing here raises on bad data; the importer turns the
reasons into an ImportReport.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import day_month
from .i18n import translate
from .rules import Fault
from .schema import Column
from .values import is_missing

# Excel's day zero for serial dates (it counts the fictitious 1900-02-29, hence the 30th).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Excel day numbers crmkit reads as dates: 10000 is 1927-05-18, 109574 is 2199-12-31. A smaller
# number in a date column is far more often a year someone typed ("2000") than a day in 1905.
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 10_000, 109_574
DATE_MIN, DATE_MAX = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")

_DATE_RE = (
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
    r"(?:[\sT]+(?P<H>\d{1,2})\s*[:：时点]\s*(?P<M>\d{1,2})\s*(?:[:：分]\s*(?P<S>\d{1,2}(?:\.\d+)?)\s*秒?)?\s*分?)?$"
)
_TRUE = {"是", "有", "y", "yes", "true", "t", "1", "1.0", "√", "✓", "已留", "留资"}
_FALSE = {"否", "无", "没有", "n", "no", "false", "f", "0", "0.0", "×", "✗", "未留", "未留资"}


@dataclass
class Parsed:
    values: pd.Series  # canonical values, NA where the cell was empty or bad
    reasons: pd.Series  # index of bad cells -> why (empty when everything parsed)


# Characters a spreadsheet cannot hold (XML 1.0, which .xlsx is, has no way to write them):
# control characters other than tab, line feed and carriage return, and U+FFFE / U+FFFF.
UNWRITABLE = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_UNWRITABLE_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"


def parse(raw: pd.Series, column: Column, lang: str = "en", *, date_order: str | None = None,
          rows=None) -> Parsed:
    """Parse one column's raw cells according to the column's kind; reasons in ``lang`` where
    crmkit has them (unknown choices name the allowed values in it).

    ``date_order`` ("MDY" or "DMY", see ``crmkit.day_month``) reads dates written day and month
    first; ``rows`` (the spreadsheet row of each cell, in order) lets a reason point at another
    cell of the column ("the file writes day first: 31/01/2025 in row 7"); without it, a cell's
    position counts from 1.
    """
    typed = _parse_typed(raw, column)
    if typed is not None:
        return typed
    text = to_text(raw)
    unwritable = unwritable_cells(text, lang)
    if not unwritable.empty:
        text = text.where(~text.index.isin(unwritable.index))
        raw = raw.where(~raw.index.isin(unwritable.index))
    parsed = _parse_kind(raw, text, column, lang, day_month.check_order(date_order, lang), rows)
    if not unwritable.empty:
        parsed.reasons = pd.concat([parsed.reasons, unwritable])
    return parsed


def _parse_kind(raw: pd.Series, text: pd.Series, column: Column, lang: str, date_order: str | None = None,
                rows=None) -> Parsed:
    if column.kind in ("id", "text", "category"):
        return _parse_text(text, column, lang)
    if column.kind == "enum":
        return _parse_enum(text, column, lang)
    if column.kind in ("datetime", "date"):
        return _parse_dates(raw, text, column, lang, date_order, rows)
    if column.kind in ("money", "number", "integer"):
        return _parse_numbers(raw, text, column)
    return _parse_bool(text)


def unwritable_cells(text: pd.Series, lang: str = "en") -> pd.Series:
    """Cells holding a NUL or another character no spreadsheet can hold -> why (with its position).

    Such a cell would be stored fine and then break every .xlsx export of the table, so it is
    refused where it comes in.
    """
    cells = _arrow(text)
    if not _may_hold_unwritable(cells):
        return _no_problems()
    found = pc.match_substring_regex(cells, _UNWRITABLE_RE2)
    hit = pd.Series(found.to_numpy(zero_copy_only=False), index=text.index).fillna(False).astype(bool)
    if not hit.any():
        return _no_problems()
    pattern = re.compile(UNWRITABLE)

    def why(cell: str) -> Fault:
        match = pattern.search(cell)
        code_point = f"U+{ord(match.group()):04X}"
        return Fault(translate("holds a character no spreadsheet can keep ({char}) at position {position}; "
                               "remove it", lang, char=code_point, position=match.start() + 1),
                     "bad_character")

    return pd.Series([why(cell) for cell in text[hit].tolist()], index=text.index[hit], dtype=object)


# Every byte but the control characters a cell may not hold (tab, line feed and CR it may).
_WRITABLE_BYTES = bytes(b for b in range(256) if b >= 0x20 or b in (0x09, 0x0A, 0x0D))


def _may_hold_unwritable(cells: pa.Array) -> bool:
    """Whether any of the UTF-8 bytes behind ``cells`` is a forbidden control character or starts
    U+FFFE/U+FFFF: one pass over the column's data buffer in C, so the cell-by-cell search runs
    only for the rare column that has one (it costs a tenth of an import otherwise)."""
    for chunk in cells.chunks if isinstance(cells, pa.ChunkedArray) else [cells]:
        data = chunk.buffers()[2]  # validity, offsets, data (the bytes of every cell, end to end)
        if data is None:
            continue
        raw = data.to_pybytes()
        if raw.translate(None, _WRITABLE_BYTES):
            return True
        # U+FFFE and U+FFFF are EF BF BE / EF BF BF; EF BF itself is rare (U+FFC0 and up)
        if b"\xef\xbf" in raw and (b"\xef\xbf\xbe" in raw or b"\xef\xbf\xbf" in raw):
            return True
    return False


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


TEXT = pd.StringDtype()  # Arrow-backed in pandas 3: string work runs in C, not per cell in Python


def _arrow(text: pd.Series) -> pa.Array:
    return pa.array(text.astype(TEXT).array, type=pa.string())


def _matches(text: pd.Series, pattern: str) -> pd.Series:
    """Cells that match ``pattern`` from their start (RE2 syntax), computed by Arrow in C++."""
    hit = pc.match_substring_regex(_arrow(text), "^(?:" + pattern + ")")
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=text.index).fillna(False).astype(bool)


def _nfkc(text: pd.Series) -> pd.Series:
    """Full-width digits and punctuation (a Chinese input method's) as their ASCII forms."""
    arr = _arrow(text)
    if not pc.any(pc.match_substring_regex(arr, "[\uFF01-\uFF5E\u3000]")).as_py():
        return text  # the usual case; normalising every cell costs more than looking
    return pd.Series(pd.arrays.ArrowStringArray(pc.utf8_normalize(arr, "NFKC")), index=text.index)


def to_text(raw: pd.Series) -> pd.Series:
    """Cells as stripped strings (``TEXT`` dtype), NA for empty cells.

    Numbers that an .xlsx stored for an id column (``1.0``) come back as ``"1"``;
    a leading apostrophe that protected a formula-like text in Excel is dropped.
    """
    if isinstance(raw.dtype, pd.StringDtype) or pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        s = raw.astype(TEXT)  # the usual CSV case: no per-cell Python work
    else:
        s = raw.astype(object).map(
            lambda v: None if is_missing(v) else v if isinstance(v, str) else _scalar_to_text(v)
        ).astype(TEXT)
    s = s.str.strip()
    s = s.where(s != "")
    # "'=SUM(A1)" is how a spreadsheet (and crmkit's own export) keeps a formula-like text
    quoted = s.str.match(r"'[=+\-@]").fillna(False)
    if quoted.any():
        s = s.where(~quoted, s.str.slice(1))
    return s


def _scalar_to_text(v) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, (pd.Timestamp, dt.date, np.datetime64)):
        return pd.Timestamp(v).isoformat(sep=" ")
    return str(v)


def _no_problems() -> pd.Series:
    return pd.Series([], dtype=object)


def _faults(cells: pd.Series, why, code: str) -> pd.Series:
    """The reason for each of ``cells`` (``why(cell)``), coded. Built as objects: ``map`` would
    infer a string dtype and drop the codes."""
    return pd.Series([Fault(why(v), code) for v in cells.tolist()], index=cells.index, dtype=object)


def _parse_text(text: pd.Series, column: Column, lang: str = "en") -> Parsed:
    reasons = _no_problems()
    if column.kind == "id":
        too_long = text.str.len() > 64
        has_break = text.str.contains(r"[\r\n\t]", regex=True, na=False)
        bad = too_long.fillna(False) | has_break
        if bad.any():
            reasons = pd.Series(
                [Fault("an id is at most 64 characters" if long else "an id cannot contain line breaks or tabs", "bad_id")
                 for long in too_long[bad].fillna(False)],
                index=text.index[bad], dtype=object,
            )
            text = text.where(~bad)
    if column.text_format in READ_FORMATS:
        return _read_text_format(text, column.text_format, lang)
    if column.text_format:
        reasons, text = _check_text_format(text, column.text_format)
    return Parsed(text, reasons)


# A phone: digits with the usual separators, an optional extension (0571-8888 6666 转 123,
# +86 138 0013 8000, (010)12345678). 7 to 20 digits before the extension: a landline without
# its area code has 7, an international mobile about 15.
_PHONE = r"(?i)^\+?[\d\s\-()./]+(?:(?:转|分机|ext\.?|x)\s*\d{1,6})?$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"


def _check_text_format(text: pd.Series, text_format: str) -> tuple[pd.Series, pd.Series]:
    """Cells that do not look like a phone number / an e-mail address: their reasons, and the text without them."""
    reasons = text_format_problems(text, text_format)
    if reasons.empty:
        return reasons, text
    return reasons, text.where(~text.index.isin(reasons.index))


#: Text formats read into a canonical text (the others are only checked): "clock" a time of day
#: ("9点半" -> "09:30"), "visit_times" a 不宜访问时间 ("周一上午" -> "Mon 08:00-12:00"; crmkit.visit_times).
READ_FORMATS = {"clock": ("bad_time", "canonical_clock"), "visit_times": ("bad_visit_times", "canonical_visit_times")}


def _read_text_format(text: pd.Series, text_format: str, lang: str = "en") -> Parsed:
    """Each distinct text read once (a column repeats a few values): canonical text, or the reason."""
    from . import visit_times

    code, reader_name = READ_FORMATS[text_format]
    reader = getattr(visit_times, reader_name)
    canonical, reasons = {}, {}
    for value in text.dropna().unique():
        try:
            canonical[value] = reader(value, lang)
        except visit_times.VisitTimesError as err:
            reasons[value] = Fault(str(err), code)
    values = text.map(canonical).astype(TEXT) if len(text) else text
    bad = text.isin(list(reasons)).fillna(False).to_numpy(dtype=bool) if reasons else np.zeros(len(text), bool)
    problems = pd.Series([reasons[v] for v in text[bad]], index=text.index[bad], dtype=object)
    return Parsed(values, problems)


def text_format_problems(text: pd.Series, text_format: str) -> pd.Series:
    """Cells that do not look like a phone number / an e-mail address -> why (the ``Format`` rule)."""
    if text_format in READ_FORMATS:
        return _read_text_format(text, text_format).reasons
    given = text.notna()
    if text_format == "phone":
        # Most phones are bare digits: one simple pattern clears them, the full test runs on the rest.
        plain = text.str.fullmatch(r"[0-9]{7,20}").fillna(False).astype(bool)
        rest = text[given & ~plain]
        main = rest.str.replace(r"(?i)(?:转|分机|ext\.?|x)\s*\d{1,6}$", "", regex=True)
        ok = (rest.str.match(_PHONE) & main.str.count(r"\d").between(7, 20)).reindex(text.index, fill_value=True)
        why = "not a phone number: 7 to 20 digits, with spaces, + - ( ) and 转/ext for an extension"
    else:
        ok = text.str.match(_EMAIL)
        why = "not an e-mail address (name@domain.cn)"
    bad = given & ~ok.fillna(False).astype(bool)
    if not bad.any():
        return _no_problems()
    return pd.Series([Fault(why, "bad_format")] * int(bad.sum()), index=text.index[bad], dtype=object)


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


def _parse_enum(text: pd.Series, column: Column, lang: str = "en") -> Parsed:
    lookup = enum_lookup(column)
    # map the few distinct spellings, not every cell
    spellings = pd.Series(text.dropna().unique()).astype(object)
    canonical = dict(zip(spellings, spellings.str.lower().map(lookup)))
    values = text.map(canonical).astype(TEXT)
    bad = text.notna() & values.isna()
    reasons = _no_problems()
    if bad.any():
        allowed = allowed_choices(column, lang)
        reasons = _faults(text[bad], lambda v: translate("unknown {field} {value}; allowed: {allowed}", lang,
                                                         field=column.label(lang), value=repr(v), allowed=allowed),
                          "unknown_choice")
    return Parsed(values, reasons)


def allowed_choices(column: Column, lang: str) -> str:
    """An enum column's values as a user may write them: the value first in English (``won (成交)``),
    the form's label first in Chinese (``成交 (won)``); both are accepted on import."""
    pairs = [(v, label) if lang == "en" else (label, v) for v, label in column.choices.items()]
    return ", ".join(f"{first} ({second})" for first, second in pairs)


def _parse_dates(raw: pd.Series, text: pd.Series, column: Column, lang: str = "en", date_order: str | None = None,
                 rows=None) -> Parsed:
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    reasons: dict = {}
    text = _nfkc(text)
    todo = text.notna().to_numpy().copy()
    todo = pd.Series(todo, index=text.index)

    def take(stamps: pd.Series) -> None:
        """Keep parsed values inside the range a CRM uses; name the others."""
        stamps = stamps.dropna()
        inside = (stamps >= DATE_MIN) & (stamps < DATE_MAX)
        for i in stamps.index[~inside]:
            reasons[i] = _out_of_range(text[i], lang)
        out[stamps.index[inside]] = stamps[inside].astype("datetime64[ns]")
        todo[stamps.index] = False

    # Real dates from an .xlsx arrive as datetime objects.
    if not (isinstance(raw.dtype, pd.StringDtype) or pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty")):
        is_dt = raw.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64, dt.datetime, dt.date)))
        if is_dt.any():
            stamps = pd.to_datetime(raw[is_dt].map(_naive), errors="coerce", format="mixed")
            take(stamps.where(stamps.notna(), None))
    # A bare number is an Excel serial date (44927 is 2023-01-01), never a year.
    numeric = todo & _matches(text, r"-?\d+(?:\.\d*)?$")
    if numeric.any():
        take(_from_excel_serial(pd.to_numeric(text[numeric]), reasons, text, lang))
        todo &= ~numeric
    # Fast path: ISO 8601 strings (what crmkit itself writes) parse in C. A UTC offset is
    # dropped: the CRM keeps the wall-clock time the user wrote.
    iso_like = todo & _matches(text, r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
    if iso_like.any():
        bare = text[iso_like].str.replace(r"(?:Z|[+-]\d{2}:?\d{2})$", "", regex=True)
        stamps = pd.to_datetime(bare, format="ISO8601", errors="coerce")
        take(stamps)
    # 2023/01/01, 2023-1-1 10:30, 2023年1月1日, 2023.1.1
    if todo.any():
        parts = _extract(text[todo], _DATE_RE)
        take(_from_parts(parts, text, reasons, todo, lang))
    # 31/01/2025, 12/1/2010 8:26: read only in the order the user named (crmkit.day_month)
    if todo.any():
        _read_day_month(text, todo, reasons, take, date_order, rows, lang)
    for i in text.index[todo & ~text.index.isin(list(reasons))]:
        reasons[i] = Fault(translate("unparseable date {value}; write it like 2023-01-31 or 2023/1/31",
                                     lang, value=repr(text[i])), "bad_date")
    if column.kind == "date":
        out = out.dt.normalize()
    # seconds resolution is all a CRM keeps; it also makes round trips exact
    out = out.dt.floor("s")
    return Parsed(out, pd.Series(reasons, dtype=object))


def _out_of_range(cell: str, lang: str) -> Fault:
    return Fault(translate("date {value} is out of range; crmkit keeps dates from 1900 to 2199", lang,
                           value=repr(cell)), "date_out_of_range")


def _from_parts(parts: pd.DataFrame, text: pd.Series, reasons: dict, todo: pd.Series, lang: str) -> pd.Series:
    """Year, month, day and time of day (columns y, m, d, H, M, S) -> timestamps. A year outside
    crmkit's range or a time no clock shows gets its reason here; a day the calendar lacks
    (2023/2/30) comes back NaT for the caller to name."""
    far = (parts["y"] < DATE_MIN.year) | (parts["y"] >= DATE_MAX.year)
    for i in parts.index[far]:
        reasons[i] = _out_of_range(text[i], lang)
        todo[i] = False
    parts = parts[~far]
    # pandas would roll 25:00 over into the next day; a clock has no such time
    clock = ((parts["H"] > 23) | (parts["M"] > 59) | (parts["S"] >= 60)).fillna(False)
    for i in parts.index[clock]:
        reasons[i] = Fault(translate("{value} has no such time of day", lang, value=repr(text[i])), "bad_date")
        todo[i] = False
    parts = parts[~clock]
    if not len(parts):
        return pd.Series(dtype="datetime64[ns]")
    return pd.to_datetime(
        pd.DataFrame({"year": parts["y"], "month": parts["m"], "day": parts["d"],
                      "hour": parts["H"].fillna(0), "minute": parts["M"].fillna(0),
                      "second": np.floor(parts["S"].fillna(0))}),
        errors="coerce",
    )


def _read_day_month(text: pd.Series, todo: pd.Series, reasons: dict, take, date_order: str | None, rows,
                    lang: str) -> None:
    """Dates written day and month first: read in ``date_order``, or named as needing one."""
    rest = text[todo]
    short_year = day_month.two_digit_years(rest)
    for i in rest.index[short_year]:
        reasons[i] = day_month.two_digit_year(text[i], lang)
        todo[i] = False
    parts = day_month.split(rest[~short_year])
    if not len(parts):
        return
    if date_order is None:
        found = day_month.proofs(parts, text)
        row_of = _row_numbers(text.index, rows)
        reasons.update(day_month.needs_order(text[parts.index], found, row_of, lang))
        todo[parts.index] = False
        return
    ordered = day_month.in_order(parts, date_order)
    stamps = _from_parts(ordered, text, reasons, todo, lang)
    take(stamps)
    missed = stamps.index[stamps.isna().to_numpy()]
    if len(missed):
        other = "DMY" if date_order == "MDY" else "MDY"
        reads_other_way = day_month.is_a_day(day_month.in_order(parts.loc[missed], other))
        for i in missed:
            reasons[i] = day_month.not_a_day(text[i], date_order, bool(reads_other_way[i]), lang)
            todo[i] = False


def _row_numbers(index: pd.Index, rows):
    """index label -> the spreadsheet row the user sees (or the cell's position from 1)."""
    numbers = np.asarray(rows) if rows is not None else np.arange(1, len(index) + 1)
    where = pd.Series(numbers, index=index)
    return lambda i: int(where[i])


def _extract(text: pd.Series, pattern: str) -> pd.DataFrame:
    """The named groups of ``pattern`` as numbers, one row per matching cell (Arrow, RE2)."""
    found = pc.extract_regex(_arrow(text), pattern)
    matched = found.is_valid().to_numpy(zero_copy_only=False)
    columns = {}
    for name in found.type.names if hasattr(found.type, "names") else [f.name for f in found.type]:
        col = pc.struct_field(found, name)
        col = pc.if_else(pc.equal(col, ""), None, col)  # an optional group that did not take part
        columns[name] = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
    return pd.DataFrame(columns, index=text.index)[matched]


def _naive(v):
    """A datetime as its wall-clock time, without a time zone."""
    ts = pd.Timestamp(v)
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def _from_excel_serial(serial: pd.Series, reasons: dict, text: pd.Series, lang: str = "en") -> pd.Series:
    """Excel day numbers -> timestamps, to the nearest second; out-of-range ones get a reason."""
    ok = serial.between(EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX)
    for i in serial.index[~ok]:
        reasons[i] = Fault(translate("{value} is not a date: write the full date, like 2023-01-31 "
                                     "(as an Excel day number it is outside 1927–2199)", lang, value=repr(text[i])),
                           "bad_date")
    days = serial[ok]
    # Excel's day numbers count a 1900-02-29 that never was; from March 1900 on (all of
    # the accepted range) day zero is therefore 1899-12-30.
    epoch = np.full(len(days), EXCEL_EPOCH, dtype="datetime64[s]")
    seconds = (days * 86400).round().to_numpy(dtype="int64").astype("timedelta64[s]")
    return pd.Series((epoch + seconds).astype("datetime64[ns]"), index=days.index)


def _parse_numbers(raw: pd.Series, text: pd.Series, column: Column) -> Parsed:
    cleaned = (
        _nfkc(text).str.replace(r"[\s,，¥￥元]|RMB|CNY", "", regex=True)
        .str.replace(r"^\((.*)\)$", r"-\1", regex=True)  # accountants' (100) means -100
    )
    if column.percent:  # the column is in per cent already: "40%" is 40 (NFKC made ％ a %)
        cleaned = cleaned.str.replace(r"%$", "", regex=True)
    numbers = pd.to_numeric(cleaned, errors="coerce").astype("Float64")
    return _check_numbers(numbers, text, column)


def _check_numbers(numbers: pd.Series, shown: pd.Series, column: Column) -> Parsed:
    """Reject what cannot be this column's number; ``shown`` is what the user wrote."""
    finite = numbers.notna() & np.isfinite(numbers.fillna(0).astype(float))
    reasons: dict = {}
    for i in shown.index[shown.notna() & ~finite]:
        reasons[i] = Fault(f"not a number: {shown[i]!r}", "not_a_number")
    if column.kind == "money":
        for i in numbers.index[(finite & (numbers < 0)).fillna(False)]:
            reasons[i] = Fault(f"negative amount {shown[i]!r}; amounts cannot be below zero", "negative")
    if column.kind == "integer":
        for i in numbers.index[(finite & (numbers % 1 != 0)).fillna(False)]:
            reasons[i] = Fault(f"{shown[i]!r} is not a whole number", "not_whole")
        for i in numbers.index[(finite & (numbers.abs() >= 2**53)).fillna(False)]:
            reasons[i] = Fault(f"{shown[i]!r} is too large for a count", "too_large")
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
        reasons = _faults(text[bad], lambda v: f"{v!r} is not yes/no; write 是 or 否", "not_yes_no")
    return Parsed(values, reasons)
