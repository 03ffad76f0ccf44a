"""The store's one way into the database (ADBC), and the SQL dialect details of each backend.

Every read and write of crmkit goes through ``Connection``, on SQLite and PostgreSQL alike.
One driver per backend matters on SQLite: two SQLite libraries in one process (Python's
sqlite3 and the ADBC driver's own) undo each other's file locks and corrupt the database
(https://sqlite.org/howtocorrupt.html, "multiple copies of SQLite").
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pandas as pd
import pyarrow as pa

from .ddl import SQLITE_DATE_FORMAT, SQLITE_DATETIME_FORMAT

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
        self._depth = 0  # transactions open on this connection (an inner one joins the outer one)
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

    def ingest(self, name: str, data: pa.Table, *, mode: str, temporary: bool = False) -> None:
        """Bulk-load Arrow data into a table (``mode`` "create" or "append"): COPY on PostgreSQL."""
        with self.lock, self.conn.cursor() as cur:
            cur.adbc_ingest(name, data, mode=mode, temporary=temporary)

    @contextmanager
    def transaction(self):
        """All or nothing. On SQLite the write lock is taken at the start (BEGIN IMMEDIATE):
        a read-then-write transaction that starts deferred fails with "database is locked"
        when another process wrote in between. A transaction opened inside another (on the same
        thread) is part of it: it commits with the outer one, and its error undoes both."""
        with self.lock:
            if self._depth:  # inside another transaction (a plan's parts saved together): part of it
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self.execute("BEGIN IMMEDIATE" if self.backend == "sqlite" else "BEGIN")
            self._depth = 1
            try:
                yield self
            except BaseException:
                self._depth = 0
                try:
                    self.execute("ROLLBACK")
                except Exception:  # the failed statement may already have ended the transaction
                    pass
                raise
            self._depth = 0
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
