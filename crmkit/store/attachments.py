"""Files attached to records: contracts, quotes, photos and scans, kept with the record they belong to
("one customer, one complete file": 壹个客户一份档案).

>>> a = crm.attach("customers", "000123", "合同.pdf")           # -> the attachment, as a dict
>>> crm.attachments("customers", "000123")                      # id, file name, size, type, sha256, who, when
>>> crm.open_attachment(a["attachment_id"])                     # -> the file's bytes
>>> crm.detach(a["attachment_id"])                              # off the list; kept, and in the history

Every file is checked before anything is written (``crmkit.attachment_check``): its size against
``crm.max_attachment_bytes`` (20 MB unless ``$CRMKIT_MAX_ATTACHMENT_MB`` says otherwise), its kind
read from its content, and its name's ending against that kind. A refused file leaves the store as
it was.

The same record rules as every edit: a user attaches to, lists, opens and detaches the attachments
of the records they may see (a rep: their book), and each attach and detach is signed by the
store's user and written to the record's history (op ``attach`` / ``detach``) in the same
transaction as the attachment itself.

Where the bytes live, and why: in the database, on SQLite and PostgreSQL alike (``attachment_blobs``,
one row per distinct content, keyed by its SHA-256, so a contract attached to five records is kept
once). One transaction then writes the bytes, the attachment and its history row, or nothing: a
folder beside an SQLite file would sit outside that transaction (a crash between the two leaves a
file nobody lists, or a listed file that is not there) and outside the record rules, and a backup
of the store (one file, or ``pg_dump``) would no longer be the whole of it. The cost is a larger
database file: SQLite reads a blob of a few MB in milliseconds ("Internal Versus External BLOBs",
sqlite.org), and the 20 MB limit stays far below the 1 GB either database takes in one value.
Bytes are never deleted (a detached file stays readable from its attachment id).
"""

from __future__ import annotations

import uuid

import pandas as pd

from ..attachment_check import check_file, default_max_bytes
from ..exceptions import ParameterError, RecordNotFoundError
from ..schema import TABLES, Table, table as lookup_table
from .connection import Connection
from .frames import NULLABLE

ATTACHMENTS_TABLE = "attachments"
BLOBS_TABLE = "attachment_blobs"
#: The columns ``attachments()`` returns (and ``detached_by``/``detached_at`` with include_detached).
COLUMNS = ("attachment_id", "file_name", "size", "media_type", "sha256", "attached_by", "attached_at")
_DETACHED = ("detached_by", "detached_at")
_ALL = ("attachment_id", "table_name", "record_id", *COLUMNS[1:], *_DETACHED)


