"""Receivables (结算收款): ageing of what is still owed at the month's end, each customer's
collection status (良好/一般/较差/极坏) and the risky customers.

A settlement is owed when its ``outstanding`` (receivable − received; computed when missing) is
above zero; its age is the days past its ``due_date`` (its settlement date when it has none) at
the month's end. A customer's collection status follows their oldest overdue amount:
``COLLECTION_STATUS`` (not overdue: 良好; up to 30 days: 一般; up to 90: 较差; more: 极坏). The
store keeps the current amounts, so for a past month the ageing uses today's outstanding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import colours, formatting as fmt
from .section import Figure, Section, Table, section

#: Ageing buckets: label and the most days overdue it holds (inclusive).
AGEING_BUCKETS = [("未到期", 0), ("1–30天", 30), ("31–60天", 60), ("61–90天", 90), ("90天以上", np.inf)]

#: Collection status by the oldest days overdue: status and the most days it allows (inclusive).
COLLECTION_STATUS = [("良好", 0), ("一般", 30), ("较差", 90), ("极坏", np.inf)]

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


@section("应收账款与回款 · Receivables and collection")
def receivables(data) -> Section:
    """What is owed at the month's end by age, each debtor's collection status, and risky customers."""
    owed = owed_at_month_end(data)
    month = data.in_month(data.settlements, "settled_at")
    billed, collected = float(month["receivable"].sum()), float(month["received"].sum())
    if owed.empty:
        return Section("", [f"月末没有未收款项。本月结算应收 {fmt.yuan(billed)}，实收 {fmt.yuan(collected)}。"],
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
    risky = per_customer[(per_customer["status"] == "极坏") | per_customer["over_limit"]].sort_values(
        "owed", ascending=False)
    total = float(owed["owed"].sum())
    overdue = float(owed.loc[owed["days_overdue"] > 0, "owed"].sum())
    findings = [
        f"月末未收款合计 {fmt.yuan(total)}，涉及 {fmt.count(len(per_customer))} 位客户、{fmt.count(len(owed))} 笔结算；"
        f"其中已逾期 {fmt.yuan(overdue)}（{fmt.percent(fmt.ratio(overdue, total))}），"
        f"逾期 90 天以上 {fmt.yuan(ageing.loc['90天以上', 'amount'])}。",
        f"本月结算应收 {fmt.yuan(billed)}，当笔实收 {fmt.yuan(collected)}（{fmt.percent(fmt.ratio(collected, billed))}）。",
        "欠款客户的收款状况：" + "，".join(f"{s} {fmt.count(v)} 位" for s, v in status.items())
        + f"；极坏或超出信用额度的危险客户 {fmt.count(len(risky))} 位。",
    ]
    ageing_table = pd.DataFrame({
        "账龄 · age": ageing.index.astype(str),
        "笔数": [fmt.count(v) for v in ageing["items"]],
        "金额": [fmt.yuan(v) for v in ageing["amount"]],
        "占比": [fmt.percent(fmt.ratio(v, total)) for v in ageing["amount"]],
    })
    shown = risky.head(TOP)
    ids = shown.index
    risky_table = pd.DataFrame({
        "客户编号": ids,
        "客户名称": customers["name"].reindex(ids).astype(object).to_numpy(),
        "负责人": customers["owner"].reindex(ids).astype(object).to_numpy(),
        "未收金额": [fmt.yuan(v) for v in shown["owed"]],
        "最长逾期": [f"{int(v)} 天" for v in shown["oldest"]],
        "信用额度": [fmt.yuan(v) for v in limit.reindex(ids)],
        "收款状况": shown["status"].astype(str).to_numpy(),
    })
    note = (f"按未收金额列出前 {len(shown)} 位，共 {fmt.count(len(risky))} 位。" if len(risky)
            else "没有收款状况极坏或超出信用额度的客户。")

    def draw(fig):
        from matplotlib.ticker import MaxNLocator

        left, right = fig.subplots(1, 2, width_ratios=[1.3, 1])
        amounts = ageing["amount"].to_numpy() / 1e4
        left.bar([str(b) for b in ageing.index], amounts,
                 color=["#2ca02c", "#bcbd22", "#ff7f0e", "#e6550d", "#d62728"])
        left.set_ylabel("未收金额（万元）")
        left.set_title("月末应收账龄")
        left.tick_params(axis="x", labelsize=8)
        right.bar(list(status.index), status.to_numpy(), color=[colours.COLLECTION[s] for s in status.index])
        right.set_ylabel("客户数")
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_title("欠款客户收款状况")
        for ax in (left, right):
            ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings, tables=[Table("账龄 · ageing", ageing_table),
                                         Table("危险客户 · risky customers", risky_table, note)],
                   figures=[Figure("应收账龄", draw, height=2.8, left=0.75, wspace=0.4)],
                   data={"owed": total, "overdue": overdue, "ageing": ageing, "status": status,
                         "per_customer": per_customer, "risky": risky})
