"""KPI actuals of account plans: what each computable KPI of a plan has reached, against its target.

A KPI (``plan_kpis``) names a ``metric`` of ``schema.KPI_METRICS``; each is computed from the
store for the plan's customer, over the plan's period up to ``as_of`` (both days counted: the
period runs from ``period_start`` to the earlier of ``period_end`` and ``as_of``):

=========================  ================================================================
``sales``                  the amount of the customer's orders in the period
``gross_margin``           the gross margin of those orders (orders without one count 0)
``orders``                 how many orders
``visits``                 how many visits (interactions with channel ``visit``, 拜访)
``open_pipeline``          the expected amount of the customer's cards open at ``as_of``
                           (created by then, and not closed by then): a state, not a sum
``on_time_payment_share``  of the settlements billed in the period that could be judged by
                           ``as_of`` (``crmkit.credit.payments``: paid, or past due), the share
                           of their receivable paid on time (within the credit rules' grace
                           days), in per cent; NaN where none could be judged
=========================  ================================================================

A KPI without a metric is judged by hand: its actual is NaN. ``progress`` is actual ÷ target in
per cent (NaN without a target or an actual); ``score`` is the weighted attainment, each KPI's
progress capped at 100% times its weight (the plan's score is their sum, in per cent).

>>> actuals = kpi_actuals(crm)                       # every plan's KPIs, as of the data date
>>> kpi_actuals(crm, plan="AP000001", as_of="2026-10-31")
>>> kpi_actuals_tables(plans, kpis, orders, interactions, opportunities, settlements, as_of="2026-10-31")
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .credit.payments import settlement_states
from .credit.rules import CreditRules
from .timeframe import as_of_day, end_of, resolve_as_of

__all__ = ["ACTUAL_COLUMNS", "METRICS", "kpi_actuals", "kpi_actuals_tables", "plan_scores"]

#: The metrics that can be computed, in ``schema.KPI_METRICS``'s order.
METRICS = ("sales", "gross_margin", "orders", "visits", "open_pipeline", "on_time_payment_share")
#: The columns ``kpi_actuals`` adds to each KPI row.
ACTUAL_COLUMNS = ["customer_id", "period_start", "period_until", "actual", "progress", "score"]
#: Progress beyond the target counts this much at most in the score (per cent).
SCORE_CAP = 100.0


def kpi_actuals(crm, *, plan=None, customer=None, as_of=None, rules: CreditRules | None = None) -> pd.DataFrame:
    """Every KPI of the plans (one plan id or a list, or the plans of ``customer``) with its actual,
    progress and score as of ``as_of`` (default: the store's data date). Reads only the plans'
    customers' records, through the store and its record rules."""
    day = resolve_as_of(as_of, crm)
    where = None if plan is None or not isinstance(plan, str) else {"plan_id": plan}
    plans = crm.account_plans(customer=customer, where=where)
    if plan is not None and not isinstance(plan, str):
        plans = plans[plans["plan_id"].isin([str(p) for p in plan])]
    kpis = crm.read("plan_kpis", customer=customer)
    kpis = kpis[kpis["plan_id"].isin(plans["plan_id"])]
    ids = plans["customer_id"].dropna().unique().tolist()
    until = end_of(day)
    reads = {name: crm.read(name, customer=ids, end=until) if ids else crm.read(name, customer=[], end=until)
             for name in ("orders", "interactions", "opportunities", "settlements")}
    return kpi_actuals_tables(plans, kpis, reads["orders"], reads["interactions"], reads["opportunities"],
                              reads["settlements"], as_of=day, rules=rules)


def kpi_actuals_tables(plans: pd.DataFrame, kpis: pd.DataFrame, orders: pd.DataFrame, interactions: pd.DataFrame,
                       opportunities: pd.DataFrame, settlements: pd.DataFrame, *, as_of,
                       rules: CreditRules | None = None) -> pd.DataFrame:
    """:func:`kpi_actuals` on frames (the columns ``crm.read`` gives): the KPIs, with their plan's
    customer, the period they were measured over (``period_start`` to ``period_until``) and
    ``actual``, ``progress`` and ``score``, in the order of ``kpis``."""
    day = as_of_day(as_of)
    rules = rules or CreditRules()
    periods = plans[["plan_id", "customer_id", "period_start", "period_end"]].copy()
    periods["period_until"] = periods["period_end"].where(periods["period_end"] <= day, day)
    out = kpis.merge(periods.drop(columns="period_end"), on="plan_id", how="left")
    values = {metric: _per_plan(metric, periods, orders, interactions, opportunities, settlements, day, rules)
              for metric in METRICS}
    metric = out["metric"].astype(object)
    actual = np.full(len(out), np.nan)
    for name, per_plan in values.items():
        hit = (metric == name).to_numpy()
        actual[hit] = out.loc[hit, "plan_id"].map(per_plan).astype(float).to_numpy()
    out["actual"] = pd.array(actual, dtype="Float64")
    target = out["target"].astype("Float64")
    out["progress"] = (out["actual"] / target * 100).where(target != 0)
    weight = out["weight"].astype("Float64")
    out["score"] = out["progress"].clip(upper=SCORE_CAP) * weight / 100
    return out


def plan_scores(actuals: pd.DataFrame) -> pd.Series:
    """Each plan's score: the sum of its KPIs' scores (per cent of the weights attained), over
    the KPIs with an actual; NaN for a plan none of whose KPIs has one."""
    scored = actuals[actuals["score"].notna()]
    total = scored.groupby("plan_id")["score"].sum()
    return total.reindex(actuals["plan_id"].unique()).astype("Float64")


# --------------------------------------------------------------------------- one metric, per plan


def _per_plan(metric: str, periods: pd.DataFrame, orders, interactions, opportunities, settlements, day,
              rules: CreditRules) -> pd.Series:
    """``metric`` for each plan (index: plan_id)."""
    if metric in ("sales", "gross_margin", "orders"):
        within = _in_period(orders, "ordered_at", periods)
        column = {"sales": "amount", "gross_margin": "gross_margin", "orders": "order_id"}[metric]
        grouped = within.groupby("plan_id")[column]
        result = grouped.count() if metric == "orders" else grouped.sum()
        return result.reindex(periods["plan_id"], fill_value=0).astype(float)
    if metric == "visits":
        visits = interactions[interactions["channel"].astype(object) == "visit"]
        within = _in_period(visits, "occurred_at", periods)
        return within.groupby("plan_id").size().reindex(periods["plan_id"], fill_value=0).astype(float)
    if metric == "open_pipeline":
        o = opportunities
        # closed later than as_of, or not closed at all (a won or lost card without its date counts as closed)
        still_open = (o["closed_at"] > day) | (o["closed_at"].isna() & (o["status"].astype(object) == "open"))
        open_then = (o["created_at"] <= day) & still_open
        amounts = o[open_then.fillna(False)].groupby("customer_id")["expected_amount"].sum()
        return periods.set_index("plan_id")["customer_id"].map(amounts).fillna(0).astype(float)
    if metric == "on_time_payment_share":
        states = settlement_states(settlements, day, rules).rename(columns={"settled_at": "billed_at"})
        states = states[states["judged"]]
        within = _in_period(states, "billed_at", periods)
        on_time = within["receivable"].where(within["on_time"], 0.0)
        paid = on_time.groupby(within["plan_id"]).sum()
        billed = within.groupby("plan_id")["receivable"].sum()
        share = (paid / billed.where(billed > 0) * 100)
        return share.reindex(periods["plan_id"]).astype(float)
    raise ValueError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")


def _in_period(records: pd.DataFrame, date_column: str, periods: pd.DataFrame) -> pd.DataFrame:
    """The records of each plan's customer dated within its period (both days counted), with plan_id."""
    joined = records.assign(customer_id=records["customer_id"].astype(object)).merge(
        periods[["plan_id", "customer_id", "period_start", "period_until"]].assign(
            customer_id=periods["customer_id"].astype(object)), on="customer_id")
    dates = pd.to_datetime(joined[date_column])
    inside = (dates >= joined["period_start"]) & (dates < joined["period_until"] + pd.Timedelta(days=1))
    return joined[inside.fillna(False).to_numpy(dtype=bool)]
