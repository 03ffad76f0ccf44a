"""Intent cards (意向客户跟踪卡) as they stood on a given day, rebuilt from the store's history.

The store holds each card as it is now; a report on a past month needs it as it was. A card's
field at ``when`` is the ``old_value`` of its first change on or after ``when`` (from
``Store.history``), else its value now. A card is open at ``when`` if it was created before
``when`` and not closed before it.
"""

from __future__ import annotations

import pandas as pd

from ...schema import INTENT_GRADES

GRADES = tuple(INTENT_GRADES)  # O, A, B, C

UNGRADED = "ungraded"  # shown as translate(UNGRADED, lang): 未分级
FUTURE = "future"


def field_at(cards: pd.DataFrame, changes: pd.DataFrame, field: str, when: pd.Timestamp) -> pd.Series:
    """``cards[field]`` as it was just before ``when`` (object dtype, index of ``cards``)."""
    now = cards[field].astype(object).where(cards[field].notna(), None)
    later = changes[(changes["field"] == field) & (changes["changed_at"] >= when)]
    if later.empty:
        return now
    first = later.sort_values("changed_at", kind="stable").drop_duplicates("record_id")
    before = dict(zip(first["record_id"].astype(str), first["old_value"].astype(object)))
    ids = cards["opportunity_id"].to_numpy(dtype=object)
    # a dict per value, not Series.map/isin: those are slow on Arrow strings at 100k cards
    rebuilt = [before.get(i, value) for i, value in zip(ids, now.to_numpy())]
    out = pd.Series(rebuilt, index=cards.index, dtype=object)
    return out.where(out.notna() & (out != ""), None)


def month_cards_at(data, when: pd.Timestamp) -> pd.DataFrame:
    """:func:`cards_at` on the report's cards, computed once per date per report."""
    return data.memo(("cards_at", when), lambda: cards_at(data.opportunities, data.opportunity_changes, when))


def cards_at(cards: pd.DataFrame, changes: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
    """Every card, row for row with ``cards``, with ``state``, ``grade`` and ``stage`` as they were
    just before ``when``: state "future" (not yet created), "open", "won" or "lost"; grade
    ``UNGRADED`` for a card without one. Keeping every row lets two dates be compared row by row."""
    made = cards["created_at"] < when
    closed = cards["closed_at"].notna() & (cards["closed_at"] < when)
    out = cards[["opportunity_id", "customer_id", "expected_amount", "rep", "created_at", "closed_at"]].copy()
    out["state"] = cards["status"].astype(object).where(closed, "open").where(made, FUTURE)
    grade = field_at(cards, changes, "intent_grade", when)
    out["grade"] = grade.where(grade.isin(GRADES), UNGRADED)
    out["stage"] = field_at(cards, changes, "stage", when)
    return out


def latest_grade_by_customer(data, when: pd.Timestamp) -> pd.Series:
    """Each customer's grade on their newest card created before ``when`` (index customer_id)."""
    state = month_cards_at(data, when)
    state = state[(state["state"] != FUTURE) & state["customer_id"].notna()]
    newest = (state.sort_values(["created_at", "opportunity_id"], kind="stable")
              .drop_duplicates("customer_id", keep="last"))
    return pd.Series(newest["grade"].to_numpy(), index=newest["customer_id"].astype(str).to_numpy())
