"""The history of every change: read it, add changes made outside crmkit, write one row per edit."""

from __future__ import annotations

import uuid
from typing import Iterable

import pandas as pd
import pyarrow as pa

from ..schema import TABLES, Table, table as lookup_table
from ..values import history_text
from .connection import Connection
from .ddl import SQLITE_DATETIME_FORMAT
from .frames import NULLABLE
from .query import Filter

HISTORY_OPS = ("insert", "update", "delete", "restore")
_TEXT_COLUMNS = ("table_name", "record_id", "op", "field", "old_value", "new_value", "changed_by", "batch")
_STAGE = "crmkit_history_stage"


class History:
    """The history half of ``Store`` (it needs ``self._db``, ``self.backend`` and ``self.user``)."""

    def history(self, table: str | None = None, record_id: str | None = None, *, since=None,
                fields: Iterable[str] | None = None, include_sensitive: bool = False) -> pd.DataFrame:
        """Every change (insert, update per field, delete, restore), oldest first.

        ``since`` keeps the changes made at or after that time, ``fields`` the updates of
        those fields (both filter in SQL: a month's grade moves read in milliseconds).
        Old and new values of sensitive profile facts (those ``crm.profile()`` leaves out: flagged
        sensitive, or with a key not on the harmless list) show as "***" unless include_sensitive=True.
        """
        db = self._db
        f = Filter(db)
        if self.account is not None and not self.account.is_admin:
            f.add(self._visible_history(f))
        if table is not None:
            f.add(f"table_name = {f.bind(lookup_table(table).name)}")
        if record_id is not None:
            f.add(f"record_id = {f.bind(str(record_id))}")
        if since is not None:
            f.add(f"changed_at >= {f.bind(db.value(pd.Timestamp(since), 'datetime'))}")
        if fields is not None:
            fields = [fields] if isinstance(fields, str) else list(fields)
            f.add(f"field IN ({f.bind_many([str(x) for x in fields])})")
        data = db.arrow(f"SELECT * FROM history {f.where_clause()} ORDER BY history_id", f.params)
        frame = data.to_pandas(types_mapper=NULLABLE.get)
        for c in _TEXT_COLUMNS:
            frame[c] = frame[c].astype(pd.StringDtype())
        frame["changed_at"] = pd.to_datetime(frame["changed_at"].astype(object), format="ISO8601").astype("datetime64[ns]")
        frame["history_id"] = frame["history_id"].astype("Int64")
        if not include_sensitive and (frame["table_name"] == "profile").any():
            # every fact but the ones a plain read shows: the same rule as the reads, in one place
            shown = self.ids("profile", include_deleted=True)
            hide = (frame["table_name"] == "profile") & ~frame["record_id"].isin(shown)
            for c in ("old_value", "new_value"):
                frame.loc[hide & frame[c].notna(), c] = "***"
        return frame

    def last_change(self) -> int:
        """The number of the newest history row: every write (add, update, delete, import) moves it,
        so two equal numbers mean the store holds the same records (a cache key)."""
        return int(self._db.scalar("SELECT COALESCE(MAX(history_id), 0) FROM history"))

    def history_size(self) -> int:
        """How many history rows the store keeps."""
        return int(self._db.scalar("SELECT COUNT(*) FROM history"))

    def import_history(self, frame: pd.DataFrame, *, by: str | None = None) -> int:
        """Add change rows that happened outside crmkit (e.g. a CRM's stage log) to the history.

        ``frame`` has the history's columns: table_name, record_id, op (insert, update, delete,
        restore), field, old_value, new_value, changed_at (required, the real time of the
        change); changed_by and batch are optional (default: ``by`` and a new batch id).
        Values are stored as text, like every history row. Rows already in the history (same
        table, record, op, field, old and new value and time) are skipped, so importing the same
        rows twice adds nothing. One transaction; returns the number of rows added.
        """
        # back-dated rows signed with any name: an admin's alone, and logged under the admin's name
        self._require_admin("import history")
        need = ["table_name", "record_id", "op", "field", "old_value", "new_value", "changed_at"]
        missing = [c for c in need if c not in frame]
        if missing:
            raise ValueError(f"history rows need the column(s) {missing}")
        rows = frame.copy()
        rows["table_name"] = [lookup_table(str(n)).name for n in rows["table_name"]]
        bad_op = ~rows["op"].isin(HISTORY_OPS)
        if bad_op.any():
            raise ValueError(f"unknown history op(s): {sorted(set(rows.loc[bad_op, 'op'].astype(str)))}")
        rows["changed_at"] = pd.to_datetime(rows["changed_at"])
        if rows["changed_at"].isna().any() or rows["record_id"].isna().any():
            raise ValueError("every history row needs a record_id and a changed_at")
        rows = rows.drop_duplicates(subset=need)
        if len(rows) == 0:
            return 0
        if "changed_by" not in rows:
            rows["changed_by"] = self._author(by)
        if "batch" not in rows:
            rows["batch"] = uuid.uuid4().hex[:16]
        return _append_history(self._db, rows[[*need, "changed_by", "batch"]],
                               importer=self._author(None) if self.account is not None else None)

    def _visible_history(self, f: Filter) -> str:
        """The history rows of records the store's user may see (deleted ones too), one
        condition per table sharing ``f``'s parameters."""
        parts = []
        for t in TABLES.values():
            name = f.bind(t.name)  # bound in the order of the text (SQLite's ? are positional)
            rule = Filter(f.db, t)
            rule.params = f.params  # one parameter list: the placeholders number on
            rule.visible_to(self.account)
            parts.append(f"(table_name = {name} AND record_id IN "
                         f"(SELECT {t.id_column} FROM {t.name} {rule.where_clause()}))")
        return "(" + " OR ".join(parts) + ")"

    def _log(self, db: Connection, t: Table, record_id: str, op: str, now, by: str,
             field=None, old=None, new=None, batch: str | None = None) -> None:
        """One history row for one edit, inside the edit's transaction (``batch`` ties together the
        rows of one action: a delete and the records it took along, a merge)."""
        db.execute(
            "INSERT INTO history (table_name, record_id, op, field, old_value, new_value, changed_at, changed_by, batch) "
            f"VALUES ({db.placeholders(9)})",
            (t.name, record_id, op, field, history_text(old), history_text(new), db.value(now, "datetime"), by, batch),
        )


