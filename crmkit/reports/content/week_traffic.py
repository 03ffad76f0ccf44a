"""The week's traffic (客流量), week on week: visits, calls, walk-ins and call-ins per day, this
week against last week.

Every interaction counts once, under its channel: 拜访 (visit), 电话 (phone), 来店 (walk_in),
来电 (call_in), and the others (WeChat, e-mail, events) together. A day is compared with the same
weekday of last week.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...i18n import N_, choice_label, translate
from ...schema import INTERACTIONS
from . import colours
from .section import Figure, Section, Table, section

#: The channels shown one by one; the rest are summed as "other".
SHOWN_CHANNELS = ("visit", "phone", "walk_in", "call_in")
OTHER = "other"
#: Weekdays, Monday first, as the table and the figure name them.
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def daily_channels(data, start) -> pd.DataFrame:
    """Interactions per day (7 rows, Monday first) and channel (``SHOWN_CHANNELS`` + "other") of
    the week starting ``start``."""
    week = data.within(data.interactions, "occurred_at", start, start + pd.Timedelta(days=7))
    channel = week["channel"].astype(object)
    channel = channel.where(channel.isin(SHOWN_CHANNELS), OTHER)
    days = pd.date_range(start, periods=7, freq="D")
    counts = pd.crosstab(week["occurred_at"].dt.normalize(), channel)
    return counts.reindex(index=days, columns=[*SHOWN_CHANNELS, OTHER], fill_value=0).fillna(0).astype(int)


@section(N_("Traffic this week and last week"))
def week_traffic(data) -> Section:
    """Interactions per day and channel this week, against the same weekdays of last week."""
    fmt, say = data.fmt, data.prose
    this = daily_channels(data, data.start)
    last = daily_channels(data, data.previous_start)
    total, total_before = int(this.to_numpy().sum()), int(last.to_numpy().sum())
    if total == 0 and total_before == 0:
        return Section("", [translate("{week}: no visits, calls or walk-ins this week or last week.", say,
                                      week=data.label)], data={"total": 0, "previous": 0})

    def name(channel) -> str:
        return translate("other", say) if channel == OTHER else choice_label(INTERACTIONS["channel"], channel, say)

    per_channel = translate(", ", say).join(
        translate("{channel} {n} ({change})", say, channel=name(c), n=fmt.count(this[c].sum()),
                  change=fmt.change(this[c].sum(), last[c].sum())) for c in this.columns)
    busiest = this.sum(axis=1).idxmax()
    findings = [
        translate("{total} contacts this week, {change} on last week ({before}); {per_day:.1f} a day, the busiest day "
                  "{busiest:%m-%d} ({busiest_n}).", say, total=fmt.count(total), change=fmt.change(total, total_before),
                  before=fmt.count(total_before), per_day=total / 7, busiest=busiest,
                  busiest_n=fmt.count(this.loc[busiest].sum())),
        translate("By channel, against last week: {channels}.", say, channels=per_channel),
    ]
    table = pd.DataFrame({translate("day", data.lang): [
        f"{day:%m-%d} " + translate(WEEKDAYS[day.day_of_week], say) for day in this.index]})
    for channel in this.columns:
        table[name(channel)] = [fmt.count(v) for v in this[channel]]
    table[translate("total", say)] = [fmt.count(v) for v in this.sum(axis=1)]
    table[translate("last week", say)] = [fmt.count(v) for v in last.sum(axis=1)]
    table[translate("vs last week", say)] = [fmt.change(a, b) for a, b in zip(this.sum(axis=1), last.sum(axis=1))]

    def draw(fig):
        from matplotlib.ticker import MaxNLocator

        ax = fig.subplots()
        x = np.arange(7)
        bottom = np.zeros(7)
        for channel in this.columns:
            values = this[channel].to_numpy()
            ax.bar(x - 0.2, values, bottom=bottom, width=0.4, label=name(channel),
                   color=colours.CHANNEL.get(channel, colours.PLAIN if channel != OTHER else "#c7c7c7"))
            bottom = bottom + values
        ax.bar(x + 0.2, last.sum(axis=1).to_numpy(), width=0.4, color="#d9d9d9", edgecolor="#7f7f7f",
               label=translate("last week", say))
        ax.set_xticks(x, [translate(WEEKDAYS[day.day_of_week], say) for day in this.index])
        ax.set_ylabel(translate("contacts", say))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max(float(bottom.max()), float(last.sum(axis=1).max()), 1.0) * 1.3)  # room for the legend
        ax.legend(loc="upper right", frameon=False, ncols=3, fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings, tables=[Table(translate("per day", data.lang), table)],
                   figures=[Figure(translate("Contacts per day, this week and last week", say), draw, height=2.8)],
                   data={"total": total, "previous": total_before, "daily": this, "daily_before": last})
