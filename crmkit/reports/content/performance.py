"""Close rate, won revenue and rep performance over three months (the forms: judge a rep over
three months, not one).

Close rate = cards won / cards closed (won + lost) in the period, by their closing date. Won
revenue = the expected amount of the cards won.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...i18n import N_, translate
from ...i18n import translate_in_context
from . import colours
from .section import Figure, Section, Table, section


def closed_cards(data, start, end) -> pd.DataFrame:
    """Cards closed (won or lost) in [start, end), with ``month`` (first day) and ``won`` (bool)."""
    opps = data.opportunities
    closed = data.in_month(opps[opps["status"].isin(["won", "lost"])], "closed_at", start, end).copy()
    closed["won"] = closed["status"] == "won"
    closed["month"] = closed["closed_at"].dt.to_period("M").dt.to_timestamp()
    closed["rep"] = closed["rep"].astype(object).where(closed["rep"].notna(), translate("(not given)", data.prose))
    closed["won_amount"] = closed["expected_amount"].astype("float64").fillna(0.0).where(closed["won"], 0.0)
    return closed


@section(N_("Close rate and rep performance (last three months)"))
def performance(data) -> Section:
    """This month's close rate and won revenue, and each rep's last three months."""
    fmt, say = data.fmt, data.prose
    closed = closed_cards(data, data.quarter_start, data.end)
    months = [data.quarter_start + pd.DateOffset(months=i) for i in range(3)]
    this = closed[closed["month"] == data.start]
    prev = closed[closed["month"] == data.previous_start]
    if closed.empty:
        return Section("", [translate("No cards were closed (won or lost) in the last three months.", say)],
                       data={"close_rate": np.nan})
    rate = fmt.ratio(this["won"].sum(), len(this))
    rate_prev = fmt.ratio(prev["won"].sum(), len(prev))
    per_rep = closed.groupby("rep").agg(closed=("won", "size"), won=("won", "sum"), revenue=("won_amount", "sum"))
    per_rep["close_rate"] = per_rep["won"] / per_rep["closed"]
    monthly = closed.pivot_table(index="rep", columns="month", values="won_amount", aggfunc="sum").reindex(
        columns=months, fill_value=0).fillna(0.0)
    per_rep = per_rep.join(monthly).sort_values("revenue", ascending=False, kind="stable")
    team_rate = fmt.ratio(per_rep["won"].sum(), per_rep["closed"].sum())
    findings = [
        translate("{closed} cards closed this month, {won} won: a close rate of {rate} ({rate_before} last month); won "
                  "revenue {revenue} ({revenue_before} last month).", say,
                  closed=fmt.count(len(this)), won=fmt.count(this["won"].sum()), rate=fmt.percent(rate),
                  rate_before=fmt.percent(rate_prev), revenue=fmt.money(this["won_amount"].sum()),
                  revenue_before=fmt.money(prev["won_amount"].sum())),
        translate("Over three months ({first:%Y-%m} to {last:%Y-%m}) the team's close rate was {rate} and it won "
                  "{revenue}; the best rep was {rep} ({rep_revenue}, close rate {rep_rate}).", say,
                  first=months[0], last=months[-1], rate=fmt.percent(team_rate), revenue=fmt.money(per_rep["revenue"].sum()),
                  rep=per_rep.index[0], rep_revenue=fmt.money(per_rep["revenue"].iloc[0]),
                  rep_rate=fmt.percent(per_rep["close_rate"].iloc[0])),
    ]
    enough = per_rep[per_rep["closed"] >= 5]
    weak = enough[enough["close_rate"] < team_rate * 0.7]
    if len(weak):
        findings.append(translate(
            "Close rates well below the team's over three months (under 70 % of it, with at least 5 cards closed): "
            "{reps}; look at the three-month trend before drawing conclusions.", say,
            reps=translate_in_context("list of names", ", ", say).join(translate("{name} ({value})", say, name=r, value=fmt.percent(v))
                                          for r, v in weak["close_rate"].items())))
    table = pd.DataFrame({translate("rep", say): per_rep.index})
    for m in months:
        table[translate("won {month:%Y-%m}", say, month=m)] = [fmt.money(v) for v in per_rep[m]]
    table[translate("won in three months", say)] = [fmt.money(v) for v in per_rep["revenue"]]
    table[translate("won/closed", say)] = [f"{int(w)}/{int(c)}" for w, c in zip(per_rep["won"], per_rep["closed"])]
    table[translate("close rate", say)] = [fmt.percent(v) for v in per_rep["close_rate"]]
    divisor, unit = fmt.money_unit(float(monthly.to_numpy().max()) if monthly.size else 0.0)

    def draw(fig):
        ax = fig.subplots()
        top = per_rep.head(12)
        x = np.arange(len(top))
        width = 0.8 / len(months)
        for i, (m, colour) in enumerate(zip(months, colours.MONTHS)):
            ax.bar(x + (i - 1) * width, top[m].to_numpy() / divisor, width=width, color=colour, label=f"{m:%Y-%m}")
        ax.set_xticks(x, [fmt.plot_label(r) for r in top.index], rotation=30 if len(top) > 8 else 0,
                      ha="right" if len(top) > 8 else "center")
        ax.set_ylabel(translate("won revenue ({unit})", say, unit=unit))
        ax.set_title(translate("Won revenue per rep, last three months", say))
        ax.legend(frameon=False, fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings, tables=[Table(translate("rep performance, 3 months", data.lang), table)],
                   figures=[Figure(translate("Won revenue per rep, last three months", say), draw, height=3.0, bottom=0.8)],
                   data={"close_rate": rate, "won_revenue": float(this["won_amount"].sum()),
                         "won": int(this["won"].sum()), "closed": len(this), "per_rep": per_rep})
