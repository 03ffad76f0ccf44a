"""New customers (新增客户): who joined this month, from which source and region, and for whom."""

from __future__ import annotations

import pandas as pd

from . import colours, formatting as fmt, privacy
from .month import id_set, is_in
from .section import Figure, Section, Table, section

#: How many new customers the table lists (the findings count them all).
LISTED = 15


def _counts(values: pd.Series, missing: str = "（未填）") -> pd.Series:
    return values.astype(object).where(values.notna(), missing).value_counts()


@section("新增客户 · New customers")
def new_customers(data) -> Section:
    """Customers whose file was created this month, by source, region and owner, and the list."""
    new = data.in_month(data.customers, "created_at").sort_values("created_at", kind="stable")
    before = data.in_month(data.customers, "created_at", data.previous_start, data.start)
    n = len(new)
    if n == 0:
        return Section("", [f"{data.label}没有新建客户档案（上月 {fmt.count(len(before))} 位）。"], data={"new": 0})
    by_source = _counts(new["source"])
    by_region = _counts(new["region"])
    by_owner = _counts(new["owner"])
    bought = id_set(data.in_month(data.orders, "ordered_at")["customer_id"])
    buyers = int(is_in(new["customer_id"], bought).sum())
    findings = [
        f"本月新建客户档案 {fmt.count(n)} 位，环比 {fmt.change(n, len(before))}（上月 {fmt.count(len(before))} 位）；"
        f"其中 {fmt.count(buyers)} 位当月已下单（{fmt.percent(fmt.ratio(buyers, n))}）。",
        "主要来源：" + "，".join(f"{k} {fmt.count(v)} 位" for k, v in by_source.head(4).items()) + "。",
        "主要区域：" + "，".join(f"{k} {fmt.count(v)} 位" for k, v in by_region.head(4).items())
        + f"；建档最多的销售顾问是 {by_owner.index[0]}（{fmt.count(by_owner.iloc[0])} 位）。",
    ]
    mask = not data.show_personal_data
    listed = new.head(LISTED)
    table = pd.DataFrame({
        "客户编号": listed["customer_id"].astype(object),
        "客户名称": listed["name"].astype(object),
        "区域": listed["region"].astype(object),
        "来源": listed["source"].astype(object),
        "负责人": listed["owner"].astype(object),
        "电话": [privacy.mask_phone(p) if mask else p for p in listed["phone"]],
        "建档日期": listed["created_at"].dt.strftime("%Y-%m-%d"),
    })
    note = f"按建档日期列出前 {min(LISTED, n)} 位，共 {fmt.count(n)} 位。"

    def draw(fig):
        from matplotlib.ticker import MaxNLocator

        ax = fig.subplots()
        shown = by_source.head(8)[::-1]
        ax.barh([fmt.plot_label(s) for s in shown.index], shown.to_numpy(), color=colours.PLAIN)
        for y, v in enumerate(shown.to_numpy()):
            ax.annotate(fmt.count(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_xlim(0, max(float(shown.max()), 1.0) * 1.12)  # room for the numbers
        ax.set_xlabel("新增客户数")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title("新增客户来源")
        ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings, tables=[Table("本月新增客户 · new customers", table, note)],
                   figures=[Figure("新增客户来源", draw, height=2.4, left=0.9)],
                   data={"new": n, "by_source": by_source, "by_region": by_region, "buyers": buyers})
