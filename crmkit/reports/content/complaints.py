"""Complaints (客户投诉): volume, category, and time to resolution against the time limit (处理时限).

A complaint counts as resolved when it has a ``resolved_at`` (status resolved or closed); its
time to resolution is resolved_at − received_at. Complaints still unresolved at the month's end
and older than the limit are overdue.
"""

from __future__ import annotations

import pandas as pd

from . import colours, formatting as fmt
from .section import Figure, Section, Table, section

#: The time limit for resolving a complaint, in days (the forms ask for a 处理时限 without a
#: number; 7 days is a common service promise). Change it here for the whole report.
RESOLUTION_LIMIT_DAYS = 7

NOT_GIVEN = "（未分类）"


@section(f"客户投诉 · Complaints (time limit {RESOLUTION_LIMIT_DAYS} days)")
def complaints(data) -> Section:
    """This month's complaints by category, how fast they were resolved, and what is overdue."""
    c = data.complaints
    month = data.in_month(c, "received_at").copy()
    before = data.in_month(c, "received_at", data.previous_start, data.start)
    # unresolved at the month's end: received before it and not resolved before it
    unresolved = c[c["resolved_at"].isna() | (c["resolved_at"] >= data.end)]
    age = (data.end - unresolved["received_at"]).dt.total_seconds() / 86400
    overdue_open = unresolved[age > RESOLUTION_LIMIT_DAYS]
    if month.empty and overdue_open.empty:
        return Section("", [f"{data.label}没有收到投诉（上月 {fmt.count(len(before))} 件），也没有超时未解决的投诉。"],
                       data={"received": 0, "overdue_open": 0})
    done = month["resolved_at"].notna() & (month["resolved_at"] < data.end)
    month["days"] = (month["resolved_at"] - month["received_at"]).dt.total_seconds() / 86400
    month["category"] = month["category"].astype(object).where(month["category"].notna(), NOT_GIVEN)
    resolved = month[done]
    within = int((resolved["days"] <= RESOLUTION_LIMIT_DAYS).sum())
    by_category = month.groupby("category").agg(received=("days", "size"), resolved=("resolved_at", "count"),
                                                median=("days", "median"),
                                                late=("days", lambda d: int((d > RESOLUTION_LIMIT_DAYS).sum())))
    by_category = by_category.sort_values("received", ascending=False, kind="stable")
    findings = [
        f"本月收到投诉 {fmt.count(len(month))} 件，环比 {fmt.change(len(month), len(before))}（上月 {fmt.count(len(before))} 件）"
        + (f"；最多的类别是{by_category.index[0]}（{fmt.count(by_category['received'].iloc[0])} 件）。" if len(month) else "。"),
        f"月内已解决 {fmt.count(len(resolved))} 件，其中 {fmt.count(within)} 件在 {RESOLUTION_LIMIT_DAYS} 天时限内"
        f"（{fmt.percent(fmt.ratio(within, len(resolved)))}），解决用时中位数 {fmt.days(resolved['days'].median())}。",
        (f"月末仍未解决且已超过 {RESOLUTION_LIMIT_DAYS} 天的投诉 {fmt.count(len(overdue_open))} 件（含以前月份收到的），需要跟进。"
         if len(overdue_open) else f"月末没有超过 {RESOLUTION_LIMIT_DAYS} 天仍未解决的投诉。"),
    ]
    table = pd.DataFrame({
        "类别 · category": by_category.index,
        "收到": [fmt.count(v) for v in by_category["received"]],
        "已解决": [fmt.count(v) for v in by_category["resolved"]],
        "用时中位数": [fmt.days(v) for v in by_category["median"]],
        f"超过{RESOLUTION_LIMIT_DAYS}天": [fmt.count(v) for v in by_category["late"]],
    })
    tables = [Table("按类别 · by category", table)] if len(month) else []
    if len(overdue_open):
        listed = overdue_open.sort_values("received_at").head(10)
        tables.append(Table("超时未解决 · overdue and unresolved", pd.DataFrame({
            "投诉编号": listed["complaint_id"].astype(object),
            "客户编号": listed["customer_id"].astype(object),
            "投诉日期": listed["received_at"].dt.strftime("%Y-%m-%d"),
            "类别": listed["category"].astype(object),
            "内容": listed["content"].astype(object),
            "处理人": listed["handler"].astype(object),
        }), f"最早的 {len(listed)} 件，共 {fmt.count(len(overdue_open))} 件。"))
    figures = []
    if len(month):
        def draw(fig):
            from matplotlib.ticker import MaxNLocator

            ax = fig.subplots()
            late = by_category["late"].to_numpy()
            labels = [fmt.plot_label(x) for x in by_category.index]
            in_time = by_category["received"].to_numpy() - late
            width = min(0.8, 0.25 * len(labels))  # two categories should not fill the page with two slabs
            ax.bar(labels, in_time, width=width, color=colours.PLAIN, label=f"{RESOLUTION_LIMIT_DAYS}天内解决或未到期")
            ax.bar(labels, late, width=width, bottom=in_time, color="#d62728", label=f"超过{RESOLUTION_LIMIT_DAYS}天")
            ax.set_ylabel("投诉件数")
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(0, max(1, int(by_category["received"].max())) * 1.25)  # room for the legend above the bars
            ax.set_title("本月投诉（按类别）")
            ax.legend(frameon=False, fontsize=8, loc="upper center", ncols=2)
            ax.spines[["top", "right"]].set_visible(False)

        figures.append(Figure("本月投诉", draw, height=2.6))
    return Section("", findings, tables=tables, figures=figures,
                   data={"received": len(month), "resolved": len(resolved), "within_limit": within,
                         "overdue_open": len(overdue_open), "by_category": by_category})
