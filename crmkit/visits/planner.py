"""The week's visits for a rep (附表二 客户拜访计划): who is due (``due``), placed in the week.

Customers are taken in order of priority; each gets the first free slot of the day that suits it
best, among the slots its 不宜访问时间 leaves open (``crmkit.visit_times``):

1. a day that already has a visit in the same area (city and district of the address, else the
   region), so that a day's visits are close together;
2. else a day that already has a visit in the same city;
3. else the day with the fewest areas so far, the earliest first (a new area opens a new day).

A customer with no open slot left is skipped and the next one is tried, so a customer is left out
only when every slot still free was closed to it: with too little room, the most urgent are planned
(overdue ones first, ``PlanSettings.overdue_first``) and no visit ever falls in a closed time or
over a day's capacity.

>>> plan = crm.visit_plan(rep="张伟", week="2026-11-02")                          # doctest: +SKIP
>>> plan[["day", "time", "customer_id", "name", "area", "reason", "priority"]]  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..language import one_lang
from ..visit_times import clock_text, parse_visit_times
from .due import (CUSTOMER_COLUMNS, INTERACTION_COLUMNS, OPPORTUNITY_COLUMNS, ORDER_COLUMNS, due_customers,
                  reason_text)
from .settings import DEFAULT_SETTINGS, PlanSettings
from .week import monday, next_week, week_days

PLAN_COLUMNS = ["rep", "day", "time", "minutes", "customer_id", "name", "area", "region", "value_grade",
                "intent_grade", "due_date", "days_overdue", "priority", "score", "reason_code", "reason", "purpose"]
# past this many customers, a read by customer id binds too many parameters: read all and filter here
_MAX_IDS_BOUND = 5000


def visit_plan(crm, rep=None, week=None, *, settings: PlanSettings | None = None, lang: str | None = None):
    """The proposed visits of ``rep`` (a name, a list, or None: every rep the store's user sees) in
    ``week`` (a day of it, "2026-W45"; default the week after the store's data date). See
    :func:`plan_tables` for the columns."""
    start = monday(week) if week is not None else next_week(crm)
    customers = crm.customers(columns=CUSTOMER_COLUMNS[1:], rep=rep)
    ids = customers["customer_id"].astype(str).tolist()
    by_id = {"customer": ids} if len(ids) <= _MAX_IDS_BOUND else {}
    interactions = crm.interactions(columns=INTERACTION_COLUMNS, end=start, **by_id)
    opportunities = crm.opportunities(columns=OPPORTUNITY_COLUMNS, where={"status": "open"}, **by_id)
    settings = settings or DEFAULT_SETTINGS
    orders = crm.orders(columns=ORDER_COLUMNS, start=start - pd.Timedelta(days=settings.sales_days), end=start,
                        **by_id)
    return plan_tables(customers, interactions, opportunities, orders, week=start, settings=settings,
                       lang=one_lang(lang, crm))


def plan_tables(customers: pd.DataFrame, interactions: pd.DataFrame, opportunities: pd.DataFrame,
                orders: pd.DataFrame, *, week, reps=None, settings: PlanSettings | None = None,
                lang: str = "en") -> pd.DataFrame:
    """The proposed visits of every rep owning ``customers`` (or of ``reps``) in ``week``.

    One row per visit, sorted by rep, day and time: ``rep``, ``day``, ``time`` ("09:00"),
    ``minutes``, ``customer_id``, ``name``, ``area``, ``region``, ``value_grade``, ``intent_grade``,
    ``due_date``, ``days_overdue``, ``priority`` (1 = most urgent of the rep's due customers),
    ``score``, ``reason_code``, ``reason`` (in ``lang``) and ``purpose`` (what a saved plan item
    keeps: the reason). ``attrs``: ``week`` (the Monday), ``settings``, ``due`` (how many customers
    were due) and ``unplanned`` (how many of them found no room).
    """
    settings = settings or DEFAULT_SETTINGS
    start = monday(week)
    due = due_customers(customers, interactions, opportunities, orders, week=start, settings=settings)
    if reps is not None:
        due = due[due["rep"].isin([reps] if isinstance(reps, str) else list(reps))]
    days = week_days(start, settings.workdays)
    starts = np.array(settings.slot_starts())
    chosen = []
    for _, group in due.groupby("rep", sort=True):
        chosen.append(_place(group, days, starts, settings.visit_minutes))
    placed = pd.concat(chosen) if chosen else pd.DataFrame(columns=["day_index", "slot"], dtype="int64")
    plan = due.loc[placed.index].assign(day=days[placed["day_index"].to_numpy()],
                                        start=starts[placed["slot"].to_numpy()])
    plan = plan.reset_index().sort_values(["rep", "day", "start", "priority"], kind="stable")
    out = _typed(plan, settings, lang)
    out.attrs.update(week=start, settings=settings, due=len(due), unplanned=len(due) - len(out))
    return out


def allowed_slots(no_visit_times, days: pd.DatetimeIndex, starts, minutes: int) -> np.ndarray:
    """(days × slots) booleans: which slots of the week a customer's 不宜访问时间 leaves open."""
    times = parse_visit_times(no_visit_times if pd.notna(no_visit_times) else None)
    if not times:
        return np.ones((len(days), len(starts)), dtype=bool)
    return np.array([[not times.blocks(day.weekday(), int(s), int(s) + minutes) for s in starts] for day in days])


def _place(due: pd.DataFrame, days: pd.DatetimeIndex, starts: np.ndarray, minutes: int) -> pd.DataFrame:
    """Greedy placement of one rep's due customers (in priority order): see the module's text."""
    free = np.ones((len(days), len(starts)), dtype=bool)
    masks: dict = {}
    areas_on: list[set] = [set() for _ in days]
    cities_on: list[set] = [set() for _ in days]
    placed_ids, placed_day, placed_slot = [], [], []
    order = due.sort_values("priority", kind="stable")
    for cid, text, area in zip(order.index, order["no_visit_times"].astype(object), order["area"].astype(object)):
        if not free.any():
            break
        key = None if pd.isna(text) else text
        if key not in masks:
            masks[key] = allowed_slots(key, days, starts, minutes)
        open_now = free & masks[key]
        open_days = np.flatnonzero(open_now.any(axis=1))
        if not len(open_days):
            continue
        city = _city(area)
        d = min(open_days, key=lambda i: (area not in areas_on[i], city not in cities_on[i], len(areas_on[i]), i))
        s = int(np.flatnonzero(open_now[d])[0])
        free[d, s] = False
        areas_on[d].add(area)
        cities_on[d].add(city)
        placed_ids.append(cid)
        placed_day.append(d)
        placed_slot.append(s)
    return pd.DataFrame({"day_index": placed_day, "slot": placed_slot}, index=pd.Index(placed_ids, dtype=object),
                        dtype="int64")


def _city(area: str) -> str:
    """The city of an area (成都市 of 成都市高新区): a day in the same city is the next best thing."""
    return area.split("市", 1)[0] if "市" in area else area


def _typed(plan: pd.DataFrame, settings: PlanSettings, lang: str) -> pd.DataFrame:
    reasons = [reason_text(row, lang) for row in plan.itertuples()]
    out = pd.DataFrame({
        "rep": plan["rep"].astype("string"),
        "day": plan["day"].astype("datetime64[ns]"),
        "time": pd.array([clock_text(int(s)) for s in plan["start"]], dtype="string"),
        "minutes": pd.array([settings.visit_minutes] * len(plan), dtype="Int64"),
        "customer_id": plan["customer_id"].astype("string"),
        "name": plan["name"].astype("string"),
        "area": plan["area"].astype("string"),
        "region": plan["region"].astype("string"),
        "value_grade": plan["value_grade"],
        "intent_grade": plan["intent_grade"],
        "due_date": plan["due_date"].astype("datetime64[ns]"),
        "days_overdue": plan["days_overdue"].astype("Int64"),
        "priority": plan["priority"].astype("Int64"),
        "score": plan["score"].astype("Float64"),
        "reason_code": plan["reason_code"],
        "reason": pd.array(reasons, dtype="string"),
        "purpose": pd.array(reasons, dtype="string"),
    })
    return out.reset_index(drop=True)[PLAN_COLUMNS]
