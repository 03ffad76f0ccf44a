"""At-risk customers (危险客户) from the recorded credit facts (``credit_facts``, 危险客户统计表).

A fact is **active** on ``as_of`` when it was recorded on or before that day and not cleared by
it (``cleared_at`` empty or later). Each of its aspects (经营表现 business performance, 财务状况
financial condition, 破产征兆 signs of bankruptcy) counts when its cell says something: an empty
cell, or one of the form's words for "nothing to report" (``schema.CREDIT_FACT_NOTHING``: 无, 正常
…), raises no warning.

:func:`active_warnings` returns, per customer with an active warning: for each aspect the text
of its newest active fact (NA when none) and the day it was recorded (``<aspect>_at``),
``risk_since`` (the oldest active warning's day) and ``warnings`` (how many aspect cells warn).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import CREDIT_FACT_ASPECTS, CREDIT_FACT_NOTHING
from ..timeframe import as_of_day

_NOTHING = {w.replace(" ", "").lower() for w in CREDIT_FACT_NOTHING}


def says_something(text: pd.Series) -> pd.Series:
    """Whether each cell warns: not empty, and not a word for "nothing to report"."""
    s = text.astype("string").str.strip()
    quiet = s.isna() | s.eq("") | s.str.replace(" ", "", regex=False).str.replace("\u3000", "", regex=False) \
        .str.lower().isin(_NOTHING)
    return ~quiet.fillna(True).astype(bool)


def active_warnings(facts: pd.DataFrame | None, as_of) -> pd.DataFrame:
    """Per customer with an active warning on ``as_of``: the newest text of each aspect and more (see above)."""
    columns = [*CREDIT_FACT_ASPECTS, *(f"{a}_at" for a in CREDIT_FACT_ASPECTS), "risk_since", "warnings"]
    empty = pd.DataFrame({c: pd.Series(dtype="string" if c in CREDIT_FACT_ASPECTS else
                                       "Int64" if c == "warnings" else "datetime64[ns]") for c in columns})
    empty.index = pd.Index([], name="customer_id", dtype=str)
    if facts is None or facts.empty:
        return empty
    day = as_of_day(as_of)
    recorded = pd.to_datetime(facts["recorded_at"])
    cleared = pd.to_datetime(facts["cleared_at"]) if "cleared_at" in facts else pd.Series(pd.NaT, index=facts.index)
    live = facts[(recorded <= day) & (cleared.isna() | (cleared > day))].assign(recorded_at=recorded)
    if live.empty:
        return empty
    live = live.sort_values(["recorded_at"], kind="stable")
    out = {}
    warns = []
    for aspect in CREDIT_FACT_ASPECTS:
        text = live[aspect] if aspect in live else pd.Series(pd.NA, index=live.index, dtype="string")
        hit = says_something(text)
        warns.append(hit.to_numpy())
        rows = live[hit.to_numpy()]
        newest = rows.groupby(rows["customer_id"].astype(str), sort=True).tail(1).set_index("customer_id")
        out[aspect] = newest[aspect].astype("string")
        out[f"{aspect}_at"] = newest["recorded_at"]
    any_warn = np.logical_or.reduce(warns)
    warned = live[any_warn]
    if warned.empty:
        return empty
    ids = warned["customer_id"].astype(str)
    frame = pd.DataFrame(index=pd.Index(sorted(ids.unique()), name="customer_id"))
    for name, values in out.items():
        frame[name] = values.reindex(frame.index)
    frame["risk_since"] = warned.groupby(ids)["recorded_at"].min().reindex(frame.index).astype("datetime64[ns]")
    counts = pd.Series(np.sum(warns, axis=0)[any_warn], index=ids.to_numpy()).groupby(level=0).sum()
    frame["warnings"] = counts.reindex(frame.index).astype("Int64")
    for aspect in CREDIT_FACT_ASPECTS:
        frame[aspect] = frame[aspect].astype("string")
        frame[f"{aspect}_at"] = frame[f"{aspect}_at"].astype("datetime64[ns]")
    return frame[columns]
