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
from ...i18n import N_, choice_label, translate
from . import colours
from .cards import FUTURE, UNGRADED, month_cards_at
from .section import Figure, Section, Table, section

GRADES = ["O", "A", "B", "C", UNGRADED]
# the moves' row of cards opened this month and columns of cards closed (shown translated)
NEW_ROW = N_("opened this month")
WON, LOST = N_("won"), N_("lost")


def _stage(stage: str, lang: str) -> str:
    return choice_label(schema.OPPORTUNITIES["stage"], stage, lang)


def _grade(grade: str, lang: str) -> str:
    """"O级" / "grade O"; the row and column names of the moves (未分级, 本月新建 …) translated."""
    return translate("grade {g}", lang, g=grade) if grade in ("O", "A", "B", "C") else translate(grade, lang)


def grade_moves(data) -> pd.DataFrame:
    """Cards by grade at the month's start (rows, plus ``NEW_ROW``) and outcome at its end
    (columns: grade if still open, else ``WON``/``LOST``). Cards closed before the month are left out."""
    before = month_cards_at(data, data.start)
    after = month_cards_at(data, data.end)  # row for row with ``before``
    row = before["grade"].where(before["state"] == "open", None)
    row = row.where(~((before["state"] == FUTURE) & (after["state"] != FUTURE)), NEW_ROW)
    outcome = after["grade"].where(after["state"] == "open", after["state"].map({"won": WON, "lost": LOST}))
    counted = row.notna() & outcome.notna()
    matrix = pd.crosstab(row[counted], outcome[counted])
    return matrix.reindex(index=[*GRADES, NEW_ROW], columns=[*GRADES, WON, LOST], fill_value=0).astype(int)


@section(N_("Funnel and O/A/B/C grades"))
def funnel(data) -> Section:
    """Open cards at the month's end by stage and grade, and how grades moved during the month."""
    fmt, say = data.fmt, data.prose
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
        return Section("", [translate("{month}: no open cards at the month's end, and none opened or closed in the "
                                      "month.", say, month=data.label)],
                       data={"open_end": 0, "grades_end": grades_end})
    graded = moves.loc[["O", "A", "B", "C"], ["O", "A", "B", "C"]].to_numpy()
    rank = np.arange(4)
    up = int(sum(graded[i, j] for i in rank for j in rank if j < i))
    down = int(sum(graded[i, j] for i in rank for j in rank if j > i))
    hot = int(grades_end["O"] + grades_end["A"])
    findings = [
        translate("{n} cards open at the month's end ({n_start} at its start), expected {amount} in all; {hot} of them "
                  "O or A ({share}), {o} O cards expected to close within a month.", say,
                  n=fmt.count(n), n_start=fmt.count(len(open_start)), amount=fmt.money(open_end["expected_amount"].sum()),
                  hot=fmt.count(hot), share=fmt.percent(fmt.ratio(hot, n)), o=fmt.count(grades_end["O"])),
        translate("Grades at the month's end: {grades}.", say, grades=translate(", ", say).join(
            translate("{grade} {n} ({n_start} at the start)", say, grade=_grade(g, say), n=fmt.count(grades_end[g]),
                      n_start=fmt.count(grades_start[g]))
            for g in GRADES if grades_end[g] or grades_start[g])),
        translate("{opened} opened this month; {up} upgraded and {down} downgraded; {won} won and {lost} lost ({lost_hot} "
                  "of the lost were O or A at the month's start).", say,
                  opened=fmt.count(moves.loc[NEW_ROW].sum()), up=fmt.count(up), down=fmt.count(down),
                  won=fmt.count(moves[WON].sum()), lost=fmt.count(moves[LOST].sum()),
                  lost_hot=fmt.count(moves.loc[["O", "A"], LOST].sum())),
    ]
    stage_table = pd.DataFrame({
        translate("stage", data.lang): [_stage(s, say) for s in stages],
        translate("cards", say): [fmt.count(v) for v in by_stage["cards"]],
        translate("share", say): [fmt.percent(fmt.ratio(v, n)) for v in by_stage["cards"]],
        translate("expected amount", say): [fmt.money(v) for v in by_stage["amount"]],
    })
    corner = translate("start \\ end of month", say)
    move_table = moves.copy()
    move_table.columns.name = None
    move_table.insert(0, corner, [_grade(g, say) for g in moves.index])
    move_table = move_table.rename(columns={g: _grade(g, say) for g in moves.columns})

    def draw(fig):
        from matplotlib.ticker import MaxNLocator

        left, right = fig.subplots(1, 2, width_ratios=[1.1, 1])
        counts = by_stage["cards"].to_numpy()[::-1]
        labels = [_stage(s, say) for s in stages][::-1]
        left.barh(labels, counts, color=colours.PLAIN)
        for y, v in enumerate(counts):
            left.annotate(fmt.count(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        left.set_xlim(0, max(float(counts.max()), 1.0) * 1.15)  # room for the numbers
        left.set_title(translate("Open cards at the month's end, by stage", say))
        left.set_xlabel(translate("cards", say))
        x = np.arange(len(GRADES))
        right.bar(x - 0.2, grades_start.to_numpy(), width=0.4, color=[colours.INTENT[g] for g in GRADES],
                  alpha=0.45, label=translate("start of month", say))
        right.bar(x + 0.2, grades_end.to_numpy(), width=0.4, color=[colours.INTENT[g] for g in GRADES],
                  label=translate("end of month", say))
        right.set_xticks(x, [_grade(g, say) for g in GRADES])
        right.set_title(translate("Grades: start (light) and end (dark) of the month", say))
        right.set_ylabel(translate("cards", say))
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        for ax in (left, right):
            ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings,
                   tables=[Table(translate("open cards by stage", data.lang), stage_table),
                           Table(translate("grade moves (rows: start of month, columns: end of month)", data.lang),
                                 move_table.reset_index(drop=True))],
                   figures=[Figure(translate("Funnel and grades", say), draw, height=3.0, left=0.85, wspace=0.45)],
                   data={"open_end": n, "open_start": len(open_start), "grades_end": grades_end,
                         "grades_start": grades_start, "by_stage": by_stage, "moves": moves,
                         "upgraded": up, "downgraded": down})
