"""Receivables (结算收款): ageing of what is still owed at the month's end, each customer's
collection status (良好/一般/较差/极坏) and the risky customers.

A settlement is owed when its ``outstanding`` (receivable − received; computed when missing) is
above zero; its age is the days past its ``due_date`` (its settlement date when it has none) at
the month's end. A customer's collection status follows their oldest overdue amount:
``COLLECTION_STATUS`` (not overdue: good 良好; up to 30 days: fair 一般; up to 90: poor 较差;
more: very bad 极坏). The
store keeps the current amounts, so for a past month the ageing uses today's outstanding.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from ...i18n import N_, translate
from . import colours
from .section import Figure, Section, Table, section

#: Ageing buckets: label (an English message id, translated where shown) and the most days
#: overdue it holds (inclusive).
AGEING_BUCKETS = [(N_("not due"), 0), (N_("1–30 days"), 30), (N_("31–60 days"), 60), (N_("61–90 days"), 90),
                  (N_("over 90 days"), np.inf)]

#: Collection status by the oldest days overdue: status (良好/一般/较差/极坏 in Chinese) and the
#: most days it allows (inclusive).
COLLECTION_STATUS = [(N_("good"), 0), (N_("fair"), 30), (N_("poor"), 90), (N_("very bad"), np.inf)]
VERY_BAD = COLLECTION_STATUS[-1][0]

#: How many risky customers the table lists.
TOP = 10


def _bucket(days_overdue: pd.Series, buckets) -> pd.Series:
    edges = [-np.inf] + [limit for _, limit in buckets]
    return pd.cut(days_overdue, bins=edges, labels=[name for name, _ in buckets], right=True)


def owed_at_month_end(data) -> pd.DataFrame:
    """Settlements made by the month's end with money still owed, with ``owed`` and ``days_overdue``."""
    s = data.settlements
    receivable = s["receivable"].astype("float64")
    received = s["received"].astype("float64").fillna(0.0)
    owed = s["outstanding"].astype("float64").fillna(receivable - received)
    out = s.assign(owed=owed)[owed > 0.005].copy()
    due = out["due_date"].fillna(out["settled_at"])
    out["days_overdue"] = (data.as_of - due).dt.days.clip(lower=0)
    out["bucket"] = _bucket(out["days_overdue"], AGEING_BUCKETS)
    return out


