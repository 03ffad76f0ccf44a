"""Rep performance over the quarter (the forms judge a rep over three months): sales, gross
margin, new customers, visits, cards won and the close rate, each rep ranked.

Sales and margin are the orders placed in the quarter, credited to the order's rep; new
customers the files created in the quarter, credited to their owner; visits the rep's
interactions of channel 拜访 (visit), contacts all their interactions; the close rate is cards
won / cards closed (won or lost) in the quarter, by closing date (as the monthly report's).
A rank is 1 for the best; the overall rank orders reps by the mean of their sales, margin and
close-rate ranks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...i18n import N_, translate
from . import colours
from .performance import closed_cards
from .section import Figure, Section, Table, section

#: The columns a rep is ranked on, best first when larger.
RANKED = ("sales", "margin", "close_rate")


def rep_scores(data) -> pd.DataFrame:
    """Per rep (index): sales, margin, new_customers, visits, contacts, won, closed, close_rate, the
    ranks ``rank_sales``, ``rank_margin``, ``rank_close_rate`` and ``rank`` (overall), best first."""
    missing = translate("(not given)", data.prose)

    def by_rep(frame, column="rep"):
        return frame[column].astype(object).where(frame[column].notna(), missing)

    orders = data.within(data.orders, "ordered_at")
    interactions = data.within(data.interactions, "occurred_at")
    new = data.within(data.customers, "created_at")
    closed = closed_cards(data, data.start, data.end)
    scores = pd.DataFrame({
        "sales": orders["amount"].astype("float64").groupby(by_rep(orders)).sum(),
        "margin": orders["gross_margin"].astype("float64").groupby(by_rep(orders)).sum(),
        "new_customers": by_rep(new, "owner").value_counts(),
        "visits": by_rep(interactions[interactions["channel"].astype(object) == "visit"]).value_counts(),
        "contacts": by_rep(interactions).value_counts(),
        "won": closed["won"].groupby(closed["rep"]).sum(),
        "closed": closed["rep"].value_counts(),
    })
    scores = scores.fillna(0)
    for column in ("new_customers", "visits", "contacts", "won", "closed"):
        scores[column] = scores[column].astype(int)
    scores["close_rate"] = (scores["won"] / scores["closed"].where(scores["closed"] > 0)).astype("float64")
    for column in RANKED:
        scores[f"rank_{column}"] = scores[column].rank(ascending=False, method="min", na_option="bottom").astype(int)
    mean_rank = scores[[f"rank_{c}" for c in RANKED]].mean(axis=1)
    scores["rank"] = mean_rank.rank(method="min").astype(int)
    return scores.sort_values(["rank", "sales"], ascending=[True, False], kind="stable")


@section(N_("Rep performance over the quarter"))
def rep_quarter(data) -> Section:
    fmt, say = data.fmt, data.prose
    scores = rep_scores(data)
    if scores.empty:
        return Section("", [translate("{quarter}: no sales, visits or closed cards by any rep.", say,
                                      quarter=data.label)], data={"per_rep": scores})
    team_rate = fmt.ratio(scores["won"].sum(), scores["closed"].sum())
    best = scores.index[0]
    by_sales = scores.sort_values("sales", ascending=False, kind="stable")
    findings = [
        translate("{reps} reps sold {sales} this quarter with a gross margin of {margin} ({margin_share}); they won "
                  "{won} of {closed} cards closed (close rate {rate}).", say,
                  reps=fmt.count(len(scores)), sales=fmt.money(scores["sales"].sum()),
                  margin=fmt.money(scores["margin"].sum()),
                  margin_share=fmt.percent(fmt.ratio(scores["margin"].sum(), scores["sales"].sum())),
                  won=fmt.count(scores["won"].sum()), closed=fmt.count(scores["closed"].sum()),
                  rate=fmt.percent(team_rate)),
        translate("Ranked first overall: {rep} (sales {sales}, close rate {rate}); the most sales: {top} ({top_sales}).",
                  say, rep=best, sales=fmt.money(scores.loc[best, "sales"]),
                  rate=fmt.percent(scores.loc[best, "close_rate"]), top=by_sales.index[0],
                  top_sales=fmt.money(by_sales["sales"].iloc[0])),
    ]
    table = pd.DataFrame({
        translate("rank", say): scores["rank"].to_numpy(),
        translate("rep", say): scores.index,
        translate("sales", say): [fmt.money(v) for v in scores["sales"]],
        translate("gross margin", say): [fmt.money(v) for v in scores["margin"]],
        translate("new customers", say): [fmt.count(v) for v in scores["new_customers"]],
        translate("visits", say): [fmt.count(v) for v in scores["visits"]],
        translate("contacts", say): [fmt.count(v) for v in scores["contacts"]],
        translate("won/closed", say): [f"{w}/{c}" for w, c in zip(scores["won"], scores["closed"])],
        translate("close rate", say): [fmt.percent(v) for v in scores["close_rate"]],
        translate("ranks: sales, margin, close rate", say): [
            f"{a} · {b} · {c}" for a, b, c in zip(scores["rank_sales"], scores["rank_margin"], scores["rank_close_rate"])],
    })
    divisor, unit = fmt.money_unit(float(scores["sales"].max()))

    def draw(fig):
        ax = fig.subplots()
        top = by_sales.head(12)
        x = np.arange(len(top))
        ax.bar(x - 0.2, top["sales"].to_numpy() / divisor, width=0.4, color=colours.MONTHS[1],
               label=translate("sales", say))
        ax.bar(x + 0.2, top["margin"].to_numpy() / divisor, width=0.4, color=colours.MONTHS[2],
               label=translate("gross margin", say))
        ax.set_xticks(x, [fmt.plot_label(r) for r in top.index], rotation=30 if len(top) > 8 else 0,
                      ha="right" if len(top) > 8 else "center")
        ax.set_ylabel(translate("amount ({unit})", say, unit=unit))
        ax.legend(frameon=False, fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings, tables=[Table(translate("rep performance, quarter", data.lang), table)],
                   figures=[Figure(translate("Sales and gross margin per rep", say), draw, height=3.0, bottom=0.8)],
                   data={"per_rep": scores, "close_rate": team_rate})
