"""New customers (新增客户): who joined this month, from which source and region, and for whom."""

from __future__ import annotations

import pandas as pd

from ...i18n import N_, translate
from . import colours, privacy
from .month import id_set, is_in
from .section import Figure, Section, Table, section

#: How many new customers the table lists (the findings count them all).
LISTED = 15


def _counts(values: pd.Series, missing: str) -> pd.Series:
    return values.astype(object).where(values.notna(), missing).value_counts()


@section(N_("New customers of the month"))
def new_customers(data) -> Section:
    """Customers whose file was created this month, by source, region and owner, and the list."""
    fmt, say = data.fmt, data.prose
    not_given = translate("(not given)", say)
    new = data.in_month(data.customers, "created_at").sort_values("created_at", kind="stable")
    before = data.in_month(data.customers, "created_at", data.previous_start, data.start)
    n = len(new)
    if n == 0:
        return Section("", [translate("{month}: no new customer files ({before} last month).", say, month=data.label,
                                      before=fmt.count(len(before)))], data={"new": 0})
    by_source = _counts(new["source"], not_given)
    by_region = _counts(new["region"], not_given)
    by_owner = _counts(new["owner"], not_given)
    bought = id_set(data.in_month(data.orders, "ordered_at")["customer_id"])
    buyers = int(is_in(new["customer_id"], bought).sum())
    def top(counts):
        return translate(", ", say).join(translate("{name} {n}", say, name=k, n=fmt.count(v)) for k, v in counts.head(4).items())

    findings = [
        translate("{n} new customer files this month, {change} on last month ({before} last month); {buyers} of them "
                  "ordered in the month ({share}).", say, n=fmt.count(n), change=fmt.change(n, len(before)),
                  before=fmt.count(len(before)), buyers=fmt.count(buyers), share=fmt.percent(fmt.ratio(buyers, n))),
        translate("Main sources: {top}.", say, top=top(by_source)),
        translate("Main regions: {top}; the rep who opened most files is {rep} ({n}).", say, top=top(by_region),
                  rep=by_owner.index[0], n=fmt.count(by_owner.iloc[0])),
    ]
    mask = not data.show_personal_data
    listed = new.head(LISTED)
    table = pd.DataFrame({
        translate("customer ID", say): listed["customer_id"].astype(object),
        translate("customer name", say): listed["name"].astype(object),
        translate("region", say): listed["region"].astype(object),
        translate("source", say): listed["source"].astype(object),
        translate("owner", say): listed["owner"].astype(object),
        translate("phone", say): [privacy.mask_phone(p) if mask else p for p in listed["phone"]],
        translate("file opened", say): listed["created_at"].dt.strftime("%Y-%m-%d"),
    })
    note = translate("The first {shown} by date opened, of {n}.", say, shown=min(LISTED, n), n=fmt.count(n))

    def draw(fig):
        from matplotlib.ticker import MaxNLocator

        ax = fig.subplots()
        shown = by_source.head(8)[::-1]
        ax.barh([fmt.plot_label(s) for s in shown.index], shown.to_numpy(), color=colours.PLAIN)
        for y, v in enumerate(shown.to_numpy()):
            ax.annotate(fmt.count(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_xlim(0, max(float(shown.max()), 1.0) * 1.12)  # room for the numbers
        ax.set_xlabel(translate("new customers", say))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(translate("Where new customers came from", say))
        ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings, tables=[Table(translate("New customers this month", data.lang), table, note)],
                   figures=[Figure(translate("Where new customers came from", say), draw, height=2.4, left=0.9)],
                   data={"new": n, "by_source": by_source, "by_region": by_region, "buyers": buyers})
