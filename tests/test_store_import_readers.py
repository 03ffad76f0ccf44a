"""A big import on PostgreSQL blocks no reader and no editor (issue 12).

The import is held open inside its transaction once it has written every record and its history:
a second connection holds a lock on ``import_log``, whose row the import writes last. While the
import waits there, ``pg_locks`` shows what it holds, and a reader and an editor whose
``lock_timeout`` is 1 s (a wait for a lock becomes an error) must get through. Then the lock is
let go and the import commits. Nothing is timed: a blocked call fails, a free one succeeds.

``REBUILD_INDEXES_FROM`` is set to 0, so these small imports count as big ones (before the fix,
the imports that dropped the indexes and locked out every reader of the table and of history).
"""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest
import sqlalchemy as sa

import crmkit
from crmkit.store import merge
from crmkit.store.ddl import metadata

N_CUSTOMERS = 40
N_STORED = 300   # visits in the store before the import (the "merge" case)
N_NEW = 1_000    # visits the import adds: more than the stored ones, more than the history holds
# Lock modes that leave readers (ACCESS SHARE) and writers of other rows (ROW EXCLUSIVE) alone.
HARMLESS_LOCKS = {"AccessShareLock", "RowShareLock", "RowExclusiveLock"}


@pytest.fixture(autouse=True)
def _every_import_counts_as_big(monkeypatch):
    monkeypatch.setattr(merge, "REBUILD_INDEXES_FROM", 0)


