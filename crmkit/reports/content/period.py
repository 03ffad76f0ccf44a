"""A week's or a quarter's data: what the weekly and quarterly reports read, read once, with the
filters in SQL, through the same store reads as the month (``month.py``).

>>> data = load_period(None, "weekly", "2026-W44")           # doctest: +SKIP
>>> data = load_period(None, "quarterly", "2026Q3", region="华东")   # doctest: +SKIP

Periods are written as ISO weeks ("2026-W44", Monday to Sunday; any day of the week is taken as
its week) and quarters ("2026Q3"). Reads, each ending at the period's end so a report on a past
period never sees later records:

* weekly: customers; interactions up to the week's end (this week and last week for the traffic,
  the older ones for the follow-ups they set, ``next_date``, that fall due in the week); the
  visit plans' items of this week and last week;
* quarterly: customers; the quarter's interactions; every card created up to the quarter's
  end (those closed in the quarter count); orders of the last eight quarters (sales by quarter,
  the same quarter last year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import pandas as pd

from ...i18n import translate
from .formatting import BILINGUAL, DEFAULT_CURRENCY, REPORT_LANGS, ReportLanguage, check_currency
from .month import OPPORTUNITY_COLUMNS, ORDER_COLUMNS, id_set, is_in
from .section import timed

KINDS = ("weekly", "quarterly")
#: The notebook parameter that names each kind's period.
PERIOD_PARAMETER = {"monthly": "month", "weekly": "week", "quarterly": "quarter"}

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)

WEEK_CUSTOMER_COLUMNS = ["region", "owner", "source", "created_at"]
WEEK_INTERACTION_COLUMNS = ["customer_id", "occurred_at", "channel", "rep", "next_date"]
VISIT_PLAN_COLUMNS = ["rep", "day", "customer_id", "status"]
QUARTER_CUSTOMER_COLUMNS = ["region", "owner", "created_at"]
QUARTER_INTERACTION_COLUMNS = ["customer_id", "occurred_at", "channel", "rep"]
QUARTER_ORDER_COLUMNS = [*ORDER_COLUMNS, "gross_margin"]
#: Quarters of sales the quarterly report shows (this one and the seven before: two years).
QUARTERS_SHOWN = 8


def checked_week(week) -> str:
    """"2026-W44", "2026W44" or a day ("2026-10-28") → "2026-W44" (the ISO week holding it).

    Raises ValueError saying the expected form when ``week`` is neither.
    """
    text = str(week).strip()
    found = _WEEK.match(text)
    try:
        if found:
            monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
        elif _DAY.match(text):
            monday = pd.Timestamp(text).date()
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"write the week as YYYY-Www (e.g. 2026-W44) or a day of it (2026-10-28), got {week!r}") \
            from None
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}"


def checked_quarter(quarter) -> str:
    """"2026Q3" or "2026-Q3" → "2026Q3"; ValueError saying the expected form otherwise."""
    found = _QUARTER.match(str(quarter).strip())
    if not found:
        raise ValueError(f"write the quarter as YYYYQn with n from 1 to 4 (e.g. 2026Q3), got {quarter!r}")
    return f"{found.group(1)}Q{found.group(2)}"


def checked_period(kind: str, period) -> str:
    if kind == "weekly":
        return checked_week(period)
    if kind == "quarterly":
        return checked_quarter(period)
    raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")


def period_bounds(kind: str, period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first day of the period and the first day after it ("monthly" takes "YYYY-MM")."""
    if kind == "monthly":
        start = pd.Period(period, "M").start_time
        return start, start + pd.DateOffset(months=1)
    period = checked_period(kind, period)
    if kind == "weekly":
        year, number = period.split("-W")
        start = pd.Timestamp(date.fromisocalendar(int(year), int(number), 1))
        return start, start + pd.Timedelta(days=7)
    start = pd.Period(period, "Q").start_time
    return start, start + pd.DateOffset(months=3)


def last_full_period(kind: str, last_day: pd.Timestamp) -> str:
    """The last week (Monday to Sunday) or quarter that ends on or before ``last_day``."""
    after = pd.Timestamp(last_day).normalize() + pd.Timedelta(days=1)
    if kind == "weekly":
        monday = after - pd.Timedelta(days=after.day_of_week) - pd.Timedelta(days=7)
        return checked_week(f"{monday:%Y-%m-%d}")
    if kind == "quarterly":
        return str(after.to_period("Q") - 1)
    raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")


