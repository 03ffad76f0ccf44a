"""How a customer pays, as of a day, from the settlements (客户结算收款表).

Each settlement billed by ``as_of`` is first put as it stood on that day:

* **owed** is its ``outstanding`` (receivable − received when missing); a payment dated after
  ``as_of`` (``paid_at``) had not come yet, so the whole receivable was owed then (the store
  keeps the current amounts only, so a part payment made later is counted as not yet made).
  Less than ``rules.settled_below`` of the bill left over counts as paid.
* **due** is its ``due_date``, or the day it was billed when it has none.
* **days late**: a paid bill, its payment day − due (0 when early); an unpaid bill, ``as_of`` −
  due. A paid bill without a ``paid_at`` has unknown timing.
* It is **judged** when it was billed within the window (``rules.window_days`` up to ``as_of``)
  and is either paid or past due, and also when it is unpaid and past due, however old.
* It is **on time** when its days late are at most ``rules.grace_days``.

Per customer (:func:`payment_behaviour`): ``settlements`` (judged bills), ``billed`` (receivable
billed in the window), ``billing_months`` (the months from the first bill in the window to ``as_of``, both days
counted; one at least),
``days_to_pay`` (mean days from billing to payment of the bills paid in the window),
``days_late`` (mean days late of the judged bills of known timing, weighted by amount),
``on_time_share`` (their amount paid on time ÷ their amount), ``timing_unknown`` (judged bills
paid without a date), ``open_items``, ``outstanding`` (owed on ``as_of``), ``overdue`` (of it,
past due) and ``oldest_overdue_days``. Shares and means are NaN where nothing was judged: a
customer without settlements is not a good payer by default.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..timeframe import as_of_day
from .rules import CreditRules

_DAY = np.timedelta64(1, "D")
_MONTH_DAYS = 365.25 / 12

SETTLEMENT_COLUMNS = ["customer_id", "settled_at", "receivable", "received", "outstanding", "due_date", "paid_at"]


def settlement_states(settlements: pd.DataFrame, as_of, rules: CreditRules) -> pd.DataFrame:
    """Each settlement billed by ``as_of`` as it stood that day: owed, due, days_late, judged, on_time."""
    missing = [c for c in ("customer_id", "settled_at", "receivable") if c not in settlements.columns]
    if missing:
        raise KeyError(f"the settlements lack the column(s) {missing}; they need {SETTLEMENT_COLUMNS}")
    day = as_of_day(as_of)
    s = settlements
    settled = _dates(s, "settled_at")
    keep = settled <= day.to_datetime64()
    s, settled = s[keep], settled[keep]
    receivable = _floats(s, "receivable")
    received = np.nan_to_num(_floats(s, "received"))
    outstanding = _floats(s, "outstanding")
    outstanding = np.where(np.isnan(outstanding), receivable - received, outstanding)
    paid_at = _dates(s, "paid_at")
    due = _dates(s, "due_date")
    due = np.where(np.isnat(due), settled, due)
    later = ~np.isnat(paid_at) & (paid_at > day.to_datetime64())
    owed = np.where(later, receivable, outstanding)
    owed = np.where(owed <= rules.settled_below * np.abs(receivable), 0.0, owed)
    paid = owed == 0.0
    now = day.to_datetime64()
    late_paid = np.maximum((paid_at - due) / _DAY, 0.0)  # NaN where paid_at is missing
    late_open = np.maximum((now - due) / _DAY, 0.0)
    days_late = np.where(paid, late_paid, late_open)
    past_due = due < now
    window_start = now - np.timedelta64(int(rules.window_days) - 1, "D")
    in_window = settled >= window_start
    judged = (in_window & (paid | past_due)) | (~paid & past_due)
    return pd.DataFrame({
        "customer_id": s["customer_id"].astype(str).to_numpy(),
        "settled_at": settled,
        "receivable": receivable,
        "owed": owed,
        "paid": paid,
        "due": due,
        "paid_at": paid_at,
        "days_late": days_late,
        "in_window": in_window,
        "past_due": past_due,
        "judged": judged,
        "on_time": days_late <= rules.grace_days,
        "days_to_pay": (paid_at - settled) / _DAY,
    })


def payment_behaviour(settlements: pd.DataFrame, as_of, rules: CreditRules) -> pd.DataFrame:
    """Per customer with a settlement billed by ``as_of``: the measures of the module's docstring."""
    st = settlement_states(settlements, as_of, rules)
    day = as_of_day(as_of).to_datetime64()
    judged = st["judged"].to_numpy()
    known = judged & ~np.isnan(st["days_late"].to_numpy())
    weight = st["receivable"].to_numpy()
    open_ = ~st["paid"].to_numpy()
    overdue_open = open_ & st["past_due"].to_numpy()
    in_window = st["in_window"].to_numpy()
    paid_in_window = in_window & st["paid"].to_numpy() & ~np.isnan(st["days_to_pay"].to_numpy())
    parts = pd.DataFrame({
        "customer_id": st["customer_id"],
        "settlements": judged.astype("int64"),
        "billed": np.where(in_window, weight, 0.0),
        "first_billed": np.where(in_window, st["settled_at"].to_numpy(), np.datetime64("NaT")),
        "pay_days": np.where(paid_in_window, st["days_to_pay"].to_numpy(), 0.0),
        "paid_items": paid_in_window.astype("int64"),
        "late_weighted": np.where(known, st["days_late"].to_numpy() * weight, 0.0),
        "known_weight": np.where(known, weight, 0.0),
        "on_time_weight": np.where(known & st["on_time"].to_numpy(), weight, 0.0),
        "timing_unknown": (judged & ~known).astype("int64"),
        "open_items": open_.astype("int64"),
        "outstanding": np.where(open_, st["owed"].to_numpy(), 0.0),
        "overdue": np.where(overdue_open, st["owed"].to_numpy(), 0.0),
        "oldest_overdue_days": np.where(overdue_open, st["days_late"].to_numpy(), 0.0),
    })
    g = parts.groupby("customer_id", sort=True)
    sums = g[["settlements", "billed", "pay_days", "paid_items", "late_weighted", "known_weight", "on_time_weight",
              "timing_unknown", "open_items", "outstanding", "overdue"]].sum()
    first = g["first_billed"].min()
    oldest = g["oldest_overdue_days"].max()
    span = (day - first.to_numpy()) / _DAY + 1.0
    months = np.clip(np.nan_to_num(span, nan=0.0), _MONTH_DAYS, rules.window_days) / _MONTH_DAYS
    out = pd.DataFrame({
        "settlements": sums["settlements"].astype("Int64"),
        "billed": sums["billed"].astype("Float64"),
        "billing_months": pd.array(months, dtype="Float64"),
        "days_to_pay": _ratio(sums["pay_days"], sums["paid_items"]),
        "days_late": _ratio(sums["late_weighted"], sums["known_weight"]),
        "on_time_share": _ratio(sums["on_time_weight"], sums["known_weight"]),
        "timing_unknown": sums["timing_unknown"].astype("Int64"),
        "open_items": sums["open_items"].astype("Int64"),
        "outstanding": sums["outstanding"].astype("Float64"),
        "overdue": sums["overdue"].astype("Float64"),
        "oldest_overdue_days": oldest.round().astype("int64").astype("Int64"),
    }, index=sums.index)
    out.index.name = "customer_id"
    return out


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator ÷ denominator, NA where the denominator is 0 (nothing to divide by)."""
    den = denominator.to_numpy(dtype="float64")
    values = numerator.to_numpy(dtype="float64") / np.where(den > 0, den, np.nan)
    return pd.Series(values, index=numerator.index).astype("Float64")


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _dates(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[ns]")
    return pd.to_datetime(frame[column]).to_numpy(dtype="datetime64[ns]")
