"""The record store: typed reads, checked imports, versioned edits and their history.

>>> crm = crmkit.open()                      # data/crm.db, or $CRMKIT_DB_URL
>>> crm = crmkit.open("postgresql+psycopg://postgres@127.0.0.1:5432/test")
>>> visits = crm.interactions(start="2026-10-01", end="2026-11-01", region="华东")
>>> row = crm.get("customers", "000123")
>>> crm.update("customers", "000123", {"phone": "13800000000"}, expected_version=row["version"])

SQLite and PostgreSQL run the same code, all through ``db.Connection``: reads and imports
take its Arrow fast path; edits are small SQL statements with bound parameters.
"""

from __future__ import annotations

import getpass
import os
import uuid
from pathlib import Path
from typing import Iterable

import pandas as pd
import sqlalchemy as sa

from . import db as dbapi, importing
from .exceptions import (ConflictError, DuplicateIdError, ImportValidationError, RecordNotFoundError,
                         RecordValidationError, StoreConnectionError)
from .schema import SENSITIVE_KEY_WORDS, TABLES, Table, table as lookup_table
from .sqlschema import create_or_upgrade

ENV_URL = "CRMKIT_DB_URL"


def project_dir(start: Path | None = None) -> Path:
    """The crmkit project folder (the one holding ``data/``), found from the working directory up.

    Notebooks run in ``notebooks/``; they must reach the same ``data/crm.db`` as the CLI.
    """
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "data").is_dir() and ((d / "pyproject.toml").exists() or (d / "crmkit").is_dir()):
            return d
    return here


def cache_dir() -> Path:
    """Where crmkit keeps what it can recompute (fitted models): $CRMKIT_CACHE_DIR or data/.cache."""
    return Path(os.environ.get("CRMKIT_CACHE_DIR") or project_dir() / "data" / ".cache")


def default_url() -> str:
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL]
    return f"sqlite:///{project_dir() / 'data' / 'crm.db'}"


def open(url: str | os.PathLike | None = None, *, user: str | None = None) -> "Store":  # noqa: A001 - crmkit.open reads well
    """Open (and create or upgrade) the store at ``url``; see ``default_url`` for the default."""
    return Store(str(url) if url else default_url(), user=user)


def _who(by: str | None, default: str | None) -> str:
    if by:
        return by
    if default:
        return default
    try:
        return os.environ.get("CRMKIT_USER") or getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


