"""Lost prospects (意向客户流失分析): why cards were lost this month, at which stage, to whom and
by which rep (``crmkit.close.lost_analysis`` on the month's cards)."""

from __future__ import annotations

import pandas as pd

from ... import schema
from ...close.lost import NO_COMPETITOR, NOT_GIVEN, lost_from_table
from . import colours, formatting as fmt
from .section import Figure, Section, Table, section


def _label(value) -> str:
    return {NOT_GIVEN: "（未填）", NO_COMPETITOR: "（无）"}.get(value, str(value))


@section("意向客户流失分析 · Lost prospects")
def lost(data) -> Section:
    """Cards lost this month by reason, stage, competitor and rep, against last month."""
    views = lost_from_table(data.opportunities, start=data.start, end=data.end)
    before = lost_from_table(data.opportunities, start=data.previous_start, end=data.start)
    n = int(views["reason"]["lost"].sum())
    n_before = int(before["reason"]["lost"].sum())
    if n == 0:
        return Section("", [f"{data.label}没有流失的意向卡（上月 {fmt.count(n_before)} 张）。"], data={"lost": 0})
    reason, stage, competitor, rep = views["reason"], views["stage"], views["competitor"], views["rep"]
    lost_cards = data.opportunities[data.opportunities["status"] == "lost"]
    amount = data.in_month(lost_cards, "closed_at")["expected_amount"].sum()
    late_stage = int(stage.loc[["negotiation", "contract"], "lost"].sum())
    named = competitor.drop(NO_COMPETITOR, errors="ignore")
    findings = [
        f"本月流失意向卡 {fmt.count(n)} 张（上月 {fmt.count(n_before)} 张），预计金额 {fmt.yuan(amount)}；"
        f"首要原因是{_label(reason.index[0])}（{fmt.percent(reason['share'].iloc[0])}）。",
        f"在谈判或签约阶段才流失的 {fmt.count(late_stage)} 张（{fmt.percent(fmt.ratio(late_stage, n))}）"
        + (f"；丢给竞争对手最多的是{named.index[0]}（{fmt.count(named['lost'].iloc[0])} 张）。" if len(named) else "。"),
        f"流失最多的销售顾问是 {_label(rep.index[0])}（{fmt.count(rep['lost'].iloc[0])} 张，"
        f"其本月关闭的意向卡中流失占 {fmt.percent(rep['loss_rate'].iloc[0])}）。",
    ]

    def frame(view: pd.DataFrame, name: str, labels=None) -> pd.DataFrame:
        index = [labels.get(i, i) if labels else _label(i) for i in view.index]
        return pd.DataFrame({name: index, "流失": [fmt.count(v) for v in view["lost"]],
                             "占比": [fmt.percent(v) for v in view["share"]]})

    rep_table = frame(rep, "销售顾问")
    rep_table["本月关闭"] = [fmt.count(v) for v in rep["closed"]]
    rep_table["流失率"] = [fmt.percent(v) for v in rep["loss_rate"]]

    def draw(fig):
        from matplotlib.ticker import MaxNLocator

        left, right = fig.subplots(1, 2)
        shown = reason.head(8)[::-1]
        left.barh([fmt.plot_label(_label(i)) for i in shown.index], shown["lost"].to_numpy(), color="#d62728")
        left.set_title("流失原因")
        left.set_xlabel("意向卡数")
        right.bar([schema.STAGES[s] for s in stage.index], stage["lost"].to_numpy(), color=colours.PLAIN)
        right.set_title("流失时所处阶段")
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        left.xaxis.set_major_locator(MaxNLocator(integer=True))
        right.tick_params(axis="x", labelsize=8)
        for ax in (left, right):
            ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings,
                   tables=[Table("按原因 · by reason", frame(reason, "流失原因")),
                           Table("按竞争对手 · by competitor", frame(competitor, "竞争对手")),
                           Table("按销售顾问 · by rep", rep_table)],
                   figures=[Figure("流失原因与阶段", draw, height=2.8, left=0.9, wspace=0.35)],
                   data={"lost": n, "views": views})
