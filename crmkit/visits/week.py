"""Which week a plan is for: its Monday, from a day in it or an ISO week ("2026-W45").

>>> monday("2026-11-04"), monday("2026-W45")
(Timestamp('2026-11-02 00:00:00'), Timestamp('2026-11-02 00:00:00'))
"""

from __future__ import annotations

import re

import pandas as pd

from ..exceptions import ParameterError

_ISO_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


def monday(week) -> pd.Timestamp:
    """The Monday (midnight) of ``week``: any day of it (a date, a Timestamp, "2026-11-04") or an
    ISO week ("2026-W45"). ParameterError naming the value when it is neither."""
    if isinstance(week, str) and (m := _ISO_WEEK.match(week)):
        try:
            return pd.Timestamp.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError as err:
            raise ParameterError("week", week, str(err)) from None
    try:
        day = pd.Timestamp(week)
    except (ValueError, TypeError):
        day = pd.NaT
    if pd.isna(day):
        raise ParameterError("week", week, "give a day of the week (2026-11-04) or an ISO week (2026-W45)")
    day = day.tz_localize(None) if day.tzinfo else day
    return day.normalize() - pd.Timedelta(days=day.weekday())


def next_week(crm) -> pd.Timestamp:
    """The week to plan when none is named: the one after the store's data date (today's, for an
    empty store), so a historical store plans the week after its last day."""
    day = crm.data_date() or pd.Timestamp.now().normalize()
    return monday(day) + pd.Timedelta(days=7)


def week_days(start: pd.Timestamp, workdays) -> pd.DatetimeIndex:
    """The working days of the week starting ``start`` (a Monday)."""
    return pd.DatetimeIndex([start + pd.Timedelta(days=d) for d in workdays])
