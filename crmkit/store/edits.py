"""Versioned edits of single records: add, update, delete, restore, and checking without writing.

A record is checked by the importer's own code and the rules of ``crmkit.rules`` (so a form
accepts exactly what a file would); an update is checked as part of the record it changes.
Every edit is one transaction, written only if nobody changed the record since it was read,
and leaves a history row signed by its author.
"""

from __future__ import annotations

import uuid

import pandas as pd

from .. import importing
from ..exceptions import (AccessDeniedError, ConflictError, DuplicateIdError, RecordNotFoundError,
                          RecordsAttachedError, RecordValidationError)
from ..rules import Fault, Reference, VisitTimeAllowed, derived_from, rule_columns, rules_for
from ..schema import Table, sensitive_profile_key, table as lookup_table
from ..values import blank_to_none, python_value, same_value
from .cascade import attached_counts, delete_attached, restore_attached
from .connection import Connection
from .query import Filter
from .totals import total_faults, total_rules


class Edits:
    """The editing half of ``Store`` (it needs the reads, the history, ``self._db`` and ``self.user``)."""

    def add(self, table: str, record: dict, *, by: str | None = None) -> dict:
        """Add one record; returns it as stored (with its id and version 1)."""
        t = lookup_table(table)
        record = dict(record)
        if blank_to_none(record.get(t.id_column)) is None:
            record[t.id_column] = f"{t.id_prefix}{uuid.uuid4().hex[:12].upper()}"
        values = self._check_record(t, _with_required(t, record))
        if t.name == "profile" and sensitive_profile_key(values.get("key")):
            values["sensitive"] = True  # sensitive is the default: only harmless keys may be shown
        rid = values[t.id_column]
        now, author = _now(), self._author(by)
        db = self._db
        with db.transaction():
            if self._row(t, rid, db) is not None:
                raise DuplicateIdError(t.name, rid)
            self._check_references(db, t, values)
            self._check_totals(db, t, values)
            self._check_visit_times(t, values)
            names = [*values, "version", "modified_at", "modified_by"]
            params = [db.value(v, t[k].kind) for k, v in values.items()] + [1, db.value(now, "datetime"), author]
            db.execute(f"INSERT INTO {t.name} ({', '.join(names)}) VALUES ({db.placeholders(len(names))})", params)
            self._stays_in_book(db, t, rid, "add")  # written and tested in one transaction: refused, nothing stays
            self._log(db, t, rid, "insert", now, author)
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
            raise RecordValidationError(t.name, [_problem(t.id_column, changes[t.id_column],
                                                          Fault("the id of a record cannot be changed", "id_changed"))])
        changes = {k: v for k, v in changes.items() if k != t.id_column}
        stored = self._row(t, record_id)
        if stored is None:
            raise RecordNotFoundError(t.name, record_id)
        # before any check: a conflict or a problem would show the stored values
        self._stays_in_book(self._db, t, record_id, "update")
        values = self._check_changes(t, record_id, changes, stored)
        now, author = _now(), self._author(by)
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
            self._check_totals(db, t, _after_update(t, record_id, current, values), groups=_left_group(t, current, values))
            self._check_visit_times(t, {**current, **values})
            diff = {k: v for k, v in values.items() if not same_value(current[k], v)}
            if t.name == "profile" and not current["sensitive"] and _stays_secret(current, values):
                diff["sensitive"] = True
            if not diff:
                return self.get(t.name, record_id)
            p = db.placeholder
            sets = ", ".join(f"{k} = {p(i)}" for i, k in enumerate(diff, start=1))
            n = len(diff)
            params = [db.value(v, t[k].kind) for k, v in diff.items()]
            params += [expected_version + 1, db.value(now, "datetime"), author, record_id, expected_version]
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
            self._stays_in_book(db, t, record_id, "update")  # a rep cannot hand a customer out of their book
            for k, v in diff.items():
                self._log(db, t, record_id, "update", now, author, field=k, old=current[k], new=v)
        return self.get(t.name, record_id)

    def delete(self, table: str, record_id: str, *, expected_version: int | None = None,
               by: str | None = None, cascade: bool = False) -> dict[str, int]:
        """Soft-delete one record: it leaves the reads, stays in the database and its history.

        A record that live records still name (a customer with contacts, visits, cards, orders …)
        is not deleted: ``RecordsAttachedError`` counts them per table. Merge it into the record
        that should keep them (:meth:`merge`), or pass ``cascade=True`` to soft-delete them with
        it, each with its history row. Returns what the cascade deleted: records per table.

        >>> crm.delete("customers", "000123", cascade=True)     # {'interactions': 4, 'orders': 2}
        """
        return self._set_deleted(table, record_id, expected_version, by, deleted=True, cascade=cascade)

    def restore(self, table: str, record_id: str, *, by: str | None = None, cascade: bool = False) -> dict:
        """Bring back a deleted record. With ``cascade=True``, also the records its deletion took
        with it (``delete(..., cascade=True)``); records deleted before or since stay deleted."""
        self._set_deleted(table, record_id, None, by, deleted=False, cascade=cascade)
        return self.get(table, record_id)

    def check(self, table: str, record: dict, *, record_id: str | None = None) -> list[importing.Problem]:
        """What is wrong with ``record`` by the store's rules, without writing anything.

        With ``record_id``, ``record`` holds the changes to that stored record, checked as
        :meth:`update` would check them; without it, a new record, checked as :meth:`add`
        would (an unknown customer id included). Returns the errors (empty when valid), each
        naming its column, value, reason and code: the same rules as an import, so a form
        accepts exactly what a file would.
        """
        t = lookup_table(table)
        record = dict(record)
        try:
            if record_id is None:
                if blank_to_none(record.get(t.id_column)) is None:
                    record[t.id_column] = f"{t.id_prefix}CHECK"
                values = self._check_record(t, _with_required(t, record))
            else:
                stored = self._row(t, str(record_id))
                if stored is None:
                    raise RecordNotFoundError(t.name, record_id)
                values = self._check_changes(t, str(record_id), record, stored)
                values = {**stored, **values}
            self._check_references(self._db, t, values)
            if record_id is None:
                self._check_totals(self._db, t, values)
            else:
                self._check_totals(self._db, t, _after_update(t, str(record_id), stored, values),
                                   groups=_left_group(t, stored, values))
            self._check_visit_times(t, values)
        except RecordValidationError as err:
            return list(err.problems)
        return []

    # ------------------------------------------------------------------ internals

    def _set_deleted(self, table, record_id, expected_version, by, deleted: bool, cascade: bool) -> dict[str, int]:
        t = lookup_table(table)
        record_id = str(record_id)
        now, author = _now(), self._author(by)
        batch = uuid.uuid4().hex[:16]  # the record's history row and those of the records it takes along
        db = self._db
        with db.transaction():
            self._stays_in_book(db, t, record_id, "delete" if deleted else "restore")
            current = self._row(t, record_id, db)
            if current is None or (current["deleted_at"] is not None) == deleted:
                raise RecordNotFoundError(t.name, record_id)
            if expected_version is not None and current["version"] != expected_version:
                raise ConflictError(t.name, record_id, expected_version, current["version"], {})
            if total_rules(t):  # a KPI that leaves or rejoins its plan changes the plan's total
                row = {c: current[c] for c in t.column_names}
                self._check_totals(db, t, None if deleted else row, groups=[current[r.group] for r in total_rules(t)],
                                   removed=[record_id] if deleted else [])
            if deleted:
                attached = attached_counts(db, t.name, record_id)
                if attached and not cascade:
                    raise RecordsAttachedError(t.name, record_id, attached)
                done = delete_attached(db, t.name, record_id, now=now, by=author, batch=batch) if cascade else {}
            else:
                done = self._restore_attached(db, t, record_id, now, author, batch) if cascade else {}
            p = db.placeholder
            stamp = db.value(now, "datetime")
            db.execute(
                f"UPDATE {t.name} SET deleted_at = {p(1)}, version = {p(2)}, modified_at = {p(3)}, modified_by = {p(4)} "
                f"WHERE {t.id_column} = {p(5)}",
                (stamp if deleted else None, current["version"] + 1, stamp, author, record_id),
            )
            self._log(db, t, record_id, "delete" if deleted else "restore", now, author, batch=batch)
        return done

    def _restore_attached(self, db: Connection, t: Table, record_id: str, now, author: str, batch: str) -> dict:
        """The records the last delete of ``record_id`` took with it, restored."""
        last = self.history(t.name, record_id).query("op == 'delete'").tail(1)
        if last.empty or pd.isna(last["batch"].iloc[0]):
            return {}
        return restore_attached(db, t.name, record_id, deleted_batch=last["batch"].iloc[0],
                                deleted_at=last["changed_at"].iloc[0], now=now, by=author, batch=batch)

    def _check_totals(self, db: Connection, t: Table, written: dict | None, *, groups=(), removed=()) -> None:
        """Refuse a write that leaves a group of records off its total (``rules.GroupTotal``: a
        plan's KPI weights and 100%), naming the group and its sum. While a plan's parts are saved
        together (``Plans.save_plan_part``) the groups are noted and checked once, at the end."""
        if not total_rules(t):
            return
        frame = pd.DataFrame([written]) if written else pd.DataFrame(columns=[t.id_column])
        deferred = getattr(self, "_deferred_totals", None)
        if deferred is not None:
            noted = deferred.setdefault(t.name, set())
            for rule in total_rules(t):
                noted.update(str(g) for g in [*frame.get(rule.group, []), *groups] if g is not None)
            return
        for rule, after, reasons in total_faults(db, t, frame, groups=groups, removed=removed):
            if len(reasons):
                i = reasons.index[0]
                raise RecordValidationError(t.name, [_problem(rule.column, rule.shown_value(after, i), reasons.iloc[0])])

    def _stays_in_book(self, db: Connection, t: Table, record_id: str, action: str) -> None:
        """Refuse a write to a record the store's user may not see (before the change, or after it)."""
        if not self._visible(t, record_id, db):
            raise AccessDeniedError(self.account.name, f"{action} {t.name} {record_id}",
                                    "the record is not in their book (their own or their team's customers)")

    def _check_changes(self, t: Table, record_id: str, changes: dict, stored: dict) -> dict:
        """Check ``changes`` as part of the record they change: the record after the update must be valid.

        Returns the values to write: the changes, parsed, plus what the rules derive from them
        (a settlement's outstanding amount when its receivable or received amount changes).
        Problems with fields the update and its rules leave alone are not the editor's to fix.
        """
        _refuse_unknown_fields(t, changes)
        merged = {k: stored[k] for k in t.column_names}
        derived = {rule.column for rule in derived_from(t.name, changes)}
        for name in derived:
            merged[name] = None  # recomputed from the new values
        merged.update(changes)
        merged[t.id_column] = record_id
        relevant = set(changes) | derived | rule_columns(t.name, set(changes) | derived)
        frame = pd.DataFrame([{k: blank_to_none(v) for k, v in merged.items()}], dtype=object)
        checked = importing.check_frame(frame, "", t, partial=True)
        errors = [p for p in checked.report.errors if p.column in relevant or p.column is None]
        if errors:
            raise RecordValidationError(t.name, errors)
        row = checked.frame.iloc[0]
        return {k: python_value(row[k]) for k in checked.frame.columns if k in changes or k in derived}

    def _check_record(self, t: Table, record: dict) -> dict:
        """Parse and check one new record with the importer's rules; raise RecordValidationError."""
        _refuse_unknown_fields(t, record)
        frame = pd.DataFrame([{k: blank_to_none(v) for k, v in record.items()}], dtype=object)
        checked = importing.check_frame(frame, "", t)
        if checked.report.errors:
            raise RecordValidationError(t.name, checked.report.errors)
        if checked.frame.empty:  # every field blank: the importer drops such rows as empty lines
            raise RecordValidationError(t.name, [_problem(None, None, Fault("the record is empty", "empty_record"))])
        row = checked.frame.iloc[0]
        derived = {rule.column for rule in derived_from(t.name, record)}
        return {k: python_value(row[k]) for k in checked.frame.columns if k in record or k in derived}

    def _check_references(self, db: Connection, t: Table, values: dict) -> None:
        """The ``Reference`` rules, against the store (inside the edit's transaction)."""
        for rule in rules_for(t.name):
            if not isinstance(rule, Reference) or values.get(rule.column) is None:
                continue
            target = lookup_table(rule.target)
            f = Filter(db, target).ids([values[rule.column]])
            known = db.arrow(f"SELECT {target.id_column}, deleted_at IS NOT NULL AS deleted FROM {target.name} "
                             f"{f.where_clause()}", f.params)
            frame = pd.DataFrame({rule.column: [values[rule.column]]}, dtype=pd.StringDtype())
            found = pd.Series(known.column(1).to_pylist(), index=known.column(0).to_pylist(), dtype=bool)
            problems = rule.violations(frame, known=found)
            if len(problems):
                raise RecordValidationError(t.name, [_problem(rule.column, values[rule.column], problems.iloc[0])])


    def _check_visit_times(self, t: Table, record: dict) -> None:
        """``rules.VisitTimeAllowed``: the record as it will be stored (an update's changes with the
        fields they leave alone) against its customer's 不宜访问时间, read from the store."""
        rules = [r for r in rules_for(t.name) if isinstance(r, VisitTimeAllowed)]
        if not rules or record.get("customer_id") is None:
            return
        closed = self._closed_times(t, [record["customer_id"]])
        frame = pd.DataFrame([{c: record.get(c) for c in t.column_names}], dtype=object)
        for rule in rules:
            problems = rule.violations(frame, closed=closed)
            if len(problems):
                raise RecordValidationError(t.name, [_problem(rule.column, rule.shown_value(frame, 0),
                                                              problems.iloc[0])])


