"""Segment migration: how customers moved between segments from one date to another.

>>> import pandas as pd
>>> orders = pd.DataFrame({
...     "customer_id": ["a", "b", "a", "c"],
...     "ordered_at": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-03-01", "2026-03-10"]),
...     "amount": [100.0, 300.0, 200.0, 50.0],
... })
>>> m = segment_migration(orders, since="2026-01-31", as_of="2026-03-31", method="abc")
>>> int(m.to_numpy().sum())  # every customer who bought by as_of, once
3
>>> int(m.loc["New/none"].sum())  # c bought first after since
1
"""

from __future__ import annotations

import pandas as pd

from .. import schema
from ..exceptions import ValueInputError
from ..i18n import N_, choice_label, translate
from ..timeframe import as_of_day, resolve_as_of
from .grades import GRADES, abc, value_grades
from .rfm import SEGMENT_RULES, _day_number, _days, _require_columns, rfm_segments, rfm_summary

#: The row of customers who had not bought by ``since``.
NEW_ROW = N_("New/none")

METHODS = ("rfm", "value_grade", "abc")


def segment_migration(
    orders: pd.DataFrame,
    *,
    since,
    as_of=None,
    method: str = "rfm",
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str = "amount",
    **options,
) -> pd.DataFrame:
    """Counts of customers by their segment at ``since`` (rows) and at ``as_of`` (columns).

    Both are calendar days read as every ``as_of`` in crmkit (``crmkit.timeframe``): the segments
    at a day are computed from the orders dated on or before it, as if the analysis had been run
    at its end; the moves are what happened after ``since`` up to ``as_of``. ``as_of`` defaults
    to the day of the newest order; ``since`` is required and may not be after ``as_of``. ``method`` chooses the segments: "rfm" (``rfm_segments`` on
    ``rfm_summary``; ``options`` go to ``rfm_segments``, e.g. ``rules=``, ``ties=``),
    "value_grade" (A–E from ``value_grades``; ``options`` go there, e.g. ``weights=``) or "abc"
    (Pareto classes of revenue to date; ``options`` go to ``abc``, e.g. ``shares=``).

    Every customer who bought by ``as_of`` is counted once; those with no purchase by
    ``since`` are in the row "New/none". Rows and columns list every segment of the method
    in their natural order (zeros included); the row "New/none" comes last. Scores like RFM's are
    relative to the customers of each date, so a customer can move without changing. The input
    is not modified.
    """
    if method not in METHODS:
        raise ValueInputError(f"unknown method {method!r}; use one of {', '.join(METHODS)}", "method")
    _require_columns(orders, [customer_col, date_col, amount_col])
    since = as_of_day(since, name="since")
    as_of = resolve_as_of(as_of, orders[date_col])
    if since > as_of:
        raise ValueInputError(f"since {since:%Y-%m-%d} is after as_of {as_of:%Y-%m-%d}", "since")
    cols = {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col}
    before, categories_before = _segments(orders, since, method, cols, options)
    after, categories_after = _segments(orders, as_of, method, cols, options)
    categories = list(dict.fromkeys([*categories_before, *categories_after]))

    before = before.reindex(after.index)
    rows = pd.Categorical(before.astype(object).where(before.notna(), NEW_ROW),
                          categories=[*categories, NEW_ROW])
    cols_ = pd.Categorical(after.astype(object), categories=categories)
    matrix = pd.crosstab(pd.Series(rows, name="from"), pd.Series(cols_, name="to"), dropna=False)
    matrix = matrix.reindex(index=pd.Index([*categories, NEW_ROW], name="from"),
                            columns=pd.Index(categories, name="to"), fill_value=0)
    return matrix.astype("int64")


def migration_labels(method: str = "rfm", rules=None) -> dict[str, str]:
    """Chinese labels of a migration matrix's rows and columns, for plots and reports."""
    if method == "rfm":
        from .rfm import segment_labels

        labels = segment_labels(rules)
    elif method == "value_grade":
        labels = {g: choice_label(schema.CUSTOMERS["value_grade"], g, "zh") for g in GRADES}
    else:
        labels = {c: translate("Class {c}", "zh", c=c) for c in "ABC"}
    return {**labels, NEW_ROW: translate(NEW_ROW, "zh")}


def _segments(orders, as_of, method, cols, options) -> tuple[pd.Series, list[str]]:
    if method == "rfm":
        seg = rfm_segments(rfm_summary(orders, as_of=as_of, **cols), **options)
        rules = options.get("rules") or SEGMENT_RULES
        categories = [name for name, _, _ in rules]
        if "Other" in seg["segment"].cat.categories:
            categories.append("Other")
        return seg["segment"].astype(object), categories
    if method == "value_grade":
        grades = value_grades(orders, as_of=as_of, customer_col=cols["customer_col"], date_col=cols["date_col"],
                              amount_col=cols["amount_col"], **options)
        return grades["value_grade"].astype(object), list(GRADES)
    days = _days(orders[cols["date_col"]], cols["date_col"])
    if not (days <= _day_number(as_of)).any():
        return pd.Series(dtype=object), ["A", "B", "C"]
    classes = abc(orders, as_of=as_of, **cols, **options)
    return classes["abc_class"].astype(object), ["A", "B", "C"]
