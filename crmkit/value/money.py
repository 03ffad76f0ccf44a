"""The money columns of an RFM summary: what each one means, and which column a summary from
elsewhere (lifetimes) holds them in.

An RFM summary carries two amounts per customer, and they answer different questions:

* ``total_value``: what the customer spent on all purchases, the first included. This is the
  money of RFM scores and clusters: a one-time buyer of 507 spent 507.
* ``repeat_mean_value``: the mean value of the *repeat* purchases (first purchase left out, 0
  for a one-time buyer), the input of the Gamma-Gamma spend model. lifetimes and the BG/NBD
  papers call it ``monetary_value``, a name that reads like "what the customer spent" and is
  not; crmkit names it for what it is and reads lifetimes' name as a synonym where a model
  needs it (a ``summary_data_from_transaction_data`` frame, the CDNOW sample).

This module has no heavy imports: the models read it without loading the RFM code.
"""

from __future__ import annotations

import pandas as pd

from ..exceptions import ValueInputError

#: The mean value of the repeat purchases (the Gamma-Gamma model's input), crmkit's name.
REPEAT_MEAN_COLUMN = "repeat_mean_value"

#: lifetimes' name for the same figure, accepted where ``REPEAT_MEAN_COLUMN`` is missing.
LIFETIMES_MONETARY_COLUMN = "monetary_value"

#: What the customer spent on all purchases (RFM's M, the clusters' money).
TOTAL_COLUMN = "total_value"

#: How ``repeat_mean_value`` is defined, as the summary's ``attrs["repeat_mean_value"]`` states it.
REPEAT_MEAN = "mean of the repeat purchases (first purchase left out; 0 without repeats)"


def repeat_mean_source(summary: pd.DataFrame) -> str:
    """The column of ``summary`` that holds the repeat-purchase mean: ``repeat_mean_value``
    when it is there, else lifetimes' ``monetary_value`` when that is, else
    ``repeat_mean_value`` (so that the missing-column error names crmkit's name)."""
    columns = summary.columns
    if REPEAT_MEAN_COLUMN not in columns and LIFETIMES_MONETARY_COLUMN in columns:
        return LIFETIMES_MONETARY_COLUMN
    return REPEAT_MEAN_COLUMN


def require_total_value(summary: pd.DataFrame, use: str, other_way: str = "") -> None:
    """Refuse a summary that has a repeat-purchase mean but no ``total_value`` (a lifetimes
    summary, or one cut down to the model columns), naming the column it has and why that will
    not do. ``use`` says what the money is for ("scoring M"); ``other_way``, if there is one,
    how to ask for the repeat mean anyway (e.g. "pass monetary_col=")."""
    if not isinstance(summary, pd.DataFrame) or TOTAL_COLUMN in summary.columns:
        return
    for has in (REPEAT_MEAN_COLUMN, LIFETIMES_MONETARY_COLUMN):
        if has in summary.columns:
            anyway = f", or {other_way}{has!r} if that is what you mean" if other_way else ""
            raise ValueInputError(
                f"the summary has no {TOTAL_COLUMN} column (what each customer spent on all purchases); its {has} "
                f"is the mean of the repeat purchases only, 0 for every one-time buyer, so {use} on it would rank "
                f"a one-time buyer of 507 last. Build the summary with rfm_summary(orders) or add a {TOTAL_COLUMN} "
                f"column{anyway}", TOTAL_COLUMN)
