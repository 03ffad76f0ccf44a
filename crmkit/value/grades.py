"""Value grades (客户价值评估表) and Pareto/ABC classes.

``value_grades`` fills the seed form's customer value assessment: transaction amount, profit
contribution and long-term potential, each scored 0–100, weighted into one score that sets the
A–E value grade (客户级别). ``abc`` sorts customers by revenue into Pareto classes A, B and C.

>>> import pandas as pd
>>> orders = pd.DataFrame({
...     "customer_id": ["a", "b", "c", "c"],
...     "ordered_at": pd.to_datetime(["2026-01-05", "2026-02-01", "2026-01-10", "2026-03-01"]),
...     "amount": [100.0, 300.0, 500.0, 500.0],
...     "gross_margin": [30.0, 60.0, 100.0, 120.0],
... })
>>> value_grades(orders, as_of="2026-03-31")[["amount", "profit", "score", "value_grade"]]  # doctest: +NORMALIZE_WHITESPACE
             amount  profit  score value_grade
customer_id
a             100.0    30.0    0.0           E
b             300.0    60.0   50.0           C
c            1000.0   220.0  100.0           A
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import partial
from itertools import pairwise

import numpy as np
import pandas as pd

from ..exceptions import ValueInputError, ValueWeightsWarning
from ..schema import CUSTOMERS
from ..timeframe import as_of_day, resolve_as_of
from .rfm import _day_number, _days, _order_labels, _require_columns

#: Default weights of the three parts of the value score: what a customer buys and earns the
#: company now weighs 70 %, what the customer may bring later 30 %. A setting, not a finding.
DEFAULT_WEIGHTS: dict[str, float] = {"amount": 0.4, "profit": 0.3, "potential": 0.3}

#: Lowest score of grades A, B, C and D (a score below the last is grade E).
DEFAULT_CUTS: dict[str, float] = {"A": 80.0, "B": 60.0, "C": 40.0, "D": 20.0}

#: Without a CLV, long-term potential is the spend of the last this many days up to ``as_of``.
POTENTIAL_WINDOW_DAYS = 365

GRADES = ("A", "B", "C", "D", "E")


def value_grades(
    orders: pd.DataFrame,
    *,
    clv: pd.Series | pd.DataFrame | None = None,
    as_of=None,
    weights: Mapping[str, float] | None = None,
    cuts: Mapping[str, float] | Sequence[float] | None = None,
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str = "amount",
    margin_col: str = "gross_margin",
) -> pd.DataFrame:
    """The customer value assessment (客户价值评估表): three part scores, the score and the A–E grade.

    Per customer who bought by ``as_of`` (a calendar day, see ``crmkit.timeframe``: orders dated
    on or before it count, later ones are ignored; default: the day of the newest order):

    * ``amount``: total transaction amount (交易额);
    * ``profit``: total gross margin (利润贡献), from ``margin_col``;
    * ``potential``: long-term potential (发展潜力): ``clv`` when given (a Series indexed by
      customer id, e.g. from ``customer_lifetime_value``, or a frame with a ``clv`` column);
      otherwise the documented proxy, the spend over the last ``POTENTIAL_WINDOW_DAYS`` (365)
      days up to ``as_of``: who buys now is who is likely to keep buying;
    * ``amount_score``, ``profit_score``, ``potential_score``: percentile ranks 0–100 (0 the
      lowest customer, 100 the highest; equal values share the mean of their ranks);
    * ``score``: the weighted sum of the three (``weights``, default ``DEFAULT_WEIGHTS``
      = amount 0.4, profit 0.3, potential 0.3; keys ``amount``, ``profit``, ``potential``,
      a missing key weighs 0, the weights must sum to 1). Without ``weights`` and without a
      margin (no ``margin_col`` column, or no margin in it at all), profit cannot be scored:
      the score weighs what is there, amount and potential in their default proportion
      (0.4 : 0.3, i.e. 4/7 and 3/7), says so with a ``ValueWeightsWarning``, and ``profit``
      and ``profit_score`` are NaN. Explicit ``weights`` that give profit a share need the
      margins;
    * ``value_grade``: A if ``score`` ≥ ``cuts["A"]``, else B if ≥ ``cuts["B"]`` … else E
      (default ``DEFAULT_CUTS`` = 80/60/40/20; ``cuts`` may also be four descending numbers).
      Its dtype is the customers table's ``value_grade`` dtype, so it can be stored as is.

    The weights and cuts must be checked by the user's own sales policy; they are settings,
    not findings. The weights used are in the result's ``attrs["weights"]``. Errors name the
    orders at fault by ``order_id`` (or customer id), never by row position. The input is not
    modified.

    >>> import pandas as pd
    >>> orders = pd.DataFrame({"customer_id": ["a", "b"], "ordered_at": pd.to_datetime(["2026-01-05"] * 2),
    ...                        "amount": [100.0, 200.0], "gross_margin": [10.0, 20.0]})
    >>> value_grades(orders, weights={"amount": 0.5, "profit": 0.5})["value_grade"].tolist()
    ['E', 'A']
    """
    defaulted = weights is None
    weights = _check_weights(weights)
    cuts = _check_cuts(cuts)
    _require_columns(orders, [customer_col, date_col, amount_col])
    no_margin = margin_col not in orders.columns or not pd.to_numeric(orders[margin_col], errors="coerce").notna().any()
    if no_margin and weights["profit"] > 0:
        if not defaulted:
            _require_columns(orders, [margin_col])  # names the missing column
            raise ValueInputError(f"the weights give profit {weights['profit']:g}, but no order has a {margin_col}",
                                  margin_col)
        # score what is there rather than refuse: amount and potential keep their proportion
        weights = _reweighed(weights, without="profit")
        warnings.warn(ValueWeightsWarning(
            f"value_grades: the orders have no {margin_col}, so profit is left out of the score; amount and "
            f"potential weigh {weights['amount']:.3g} and {weights['potential']:.3g} (in their default "
            "proportion). Pass weights= to choose others", weights), stacklevel=2)

    labels = partial(_order_labels, orders, customer_col)  # built only if an error names orders
    days = _days(orders[date_col], date_col, labels)
    end = _day_number(resolve_as_of(as_of, orders[date_col]))
    keep = days <= end
    customers = orders[customer_col].to_numpy()[keep]
    missing = pd.isna(customers)
    if missing.any():
        raise ValueInputError(f"{int(missing.sum())} order(s) have no customer", customer_col,
                              labels(_rows_of(keep, missing)))
    amounts = _numbers(orders[amount_col], amount_col, labels=labels)[keep]
    frame = pd.DataFrame({"customer": customers, "amount": amounts,
                          "recent": np.where(days[keep] > end - POTENTIAL_WINDOW_DAYS, amounts, 0.0)})
    if margin_col in orders.columns:
        frame["profit"] = _numbers(orders[margin_col], margin_col, allow_missing=weights["profit"] == 0,
                                   labels=labels)[keep]
    else:
        frame["profit"] = np.nan
    totals = frame.groupby("customer", sort=True).sum(min_count=1)
    totals.index = pd.Index(totals.index, name=customer_col, dtype=orders[customer_col].dtype)

    out = pd.DataFrame(index=totals.index)
    out["amount"] = totals["amount"].astype("float64")
    out["profit"] = totals["profit"].astype("float64")
    out["potential"] = _potential(clv, out.index) if clv is not None else totals["recent"].astype("float64")
    score = pd.Series(0.0, index=out.index)
    for part in ("amount", "profit", "potential"):
        out[f"{part}_score"] = _percentile(out[part])
        if weights[part] > 0:
            score += weights[part] * out[f"{part}_score"]
    out["score"] = score
    out["value_grade"] = grade_from_score(score, cuts)
    out.attrs["weights"] = dict(weights)
    return out


def _reweighed(weights: dict[str, float], without: str) -> dict[str, float]:
    """``weights`` with ``without`` at 0 and the others scaled back up to a sum of 1."""
    rest = {k: (0.0 if k == without else v) for k, v in weights.items()}
    total = sum(rest.values())
    return {k: v / total for k, v in rest.items()}


def grade_from_score(score: pd.Series, cuts: Mapping[str, float] | Sequence[float] | None = None) -> pd.Series:
    """A–E from a 0–100 score: A at or above ``cuts["A"]``, … E below ``cuts["D"]``.

    >>> import pandas as pd
    >>> grade_from_score(pd.Series([95.0, 80.0, 79.9, 5.0])).tolist()
    ['A', 'A', 'B', 'E']
    """
    cuts = _check_cuts(cuts)
    bounds = np.array([cuts[g] for g in GRADES[:4]])
    values = np.asarray(score, dtype="float64")
    # number of cuts the score does not reach: 0 → A … 4 → E
    codes = (values[:, None] < bounds[None, :]).sum(axis=1)
    grades = np.array(GRADES, dtype=object)[codes]
    return pd.Series(pd.Categorical(grades, dtype=CUSTOMERS["value_grade"].dtype), index=getattr(score, "index", None))


def abc(
    values: pd.Series | pd.DataFrame,
    *,
    as_of=None,
    shares: tuple[float, float] = (0.8, 0.95),
    customer_col: str = "customer_id",
    amount_col: str = "amount",
    date_col: str = "ordered_at",
) -> pd.DataFrame:
    """Pareto (ABC) classes by revenue share: A makes the first 80 % of revenue, B the next 15 %.

    ``values`` is revenue per customer (a Series indexed by customer id) or an order frame,
    whose ``amount_col`` is summed per ``customer_col``. With an order frame, ``as_of`` (a
    calendar day, see ``crmkit.timeframe``) keeps the orders dated on or before it (by
    ``date_col``); without it every order counts, which is the same as the default ``as_of``,
    the day of the newest order. A Series is revenue already summed: it takes no ``as_of``.

    Customers are sorted by revenue, largest first, ties by customer id. Class A is the smallest set of top customers whose revenue
    reaches ``shares[0]`` of the total (the customer who crosses the line is in A), B likewise up
    to ``shares[1]``, C the rest. Negative revenue (net refunds) counts as 0 in the shares.

    Returns, in that order: ``value``, ``share`` (of total revenue), ``cum_share``,
    ``cum_customer_share`` (share of customers so far), ``rank`` (1 = largest) and
    ``abc_class`` (categorical A, B, C). The input is not modified.

    >>> import pandas as pd
    >>> abc(pd.Series({"a": 70.0, "b": 20.0, "c": 6.0, "d": 4.0}))[["cum_share", "abc_class"]]  # doctest: +NORMALIZE_WHITESPACE
       cum_share abc_class
    a       0.70         A
    b       0.90         A
    c       0.96         B
    d       1.00         C
    """
    low, high = _check_shares(shares)
    if isinstance(values, pd.DataFrame):
        _require_columns(values, [customer_col, amount_col])
        if as_of is not None:
            _require_columns(values, [date_col])
            values = values[_days(values[date_col], date_col) <= _day_number(as_of_day(as_of))]
        series = pd.Series(_numbers(values[amount_col], amount_col, labels=partial(_order_labels, values, customer_col)),
                           index=values[customer_col].to_numpy())
        series = series.groupby(level=0, sort=True).sum()
        series.index.name = customer_col
    elif isinstance(values, pd.Series):
        if as_of is not None:
            raise ValueInputError("as_of applies to an order frame; a Series is revenue already summed", "as_of")
        series = pd.Series(_numbers(values, values.name or "values"), index=values.index)
        if series.index.has_duplicates:
            raise ValueInputError("one value per customer is needed; the index has duplicates",
                                  values.name or "values", list(series.index[series.index.duplicated()].unique()))
    else:
        raise ValueInputError(f"expected a Series or a DataFrame, got {type(values).__name__}", "values")

    order = np.lexsort((np.asarray(series.index.astype(str)), -series.to_numpy()))
    ranked = series.iloc[order]
    positive = ranked.clip(lower=0.0)
    total = positive.sum()
    if len(ranked) and total <= 0:
        raise ValueInputError("total revenue is not positive, so there are no shares", "values")
    n = len(ranked)
    share = positive / total if n else positive
    reached = positive.cumsum()
    cum = reached / total if n else reached
    # revenue share of the customers ranked above; a line reached up to rounding counts as reached
    before = (reached - positive).to_numpy() / total if n else np.zeros(0)
    eps = 1e-12
    classes = np.where(before < low - eps, "A", np.where(before < high - eps, "B", "C"))
    return pd.DataFrame({
        "value": ranked.astype("float64"),
        "share": share.astype("float64"),
        "cum_share": cum.astype("float64"),
        "cum_customer_share": np.arange(1, n + 1) / n if n else np.zeros(0),
        "rank": np.arange(1, n + 1),
        "abc_class": pd.Categorical(classes, categories=["A", "B", "C"]),
    }, index=ranked.index)


# ----------------------------------------------------------------------------- helpers


def _check_weights(weights) -> dict[str, float]:
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(weights, Mapping):
        raise ValueInputError("weights must be a mapping like {'amount': 0.4, 'profit': 0.3, 'potential': 0.3}",
                              "weights")
    unknown = set(weights) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ValueInputError(f"unknown weight(s) {sorted(unknown)}; the parts are amount, profit, potential",
                              "weights")
    out = {k: float(weights.get(k, 0.0)) for k in DEFAULT_WEIGHTS}
    if any(not np.isfinite(v) or v < 0 for v in out.values()):
        raise ValueInputError(f"weights must be non-negative numbers, got {out}", "weights")
    total = sum(out.values())
    if not np.isclose(total, 1.0, rtol=0, atol=1e-9):
        raise ValueInputError(f"weights must sum to 1 (100%), they sum to {total:g}: {out}", "weights")
    return out


def _check_cuts(cuts) -> dict[str, float]:
    if cuts is None:
        return dict(DEFAULT_CUTS)
    if isinstance(cuts, Mapping):
        if set(cuts) != set(GRADES[:4]):
            raise ValueInputError(f"cuts must give the lowest score of A, B, C and D, got keys {sorted(cuts)}", "cuts")
        values = [float(cuts[g]) for g in GRADES[:4]]
    else:
        values = [float(c) for c in cuts]
        if len(values) != 4:
            raise ValueInputError(f"cuts must be four scores (lowest A, B, C, D), got {len(values)}", "cuts")
    if not all(0 <= v <= 100 for v in values) or any(a <= b for a, b in pairwise(values)):
        raise ValueInputError(f"cuts must fall from A to D within 0..100, got {values}", "cuts")
    return dict(zip(GRADES[:4], values))


def _check_shares(shares) -> tuple[float, float]:
    try:
        low, high = (float(s) for s in shares)
    except (TypeError, ValueError) as exc:
        raise ValueInputError(f"shares must be two fractions like (0.8, 0.95), got {shares!r}", "shares") from exc
    if not 0 < low < high <= 1:
        raise ValueInputError(f"shares must satisfy 0 < A < B <= 1, got {shares!r}", "shares")
    return low, high


def _numbers(series: pd.Series, column, allow_missing: bool = False, labels=None) -> np.ndarray:
    """The values as floats; missing ones are an error naming them by ``labels`` (a function of
    a row mask giving order or customer ids), or by the index when there is none."""
    values = pd.to_numeric(series, errors="coerce").astype("float64").to_numpy()
    bad = np.isnan(values)
    if bad.any() and not allow_missing:
        names = labels(bad) if labels is not None else list(np.asarray(series.index, dtype=object)[bad])
        raise ValueInputError(f"{int(bad.sum())} value(s) are missing or not numbers", column, names)
    return values


def _rows_of(keep: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """The mask over all rows of the ``selected`` ones among those ``keep`` holds."""
    rows = np.zeros(len(keep), dtype=bool)
    rows[np.flatnonzero(keep)[selected]] = True
    return rows


def _percentile(values: pd.Series) -> pd.Series:
    """0 for the lowest value, 100 for the highest, ties sharing their mean rank; 50 if alone."""
    n = values.notna().sum()
    if n <= 1:
        return pd.Series(np.where(values.notna(), 50.0, np.nan), index=values.index)
    return (values.rank(method="average") - 1) / (n - 1) * 100


def _potential(clv, index: pd.Index) -> pd.Series:
    if isinstance(clv, pd.DataFrame):
        if "clv" in clv.columns:
            clv = clv["clv"]
        elif clv.shape[1] == 1:
            clv = clv.iloc[:, 0]
        else:
            raise ValueInputError("a clv frame needs a 'clv' column", "clv")
    if not isinstance(clv, pd.Series):
        raise ValueInputError(f"clv must be a Series indexed by customer id, got {type(clv).__name__}", "clv")
    clv = clv.copy()
    clv.index = clv.index.astype(str)
    aligned = pd.to_numeric(clv, errors="coerce").astype("float64").reindex(index.astype(str))
    missing = aligned.isna().to_numpy()
    if missing.any():
        raise ValueInputError(f"{int(missing.sum())} customer(s) with orders have no CLV", "clv",
                              list(index[missing]))
    return pd.Series(aligned.to_numpy(), index=index)
