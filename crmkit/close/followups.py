"""Who to follow up and when (三表一卡: the follow-up frequency depends on the grade).

>>> plan = followups(crm, as_of="2026-10-31")                    # by the reps' hand grades
>>> plan = followups(crm, as_of="2026-10-31", probabilities=p)   # by a model's probabilities

The form asks for more frequent follow-ups the better the grade but gives no numbers; the
defaults here (``DEFAULT_CADENCE``) are days between contacts:

    O: 2   A: 4   B: 7   C: 14

Pass ``cadence={"O": 1, ...}`` to change any of them (the others keep their default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..timeframe import as_of_day, resolve_as_of
from .features import opportunity_features
from .grades import GRADE_DTYPE, grade

DEFAULT_CADENCE: dict[str, int] = {"O": 2, "A": 4, "B": 7, "C": 14}

COLUMNS = ["customer_id", "rep", "stage", "grade", "last_contact_at", "cadence_days", "next_due", "overdue",
           "days_overdue"]


def followups(crm, *, as_of=None, cadence: dict[str, int] | None = None, probabilities: pd.Series | None = None,
              bands: dict[str, float] | None = None) -> pd.DataFrame:
    """The follow-up plan of every opportunity open at the end of the ``as_of`` day.

    ``as_of`` is a calendar day (``crmkit.timeframe``), by default the store's data date (the
    day of its last recorded activity): contacts logged on it count. See
    :func:`plan_followups` for the columns and rules.
    """
    as_of = resolve_as_of(as_of, crm)
    features = opportunity_features(crm, as_of=as_of)
    return plan_followups(features, as_of=as_of, cadence=cadence, probabilities=probabilities, bands=bands)


def plan_followups(features: pd.DataFrame, *, as_of, cadence: dict[str, int] | None = None,
                   probabilities: pd.Series | None = None, bands: dict[str, float] | None = None) -> pd.DataFrame:
    """Next contact per open opportunity, from ``opportunity_features`` output at the same ``as_of``.

    * grade: the rep's hand grade (``intent_grade``); with ``probabilities`` (a Series indexed
      by opportunity_id) ``grade(probabilities, bands)`` instead, falling back to the hand grade
      for cards it does not cover. A card with no grade at all is followed up as a C.
    * last_contact_at: the customer's last interaction by the end of ``as_of`` (any channel, any rep);
      a card whose customer was never contacted counts from the day it was opened.
    * next_due = the day of the last contact + ``cadence_days`` (a date, midnight).
    * overdue: next_due is before the ``as_of`` day; days_overdue = days past next_due (0 if not
      overdue). Due on the ``as_of`` day itself is due, not overdue.

    Rows are indexed by opportunity_id and sorted per rep: overdue first (most overdue first),
    then by due date.
    """
    days = {**DEFAULT_CADENCE, **(cadence or {})}
    unknown = set(days) - set(DEFAULT_CADENCE)
    if unknown:
        raise ValueError(f"cadence is given per grade O, A, B, C; unknown: {sorted(unknown)}")
    if any((not np.isfinite(v)) or v < 0 for v in map(float, days.values())):
        raise ValueError(f"cadence days must be >= 0, got {days}")
    day = as_of_day(as_of)
    g = pd.Series(pd.Categorical(features["intent_grade"].astype(object), dtype=GRADE_DTYPE), index=features.index)
    if probabilities is not None:
        model = grade(pd.Series(probabilities).reindex(features.index), bands)
        g = model.where(model.notna(), g).astype(GRADE_DTYPE)
    g = g.fillna("C")
    out = pd.DataFrame(index=features.index)
    out["customer_id"] = features["customer_id"]
    out["rep"] = features["rep"]
    out["stage"] = features["stage"]
    out["grade"] = g
    out["last_contact_at"] = features["last_contact_at"]
    out["cadence_days"] = g.astype(object).map(days).astype("int64")
    opened = day - pd.to_timedelta(features["age_days"].astype("float64"), unit="D")
    base = features["last_contact_at"].dt.normalize().fillna(opened)
    out["next_due"] = (base + pd.to_timedelta(out["cadence_days"], unit="D")).astype("datetime64[ns]")
    late = (day - out["next_due"]).dt.days
    out["overdue"] = (late > 0).astype(bool)
    out["days_overdue"] = late.clip(lower=0).astype("int64")
    order = pd.DataFrame({"rep": out["rep"].astype(object).fillna(""), "late": -out["days_overdue"],
                          "due": out["next_due"], "id": out.index.to_numpy()}, index=out.index)
    order = order.sort_values(["rep", "late", "due", "id"], kind="stable")
    return out.loc[order.index, COLUMNS]