def _after_update(t: Table, record_id: str, current: dict, values: dict) -> dict | None:
    """The fields of a record that its total rules read, after an update (None: the update
    touches none of them)."""
    read = {c for rule in total_rules(t) for c in rule.columns}
    if not read & set(values):
        return None
    return {t.id_column: record_id, **{c: values.get(c, current[c]) for c in read}}


def _left_group(t: Table, current: dict, values: dict) -> list:
    """The group an update moves a record out of (a KPI moved to another plan), which changes too."""
    return [current[r.group] for r in total_rules(t) if r.group in values and not same_value(current[r.group],
                                                                                             values[r.group])]

def _stays_secret(current: dict, values: dict) -> bool:
    """Whether an updated profile fact must be flagged sensitive: its new key is not a harmless
    one, or its old key was not (what it held before stays in its history, so renaming a fact
    "健康状况" to "爱好" must not bring those values into view)."""
    return sensitive_profile_key(values.get("key", current["key"])) or sensitive_profile_key(current["key"])


def _with_required(t: Table, record: dict) -> dict:
    """So that a missing required field is reported like an empty one."""
    for col in t.columns:
        if col.required:
            record.setdefault(col.name, None)
    return record


def _refuse_unknown_fields(t: Table, record: dict) -> None:
    unknown = [k for k in record if k not in t.by_name]
    if unknown:
        raise RecordValidationError(t.name, [_problem(k, record[k], Fault(f"{t.name} has no field {k!r}", "unknown_field"))
                                             for k in unknown])


def _problem(column, value, reason: Fault) -> importing.Problem:
    return importing.Problem("", None, column, value, reason)


def _now() -> pd.Timestamp:
    return pd.Timestamp.now().floor("s")
