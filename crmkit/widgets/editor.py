"""Search a table, edit cells in a grid (or a record in a form), save with versioned updates.

The editor shows one page (``page_size`` rows) of the search result, queried in SQL, so it opens
and searches in well under 200 ms at 100k customers; saving writes only the edited records and
updates their rows in place (the table is not reloaded). Each save is ``Store.update(...,
expected_version=...)``: if someone else changed the record meanwhile, the conflict panel shows
both values and nothing is written until the user chooses. The last change can be undone
(itself a versioned update, so it is in the history too), and a record's history is one click away,
as are its attachments (contracts, photos, scans: listed, uploaded, downloaded, detached).

>>> editor = RecordEditor(crm, "customers")
>>> editor.search("联万")                        # name, mnemonic, phone, id … contain "联万"
>>> editor.edit("000003", "phone", "13800000000")
>>> editor.save()
>>> editor.undo()
>>> editor.show_history("000003")
>>> editor.show_attachments("000003")
"""

from __future__ import annotations

import html
import math

import ipywidgets as w
import pandas as pd
from ipydatagrid import DataGrid

from ..exceptions import ConflictError, RecordValidationError
from ..i18n import choice_label, column_label, translate
from ..language import one_lang
from ..schema import Table, table as lookup_table
from ..values import python_value, same_value
from .attachments import AttachmentsPanel
from .conflict import Conflict, ConflictPanel, conflict_title
from .errors import ErrorBanner, guarded
from .fields import check_fields
from .forms import RecordForm
from .history import HistoryPanel

# The enum a quick filter offers, per table (the first one the table has).
_FILTER_COLUMNS = ("status", "channel", "intent_grade", "stage")


