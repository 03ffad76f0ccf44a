"""``Store``: one crmkit database, opened (and created or upgraded) from its URL.

The class only opens and closes; each job is a module of this package (``reads``, ``edits``,
``combine`` (merging duplicates), ``history``, ``imports``, ``export``), all going through one ``Connection`` and one filter
builder (``query``). Nothing outside this package touches the connection or writes SQL.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import sqlalchemy as sa

from ..exceptions import StoreConnectionError
from .combine import Combine
from .connection import Connection, DatabaseError
from .ddl import create_or_upgrade
from .edits import Edits
from .export import Export
from .history import History
from .imports import Imports
from .location import default_url, hide_password, normalise_url
from .reads import Reads


def open(url: str | os.PathLike | None = None, *, user: str | None = None) -> "Store":  # noqa: A001 - crmkit.open reads well
    """Open (and create or upgrade) the store at ``url``; see ``default_url`` for the default."""
    return Store(str(url) if url else default_url(), user=user)


class Store(Reads, Edits, Combine, History, Imports, Export):
    """A crmkit database. Create it with ``crmkit.open``.

    >>> crm = crmkit.open()                      # data/crm.db, or $CRMKIT_DB_URL
    >>> crm = crmkit.open("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    >>> visits = crm.interactions(start="2026-10-01", end="2026-11-01", region="华东")
    >>> row = crm.get("customers", "000123")
    >>> crm.update("customers", "000123", {"phone": "13800000000"}, expected_version=row["version"])
    >>> crm.merge("customers", keep="000123", drop=["000456"])     # a duplicate's records move over
    """

    def __init__(self, url: str, *, user: str | None = None):
        self.url = normalise_url(url)
        self.user = user
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
            target = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            self._db = Connection(self.backend, target)
            create_or_upgrade(self._db)
        except (DatabaseError, OSError) as exc:
            raise StoreConnectionError(self.url, str(exc).strip().splitlines()[0]) from exc

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
