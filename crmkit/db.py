"""The store's one way into the database (ADBC), and the fast path to and from DataFrames.

Every read and write of crmkit goes through ``Connection``, on SQLite and PostgreSQL alike.
One driver per backend matters on SQLite: two SQLite libraries in one process (Python's
sqlite3 and the ADBC driver's own) undo each other's file locks and corrupt the database
(https://sqlite.org/howtocorrupt.html, "multiple copies of SQLite").

Reads fetch Arrow data straight from the database driver (no Python object per cell) and
turn it into the schema's dtypes. Writes load a whole frame into a temporary staging table,
then merge it into the record table with a handful of set-based statements in one
transaction: new ids are inserted, changed rows updated (version + 1), unchanged rows left
alone, and every change is written to ``history``.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schema import Table
from .sqlschema import SQLITE_DATE_FORMAT, SQLITE_DATETIME_FORMAT, secondary_indexes

STAGE = "crmkit_stage"
REBUILD_INDEXES_FROM = 50_000  # rows inserted at once from which indexes are rebuilt, not updated

try:
    from adbc_driver_manager import DatabaseError
except ImportError:  # pragma: no cover - the driver manager comes with both drivers
    DatabaseError = Exception


class Connection:
    """One ADBC connection and the SQL dialect details that differ between backends.

    It runs in autocommit mode; ``transaction()`` opens an explicit one. A lock makes it safe
    to share between the threads of one process (widget callbacks run on their own thread).
    """

    def __init__(self, backend: str, target: str):
        self.backend = backend
        if backend == "sqlite":
            import adbc_driver_sqlite.dbapi as driver
        else:
            import adbc_driver_postgresql.dbapi as driver
        self.conn = driver.connect(target, autocommit=True)
        self.lock = threading.RLock()
        if backend == "sqlite":
            self.execute("PRAGMA busy_timeout = 30000")
            self.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer, nor it them
            # WAL's recommended durability: a commit survives a crash of crmkit, and the file is
            # never corrupted; only a power cut may lose the last transactions.
            self.execute("PRAGMA synchronous = NORMAL")
            # Bulk imports update indexes in random key order; with SQLite's default 2 MB page
            # cache each insert reads pages from disk. 256 MB keeps them in memory.
            self.execute("PRAGMA cache_size = -262144")
            self.execute("PRAGMA temp_store = MEMORY")

    def placeholder(self, i: int) -> str:
        return "?" if self.backend == "sqlite" else f"${i}"

    def placeholders(self, n: int, start: int = 1) -> str:
        return ", ".join(self.placeholder(i) for i in range(start, start + n))

    @property
    def differs(self) -> str:
        return "IS NOT" if self.backend == "sqlite" else "IS DISTINCT FROM"

    def cursor(self):
        cur = self.conn.cursor()
        if self.backend == "sqlite":
            # SQLite columns have no fixed type; the driver infers one per batch, so read the
            # whole result as one batch to infer from every value, not from the first rows.
            cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(2**30)})
        return cur

    def execute(self, sql: str, params=()) -> None:
        with self.lock, self.conn.cursor() as cur:
            cur.execute(sql, params or None)

    def rows(self, sql: str, params=()) -> list[dict]:
        with self.lock, self.cursor() as cur:
            cur.execute(sql, params or None)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]

    def scalar(self, sql: str, params=()):
        with self.lock, self.cursor() as cur:
            cur.execute(sql, params or None)
            row = cur.fetchone()
        return None if row is None else row[0]

    def arrow(self, sql: str, params=()) -> pa.Table:
        with self.lock, self.cursor() as cur:
            cur.execute(sql, params or None)
            return cur.fetch_arrow_table()

    @contextmanager
    def transaction(self):
        """All or nothing. On SQLite the write lock is taken at the start (BEGIN IMMEDIATE):
        a read-then-write transaction that starts deferred fails with "database is locked"
        when another process wrote in between."""
        with self.lock:
            self.execute("BEGIN IMMEDIATE" if self.backend == "sqlite" else "BEGIN")
            try:
                yield self
            except BaseException:
                try:
                    self.execute("ROLLBACK")
                except Exception:  # the failed statement may already have ended the transaction
                    pass
                raise
            self.execute("COMMIT")

    def value(self, v, kind: str):
        """A Python value as this backend stores a column of ``kind``."""
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return None
        if kind in ("datetime", "date"):
            ts = pd.Timestamp(v)
            if self.backend == "sqlite":
                return ts.strftime(SQLITE_DATE_FORMAT if kind == "date" else SQLITE_DATETIME_FORMAT)
            return ts.date() if kind == "date" else ts.to_pydatetime()
        if kind == "bool":
            return int(bool(v)) if self.backend == "sqlite" else bool(v)
        if hasattr(v, "item"):  # numpy scalars
            return v.item()
        return v

    def close(self) -> None:
        with self.lock:
            self.conn.close()


# --------------------------------------------------------------------------- reading


def to_frame(data: pa.Table, table: Table, backend: str) -> pd.DataFrame:
    """Arrow columns -> the schema's pandas dtypes (strings, categoricals, datetimes, nullable numbers)."""
    arrays, names = [], []
    for name in data.column_names:
        arr = data.column(name)
        col = table.by_name.get(name)
        kind = col.kind if col else ("integer" if name == "version" else "datetime" if name in ("modified_at", "deleted_at") else "text")
        arrays.append(_cast(arr, kind, backend))
        names.append(name)
    converted = pa.table(arrays, names=names)
    frame = converted.to_pandas(types_mapper=NULLABLE.get, split_blocks=True, self_destruct=True)
    for name in names:
        col = table.by_name.get(name)
        if col is None:
            continue
        if col.kind == "enum":
            frame[name] = frame[name].astype(col.dtype)
        elif col.kind in ("datetime", "date"):
            frame[name] = frame[name].astype("datetime64[ns]")
    if "version" in frame:
        frame["version"] = frame["version"].astype("Int64")
    return frame


