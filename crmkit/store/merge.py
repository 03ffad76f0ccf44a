"""Bulk writes: a whole frame merged into a record table, with its history, in set-based SQL.

Writes load a whole frame into a temporary staging table, then merge it into the record
table with a handful of set-based statements (the caller owns the transaction): new ids are
inserted, changed rows updated (version + 1), unchanged rows left alone, and every change
is written to ``history``.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa

from ..schema import Table
from .connection import Connection
from .ddl import SQLITE_DATETIME_FORMAT, secondary_indexes
from .frames import to_arrow

STAGE = "crmkit_stage"
REBUILD_INDEXES_FROM = 50_000  # rows inserted at once from which indexes are rebuilt, not updated


def merge_frame(db: Connection, frame: pd.DataFrame, table: Table, *, by: str | None,
                batch: str, now: pd.Timestamp) -> dict[str, int]:
    """Upsert ``frame`` (canonical columns, id first) into ``table``; the caller owns the transaction.

    Only the columns present in ``frame`` are written: a file without an email column does
    not erase the emails already in the store. Records deleted in the store stay deleted.
    Returns the counts: inserted, updated, unchanged, skipped_deleted.
    """
    if db.scalar(f"SELECT 1 FROM {table.name} LIMIT 1") is None:
        return _load_into_empty(db, frame, table, by=by, batch=batch, now=now)
    idc = table.id_column
    data_cols = [c for c in frame.columns if c != idc]
    db.execute(f"DROP TABLE IF EXISTS {STAGE}")
    db.ingest(STAGE, _in_id_order(to_arrow(frame, table, db.backend), idc), mode="create", temporary=True)
    db.execute(f"CREATE INDEX IF NOT EXISTS {STAGE}_id ON {STAGE} ({idc})" if db.backend == "sqlite"
               else f"CREATE INDEX ON {STAGE} ({idc})")
    db.execute(f"ANALYZE {STAGE}")

    T, diff = table.name, db.differs
    cast = _stage_casts(table, db.backend)
    joined = f"FROM {STAGE} S JOIN {T} ON {T}.{idc} = S.{idc}"
    changed = " OR ".join(f"{T}.{c} {diff} {cast(c)}" for c in data_cols) or "1 = 0"
    fresh = f"FROM {STAGE} S WHERE NOT EXISTS (SELECT 1 FROM {T} WHERE {T}.{idc} = S.{idc})"

    n_total = len(frame)
    n_new = db.scalar(f"SELECT COUNT(*) {fresh}")
    n_deleted = db.scalar(f"SELECT COUNT(*) {joined} WHERE {T}.deleted_at IS NOT NULL")
    n_changed = db.scalar(f"SELECT COUNT(*) {joined} WHERE {T}.deleted_at IS NULL AND ({changed})")

    p = db.placeholder
    stamp = now.to_pydatetime() if db.backend != "sqlite" else now.strftime(SQLITE_DATETIME_FORMAT)
    if n_changed:
        text = "TEXT" if db.backend == "sqlite" else "text"
        selects = [
            f"SELECT '{T}', {T}.{idc}, 'update', '{c}', CAST({T}.{c} AS {text}), CAST({cast(c)} AS {text}), "
            f"{p(1)}, {p(2)}, {p(3)} {joined} WHERE {T}.deleted_at IS NULL AND {T}.{c} {diff} {cast(c)}"
            for c in data_cols
        ]
        db.execute(
            _HISTORY_INSERT + " " + " UNION ALL ".join(selects),
            _repeat_params(db, (stamp, by, batch), len(selects)),
        )
        sets = ", ".join(f"{c} = {cast(c)}" for c in data_cols)
        db.execute(
            f"UPDATE {T} SET {sets}, version = {T}.version + 1, modified_at = {p(1)}, modified_by = {p(2)} "
            f"FROM {STAGE} S WHERE {T}.{idc} = S.{idc} AND {T}.deleted_at IS NULL AND ({changed})",
            (stamp, by),
        )
    if n_new:
        with _indexes_rebuilt_for(db, T, n_new):
            db.execute(
                f"{_HISTORY_INSERT} SELECT '{T}', S.{idc}, 'insert', NULL, NULL, NULL, {p(1)}, {p(2)}, {p(3)} {fresh}",
                (stamp, by, batch),
            )
            cols = ", ".join([idc, *data_cols])
            vals = ", ".join([f"S.{idc}", *(cast(c) for c in data_cols)])
            db.execute(
                f"INSERT INTO {T} ({cols}, version, modified_at, modified_by) SELECT {vals}, 1, {p(1)}, {p(2)} {fresh}",
                (stamp, by),
            )
    db.execute(f"DROP TABLE {STAGE}")
    return {"inserted": n_new, "updated": n_changed, "skipped_deleted": n_deleted,
            "unchanged": n_total - n_new - n_changed - n_deleted}


_HISTORY_INSERT = ("INSERT INTO history (table_name, record_id, op, field, old_value, new_value, "
                   "changed_at, changed_by, batch)")


def _load_into_empty(db: Connection, frame: pd.DataFrame, table: Table, *, by, batch, now) -> dict[str, int]:
    """A first load has nothing to compare with: the rows go straight into the table (COPY on
    PostgreSQL), without the staging table and its joins."""
    n = len(frame)
    data = _in_id_order(to_arrow(frame, table, db.backend), table.id_column)
    stamp = db.value(now, "datetime")
    data = data.append_column("version", pa.array(np.ones(n, dtype=np.int32)))
    if db.backend == "sqlite":
        data = data.append_column("modified_at", pa.array(np.full(n, stamp, dtype=object), type=pa.string()))
    else:
        data = data.append_column("modified_at", pa.array(np.full(n, np.datetime64(now, "us")), type=pa.timestamp("us")))
    data = data.append_column("modified_by", pa.array(np.full(n, by, dtype=object), type=pa.string()))
    p = db.placeholder
    # The history of the rows this load wrote, and of no other: on PostgreSQL nothing stops an
    # editor from adding a record meanwhile (its own history row tells of it). SQLite has one writer.
    ours = "" if db.backend == "sqlite" else " WHERE xmin = pg_current_xact_id()::xid"
    with _indexes_rebuilt_for(db, table.name, n):
        db.ingest(table.name, data, mode="append")
        db.execute(f"{_HISTORY_INSERT} SELECT '{table.name}', {table.id_column}, 'insert', NULL, NULL, NULL, "
                   f"{p(1)}, {p(2)}, {p(3)} FROM {table.name}{ours}", (stamp, by, batch))
    return {"inserted": n, "updated": 0, "skipped_deleted": 0, "unchanged": 0}


@contextmanager
def _indexes_rebuilt_for(db: Connection, name: str, n_new: int):
    """On SQLite, around a big insert, drop the secondary indexes of ``name`` and of history, then rebuild them.

    Maintaining an index row by row in random key order costs several times more than
    building it again in one sorted pass, when the new rows are at least as many as the old.
    SQLite has one writer anyway, and its readers (WAL) keep reading the last commit.

    Not on PostgreSQL: there DROP INDEX locks the table ACCESS EXCLUSIVE until the import
    commits, so every read of the table and of history waited for the whole import (15 s for
    1.6M rows), and the CREATE INDEX after it holds a SHARE lock that stops every edit. Its
    indexes are kept and updated by the COPY and the INSERTs, which take only ROW EXCLUSIVE
    locks: readers and editors of other records go on. bench/bench_import_readers.py measures both.
    """
    if db.backend != "sqlite":
        yield
        return
    indexes = []
    for table_name in (name, "history"):
        if n_new >= max(REBUILD_INDEXES_FROM, db.scalar(f"SELECT COUNT(*) FROM {table_name}")):
            indexes += secondary_indexes(table_name, db.backend)
    for index_name, _ in indexes:
        db.execute(f"DROP INDEX {index_name}")
    yield
    for _, create in indexes:
        db.execute(create)


def _in_id_order(data: pa.Table, id_column: str) -> pa.Table:
    """The rows sorted by id, so that the primary key and history's (table_name, record_id) index
    grow at their end instead of at random places (PostgreSQL updates its indexes row by row)."""
    return data.sort_by([(id_column, "ascending")])


def _stage_casts(table: Table, backend: str):
    """How a staged column is read so it compares equal to the stored one."""
    def cast(name: str) -> str:
        col = table.by_name[name]
        if backend != "sqlite" and col.kind == "date":
            return f"CAST(S.{name} AS DATE)"
        return f"S.{name}"
    return cast


def _repeat_params(db: Connection, params: tuple, times: int) -> tuple:
    # SQLite's "?" is positional: each UNION ALL branch needs its own copy of the values.
    # PostgreSQL's $1..$3 can be referred to again.
    return params * times if db.backend == "sqlite" else params
