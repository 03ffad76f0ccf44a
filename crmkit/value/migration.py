"""Segment migration: how customers moved between segments from one date to another.

>>> import pandas as pd
>>> orders = pd.DataFrame({
...     "customer_id": ["a", "b", "a", "c"],
...     "ordered_at": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-03-01", "2026-03-10"]),
...     "amount": [100.0, 300.0, 200.0, 50.0],
... })
>>> m = segment_migration(orders, "2026-01-31", "2026-03-31", method="abc")
>>> int(m.to_numpy().sum())  # every customer who bought by to_date, once
3
>>> int(m.loc["New/none"].sum())  # c bought first after from_date
1
"""

from __future__ import annotations

import pandas as pd

from ..exceptions import ValueInputError
from .grades import GRADES, abc, value_grades
from .rfm import SEGMENT_RULES, _day_number, _days, _require_columns, rfm_segments, rfm_summary

#: The row of customers who had not bought by ``from_date``.
NEW_ROW = "New/none"
NEW_ROW_ZH = "新增（此前未购买）"

METHODS = ("rfm", "value_grade", "abc")


def segment_migration(
    orders: pd.DataFrame,
    from_date,
    to_date,
    method: str = "rfm",
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str = "amount",
    **options,
) -> pd.DataFrame:
    """Counts of customers by their segment at ``from_date`` (rows) and at ``to_date`` (columns).

    Each date is an ``as_of``: the segments are computed from the orders up to that day, as if
    the analysis had been run then. ``method`` chooses the segments: "rfm" (``rfm_segments`` on
    ``rfm_summary``; ``options`` go to ``rfm_segments``, e.g. ``rules=``, ``ties=``),
    "value_grade" (A–E from ``value_grades``; ``options`` go there, e.g. ``weights=``) or "abc"
    (Pareto classes of revenue to date; ``options`` go to ``abc``, e.g. ``shares=``).

    Every customer who bought by ``to_date`` is counted once; those with no purchase by
    ``from_date`` are in the row "New/none". Rows and columns list every segment of the method
    in their natural order (zeros included); the row "New/none" comes last. Scores like RFM's are
    relative to the customers of each date, so a customer can move without changing. The input
    is not modified.
    """
    if method not in METHODS:
        raise ValueInputError(f"unknown method {method!r}; use one of {', '.join(METHODS)}", "method")
    if _day_number(from_date) > _day_number(to_date):
        raise ValueInputError(f"from_date {from_date} is after to_date {to_date}", "from_date")
    _require_columns(orders, [customer_col, date_col, amount_col])
    cols = {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col}
    before, categories_before = _segments(orders, from_date, method, cols, options)
    after, categories_after = _segments(orders, to_date, method, cols, options)
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
        labels = {g: f"{g}级" for g in GRADES}
    else:
        labels = {c: f"{c}类" for c in "ABC"}
    return {**labels, NEW_ROW: NEW_ROW_ZH}


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
    upto = orders.loc[days <= _day_number(as_of), [cols["customer_col"], cols["amount_col"]]]
    if upto.empty:
        return pd.Series(dtype=object), ["A", "B", "C"]
    classes = abc(upto, customer_col=cols["customer_col"], amount_col=cols["amount_col"], **options)
    return classes["abc_class"].astype(object), ["A", "B", "C"]
