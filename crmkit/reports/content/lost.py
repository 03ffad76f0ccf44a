"""Lost prospects (意向客户流失分析): why cards were lost this month, at which stage, to whom and
by which rep (``crmkit.close.lost_analysis`` on the month's cards)."""

from __future__ import annotations

import pandas as pd

from ... import schema
from ...close.lost import NO_COMPETITOR, NOT_GIVEN, lost_from_table
from ...i18n import N_, choice_label, translate
from . import colours
from .section import Figure, Section, Table, section


def _label(value, lang: str) -> str:
    """A reason, competitor or rep; crmkit.close's "(not given)" and "(none)" translated."""
    return translate(value, lang) if value in (NOT_GIVEN, NO_COMPETITOR) else str(value)


@section(N_("Lost prospects"))
def lost(data) -> Section:
    """Cards lost this month by reason, stage, competitor and rep, against last month."""
    fmt, say = data.fmt, data.prose
    views = lost_from_table(data.opportunities, start=data.start, end=data.end)
    before = lost_from_table(data.opportunities, start=data.previous_start, end=data.start)
    n = int(views["reason"]["lost"].sum())
    n_before = int(before["reason"]["lost"].sum())
    if n == 0:
        return Section("", [translate("{month}: no cards lost ({before} last month).", say, month=data.label,
                                      before=fmt.count(n_before))], data={"lost": 0})
    reason, stage, competitor, rep = views["reason"], views["stage"], views["competitor"], views["rep"]
    lost_cards = data.opportunities[data.opportunities["status"] == "lost"]
    amount = data.in_month(lost_cards, "closed_at")["expected_amount"].sum()
    late_stage = int(stage.loc[["negotiation", "contract"], "lost"].sum())
    named = competitor.drop(NO_COMPETITOR, errors="ignore")
    findings = [
        translate("{n} cards lost this month ({before} last month), expected {amount}; the main reason: {reason} "
                  "({share}).", say, n=fmt.count(n), before=fmt.count(n_before), amount=fmt.money(amount),
                  reason=_label(reason.index[0], say), share=fmt.percent(reason["share"].iloc[0])),
        (translate("{late} lost only at negotiation or contract ({share}); the competitor who took most: {competitor} "
                   "({taken}).", say, late=fmt.count(late_stage), share=fmt.percent(fmt.ratio(late_stage, n)),
                   competitor=named.index[0], taken=fmt.count(named["lost"].iloc[0])) if len(named)
         else translate("{late} lost only at negotiation or contract ({share}).", say, late=fmt.count(late_stage),
                        share=fmt.percent(fmt.ratio(late_stage, n)))),
        translate("The rep who lost most: {rep} ({n}, {rate} of the cards they closed this month).", say,
                  rep=_label(rep.index[0], say), n=fmt.count(rep["lost"].iloc[0]),
                  rate=fmt.percent(rep["loss_rate"].iloc[0])),
    ]

    def frame(view: pd.DataFrame, name: str) -> pd.DataFrame:
        return pd.DataFrame({name: [_label(i, say) for i in view.index],
                             translate("lost", say): [fmt.count(v) for v in view["lost"]],
                             translate("share", say): [fmt.percent(v) for v in view["share"]]})

    rep_table = frame(rep, translate("rep", say))
    rep_table[translate("closed this month", say)] = [fmt.count(v) for v in rep["closed"]]
    rep_table[translate("loss rate", say)] = [fmt.percent(v) for v in rep["loss_rate"]]

    def draw(fig):
        from matplotlib.ticker import MaxNLocator

        left, right = fig.subplots(1, 2)
        shown = reason.head(8)[::-1]
        left.barh([fmt.plot_label(_label(i, say)) for i in shown.index], shown["lost"].to_numpy(), color="#d62728")
        left.set_title(translate("Why cards were lost", say))
        left.set_xlabel(translate("cards", say))
        right.bar([choice_label(schema.OPPORTUNITIES["stage"], s, say) for s in stage.index], stage["lost"].to_numpy(),
                  color=colours.PLAIN)
        right.set_title(translate("Stage when lost", say))
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        left.xaxis.set_major_locator(MaxNLocator(integer=True))
        right.tick_params(axis="x", labelsize=8)
        for ax in (left, right):
            ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings,
                   tables=[Table(translate("by reason", data.lang), frame(reason, translate("reason lost", say))),
                           Table(translate("by competitor", data.lang), frame(competitor, translate("competitor", say))),
                           Table(translate("by rep", data.lang), rep_table)],
                   figures=[Figure(translate("Why cards were lost, and at which stage", say), draw, height=2.8, left=0.9, wspace=0.35)],
                   data={"lost": n, "views": views})