class Store:
    """A crmkit database. Create it with ``crmkit.open``."""

    def __init__(self, url: str, *, user: str | None = None):
        self.url = _normalise_url(url)
        self.user = user
        parsed = sa.engine.make_url(self.url)
        self.backend = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql"
        if self.backend == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                raise StoreConnectionError(url, "an in-memory SQLite store cannot be shared; give a file path")
            self.path: Path | None = Path(parsed.database)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._target = str(self.path)
        else:
            self.path = None
            self._target = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            self._db = dbapi.Connection(self.backend, self._target)
            create_or_upgrade(self._db)
        except (dbapi.DatabaseError, OSError) as exc:
            raise StoreConnectionError(self.url, str(exc).strip().splitlines()[0]) from exc

    def __repr__(self) -> str:
        return f"<crmkit.Store {sa.engine.make_url(self.url).render_as_string(hide_password=True)}>"

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ reads

    def customers(self, **filters) -> pd.DataFrame:
        """Customers (客户档案). Filters: start, end (on created_at), customer, rep (owner), region."""
        return self.read("customers", **filters)

    def contacts(self, **filters) -> pd.DataFrame:
        return self.read("contacts", **filters)

    def interactions(self, **filters) -> pd.DataFrame:
        """Visits, calls, walk-ins and call-ins (拜访记录, 来电/店登记). Dates filter occurred_at."""
        return self.read("interactions", **filters)

    def opportunities(self, **filters) -> pd.DataFrame:
        return self.read("opportunities", **filters)

    def orders(self, **filters) -> pd.DataFrame:
        return self.read("orders", **filters)

    def settlements(self, **filters) -> pd.DataFrame:
        return self.read("settlements", **filters)

    def complaints(self, **filters) -> pd.DataFrame:
        return self.read("complaints", **filters)

    def profile(self, customer: str | Iterable[str] | None = None, *, include_sensitive: bool = False) -> pd.DataFrame:
        """Mackay 66 facts. Sensitive ones (health, religion, family …) only with include_sensitive=True."""
        return self.read("profile", customer=customer, _allow_sensitive=include_sensitive)

    def read(self, table: str, *, start=None, end=None, customer=None, rep=None, region=None,
             include_deleted: bool = False, columns: list[str] | None = None,
             _allow_sensitive: bool = False) -> pd.DataFrame:
        """One table as a typed DataFrame, filtered in SQL with bound parameters.

        ``start``/``end`` bound the table's date column (start inclusive, end exclusive);
        ``customer`` is an id or a list of ids; ``rep`` a name or list; ``region`` a region or
        list (matched on the customer's region). Deleted records are left out unless asked for.
        """
        t = lookup_table(table)
        db = self._db
        cols = self._columns(t, columns, include_deleted)
        where, params = self._where(t, db, start=start, end=end, customer=customer, rep=rep, region=region,
                                    include_deleted=include_deleted)
        if t.name == "profile" and not _allow_sensitive:
            where.append("(sensitive IS NULL OR sensitive = " + ("0" if self.backend == "sqlite" else "false") + ")")
        sql = f"SELECT {', '.join(cols)} FROM {t.name}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {t.id_column}"
        data = db.arrow(sql, params)
        return dbapi.to_frame(data, t, self.backend).set_axis(range(data.num_rows), axis=0)

    def _columns(self, t: Table, columns, include_deleted) -> list[str]:
        if columns is None:
            cols = [*t.column_names, "version"]
        else:
            unknown = [c for c in columns if c not in t.by_name and c != "version"]
            if unknown:
                raise KeyError(f"{t.name} has no column(s) {unknown}; columns: {t.column_names}")
            cols = list(dict.fromkeys([t.id_column, *columns]))
        if include_deleted:
            cols.append("deleted_at")
        return cols

    def _where(self, t: Table, db: dbapi.Connection, *, start, end, customer, rep, region, include_deleted):
        where: list[str] = []
        params: list = []

        def bind(value) -> str:
            params.append(value)
            return db.placeholder(len(params))

        def bind_many(values) -> str:
            values = [values] if isinstance(values, str) else list(values)
            return ", ".join(bind(v) for v in values) or "NULL"  # IN (NULL) matches nothing

        if not include_deleted:
            where.append("deleted_at IS NULL")
        if start is not None or end is not None:
            if t.date_column is None:
                raise ValueError(f"{t.name} has no date to filter on")
            kind = t[t.date_column].kind
            if start is not None:
                where.append(f"{t.date_column} >= {bind(db.value(start, kind))}")
            if end is not None:
                where.append(f"{t.date_column} < {bind(db.value(end, kind))}")
        if customer is not None:
            if t.customer_column is None:
                raise ValueError(f"{t.name} has no customer to filter on")
            where.append(f"{t.customer_column} IN ({bind_many(customer)})")
        if rep is not None:
            if t.rep_column is None:
                raise ValueError(f"{t.name} has no rep to filter on")
            where.append(f"{t.rep_column} IN ({bind_many(rep)})")
        if region is not None:
            if t.name == "customers":
                where.append(f"region IN ({bind_many(region)})")
            elif t.customer_column:
                where.append(f"customer_id IN (SELECT customer_id FROM customers WHERE region IN ({bind_many(region)}))")
            else:
                raise ValueError(f"{t.name} has no region to filter on")
        return where, params

    def get(self, table: str, record_id: str) -> dict:
        """One record as a dict (with its ``version``); raises RecordNotFoundError."""
        t = lookup_table(table)
        row = self._row(t, str(record_id))
        if row is None or row["deleted_at"] is not None:
            raise RecordNotFoundError(t.name, record_id)
        return {k: row[k] for k in [*t.column_names, "version"]}

    def _row(self, t: Table, record_id: str, db: dbapi.Connection | None = None) -> dict | None:
        db = db or self._db
        data = db.arrow(f"SELECT {', '.join(t.column_names)}, version, deleted_at FROM {t.name} "
                        f"WHERE {t.id_column} = {db.placeholder(1)}", (record_id,))
        if data.num_rows == 0:
            return None
        frame = dbapi.to_frame(data, t, self.backend)
        return {k: _python(v) for k, v in frame.iloc[0].items()}

    def history(self, table: str | None = None, record_id: str | None = None, *, since=None,
                fields: Iterable[str] | None = None, include_sensitive: bool = False) -> pd.DataFrame:
        """Every change (insert, update per field, delete, restore), oldest first.

        ``since`` keeps the changes made at or after that time, ``fields`` the updates of
        those fields (both filter in SQL: a month's grade moves read in milliseconds).
        Old and new values of sensitive profile facts show as "***" unless include_sensitive=True.
        """
        db = self._db
        where, params = [], []

        def bind(value) -> str:
            params.append(value)
            return db.placeholder(len(params))

        if table is not None:
            where.append(f"table_name = {bind(lookup_table(table).name)}")
        if record_id is not None:
            where.append(f"record_id = {bind(str(record_id))}")
        if since is not None:
            where.append(f"changed_at >= {bind(db.value(pd.Timestamp(since), 'datetime'))}")
        if fields is not None:
            fields = [fields] if isinstance(fields, str) else list(fields)
            if not fields:
                where.append("1 = 0")
            else:
                where.append(f"field IN ({', '.join(bind(str(f)) for f in fields)})")
        sql = "SELECT * FROM history" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY history_id"
        data = self._db.arrow(sql, params)
        frame = data.to_pandas(types_mapper=dbapi.NULLABLE.get)
        for c in ("table_name", "record_id", "op", "field", "old_value", "new_value", "changed_by", "batch"):
            frame[c] = frame[c].astype(pd.StringDtype())
        frame["changed_at"] = pd.to_datetime(frame["changed_at"].astype(object), format="ISO8601").astype("datetime64[ns]")
        frame["history_id"] = frame["history_id"].astype("Int64")
        if not include_sensitive and (frame["table_name"] == "profile").any():
            secret = self._db.arrow("SELECT fact_id FROM profile WHERE sensitive = "
                                    + ("1" if self.backend == "sqlite" else "true")).column(0).to_pylist()
            hide = (frame["table_name"] == "profile") & frame["record_id"].isin(secret)
            for c in ("old_value", "new_value"):
                frame.loc[hide & frame[c].notna(), c] = "***"
        return frame

    # ------------------------------------------------------------------ imports

    def import_file(self, path, table: str, *, columns: dict[str, str] | None = None, on_error: str = "raise",
                    sheet: str | int | None = None, by: str | None = None,
                    progress=None) -> importing.ImportReport:
        """Check a CSV/.xlsx file and write it in one transaction; see ``importing`` for the rules.

        ``on_error="raise"`` (default): any error writes nothing and raises ImportValidationError,
        whose ``report`` lists every problem. ``on_error="skip"``: the good rows are written, the
        bad ones listed in the returned report. Importing the same file twice changes nothing.
        ``progress``, if given, is called with the name of each stage as it starts
        ("reading", "checking", "writing").
        """
        step = progress or (lambda stage: None)
        t = lookup_table(table)
        path = Path(path)
        step("reading")
        cells = importing.read_cells(path, sheet)
        step("checking")
        checked = importing.check_cells(cells, str(path), t, columns, known_customers=self._known_customers(t))
        step("writing")
        return self._write_checked(checked, t, on_error, by, source=str(path))

    def import_frame(self, frame: pd.DataFrame, table: str, *, on_error: str = "raise", by: str | None = None,
                     source: str = "<DataFrame>") -> importing.ImportReport:
        """Like ``import_file`` for a DataFrame with canonical (or the forms') column names."""
        t = lookup_table(table)
        checked = importing.check_frame(frame, source, t, known_customers=self._known_customers(t))
        return self._write_checked(checked, t, on_error, by, source=source)

    def _known_customers(self, t: Table) -> pd.Series | None:
        """Every customer id in the store -> whether it was deleted (for the reference check)."""
        if t.name == "customers" or "customer_id" not in t.by_name:
            return None
        data = self._db.arrow("SELECT customer_id, deleted_at IS NOT NULL AS deleted FROM customers")
        return pd.Series(data.column(1).to_numpy(zero_copy_only=False).astype(bool),
                         index=pd.Index(data.column(0).to_pandas(), dtype=object))

    def _write_checked(self, checked: importing.CheckedFrame, t: Table, on_error: str, by, source: str):
        if on_error not in ("raise", "skip"):
            raise ValueError("on_error must be 'raise' or 'skip'")
        report = checked.report
        if report.errors and on_error == "raise":
            raise ImportValidationError(report)
        good = checked.frame[~checked.bad]
        report.skipped = int(checked.bad.sum())
        if t.name == "profile":
            good = _flag_sensitive(good)
        batch = uuid.uuid4().hex[:16]
        now = pd.Timestamp.now().floor("s")
        who = _who(by, self.user)
        db = self._db
        with db.transaction():  # one import, one transaction
            counts = dbapi.merge_frame(db, good, t, by=who, batch=batch, now=now) if len(good) else \
                {"inserted": 0, "updated": 0, "unchanged": 0, "skipped_deleted": 0}
            db.execute(
                f"INSERT INTO import_log (batch, table_name, source, rows_read, inserted, updated, unchanged, skipped, "
                f"imported_at, imported_by) VALUES ({db.placeholders(10)})",
                (batch, t.name, source, report.rows_read, counts["inserted"], counts["updated"],
                 counts["unchanged"], report.skipped, db.value(now, "datetime"), who),
            )
        report.inserted, report.updated = counts["inserted"], counts["updated"]
        report.unchanged, report.skipped_deleted = counts["unchanged"], counts["skipped_deleted"]
        report.written = True
        return report

    def import_history(self, frame: pd.DataFrame, *, by: str | None = None) -> int:
        """Add change rows that happened outside crmkit (e.g. a CRM's stage log) to the history.

        ``frame`` has the history's columns: table_name, record_id, op (insert, update, delete,
        restore), field, old_value, new_value, changed_at (required, the real time of the
        change); changed_by and batch are optional (default: ``by`` and a new batch id).
        Values are stored as text, like every history row. Rows already in the history (same
        table, record, op, field, old and new value and time) are skipped, so importing the same
        rows twice adds nothing. One transaction; returns the number of rows added.
        """
        need = ["table_name", "record_id", "op", "field", "old_value", "new_value", "changed_at"]
        missing = [c for c in need if c not in frame]
        if missing:
            raise ValueError(f"history rows need the column(s) {missing}")
        rows = frame.copy()
        rows["table_name"] = [lookup_table(str(n)).name for n in rows["table_name"]]
        bad_op = ~rows["op"].isin(["insert", "update", "delete", "restore"])
        if bad_op.any():
            raise ValueError(f"unknown history op(s): {sorted(set(rows.loc[bad_op, 'op'].astype(str)))}")
        rows["changed_at"] = pd.to_datetime(rows["changed_at"])
        if rows["changed_at"].isna().any() or rows["record_id"].isna().any():
            raise ValueError("every history row needs a record_id and a changed_at")
        rows = rows.drop_duplicates(subset=need)
        if len(rows) == 0:
            return 0
        batch = uuid.uuid4().hex[:16]
        if "changed_by" not in rows:
            rows["changed_by"] = _who(by, self.user)
        if "batch" not in rows:
            rows["batch"] = batch
        return _append_history(self._db, rows[[*need, "changed_by", "batch"]])

    # ------------------------------------------------------------------ edits

    def add(self, table: str, record: dict, *, by: str | None = None) -> dict:
        """Add one record; returns it as stored (with its id and version 1)."""
        t = lookup_table(table)
        record = dict(record)
        if _blank_to_none(record.get(t.id_column)) is None:
            record[t.id_column] = f"{t.id_prefix}{uuid.uuid4().hex[:12].upper()}"
        for col in t.columns:  # so that a missing required field is reported like an empty one
            if col.required:
                record.setdefault(col.name, None)
        values = self._check_record(t, record, partial=False)
        if t.name == "profile" and _sensitive_key(values.get("key")):
            values["sensitive"] = True
        rid = values[t.id_column]
        now, who = pd.Timestamp.now().floor("s"), _who(by, self.user)
        db = self._db
        with db.transaction():
            if db.scalar(f"SELECT 1 FROM {t.name} WHERE {t.id_column} = {db.placeholder(1)}", (rid,)):
                raise DuplicateIdError(t.name, rid)
            self._check_references(db, t, values)
            names = [*values, "version", "modified_at", "modified_by"]
            params = [db.value(v, t[k].kind) for k, v in values.items()] + [1, db.value(now, "datetime"), who]
            db.execute(f"INSERT INTO {t.name} ({', '.join(names)}) VALUES ({db.placeholders(len(names))})", params)
            self._log(db, t, rid, "insert", now, who)
        return self.get(t.name, rid)

    def update(self, table: str, record_id: str, changes: dict, *, expected_version: int,
               by: str | None = None) -> dict:
        """Change fields of one record, if nobody changed it since you read ``expected_version``.

        Raises ConflictError (naming your value and the store's for each field) when the record
        moved on; nothing is overwritten. Returns the record as stored, with its new version.
        """
        t = lookup_table(table)
        record_id = str(record_id)
        if t.id_column in changes and str(changes[t.id_column]) != record_id:
            raise RecordValidationError(t.name, [importing.Problem("", None, t.id_column, changes[t.id_column],
                                                                   "the id of a record cannot be changed")])
        changes = {k: v for k, v in changes.items() if k != t.id_column}
        stored = self._row(t, record_id)
        if stored is None:
            raise RecordNotFoundError(t.name, record_id)
        values = self._check_changes(t, record_id, changes, stored)
        now, who = pd.Timestamp.now().floor("s"), _who(by, self.user)
        db = self._db
        with db.transaction():
            current = self._row(t, record_id, db)
            if current is None:
                raise RecordNotFoundError(t.name, record_id)
            if current["deleted_at"] is not None or current["version"] != expected_version:
                raise ConflictError(t.name, record_id, expected_version, current["version"],
                                    {k: (current[k], v) for k, v in values.items()},
                                    deleted=current["deleted_at"] is not None)
            self._check_references(db, t, values)
            diff = {k: v for k, v in values.items() if not _same(current[k], v)}
            if t.name == "profile" and "key" in diff and _sensitive_key(diff["key"]) and not current["sensitive"]:
                diff["sensitive"] = True  # a fact renamed into a sensitive one becomes one
            if not diff:
                return self.get(t.name, record_id)
            p = db.placeholder
            sets = ", ".join(f"{k} = {p(i)}" for i, k in enumerate(diff, start=1))
            n = len(diff)
            params = [db.value(v, t[k].kind) for k, v in diff.items()]
            params += [expected_version + 1, db.value(now, "datetime"), who, record_id, expected_version]
            # The version test in WHERE is what makes this safe against a concurrent writer;
            # RETURNING tells whether the row matched (ADBC reports no row count).
            done = db.rows(
                f"UPDATE {t.name} SET {sets}, version = {p(n + 1)}, modified_at = {p(n + 2)}, modified_by = {p(n + 3)} "
                f"WHERE {t.id_column} = {p(n + 4)} AND version = {p(n + 5)} AND deleted_at IS NULL RETURNING version",
                params,
            )
            if not done:
                latest = self._row(t, record_id, db)
                raise ConflictError(t.name, record_id, expected_version, latest["version"],
                                    {k: (latest[k], v) for k, v in values.items()})
            for k, v in diff.items():
                self._log(db, t, record_id, "update", now, who, field=k, old=current[k], new=v)
        return self.get(t.name, record_id)

    def delete(self, table: str, record_id: str, *, expected_version: int | None = None,
               by: str | None = None) -> None:
        """Soft-delete one record: it leaves the reads, stays in the database and its history."""
        self._set_deleted(table, record_id, expected_version, by, deleted=True)

    def restore(self, table: str, record_id: str, *, by: str | None = None) -> dict:
        """Bring back a deleted record."""
        self._set_deleted(table, record_id, None, by, deleted=False)
        return self.get(table, record_id)

    def _set_deleted(self, table, record_id, expected_version, by, deleted: bool) -> None:
        t = lookup_table(table)
        record_id = str(record_id)
        now, who = pd.Timestamp.now().floor("s"), _who(by, self.user)
        db = self._db
        with db.transaction():
            current = self._row(t, record_id, db)
            if current is None or (current["deleted_at"] is not None) == deleted:
                raise RecordNotFoundError(t.name, record_id)
            if expected_version is not None and current["version"] != expected_version:
                raise ConflictError(t.name, record_id, expected_version, current["version"], {})
            p = db.placeholder
            stamp = db.value(now, "datetime")
            db.execute(
                f"UPDATE {t.name} SET deleted_at = {p(1)}, version = {p(2)}, modified_at = {p(3)}, modified_by = {p(4)} "
                f"WHERE {t.id_column} = {p(5)}",
                (stamp if deleted else None, current["version"] + 1, stamp, who, record_id),
            )
            self._log(db, t, record_id, "delete" if deleted else "restore", now, who)

    def _log(self, db, t: Table, record_id: str, op: str, now, who, field=None, old=None, new=None) -> None:
        db.execute(
            "INSERT INTO history (table_name, record_id, op, field, old_value, new_value, changed_at, changed_by) "
            f"VALUES ({db.placeholders(8)})",
            (t.name, record_id, op, field, _text(old), _text(new), db.value(now, "datetime"), who),
        )

    def check(self, table: str, record: dict, *, record_id: str | None = None) -> list[importing.Problem]:
        """What is wrong with ``record`` by the store's rules, without writing anything.

        With ``record_id``, ``record`` holds the changes to that stored record, checked as
        :meth:`update` would check them; without it, a new record, checked as :meth:`add`
        would (an unknown customer id included). Returns the errors (empty when valid), each
        naming its column, value and reason: the same rules as an import, so a form accepts
        exactly what a file would.
        """
        t = lookup_table(table)
        record = dict(record)
        try:
            if record_id is None:
                if _blank_to_none(record.get(t.id_column)) is None:
                    record[t.id_column] = f"{t.id_prefix}CHECK"
                for col in t.columns:
                    if col.required:
                        record.setdefault(col.name, None)
                values = self._check_record(t, record, partial=False)
            else:
                stored = self._row(t, str(record_id))
                if stored is None:
                    raise RecordNotFoundError(t.name, record_id)
                values = self._check_changes(t, str(record_id), record, stored)
            self._check_references(self._db, t, values)
        except RecordValidationError as err:
            return list(err.problems)
        return []

    # Fields that the table's rules compare with each other: a change to one is checked
    # against the stored values of the others (and a problem may land on any of them).
    _RULE_FIELDS = {
        "settlements": {"receivable", "received", "outstanding"},
        "complaints": {"received_at", "resolved_at"},
        "opportunities": {"created_at", "closed_at"},
    }

    def _check_changes(self, t: Table, record_id: str, changes: dict, stored: dict) -> dict:
        """Check ``changes`` as part of the record they change: the record after the update must be valid.

        Returns the values to write: the changes, parsed, plus what follows from them
        (a settlement's outstanding amount when its receivable or received amount changes).
        Problems with fields the update leaves alone are not the editor's to fix and are ignored.
        """
        unknown = [k for k in changes if k not in t.by_name]
        if unknown:
            raise RecordValidationError(t.name, [importing.Problem("", None, k, changes[k], f"{t.name} has no field {k!r}")
                                                 for k in unknown])
        merged = {k: stored[k] for k in t.column_names}
        derived = set()
        if t.name == "settlements" and {"receivable", "received"} & set(changes) and "outstanding" not in changes:
            merged["outstanding"] = None  # recomputed from the new amounts
            derived.add("outstanding")
        merged.update(changes)
        merged[t.id_column] = record_id
        rule_fields = self._RULE_FIELDS.get(t.name, set())
        relevant = set(changes) | derived | (rule_fields if rule_fields & set(changes) else set())
        frame = pd.DataFrame([{k: _blank_to_none(v) for k, v in merged.items()}], dtype=object)
        checked = importing.check_frame(frame, "", t, partial=True)
        errors = [p for p in checked.report.errors if p.column in relevant or p.column is None]
        if errors:
            raise RecordValidationError(t.name, errors)
        row = checked.frame.iloc[0]
        return {k: _python(row[k]) for k in checked.frame.columns if k in changes or k in derived}

    def _check_record(self, t: Table, record: dict, *, partial: bool) -> dict:
        """Parse and check one record with the importer's rules; raise RecordValidationError."""
        unknown = [k for k in record if k not in t.by_name]
        if unknown:
            raise RecordValidationError(t.name, [importing.Problem("", None, k, record[k], f"{t.name} has no field {k!r}")
                                                 for k in unknown])
        frame = pd.DataFrame([{k: _blank_to_none(v) for k, v in record.items()}], dtype=object)
        checked = importing.check_frame(frame, "", t, partial=partial)
        if checked.report.errors:
            raise RecordValidationError(t.name, checked.report.errors)
        if checked.frame.empty:  # every field blank: the importer drops such rows as empty lines
            raise RecordValidationError(t.name, [importing.Problem("", None, None, None, "the record is empty")])
        row = checked.frame.iloc[0]
        derived = {"outstanding"} if t.name == "settlements" else set()  # receivable − received, when not given
        return {k: _python(row[k]) for k in checked.frame.columns if k in record or k in derived}

    def _check_references(self, db, t: Table, values: dict) -> None:
        cid = values.get("customer_id")
        if t.name == "customers" or cid is None:
            return
        if db.scalar(f"SELECT 1 FROM customers WHERE customer_id = {db.placeholder(1)}", (cid,)) is None:
            raise RecordValidationError(t.name, [importing.Problem("", None, "customer_id", cid,
                                                                   f"unknown customer {cid!r}")])

    # ------------------------------------------------------------------ export

    def export(self, table: str, path, *, lang: str = "zh", **filters) -> Path:
        """Write a table to .xlsx or .csv with the forms' headers (lang="zh") or English ones."""
        from .exporting import export_frame

        t = lookup_table(table)
        frame = self.read(t.name, **filters).drop(columns=["version"])
        return export_frame(frame, t, path, lang=lang)

    def last_change(self) -> int:
        """The number of the newest history row: every write (add, update, delete, import) moves it,
        so two equal numbers mean the store holds the same records (a cache key)."""
        return int(self._db.scalar("SELECT COALESCE(MAX(history_id), 0) FROM history"))

    def counts(self) -> dict[str, int]:
        """How many live records each table holds."""
        db = self._db
        return {name: int(db.scalar(f"SELECT COUNT(*) FROM {name} WHERE deleted_at IS NULL")) for name in TABLES}