class Attachments:
    """The attachments half of ``Store`` (it needs the reads, the edits' book check, the history
    and ``self._db``)."""

    @property
    def max_attachment_bytes(self) -> int:
        """The largest file ``attach`` takes, in bytes (settable per store)."""
        return getattr(self, "_max_attachment_bytes", None) or default_max_bytes()

    @max_attachment_bytes.setter
    def max_attachment_bytes(self, value: int) -> None:
        if not isinstance(value, int) or value < 1:
            raise ParameterError("max_attachment_bytes", value, "must be a positive whole number of bytes")
        self._max_attachment_bytes = value

    def attach(self, table: str, record_id: str, source, *, name: str | None = None, by: str | None = None,
               lang: str = "en") -> dict:
        """Attach a file to one record; returns the attachment (its id, file name, size, media type,
        sha256, attached_by, attached_at).

        ``source`` is a path, or the bytes of an upload with its file name in ``name`` (``name`` also
        renames a path's file). The file is refused (``AttachmentRefusedError``, in ``lang``) when it
        is empty, over :attr:`max_attachment_bytes`, of a kind crmkit does not keep (read from its
        content: programs, scripts, HTML/SVG, archives, macros …) or named as another kind than it
        is; nothing is written then. The same content attached to the same record again returns the
        attachment already there and writes nothing.
        """
        t = lookup_table(table)
        record_id = str(record_id)
        self._attachable(self._db, t, record_id, "attach to")  # before reading a file that would be refused
        checked = check_file(source, name=name, max_bytes=self.max_attachment_bytes, lang=lang)
        now, author = _now(), self._author(by)
        db, p = self._db, self._db.placeholder
        with db.transaction():
            self._attachable(db, t, record_id, "attach to")
            same = db.scalar(f"SELECT attachment_id FROM {ATTACHMENTS_TABLE} WHERE table_name = {p(1)} AND "
                             f"record_id = {p(2)} AND sha256 = {p(3)} AND detached_at IS NULL",
                             (t.name, record_id, checked.sha256))
            if same is not None:
                return self._attachment(same, db)
            if db.scalar(f"SELECT 1 FROM {BLOBS_TABLE} WHERE sha256 = {p(1)}", (checked.sha256,)) is None:
                # another writer may store the same bytes meanwhile (PostgreSQL): theirs are these
                db.execute(f"INSERT INTO {BLOBS_TABLE} (sha256, size, content) VALUES ({db.placeholders(3)}) "
                           f"ON CONFLICT (sha256) DO NOTHING", (checked.sha256, checked.size, checked.content))
            attachment_id = f"A{uuid.uuid4().hex[:12].upper()}"
            db.execute(f"INSERT INTO {ATTACHMENTS_TABLE} (attachment_id, table_name, record_id, file_name, size, "
                       f"media_type, sha256, attached_at, attached_by) VALUES ({db.placeholders(9)})",
                       (attachment_id, t.name, record_id, checked.name, checked.size, checked.media_type,
                        checked.sha256, db.value(now, "datetime"), author))
            self._log(db, t, record_id, "attach", now, author, field="attachment",
                      new=_described(checked.name, attachment_id))
            return self._attachment(attachment_id, db)

    def attachments(self, table: str, record_id: str, *, include_detached: bool = False) -> pd.DataFrame:
        """The files attached to one record, oldest first: attachment_id, file_name, size (bytes),
        media_type, sha256, attached_by, attached_at (and detached_by, detached_at with
        ``include_detached``). A record the store's user may not see is not found, as in ``get``."""
        t = lookup_table(table)
        record_id = str(record_id)
        self.get(t.name, record_id)  # RecordNotFoundError: deleted, unknown, or not in the user's book
        p = self._db.placeholder
        columns = [*COLUMNS, *(_DETACHED if include_detached else ())]
        live = "" if include_detached else " AND detached_at IS NULL"
        data = self._db.arrow(f"SELECT {', '.join(columns)} FROM {ATTACHMENTS_TABLE} WHERE table_name = {p(1)} "
                              f"AND record_id = {p(2)}{live} ORDER BY attached_at, file_name, attachment_id",
                              (t.name, record_id))
        return _typed(data.to_pandas(types_mapper=NULLABLE.get), columns)

    def open_attachment(self, attachment_id: str) -> bytes:
        """The bytes of an attachment (a detached one too), if its record is one the store's user
        may see; RecordNotFoundError otherwise."""
        row = self._attachment_row(str(attachment_id), self._db)
        if row is None or not self._readable(TABLES[row["table_name"]], row["record_id"]):
            raise RecordNotFoundError(ATTACHMENTS_TABLE, attachment_id)
        p = self._db.placeholder
        content = self._db.scalar(f"SELECT content FROM {BLOBS_TABLE} WHERE sha256 = {p(1)}", (row["sha256"],))
        return bytes(content)

    def detach(self, attachment_id: str, *, by: str | None = None) -> dict:
        """Take an attachment off its record's list. Its bytes and its row stay (``attachments(...,
        include_detached=True)``, ``open_attachment``); the record's history shows who detached it."""
        attachment_id = str(attachment_id)
        now, author = _now(), self._author(by)
        db, p = self._db, self._db.placeholder
        with db.transaction():
            row = self._attachment_row(attachment_id, db)
            if row is None or row["detached_at"] is not None:
                raise RecordNotFoundError(ATTACHMENTS_TABLE, attachment_id)
            t = TABLES[row["table_name"]]
            self._attachable(db, t, row["record_id"], "detach from")
            db.execute(f"UPDATE {ATTACHMENTS_TABLE} SET detached_at = {p(1)}, detached_by = {p(2)} "
                       f"WHERE attachment_id = {p(3)}", (db.value(now, "datetime"), author, attachment_id))
            self._log(db, t, row["record_id"], "detach", now, author, field="attachment",
                      old=_described(row["file_name"], attachment_id))
            return self._attachment(attachment_id, db)

    def attachment_usage(self) -> dict[str, int]:
        """What the attachments of the whole store take: ``attachments`` (detached ones included),
        ``contents`` (distinct files kept: identical content is kept once) and their ``bytes``."""
        self._require_admin("count every attachment of the store")
        db = self._db
        contents = db.rows(f"SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS total FROM {BLOBS_TABLE}")[0]
        return {"attachments": int(db.scalar(f"SELECT COUNT(*) FROM {ATTACHMENTS_TABLE}")),
                "contents": int(contents["n"]), "bytes": int(contents["total"])}

    # ------------------------------------------------------------------ internals

    def _attachable(self, db: Connection, t: Table, record_id: str, action: str) -> None:
        """The record exists and is live (else RecordNotFoundError), and is in the user's book
        (else AccessDeniedError, as for an update)."""
        row = self._row(t, record_id, db)
        if row is None or row["deleted_at"] is not None:
            raise RecordNotFoundError(t.name, record_id)
        self._stays_in_book(db, t, record_id, action)

    def _readable(self, t: Table, record_id: str) -> bool:
        row = self._row(t, record_id)
        return row is not None and row["deleted_at"] is None and self._visible(t, record_id)

    def _attachment_row(self, attachment_id: str, db: Connection) -> dict | None:
        rows = db.rows(f"SELECT {', '.join(_ALL)} FROM {ATTACHMENTS_TABLE} WHERE attachment_id = "
                       f"{db.placeholder(1)}", (attachment_id,))
        return rows[0] if rows else None

    def _attachment(self, attachment_id: str, db: Connection) -> dict:
        """One attachment as a dict of plain values (its record's table and id included)."""
        data = db.arrow(f"SELECT {', '.join(_ALL)} FROM {ATTACHMENTS_TABLE} WHERE attachment_id = "
                        f"{db.placeholder(1)}", (attachment_id,))
        frame = _typed(data.to_pandas(types_mapper=NULLABLE.get), list(_ALL))
        return {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
                for k, v in frame.iloc[0].items()}


