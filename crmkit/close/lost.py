"""The lost-prospect analysis (意向客户流失分析表): why, at which stage, to whom, by which rep.

>>> tables = lost_analysis(crm, start="2026-01-01", end="2026-07-01")
>>> tables["reason"]            # lost cards by reason, with their share

Returns a dict of DataFrames, one per view, because each view has its own rows:

``"reason"``      lost_reason -> lost, share                  (missing reason: "(not given)")
``"stage"``       stage at loss -> lost, share                (all five stages, in order)
``"competitor"``  competitor -> lost, share                   (no competitor named: "(none)")
``"rep"``         rep -> lost, share, closed, loss_rate       (closed = won + lost in the window;
                  loss_rate = lost / closed)

``share`` is the row's part of all lost cards in the window (each view sums to 1). A lost card's
stage in the store is the stage it had when it was lost (losing does not move the stage).
"""

from __future__ import annotations

import pandas as pd

from .. import schema

NOT_GIVEN = "(not given)"
NO_COMPETITOR = "(none)"


def lost_analysis(crm, *, start=None, end=None) -> dict[str, pd.DataFrame]:
    """Lost opportunities closed in the window [start, end) (either bound optional), counted four ways.

    ``start``/``end`` bound a half-open window of moments, as in ``Store.read``; to count the
    cards lost up to and including a day, pass ``end=crmkit.timeframe.end_of(day)``.
    """
    opps = crm.opportunities(columns=["status", "closed_at", "stage", "lost_reason", "competitor", "rep"])
    return lost_from_table(opps, start=start, end=end)


def lost_from_table(opportunities: pd.DataFrame, *, start=None, end=None) -> dict[str, pd.DataFrame]:
    """:func:`lost_analysis` on an opportunities DataFrame (crmkit column names)."""
    o = opportunities
    closed = pd.to_datetime(o["closed_at"])
    window = closed.notna()
    if start is not None:
        window &= closed >= pd.Timestamp(start)
    if end is not None:
        window &= closed < pd.Timestamp(end)
    status = o["status"].astype(object)
    lost = o[window & status.eq("lost")]
    n = len(lost)

    def count(values: pd.Series, name: str, index=None) -> pd.DataFrame:
        c = values.value_counts(sort=False)
        if index is not None:
            c = c.reindex(index, fill_value=0)
        else:
            c = c.sort_values(ascending=False, kind="stable")
        frame = pd.DataFrame({"lost": c.astype("int64")})
        frame["share"] = frame["lost"] / n if n else 0.0
        frame.index.name = name
        return frame

    def labelled(col: str, missing: str) -> pd.Series:
        v = lost[col].astype(object)
        return v.where(v.notna() & (v.astype(str).str.strip() != ""), missing)

    rep = count(labelled("rep", NOT_GIVEN), "rep")
    closed_by_rep = o.loc[window & status.isin(["won", "lost"]), "rep"].astype(object).fillna(NOT_GIVEN).value_counts()
    rep["closed"] = closed_by_rep.reindex(rep.index, fill_value=0).astype("int64")
    rep["loss_rate"] = rep["lost"] / rep["closed"]
    return {
        "reason": count(labelled("lost_reason", NOT_GIVEN), "lost_reason"),
        "stage": count(lost["stage"].astype(object), "stage", index=list(schema.STAGES)),
        "competitor": count(labelled("competitor", NO_COMPETITOR), "competitor"),
        "rep": rep,
    }
