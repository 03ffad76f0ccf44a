"""Activity per rep (销售顾问活动量): interactions of the month by rep and channel."""

from __future__ import annotations

import pandas as pd

from ...i18n import choice_label
from ...schema import INTERACTIONS
from . import colours, formatting as fmt
from .section import Figure, Section, Table, section

# the channels in the order the table shows them, the usual ones first (their names: crmkit.schema)
CHANNEL_ORDER = ("visit", "phone", "wechat", "walk_in", "call_in", "email", "event")
NO_REP = "（未填）"


@section("销售顾问活动量 · Activity per rep")
def activity(data) -> Section:
    """How many contacts each rep logged this month, by channel, against last month."""
    now = data.in_month(data.interactions, "occurred_at")
    before = data.in_month(data.interactions, "occurred_at", data.previous_start, data.start)
    if now.empty:
        return Section("", [f"{data.label}没有客户接触记录。"], data={"per_rep": pd.Series(dtype=int)})
    reps = now["rep"].astype(object).where(now["rep"].notna(), NO_REP)
    channels = now["channel"].astype(object).where(now["channel"].notna(), "（未填）")
    table = pd.crosstab(reps, channels)
    order = [c for c in CHANNEL_ORDER if c in table.columns] + [c for c in table.columns if c not in CHANNEL_ORDER]
    table = table[order]
    per_rep = table.sum(axis=1).sort_values(ascending=False, kind="stable")
    table = table.loc[per_rep.index]
    per_rep_before = before["rep"].astype(object).where(before["rep"].notna(), NO_REP).value_counts()
    named = per_rep.drop(NO_REP, errors="ignore")
    per_customer = now.dropna(subset=["customer_id"]).groupby(reps)["customer_id"].nunique()
    findings = [
        f"本月 {fmt.count(len(named))} 位销售顾问共记录客户接触 {fmt.count(len(now))} 次"
        f"（上月 {fmt.count(len(before))} 次），人均 {len(now) / max(len(named), 1):.1f} 次。",
    ]
    if len(named) > 1:
        low = named[named < named.median() / 2]
        few = f"；不到中位数一半的有 {len(low)} 位：{'、'.join(map(str, low.index))}。" if len(low) else "。"
        findings.append(f"最活跃的是 {named.index[0]}（{fmt.count(named.iloc[0])} 次），最少的是 {named.index[-1]}"
                        f"（{fmt.count(named.iloc[-1])} 次）{few}")
    if NO_REP in per_rep.index:
        findings.append(f"{fmt.count(per_rep[NO_REP])} 次接触没有填写销售顾问（见数据质量一节）。")
    shown = pd.DataFrame({"销售顾问": table.index})
    for c in table.columns:
        shown[_channel_name(c)] = [fmt.count(v) for v in table[c]]
    shown["合计"] = [fmt.count(v) for v in per_rep]
    shown["上月"] = [fmt.count(per_rep_before.get(r, 0)) for r in table.index]
    shown["环比"] = [fmt.change(per_rep[r], per_rep_before.get(r, 0)) for r in table.index]
    shown["接触客户数"] = [fmt.count(per_customer.get(r, 0)) for r in table.index]

    def draw(fig):
        ax = fig.subplots()
        top = table.head(15).iloc[::-1]
        left = None
        for c in top.columns:
            values = top[c].to_numpy()
            ax.barh([fmt.plot_label(r) for r in top.index], values, left=left,
                    label=fmt.plot_label(_channel_name(c)),
                    color=colours.CHANNEL.get(c, "#c7c7c7"))
            left = values if left is None else left + values
        ax.set_xlabel("接触次数")
        ax.set_title("各销售顾问本月客户接触（按方式）")
        ax.legend(loc="lower right", frameon=False, fontsize=8, ncols=2)
        ax.spines[["top", "right"]].set_visible(False)

    height = min(3.5, 1.0 + 0.2 * min(len(table), 15))
    return Section("", findings, tables=[Table("各销售顾问接触次数 · contacts per rep", shown)],
                   figures=[Figure("各销售顾问接触次数", draw, height=max(height, 2.2), left=0.8)],
                   data={"per_rep": per_rep, "by_channel": table})


def _channel_name(channel: str) -> str:
    """A channel as the forms name it (来店); a value the schema does not know, as it is."""
    return choice_label(INTERACTIONS["channel"], channel, "zh")
