"""Traffic statistics (客流量统计): walk-ins and call-ins per day and week, new vs returning,
per grade, the share who left contact details (留资比例) and the share who bought (成交比例).

Definitions (the form names the figures but not how to count them):

* a visit is an interaction with channel walk_in (来店) or call_in (来电);
* new (新客): an anonymous visitor, or a customer whose file was created this month;
  returning (老客): a customer created before the month;
* grade: the intent grade on the visitor's newest card as it stood at the month's end
  ("ungraded", 未分级, for visitors without a card);
* 留资比例: visits with ``left_contact`` true / all visits;
* 成交比例: visits by customers who placed an order this month / all visits.
"""

from __future__ import annotations

import pandas as pd

from ...i18n import N_, choice_label, translate
from ...schema import INTERACTIONS
from . import colours
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


@section(N_("Walk-in and call-in traffic"))
def traffic(data) -> Section:
    """Walk-ins and call-ins of the month, counted the ways the 客流量统计表 asks."""
    fmt, say = data.fmt, data.prose
    visits = month_visits(data)
    n = len(visits)
    previous = data.in_month(data.interactions, "occurred_at", data.previous_start, data.start)
    n_before = int(previous["channel"].isin(TRAFFIC_CHANNELS).sum())
    if n == 0:
        return Section("", [translate("{month}: no walk-ins or call-ins ({before} last month).", say,
                                      month=data.label, before=fmt.count(n_before))],
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

    def grade(g) -> str:
        return translate("ungraded", say) if g == UNGRADED else g

    findings = [
        translate("{walk_in} walk-ins and {call_in} call-ins this month, {total} in all, {change} on last month "
                  "({before} last month); {per_day:.1f} a day, the busiest day {busiest:%m-%d} ({busiest_n}).", say,
                  walk_in=fmt.count(by_channel.get("walk_in", 0)), call_in=fmt.count(by_channel.get("call_in", 0)),
                  total=fmt.count(n), change=fmt.change(n, n_before), before=fmt.count(n_before),
                  per_day=n / len(days), busiest=busiest, busiest_n=fmt.count(daily.loc[busiest].sum())),
        translate("New visitors {new} ({share}), returning {returning}.", say, new=fmt.count(new),
                  share=fmt.percent(fmt.ratio(new, n)), returning=fmt.count(n - new)),
        translate("Left contact details: {left_share} ({left}); bought: {bought_share} ({bought} visits by customers "
                  "who ordered this month).", say, left_share=fmt.percent(fmt.ratio(left, n)), left=fmt.count(left),
                  bought_share=fmt.percent(fmt.ratio(bought, n)), bought=fmt.count(bought)),
        translate("By grade: {counts}.", say, counts=translate(", ", say).join(
            translate("{grade} {n}", say, grade=grade(g), n=fmt.count(c)) for g, c in grade_counts.items())),
    ]
    weekly_table = pd.DataFrame({
        translate("week", data.lang): [translate("from {day:%m-%d}", say, day=weekly_first_day[w]) for w in weekly.index],
        translate("walk-ins", say): [fmt.count(v) for v in weekly["walk_in"]],
        translate("call-ins", say): [fmt.count(v) for v in weekly["call_in"]],
        translate("total", say): [fmt.count(v) for v in weekly.sum(axis=1)],
        translate("vs last week", say): [fmt.change(a, b) for a, b in zip(weekly.sum(axis=1), weekly.sum(axis=1).shift())],
    })
    summary = visits.groupby("grade").agg(visits=("new", "size"), new=("new", "sum"),
                                          left=("left_contact", lambda s: s.fillna(False).astype(bool).sum()),
                                          bought=("bought", "sum")).reindex(GRADE_ORDER, fill_value=0)
    grade_table = pd.DataFrame({
        translate("grade", data.lang): [grade(g) for g in summary.index],
        translate("visits", say): [fmt.count(v) for v in summary["visits"]],
        translate("new visitors", say): [fmt.count(v) for v in summary["new"]],
        translate("left contact details", say): [fmt.percent(fmt.ratio(a, b)) for a, b in zip(summary["left"], summary["visits"])],
        translate("bought", say): [fmt.percent(fmt.ratio(a, b)) for a, b in zip(summary["bought"], summary["visits"])],
    })

    def draw(fig):
        from matplotlib.ticker import MaxNLocator

        ax = fig.subplots()
        bottom = None
        for channel in TRAFFIC_CHANNELS:
            values = daily[channel].to_numpy()
            ax.bar(daily.index.day, values, bottom=bottom, color=colours.CHANNEL[channel],
                   label=choice_label(INTERACTIONS["channel"], channel, say), width=0.8)
            bottom = values if bottom is None else bottom + values
        ax.set_xlabel(translate("day of the month", say))
        ax.set_ylabel(translate("visits", say))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(translate("Walk-ins and call-ins per day", say))
        ax.set_xticks(range(1, len(days) + 1, 2))
        ax.set_ylim(0, max(float(daily.sum(axis=1).max()), 1.0) * 1.25)  # room for the legend
        ax.legend(loc="upper right", frameon=False, ncols=2)
        ax.spines[["top", "right"]].set_visible(False)

    return Section(
        "", findings,
        tables=[Table(translate("weekly", data.lang), weekly_table),
                Table(translate("by grade", data.lang), grade_table)],
        figures=[Figure(translate("Walk-ins and call-ins per day", say), draw, height=2.8)],
        data={"visits": n, "walk_in": int(by_channel.get("walk_in", 0)), "call_in": int(by_channel.get("call_in", 0)),
              "new": new, "left_contact": left, "bought": bought, "previous": n_before,
              "daily": daily, "by_grade": grade_counts},
    )
