"""Columns a close model must not learn from: ids, and columns that give the outcome away.

An analyst's lead list comes with whatever its CRM exported. Two kinds of column make a model
look better than it is and score new leads worse:

* **Ids** (:func:`id_reason`): a lead number, a uuid, a row counter. They are unique per lead, so
  a tree can memorise them, and a running number tracks the export's order, not the lead.
  A column is taken for an id when its values are nearly all different (at least 95 % distinct
  among the filled cells, and at least 50 of them) and

  - it is text (an account name, a uuid, a code), or
  - it holds whole numbers and either is named like an id ("Lead Number", "客户编号", "no"),
    runs up or down with the rows, or nearly fills the range between its smallest and largest
    value (an auto-increment with a few gaps);

  a column of uuids is an id at any size. Amounts and durations are numbers too, but rarely
  whole, named like an id and nearly all different at once, so they stay.
* **Leaks** (:func:`separation`): a single column that alone tells won from lost almost
  perfectly, e.g. a final amount filled in only for closed deals. It is measured as the AUC of
  the column on its own (its values, or whether it is filled in at all; a text column by its
  categories' close rates, learned on other folds so that rare categories cannot memorise), folded
  so that 0.5 is no information and 1 is a perfect split. The model warns from 0.98
  (``CloseLikelihoodModel(leak_threshold=...)``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..i18n import N_

__all__ = ["id_reason", "separation", "ID_SHARE", "ID_MIN_DISTINCT"]

#: Share of distinct values among the filled cells from which a column can be an id.
ID_SHARE = 0.95
#: Fewer distinct values than this are too few to tell an id from a small lookup table.
ID_MIN_DISTINCT = 50
_UUID = re.compile(r"^\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$")
# words that name an id column, matched as whole words of the column name (English and Chinese)
_ID_WORDS = {"id", "ids", "number", "no", "nr", "num", "code", "key", "uuid", "guid", "ref", "reference"}
_ID_CHINESE = re.compile(r"(编号|编码|号码|单号|序号|代码)$")


def _words(name: str) -> set[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))  # LeadNumber -> Lead Number
    return {w.lower() for w in re.split(r"[^0-9A-Za-z]+", spaced) if w}


def named_like_an_id(name: str) -> bool:
    """True for "Lead Number", "opportunity_id", "Prospect ID", "LeadNo", "客户编号"."""
    return bool(_words(name) & _ID_WORDS) or bool(_ID_CHINESE.search(str(name).strip()))


def id_reason(name: str, kind: str, values: pd.Series) -> tuple[str, dict] | None:
    """Why the column looks like an id (a message id of ``crmkit.i18n`` and its fields), or None.

    ``kind`` is the model's reading of the column ("numeric", "datetime" or "category") and
    ``values`` the column as read (numbers as floats, text with empty cells missing), in row order.
    """
    present = values.dropna()
    if kind == "datetime" or len(present) == 0:
        return None
    distinct = present.nunique()
    if kind == "category":
        text = present.astype(str)
        if distinct >= 2 and text.str.match(_UUID).mean() >= ID_SHARE:
            return N_("uuids"), {}
        if distinct >= ID_MIN_DISTINCT and distinct >= ID_SHARE * len(present):
            return N_("{n:,} different texts in {rows:,} filled rows"), {"n": distinct, "rows": len(present)}
        return None
    numbers = present.to_numpy(dtype=float)
    if distinct < ID_MIN_DISTINCT or distinct < ID_SHARE * len(present) or not np.all(numbers == np.round(numbers)):
        return None
    if named_like_an_id(name):
        return N_("whole numbers, nearly all different, named like an id"), {}
    steps = np.diff(numbers)
    if (steps > 0).all() or (steps < 0).all():
        return N_("a running number: it rises (or falls) row by row"), {}
    if numbers.max() - numbers.min() + 1 <= 1.5 * distinct:
        return N_("whole numbers, nearly all different, filling their range like a counter"), {}
    return None


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """The rank AUC of ``score`` for the 0/1 outcome ``y``, folded to 0.5-1 (either direction)."""
    from scipy.stats import rankdata

    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return 0.5
    ranks = rankdata(score)
    a = (ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    return float(max(a, 1 - a))


def _out_of_fold_rates(codes: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Each row's category close rate learned on the other folds (unseen there: the overall rate),
    so a category met once cannot "predict" its own outcome."""
    rng = np.random.default_rng(seed)
    fold = rng.integers(0, folds, len(codes))
    keys = np.where(np.isnan(codes), -1, codes)
    out = np.empty(len(codes))
    for k in range(folds):
        held = fold == k
        train = pd.DataFrame({"key": keys[~held], "y": y[~held]})
        prior = train["y"].mean() if len(train) else 0.5
        stats = train.groupby("key")["y"].agg(["sum", "count"])
        rate = (stats["sum"] + prior) / (stats["count"] + 1)  # one pseudo-lead at the overall rate
        out[held] = pd.Series(keys[held]).map(rate).fillna(prior).to_numpy()
    return out


def separation(x: np.ndarray, categorical: bool, y: np.ndarray) -> tuple[float, str]:
    """How well the encoded column ``x`` alone separates the 0/1 outcome ``y``: (AUC, how), with
    how "filled" when whether a cell is filled separates best, else "values"."""
    missing = np.isnan(x)
    best, how = 0.5, "values"
    if 0 < missing.sum() < len(x):
        best, how = _auc(y, missing.astype(float)), "filled"
    if categorical:
        candidates = [_out_of_fold_rates(x, y)]
    else:  # missing cells at either end, so that "missing means lost" counts as well as "missing means won"
        candidates = [np.where(missing, -np.inf, x), np.where(missing, np.inf, x)] if missing.any() else [x]
    for score in candidates:
        a = _auc(y, score)
        if a > best + 1e-12:
            best, how = a, "values"
    return best, how
