"""Traffic statistics (客流量统计): walk-ins and call-ins per day and week, new vs returning,
per grade, the share who left contact details (留资比例) and the share who bought (成交比例).

Definitions (the form names the figures but not how to count them):

* a visit is an interaction with channel walk_in (来店) or call_in (来电);
* new (新客): an anonymous visitor, or a customer whose file was created this month;
  returning (老客): a customer created before the month;
* grade: the intent grade on the visitor's newest card as it stood at the month's end
  ("未分级" for visitors without a card);
* 留资比例: visits with ``left_contact`` true / all visits;
* 成交比例: visits by customers who placed an order this month / all visits.
"""

from __future__ import annotations

import pandas as pd

from ...i18n import choice_label
from ...schema import INTERACTIONS
from . import colours, formatting as fmt
from .cards import UNGRADED, latest_grade_by_customer
from .kpis import TRAFFIC_CHANNELS
from .month import id_set, is_in
from .section import Figure, Section, Table, section

GRADE_ORDER = ["O", "A", "B", "C", UNGRADED]


def month_visits(data) -> pd.DataFrame:
    """This month's walk-ins and call-ins with ``day``, ``new`` (bool), ``grade`` and ``bought``."""
    visits = data.in_month(data.interactions, "occurred_at")
    visits = visits[visits["channel"].isin(TRAFFIC_CHANNELS)].copy()
    created = pd.Series(data.customers["created_at"].to_numpy(), index=data.customers["customer_id"].astype(str))
    customer = visits["customer_id"].astype(object)
    known = customer.notna()
    visits["new"] = ~known | (customer.map(created) >= data.start).fillna(False).astype(bool)
    grades = latest_grade_by_customer(data, data.end)
    visits["grade"] = customer.map(grades).fillna(UNGRADED)
    buyers = id_set(data.in_month(data.orders, "ordered_at")["customer_id"])
    visits["bought"] = known & is_in(visits["customer_id"], buyers)
    visits["day"] = visits["occurred_at"].dt.normalize()
    visits["channel"] = visits["channel"].astype(object)
    return visits


@section("客流量统计 · Walk-in and call-in traffic")
def traffic(data) -> Section:
    """Walk-ins and call-ins of the month, counted the ways the 客流量统计表 asks."""
    visits = month_visits(data)
    n = len(visits)
    previous = data.in_month(data.interactions, "occurred_at", data.previous_start, data.start)
    n_before = int(previous["channel"].isin(TRAFFIC_CHANNELS).sum())
    if n == 0:
        return Section("", [f"{data.label}没有来店或来电记录（上月 {fmt.count(n_before)} 次）。"],
                       data={"visits": 0})
    by_channel = visits["channel"].value_counts()
    days = pd.date_range(data.start, data.end - pd.Timedelta(days=1), freq="D")
    daily = (visits.pivot_table(index="day", columns="channel", values="occurred_at", aggfunc="size")
             .reindex(index=days, columns=list(TRAFFIC_CHANNELS)).fillna(0).astype(int))
    # weeks run Monday to Sunday, keyed by their Monday (so December's last week sorts last)
    monday = daily.index - pd.to_timedelta(daily.index.day_of_week, unit="D")
    weekly = daily.groupby(monday).sum()
    weekly_first_day = daily.index.to_series().groupby(monday).min()
    new = int(visits["new"].sum())
    left = int(visits["left_contact"].fillna(False).astype(bool).sum())
    bought = int(visits["bought"].sum())
    grade_counts = visits["grade"].value_counts().reindex(GRADE_ORDER, fill_value=0)
    busiest = daily.sum(axis=1).idxmax()

    findings = [
        f"本月来店 {fmt.count(by_channel.get('walk_in', 0))} 次、来电 {fmt.count(by_channel.get('call_in', 0))} 次，"
        f"合计 {fmt.count(n)} 次，环比 {fmt.change(n, n_before)}（上月 {fmt.count(n_before)} 次）；"
        f"日均 {n / len(days):.1f} 次，最多的一天是 {busiest:%m月%d日}（{fmt.count(daily.loc[busiest].sum())} 次）。",
        f"新客 {fmt.count(new)} 次（{fmt.percent(fmt.ratio(new, n))}），老客 {fmt.count(n - new)} 次。",
        f"留资比例 {fmt.percent(fmt.ratio(left, n))}（{fmt.count(left)} 次留下联系方式）；"
        f"成交比例 {fmt.percent(fmt.ratio(bought, n))}（来访客户本月下单的 {fmt.count(bought)} 次）。",
        "按有望度：" + "，".join(f"{g} {fmt.count(c)} 次" for g, c in grade_counts.items()) + "。",
    ]
    weekly_table = pd.DataFrame({
        "周 · week": [f"{weekly_first_day[w]:%m-%d} 起" for w in weekly.index],
        "来店": [fmt.count(v) for v in weekly["walk_in"]],
        "来电": [fmt.count(v) for v in weekly["call_in"]],
        "合计": [fmt.count(v) for v in weekly.sum(axis=1)],
        "周环比": [fmt.change(a, b) for a, b in zip(weekly.sum(axis=1), weekly.sum(axis=1).shift())],
    })
    summary = visits.groupby("grade").agg(visits=("new", "size"), new=("new", "sum"),
                                          left=("left_contact", lambda s: s.fillna(False).astype(bool).sum()),
                                          bought=("bought", "sum")).reindex(GRADE_ORDER, fill_value=0)
    grade_table = pd.DataFrame({
        "有望度 · grade": summary.index,
        "来访次数": [fmt.count(v) for v in summary["visits"]],
        "新客": [fmt.count(v) for v in summary["new"]],
        "留资比例": [fmt.percent(fmt.ratio(a, b)) for a, b in zip(summary["left"], summary["visits"])],
        "成交比例": [fmt.percent(fmt.ratio(a, b)) for a, b in zip(summary["bought"], summary["visits"])],
    })

    def draw(fig):
        from matplotlib.ticker import MaxNLocator

        ax = fig.subplots()
        bottom = None
        for channel in TRAFFIC_CHANNELS:
            values = daily[channel].to_numpy()
            ax.bar(daily.index.day, values, bottom=bottom, color=colours.CHANNEL[channel],
                   label=choice_label(INTERACTIONS["channel"], channel, "zh"), width=0.8)
            bottom = values if bottom is None else bottom + values
        ax.set_xlabel("日期（日）")
        ax.set_ylabel("次数")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title("每日来店/来电次数")
        ax.set_xticks(range(1, len(days) + 1, 2))
        ax.set_ylim(0, max(float(daily.sum(axis=1).max()), 1.0) * 1.25)  # room for the legend
        ax.legend(loc="upper right", frameon=False, ncols=2)
        ax.spines[["top", "right"]].set_visible(False)

    return Section(
        "", findings,
        tables=[Table("每周客流 · weekly", weekly_table), Table("按有望度 · by grade", grade_table)],
        figures=[Figure("每日来店/来电", draw, height=2.8)],
        data={"visits": n, "walk_in": int(by_channel.get("walk_in", 0)), "call_in": int(by_channel.get("call_in", 0)),
              "new": new, "left_contact": left, "bought": bought, "previous": n_before,
              "daily": daily, "by_grade": grade_counts},
    )