@section(N_("Receivables and collection"))
def receivables(data) -> Section:
    """What is owed at the month's end by age, each debtor's collection status, and risky customers."""
    fmt, say = data.fmt, data.prose
    owed = owed_at_month_end(data)
    month = data.in_month(data.settlements, "settled_at")
    billed, collected = float(month["receivable"].sum()), float(month["received"].sum())
    if owed.empty:
        return Section("", [translate("Nothing is owed at the month's end. Billed this month {billed}, received "
                                      "{collected}.", say, billed=fmt.money(billed), collected=fmt.money(collected))],
                       data={"owed": 0.0, "status": pd.Series(dtype=int)})
    ageing = owed.groupby("bucket", observed=False).agg(items=("owed", "size"), amount=("owed", "sum"))
    per_customer = owed.groupby("customer_id").agg(owed=("owed", "sum"), oldest=("days_overdue", "max"),
                                                   items=("owed", "size"))
    per_customer["status"] = _bucket(per_customer["oldest"], COLLECTION_STATUS)
    status = per_customer["status"].value_counts().reindex([s for s, _ in COLLECTION_STATUS], fill_value=0)
    customers = data.customers.set_index(data.customers["customer_id"].astype(str))
    per_customer.index = per_customer.index.astype(str)
    limit = customers["credit_limit"].astype("float64").reindex(per_customer.index)
    per_customer["over_limit"] = limit.notna() & (per_customer["owed"] > limit)
    risky = per_customer[(per_customer["status"] == VERY_BAD) | per_customer["over_limit"]].sort_values(
        "owed", ascending=False)
    total = float(owed["owed"].sum())
    overdue = float(owed.loc[owed["days_overdue"] > 0, "owed"].sum())
    findings = [
        translate("Owed at the month's end: {total} by {customers} customers on {items} settlements; {overdue} of it "
                  "overdue ({share}), {old} more than 90 days.", say, total=fmt.money(total),
                  customers=fmt.count(len(per_customer)), items=fmt.count(len(owed)), overdue=fmt.money(overdue),
                  share=fmt.percent(fmt.ratio(overdue, total)),
                  old=fmt.money(ageing.loc[AGEING_BUCKETS[-1][0], "amount"])),
        translate("Billed this month {billed}, received on those bills {collected} ({share}).", say,
                  billed=fmt.money(billed), collected=fmt.money(collected),
                  share=fmt.percent(fmt.ratio(collected, billed))),
        translate("Debtors by collection status: {statuses}; {risky} risky customers (very bad, or over their credit "
                  "limit).", say, risky=fmt.count(len(risky)), statuses=translate(", ", say).join(
                      translate("{name} {n}", say, name=translate(s, say), n=fmt.count(v)) for s, v in status.items())),
    ]
    ageing_table = pd.DataFrame({
        translate("age", data.lang): [translate(b, say) for b in ageing.index.astype(str)],
        translate("items", say): [fmt.count(v) for v in ageing["items"]],
        translate("amount", say): [fmt.money(v) for v in ageing["amount"]],
        translate("share", say): [fmt.percent(fmt.ratio(v, total)) for v in ageing["amount"]],
    })
    shown = risky.head(TOP)
    ids = shown.index
    risky_table = pd.DataFrame({
        translate("customer ID", say): ids,
        translate("customer name", say): customers["name"].reindex(ids).astype(object).to_numpy(),
        translate("owner", say): customers["owner"].reindex(ids).astype(object).to_numpy(),
        translate("owed", say): [fmt.money(v) for v in shown["owed"]],
        translate("longest overdue", say): [translate("{n} days", say, n=int(v)) for v in shown["oldest"]],
        translate("credit limit", say): [fmt.money(v) for v in limit.reindex(ids)],
        translate("collection status", say): [translate(str(v), say) for v in shown["status"]],
    })
    note = (translate("The first {shown} by amount owed, of {n}.", say, shown=len(shown), n=fmt.count(len(risky)))
            if len(risky) else translate("No customer is very bad at paying or over their credit limit.", say))
    divisor, unit = fmt.money_unit(float(ageing["amount"].max()))

    def draw(fig):
        from matplotlib.ticker import MaxNLocator

        left, right = fig.subplots(1, 2, width_ratios=[1.3, 1])
        amounts = ageing["amount"].to_numpy() / divisor
        # "31–60 days" side by side overlap in English: wrapped at the space (Chinese has none)
        labels = [textwrap.fill(translate(str(b), say), width=9, break_long_words=False) for b in ageing.index]
        left.bar(labels, amounts,
                 color=["#2ca02c", "#bcbd22", "#ff7f0e", "#e6550d", "#d62728"])
        left.set_ylabel(translate("owed ({unit})", say, unit=unit))
        left.set_title(translate("Ageing of what is owed at the month's end", say))
        left.tick_params(axis="x", labelsize=8)
        right.bar([translate(s, say) for s in status.index], status.to_numpy(),
                  color=[colours.COLLECTION[s] for s in status.index])
        right.set_ylabel(translate("customers", say))
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_title(translate("Debtors by collection status", say))
        for ax in (left, right):
            ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings, tables=[Table(translate("ageing", data.lang), ageing_table),
                                         Table(translate("risky customers", data.lang), risky_table, note)],
                   figures=[Figure(translate("Ageing of what is owed at the month's end", say), draw, height=2.8, left=0.75, wspace=0.4)],
                   data={"owed": total, "overdue": overdue, "ageing": ageing, "status": status,
                         "per_customer": per_customer, "risky": risky})
