"""Files and frames into the store: checked by ``crmkit.importing``, written in one transaction."""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd

from .. import day_month, importing
from ..exceptions import ImportValidationError
from ..i18n import LANGS
from ..language import resolve_lang
from ..reference_names import ReferenceIndex, parse_refs
from ..rules import Reference, VisitTimeAllowed, rules_for
from ..schema import Table, sensitive_profile_key, table as lookup_table
from .merge import merge_frame
from .query import Filter
from .totals import total_faults


class Imports:
    """The import half of ``Store`` (it needs ``self._db`` and ``self.user``)."""

    def import_file(self, path, table: str, *, columns: dict[str, str | list[str]] | None = None,
                    values: dict[str, dict[str, str | None]] | None = None,
                    refs: dict[str, str] | None = None,
                    on_error: str = "raise",
                    sheet: str | int | None = None, by: str | None = None,
                    progress=None, lang: str | None = None, date_order: str | None = None) -> importing.ImportReport:
        """Check a CSV/.xlsx file and write it in one transaction; see ``importing`` for the rules.

        ``on_error="raise"`` (default): any error writes nothing and raises ImportValidationError,
        whose ``report`` lists every problem. ``on_error="skip"``: the good rows are written, the
        bad ones listed in the returned report. Importing the same file twice changes nothing.
        ``columns`` maps the file's headers to crmkit's columns (``{"Kunde": "name"}``); a header
        may feed several (``{"Account": ["name", "customer_id"]}``). ``values`` maps a field's
        values before they are parsed (``{"status": {"Won": "won", "Engaging": "open"}}``).
        ``refs`` reads a field that refers to another table by another of that table's fields
        (``{"customer_id": "name"}``: the file names the customer; each name must match exactly
        one stored customer). ``lang`` ("en" or "zh") is the language of the counts per reason and
        of the reasons crmkit has in both (unknown values list the allowed ones in it); default
        the store's language (``crmkit.language``: its setting, the locale, else English).
        ``date_order`` ("MDY" or "DMY") reads dates written with the day and the month before the
        year, in every date column: ``"MDY"`` for 12/1/2010 8:26 (US tools), ``"DMY"`` for 31/01/2025;
        without it such dates are errors, since 1/2/2025 reads two ways. Years must have four digits.
        ``progress``, if given, is called with the name of each stage as it starts ("reading",
        "checking", "writing").
        """
        # a file may hold anyone's records: bulk writes are an admin's (record rules hold row by row)
        self._require_admin(f"import into {table}")
        step = progress or (lambda stage: None)
        t = lookup_table(table)
        path = Path(path)
        lang = resolve_lang(lang, self, fallback="en", allowed=LANGS)
        reading = importing.Reading(values=importing.map_values(t, values, path),
                                    refs=self._reference_indexes(t, refs, path, lang), lang=lang,
                                    date_order=day_month.check_order(date_order, lang))
        step("reading")
        cells = importing.read_cells(path, sheet, lang)
        step("checking")
        checked = importing.check_cells(cells, str(path), t, columns, known=self._known_references(t),
                                        reading=reading, closed_times=self._closed_times(t))
        step("writing")
        return self._write_checked(checked, t, on_error, by, source=str(path))

    def import_log(self) -> pd.DataFrame:
        """Every import (files, frames, history rows), oldest first: its batch, table, source, counts,
        time and who imported it."""
        rows = self._db.rows("SELECT batch, table_name, source, rows_read, inserted, updated, unchanged, skipped, "
                             "imported_at, imported_by FROM import_log ORDER BY imported_at, batch")
        return pd.DataFrame(rows, columns=["batch", "table_name", "source", "rows_read", "inserted", "updated",
                                           "unchanged", "skipped", "imported_at", "imported_by"])

    def _reference_indexes(self, t: Table, refs, path, lang: str) -> dict[str, ReferenceIndex]:
        """For each ``refs`` field, the live records of the table it refers to, by the field the file holds."""
        indexes = {}
        for column, (target, key) in parse_refs(t, refs, path, lang).items():
            # both names come from the schema (parse_refs checked them), never from the user
            data = self._db.arrow(f"SELECT {target.id_column}, {key} FROM {target.name} "
                                  f"WHERE deleted_at IS NULL AND {key} IS NOT NULL")
            indexes[column] = ReferenceIndex.build(column, target, key, data.column(0).to_pandas(),
                                                   data.column(1).to_pandas())
        return indexes

    def import_frame(self, frame: pd.DataFrame, table: str, *, on_error: str = "raise", by: str | None = None,
                     source: str = "<DataFrame>") -> importing.ImportReport:
        """Like ``import_file`` for a DataFrame with canonical (or the forms') column names."""
        self._require_admin(f"import into {table}")
        t = lookup_table(table)
        checked = importing.check_frame(frame, source, t, known=self._known_references(t),
                                        closed_times=self._closed_times(t))
        return self._write_checked(checked, t, on_error, by, source=source)

    def _known_references(self, t: Table) -> dict[str, pd.Series]:
        """For each table ``t``'s records must name (``Reference`` rules): every id in the store ->
        whether it was deleted."""
        known = {}
        for target in sorted({r.target for r in rules_for(t.name) if isinstance(r, Reference)}):
            other = lookup_table(target)
            # both names come from the schema, never from the user
            data = self._db.arrow(f"SELECT {other.id_column}, deleted_at IS NOT NULL AS deleted FROM {other.name}")
            known[target] = pd.Series(data.column(1).to_numpy(zero_copy_only=False).astype(bool),
                                      index=pd.Index(data.column(0).to_pandas(), dtype=object))
        return known

    def _check_totals_of_file(self, checked: importing.CheckedFrame, t: Table) -> None:
        """The ``GroupTotal`` rules (a plan's KPI weights sum to 100%) over the file's good rows and
        the stored records of the same groups: every row of a group that is off gets the problem."""
        good = checked.frame[~checked.bad]
        header_of = {field: header for header, field in checked.report.columns.items()}
        for rule, after, reasons in total_faults(self._db, t, good):
            rows = good.index  # after's first len(good) rows are good's, in order
            for i, reason in reasons.items():
                if i < len(rows):
                    at = rows[i]
                    checked.report.problems.append(importing.Problem(
                        checked.report.path, int(checked.excel_rows[at]), header_of.get(rule.column, rule.column),
                        rule.shown_value(after, i),
                        reason, rule.severity, field=rule.column))
                    checked.bad[at] = True
        checked.report.problems.sort(key=lambda p: (p.row or 0, p.column or ""))

    def _closed_times(self, t: Table, customer_ids=None) -> pd.Series | None:
        """Customer id -> 不宜访问时间, for the customers that have one (``rules.VisitTimeAllowed``);
        None for a table without that rule. ``customer_ids``: only those customers."""
        if not any(isinstance(r, VisitTimeAllowed) for r in rules_for(t.name)):
            return None
        f = Filter(self._db, lookup_table("customers")).add("no_visit_times IS NOT NULL")
        if customer_ids is not None:
            f.ids(customer_ids)
        data = self._db.arrow(f"SELECT customer_id, no_visit_times FROM customers {f.where_clause()}", f.params)
        return pd.Series(data.column(1).to_pylist(), index=pd.Index(data.column(0).to_pylist(), dtype=object),
                         dtype=object)

    def _write_checked(self, checked: importing.CheckedFrame, t: Table, on_error: str, by, source: str):
        if on_error not in ("raise", "skip"):
            raise ValueError("on_error must be 'raise' or 'skip'")
        report = checked.report
        self._check_totals_of_file(checked, t)
        if report.errors and on_error == "raise":
            raise ImportValidationError(report)
        good = checked.frame[~checked.bad]
        report.skipped = int(checked.bad.sum())
        if t.name == "profile":
            good = _flag_sensitive(good)
        batch = uuid.uuid4().hex[:16]
        now = pd.Timestamp.now().floor("s")
        author = self._author(by)
        db = self._db
        with db.transaction():  # one import, one transaction
            counts = merge_frame(db, good, t, by=author, batch=batch, now=now) if len(good) else \
                {"inserted": 0, "updated": 0, "unchanged": 0, "skipped_deleted": 0}
            db.execute(
                f"INSERT INTO import_log (batch, table_name, source, rows_read, inserted, updated, unchanged, skipped, "
                f"imported_at, imported_by) VALUES ({db.placeholders(10)})",
                (batch, t.name, source, report.rows_read, counts["inserted"], counts["updated"],
                 counts["unchanged"], report.skipped, db.value(now, "datetime"), author),
            )
        report.inserted, report.updated = counts["inserted"], counts["updated"]
        report.unchanged, report.skipped_deleted = counts["unchanged"], counts["skipped_deleted"]
        report.written = True
        return report


def _flag_sensitive(frame: pd.DataFrame) -> pd.DataFrame:
    """Mark profile facts sensitive unless their key is a harmless one (``schema.HARMLESS_PROFILE_KEYS``)."""
    if "key" not in frame:
        return frame
    flags = {k: sensitive_profile_key(k) for k in frame["key"].dropna().unique()}  # a few dozen keys, many rows
    by_key = frame["key"].map(flags).fillna(True).astype(bool)
    frame = frame.copy()
    given = frame["sensitive"] if "sensitive" in frame else pd.Series(pd.NA, index=frame.index, dtype="boolean")
    frame["sensitive"] = (given.fillna(False).astype(bool) | by_key).astype("boolean")
    return frame
