"""The time line of a demo data set, and conversions from day counts to timestamps.

``end`` (default 2026-10-31) is the last day of history, the data set's ``as_of`` (a calendar
day, as ``crmkit.timeframe`` reads it); ``stop`` is the midnight after it (2026-11-01 00:00), so
every event happened strictly before ``stop`` and the last full month is the month of ``end``.
History starts ``years`` before ``stop``. Event times fall in business
hours (08:30-18:30); internally time is counted in days since the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

_DEFAULT_END = date(2026, 10, 31)
_NAT = np.iinfo(np.int64).min
_DAY_NS = 86_400 * 1_000_000_000


@dataclass(frozen=True)
class _Timeline:
    start: pd.Timestamp  # midnight of day 0
    stop: pd.Timestamp  # midnight after the last day of history
    n_days: int

    def stamps(self, t_days: np.ndarray) -> np.ndarray:
        """Continuous days since start -> datetime64[ns] in business hours (08:30-18:30).

        The fraction of the day is stretched monotonically over the working day, so the
        order of events and their calendar day are kept.
        """
        t_days = np.asarray(t_days, dtype=float)
        day = np.floor(t_days)
        minutes = np.round((8.5 + (t_days - day) * 10.0) * 60.0)
        ns = (day.astype(np.int64) * 1440 + minutes.astype(np.int64)) * 60_000_000_000
        return (ns + self.start.value).view("datetime64[ns]")

    def dates(self, days: np.ndarray) -> np.ndarray:
        """Whole days since start -> midnight datetime64[ns]; negative sentinel -> NaT."""
        days = np.asarray(days, dtype=np.int64)
        ns = np.where(days == _NAT, _NAT, days * _DAY_NS + self.start.value)
        return ns.view("datetime64[ns]")


def _timeline(end, years: float) -> _Timeline:
    end_ts = pd.Timestamp(_DEFAULT_END if end is None else end).normalize()
    stop = (end_ts + pd.Timedelta(days=1)).as_unit("ns")
    n_days = max(round(years * 365.25), 30)
    start = stop - pd.Timedelta(days=n_days)
    return _Timeline(start=start, stop=stop, n_days=n_days)
