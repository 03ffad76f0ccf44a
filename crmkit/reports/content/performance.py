"""Close rate, won revenue and rep performance over three months (the forms: judge a rep over
three months, not one).

Close rate = cards won / cards closed (won + lost) in the period, by their closing date. Won
revenue = the expected amount of the cards won.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import colours, formatting as fmt
from .section import Figure, Section, Table, section

NO_REP = "（未填）"


def closed_cards(data, start, end) -> pd.DataFrame:
    """Cards closed (won or lost) in [start, end), with ``month`` (first day) and ``won`` (bool)."""
    opps = data.opportunities
    closed = data.in_month(opps[opps["status"].isin(["won", "lost"])], "closed_at", start, end).copy()
    closed["won"] = closed["status"] == "won"
    closed["month"] = closed["closed_at"].dt.to_period("M").dt.to_timestamp()
    closed["rep"] = closed["rep"].astype(object).where(closed["rep"].notna(), NO_REP)
    closed["won_amount"] = closed["expected_amount"].astype("float64").fillna(0.0).where(closed["won"], 0.0)
    return closed


@section("成交率与销售顾问业绩（近三个月） · Close rate and rep performance")
def performance(data) -> Section:
    """This month's close rate and won revenue, and each rep's last three months."""
    closed = closed_cards(data, data.quarter_start, data.end)
    months = [data.quarter_start + pd.DateOffset(months=i) for i in range(3)]
    this = closed[closed["month"] == data.start]
    prev = closed[closed["month"] == data.previous_start]
    if closed.empty:
        return Section("", ["近三个月没有关闭（成交或流失）的意向卡。"], data={"close_rate": np.nan})
    rate = fmt.ratio(this["won"].sum(), len(this))
    rate_prev = fmt.ratio(prev["won"].sum(), len(prev))
    per_rep = closed.groupby("rep").agg(closed=("won", "size"), won=("won", "sum"), revenue=("won_amount", "sum"))
    per_rep["close_rate"] = per_rep["won"] / per_rep["closed"]
    monthly = closed.pivot_table(index="rep", columns="month", values="won_amount", aggfunc="sum").reindex(
        columns=months, fill_value=0).fillna(0.0)
    per_rep = per_rep.join(monthly).sort_values("revenue", ascending=False, kind="stable")
    team_rate = fmt.ratio(per_rep["won"].sum(), per_rep["closed"].sum())
    findings = [
        f"本月关闭意向卡 {fmt.count(len(this))} 张，成交 {fmt.count(this['won'].sum())} 张，成交率 {fmt.percent(rate)}"
        f"（上月 {fmt.percent(rate_prev)}）；成交金额 {fmt.yuan(this['won_amount'].sum())}"
        f"（上月 {fmt.yuan(prev['won_amount'].sum())}）。",
        f"近三个月（{months[0]:%Y-%m} 至 {months[-1]:%Y-%m}）团队成交率 {fmt.percent(team_rate)}，"
        f"成交金额 {fmt.yuan(per_rep['revenue'].sum())}；业绩最高的是 {per_rep.index[0]}"
        f"（{fmt.yuan(per_rep['revenue'].iloc[0])}，成交率 {fmt.percent(per_rep['close_rate'].iloc[0])}）。",
    ]
    enough = per_rep[per_rep["closed"] >= 5]
    weak = enough[enough["close_rate"] < team_rate * 0.7]
    if len(weak):
        findings.append("近三个月成交率明显低于团队（低于团队水平七成，且关闭至少 5 张）的有："
                        + "、".join(f"{r}（{fmt.percent(v)}）" for r, v in weak["close_rate"].items())
                        + "；宜看三个月趋势再下结论。")
    table = pd.DataFrame({"销售顾问": per_rep.index})
    for m in months:
        table[f"{m:%Y-%m} 成交金额"] = [fmt.yuan(v) for v in per_rep[m]]
    table["三个月成交金额"] = [fmt.yuan(v) for v in per_rep["revenue"]]
    table["成交/关闭"] = [f"{int(w)}/{int(c)}" for w, c in zip(per_rep["won"], per_rep["closed"])]
    table["成交率"] = [fmt.percent(v) for v in per_rep["close_rate"]]

    def draw(fig):
        ax = fig.subplots()
        top = per_rep.head(12)
        x = np.arange(len(top))
        width = 0.8 / len(months)
        for i, (m, colour) in enumerate(zip(months, colours.MONTHS)):
            ax.bar(x + (i - 1) * width, top[m].to_numpy() / 1e4, width=width, color=colour, label=f"{m:%Y-%m}")
        ax.set_xticks(x, [fmt.plot_label(r) for r in top.index], rotation=30 if len(top) > 8 else 0,
                      ha="right" if len(top) > 8 else "center")
        ax.set_ylabel("成交金额（万元）")
        ax.set_title("各销售顾问近三个月成交金额")
        ax.legend(frameon=False, fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings, tables=[Table("销售顾问近三个月业绩 · rep performance, 3 months", table)],
                   figures=[Figure("近三个月成交金额", draw, height=3.0, bottom=0.8)],
                   data={"close_rate": rate, "won_revenue": float(this["won_amount"].sum()),
                         "won": int(this["won"].sum()), "closed": len(this), "per_rep": per_rep})
