"""Customer lifetime value outlook (客户终身价值): BG/NBD + Gamma-Gamma fitted on the orders up
to the month's end, 12 months ahead at 1 % a month (``crmkit.value``; about a second at 1M)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import value
from ...exceptions import CrmkitError
from ...value.migration import migration_labels
from . import colours, formatting as fmt
from .section import Figure, Section, Table, section
from ...value.rfm import SUMMARY_COLUMNS
from .segments import buyer_orders, month_end_segments

#: CLV horizon (months) and monthly discount rate.
HORIZON_MONTHS = 12
DISCOUNT_RATE = 0.01
TOP = 10


def lifetime_values(data) -> pd.DataFrame | None:
    """CLV, P(alive) and RFM segment per buyer at the month's end; None when the models cannot
    be fitted (too few repeat buyers)."""
    segments = month_end_segments(data)
    summary = segments[list(SUMMARY_COLUMNS)]
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    if len(repeat) < 20:
        return None
    try:
        bg = value.BetaGeo().fit(summary)
        gg = value.GammaGamma().fit(repeat)
    except (CrmkitError, ValueError, FloatingPointError, np.linalg.LinAlgError):  # no fit: say so
        return None
    out = pd.DataFrame(index=summary.index)
    out["clv"] = value.customer_lifetime_value(bg, gg, summary, months=HORIZON_MONTHS, discount_rate=DISCOUNT_RATE)
    out["p_alive"] = bg.probability_alive(summary)
    out["segment"] = segments["segment"].astype(object)
    return out


@section("客户终身价值展望 · Customer lifetime value outlook")
def clv(data) -> Section:
    """Expected value of every buyer over the next 12 months, by segment, and the top customers."""
    values = lifetime_values(data) if not buyer_orders(data).empty else None
    if values is None:
        return Section("", ["复购客户太少（少于 20 位），无法拟合 BG/NBD 与 Gamma-Gamma 模型，本节从略。"],
                       data={"total": np.nan})
    labels = migration_labels("rfm")
    total = float(values["clv"].sum())
    ranked = values.sort_values("clv", ascending=False)
    top_decile = ranked["clv"].head(max(len(ranked) // 10, 1)).sum()
    by_segment = values.groupby("segment").agg(customers=("clv", "size"), clv=("clv", "sum"), mean=("clv", "mean"),
                                               alive=("p_alive", "mean")).sort_values("clv", ascending=False)
    fading = int(((values["p_alive"] < 0.5) & (values["clv"] >= values["clv"].quantile(0.75))).sum())
    findings = [
        f"按截至月末的购买记录，{fmt.count(len(values))} 位客户未来 {HORIZON_MONTHS} 个月的预计价值合计 {fmt.yuan(total)}"
        f"（按月折现 {DISCOUNT_RATE:.0%}）；价值最高的一成客户占 {fmt.percent(fmt.ratio(top_decile, total))}。",
        f"预计价值最高的分群是{labels.get(by_segment.index[0], by_segment.index[0])}"
        f"（{fmt.yuan(by_segment['clv'].iloc[0])}，人均 {fmt.yuan(by_segment['mean'].iloc[0])}）。",
        (f"预计价值排前四分之一、但仍活跃概率不到 50% 的客户有 {fmt.count(fading)} 位，值得优先回访。" if fading
         else "预计价值排前四分之一的客户仍活跃的概率都在 50% 以上。"),
    ]
    names = data.customers.set_index(data.customers["customer_id"].astype(str))
    top = ranked.head(TOP)
    ids = top.index.astype(str)
    top_table = pd.DataFrame({
        "客户编号": ids,
        "客户名称": names["name"].reindex(ids).astype(object).to_numpy(),
        "分群": [labels.get(s, s) for s in top["segment"]],
        "仍活跃概率": [fmt.percent(v) for v in top["p_alive"]],
        f"未来{HORIZON_MONTHS}个月预计价值": [fmt.yuan(v) for v in top["clv"]],
    })
    seg_table = pd.DataFrame({
        "分群": [labels.get(s, s) for s in by_segment.index],
        "客户数": [fmt.count(v) for v in by_segment["customers"]],
        "预计价值合计": [fmt.yuan(v) for v in by_segment["clv"]],
        "人均": [fmt.yuan(v) for v in by_segment["mean"]],
        "平均活跃概率": [fmt.percent(v) for v in by_segment["alive"]],
    })

    def draw(fig):
        ax = fig.subplots()
        shown = by_segment["clv"][::-1] / 1e4
        ax.barh([labels.get(s, s) for s in shown.index], shown.to_numpy(),
                color=[colours.SEGMENT.get(s, "#c7c7c7") for s in shown.index])
        ax.set_xlabel(f"未来{HORIZON_MONTHS}个月预计价值（万元）")
        ax.set_title("各分群预计价值")
        ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings, tables=[Table("各分群预计价值 · CLV by segment", seg_table),
                                         Table("预计价值最高的客户 · top CLV", top_table)],
                   figures=[Figure("各分群预计价值", draw, height=3.0, left=1.1)],
                   data={"total": total, "values": values, "by_segment": by_segment})
