"""Headline KPIs (本月概览): this month against the previous month and the same month last year."""

from __future__ import annotations

import pandas as pd

from . import formatting as fmt
from .section import Section, Table, section

TRAFFIC_CHANNELS = ("walk_in", "call_in")

#: KPI name (Chinese · English) and whether it is money.
KPI_NAMES = {
    "new_customers": ("新增客户 · new customers", False),
    "contacts": ("客户接触 · contacts", False),
    "traffic": ("来店/来电 · walk-ins & call-ins", False),
    "opportunities_opened": ("新建意向卡 · opportunities opened", False),
    "won_deals": ("成交单数 · won deals", False),
    "won_revenue": ("成交金额 · won revenue", True),
    "orders_revenue": ("订单金额 · orders revenue", True),
    "received": ("实收回款 · payments received", True),
    "complaints": ("投诉 · complaints", False),
}


def period_kpis(data, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, float]:
    """The headline numbers of [start, end) from the month's frames.

    ``won_revenue`` is the expected amount of the cards won (closed as won) in the period;
    ``orders_revenue`` the amount of the orders placed in it; ``received`` what settlements of
    the period collected.
    """
    interactions = data.interactions if start >= data.previous_start else data.interactions_last_year

    def between(frame, column):
        return data.in_month(frame, column, start, end)

    visits = between(interactions, "occurred_at")
    opps = data.opportunities
    won = between(opps[opps["status"] == "won"], "closed_at")
    return {
        "new_customers": len(between(data.customers, "created_at")),
        "contacts": len(visits),
        "traffic": int(visits["channel"].isin(TRAFFIC_CHANNELS).sum()),
        "opportunities_opened": len(between(opps, "created_at")),
        "won_deals": len(won),
        "won_revenue": float(won["expected_amount"].sum()),
        "orders_revenue": float(between(data.orders, "ordered_at")["amount"].sum()),
        "received": float(between(data.settlements, "settled_at")["received"].sum()),
        "complaints": len(between(data.complaints, "received_at")),
    }


@section("本月概览 · Headline KPIs")
def kpis(data) -> Section:
    """This month's headline numbers, with the change on last month (环比) and last year (同比)."""
    now = period_kpis(data, data.start, data.end)
    before = period_kpis(data, data.previous_start, data.start)
    last_year = period_kpis(data, data.last_year_start, data.last_year_end)
    rows = []
    for key, (name, money) in KPI_NAMES.items():
        show = fmt.yuan if money else fmt.count
        rows.append({"指标": name, "本月": show(now[key]), "上月": show(before[key]),
                     "环比": fmt.change(now[key], before[key]), "去年同月": show(last_year[key]),
                     "同比": fmt.change(now[key], last_year[key])})
    findings = [
        f"本月新增客户 {fmt.count(now['new_customers'])} 位（上月 {fmt.count(before['new_customers'])} 位），"
        f"客户接触 {fmt.count(now['contacts'])} 次，其中来店/来电 {fmt.count(now['traffic'])} 次"
        f"（环比 {fmt.change(now['traffic'], before['traffic'])}）。",
        f"成交 {fmt.count(now['won_deals'])} 单，成交金额 {fmt.yuan(now['won_revenue'])}"
        f"（环比 {fmt.change(now['won_revenue'], before['won_revenue'])}，"
        f"同比 {fmt.change(now['won_revenue'], last_year['won_revenue'])}）；"
        f"订单金额 {fmt.yuan(now['orders_revenue'])}，实收回款 {fmt.yuan(now['received'])}。",
        f"新建意向卡 {fmt.count(now['opportunities_opened'])} 张，收到投诉 {fmt.count(now['complaints'])} 件"
        f"（上月 {fmt.count(before['complaints'])} 件）。",
    ]
    return Section("", findings, tables=[Table("关键指标 · KPIs", pd.DataFrame(rows))],
                   data={"now": now, "previous": before, "last_year": last_year})
