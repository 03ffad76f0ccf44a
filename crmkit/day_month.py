"""Dates written with the day and the month before the year: 12/1/2010 8:26, 31/01/2025.

US tools write month first, British and European ones day first, and 1/2/2025 reads both ways
(January 2nd or February 1st): a guess would be a silently wrong date. So crmkit reads such dates
only in the order the user names (``date_order="MDY"`` or ``"DMY"``, ``--date-order mdy|dmy``),
for every date column of the file. Without one, each such date is an error that says to name the
order and, when the column proves it (a first number above 12 can only be a day: 31/01/2025), which
order the file uses. Years must have four digits: 1/2/10 would leave the century to a guess too.

``crmkit.parsing`` calls this after the year-first forms (ISO, 2023/1/31, 2023年1月31日, Excel
serials), so those read as before in the same file.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .exceptions import ValueInputError
from .i18n import translate
from .rules import Fault

#: The orders a user may name, and how they read.
ORDERS = {"MDY": "month/day/year", "DMY": "day/month/year"}

# day and month (either order), a 4-digit year, then an optional time of day: 24-hour, or with
# AM/PM as US tools write it ("1/31/2025 2:05 PM", "1/31/2025, 2:05:00 PM"). RE2 syntax (Arrow).
_DAY_MONTH = (
    r"^(?P<a>\d{1,2})\s*[-/.]\s*(?P<b>\d{1,2})\s*[-/.]\s*(?P<y>\d{4})"
    r"(?:(?:\s*,\s*|[\sT]+)(?P<H>\d{1,2})\s*:\s*(?P<M>\d{1,2})(?:\s*:\s*(?P<S>\d{1,2}(?:\.\d+)?))?"
    r"(?:\s*(?P<p>[AaPp]\.?[Mm]\.?))?)?$"
)
# 1/2/10 or 1/2/10 8:26: the year's century would be a guess.
_TWO_DIGIT_YEAR = r"^\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2}(?:[\s,T]|$)"


def check_order(order: str | None, lang: str = "en") -> str | None:
    """``"mdy"``/``"MDY"`` -> ``"MDY"``; None stays None; anything else is refused with the choices."""
    if order is None:
        return None
    name = str(order).strip().upper()
    if name not in ORDERS:
        raise ValueInputError(translate('must be "MDY" (month/day/year) or "DMY" (day/month/year), not {value}',
                                        lang, value=repr(order)), "date_order")
    return name


@dataclass(frozen=True)
class Proof:
    """A cell whose numbers fit one order only: 31/01/2025 (day first) or 1/31/2025 (month first)."""

    index: object  # the cell's index label in the column
    cell: str  # as written
    order: str  # "DMY" or "MDY"


def split(text: pd.Series) -> pd.DataFrame:
    """The cells written day-month-year or month-day-year: their two leading numbers ``a`` and
    ``b``, the year ``y`` and the time ``H``, ``M``, ``S`` (24-hour; NaN where not written), one
    row per matching cell. An AM/PM hour outside 1–12 gets hour 99, which no clock has."""
    found = pc.extract_regex(pa.array(text.astype(pd.StringDtype()).array, type=pa.string()), _DAY_MONTH)
    matched = found.is_valid().to_numpy(zero_copy_only=False)
    columns = {}
    for name in ("a", "b", "y", "H", "M", "S"):
        col = pc.struct_field(found, name)
        col = pc.if_else(pc.equal(col, ""), None, col)  # an optional group that did not take part
        columns[name] = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
    suffix = pc.utf8_upper(pc.struct_field(found, "p"))
    columns["pm"] = pc.starts_with(suffix, "P").to_numpy(zero_copy_only=False)
    columns["twelve_hour"] = pc.not_equal(suffix, "").to_numpy(zero_copy_only=False)
    parts = pd.DataFrame(columns, index=text.index)[matched]
    pm, twelve_hour = parts.pop("pm").astype(bool), parts.pop("twelve_hour").astype(bool)
    hour = parts["H"]
    off_clock = twelve_hour & ((hour < 1) | (hour > 12))
    hour = hour.where(~twelve_hour, hour % 12 + 12 * pm)  # 12 AM is 0:00, 12 PM is noon
    parts["H"] = hour.where(~off_clock, 99)
    return parts


def in_order(parts: pd.DataFrame, order: str) -> pd.DataFrame:
    """``split``'s parts as year, month, day (and time) read in ``order``."""
    month, day = ("a", "b") if order == "MDY" else ("b", "a")
    return parts.rename(columns={month: "m", day: "d"})