class RecordEditor(w.VBox):
    """Search, edit and save the records of one table, safely against concurrent edits.

    Parameters
    ----------
    crm : crmkit.Store
    table : str, default "customers"
    lang : "zh" or "en"
        Column headers and labels in Chinese (the forms') or English.
    page_size : int, default 200
        Rows shown at once; the grid never holds more.
    by : str, optional
        Who edits (kept in the history); by default the store's user.
    include_sensitive : bool, default False
        For the profile table: also show sensitive facts (health, religion, family …), which
        are otherwise left out, as ``crm.profile()`` leaves them out.

    Attributes
    ----------
    page : DataFrame of the rows shown, as read (typed, as ``crm.read`` returns them)
    total : how many records match the search
    pending : dict record_id -> {column: value}, edits not saved yet
    conflict : the pending :class:`~crmkit.widgets.conflict.Conflict`, or None
    errors : dict column -> message for the last rejected edit
    status : what the status line says
    """

    def __init__(self, crm, table: str = "customers", lang: str | None = None, page_size: int = 200, *,
                 by: str | None = None, include_sensitive: bool = False, **kwargs):
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.crm = crm
        self.table: Table = lookup_table(table)
        self.lang = lang = one_lang(lang, crm)
        self.page_size = int(page_size)
        self.by = by or crm.user
        self.include_sensitive = include_sensitive
        t = self.table
        self.columns = [c for c in t.column_names if c != t.id_column]
        self._header = {c: column_label(t[c], lang) for c in t.column_names}
        if len(set(self._header.values())) < len(self._header):  # two columns share a label
            self._header = {c: c for c in t.column_names}
        self._column_of = {h: c for c, h in self._header.items()}
        self.query = ""
        self.filters: dict = {}
        self.page_number = 0
        self.total = 0
        self.page = pd.DataFrame()
        self.page_ids: list[str] = []
        self.originals: dict[str, dict] = {}  # record_id -> the record as last read or saved (with version)
        self.pending: dict[str, dict] = {}
        self.match_ids = None  # ids of every record the search matched, in id order; None: all
        self.undo_stack: list[tuple[str, dict, int]] = []  # (record_id, values before, version after)
        self.conflict: Conflict | None = None
        self.errors: dict[str, str] = {}
        self.selected_id: str | None = None
        self._status = ""
        self._quiet = False  # True while the editor itself writes into the grid

        self.banner = ErrorBanner()
        safe = guarded(self.banner)
        self.search_box = w.Text(placeholder=translate("Search", lang), continuous_update=False,
                                 layout=w.Layout(width="280px"))
        self.search_box.add_class("crmkit-search")
        self.search_box.observe(safe(self._on_search_typed), names="value")
        self.filter_column = next((c for c in _FILTER_COLUMNS if c in t.by_name and t[c].kind == "enum"), None)
        top = [self.search_box]
        if self.filter_column:
            col = t[self.filter_column]
            self.filter_box = w.Dropdown(
                # "" rather than None for "no filter": a Dropdown shows None as an empty box
                options=[(f"{column_label(col, lang)}: {translate('(none)', lang)}", "")]
                + [(f"{column_label(col, lang)}: {choice_label(col, v, lang)}", v) for v in col.choices],
                value="", layout=w.Layout(width="200px"))
            self.filter_box.add_class("crmkit-filter")
            self.filter_box.observe(safe(self._on_filter), names="value")
            top.append(self.filter_box)
        self.prev_button = w.Button(description=translate("Previous", lang), icon="chevron-left")
        self.next_button = w.Button(description=translate("Next", lang), icon="chevron-right")
        self.prev_button.on_click(safe(lambda _: self.goto(self.page_number - 1)))
        self.next_button.on_click(safe(lambda _: self.goto(self.page_number + 1)))
        self.page_label = w.HTML("")
        top += [self.prev_button, self.next_button, self.page_label]

        empty = pd.DataFrame({c: pd.Series(dtype=t[c].dtype) for c in t.column_names})
        self.grid = DataGrid(self._display(empty), editable=True, selection_mode="cell", base_column_size=110,
                             layout=w.Layout(height="420px"))
        self.grid.add_class("crmkit-grid")
        self.grid.on_cell_change(safe(self._on_cell_change))
        self.grid.on_cell_click(safe(self._on_cell_click))

        self.save_button = w.Button(description=translate("Save", lang), button_style="primary", icon="check")
        self.save_button.add_class("crmkit-editor-save")
        self.save_button.on_click(safe(lambda _: self.save()))
        self.undo_button = w.Button(description=translate("Undo last change", lang), icon="undo")
        self.undo_button.add_class("crmkit-undo")
        self.undo_button.on_click(safe(lambda _: self.undo()))
        self.history_button = w.Button(description=translate("History", lang), icon="history")
        self.history_button.add_class("crmkit-history")
        self.history_button.on_click(safe(lambda _: self.show_history()))
        self.attachments_button = w.Button(description=translate("Attachments", lang), icon="paperclip")
        self.attachments_button.add_class("crmkit-attachments-button")
        self.attachments_button.on_click(safe(lambda _: self.show_attachments()))
        self.form_button = w.Button(description=translate("Edit in a form", lang), icon="edit")
        self.form_button.add_class("crmkit-edit-form")
        self.form_button.on_click(safe(lambda _: self.open_form()))
        self.status_line = w.HTML("")
        self.status_line.add_class("crmkit-editor-status")
        self.error_line = w.HTML("")
        self.error_line.add_class("crmkit-editor-error")

        self.conflict_panel = ConflictPanel(t, lang, self.banner)
        self.history_panel = HistoryPanel(lang, self.banner)
        self.attachments_panel = AttachmentsPanel(crm, t.name, lang, self.banner, by=self.by)
        self.form_area = w.VBox([])
        self.form: RecordForm | None = None
        super().__init__([
            w.HBox(top), self.grid,
            w.HBox([self.save_button, self.undo_button, self.history_button, self.attachments_button, self.form_button,
                    self.status_line]),
            self.error_line, self.conflict_panel, self.history_panel, self.attachments_panel, self.form_area,
            self.banner,
        ], **kwargs)
        self.add_class("crmkit-editor")
        self.search("")

    # ------------------------------------------------------------------ searching

    def search(self, query: str = "", **filters) -> pd.DataFrame:
        """Show the first page of the records matching ``query`` and ``filters``; return that page.

        ``query`` is looked for (case-insensitive, anywhere) in the ids, names and other short
        text columns, and for tables about customers also in the customer's name and mnemonic.
        ``filters`` are exact matches, e.g. ``status="active"``. Unsaved edits are kept.
        """
        unknown = [c for c in filters if c not in self.table.by_name]
        if unknown:
            raise KeyError(f"{self.table.name} has no column(s) {unknown}")
        self.query = query.strip()
        self.filters = {k: v for k, v in filters.items() if v is not None and v != ""}
        self._quiet = True  # show the search in the box and the quick filter without searching again
        try:
            self.search_box.value = query
            if self.filter_column:
                self.filter_box.value = self.filters.get(self.filter_column, "")
        finally:
            self._quiet = False
        # One scan finds every match; paging then reads a page by id, without scanning again.
        # Without a search, pages come straight off the id's index.
        self._search_filters = {"text": self.query, "where": self.filters, "include_sensitive": self.include_sensitive}
        if self.query or self.filters:
            self.match_ids = self.crm.ids(self.table.name, **self._search_filters)
            self.total = len(self.match_ids)
        else:
            self.match_ids = None
            self.total = self.crm.count(self.table.name, **self._search_filters)
        return self.goto(0)

    def _on_search_typed(self, change) -> None:
        if not self._quiet:
            self.search(change["new"], **self.filters)

    def _on_filter(self, change) -> None:
        if self._quiet:
            return
        filters = dict(self.filters)
        filters[self.filter_column] = change["new"] or None
        self.search(self.query, **filters)

    def goto(self, page_number: int) -> pd.DataFrame:
        """Show page ``page_number`` (from 0) of the current search; returns the page."""
        last = max(0, math.ceil(self.total / self.page_size) - 1)
        self.page_number = min(max(0, page_number), last)
        start = self.page_number * self.page_size
        if self.match_ids is None:
            page = self.crm.search(self.table.name, **self._search_filters, limit=self.page_size, offset=start)
        else:
            page = self.crm.search(self.table.name, ids=self.match_ids[start:start + self.page_size],
                                   include_sensitive=self.include_sensitive)
        self._show_page(page)
        return page

    def _show_page(self, page: pd.DataFrame) -> None:
        t = self.table
        self.page = page
        self.page_ids = page[t.id_column].astype(str).tolist()
        for rid in self.page_ids:
            if rid not in self.pending:  # a record with unsaved edits keeps the version they were made on
                self.originals.pop(rid, None)  # read again from this page when it is edited
        shown = self._display(page)
        for rid, changes in self.pending.items():  # unsaved edits stay visible
            if rid in self.page_ids:
                i = self.page_ids.index(rid)
                for col, value in changes.items():
                    shown.iloc[i, shown.columns.get_loc(self._header[col])] = (
                        value if isinstance(value, str) else self._cell(col, value))
        self._quiet = True
        try:
            self.grid.data = shown
        finally:
            self._quiet = False
        first = self.page_number * self.page_size + (1 if self.total else 0)
        last = self.page_number * self.page_size + len(page)
        total = f"{self.total:,}"
        self.page_label.value = html.escape(translate("rows {first}–{last} of {total}", self.lang, first=first,
                                                      last=last, total=total))
        self.prev_button.disabled = self.page_number == 0
        self.next_button.disabled = last >= self.total

    def _display(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The page as the grid shows it: text cells, enum labels in the chosen language, id as the index."""
        # A page is at most a few thousand cells: plain Python per cell beats pandas' per-column overhead.
        t = self.table
        cells = {self._header[c]: [self._cell(c, v) for v in frame[c].tolist()] for c in self.columns}
        index = pd.Index(frame[t.id_column].tolist(), dtype=object, name=self._header[t.id_column])
        return pd.DataFrame(cells, index=index, dtype=object)

    def _cell(self, column: str, value) -> str:
        v = python_value(value)
        if v is None:
            return ""
        col = self.table[column]
        if col.kind == "enum" and v in col.choices:
            return choice_label(col, v, self.lang)
        if col.kind == "date" and hasattr(v, "year"):
            return f"{pd.Timestamp(v):%Y-%m-%d}"
        if col.kind == "datetime" and hasattr(v, "year"):
            return f"{pd.Timestamp(v):%Y-%m-%d %H:%M}"
        if col.kind == "bool":
            return translate("yes", self.lang) if v else translate("no", self.lang)
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    # ------------------------------------------------------------------ editing

    def _on_cell_change(self, cell) -> None:
        if self._quiet:
            return
        row = int(cell["row"])
        column = self._column_of.get(cell["column"], cell["column"])
        self.edit(self.page_ids[row], column, cell["value"])

    def _on_cell_click(self, cell) -> None:
        row = cell.get("primary_key_row", cell.get("row"))
        if row is not None and 0 <= int(row) < len(self.page_ids):
            self.selected_id = self.page_ids[int(row)]

    def edit(self, record_id: str, column: str, value) -> bool:
        """Change one cell (what typing into the grid does); saved by :meth:`save`.

        The value is checked by the store's rules at once: a bad one is refused with its
        reason (``editor.errors``) and the cell keeps its old value. Returns whether it was taken.
        """
        t = self.table
        record_id = str(record_id)
        if column not in t.by_name:
            raise KeyError(f"{t.name} has no column {column!r}; columns: {t.column_names}")
        if column == t.id_column:
            raise ValueError(f"the id of a record cannot be changed ({t.id_column})")
        if record_id not in self.originals:
            if record_id in self.page_ids:  # as shown: an edit is made on the version the user saw
                row = self.page.iloc[self.page_ids.index(record_id)]
                self.originals[record_id] = {k: python_value(v) for k, v in row.items()}
            else:
                record = self.crm.get(t.name, record_id)  # raises RecordNotFoundError for an unknown id
                self.originals[record_id] = {k: python_value(v) for k, v in record.items()}
        self.selected_id = record_id
        if isinstance(value, str):
            value = value.strip() or None
        # checked with the record's other unsaved edits, against the stored record
        problems = check_fields(self.crm, t, {**self.pending.get(record_id, {}), column: value}, record_id=record_id)
        original = self.originals[record_id].get(column)
        if problems:
            self.errors = problems
            label = column_label(t[column], self.lang)
            self.error_line.value = (f'<span class="crmkit-error-{column}" style="color:#b00020">'
                                     f'{html.escape(record_id)} · {html.escape(label)}: '
                                     f'{html.escape(problems.get(column, next(iter(problems.values()))))}</span>')
            pending = self.pending.get(record_id, {})
            self._put_cell(record_id, column, pending.get(column, original), typed=column in pending)
            return False
        self.errors = {}
        self.error_line.value = ""
        changes = self.pending.setdefault(record_id, {})
        if _equal_shown(self, column, original, value):
            changes.pop(column, None)
            if not changes:
                self.pending.pop(record_id)
        else:
            changes[column] = value
        self._put_cell(record_id, column, value, typed=True)
        self._set_status(translate("{n} unsaved change(s)", self.lang, n=sum(len(c) for c in self.pending.values())))
        return True

    def _put_cell(self, record_id: str, column: str, value, typed: bool = False) -> None:
        """Show ``value`` in the record's cell: a stored value as the grid shows it, a typed one as typed."""
        if record_id not in self.page_ids:
            return
        shown = value if typed and isinstance(value, str) else self._cell(column, value)
        row = self.page_ids.index(record_id)
        if self.grid.get_cell_value_by_index(self._header[column], row) == shown:
            return
        self._quiet = True
        try:
            self.grid.set_cell_value_by_index(self._header[column], row, shown)
        finally:
            self._quiet = False

    # ------------------------------------------------------------------ saving

    def save(self) -> int:
        """Write every pending edit, one versioned update per record; returns how many were saved.

        A record someone else changed meanwhile is not written: ``editor.conflict`` holds both
        values, the panel shows them, and saving stops there until the user has chosen.
        """
        if self.conflict is not None:
            self._set_status(str(self._conflict_line()))
            return 0
        if not self.pending:
            self._set_status(translate("nothing to save", self.lang))
            return 0
        saved = 0
        for record_id in list(self.pending):
            changes = self.pending[record_id]
            before = {c: self.originals[record_id].get(c) for c in changes}
            try:
                record = self.crm.update(self.table.name, record_id, changes,
                                         expected_version=self.originals[record_id]["version"], by=self.by)
            except ConflictError as err:
                self._open_conflict(err)
                break
            except RecordValidationError as err:  # a rule across fields, e.g. resolved before received
                self.errors = {p.column: p.reason for p in err.problems}
                self.error_line.value = f'<span style="color:#b00020">{html.escape(str(err))}</span>'
                break
            self.pending.pop(record_id)
            self._saved(record, before)
            saved += 1
        if saved and self.conflict is None and not self.errors:
            self._set_status(translate("saved {n} record(s)", self.lang, n=saved))
        return saved

    def _saved(self, record: dict, before: dict) -> None:
        """A write succeeded: remember it for undo and show the stored values in its row."""
        rid = str(record[self.table.id_column])
        if before:
            self.undo_stack.append((rid, before, record["version"]))
        self._refresh_row(record)

    def _refresh_row(self, record: dict) -> None:
        rid = str(record[self.table.id_column])
        self.originals[rid] = {k: python_value(v) for k, v in record.items()}
        if rid in self.page_ids:
            for c in self.columns:
                self._put_cell(rid, c, record.get(c))

    def _open_conflict(self, err: ConflictError) -> None:
        self.conflict = Conflict(err, self._apply_resolution)
        self.conflict_panel.show(self.conflict)
        self._set_status(self._conflict_line())
        if err.deleted:  # nothing to choose: the edit is dropped, the row left as it was shown
            self.pending.pop(err.record_id, None)
            self.conflict = None

    def _conflict_line(self) -> str:
        c = self.conflict
        if c is None:
            return ""
        return conflict_title(c, self.lang)

    def _apply_resolution(self, conflict: Conflict) -> dict | None:
        """Every field has a choice: write the ones where the user kept theirs, against the store's version."""
        changes = conflict.changes()
        rid = conflict.record_id
        self.conflict = None
        self.conflict_panel.clear()
        try:
            if changes:
                record = self.crm.update(self.table.name, rid, changes,
                                         expected_version=conflict.current_version, by=self.by)
            else:
                record = self.crm.get(self.table.name, rid)
        except ConflictError as err:  # changed yet again while the user was choosing
            self.pending[rid] = changes
            self.originals[rid]["version"] = err.expected_version
            self._open_conflict(err)
            return None
        before = {c: conflict.fields[c][0] for c in changes}
        self.pending.pop(rid, None)
        self._saved(record, before)
        self._set_status(translate("saved {n} record(s)", self.lang, n=1))
        return record

    # ------------------------------------------------------------------ undo, history, form

    def undo(self) -> dict | None:
        """Put back the values the last saved change replaced (a versioned update, in the history too).

        If someone changed the record since, the conflict panel shows it instead. Returns the
        record as stored, or None.
        """
        if not self.undo_stack:
            self._set_status(translate("nothing to undo", self.lang))
            return None
        rid, before, version = self.undo_stack.pop()
        try:
            record = self.crm.update(self.table.name, rid, before, expected_version=version, by=self.by)
        except ConflictError as err:
            self.pending[rid] = before
            self._open_conflict(err)
            return None
        self.pending.pop(rid, None)
        self._refresh_row(record)
        self._set_status(translate("undid the change to {table} {rid}", self.lang, table=self.table.name, rid=rid))
        return record

    def show_history(self, record_id: str | None = None) -> pd.DataFrame | None:
        """Show the changes of ``record_id`` (default: the selected record); returns them."""
        rid = record_id or self.selected_id
        if rid is None:
            self._set_status(translate("select a record in the table first", self.lang))
            return None
        frame = self.crm.history(self.table.name, str(rid))
        self.history_panel.show(frame, str(rid))
        return frame

    def show_attachments(self, record_id: str | None = None) -> pd.DataFrame | None:
        """Show the files attached to ``record_id`` (default: the selected record), with an upload
        that attaches more; returns the list."""
        rid = record_id or self.selected_id
        if rid is None:
            self._set_status(translate("select a record in the table first", self.lang))
            return None
        return self.attachments_panel.show(str(rid))

    def open_form(self, record_id: str | None = None) -> RecordForm | None:
        """Edit ``record_id`` (default: the selected record) in a form below the grid."""
        rid = record_id or self.selected_id
        if rid is None:
            self._set_status(translate("select a record in the table first", self.lang))
            return None
        form = RecordForm(self.crm, self.table.name, self.lang, record_id=str(rid), by=self.by)
        before = {c: python_value(v) for c, v in form.record.items()}
        form.on_saved(lambda record: self._form_saved(record, before))
        self.form = form
        self.form_area.children = [form]
        return form

    def _form_saved(self, record: dict, before: dict) -> None:
        changed = {c: v for c, v in before.items() if c in self.columns and not same_value(v, record.get(c))}
        self._saved(record, changed)
        before.clear()
        before.update({c: python_value(record.get(c)) for c in self.columns})

    # ------------------------------------------------------------------ status

    @property
    def status(self) -> str:
        return self._status

    def _set_status(self, message: str) -> None:
        self._status = message
        self.status_line.value = html.escape(message)



def _equal_shown(editor: RecordEditor, column: str, original, value) -> bool:
    """Whether an edit puts back what the record holds (typing the old value again is no change)."""
    if same_value(original, value):
        return True
    return value is not None and original is not None and editor._cell(column, original) == str(value)