NULLABLE = {
    pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype(),
    pa.float64(): pd.Float64Dtype(), pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def _cast(arr: pa.ChunkedArray, kind: str, backend: str) -> pa.ChunkedArray:
    t = arr.type
    if kind in ("id", "text"):
        return arr if pa.types.is_string(t) else pc.cast(arr, pa.string())
    if kind in ("enum", "category"):
        if not pa.types.is_string(t):
            arr = pc.cast(arr, pa.string())
        return pc.dictionary_encode(arr)  # becomes a pandas categorical without a Python object per cell
    if kind in ("datetime", "date"):
        if pa.types.is_timestamp(t):
            return arr
        if pa.types.is_date(t):
            return pc.cast(arr, pa.timestamp("s"))
        if pa.types.is_string(t):
            fmt = SQLITE_DATE_FORMAT if kind == "date" else SQLITE_DATETIME_FORMAT
            return pc.strptime(arr, format=fmt, unit="s", error_is_null=True)
        return pc.cast(arr, pa.timestamp("s"))  # an all-NULL column comes back untyped
    if kind in ("money", "number"):
        return pc.cast(arr, pa.float64())
    if kind == "integer":
        return pc.cast(arr, pa.int64())
    if kind == "bool":
        return pc.cast(arr, pa.bool_())
    return arr


# --------------------------------------------------------------------------- writing


def to_arrow(frame: pd.DataFrame, table: Table, backend: str) -> pa.Table:
    """Canonical values -> Arrow columns in the form the backend stores them."""
    arrays = []
    for name in frame.columns:
        col = table.by_name.get(name)
        s = frame[name]
        kind = col.kind if col else "integer"
        if kind in ("datetime", "date"):
            s = pd.to_datetime(s)
            if backend == "sqlite":
                # Arrow's cast writes exactly SQLite's formats (YYYY-MM-DD[ HH:MM:SS]), 10x faster than strftime
                stamps = pa.array(s.astype("datetime64[s]"), type=pa.timestamp("s"), from_pandas=True)
                arrays.append(pc.cast(pc.cast(stamps, pa.date32()) if kind == "date" else stamps, pa.string()))
            else:
                unit = "date32" if kind == "date" else "timestamp"
                arr = pa.array(s.astype("datetime64[us]"), type=pa.timestamp("us"))
                arrays.append(pc.cast(arr, pa.date32()) if unit == "date32" else arr)
        elif kind in ("money", "number"):
            arrays.append(pa.array(pd.array(s, dtype="Float64").to_numpy(dtype="float64", na_value=float("nan")),
                                   mask=pd.isna(s).to_numpy(), type=pa.float64()))
        elif kind == "integer":
            arrays.append(pa.array(pd.array(s, dtype="Int64"), type=pa.int64()))
        elif kind == "bool":
            arrays.append(pa.array(pd.array(s, dtype="boolean"), type=pa.bool_()))
        else:
            if not isinstance(s.dtype, pd.StringDtype):
                s = s.astype(pd.StringDtype())  # categoricals and objects; Arrow strings pass as they are
            arrays.append(pa.array(s, type=pa.string(), from_pandas=True))
    return pa.table(arrays, names=list(frame.columns))


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
    with db.conn.cursor() as cur:
        cur.adbc_ingest(STAGE, to_arrow(frame, table, db.backend), mode="create", temporary=True)
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
    data = to_arrow(frame, table, db.backend)
    stamp = db.value(now, "datetime")
    data = data.append_column("version", pa.array(np.ones(n, dtype=np.int32)))
    if db.backend == "sqlite":
        data = data.append_column("modified_at", pa.array(np.full(n, stamp, dtype=object), type=pa.string()))
    else:
        data = data.append_column("modified_at", pa.array(np.full(n, np.datetime64(now, "us")), type=pa.timestamp("us")))
    data = data.append_column("modified_by", pa.array(np.full(n, by, dtype=object), type=pa.string()))
    p = db.placeholder
    with _indexes_rebuilt_for(db, table.name, n):
        with db.conn.cursor() as cur:
            cur.adbc_ingest(table.name, data, mode="append")
        db.execute(f"{_HISTORY_INSERT} SELECT '{table.name}', {table.id_column}, 'insert', NULL, NULL, NULL, "
                   f"{p(1)}, {p(2)}, {p(3)} FROM {table.name}", (stamp, by, batch))
    return {"inserted": n, "updated": 0, "skipped_deleted": 0, "unchanged": 0}


@contextmanager
def _indexes_rebuilt_for(db: Connection, name: str, n_new: int):
    """Around a big insert, drop the secondary indexes of ``name`` and of history, then rebuild them.

    Maintaining an index row by row in random key order costs several times more than
    building it again in one sorted pass, when the new rows are at least as many as the old.
    """
    indexes = []
    for table_name in (name, "history"):
        if n_new >= max(REBUILD_INDEXES_FROM, db.scalar(f"SELECT COUNT(*) FROM {table_name}")):
            indexes += secondary_indexes(table_name, db.backend)
    for index_name, _ in indexes:
        db.execute(f"DROP INDEX {index_name}")
    yield
    for _, create in indexes:
        db.execute(create)


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
