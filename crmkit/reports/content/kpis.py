"""Headline KPIs (本月概览): this month against the previous month and the same month last year."""

from __future__ import annotations

import pandas as pd

from ...i18n import N_, translate
from .section import Section, Table, section

TRAFFIC_CHANNELS = ("walk_in", "call_in")

#: KPI name (English message id, shown in the report's language) and whether it is money.
KPI_NAMES = {
    "new_customers": (N_("new customers"), False),
    "contacts": (N_("contacts"), False),
    "traffic": (N_("walk-ins & call-ins"), False),
    "opportunities_opened": (N_("opportunities opened"), False),
    "won_deals": (N_("won deals"), False),
    "won_revenue": (N_("won revenue"), True),
    "orders_revenue": (N_("orders revenue"), True),
    "received": (N_("payments received"), True),
    "complaints": (N_("complaints"), False),
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


@section(N_("Headline KPIs"))
def kpis(data) -> Section:
    """This month's headline numbers, with the change on last month (环比) and last year (同比)."""
    fmt, say = data.fmt, data.prose
    now = period_kpis(data, data.start, data.end)
    before = period_kpis(data, data.previous_start, data.start)
    last_year = period_kpis(data, data.last_year_start, data.last_year_end)
    rows = []
    for key, (name, money) in KPI_NAMES.items():
        show = fmt.money if money else fmt.count
        rows.append({translate("KPI", say): translate(name, data.lang), translate("this month", say): show(now[key]),
                     translate("last month", say): show(before[key]),
                     translate("vs last month", say): fmt.change(now[key], before[key]),
                     translate("same month last year", say): show(last_year[key]),
                     translate("vs last year", say): fmt.change(now[key], last_year[key])})
    findings = [
        translate("{new} new customers this month ({new_before} last month), {contacts} contacts, of which {traffic} "
                  "walk-ins and call-ins ({traffic_change} on last month).", say,
                  new=fmt.count(now["new_customers"]), new_before=fmt.count(before["new_customers"]),
                  contacts=fmt.count(now["contacts"]), traffic=fmt.count(now["traffic"]),
                  traffic_change=fmt.change(now["traffic"], before["traffic"])),
        translate("{won} deals won for {revenue} ({change_month} on last month, {change_year} on last year); "
                  "orders {orders}, payments received {received}.", say,
                  won=fmt.count(now["won_deals"]), revenue=fmt.money(now["won_revenue"]),
                  change_month=fmt.change(now["won_revenue"], before["won_revenue"]),
                  change_year=fmt.change(now["won_revenue"], last_year["won_revenue"]),
                  orders=fmt.money(now["orders_revenue"]), received=fmt.money(now["received"])),
        translate("{opened} opportunities opened, {complaints} complaints received ({complaints_before} last month).",
                  say, opened=fmt.count(now["opportunities_opened"]), complaints=fmt.count(now["complaints"]),
                  complaints_before=fmt.count(before["complaints"])),
    ]
    return Section("", findings, tables=[Table(translate("KPIs", data.lang), pd.DataFrame(rows))],
                   data={"now": now, "previous": before, "last_year": last_year})