def two_digit_years(text: pd.Series) -> pd.Series:
    """Which cells write day and month with a two-digit year (1/2/10)."""
    hit = pc.match_substring_regex(pa.array(text.astype(pd.StringDtype()).array, type=pa.string()), _TWO_DIGIT_YEAR)
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=text.index).fillna(False).astype(bool)


def proofs(parts: pd.DataFrame, text: pd.Series) -> dict[str, Proof]:
    """The first cell that proves each order, if any: a first number above 12 (and a second one
    that can be a month) proves day first; a second number above 12 proves month first."""
    found = {}
    for order, day, month in (("DMY", "a", "b"), ("MDY", "b", "a")):
        fits_one_order = (parts[day] > 12) & (parts[day] <= 31) & (parts[month] >= 1) & (parts[month] <= 12)
        if fits_one_order.any():
            i = parts.index[fits_one_order.to_numpy()][0]
            found[order] = Proof(i, text[i], order)
    return found


def needs_order(cells: pd.Series, found: dict[str, Proof], row_of, lang: str) -> pd.Series:
    """Why each of ``cells`` was not read without a date order, and what the column says about its
    order. A log of 500,000 such dates is common: the text is made once, each cell's value put in."""
    value = _SLOT
    if "DMY" in found and "MDY" in found:
        day, month = found["DMY"], found["MDY"]
        text = translate("date {value} puts the day and the month before the year, and the file writes both orders: "
                         "{day_cell} in row {day_row} is day first, {month_cell} in row {month_row} month first; "
                         "correct the file, then pass date_order", lang, value=value,
                         day_cell=day.cell, day_row=row_of(day.index), month_cell=month.cell,
                         month_row=row_of(month.index))
    elif "DMY" in found:
        text = translate('date {value} puts the day and the month before the year; the file writes day first: '
                         '{cell} in row {row}, so pass date_order="DMY" (--date-order dmy)', lang,
                         value=value, cell=found["DMY"].cell, row=row_of(found["DMY"].index))
    elif "MDY" in found:
        text = translate('date {value} puts the day and the month before the year; the file writes month first: '
                         '{cell} in row {row}, so pass date_order="MDY" (--date-order mdy)', lang,
                         value=value, cell=found["MDY"].cell, row=row_of(found["MDY"].index))
    else:
        text = translate('date {value} puts the day and the month before the year, which reads two ways '
                         '(1/2/2025: January 2 or February 1); write it like 2025-01-31, or name the order: '
                         'date_order="MDY" (--date-order mdy) or "DMY" (--date-order dmy)', lang, value=value)
    before, after = text.split(_SLOT, 1)
    return pd.Series([Fault(before + repr(cell) + after, "needs_date_order") for cell in cells.tolist()],
                     index=cells.index, dtype=object)


_SLOT = "\x00"  # where a cell's value goes in a reason made once for a whole column; no text holds a NUL


def not_a_day(cell: str, order: str, other_order_reads_it: bool, lang: str) -> Fault:
    """Why ``cell`` is no date in the order the user named (13/31/2025 read month first)."""
    value = repr(cell)
    if order == "MDY":
        text = (translate('date {value} is not a day read month first (date_order="MDY"), but is one read day first: '
                          'is the file day first (--date-order dmy)?', lang, value=value) if other_order_reads_it
                else translate('date {value} is not a day read month first (month/day/year, date_order="MDY")',
                               lang, value=value))
    else:
        text = (translate('date {value} is not a day read day first (date_order="DMY"), but is one read month first: '
                          'is the file month first (--date-order mdy)?', lang, value=value) if other_order_reads_it
                else translate('date {value} is not a day read day first (day/month/year, date_order="DMY")',
                               lang, value=value))
    return Fault(text, "bad_date")


def two_digit_year(cell: str, lang: str) -> Fault:
    return Fault(translate("date {value} has a two-digit year; write the year in full (2010, not 10): "
                           "crmkit does not guess the century", lang, value=repr(cell)), "bad_date")


def is_a_day(parts: pd.DataFrame) -> pd.Series:
    """Which rows of year/month/day parts name a real calendar day (no 2/30, no month 13)."""
    stamps = pd.to_datetime(pd.DataFrame({"year": parts["y"], "month": parts["m"], "day": parts["d"]}),
                            errors="coerce") if len(parts) else pd.Series(dtype="datetime64[ns]")
    return stamps.notna()
