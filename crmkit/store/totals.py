"""Rules of several records (``rules.GroupTotal``: a plan's KPI weights sum to 100%), run against
the store: a write's records together with the other live records of their groups, read inside
the write's transaction, so the rule sees each group as it will be once the write is done.

Every write path calls here (``Edits`` for an add, update, delete or restore, ``Imports`` for a
file, ``Combine`` after a merge), so a group whose total is off is refused however it came about.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from ..rules import GroupTotal, rules_for
from ..schema import Table
from .connection import Connection
from .frames import to_frame
from .query import Filter


def total_rules(t: Table) -> list[GroupTotal]:
    return [r for r in rules_for(t.name) if isinstance(r, GroupTotal)]


def group_after(db: Connection, t: Table, rule: GroupTotal, written: pd.DataFrame, *,
                groups: list = (), removed: list = ()) -> pd.DataFrame:
    """Every live record of the groups ``written`` names (and of ``groups``) as they will be after
    the write: ``written`` first (rows 0, 1, … in its order), then the stored ones it does not
    replace and that are not ``removed``."""
    idc = t.id_column
    mine = written.reset_index(drop=True).reindex(columns=[idc, rule.group, rule.column]).astype(object)
    wanted = sorted({str(g) for g in [*mine[rule.group].dropna(), *groups] if g is not None})
    if not wanted:
        return mine
    f = Filter(db, t).live()
    f.add(f"{rule.group} IN ({f.bind_many(wanted)})")
    data = db.arrow(f"SELECT {idc}, {rule.group}, {rule.column} FROM {t.name} {f.where_clause()}", f.params)
    stored = to_frame(data, t, db.backend).astype(object)
    gone = {str(i) for i in [*mine[idc].dropna(), *removed]}
    stored = stored[~stored[idc].astype(str).isin(gone)]
    stored.index = range(len(mine), len(mine) + len(stored))
    return pd.concat([mine, stored]) if len(mine) else stored


def total_faults(db: Connection, t: Table, written: pd.DataFrame, *, groups: Iterable = (),
                 removed: Iterable[str] = ()) -> list[tuple[GroupTotal, pd.DataFrame, pd.Series]]:
    """Each total rule of ``t`` with its groups after the write and what it found there:
    ``(rule, frame, reasons)``, ``reasons`` indexed like ``frame``, whose first ``len(written)``
    rows are ``written``'s, in order. A rule whose fields ``written`` leaves alone is not run,
    unless extra ``groups`` or ``removed`` records say a group changed anyway."""
    groups, removed = list(groups), list(removed)
    found = []
    for rule in total_rules(t):
        if not set(rule.columns) & set(written.columns) and not groups and not removed:
            continue
        frame = group_after(db, t, rule, written, groups=groups, removed=removed)
        found.append((rule, frame, rule.violations(frame)))
    return found