# --------------------------------------------------------------------------- helpers

_HISTORY_STAGE = "crmkit_history_stage"


def _append_history(db: dbapi.Connection, rows: pd.DataFrame) -> int:
    """Bulk-insert history rows not already there, in one transaction; returns how many."""
    import pyarrow as pa

    from .sqlschema import SQLITE_DATETIME_FORMAT

    texts = {c: pa.array(rows[c].map(_text, na_action="ignore").astype(pd.StringDtype()), type=pa.string(),
                         from_pandas=True)
             for c in ("table_name", "record_id", "op", "field", "old_value", "new_value", "changed_by", "batch")}
    stamps = rows["changed_at"].astype("datetime64[us]")
    if db.backend == "sqlite":
        changed = pa.array(stamps.dt.strftime(SQLITE_DATETIME_FORMAT), type=pa.string())
    else:
        changed = pa.array(stamps, type=pa.timestamp("us"))
    cols = ["table_name", "record_id", "op", "field", "old_value", "new_value", "changed_at", "changed_by", "batch"]
    data = pa.table([*(texts[c] for c in cols[:6]), changed, texts["changed_by"], texts["batch"]], names=cols)
    same = " AND ".join(f"H.{c} {'=' if c in ('table_name', 'record_id', 'op', 'changed_at') else 'IS NOT DISTINCT FROM'} S.{c}"
                        for c in cols[:7])
    if db.backend == "sqlite":
        same = same.replace("IS NOT DISTINCT FROM", "IS")
    fresh = f"FROM {_HISTORY_STAGE} S WHERE NOT EXISTS (SELECT 1 FROM history H WHERE {same})"
    with db.transaction():
        db.execute(f"DROP TABLE IF EXISTS {_HISTORY_STAGE}")
        with db.conn.cursor() as cur:
            cur.adbc_ingest(_HISTORY_STAGE, data, mode="create", temporary=True)
        n = int(db.scalar(f"SELECT COUNT(*) {fresh}"))
        if n:
            db.execute(f"INSERT INTO history ({', '.join(cols)}) SELECT {', '.join('S.' + c for c in cols)} {fresh}")
        db.execute(f"DROP TABLE {_HISTORY_STAGE}")
    return n


