"""Who is due for a visit in a week, and how urgent each one is (vectorised over the whole book).

A customer is due when its due date falls on or before the week's last working day. The due date
is the earlier of
- the follow-up date (下次跟进日期) its latest interaction set, if that interaction set one, and
- its last contact (any channel, any rep; never contacted: the day it was filed) plus its cadence:
  the shorter of its value grade's and its best open opportunity's intent grade's (``PlanSettings``).

Everything known by the end of the Sunday before the week counts, nothing later: a plan for a past
week is the plan the rep could have made then.

>>> due = due_customers(customers, interactions, opportunities, orders, week="2026-11-02")  # doctest: +SKIP
>>> due[["rep", "due_date", "days_overdue", "reason_code", "priority"]]                     # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import translate
from .settings import DEFAULT_SETTINGS, INTENT_GRADES, VALUE_GRADES, PlanSettings
from .week import monday

CUSTOMER_COLUMNS = ["customer_id", "name", "owner", "value_grade", "region", "address", "no_visit_times", "status",
                    "created_at"]
INTERACTION_COLUMNS = ["customer_id", "occurred_at", "next_date"]
OPPORTUNITY_COLUMNS = ["customer_id", "intent_grade", "status", "created_at"]
ORDER_COLUMNS = ["customer_id", "ordered_at", "amount"]

#: Why a customer is due: the source of its due date.
REASONS = ("follow_up", "intent", "value", "new")
# the area a visit is in: the city and district of the address (杭州市西湖区), else the region
_AREA = r"^(?:[^省]{2,7}省|[^区]{2,9}自治区)?(?P<city>[^市]{1,6}市)?(?P<district>[^区县旗]{1,8}?(?:区|县|旗))?"


def due_customers(customers: pd.DataFrame, interactions: pd.DataFrame, opportunities: pd.DataFrame,
                  orders: pd.DataFrame, *, week, settings: PlanSettings | None = None) -> pd.DataFrame:
    """The customers due for a visit in ``week`` (a day of it, or "2026-W45"), indexed by customer_id.

    Columns: ``rep`` (the owner), ``name``, ``area``, ``region``, ``value_grade``, ``intent_grade``
    (best open card), ``last_contact``, ``follow_up_date``, ``cadence_days``, ``due_date``,
    ``days_overdue`` (days before the week's Monday that it fell due; 0 or less: due this week),
    ``overdue``, ``reason_code`` (``REASONS``), ``score`` and ``priority`` (1 = most urgent, per
    rep), ``no_visit_times``. Sorted by rep and priority. Customers without an owner are left out.
    """
    settings = settings or DEFAULT_SETTINGS
    start = monday(week)
    last_day = start + pd.Timedelta(days=max(settings.workdays))
    book = customers[customers["owner"].notna()].drop_duplicates("customer_id")
    index = pd.Index(book["customer_id"].astype(str), name="customer_id")
    out = pd.DataFrame(index=index)
    out["rep"] = book["owner"].astype("string").to_numpy()
    for col in ("name", "region", "no_visit_times"):
        out[col] = book[col].astype("string").to_numpy() if col in book else pd.NA
    out["area"] = areas(book).to_numpy()
    out["value_grade"] = pd.Categorical(book["value_grade"].astype(object), categories=list(VALUE_GRADES)) \
        if "value_grade" in book else pd.Categorical([None] * len(book), categories=list(VALUE_GRADES))

    last_contact, follow_up = _latest_contacts(interactions, start, index)
    out["last_contact"], out["follow_up_date"] = last_contact, follow_up
    out["intent_grade"] = _best_open_grade(opportunities, start, index)
    sales = _sales(orders, start, settings.sales_days, index)

    statuses = book["status"].astype(object).to_numpy() if "status" in book else np.full(len(book), None)
    on_cadence = pd.isna(statuses) | np.isin(statuses, settings.cadence_statuses)
    value_days = _days(out["value_grade"], settings.value_cadence).where(on_cadence)
    intent_days = _days(out["intent_grade"], settings.intent_cadence)
    cadence = np.fmin(value_days.to_numpy(dtype=float), intent_days.to_numpy(dtype=float))
    out["cadence_days"] = pd.array(np.where(np.isnan(cadence), np.nan, cadence), dtype="Float64").astype("Int64")
    created = pd.to_datetime(book["created_at"]).to_numpy() if "created_at" in book else \
        np.full(len(book), np.datetime64("NaT"), dtype="datetime64[ns]")
    base = last_contact.dt.normalize().fillna(pd.Series(created, index=index)).fillna(start)
    contact_due = base + pd.to_timedelta(pd.Series(cadence, index=index), unit="D")
    follow = follow_up.to_numpy(dtype="datetime64[ns]")
    contact = contact_due.to_numpy(dtype="datetime64[ns]")
    use_follow = ~np.isnat(follow) & (np.isnat(contact) | (follow <= contact))
    out["due_date"] = np.where(use_follow, follow, contact).astype("datetime64[ns]")
    code = np.where(use_follow, "follow_up",
                    np.where(last_contact.isna().to_numpy(), "new",
                             np.where(intent_days.to_numpy(dtype=float) <= np.nan_to_num(value_days.to_numpy(
                                 dtype=float), nan=np.inf), "intent", "value")))
    out["reason_code"] = pd.Categorical(code, categories=list(REASONS))

    out = out[out["due_date"].notna() & (out["due_date"] <= last_day)].copy()
    sales = sales.reindex(out.index)
    overdue_days = (start - out["due_date"]).dt.days
    out["days_overdue"] = overdue_days.astype("Int64")
    out["overdue"] = (overdue_days > 0).astype("boolean")
    out["score"] = _score(out, sales, settings).astype("Float64")
    out = out.reset_index().sort_values(["rep", "score", "customer_id"], ascending=[True, False, True],
                                        kind="stable").set_index("customer_id")
    out["priority"] = (out.groupby("rep", sort=False).cumcount() + 1).astype("Int64")
    return out


def reason_text(row, lang: str) -> str:
    """Why a customer is due, in words (``row``: one row of :func:`due_customers`)."""
    late = int(row.days_overdue)
    due = f"{pd.Timestamp(row.due_date):%Y-%m-%d}"
    if row.reason_code == "follow_up":
        text = translate("follow-up set for {date}", lang, date=due)
    elif row.reason_code == "new":
        text = translate("never contacted (filed {days} days before the week)", lang,
                         days=late + int(row.cadence_days if pd.notna(row.cadence_days) else 0))
    else:
        days = late + int(row.cadence_days)  # days since the last contact, when the week starts
        if row.reason_code == "intent":
            text = translate("open opportunity of grade {grade}: last contact {days} days ago, a visit every "
                             "{cadence} days", lang, grade=row.intent_grade, days=days, cadence=int(row.cadence_days))
        else:
            text = translate("value grade {grade}: last contact {days} days ago, a visit every {cadence} days", lang,
                             grade=row.value_grade, days=days, cadence=int(row.cadence_days))
    if late > 0:
        return translate("{reason}; {days} days overdue", lang, reason=text, days=late)
    return text


# --------------------------------------------------------------------------- parts


def _latest_contacts(interactions: pd.DataFrame, start: pd.Timestamp, index: pd.Index):
    """Each customer's last contact before ``start``, and the follow-up date that contact set."""
    known = interactions.loc[interactions["customer_id"].notna() & (interactions["occurred_at"] < start),
                             ["customer_id", "occurred_at", "next_date"]]
    known = known.assign(customer_id=known["customer_id"].astype(str))
    latest = known.sort_values(["customer_id", "occurred_at"], kind="stable").drop_duplicates("customer_id",
                                                                                              keep="last")
    latest = latest.set_index("customer_id").reindex(index)
    return (latest["occurred_at"].astype("datetime64[ns]"),
            pd.to_datetime(latest["next_date"]).astype("datetime64[ns]"))


def _best_open_grade(opportunities: pd.DataFrame, start: pd.Timestamp, index: pd.Index) -> pd.Categorical:
    ranks = {g: i for i, g in enumerate(INTENT_GRADES)}
    opp = opportunities
    mask = opp["status"].astype(object).eq("open") & opp["intent_grade"].notna()
    if "created_at" in opp:
        mask &= opp["created_at"] < start
    rank = opp.loc[mask, "intent_grade"].astype(object).map(ranks)
    best = rank.groupby(opp.loc[mask, "customer_id"].astype(str)).min().reindex(index)
    grades = np.array(INTENT_GRADES, dtype=object)[best.fillna(0).astype(int).to_numpy()]
    return pd.Categorical(np.where(best.isna().to_numpy(), None, grades), categories=list(INTENT_GRADES))


def _sales(orders: pd.DataFrame, start: pd.Timestamp, days: int, index: pd.Index) -> pd.Series:
    recent = orders[(orders["ordered_at"] < start) & (orders["ordered_at"] >= start - pd.Timedelta(days=days))]
    totals = recent["amount"].astype("float64").groupby(recent["customer_id"].astype(str)).sum()
    return totals.reindex(index).fillna(0.0)


def _days(grades: pd.Series, cadence: dict) -> pd.Series:
    return pd.Series(grades.astype(object).map({g: d for g, d in cadence.items() if d is not None}),
                     index=grades.index, dtype="float64")


def _score(due: pd.DataFrame, sales: pd.Series, settings: PlanSettings) -> pd.Series:
    """Overdue first (when ``overdue_first``), then grade points, days overdue (capped) and sales."""
    late = due["days_overdue"].astype("float64").clip(lower=0, upper=settings.overdue_points_cap)
    intent = due["intent_grade"].astype(object).map(settings.intent_points).astype("float64").fillna(0)
    value = due["value_grade"].astype(object).map(settings.value_points).astype("float64").fillna(0)
    bought = sales.gt(0)
    share = sales.where(bought).groupby(due["rep"]).rank(pct=True).fillna(0)
    tier = 1000.0 * due["overdue"].astype(bool) if settings.overdue_first else 0.0
    return tier + late + intent + value + settings.sales_points * share


def areas(book: pd.DataFrame) -> pd.Series:
    """The city and district of each address (杭州市西湖区), else the region, else ""."""
    region = book["region"].astype("string") if "region" in book else pd.Series(pd.NA, index=book.index,
                                                                                dtype="string")
    if "address" not in book:
        return region.fillna("")
    parts = book["address"].astype("string").str.extract(_AREA)
    area = parts["city"].fillna("") + parts["district"].fillna("")
    return area.where(area.ne(""), region).fillna("").astype("string")
