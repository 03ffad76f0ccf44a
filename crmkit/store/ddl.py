"""SQL tables built from ``schema.TABLES``: the one mechanism that creates and upgrades the store.

``create_or_upgrade`` creates whatever is missing (tables, and columns added to the schema
since the database was made), and records the schema version in ``crmkit_meta``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from ..schema import TABLES, Column

SCHEMA_VERSION = 1

# SQLite keeps datetimes as text; one fixed format everywhere (crmkit's own writes, bulk
# imports and range filters) keeps string comparison equal to time order.
SQLITE_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SQLITE_DATE_FORMAT = "%Y-%m-%d"
_SqliteDateTime = sqlite.DATETIME(
    storage_format="%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d",
    regexp=r"(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)",
)
DateTime = sa.DateTime().with_variant(_SqliteDateTime, "sqlite")

metadata = sa.MetaData()


def _sql_type(col: Column):
    return {
        "id": sa.String(64),
        "text": sa.Text(),
        "enum": sa.String(32),
        "category": sa.Text(),
        "datetime": DateTime,
        "date": sa.Date(),
        "money": sa.Float(precision=53),
        "number": sa.Float(precision=53),
        "integer": sa.BigInteger(),
        "bool": sa.Boolean(),
    }[col.kind]


def _record_table(t) -> sa.Table:
    cols = [sa.Column(c.name, _sql_type(c), primary_key=(c.name == t.id_column)) for c in t.columns]
    cols += [
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("modified_at", DateTime),
        sa.Column("modified_by", sa.Text),
        sa.Column("deleted_at", DateTime),
    ]
    indexes = []
    if t.customer_column and t.name != "customers":
        indexes.append(sa.Index(f"ix_{t.name}_customer", "customer_id"))
    if t.parent is not None:  # a plan's parts are read by their plan
        indexes.append(sa.Index(f"ix_{t.name}_{t.parent[0]}", t.parent[0]))
    if t.date_column:
        indexes.append(sa.Index(f"ix_{t.name}_{t.date_column}", t.date_column))
    return sa.Table(t.name, metadata, *cols, *indexes)


RECORD_TABLES: dict[str, sa.Table] = {name: _record_table(t) for name, t in TABLES.items()}

history = sa.Table(
    "history", metadata,
    sa.Column("history_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_name", sa.String(32), nullable=False),
    sa.Column("record_id", sa.String(64), nullable=False),
    sa.Column("op", sa.String(16), nullable=False),  # insert, update, delete, restore; attach, detach
    sa.Column("field", sa.String(64)),
    sa.Column("old_value", sa.Text),
    sa.Column("new_value", sa.Text),
    sa.Column("changed_at", DateTime, nullable=False),
    sa.Column("changed_by", sa.Text),
    sa.Column("batch", sa.String(32)),  # the import that made the change, if any
    sa.Index("ix_history_record", "table_name", "record_id"),
)

imports = sa.Table(
    "import_log", metadata,
    sa.Column("batch", sa.String(32), primary_key=True),
    sa.Column("table_name", sa.String(32), nullable=False),
    sa.Column("source", sa.Text),
    sa.Column("rows_read", sa.Integer),
    sa.Column("inserted", sa.Integer),
    sa.Column("updated", sa.Integer),
    sa.Column("unchanged", sa.Integer),
    sa.Column("skipped", sa.Integer),
    sa.Column("imported_at", DateTime, nullable=False),
    sa.Column("imported_by", sa.Text),
)

# The app's accounts (``accounts.py``): kept out of ``schema.TABLES`` so no read, export or
# report can show them. Only a salted argon2 hash of each password is kept.
users = sa.Table(
    "crmkit_users", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # rep, manager, admin
    sa.Column("rep", sa.Text, nullable=False),  # the name the account's records carry in owner/rep
    sa.Column("team", sa.Text),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", DateTime),
    sa.Index("ix_crmkit_users_team", "team"),
)

# Files attached to records (``attachments.py``), also outside ``schema.TABLES``: which file hangs
# on which record (detached ones stay, with who detached them), and each file's bytes, kept once
# per content (the SHA-256 of the bytes is the key) in the database itself, on both backends.
attachments = sa.Table(
    "attachments", metadata,
    sa.Column("attachment_id", sa.String(64), primary_key=True),
    sa.Column("table_name", sa.String(32), nullable=False),
    sa.Column("record_id", sa.String(64), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("media_type", sa.String(128), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("attached_at", DateTime, nullable=False),
    sa.Column("attached_by", sa.Text),
    sa.Column("detached_at", DateTime),
    sa.Column("detached_by", sa.Text),
    sa.Index("ix_attachments_record", "table_name", "record_id"),
)

attachment_blobs = sa.Table(
    "attachment_blobs", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)

meta = sa.Table(
    "crmkit_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text),
)


def _dialect(backend: str):
    if backend == "sqlite":
        from sqlalchemy.dialects import sqlite as d
    else:
        from sqlalchemy.dialects import postgresql as d
    return d.dialect()


def _existing_columns(db, name: str) -> set[str]:
    if db.backend == "sqlite":
        rows = db.rows(f"SELECT name FROM pragma_table_info('{name}')")
        return {r["name"] for r in rows}
    rows = db.rows("SELECT column_name FROM information_schema.columns "
                   "WHERE table_schema = current_schema() AND table_name = $1", (name,))
    return {r["column_name"] for r in rows}


def _existing_indexes(db) -> set[str]:
    if db.backend == "sqlite":
        return {r["name"] for r in db.rows("SELECT name FROM sqlite_master WHERE type = 'index'")}
    rows = db.rows("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
    return {r["indexname"] for r in rows}


def secondary_indexes(table_name: str, backend: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of a record table's indexes, for a bulk load to rebuild."""
    dialect = _dialect(backend)
    table = metadata.tables[table_name]
    return [(ix.name, str(sa.schema.CreateIndex(ix).compile(dialect=dialect))) for ix in table.indexes]


