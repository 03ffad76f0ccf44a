"""The one filter builder: crmkit's filters -> a WHERE clause with bound parameters.

Reads, searches, counts, distinct values, paging, the newest dates and the history all
filter through ``Filter``, so a filter means the same everywhere, and so does the record rule
of the store's user (``Filter.visible_to``: who may see what; see ``accounts`` for the roles).
Values are always bound, never spliced into SQL; only names from the schema are written into
the text.
"""

from __future__ import annotations

from typing import Iterable

from ..schema import HARMLESS_PROFILE_KEY_NORMS, PROFILE_KEY_IGNORED, TABLES, Table
from .accounts import USERS_TABLE, User
from .connection import Connection


class Filter:
    """A growing list of SQL conditions on one table, and the parameters they bind.

    >>> f = Filter(db, TABLES["interactions"]).live().date_range("2026-10-01", "2026-11-01").reps("张伟")
    >>> db.arrow(f"SELECT * FROM interactions {f.where_clause()}", f.params)
    """

    def __init__(self, db: Connection, table: Table | None = None):
        self.db = db
        self.table = table
        self.conditions: list[str] = []
        self.params: list = []

    # ------------------------------------------------------------------ building blocks

    def bind(self, value) -> str:
        """Add a parameter; returns its placeholder."""
        self.params.append(value)
        return self.db.placeholder(len(self.params))

    def bind_many(self, values) -> str:
        values = [values] if isinstance(values, str) else list(values)
        return ", ".join(self.bind(v) for v in values) or "NULL"  # IN (NULL) matches nothing

    def add(self, condition: str) -> "Filter":
        self.conditions.append(condition)
        return self

    def where_clause(self) -> str:
        return "WHERE " + " AND ".join(self.conditions) if self.conditions else ""

    # ------------------------------------------------------------------ record filters

    def live(self, include_deleted: bool = False) -> "Filter":
        """Deleted records are left out unless asked for."""
        return self if include_deleted else self.add("deleted_at IS NULL")

    def of_live_customers(self, include_deleted: bool = False) -> "Filter":
        """Records of a deleted customer are left out with it (unless asked for), so a deleted
        customer's open cards leave the lead board and its orders the report's rankings.
        Records without a customer (an anonymous walk-in) stay."""
        t = self.table
        if include_deleted:
            return self
        if t.parent is not None:  # a plan's part: with its plan, live and of a live customer
            column, parent = t.parent
            return self.add(f"{column} IN (SELECT {TABLES[parent].id_column} FROM {parent} WHERE deleted_at IS NULL "
                            f"AND customer_id NOT IN (SELECT customer_id FROM customers WHERE deleted_at IS NOT NULL))")
        if t.customer_column is None or t.name == "customers":
            return self
        # Uncorrelated: both databases read the (few) deleted customers once per query, not per row.
        return self.add("(customer_id IS NULL OR customer_id NOT IN "
                        "(SELECT customer_id FROM customers WHERE deleted_at IS NOT NULL))")

    def without_sensitive(self) -> "Filter":
        """Only harmless profile facts: not flagged sensitive, and with a key on the harmless list
        (``schema.HARMLESS_PROFILE_KEYS``). Sensitive is the default, so a fact stored before the
        list existed, or flagged harmless by a file, stays hidden when its key is not on it."""
        false = "0" if self.db.backend == "sqlite" else "false"
        key = "key"
        for ch in PROFILE_KEY_IGNORED:  # the same normalisation as schema.profile_key_norm
            key = f"replace({key}, {self.bind(ch)}, '')"
        harmless = sorted(HARMLESS_PROFILE_KEY_NORMS)
        if self.db.backend == "postgresql":  # lower() of PostgreSQL also folds non-ASCII letters: none is listed
            listed = f"lower({key}) = ANY({self.bind(harmless)})"
        else:
            listed = f"lower({key}) IN ({self.bind_many(harmless)})"
        return self.add(f"(sensitive IS NULL OR sensitive = {false}) AND {listed}")

    def visible_to(self, user: User | None) -> "Filter":
        """Only the records ``user`` may see (None, or an admin: every record).

        A customer belongs to the book of the rep named in its ``owner``; every record of a
        customer (contacts, visits, cards, orders, settlements, complaints, profile facts) follows
        its customer, so handing a customer over hands over its history; a record without a
        customer (an anonymous walk-in) follows its own rep column. A rep's book is their own
        name, a manager's the names of every account of their team.
        """
        if user is None or user.is_admin:
            return self
        return self.add(self._in_book(self.table, lambda: self._book(user)))

    def _book(self, user: User) -> str:
        """The rep names of ``user``'s book, as an SQL list: read from the accounts at each query,
        so a rep joining a team shows in the manager's next read."""
        if user.role == "manager" and user.team:
            return f"(SELECT rep FROM {USERS_TABLE} WHERE team = {self.bind(user.team)})"
        return f"({self.bind(user.rep)})"

    def _in_book(self, t: Table, book) -> str:
        """The condition "``t``'s record is in the book"; ``book()`` binds the book's names (once
        per use: SQLite's ``?`` cannot be reused)."""
        if t.name == "customers":
            return f"owner IN {book()}"
        if t.parent is not None:  # a plan's part is in the book its plan is in
            return self._of_parent(t, self._in_book(TABLES[t.parent[1]], book))
        if t.customer_column is None:
            return f"{t.rep_column} IN {book()}" if t.rep_column else "1 = 0"
        owned = f"customer_id IN (SELECT customer_id FROM customers WHERE owner IN {book()})"
        if t.rep_column:
            return f"({owned} OR (customer_id IS NULL AND {t.rep_column} IN {book()}))"
        return owned

    def date_range(self, start=None, end=None) -> "Filter":
        """The table's date column: start inclusive, end exclusive."""
        if start is None and end is None:
            return self
        t = self.table
        if t.date_column is None:
            raise ValueError(f"{t.name} has no date to filter on")
        kind = t[t.date_column].kind
        if start is not None:
            self.add(f"{t.date_column} >= {self.bind(self.db.value(start, kind))}")
        if end is not None:
            self.add(f"{t.date_column} < {self.bind(self.db.value(end, kind))}")
        return self

    def ids(self, ids: Iterable[str]) -> "Filter":
        """Records by their own id (a page of a search, say)."""
        ids = [str(i) for i in ([ids] if isinstance(ids, str) else ids)]
        idc = self.table.id_column
        if self.db.backend == "postgresql" and ids:  # one array parameter: planned once, whatever the length
            return self.add(f"{idc} = ANY({self.bind(ids)})")
        return self.add(f"{idc} IN ({self.bind_many(ids)})")

    def customers(self, customer) -> "Filter":
        t = self.table
        if t.parent is not None and customer is not None:
            return self.add(self._of_parent(t, f"customer_id IN ({self.bind_many(customer)})"))
        return self._one_of(t.customer_column, "customer", customer)

    @staticmethod
    def _of_parent(t: Table, condition: str) -> str:
        """The condition "``t``'s record belongs to a parent record (its plan) meeting ``condition``"."""
        column, parent = t.parent
        return f"{column} IN (SELECT {TABLES[parent].id_column} FROM {parent} WHERE {condition})"

    def reps(self, rep) -> "Filter":
        return self._one_of(self.table.rep_column, "rep", rep)

    def _one_of(self, column: str | None, what: str, values) -> "Filter":
        """``column`` is ``values`` (one or a list); ``what`` names the column in the error."""
        if values is None:
            return self
        if column is None:
            raise ValueError(f"{self.table.name} has no {what} to filter on")
        return self.add(f"{column} IN ({self.bind_many(values)})")

    def regions(self, region) -> "Filter":
        """Matched on the customer's region, for every table about customers."""
        if region is None:
            return self
        t = self.table
        if t.name == "customers":
            return self.add(f"region IN ({self.bind_many(region)})")
        if t.customer_column or t.parent is not None:
            condition = f"customer_id IN (SELECT customer_id FROM customers WHERE region IN ({self.bind_many(region)}))"
            return self.add(condition if t.parent is None else self._of_parent(t, condition))
        raise ValueError(f"{t.name} has no region to filter on")

    def equal(self, values: dict | None) -> "Filter":
        """Exact matches on columns, e.g. ``{"status": "active"}``; None matches an empty field."""
        for name, value in (values or {}).items():
            if name not in self.table.by_name:
                raise KeyError(f"{self.table.name} has no column {name!r}; columns: {self.table.column_names}")
            if value is None:
                self.add(f"{name} IS NULL")
            else:
                self.add(f"{name} = {self.bind(self.db.value(value, self.table[name].kind))}")
        return self

    def contains(self, text: str | None, columns: Iterable[str], *, customer_names: bool = False,
                 user: User | None = None) -> "Filter":
        """Any of ``columns`` contains ``text`` (ASCII case ignored; % and _ match themselves).

        With ``customer_names``, a record also matches when its customer's name or mnemonic does.
        With a ``user`` who is not an admin, personal columns (phones, e-mails, addresses) match
        a part of their text only on the user's own customers, whose details they are shown; on
        the others (a manager's team) only the whole value matches, so searching digit by digit
        cannot read a masked phone.
        """
        text = (text or "").strip()
        if not text:
            return self
        columns = list(columns)
        hidden = [c for c in columns if user is not None and not user.is_admin and c in self.table.by_name
                  and self.table[c].personal]
        test = self._any_contains([c for c in columns if c not in hidden], text) if len(hidden) < len(columns) else ""
        if hidden:
            # bound in the order they appear in the text (SQLite's ? are positional)
            part = self._any_contains(hidden, text)
            own = self._in_book(self.table, lambda: f"({self.bind(user.rep)})")
            whole = " OR ".join(f"{c} = {self.bind(text)}" for c in hidden)
            personal = f"(({part} AND {own}) OR {whole})"
            test = f"({test} OR {personal})" if test else personal
        if customer_names:
            test = f"({test} OR customer_id IN (SELECT customer_id FROM customers WHERE "\
                   f"{self._any_contains(('name', 'mnemonic'), text)}))"
        return self.add(test)

    def _any_contains(self, columns: Iterable[str], text: str) -> str:
        # On PostgreSQL, ignoring case costs about twice a plain LIKE (ILIKE three times), so only
        # a query with letters that have a case pays it; Chinese text and digits (most searches)
        # take plain LIKE. SQLite's LIKE ignores ASCII case anyway.
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        if self.db.backend == "postgresql" and text.lower() != text.upper():
            pattern = pattern.lower()
            return "(" + " OR ".join(f"lower({c}) LIKE {self.bind(pattern)} ESCAPE '\\'" for c in columns) + ")"
        return "(" + " OR ".join(f"{c} LIKE {self.bind(pattern)} ESCAPE '\\'" for c in columns) + ")"


def record_filter(db: Connection, table: Table, *, start=None, end=None, customer=None, rep=None, region=None,
                  ids=None, where: dict | None = None, text: str | None = None, within: Iterable[str] | None = None,
                  include_deleted: bool = False, include_sensitive: bool = False, user: User | None = None) -> Filter:
    """Every filter a read of crmkit takes, in one place (see ``Store.read`` and ``Store.search``);
    ``user``'s record rule first, so no other filter can reach past it."""
    f = Filter(db, table).visible_to(user).live(include_deleted).of_live_customers(include_deleted)
    if table.name == "profile" and not include_sensitive:
        f.without_sensitive()
    f.date_range(start, end).customers(customer).reps(rep).regions(region).equal(where)
    if ids is not None:
        f.ids(ids)
    if text:
        columns = list(within) if within is not None else search_columns(table)
        f.contains(text, columns, customer_names=within is None and table.customer_column is not None
                   and table.name != "customers", user=user)
    return f


def search_columns(table: Table) -> list[str]:
    """The columns a free-text search looks in: the table's own ``search`` list, else its ids,
    names, titles and rep."""
    if table.search:
        return list(table.search)
    return [c.name for c in table.columns if c.kind == "id" or c.name in ("name", "title", table.rep_column)]
