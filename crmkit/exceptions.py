"""Every error crmkit raises, each carrying what a user needs to fix the cause.

The errors keep their context as attributes and build their message in ``__str__``,
so a notebook, the CLI and a widget can each show them their own way.
"""

from __future__ import annotations


class CrmkitError(Exception):
    """Base class of every crmkit error."""


class UnknownTableError(CrmkitError, KeyError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"unknown table {self.name!r}; the tables are: {', '.join(self.known)}"


class ImportValidationError(CrmkitError):
    """A file had problems, so nothing was written. ``report`` lists every problem."""

    def __init__(self, report):
        super().__init__(report)
        self.report = report

    def __str__(self) -> str:
        r = self.report
        head = (
            f"{r.path}: {len(r.errors)} problem(s) in {r.rows_read} row(s) for table "
            f"{r.table!r}; nothing was written. Fix the file, or pass on_error='skip' "
            f"to import only the good rows."
        )
        return head + "\n" + r.format_problems(limit=20)


class FileFormatError(CrmkitError):
    """The file itself could not be read (encoding, format, no header row)."""

    def __init__(self, path, reason: str):
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class RecordValidationError(CrmkitError):
    """A record passed to add/update has invalid fields. ``problems`` lists them."""

    def __init__(self, table: str, problems: list):
        super().__init__(table, problems)
        self.table = table
        self.problems = problems

    def __str__(self) -> str:
        lines = [f"{self.table}: the record was not saved:"]
        lines += [f"  {p.column}: {p.reason} (value {p.value!r})" for p in self.problems]
        return "\n".join(lines)


class RecordNotFoundError(CrmkitError, KeyError):
    def __init__(self, table: str, record_id: str):
        super().__init__(table, record_id)
        self.table = table
        self.record_id = record_id

    def __str__(self) -> str:
        return f"{self.table}: no record with id {self.record_id!r}"


class DuplicateIdError(CrmkitError):
    def __init__(self, table: str, record_id: str):
        super().__init__(table, record_id)
        self.table = table
        self.record_id = record_id

    def __str__(self) -> str:
        return f"{self.table}: a record with id {self.record_id!r} already exists"


class ConflictError(CrmkitError):
    """Someone changed the record since it was read; nothing was overwritten.

    ``expected_version`` is the version the caller read, ``current_version`` the one in
    the store; ``fields`` maps each field the caller wanted to change to
    ``(their_value_now, your_value)``.
    """

    def __init__(self, table, record_id, expected_version, current_version, fields, deleted=False):
        super().__init__(table, record_id, expected_version, current_version)
        self.table = table
        self.record_id = record_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.fields = fields
        self.deleted = deleted

    def __str__(self) -> str:
        what = "deleted" if self.deleted else "changed"
        lines = [
            f"{self.table} {self.record_id!r} was {what} by someone else: you edited version "
            f"{self.expected_version}, the store has version {self.current_version}. Nothing was saved."
        ]
        for name, (theirs, yours) in self.fields.items():
            lines.append(f"  {name}: store has {theirs!r}, you wanted {yours!r}")
        return "\n".join(lines)


class StoreConnectionError(CrmkitError):
    def __init__(self, url: str, reason: str):
        super().__init__(url, reason)
        self.url = url
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot open the store at {self.url}: {self.reason}"
