"""The rule table applied: collection status, rating, the rules that fired, and a suggested limit.

Every rule is a test on a customer's measures and a cap (the best rating it allows); the rating
is the worst cap among the rules that fired, A when none did. ``rating_rules`` lists the codes of
the rules that fired, worst cap first, so each rating carries its explanation
(:func:`crmkit.credit.explain` words it). Three codes leave a customer unrated (rating NA, no
suggested limit), because there is nothing to judge and a silent A would be a guess:
``no_settlements`` (never billed by ``as_of``), ``no_recent_settlements`` (billed before the
window, nothing billed within it and nothing overdue) and ``nothing_due`` (billed within the
window, but no bill has fallen due or been paid yet). The rules that still fire for an unrated
customer (a warning recorded, a limit already used up) follow its code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import CREDIT_FACT_ASPECTS
from .rules import COLLECTION_STATUSES, RATINGS, CreditRules, on_time_code, utilisation_code

#: Why a customer's utilisation is NaN: no credit limit recorded, or a limit of 0.
NO_LIMIT, ZERO_LIMIT = "no_credit_limit", "zero_credit_limit"
#: Why a customer is not rated: never billed by as_of; billed, but not within the window and owing
#: nothing overdue; billed within the window, but no bill paid or due yet.
NO_SETTLEMENTS, NONE_RECENT, NOTHING_DUE = "no_settlements", "no_recent_settlements", "nothing_due"

COLLECTION_DTYPE = pd.CategoricalDtype(list(COLLECTION_STATUSES), ordered=True)
RATING_DTYPE = pd.CategoricalDtype(list(RATINGS), ordered=True)


def utilisation(outstanding: pd.Series, credit_limit: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Owed ÷ credit limit, and the reason where it is NaN (never inf)."""
    owed = outstanding.astype("Float64").fillna(0).to_numpy(dtype="float64")
    limit = credit_limit.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    usable = limit > 0
    ratio = np.where(usable, owed / np.where(usable, limit, 1.0), np.nan)
    note = np.where(np.isnan(limit), NO_LIMIT, np.where(limit <= 0, ZERO_LIMIT, None))
    index = outstanding.index
    return (pd.Series(pd.array(ratio, dtype="Float64"), index=index).where(usable),
            pd.Series(note, index=index, dtype="string"))


def collection_status(oldest_overdue_days: pd.Series, days_late: pd.Series, settlements: pd.Series,
                      rules: CreditRules) -> pd.Series:
    """good / fair / poor / very_bad by the worse of the oldest overdue days and the mean days late;
    NA where no bill was judged."""
    oldest = oldest_overdue_days.astype("Float64").fillna(0).to_numpy(dtype="float64")
    mean = days_late.astype("Float64").fillna(0).to_numpy(dtype="float64")
    worst = np.maximum(oldest, mean)
    code = np.searchsorted(np.asarray(rules.collection_days, dtype="float64"), worst, side="left")
    judged = settlements.astype("Int64").fillna(0).to_numpy() > 0
    return pd.Series(pd.Categorical.from_codes(np.where(judged, code, -1), dtype=COLLECTION_DTYPE),
                     index=oldest_overdue_days.index)


def rate(measures: pd.DataFrame, rules: CreditRules) -> pd.DataFrame:
    """``measures`` (per customer: the payment measures, ``utilisation``, ``collection_status``, the
    aspects' texts, ``any_settlement``) -> ``rating``, ``rating_rules`` and ``suggested_limit``."""
    n = len(measures)
    fired: list[tuple[str, np.ndarray, str]] = []  # (code, mask, cap)
    status = measures["collection_status"]
    for s in COLLECTION_STATUSES[1:]:
        fired.append((f"collection_{s}", (status == s).to_numpy(dtype=bool), rules.collection_caps[s]))
    share = measures["on_time_share"].astype("Float64")
    below = [(share < cut).fillna(False).to_numpy(dtype=bool) for cut in rules.on_time_cuts]
    for code, mask, cap in _harshest([on_time_code(c) for c in rules.on_time_cuts], below, rules.on_time_caps):
        fired.append((code, mask, cap))
    used = measures["utilisation"].astype("Float64")
    above = [(used > cut).fillna(False).to_numpy(dtype=bool) for cut in rules.utilisation_cuts]
    for code, mask, cap in _harshest([utilisation_code(c) for c in rules.utilisation_cuts], above,
                                     rules.utilisation_caps):
        fired.append((code, mask, cap))
    judged = measures["settlements"].astype("Int64").fillna(0).to_numpy()
    fired.append(("thin_history", (judged > 0) & (judged < rules.min_settlements), rules.thin_history_cap))
    fired.append(("timing_unknown", (judged > 0) & share.isna().to_numpy(), rules.unknown_timing_cap))
    for aspect in CREDIT_FACT_ASPECTS:
        fired.append((aspect, measures[aspect].notna().to_numpy(dtype=bool), rules.fact_caps[aspect]))

    worst = np.zeros(n, dtype=np.int64)
    for _, mask, cap in fired:
        worst = np.where(mask, np.maximum(worst, RATINGS.index(cap)), worst)
    # codes worst cap first (then in the table's order): the first code names what set the rating
    ordered = sorted(fired, key=lambda f: -RATINGS.index(f[2]))
    text = np.full(n, "", dtype=object)
    for code, mask, _ in ordered:
        text = np.where(mask, text + code + ";", text)
    billed_ever = measures["any_settlement"].to_numpy(dtype=bool)
    unrated = judged == 0
    # an unrated customer still lists what fired (a warning, a limit already used up): it is at risk
    billed_recently = measures["billed"].astype("Float64").fillna(0).to_numpy(dtype="float64") > 0
    why = np.where(~billed_ever, NO_SETTLEMENTS, np.where(billed_recently, NOTHING_DUE, NONE_RECENT))
    text = np.where(unrated, why + ";" + text, text)
    rating = pd.Categorical.from_codes(np.where(unrated, -1, worst), dtype=RATING_DTYPE)

    months = np.array([rules.limit_months[r] for r in RATINGS], dtype="float64")[worst]
    monthly = (measures["billed"].astype("Float64").fillna(0).to_numpy(dtype="float64")
               / measures["billing_months"].astype("Float64").fillna(1).to_numpy(dtype="float64"))
    limit = np.where(unrated, np.nan, months * monthly)
    index = measures.index
    return pd.DataFrame({
        "rating": pd.Series(rating, index=index),
        "rating_rules": pd.Series([t.rstrip(";") for t in text], index=index, dtype="string"),
        "monthly_billing": pd.Series(pd.array(np.where(unrated, np.nan, monthly), dtype="Float64"),
                                     index=index).where(~unrated),
        "suggested_limit": pd.Series(pd.array(limit, dtype="Float64"), index=index).where(~unrated),
    }, index=index)


def _harshest(codes, masks, caps):
    """A family of cuts on one measure (mildest first), each firing only where no harsher one
    does: a customer paying 30 % on time is "below 40 %", not also "below 70 %" and "below 90 %"."""
    out = []
    for k, (code, mask, cap) in enumerate(zip(codes, masks, caps)):
        harsher = np.logical_or.reduce(masks[k + 1:]) if k + 1 < len(masks) else np.zeros_like(mask)
        out.append((code, mask & ~harsher, cap))
    return out
