"""Merging duplicate records: every record that names a dropped one moves to the one kept.

(``merge.py`` is something else: it upserts an imported frame into a table.)

>>> crm.merge("customers", keep="000123", drop=["000456"])    # one transaction, or nothing

What a merge of customers does, in one transaction (if any step fails, nothing changes):

- every record naming a dropped customer (contacts, visits, cards, orders, settlements,
  complaints, profile facts; deleted ones too) is moved to the kept one: version + 1 and a
  history row ``customer_id: dropped -> kept``, signed by ``by``;
- two profile facts that would name the same person and key (the profile's natural key
  customer_id, contact_id, key; keys compared as ``schema.profile_key_norm`` makes them, and the
  spellings of one harmless key as one: "Birthday" repeats "生日"): the
  kept customer's fact stays, else the first dropped customer's (in the order of ``drop``); the
  others move too and are then soft-deleted, with a history row ``duplicate_of -> the fact kept``;
- fields left blank on the kept customer are filled from the dropped ones, first non-blank in
  the order of ``drop`` (``fill_blanks=False`` leaves them blank); a field the kept customer
  has is never overwritten;
- the kept customer gets a history row ``merged_from -> dropped id`` for each dropped one, and
  its version moves on (an editor holding the old version meets a ConflictError);
- each dropped customer is soft-deleted, as ``delete`` does, with a history row
  ``merged_into -> kept id``; its own history stays under its id;
- the files attached to a dropped record are attached to the kept one (``attachments``), each
  with a history row of the kept record naming the file and the record it came from.

Which tables name which comes from the schema (``Column.references``), so contacts merge the same
way (their profile facts move).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pandas as pd

from ..exceptions import ConflictError, ParameterError, RecordNotFoundError
from ..i18n import column_label, table_label, translate
from ..schema import HARMLESS_PROFILE_KEYS, TABLES, Table, profile_key_norm, table as lookup_table
from ..values import blank_to_none
from .attachments import move_attachments
from .cascade import referrers, set_deleted
from .connection import Connection
from .query import Filter
from .totals import total_rules

#: Tables whose natural key means "one record per key": two facts "生日" of one person are one too
#: many. (Two contacts named 张伟 may be two people, so contacts are not among them.)
ONE_PER_KEY = ("profile",)
# each spelling of a harmless profile key -> its first spelling: "birthday" and "生日" are one fact
_SAME_FACT = {profile_key_norm(k): profile_key_norm(fact[0]) for fact in HARMLESS_PROFILE_KEYS for k in fact}


@dataclass
class MergeResult:
    """What a merge did. ``moved``: records per table moved onto ``keep`` (deleted ones included);
    ``filled``: fields of ``keep`` that were blank -> the value taken from a dropped record;
    ``retired``: facts that repeated one kept (fact id -> the id of the fact kept), soft-deleted;
    ``attachments``: files attached to the dropped records, now attached to ``keep``;
    ``batch``: the id shared by the merge's history rows."""

    table: str
    keep: str
    dropped: list[str]
    moved: dict[str, int] = field(default_factory=dict)
    filled: dict[str, object] = field(default_factory=dict)
    retired: dict[str, str] = field(default_factory=dict)
    attachments: int = 0
    batch: str = ""

    def describe(self, lang: str = "en") -> str:
        """The merge in a few lines, in ``lang`` ("zh" or "en")."""
        t = TABLES[self.table]
        lines = [translate("merged {dropped} into {keep}", lang, dropped=", ".join(self.dropped), keep=self.keep)]
        if self.moved:
            moved = ", ".join(f"{table_label(TABLES[name], lang)} {n}" for name, n in self.moved.items())
            lines.append(translate("records moved to {keep}: {moved}", lang, keep=self.keep, moved=moved))
        else:
            lines.append(translate("no records to move", lang))
        if self.filled:
            fields = ", ".join(column_label(t[name], lang) for name in self.filled)
            lines.append(translate("blank fields filled from the merged records: {fields}", lang, fields=fields))
        if self.retired:
            lines.append(translate("{n} profile fact(s) repeated one already kept and were deleted: {ids}", lang,
                                   n=len(self.retired), ids=", ".join(self.retired)))
        if self.attachments:
            lines.append(translate("{n} attached file(s) moved to {keep}", lang, n=self.attachments, keep=self.keep))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe("en")


