"""The demo's stage paths as the change history a CRM would have written.

The tables hold each opportunity's final state (won cards show ``contract``); a CRM that was
used day by day would also hold every stage change in its history. :func:`stage_changes`
turns ``truth["opportunity_stages"]`` into those rows, ready for ``Store.import_history``.
"""

from __future__ import annotations

import pandas as pd

from .dataset import DemoData

STAGE_CHANGE_COLUMNS = ("table_name", "record_id", "op", "field", "old_value", "new_value", "changed_at")


def stage_changes(data: DemoData) -> pd.DataFrame:
    """One history row per stage change of every demo opportunity, dated the day it happened.

    The first stage of a card is the one it was opened with (the insert, not a change); every
    later entry of the stage path becomes ``op="update", field="stage"`` with the previous stage
    as ``old_value``. ``changed_at`` is midnight of the day of the change (the path is kept in
    whole days), so a change dated D is known from ``as_of`` = D on, not at ``as_of`` = D - 1.
    """
    st = data.truth["opportunity_stages"].sort_values(["opportunity_id", "entered_at"], kind="stable")
    same = st["opportunity_id"].eq(st["opportunity_id"].shift())
    old = st["stage"].shift()
    rows = st[same & old.ne(st["stage"])]
    return pd.DataFrame({
        "table_name": "opportunities",
        "record_id": rows["opportunity_id"].astype(str).to_numpy(),
        "op": "update",
        "field": "stage",
        "old_value": old[rows.index].astype(str).to_numpy(),
        "new_value": rows["stage"].astype(str).to_numpy(),
        "changed_at": pd.to_datetime(rows["entered_at"]).astype("datetime64[ns]").to_numpy(),
    }).reset_index(drop=True)