@dataclass
class PeriodData(ReportLanguage):
    """Everything a weekly or quarterly report needs, read once by :func:`load_period`.

    ``start``/``end`` bound the period (end exclusive); ``previous_start`` is the week (quarter)
    before's first day, ``last_year_start``/``last_year_end`` the same quarter a year earlier.
    The frames hold crmkit's column names and dtypes; a frame a kind does not read is empty.
    It offers what the section machinery (``section.py``, ``display.py``) uses of
    :class:`~crmkit.reports.content.month.MonthData`: ``lang``, ``prose``, ``fmt``, ``label``,
    ``scope``, ``is_empty``, ``timings``, ``memo``.
    """

    kind: str
    period: str
    db_url: str | None
    region: str | None
    rep: str | None
    show_personal_data: bool
    start: pd.Timestamp
    end: pd.Timestamp
    customers: pd.DataFrame
    interactions: pd.DataFrame
    opportunities: pd.DataFrame
    orders: pd.DataFrame
    visit_plans: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    lang: str = BILINGUAL
    currency: str = DEFAULT_CURRENCY
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def month(self) -> str:
        """The period's name (what the month's report calls ``month``: title, timings)."""
        return self.period

    @property
    def previous_start(self) -> pd.Timestamp:
        return self.start - (pd.Timedelta(days=7) if self.kind == "weekly" else pd.DateOffset(months=3))

    @property
    def last_year_start(self) -> pd.Timestamp:
        return self.start - pd.DateOffset(years=1)

    @property
    def last_year_end(self) -> pd.Timestamp:
        return self.end - pd.DateOffset(years=1)

    @property
    def as_of(self) -> pd.Timestamp:
        return self.end - pd.Timedelta(days=1)

    @property
    def heading(self) -> str:
        """The report's title, in the report's language."""
        if self.kind == "weekly":
            return translate("Weekly CRM report", self.lang)
        return translate("Quarterly CRM report", self.lang)

    @property
    def period_words(self) -> str:
        """The period in words, e.g. "2026-W44 (10-26 to 11-01)" or "2026年第3季度"."""
        if self.kind == "weekly":
            return translate("Week {week}", self.prose, week=self.period)
        return translate("{year} quarter {quarter}", self.prose, year=self.start.year,
                         quarter=self.start.quarter)

    @property
    def scope(self) -> str:
        parts = []
        if self.region is not None:
            parts.append(translate("region {region}", self.prose, region=self.region))
        if self.rep is not None:
            parts.append(translate("rep {rep}", self.prose, rep=self.rep))
        return " · ".join(parts)

    @property
    def label(self) -> str:
        text = self.period_words
        return translate("{month} ({scope})", self.prose, month=text, scope=self.scope) if self.scope else text

    @cached_property
    def is_empty(self) -> bool:
        """True when the period holds no record of any kind (in the filter's scope)."""
        frames = [(self.customers, "created_at"), (self.interactions, "occurred_at"), (self.orders, "ordered_at"),
                  (self.opportunities, "closed_at"), (self.visit_plans, "day")]
        return not any(len(self.within(frame, column)) for frame, column in frames if column in frame)

    def within(self, frame: pd.DataFrame, column: str, start=None, end=None) -> pd.DataFrame:
        """The rows of ``frame`` whose ``column`` falls in the period (or in [start, end))."""
        start = self.start if start is None else start
        end = self.end if end is None else end
        dates = frame[column]
        return frame[(dates >= start) & (dates < end)]

    in_month = within  # the monthly sections' name for it (``performance.closed_cards`` uses it)


def load_period(db_url: str | None, kind: str, period: str, *, region: str | None = None, rep: str | None = None,
                show_personal_data: bool = False, lang: str = BILINGUAL,
                currency: str = DEFAULT_CURRENCY) -> PeriodData:
    """Read what the ``kind`` ("weekly" or "quarterly") report on ``period`` needs from the store.

    The parameters are those of :func:`~crmkit.reports.content.load_month`; ``period`` is
    "2026-W44" (or a day of the week) or "2026Q3". Raises ValueError on a bad kind, period,
    language, currency, or a region or rep the store has never heard of.
    """
    from ...store import open as open_store
    from .month import _check_filters

    period = checked_period(kind, period)
    start, end = period_bounds(kind, period)
    if lang not in REPORT_LANGS:
        raise ValueError(f"lang must be one of {', '.join(REPORT_LANGS)}, got {lang!r}")
    currency = check_currency(currency)
    timings: dict[str, float] = {}
    region = region or None  # papermill passes "" for "not given" from some shells
    rep = rep or None
    with timed(timings, "queries"), open_store(db_url) as crm:
        def read(table, columns, **dates):
            return crm.read(table, columns=columns, rep=rep, region=region, **dates)

        weekly = kind == "weekly"
        empty = pd.DataFrame()
        frames = {
            "customers": read("customers", WEEK_CUSTOMER_COLUMNS if weekly else QUARTER_CUSTOMER_COLUMNS, end=end),
            "interactions": read("interactions", WEEK_INTERACTION_COLUMNS, end=end) if weekly else
            read("interactions", QUARTER_INTERACTION_COLUMNS, start=start, end=end),
            "opportunities": empty if weekly else read("opportunities", OPPORTUNITY_COLUMNS, end=end),
            "orders": empty if weekly else read("orders", QUARTER_ORDER_COLUMNS,
                                                start=start - pd.DateOffset(months=3 * (QUARTERS_SHOWN - 1)), end=end),
            "visit_plans": read("visit_plans", VISIT_PLAN_COLUMNS, start=start - pd.Timedelta(days=7), end=end)
            if weekly else empty,
        }
        data = PeriodData(kind=kind, period=period, db_url=db_url, region=region, rep=rep,
                          show_personal_data=bool(show_personal_data), start=start, end=end, **frames,
                          timings=timings, lang=lang, currency=currency)
        _check_filters(crm, _FilterView(data))
    return data


class _FilterView:
    """What ``month._check_filters`` looks at, for a period's frames."""

    def __init__(self, data: PeriodData):
        self.region, self.rep, self.customers = data.region, data.rep, data.customers
        self.interactions, self.opportunities, self.orders = data.interactions, data.opportunities, data.orders
        self.settlements = self.complaints = data.visit_plans


__all__ = ["KINDS", "PERIOD_PARAMETER", "PeriodData", "checked_period", "checked_quarter", "checked_week",
           "id_set", "is_in", "last_full_period", "load_period", "period_bounds"]