def _customers() -> pd.DataFrame:
    ids = [f"C{i:03d}" for i in range(N_CUSTOMERS)]
    return pd.DataFrame({"customer_id": ids, "name": [f"客户{i}" for i in range(N_CUSTOMERS)],
                         "region": ["华东", "华北"] * (N_CUSTOMERS // 2)})


def _visits(first: int, n: int) -> pd.DataFrame:
    numbers = range(first, first + n)
    return pd.DataFrame({
        "interaction_id": [f"V{i:05d}" for i in numbers],
        "customer_id": [f"C{i % N_CUSTOMERS:03d}" for i in numbers],
        "occurred_at": [pd.Timestamp("2026-01-01") + pd.Timedelta(hours=i) for i in numbers],
        "channel": ["visit", "phone", "wechat"] * (n // 3) + ["visit"] * (n % 3),
        "rep": ["张伟", "王芳"] * (n // 2) + ["张伟"] * (n % 2),
        "notes": [f"第{i}次" for i in numbers],
    })


def _with_lock_timeout(url: str) -> str:
    """The same store, on connections that give up on any lock they wait for over 1 s."""
    assert "options=" in url  # the pg_url fixture's search_path
    # a tab between the two settings, not a space: the store's URL goes through SQLAlchemy, which
    # writes a space as "+", and libpq does not read "+" back as a space; the server splits on both
    return url + "%09-clock_timeout%3D1000"


def _secondary_indexes(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename IN ('interactions', 'history')")).scalars())


def _expected_indexes() -> set[str]:
    return {ix.name for name in ("interactions", "history") for ix in metadata.tables[name].indexes}


class HeldImport:
    """An import of ``frame`` in a thread of its own, stopped just before its last write (its
    import_log row) by a lock another connection holds, until ``release``."""

    def __init__(self, url: str, engine, frame: pd.DataFrame, *, wait: bool = True):
        self.engine, self.error, self.report = engine, None, None
        self.holder = engine.connect()
        self.holder_tx = self.holder.begin()
        self.holder.execute(sa.text("LOCK TABLE import_log IN SHARE ROW EXCLUSIVE MODE"))
        self.thread = threading.Thread(target=self._run, args=(url, frame), daemon=True)
        self.thread.start()
        self.pid = self._wait_until_held() if wait else None

    def _run(self, url, frame):
        try:
            with crmkit.open(url, user="importer") as crm:
                self.report = crm.import_frame(frame, "interactions")
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            self.error = exc

    def _wait_until_held(self) -> int:
        """The import's backend, once it waits for the lock on import_log (a safety deadline
        only: the import gets there or the test fails with what went wrong)."""
        deadline = time.monotonic() + 120
        with self.engine.connect() as conn:
            while time.monotonic() < deadline:
                pid = conn.execute(sa.text(
                    "SELECT pid FROM pg_locks WHERE relation = 'import_log'::regclass AND NOT granted")).scalar()
                if pid is not None:
                    return pid
                if not self.thread.is_alive():
                    self.release()
                    pytest.fail(f"the import ended before it reached import_log: {self.error!r}")
                time.sleep(0.05)
        self.release()
        pytest.fail("the import did not reach its import_log row within 120 s")

    def locks(self) -> dict[str, set[str]]:
        """The locks the import holds on the store's tables and indexes: relation -> modes."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.pid = :pid AND l.granted AND c.relnamespace = current_schema()::regnamespace"),
                {"pid": self.pid}).all()
        held: dict[str, set[str]] = {}
        for relname, mode in rows:
            held.setdefault(relname, set()).add(mode)
        return held

    def end_while_held(self) -> None:
        """Let the import run its course (give up on the lock, with a lock_timeout) while the lock is held."""
        self.thread.join(timeout=120)
        self.release()

    def release(self) -> None:
        if self.holder_tx.is_active:
            self.holder_tx.rollback()
            self.holder.close()
        self.thread.join(timeout=120)
        assert not self.thread.is_alive(), "the import did not finish after the lock was let go"


@pytest.fixture
def engine(pg_url):
    engine = sa.create_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("stored", [0, N_STORED], ids=["first load", "into stored visits"])
def test_readers_and_an_editor_get_through_while_a_big_import_is_open(pg_url, engine, stored):
    with crmkit.open(pg_url) as crm:
        crm.import_frame(_customers(), "customers")
        if stored:
            crm.import_frame(_visits(0, stored), "interactions")
        history_before = crm.history_size()
    new = _visits(stored, N_NEW)

    held = HeldImport(pg_url, engine, new)
    try:
        strong = {rel: modes - HARMLESS_LOCKS for rel, modes in held.locks().items() if modes - HARMLESS_LOCKS}
        assert strong == {}, f"the open import holds locks that stop readers or editors: {strong}"
        # opening a store (a new notebook, an app session) must not wait for the import either
        with crmkit.open(_with_lock_timeout(pg_url), user="editor") as crm:
            # readers see the store as it was: nothing of the open import, and never a wait
            assert crm.count("interactions") == stored
            assert len(crm.read("interactions", customer="C001")) == sum(
                1 for i in range(stored) if i % N_CUSTOMERS == 1)
            assert crm.get("customers", "C002")["name"] == "客户2"
            assert crm.search("customers", "客户3", limit=3)["customer_id"].tolist() == ["C003", "C030", "C031"]
            assert crm.history_size() == history_before
            assert len(crm.history("customers", "C004")) == 1
            # an editor of a record the import does not touch: its update and history row go in
            version = crm.get("customers", "C005")["version"]
            assert crm.update("customers", "C005", {"notes": "回访"}, expected_version=version)["notes"] == "回访"
            if stored:
                visit = crm.get("interactions", "V00007")
                crm.update("interactions", "V00007", {"notes": "改了"}, expected_version=visit["version"])
    finally:
        held.release()

    assert held.error is None, held.error
    assert held.report.inserted == N_NEW
    with crmkit.open(pg_url) as crm:
        assert crm.count("interactions") == stored + N_NEW
        stored_new = crm.search("interactions", ids=new["interaction_id"].tolist())
        assert stored_new["interaction_id"].tolist() == new["interaction_id"].tolist()
        assert stored_new["notes"].tolist() == new["notes"].tolist()
        assert (stored_new["occurred_at"].to_numpy() == new["occurred_at"].to_numpy()).all()
        assert crm.get("customers", "C005")["notes"] == "回访"
        if stored:
            assert crm.get("interactions", "V00007")["notes"] == "改了"
        # one history row per new visit, one per edit
        assert crm.history_size() == history_before + N_NEW + 1 + (1 if stored else 0)
    assert _secondary_indexes(engine) >= _expected_indexes()


@pytest.mark.postgres
def test_a_big_import_that_fails_at_its_last_write_leaves_nothing(pg_url, engine):
    with crmkit.open(pg_url) as crm:
        crm.import_frame(_customers(), "customers")
        crm.import_frame(_visits(0, N_STORED), "interactions")
        before = crm.state()
    # this import gives up on the held lock: its transaction rolls back after every row was written
    held = HeldImport(_with_lock_timeout(pg_url), engine, _visits(N_STORED, N_NEW), wait=False)
    held.end_while_held()
    assert held.report is None
    assert "lock timeout" in str(held.error)
    with crmkit.open(pg_url) as crm:
        assert crm.state() == before
        assert crm.count("interactions") == N_STORED
    assert _secondary_indexes(engine) >= _expected_indexes()


def test_sqlite_still_rebuilds_the_indexes_of_a_big_import(sqlite_url):
    """SQLite keeps its faster path (indexes dropped and built again in one pass): the result
    is the same records, and every index is back."""
    with crmkit.open(sqlite_url) as crm:
        crm.import_frame(_customers(), "customers")
        crm.import_frame(_visits(0, N_STORED), "interactions")
        crm.import_frame(_visits(N_STORED, N_NEW), "interactions")
        assert crm.count("interactions") == N_STORED + N_NEW
        assert crm.read("interactions")["notes"].tolist() == _visits(0, N_STORED + N_NEW)["notes"].tolist()
    import sqlite3  # the test reads the file after crmkit closed it: one SQLite library at a time

    path = sa.engine.make_url(sqlite_url).database
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert names >= _expected_indexes()