def create_or_upgrade(db) -> None:
    """Create missing tables and indexes, and add the columns the schema gained since.

    ``db`` is a ``crmkit.store.connection.Connection``; SQLAlchemy only writes the DDL for its dialect.
    """
    dialect = _dialect(db.backend)
    with db.transaction():
        if db.backend == "postgresql":
            # two processes opening a new store at once must not both create the tables
            db.execute("SELECT pg_advisory_xact_lock(7245179)")
        have_indexes = _existing_indexes(db)
        for table in metadata.sorted_tables:
            have = _existing_columns(db, table.name)
            if not have:
                db.execute(str(sa.schema.CreateTable(table).compile(dialect=dialect)))
            else:
                for col in table.columns:
                    if col.name not in have:
                        ddl = sa.schema.CreateColumn(col).compile(dialect=dialect)
                        db.execute(f"ALTER TABLE {table.name} ADD COLUMN {ddl}")
            for index in table.indexes:
                # only the missing ones: on PostgreSQL even CREATE INDEX IF NOT EXISTS locks the
                # table (SHARE) first, so opening a store waited for any import writing that table
                if index.name not in have_indexes:
                    db.execute(str(sa.schema.CreateIndex(index, if_not_exists=True).compile(dialect=dialect)))
        p = db.placeholder
        version = db.scalar(f"SELECT value FROM crmkit_meta WHERE key = {p(1)}", ("schema_version",))
        if version is None:
            db.execute(f"INSERT INTO crmkit_meta (key, value) VALUES ({p(1)}, {p(2)})", ("schema_version", str(SCHEMA_VERSION)))
        elif int(version) < SCHEMA_VERSION:
            db.execute(f"UPDATE crmkit_meta SET value = {p(1)} WHERE key = {p(2)}", (str(SCHEMA_VERSION), "schema_version"))
