"""Sales funnel and O/A/B/C distribution (有望度分布), with the moves since last month.

Grades are the ones the reps recorded on the intent cards (rebuilt at each date from the
store's history); the close-likelihood model is not fitted here (too slow for a report). The
funnel follows the card stages, contacted → contract; the grades say how soon each card should
close (O within a month … C low).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import schema
from . import colours, formatting as fmt
from .cards import FUTURE, UNGRADED, month_cards_at
from .section import Figure, Section, Table, section

GRADES = ["O", "A", "B", "C", UNGRADED]
NEW_ROW = "本月新建"
WON, LOST = "成交", "流失"


def grade_moves(data) -> pd.DataFrame:
    """Cards by grade at the month's start (rows, plus "本月新建") and outcome at its end
    (columns: grade if still open, else 成交/流失). Cards closed before the month are left out."""
    before = month_cards_at(data, data.start)
    after = month_cards_at(data, data.end)  # row for row with ``before``
    row = before["grade"].where(before["state"] == "open", None)
    row = row.where(~((before["state"] == FUTURE) & (after["state"] != FUTURE)), NEW_ROW)
    outcome = after["grade"].where(after["state"] == "open", after["state"].map({"won": WON, "lost": LOST}))
    counted = row.notna() & outcome.notna()
    matrix = pd.crosstab(row[counted], outcome[counted])
    return matrix.reindex(index=[*GRADES, NEW_ROW], columns=[*GRADES, WON, LOST], fill_value=0).astype(int)


@section("销售漏斗与有望度分布 · Funnel and O/A/B/C grades")
def funnel(data) -> Section:
    """Open cards at the month's end by stage and grade, and how grades moved during the month."""
    end = month_cards_at(data, data.end)
    start = month_cards_at(data, data.start)
    open_end = end[end["state"] == "open"]
    open_start = start[start["state"] == "open"]
    grades_end = open_end["grade"].value_counts().reindex(GRADES, fill_value=0)
    grades_start = open_start["grade"].value_counts().reindex(GRADES, fill_value=0)
    stages = list(schema.STAGES)
    by_stage = open_end.groupby(open_end["stage"].astype(object)).agg(
        cards=("opportunity_id", "size"), amount=("expected_amount", "sum")).reindex(stages, fill_value=0)
    moves = grade_moves(data)
    n = len(open_end)
    if n == 0 and moves.to_numpy().sum() == 0:
        return Section("", [f"{data.label}月末没有跟进中的意向卡，本月也没有新建或关闭的意向卡。"],
                       data={"open_end": 0, "grades_end": grades_end})
    graded = moves.loc[["O", "A", "B", "C"], ["O", "A", "B", "C"]].to_numpy()
    rank = np.arange(4)
    up = int(sum(graded[i, j] for i in rank for j in rank if j < i))
    down = int(sum(graded[i, j] for i in rank for j in rank if j > i))
    hot = int(grades_end["O"] + grades_end["A"])
    findings = [
        f"月末跟进中的意向卡 {fmt.count(n)} 张（月初 {fmt.count(len(open_start))} 张），"
        f"预计金额合计 {fmt.yuan(open_end['expected_amount'].sum())}；其中 O/A 级 {fmt.count(hot)} 张"
        f"（{fmt.percent(fmt.ratio(hot, n))}），预计一个月内可成交的 O 级 {fmt.count(grades_end['O'])} 张。",
        "月末有望度分布：" + "，".join(f"{g} {fmt.count(grades_end[g])} 张（月初 {fmt.count(grades_start[g])}）"
                                 for g in GRADES if grades_end[g] or grades_start[g]) + "。",
        f"本月新建 {fmt.count(moves.loc[NEW_ROW].sum())} 张；月内升级 {fmt.count(up)} 张、降级 {fmt.count(down)} 张；"
        f"成交 {fmt.count(moves[WON].sum())} 张、流失 {fmt.count(moves[LOST].sum())} 张"
        f"（其中月初为 O/A 级的流失 {fmt.count(moves.loc[['O', 'A'], LOST].sum())} 张）。",
    ]
    stage_table = pd.DataFrame({
        "阶段 · stage": [schema.STAGES[s] for s in stages],
        "意向卡": [fmt.count(v) for v in by_stage["cards"]],
        "占比": [fmt.percent(fmt.ratio(v, n)) for v in by_stage["cards"]],
        "预计金额": [fmt.yuan(v) for v in by_stage["amount"]],
    })
    move_table = moves.copy()
    move_table.columns.name = None
    move_table.insert(0, "月初 \\ 月末", move_table.index)
    move_table = move_table.rename(columns={g: f"{g}级" if g in "OABC" else g for g in GRADES})
    move_table["月初 \\ 月末"] = [f"{g}级" if g in ("O", "A", "B", "C") else g for g in moves.index]

    def draw(fig):
        from matplotlib.ticker import MaxNLocator

        left, right = fig.subplots(1, 2, width_ratios=[1.1, 1])
        counts = by_stage["cards"].to_numpy()[::-1]
        labels = [schema.STAGES[s] for s in stages][::-1]
        left.barh(labels, counts, color=colours.PLAIN)
        for y, v in enumerate(counts):
            left.annotate(fmt.count(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        left.set_xlim(0, max(float(counts.max()), 1.0) * 1.15)  # room for the numbers
        left.set_title("月末跟进中意向卡（按阶段）")
        left.set_xlabel("意向卡数")
        x = np.arange(len(GRADES))
        right.bar(x - 0.2, grades_start.to_numpy(), width=0.4, color=[colours.INTENT[g] for g in GRADES],
                  alpha=0.45, label="月初")
        right.bar(x + 0.2, grades_end.to_numpy(), width=0.4, color=[colours.INTENT[g] for g in GRADES],
                  label="月末")
        right.set_xticks(x, [f"{g}级" if g in "OABC" else g for g in GRADES])
        right.set_title("有望度分布：月初（浅）与月末（深）")
        right.set_ylabel("意向卡数")
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        for ax in (left, right):
            ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings,
                   tables=[Table("月末漏斗 · open cards by stage", stage_table),
                           Table("有望度变动 · grade moves (rows: start of month, columns: end of month)",
                                 move_table.reset_index(drop=True))],
                   figures=[Figure("漏斗与有望度", draw, height=3.0, left=0.85, wspace=0.45)],
                   data={"open_end": n, "open_start": len(open_start), "grades_end": grades_end,
                         "grades_start": grades_start, "by_stage": by_stage, "moves": moves,
                         "upgraded": up, "downgraded": down})
