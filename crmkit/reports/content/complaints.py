"""Complaints (客户投诉): volume, category, and time to resolution against the time limit (处理时限).

A complaint counts as resolved when it has a ``resolved_at`` (status resolved or closed); its
time to resolution is resolved_at − received_at. Complaints still unresolved at the month's end
and older than the limit are overdue.
"""

from __future__ import annotations

import pandas as pd

from ...i18n import N_, translate
from . import colours
from .section import Figure, Section, Table, section

#: The time limit for resolving a complaint, in days (the forms ask for a 处理时限 without a
#: number; 7 days is a common service promise). Change it here for the whole report.
RESOLUTION_LIMIT_DAYS = 7

NOT_GIVEN = N_("(no category)")


@section(N_("Complaints (time limit {days} days)"), days=RESOLUTION_LIMIT_DAYS)
def complaints(data) -> Section:
    """This month's complaints by category, how fast they were resolved, and what is overdue."""
    fmt, say = data.fmt, data.prose
    limit = RESOLUTION_LIMIT_DAYS
    c = data.complaints
    month = data.in_month(c, "received_at").copy()
    before = data.in_month(c, "received_at", data.previous_start, data.start)
    # unresolved at the month's end: received before it and not resolved before it
    unresolved = c[c["resolved_at"].isna() | (c["resolved_at"] >= data.end)]
    age = (data.end - unresolved["received_at"]).dt.total_seconds() / 86400
    overdue_open = unresolved[age > RESOLUTION_LIMIT_DAYS]
    if month.empty and overdue_open.empty:
        return Section("", [translate("{month}: no complaints received ({before} last month), and none overdue.", say,
                                      month=data.label, before=fmt.count(len(before)))],
                       data={"received": 0, "overdue_open": 0})
    done = month["resolved_at"].notna() & (month["resolved_at"] < data.end)
    month["days"] = (month["resolved_at"] - month["received_at"]).dt.total_seconds() / 86400
    month["category"] = month["category"].astype(object).where(month["category"].notna(), translate(NOT_GIVEN, say))
    resolved = month[done]
    within = int((resolved["days"] <= RESOLUTION_LIMIT_DAYS).sum())
    by_category = month.groupby("category").agg(received=("days", "size"), resolved=("resolved_at", "count"),
                                                median=("days", "median"),
                                                late=("days", lambda d: int((d > RESOLUTION_LIMIT_DAYS).sum())))
    by_category = by_category.sort_values("received", ascending=False, kind="stable")
    findings = [
        (translate("{n} complaints received this month, {change} on last month ({before} last month); the most in "
                   "{category} ({top}).", say, n=fmt.count(len(month)), change=fmt.change(len(month), len(before)),
                   before=fmt.count(len(before)), category=by_category.index[0],
                   top=fmt.count(by_category["received"].iloc[0])) if len(month)
         else translate("{n} complaints received this month, {change} on last month ({before} last month).", say,
                        n=fmt.count(len(month)), change=fmt.change(len(month), len(before)),
                        before=fmt.count(len(before)))),
        translate("{resolved} resolved within the month, {within} of them within the {limit}-day limit ({share}); "
                  "median time to resolve {median}.", say, resolved=fmt.count(len(resolved)), within=fmt.count(within),
                  limit=limit, share=fmt.percent(fmt.ratio(within, len(resolved))),
                  median=fmt.days(resolved["days"].median())),
        (translate("{n} complaints still unresolved at the month's end after more than {limit} days (earlier months' "
                   "included): follow them up.", say, n=fmt.count(len(overdue_open)), limit=limit)
         if len(overdue_open) else
         translate("No complaint is unresolved after more than {limit} days at the month's end.", say, limit=limit)),
    ]
    table = pd.DataFrame({
        translate("category", data.lang): by_category.index,
        translate("received", say): [fmt.count(v) for v in by_category["received"]],
        translate("resolved", say): [fmt.count(v) for v in by_category["resolved"]],
        translate("median time", say): [fmt.days(v) for v in by_category["median"]],
        translate("over {limit} days", say, limit=limit): [fmt.count(v) for v in by_category["late"]],
    })
    tables = [Table(translate("by category", data.lang), table)] if len(month) else []
    if len(overdue_open):
        listed = overdue_open.sort_values("received_at").head(10)
        tables.append(Table(translate("overdue and unresolved", data.lang), pd.DataFrame({
            translate("complaint ID", say): listed["complaint_id"].astype(object),
            translate("customer ID", say): listed["customer_id"].astype(object),
            translate("received on", say): listed["received_at"].dt.strftime("%Y-%m-%d"),
            translate("category", say): listed["category"].astype(object),
            translate("content", say): listed["content"].astype(object),
            translate("handler", say): listed["handler"].astype(object),
        }), translate("The oldest {shown}, of {n}.", say, shown=len(listed), n=fmt.count(len(overdue_open)))))
    figures = []
    if len(month):
        def draw(fig):
            from matplotlib.ticker import MaxNLocator

            ax = fig.subplots()
            late = by_category["late"].to_numpy()
            labels = [fmt.plot_label(x) for x in by_category.index]
            in_time = by_category["received"].to_numpy() - late
            width = min(0.8, 0.25 * len(labels))  # two categories should not fill the page with two slabs
            ax.bar(labels, in_time, width=width, color=colours.PLAIN, label=translate("resolved within {limit} days, or not yet due", say, limit=limit))
            ax.bar(labels, late, width=width, bottom=in_time, color="#d62728", label=translate("over {limit} days", say, limit=limit))
            ax.set_ylabel(translate("complaints", say))
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(0, max(1, int(by_category["received"].max())) * 1.25)  # room for the legend above the bars
            ax.set_title(translate("Complaints this month, by category", say))
            ax.legend(frameon=False, fontsize=8, loc="upper center", ncols=2)
            ax.spines[["top", "right"]].set_visible(False)

        figures.append(Figure(translate("Complaints this month, by category", say), draw, height=2.6))
    return Section("", findings, tables=tables, figures=figures,
                   data={"received": len(month), "resolved": len(resolved), "within_limit": within,
                         "overdue_open": len(overdue_open), "by_category": by_category})