class Combine:
    """The merging half of ``Store`` (it needs the reads, the history, ``self._db`` and ``self.user``)."""

    def merge(self, table: str, keep: str, drop, *, expected_versions: dict[str, int] | None = None,
              fill_blanks: bool = True, by: str | None = None) -> MergeResult:
        """Merge the records ``drop`` (an id or a list) into ``keep``: see the module's text.

        ``expected_versions`` (id -> the version you read) makes the merge fail with a
        ConflictError, changing nothing, if any of those records changed since. A missing or
        deleted id raises RecordNotFoundError, also changing nothing.

        >>> result = crm.merge("customers", keep="000123", drop=["000456", "000789"])
        >>> result.moved                                # {'interactions': 12, 'orders': 3, ...}
        """
        self._require_admin(f"merge {table}")  # a merge moves records across books
        t = lookup_table(table)
        links = referrers(t.name)
        if not links:
            raise ParameterError("table", table, "no other table refers to its records, so there is nothing to merge")
        keep, drop = _ids(keep, drop)
        now, author, batch = pd.Timestamp.now().floor("s"), self._author(by), uuid.uuid4().hex[:16]
        result = MergeResult(t.name, keep, drop, batch=batch)
        db = self._db
        with db.transaction():
            rows = {rid: self._merge_row(db, t, rid, (expected_versions or {}).get(rid)) for rid in [keep, *drop]}
            if t.customer_column and t.name != "customers":
                others = [rid for rid in drop if rows[rid]["customer_id"] != rows[keep]["customer_id"]]
                if others:  # their facts would name one customer and a contact of another
                    raise ParameterError("drop", others, f"belong(s) to another customer than {keep!r}")
            duplicates = {name: _repeated(db, TABLES[name], column, keep, drop)
                          for name in ONE_PER_KEY for target, column in links if target.name == name}
            for child, column in links:
                n = _move(db, child, column, drop, keep, now=now, by=author, batch=batch)
                if n:
                    result.moved[child.name] = n
                    # two plans merged bring two sets of KPI weights together: their total is checked
                    self._check_totals(db, child, None, groups=[keep] if column in _group_columns(child) else [])
            for name, repeated in duplicates.items():
                result.retired.update(repeated)
                for fact_id, kept in repeated.items():
                    set_deleted(db, TABLES[name], lambda f, i=fact_id: f.ids([i]), deleted=True, now=now,
                                by=author, batch=batch, field="duplicate_of", new_value=kept)
            result.attachments = move_attachments(db, self._log, t, drop, keep, now=now, by=author, batch=batch)
            result.filled = _blanks_filled(t, rows, keep, drop) if fill_blanks else {}
            self._update_kept(db, t, rows[keep], result, now, author)
            for rid in drop:
                set_deleted(db, t, lambda f, i=rid: f.ids([i]), deleted=True, now=now, by=author, batch=batch,
                            field="merged_into", new_value=keep)
        return result

    def _merge_row(self, db: Connection, t: Table, record_id: str, expected_version: int | None) -> dict:
        row = self._row(t, record_id, db)
        if row is None or row["deleted_at"] is not None:
            raise RecordNotFoundError(t.name, record_id)
        if expected_version is not None and row["version"] != expected_version:
            raise ConflictError(t.name, record_id, expected_version, row["version"], {})
        return row

    def _update_kept(self, db: Connection, t: Table, row: dict, result: MergeResult, now, author: str) -> None:
        """The kept record: its blank fields filled, its version moved on, and the merge in its history."""
        p = db.placeholder
        sets = [f"{name} = {p(i)}" for i, name in enumerate(result.filled, start=1)]
        params = [db.value(v, t[name].kind) for name, v in result.filled.items()]
        n = len(params)
        sets += [f"version = {p(n + 1)}", f"modified_at = {p(n + 2)}", f"modified_by = {p(n + 3)}"]
        params += [row["version"] + 1, db.value(now, "datetime"), author, result.keep]
        db.execute(f"UPDATE {t.name} SET {', '.join(sets)} WHERE {t.id_column} = {p(n + 4)}", params)
        for name, value in result.filled.items():
            self._log(db, t, result.keep, "update", now, author, field=name, old=None, new=value, batch=result.batch)
        for rid in result.dropped:
            self._log(db, t, result.keep, "update", now, author, field="merged_from", new=rid, batch=result.batch)


