"""``Store``: one crmkit database, opened (and created or upgraded) from its URL.

The class only opens and closes; each job is a module of this package (``reads``, ``edits``,
``combine`` (merging duplicates), ``history``, ``imports``, ``export``, ``attachments``,
``plans`` (account plans saved whole)), all going through one ``Connection`` and one filter
builder (``query``). Nothing outside this package touches the connection or writes SQL.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import sqlalchemy as sa

from ..exceptions import AuthenticationError, StoreConnectionError
from .accounts import Accounts, User
from .attachments import Attachments
from .combine import Combine
from .connection import Connection, DatabaseError
from .ddl import create_or_upgrade
from .edits import Edits
from .export import Export
from .history import History
from .imports import Imports
from .plans import Plans
from .location import ENV_URL, default_url, hide_password, new_store_notice, normalise_url, sqlite_file
from .reads import Reads
from .settings import Settings
from .visits import VisitPlanning


def open(url: str | os.PathLike | None = None, *, user: "str | User | None" = None) -> "Store":  # noqa: A001 - crmkit.open reads well
    """Open (and create or upgrade) the store at ``url``; see ``default_url`` for the default.

    Creating a new SQLite store says so in one line on stderr, with the folder crmkit chose when
    no URL was given (``project_dir``: ``$CRMKIT_HOME``, the project above, or the working folder).

    ``user``: the ``User`` that ``crm.authenticate(name, password)`` returned (the app, after the
    login), or an account's name (a notebook): every read and write then follows that account's
    record rules (``accounts``). A name with no account only signs the changes, as before
    accounts existed: whoever holds the database URL can read it all anyway.
    """
    chosen = url is not None and str(url) != ""
    url = normalise_url(str(url) if chosen else default_url())
    file = sqlite_file(url)
    new = file is not None and not file.exists()
    store = Store(url, user=user)
    if new:  # said once, on stderr: where the data went, and how to put it elsewhere
        home = None if chosen or os.environ.get(ENV_URL) else file.parent.parent  # the project folder
        print(new_store_notice(file, home), file=sys.stderr)
    return store


class Store(Reads, Edits, Combine, History, Imports, Export, Accounts, Attachments, Plans, Settings, VisitPlanning):
    """A crmkit database. Create it with ``crmkit.open``.

    >>> crm = crmkit.open()                      # data/crm.db, or $CRMKIT_DB_URL
    >>> crm = crmkit.open("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    >>> visits = crm.interactions(start="2026-10-01", end="2026-11-01", region="华东")
    >>> row = crm.get("customers", "000123")
    >>> crm.update("customers", "000123", {"phone": "13800000000"}, expected_version=row["version"])
    >>> crm.merge("customers", keep="000123", drop=["000456"])     # a duplicate's records move over
    >>> crm.attach("customers", "000123", "合同.pdf")                # files kept with the record
    >>> crm.account_plans(customer="000123")                      # key-account plans (and crm.account_plan(id))
    >>> crm.visit_plan(rep="张伟", week="2026-11-02")               # the week's visits, proposed
    """

    def __init__(self, url: str, *, user: "str | User | None" = None):
        self.url = normalise_url(url)
        self._user_name: str | None = None
        self._account: User | None = None
        parsed = sa.engine.make_url(self.url)
        self.backend = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql"
        if self.backend == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                raise StoreConnectionError(url, "an in-memory SQLite store cannot be shared; give a file path")
            self.path: Path | None = Path(parsed.database)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            target = str(self.path)
        else:
            self.path = None
            target = _libpq_uri(parsed)
        try:
            self._db = Connection(self.backend, target)
            create_or_upgrade(self._db)
        except (DatabaseError, OSError) as exc:
            raise StoreConnectionError(self.url, str(exc).strip().splitlines()[0]) from exc
        self._sign_in(user)

    def _sign_in(self, user) -> None:
        """Whose rules apply, read from the accounts now (a ``User`` carried over from an old
        session, or built by hand, counts only for its name: role, rep and team come from the store)."""
        if user is None:
            return
        name = user.name if isinstance(user, User) else str(user)
        account = self.account_of(name)
        if account is not None and account.disabled or account is None and isinstance(user, User):
            self.close()
            raise AuthenticationError(name)
        self._user_name, self._account = name, account

    @property
    def user(self) -> str | None:
        """The name this store signs changes with (fixed when the store was opened)."""
        return self._user_name

    @property
    def account(self) -> User | None:
        """The account whose record rules this store follows; None: no rules (the whole store)."""
        return self._account

    def __repr__(self) -> str:
        return f"<crmkit.Store {self.safe_url}>"

    @property
    def safe_url(self) -> str:
        """The URL with its password hidden: what may be printed or logged."""
        return hide_password(self.url)

    def state(self) -> dict:
        """What the store holds, in a few numbers: records per table (deleted ones included) and
        the history's newest row and size. Two equal states mean nothing was written between."""
        tables = self.counts(include_deleted=True)
        history = {"max_id": self.last_change(), "rows": self.history_size()}
        digest = hashlib.sha256(repr((sorted(tables.items()), sorted(history.items()))).encode()).hexdigest()
        return {"tables": tables, "history": history, "sha256": digest}

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _libpq_uri(parsed: "sa.engine.URL") -> str:
    """The connection URI libpq reads. SQLAlchemy writes a space in the query as "+", which libpq
    keeps as a plus: ``options=-c search_path=x -c lock_timeout=1s`` would break. So the query is
    written again with %20."""
    from urllib.parse import quote, urlencode

    base = parsed.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    query = urlencode([(k, v) for k, values in parsed.query.items()
                       for v in (values if isinstance(values, tuple) else (values,))], quote_via=quote)
    return f"{base}?{query}" if query else base