def _normalise_url(url: str) -> str:
    if "://" not in url:  # a plain path means an SQLite file
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sensitive_key(key) -> bool:
    return isinstance(key, str) and any(w in key.lower() for w in SENSITIVE_KEY_WORDS)


def _flag_sensitive(frame: pd.DataFrame) -> pd.DataFrame:
    """Mark profile facts whose key names a sensitive matter (health, religion …) as sensitive."""
    if "key" not in frame:
        return frame
    by_key = frame["key"].fillna("").str.lower().str.contains("|".join(SENSITIVE_KEY_WORDS))
    frame = frame.copy()
    given = frame["sensitive"] if "sensitive" in frame else pd.Series(pd.NA, index=frame.index, dtype="boolean")
    frame["sensitive"] = (given.fillna(False).astype(bool) | by_key).astype("boolean")
    return frame


def _blank_to_none(v):
    if isinstance(v, str) and not v.strip():
        return None
    return v


def _python(v):
    """A parsed pandas scalar as the plain Python value SQLAlchemy binds."""
    if v is None or v is pd.NA or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item"):
        return v.item()
    return v


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if hasattr(a, "year") and hasattr(b, "year"):
        return pd.Timestamp(a) == pd.Timestamp(b)
    return a == b


def _text(v) -> str | None:
    if v is None:
        return None
    if hasattr(v, "isoformat"):
        return pd.Timestamp(v).isoformat(sep=" ")
    return str(v)