def _append_history(db: Connection, rows: pd.DataFrame, importer: str | None = None) -> int:
    """Bulk-insert history rows not already there, in one transaction; returns how many.
    With ``importer`` (an admin of the app), the import is logged in ``import_log`` under their name."""
    texts = {c: pa.array(rows[c].map(history_text, na_action="ignore").astype(pd.StringDtype()), type=pa.string(),
                         from_pandas=True)
             for c in _TEXT_COLUMNS}
    stamps = rows["changed_at"].astype("datetime64[us]")
    if db.backend == "sqlite":
        changed = pa.array(stamps.dt.strftime(SQLITE_DATETIME_FORMAT), type=pa.string())
    else:
        changed = pa.array(stamps, type=pa.timestamp("us"))
    cols = ["table_name", "record_id", "op", "field", "old_value", "new_value", "changed_at", "changed_by", "batch"]
    data = pa.table([*(texts[c] for c in cols[:6]), changed, texts["changed_by"], texts["batch"]], names=cols)
    same_op = "IS" if db.backend == "sqlite" else "IS NOT DISTINCT FROM"
    same = " AND ".join(f"H.{c} {'=' if c in ('table_name', 'record_id', 'op', 'changed_at') else same_op} S.{c}"
                        for c in cols[:7])
    fresh = f"FROM {_STAGE} S WHERE NOT EXISTS (SELECT 1 FROM history H WHERE {same})"
    with db.transaction():
        db.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        db.ingest(_STAGE, data, mode="create", temporary=True)
        n = int(db.scalar(f"SELECT COUNT(*) {fresh}"))
        if n:
            db.execute(f"INSERT INTO history ({', '.join(cols)}) SELECT {', '.join('S.' + c for c in cols)} {fresh}")
        db.execute(f"DROP TABLE {_STAGE}")
        if importer is not None:
            db.execute(f"INSERT INTO import_log (batch, table_name, source, rows_read, inserted, imported_at, "
                       f"imported_by) VALUES ({db.placeholders(7)})",
                       (uuid.uuid4().hex[:16], "history", "import_history", len(rows), n,
                        db.value(pd.Timestamp.now().floor("s"), "datetime"), importer))
    return n
