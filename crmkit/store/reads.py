"""Typed reads: whole tables, searches, counts, distinct values, the newest dates.

Every read filters through ``query.record_filter``, so ``start``/``end``, ``customer``,
``rep``, ``region``, ``where``, a search text and the hiding of deleted records (and of the
records of deleted customers) and of sensitive facts mean the same thing in each of them.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from ..exceptions import RecordNotFoundError
from ..schema import TABLES, Table, table as lookup_table
from ..timeframe import ACTIVITY_DATES
from .frames import to_frame
from .query import Filter, record_filter
from ..values import python_value


class Reads:
    """The read half of ``Store`` (it needs ``self._db`` and ``self.backend``)."""

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
        """Mackay 66 facts. Sensitive is the default: only facts whose key is a harmless one
        (``schema.HARMLESS_PROFILE_KEYS``: nickname, birthday, school, hobbies …) and that are not
        flagged sensitive come back; the rest (health, family, religion, id numbers …) only with
        include_sensitive=True."""
        return self.read("profile", customer=customer, include_sensitive=include_sensitive)

    def read(self, table: str, *, start=None, end=None, customer=None, rep=None, region=None,
             where: dict | None = None, include_deleted: bool = False, columns: list[str] | None = None,
             include_sensitive: bool = False) -> pd.DataFrame:
        """One table as a typed DataFrame, filtered in SQL with bound parameters, ordered by id.

        ``start``/``end`` bound the table's date column (start inclusive, end exclusive);
        ``customer`` is an id or a list of ids; ``rep`` a name or list; ``region`` a region or
        list (matched on the customer's region); ``where`` exact values of columns
        (``{"status": "open"}``). Deleted records are left out unless asked for
        (``include_deleted``), and so are the records of a deleted customer and sensitive profile
        facts (``include_sensitive``).
        """
        return self.search(table, start=start, end=end, customer=customer, rep=rep, region=region, where=where,
                           include_deleted=include_deleted, columns=columns, include_sensitive=include_sensitive)

    def search(self, table: str, text: str | None = None, *, within: Iterable[str] | None = None,
               ids: Iterable[str] | None = None, limit: int | None = None, offset: int = 0,
               columns: list[str] | None = None, **filters) -> pd.DataFrame:
        """The records whose text contains ``text``, a page at a time, as a typed DataFrame.

        ``text`` is looked for (ASCII case ignored, anywhere) in ``within`` (default: the table's
        search columns, and for records of a customer also the customer's name and mnemonic).
        ``ids`` keeps those records; ``limit``/``offset`` page through the matches in id order.
        ``filters`` are those of :meth:`read`.

        >>> crm.search("customers", "华信", limit=20)
        >>> crm.search("interactions", "张伟", where={"channel": "walk_in"}, offset=200, limit=200)
        """
        t = lookup_table(table)
        f = record_filter(self._db, t, user=self.account, text=text, within=within, ids=ids, **_read_filters(filters))
        cols = self._columns(t, columns, filters.get("include_deleted", False))
        sql = f"SELECT {', '.join(cols)} FROM {t.name} {f.where_clause()} ORDER BY {t.id_column}"
        sql += _page(limit, offset, self.backend)
        data = self._db.arrow(sql, f.params)
        return to_frame(data, t, self.backend).set_axis(range(data.num_rows), axis=0)

    def ids(self, table: str, text: str | None = None, *, within: Iterable[str] | None = None, **filters) -> list[str]:
        """The ids of the records :meth:`search` would return, in order (one scan; pages read by id)."""
        t = lookup_table(table)
        f = record_filter(self._db, t, user=self.account, text=text, within=within, **_read_filters(filters))
        return self._db.arrow(f"SELECT {t.id_column} FROM {t.name} {f.where_clause()} ORDER BY {t.id_column}",
                              f.params).column(0).to_pylist()

    def count(self, table: str, text: str | None = None, *, within: Iterable[str] | None = None, **filters) -> int:
        """How many records :meth:`search` (or :meth:`read`) would return."""
        t = lookup_table(table)
        f = record_filter(self._db, t, user=self.account, text=text, within=within, **_read_filters(filters))
        return int(self._db.scalar(f"SELECT COUNT(*) FROM {t.name} {f.where_clause()}", f.params))

    def distinct(self, table: str, column: str, *, recent: int | None = None, limit: int | None = None,
                 **filters) -> pd.Series:
        """The values ``column`` holds, with how many records hold each, most used first.

        ``recent`` looks only at the newest that many records (by id, through its index): the
        values in use now, in milliseconds at any size. Empty values are left out.

        >>> crm.distinct("customers", "region")          # a Series: region -> records
        """
        t = lookup_table(table)
        if column not in t.by_name:
            raise KeyError(f"{t.name} has no column {column!r}; columns: {t.column_names}")
        f = record_filter(self._db, t, user=self.account, **_read_filters(filters))
        rows = f"SELECT {column} FROM {t.name} {f.where_clause()}"
        if recent is not None:
            rows += f" ORDER BY {t.id_column} DESC LIMIT {int(recent)}"
        sql = (f"SELECT {column}, COUNT(*) AS n FROM ({rows}) chosen WHERE {column} IS NOT NULL "
               f"GROUP BY {column} ORDER BY n DESC, {column}" + _page(limit, 0, self.backend))
        data = self._db.arrow(sql, f.params)
        values = to_frame(data.select([0]), t, self.backend)[column]
        counts = data.column(1).to_numpy(zero_copy_only=False).astype("int64")
        if t[column].kind in ("enum", "category"):
            values = values.astype(object)
        return pd.Series(counts, index=pd.Index(values, name=column), name="records")

    def latest(self, table: str, column: str | None = None, **filters):
        """The newest value of ``column`` (default: the table's date) among the records matching
        ``filters`` (as in :meth:`read`), a Timestamp for dates; None when there is none."""
        t = lookup_table(table)
        column = column or t.date_column
        if column not in t.by_name:
            raise KeyError(f"{t.name} has no column {column!r}")
        f = record_filter(self._db, t, user=self.account, **_read_filters(filters))
        value = self._db.scalar(f"SELECT MAX({column}) FROM {t.name} {f.where_clause()}", f.params)
        if value is None:
            return None
        return pd.Timestamp(value) if t[column].kind in ("date", "datetime") else value

    def data_date(self) -> pd.Timestamp | None:
        """The day of the last recorded activity (a visit, an order, a card opened or closed, a
        settlement, a complaint): the default ``as_of`` of every analysis of this store.
        None when the store records no activity at all."""
        days = [d for d in (self.latest(t, c) for t, c in ACTIVITY_DATES) if d is not None]
        return max(days).normalize() if days else None

    def get(self, table: str, record_id: str) -> dict:
        """One record as a dict (with its ``version``); raises RecordNotFoundError."""
        t = lookup_table(table)
        row = self._row(t, str(record_id))
        # a record outside the user's book is "not found": its existence is not theirs to learn
        if row is None or row["deleted_at"] is not None or not self._visible(t, str(record_id)):
            raise RecordNotFoundError(t.name, record_id)
        return {k: row[k] for k in [*t.column_names, "version"]}

    def counts(self, *, include_deleted: bool = False) -> dict[str, int]:
        """How many records each table holds (live ones, unless ``include_deleted``)."""
        return {name: self.count(name, include_deleted=include_deleted, include_sensitive=True) for name in TABLES}

    # ------------------------------------------------------------------ internals

    def _row(self, t: Table, record_id: str, db=None) -> dict | None:
        """One stored row, deleted or not, with its version and deletion time (plain Python values)."""
        db = db or self._db
        f = Filter(db, t).ids([record_id])
        data = db.arrow(f"SELECT {', '.join(t.column_names)}, version, deleted_at FROM {t.name} {f.where_clause()}",
                        f.params)
        if data.num_rows == 0:
            return None
        frame = to_frame(data, t, self.backend)
        return {k: python_value(v) for k, v in frame.iloc[0].items()}

    def _visible(self, t: Table, record_id: str, db=None) -> bool:
        """Whether the store's user may see the record (deleted or not); always, without rules."""
        if self.account is None or self.account.is_admin:
            return True
        db = db or self._db
        f = Filter(db, t).visible_to(self.account).ids([record_id])
        return int(db.scalar(f"SELECT COUNT(*) FROM {t.name} {f.where_clause()}", f.params)) > 0

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


_FILTERS = ("start", "end", "customer", "rep", "region", "where", "include_deleted", "include_sensitive")


def _read_filters(filters: dict) -> dict:
    unknown = set(filters) - set(_FILTERS)
    if unknown:
        raise TypeError(f"unknown filter(s) {sorted(unknown)}; filters: {', '.join(_FILTERS)}")
    return filters


def _page(limit: int | None, offset: int, backend: str) -> str:
    if limit is not None:
        sql = f" LIMIT {int(limit)}"
    else:  # SQLite takes an OFFSET only after a LIMIT
        sql = " LIMIT -1" if offset and backend == "sqlite" else ""
    return sql + (f" OFFSET {int(offset)}" if offset else "")
