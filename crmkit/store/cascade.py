"""Records that name another record (a customer's contacts, visits, cards, orders …): counting
them, and soft-deleting or restoring many rows at once, each with its history row.

Which records name which comes from the schema (``Column.references``), so a new table that
refers to customers is covered without a change here. Every function runs inside the caller's
transaction, in set-based SQL (one statement for the history rows, one for the records).
"""

from __future__ import annotations

from typing import Callable

from ..schema import TABLES, Table
from .connection import Connection
from .query import Filter


def referrers(table_name: str) -> list[tuple[Table, str]]:
    """Every (table, column) whose column holds an id of ``table_name``, in the schema's order."""
    return [(t, c.name) for t in TABLES.values() for c in t.columns if c.references == table_name]


def attached_counts(db: Connection, table_name: str, record_id: str) -> dict[str, int]:
    """How many live records of each table name ``record_id`` (tables with none left out)."""
    counts = {}
    for t, column in referrers(table_name):
        f = Filter(db, t).live()
        f.add(f"{column} = {f.bind(record_id)}")
        n = int(db.scalar(f"SELECT COUNT(*) FROM {t.name} {f.where_clause()}", f.params))
        if n:
            counts[t.name] = n
    return counts


def delete_attached(db: Connection, table_name: str, record_id: str, *, now, by: str, batch: str) -> dict[str, int]:
    """Soft-delete the live records naming ``record_id``, signed ``by``, their history rows in ``batch``."""
    done = {}
    for t, column in referrers(table_name):
        n = set_deleted(db, t, lambda f, c=column: f.add(f"{c} = {f.bind(record_id)}"),
                        deleted=True, now=now, by=by, batch=batch)
        if n:
            done[t.name] = n
    return done


def restore_attached(db: Connection, table_name: str, record_id: str, *, deleted_batch: str, deleted_at,
                     now, by: str, batch: str) -> dict[str, int]:
    """Restore the records naming ``record_id`` that the delete of ``deleted_batch`` took with it
    (and only those: one deleted earlier, or again since, stays deleted)."""
    done = {}
    stamp = db.value(deleted_at, "datetime")
    for t, column in referrers(table_name):
        def pick(f: Filter, c=column, t=t) -> Filter:
            f.add(f"{c} = {f.bind(record_id)}")
            f.add(f"deleted_at = {f.bind(stamp)}")
            # correlated, so each of the record's few rows is looked up in the history's index
            return f.add(f"EXISTS (SELECT 1 FROM history H WHERE H.table_name = {f.bind(t.name)} "
                         f"AND H.record_id = {t.name}.{t.id_column} AND H.op = 'delete' "
                         f"AND H.batch = {f.bind(deleted_batch)})")
        n = set_deleted(db, t, pick, deleted=False, now=now, by=by, batch=batch)
        if n:
            done[t.name] = n
    return done


def set_deleted(db: Connection, t: Table, where: Callable[[Filter], Filter], *, deleted: bool, now, by: str,
                batch: str, field: str | None = None, new_value: str | None = None) -> int:
    """Soft-delete (``deleted``) or restore the rows of ``t`` that ``where`` picks among the live
    (or the deleted) ones: version + 1, and one history row each ("delete" or "restore", with
    ``field``/``new_value`` when given, e.g. merged_into -> the customer kept). Returns how many."""
    stamp = db.value(now, "datetime")

    def rows(*head) -> tuple[Filter, list[str]]:
        # the values written come first: SQLite's "?" are numbered by their place in the text
        f = Filter(db, t)
        marks = [f.bind(v) for v in head]
        f.add("deleted_at IS NULL" if deleted else "deleted_at IS NOT NULL")
        return where(f), marks

    f, _ = rows()
    n = int(db.scalar(f"SELECT COUNT(*) FROM {t.name} {f.where_clause()}", f.params))
    if not n:
        return 0
    op = "delete" if deleted else "restore"
    texts = [v for v in (field, new_value) if v is not None]
    f, marks = rows(*texts, stamp, by, batch)
    field_sql = marks.pop(0) if field is not None else "NULL"
    value_sql = marks.pop(0) if new_value is not None else "NULL"
    db.execute(
        "INSERT INTO history (table_name, record_id, op, field, old_value, new_value, changed_at, changed_by, batch) "
        f"SELECT '{t.name}', {t.id_column}, '{op}', {field_sql}, NULL, {value_sql}, {marks[0]}, {marks[1]}, {marks[2]} "
        f"FROM {t.name} {f.where_clause()}", f.params)
    if deleted:
        f, marks = rows(stamp, stamp, by)
        sets = f"deleted_at = {marks[0]}, modified_at = {marks[1]}, modified_by = {marks[2]}"
    else:
        f, marks = rows(stamp, by)
        sets = f"deleted_at = NULL, modified_at = {marks[0]}, modified_by = {marks[1]}"
    db.execute(f"UPDATE {t.name} SET {sets}, version = version + 1 {f.where_clause()}", f.params)
    return n