def _group_columns(t: Table) -> set[str]:
    return {rule.group for rule in total_rules(t)}


def _ids(keep, drop) -> tuple[str, list[str]]:
    keep = str(keep)
    drop = [str(drop)] if isinstance(drop, str) or not hasattr(drop, "__iter__") else [str(d) for d in drop]
    if not drop:
        raise ParameterError("drop", drop, "name at least one record to merge into keep")
    if keep in drop:
        raise ParameterError("drop", drop, f"holds {keep!r}, the record to keep")
    if len(set(drop)) < len(drop):
        raise ParameterError("drop", drop, "names a record twice")
    return keep, drop


def _move(db: Connection, child: Table, column: str, drop: list[str], keep: str, *, now, by: str, batch: str) -> int:
    """Point ``column`` of every record of ``child`` that names a dropped id at ``keep``, deleted
    records too, each with a history row (old value: the dropped id). Returns how many."""
    stamp = db.value(now, "datetime")

    def rows(*head) -> tuple[Filter, list[str]]:
        f = Filter(db, child)
        marks = [f.bind(v) for v in head]  # written values first: SQLite numbers "?" by place
        return f.add(f"{column} IN ({f.bind_many(drop)})"), marks

    f, _ = rows()
    n = int(db.scalar(f"SELECT COUNT(*) FROM {child.name} {f.where_clause()}", f.params))
    if n:
        f, (k, s, b, g) = rows(keep, stamp, by, batch)
        db.execute(
            "INSERT INTO history (table_name, record_id, op, field, old_value, new_value, changed_at, changed_by, batch) "
            f"SELECT '{child.name}', {child.id_column}, 'update', '{column}', {column}, {k}, {s}, {b}, {g} "
            f"FROM {child.name} {f.where_clause()}", f.params)
        f, (k, s, b) = rows(keep, stamp, by)
        db.execute(f"UPDATE {child.name} SET {column} = {k}, version = version + 1, modified_at = {s}, "
                   f"modified_by = {b} {f.where_clause()}", f.params)
    return n


def _repeated(db: Connection, t: Table, column: str, keep: str, drop: list[str]) -> dict[str, str]:
    """The live records of ``t`` that will repeat another's natural key once ``column`` names
    ``keep``: their id -> the id of the record that stays (the kept record's own first, then the
    dropped ones in the order of ``drop``)."""
    order = [keep, *drop]
    key = list(t.natural_key)
    f = Filter(db, t).live()
    f.add(f"{column} IN ({f.bind_many(order)})")
    data = db.arrow(f"SELECT {t.id_column}, {', '.join(key)} FROM {t.name} {f.where_clause()}", f.params)
    frame = data.to_pandas().astype(object)
    if frame.empty:
        return {}
    frame["_rank"] = frame[column].map(order.index)
    frame[column] = keep
    if "key" in frame:
        frame["key"] = frame["key"].map(lambda k: _SAME_FACT.get(profile_key_norm(k), profile_key_norm(k)))
    frame = frame.fillna("\0").sort_values(["_rank", t.id_column], kind="stable")  # NULL contact == NULL contact
    first = frame.groupby(key, sort=False)[t.id_column].transform("first")
    # only records that came with a dropped one: the kept record's own are not the merge's to judge
    repeated = frame[(frame[t.id_column] != first) & (frame["_rank"] > 0)]
    return dict(zip(repeated[t.id_column], first[repeated.index]))


def _blanks_filled(t: Table, rows: dict[str, dict], keep: str, drop: list[str]) -> dict[str, object]:
    """The fields blank on ``keep`` -> the first non-blank value among the dropped records."""
    filled = {}
    for name in t.column_names:
        if name == t.id_column or blank_to_none(rows[keep][name]) is not None:
            continue
        for rid in drop:
            value = blank_to_none(rows[rid][name])
            if value is not None:
                filled[name] = value
                break
    return filled