def move_attachments(db: Connection, history_log, t: Table, drop: list[str], keep: str, *, now, by: str,
                     batch: str) -> int:
    """Point the attachments of the records ``drop`` at ``keep`` (a merge), detached ones too,
    each with a history row of ``keep`` (the file, and the record it came from). Returns how many."""
    p = db.placeholder
    marks = db.placeholders(len(drop), start=2)
    rows = db.rows(f"SELECT attachment_id, record_id, file_name FROM {ATTACHMENTS_TABLE} WHERE table_name = {p(1)} "
                   f"AND record_id IN ({marks}) ORDER BY attachment_id", (t.name, *drop))
    for row in rows:
        db.execute(f"UPDATE {ATTACHMENTS_TABLE} SET record_id = {p(1)} WHERE attachment_id = {p(2)}",
                   (keep, row["attachment_id"]))
        history_log(db, t, keep, "attach", now, by, field="attachment", old=row["record_id"],
                    new=_described(row["file_name"], row["attachment_id"]), batch=batch)
    return len(rows)


def _described(file_name: str, attachment_id: str) -> str:
    """How the history writes an attachment: its file name and its id."""
    return f"{file_name} ({attachment_id})"


def _typed(frame: pd.DataFrame, columns) -> pd.DataFrame:
    for c in columns:
        if c in ("attached_at", "detached_at"):
            frame[c] = pd.to_datetime(frame[c].astype(object), format="ISO8601").astype("datetime64[ns]")
        elif c == "size":
            frame[c] = frame[c].astype("Int64")
        else:
            frame[c] = frame[c].astype(pd.StringDtype())
    return frame[list(columns)].reset_index(drop=True)


def _now() -> pd.Timestamp:
    return pd.Timestamp.now().floor("s")
