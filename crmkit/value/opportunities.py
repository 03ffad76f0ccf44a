"""Calendar periods as discrete opportunities: the per-period summary that BG/BB reads.

BG/BB (``crmkit.value.bgbb``) counts *periods with a purchase*, not purchases: a customer who
gives to a yearly drive, renews each season or answers a campaign either bought in a period or
did not. ``opportunity_summary`` turns an order log into that summary, with lifetimes' names
(Fader, Hardie & Shang 2010; lifetimes' ``BetaGeoBetaBinomFitter``):

* the period of a customer's first purchase is their period 0, and does not count;
* ``n_periods``: the periods after it, up to and including the one that ends on ``as_of``;
* ``frequency``: how many of those periods hold at least one purchase (several orders in one
  period are one);
* ``recency``: the last of them, counted from period 0 (0 without any).

Periods (``PERIODS``): "Y", "Q", "M" are calendar years, quarters and months, and ``as_of``
must be the last day of one (a period cut short would count as a period without a purchase
for everyone); "W" are seven-day weeks ending on ``as_of``'s weekday, "D" single days. A
"M" here is a calendar month, an opportunity; the continuous models' "M" (``TIME_UNITS``) is
a length of time, 30.4375 days.

>>> import pandas as pd
>>> orders = pd.DataFrame({"customer_id": ["a", "a", "a", "a", "b"],
...                        "ordered_at": pd.to_datetime(["2021-03-01", "2022-05-01", "2022-06-01",
...                                                      "2024-02-01", "2023-07-01"])})
>>> opportunity_summary(orders, as_of="2025-12-31", period="Y")  # doctest: +NORMALIZE_WHITESPACE
             frequency  recency  n_periods
customer_id
a                    2        3          4
b                    0        0          2
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import ValueInputError

#: The periods a BG/BB summary can count: calendar years, quarters, months; weeks; days.
PERIODS = {"Y": "year", "Q": "quarter", "M": "month", "W": "week", "D": "day"}

#: Where a per-period summary keeps its period (``attrs``).
PERIOD_ATTR = "period"

_CALENDAR = {"Y": "Y", "Q": "Q", "M": "M"}  # pandas' Period frequencies


def check_period(period, argument: str = "period") -> str:
    """``period`` if it is one of ``PERIODS``, else a ValueInputError naming them."""
    if isinstance(period, str) and period in PERIODS:
        return period
    raise ValueInputError(f"unknown {argument} {period!r} for periods with a purchase; use one of "
                          f"{', '.join(PERIODS)} ({', '.join(PERIODS.values())})", argument)


@dataclass(frozen=True)
class PeriodClock:
    """Numbers the days into periods: the period holding ``anchor`` (a period's last day) is 0,
    the one before it -1, the one after it 1."""

    period: str
    anchor: pd.Timestamp

    @classmethod
    def ending_on(cls, day: pd.Timestamp, period: str, argument: str) -> PeriodClock:
        """The clock whose period 0 ends on ``day``; an error naming ``argument`` when ``day``
        is not the last day of a calendar period."""
        check_period(period)
        clock = cls(period, day)
        clock.require_end(day, argument)
        return clock

    def number(self, days: np.ndarray) -> np.ndarray:
        """Period numbers (int64) of ``days`` (days since 1970-01-01, int64)."""
        anchor = int(np.datetime64(self.anchor.date(), "D").astype(np.int64))
        if self.period == "D":
            return days - anchor
        if self.period == "W":
            return -((anchor - days) // 7)  # days anchor-6 .. anchor are week 0
        ordinals = pd.DatetimeIndex(days.astype("datetime64[D]")).to_period(_CALENDAR[self.period]).asi8
        return ordinals - pd.Period(self.anchor, freq=_CALENDAR[self.period]).ordinal

    def end_of(self, numbers: np.ndarray) -> pd.DatetimeIndex:
        """The last day of each period number."""
        numbers = np.asarray(numbers, dtype=np.int64)
        if self.period in ("D", "W"):
            step = 1 if self.period == "D" else 7
            return pd.DatetimeIndex(self.anchor + pd.to_timedelta(numbers * step, unit="D"))
        base = pd.Period(self.anchor, freq=_CALENDAR[self.period]).ordinal
        ends = pd.PeriodIndex.from_ordinals(numbers + base, freq=_CALENDAR[self.period]).end_time
        return ends.normalize()

    def require_end(self, day: pd.Timestamp, argument: str) -> int:
        """The number of the period ``day`` ends; an error when it ends none."""
        number = int(self.number(np.array([np.datetime64(day.date(), "D").astype(np.int64)]))[0])
        last = self.end_of([number])[0]
        if last != day:
            name = PERIODS[self.period]
            raise ValueInputError(
                f"{argument} {day.date()} is not the last day of a {name}: periods with a purchase are counted in "
                f"whole {name}s, and a {name} cut short would count as one without a purchase; use {last.date()} "
                f"(or {self.end_of([number - 1])[0].date()})", argument)
        return number


def purchase_periods(orders: pd.DataFrame, clock: PeriodClock, *, through: int, customer_col: str = "customer_id",
                     date_col: str = "ordered_at", amount_col: str | None = None) -> pd.DataFrame:
    """One row per customer and period with a purchase, periods up to ``through`` (a period
    number of ``clock``): ``customer``, ``period`` and, with ``amount_col``, ``amount`` (the
    period's orders summed). Sorted by customer and period; the input is not modified."""
    from .rfm import _days, _order_labels, _require_columns

    _require_columns(orders, [customer_col, date_col] + ([amount_col] if amount_col else []))
    customers = orders[customer_col]
    missing = customers.isna().to_numpy()
    if missing.any():
        raise ValueInputError(f"{int(missing.sum())} order(s) have no customer", customer_col,
                              _order_labels(orders, customer_col, missing))
    days = _days(orders[date_col], date_col, lambda mask: _order_labels(orders, customer_col, mask))
    frame = pd.DataFrame({"customer": customers.to_numpy(), "period": clock.number(days)})
    if amount_col:
        amounts = pd.to_numeric(orders[amount_col], errors="coerce").to_numpy(dtype="float64")
        bad = np.isnan(amounts)
        if bad.any():
            raise ValueInputError(f"{int(bad.sum())} order(s) have no amount", amount_col,
                                  _order_labels(orders, customer_col, bad))
        frame["amount"] = amounts
    frame = frame[frame["period"] <= through]
    grouped = frame.groupby(["customer", "period"], sort=True)
    out = grouped["amount"].sum() if amount_col else grouped.size()
    return out.rename("amount" if amount_col else "orders").reset_index()


def summarise_periods(per_period: pd.DataFrame, through: int) -> pd.DataFrame:
    """frequency, recency, n_periods per customer (index ``customer``) from ``purchase_periods``'
    rows up to period ``through``, plus ``first_period`` (the number of each one's period 0)."""
    rows = per_period[per_period["period"] <= through]
    first = rows.groupby("customer", sort=True)["period"].agg(["min", "max", "size"])
    frequency = first["size"] - 1
    out = pd.DataFrame({"frequency": frequency.astype(np.int64),
                        "recency": np.where(frequency > 0, first["max"] - first["min"], 0).astype(np.int64),
                        "n_periods": (through - first["min"]).astype(np.int64),
                        "first_period": first["min"].astype(np.int64)}, index=first.index)
    return out


def opportunity_summary(orders: pd.DataFrame, *, as_of, period: str = "Y", customer_col: str = "customer_id",
                        date_col: str = "ordered_at") -> pd.DataFrame:
    """One row per customer who bought by ``as_of``: frequency, recency, n_periods in periods
    (see the module's docstring), the summary ``BetaGeoBetaBinom`` fits.

    ``as_of`` is a calendar day, the last day of a period (for "Y": 31 December); orders after
    it are ignored. Returns a frame indexed by ``customer_col`` (sorted) with int columns
    ``frequency``, ``recency``, ``n_periods``; ``attrs["period"]`` says the period.

    Raises ValueInputError for an unknown period, an ``as_of`` that ends no period (the error
    says which day would), a missing column, an order without a customer or a date, or no
    orders by ``as_of``.
    """
    check_period(period)
    day = _as_day(as_of, "as_of")
    clock = PeriodClock.ending_on(day, period, "as_of")
    per_period = purchase_periods(orders, clock, through=0, customer_col=customer_col, date_col=date_col)
    if per_period.empty:
        raise ValueInputError(f"no orders on or before as_of ({day.date()})", date_col)
    summary = summarise_periods(per_period, 0).drop(columns="first_period").rename_axis(customer_col)
    summary.attrs[PERIOD_ATTR] = period
    return summary


def _as_day(value, name: str) -> pd.Timestamp:
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueInputError(f"{name} must be a date, not {value!r}", name) from exc
    if pd.isna(day):
        raise ValueInputError(f"{name} must be a date, not {value!r}", name)
    return day.normalize()
