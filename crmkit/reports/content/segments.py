"""Value segments (客户价值分群): RFM segments at the month's end, how customers moved between
segments during the month (``crmkit.value.segment_migration``) and the month's top customers."""

from __future__ import annotations

import pandas as pd

from ... import value
from ...value.migration import NEW_ROW, migration_labels
from . import colours, formatting as fmt
from .section import Figure, Section, Table, section

#: How many top customers the table lists.
TOP = 10


def buyer_orders(data) -> pd.DataFrame:
    """Orders with a customer and an amount (what crmkit.value needs)."""
    orders = data.orders
    return orders[orders["customer_id"].notna() & orders["amount"].notna()]


def main_moves(moves: pd.DataFrame, labels: dict[str, str], top: int = 10) -> pd.DataFrame:
    """The ``top`` largest moves between two different segments (first purchases included)."""
    pairs = moves.stack()
    pairs = pairs[(pairs > 0) & (pairs.index.get_level_values(0) != pairs.index.get_level_values(1))]
    pairs = pairs.sort_values(ascending=False, kind="stable").head(top)
    return pd.DataFrame({
        "上月末分群": [labels.get(a, a) for a, _ in pairs.index],
        "本月末分群": [labels.get(b, b) for _, b in pairs.index],
        "客户数": [fmt.count(v) for v in pairs],
    })


def month_end_segments(data) -> pd.DataFrame:
    """``value.rfm_segments`` of the RFM summary as of the month's last day (computed once per
    report; the CLV section uses the same summary)."""
    return data.memo("rfm:month_end", lambda: value.rfm_segments(value.rfm_summary(buyer_orders(data),
                                                                                   as_of=data.as_of)))


@section("客户价值分群 · Value segments (RFM)")
def segments(data) -> Section:
    """RFM segments of every buyer at the month's end, the month's moves, and the top customers."""
    orders = buyer_orders(data)
    if orders.empty:
        return Section("", ["到月末为止没有订单，无法按价值分群。"], data={"segments": pd.Series(dtype=int)})
    segs = month_end_segments(data)
    labels = migration_labels("rfm")
    revenue_total = orders.groupby("customer_id")["amount"].sum()
    counts = segs["segment"].value_counts(sort=False)
    counts = counts[counts > 0]
    seg_revenue = revenue_total.reindex(segs.index).groupby(segs["segment"].astype(object)).sum()
    moves = value.segment_migration(orders, since=data.start - pd.Timedelta(days=1), as_of=data.as_of)
    stayed = int(sum(moves.loc[s, s] for s in moves.columns if s in moves.index))
    new = int(moves.loc[NEW_ROW].sum())
    moved = int(moves.to_numpy().sum()) - stayed - new
    month_orders = data.in_month(orders, "ordered_at")
    month_revenue = month_orders.groupby("customer_id")["amount"].agg(["sum", "size"]).sort_values(
        "sum", ascending=False).head(TOP)
    champions = labels["Champions"]
    at_risk = ["Can't lose them", "At risk"]
    n_risk = int(counts.reindex(at_risk, fill_value=0).sum())
    findings = [
        f"到月末共有 {fmt.count(len(segs))} 位客户下过单；{champions} {fmt.count(counts.get('Champions', 0))} 位，"
        f"贡献累计销售额的 {fmt.percent(fmt.ratio(seg_revenue.get('Champions', 0), revenue_total.sum()))}。",
        f"本月分群变动：{fmt.count(moved)} 位客户换了分群，{fmt.count(stayed)} 位不变，新增首购客户 {fmt.count(new)} 位。",
        f"需要挽回的“{labels['At risk']}”和“{labels[at_risk[0]]}”共 {fmt.count(n_risk)} 位：曾经常购买，近期没有再来。",
    ]
    seg_table = pd.DataFrame({
        "分群 · segment": [f"{labels.get(s, s)} · {s}" for s in counts.index],
        "客户数": [fmt.count(v) for v in counts],
        "占比": [fmt.percent(fmt.ratio(v, len(segs))) for v in counts],
        "累计销售额": [fmt.yuan(seg_revenue.get(s, 0)) for s in counts.index],
    })
    move_table = main_moves(moves, labels)
    # what each name means, so a reader can check a customer's segment against the data
    rules = value.rfm.describe_rules(lang="zh")
    rule_table = pd.DataFrame({"分群": rules["label"], "条件（按顺序取第一个符合的）": rules["conditions"]})
    names = data.customers.set_index(data.customers["customer_id"].astype(str))
    ids = month_revenue.index.astype(str)
    top_table = pd.DataFrame({
        "客户编号": ids,
        "客户名称": names["name"].reindex(ids).astype(object).to_numpy(),
        "区域": names["region"].reindex(ids).astype(object).to_numpy(),
        "分群": [labels.get(s, s) for s in segs["segment"].astype(object).reindex(month_revenue.index)],
        "本月订单": [fmt.count(v) for v in month_revenue["size"]],
        "本月金额": [fmt.yuan(v) for v in month_revenue["sum"]],
        "累计金额": [fmt.yuan(v) for v in revenue_total.reindex(month_revenue.index)],
    })

    def draw(fig):
        ax = fig.subplots()
        shown = counts[::-1]
        ax.barh([labels.get(s, s) for s in shown.index], shown.to_numpy(),
                color=[colours.SEGMENT.get(s, "#c7c7c7") for s in shown.index])
        for y, v in enumerate(shown.to_numpy()):
            ax.annotate(fmt.count(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_xlim(0, max(float(shown.max()), 1.0) * 1.1)  # room for the numbers
        ax.set_xlabel("客户数")
        ax.set_title(f"RFM 分群（截至 {data.as_of:%Y-%m-%d}）")
        ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings,
                   tables=[Table("RFM 分群 · segments", seg_table),
                           Table("主要分群迁移 · main moves since last month", move_table,
                                 "" if len(move_table) else "本月没有客户换分群。"),
                           Table("本月前十大客户 · top customers this month", top_table,
                                 "" if len(top_table) else "本月没有订单。"),
                           Table("分群规则 · segment rules", rule_table)],
                   figures=[Figure("RFM 分群", draw, height=3.0, left=1.1)],
                   data={"segments": counts, "migration": moves, "moved": moved, "new": new, "top": month_revenue})
