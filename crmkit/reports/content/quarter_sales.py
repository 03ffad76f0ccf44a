"""Sales by quarter (客户销售资料一览表 by quarter): the quarter against the same quarter last
year, per region, and the last eight quarters.

Sales are the orders' amounts by order date; an order's region is its customer's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...i18n import N_, translate
from . import colours
from .period import QUARTERS_SHOWN
from .section import Figure, Section, Table, section


def region_sales(data) -> pd.DataFrame:
    """Per region: ``sales`` this quarter, ``last_year`` (same quarter a year earlier), ``margin``."""
    missing = translate("(not given)", data.prose)
    region = data.customers.set_index(data.customers["customer_id"].astype(object))["region"].astype(object)

    def per_region(orders, column="amount"):
        where = orders["customer_id"].astype(object).map(region)
        return orders[column].astype("float64").groupby(where.where(where.notna(), missing)).sum()

    this = data.within(data.orders, "ordered_at")
    last = data.within(data.orders, "ordered_at", data.last_year_start, data.last_year_end)
    table = pd.DataFrame({"sales": per_region(this), "last_year": per_region(last),
                          "margin": per_region(this, "gross_margin")}).fillna(0.0)
    return table.sort_values(["sales", "last_year"], ascending=False, kind="stable")


def quarterly_totals(data) -> pd.Series:
    """Sales per quarter, the last ``QUARTERS_SHOWN`` quarters ending with this one (Period index)."""
    orders = data.orders
    quarters = pd.period_range(end=pd.Period(data.start, "Q"), periods=QUARTERS_SHOWN, freq="Q")
    return orders["amount"].astype("float64").groupby(orders["ordered_at"].dt.to_period("Q")).sum() \
        .reindex(quarters, fill_value=0.0)


@section(N_("Sales by quarter and region"))
def quarter_sales(data) -> Section:
    fmt, say = data.fmt, data.prose
    regions = region_sales(data)
    totals = quarterly_totals(data)
    sales, last_year = float(regions["sales"].sum()), float(regions["last_year"].sum())
    quarter = pd.Period(data.start, "Q")
    findings = [translate("Sales this quarter {sales}, {change} on the same quarter last year ({before}).", say,
                          sales=fmt.money(sales), change=fmt.change(sales, last_year), before=fmt.money(last_year))]
    if len(regions):
        growth = (regions["sales"] - regions["last_year"]).sort_values(kind="stable")
        findings.append(translate("Most grown: {up} ({up_change}); most fallen: {down} ({down_change}).", say,
                                  up=growth.index[-1], up_change=fmt.money(growth.iloc[-1]),
                                  down=growth.index[0], down_change=fmt.money(growth.iloc[0])))
    table = pd.DataFrame({
        translate("region", say): regions.index,
        str(quarter): [fmt.money(v) for v in regions["sales"]],
        str(quarter - 4): [fmt.money(v) for v in regions["last_year"]],
        translate("vs last year", say): [fmt.change(a, b) for a, b in zip(regions["sales"], regions["last_year"])],
        translate("share", say): [fmt.percent(fmt.ratio(v, sales)) for v in regions["sales"]],
        translate("gross margin", say): [fmt.money(v) for v in regions["margin"]],
    })
    trend = pd.DataFrame({
        translate("quarter", say): [str(q) for q in totals.index],
        translate("sales", say): [fmt.money(v) for v in totals],
        translate("vs a year earlier", say): [fmt.change(v, totals.get(q - 4, np.nan)) for q, v in totals.items()],
    })
    divisor, unit = fmt.money_unit(float(totals.max()) if len(totals) else 0.0)

    def draw(fig):
        ax = fig.subplots()
        x = np.arange(len(totals))
        bars = [colours.MONTHS[2] if q == quarter else colours.MONTHS[0] for q in totals.index]
        ax.bar(x, totals.to_numpy() / divisor, color=bars, width=0.7)
        ax.set_xticks(x, [str(q) for q in totals.index])
        ax.set_ylabel(translate("sales ({unit})", say, unit=unit))
        ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings,
                   tables=[Table(translate("by region, against the same quarter last year", data.lang), table),
                           Table(translate("by quarter", data.lang), trend)],
                   figures=[Figure(translate("Sales per quarter, last two years", say), draw, height=2.6)],
                   data={"sales": sales, "last_year": last_year, "regions": regions, "quarters": totals})
