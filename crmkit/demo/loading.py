"""Load a generated demo data set into a store, as ``crmkit demo`` does."""

from __future__ import annotations

from collections.abc import Callable

from ..schema import LOAD_ORDER
from .dataset import DemoData
from .history import stage_changes


def load_into(crm, data: DemoData, *, by: str | None = None, source: str = "demo", history: bool = True,
              on_table: Callable[[str], object] | None = None) -> int:
    """Import every table of ``data`` into ``crm`` in ``LOAD_ORDER`` (customers first).

    With ``history`` (the default), the stage each card went through is recorded on the day it
    moved, right after the cards, so features rebuilt for a past date see the stage of that
    date. A rerun adds nothing. ``on_table(name)`` is called before each table (progress).
    Returns the number of stage changes added to the history.
    """
    added = 0
    for name in LOAD_ORDER:
        if on_table is not None:
            on_table(name)
        crm.import_frame(data.tables[name], name, by=by, source=source)
        if name == "opportunities" and history:
            added = crm.import_history(stage_changes(data), by=by)
    return added
