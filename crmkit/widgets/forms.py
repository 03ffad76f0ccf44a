"""Entry forms for customers, interactions, opportunities (the intent card) and complaints.

Fields are laid out as on the paper forms, labelled in Chinese (or English), with dropdowns
from the schema's enums and date pickers. Each field is checked as the user types, by the
store's own rules; a problem shows in red beside its field, and nothing is written until the
whole record is valid. After saving, the form says what it saved and clears for the next entry,
keeping the rep: logging an anonymous walk-in is one click on 保存.

>>> forms = EntryForms(crm)                  # four tabs: 客户档案, 拜访记录, 意向客户跟踪卡, 客户投诉记录
>>> form = forms.forms["interactions"]
>>> form.fields["left_contact"].value = True
>>> form.save()                              # what the 保存 button does; returns the saved record
>>> RecordForm(crm, "customers", record_id="000123")   # edit one record (versioned update)
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Callable

import ipywidgets as w
import pandas as pd

from ..exceptions import ConflictError, DuplicateIdError, RecordNotFoundError, RecordValidationError
from ..i18n import choice_label, table_label, translate
from ..language import one_lang
from ..schema import Table, table as lookup_table
from ..values import same_value
from .conflict import Conflict, ConflictPanel
from .errors import ErrorBanner, guarded
from .fields import Field, check_fields, distinct_values
from .picker import CustomerPicker

ENTRY_TABLES = ("customers", "interactions", "opportunities", "complaints")

# Field order as on the forms (客户资料卡, 来电/店客户登记表, 意向客户跟踪卡, 投诉管理卡); the rest of
# each table's columns go under "更多信息". The walk-in fields come first on the visit form.
_LAYOUT = {
    "customers": ("customer_id", "name", "mnemonic", "customer_type", "value_grade", "status", "region", "owner",
                  "phone", "email", "address", "source", "created_at"),
    "interactions": ("channel", "occurred_at", "customer_id", "left_contact", "rep", "purpose", "result",
                     "next_step", "next_date", "notes"),
    "opportunities": ("customer_id", "title", "product", "intent_grade", "stage", "expected_amount",
                      "expected_close", "competitor", "obstacle", "rep", "created_at"),
    "complaints": ("customer_id", "received_at", "channel", "category", "content", "handler", "status"),
}

# What a new entry starts with. "now"/"today" are taken when the form clears, and "now" again at
# save time if the user left it alone (a form left open for an hour still logs the real time).
_DEFAULTS = {
    "customers": {"customer_type": "customer", "status": "active", "created_at": "today"},
    "interactions": {"channel": "walk_in", "occurred_at": "now", "left_contact": False},
    "opportunities": {"stage": "contacted", "status": "open", "created_at": "today"},
    "complaints": {"received_at": "now", "status": "open"},
}


def _now() -> dt.datetime:
    return dt.datetime.now().replace(second=0, microsecond=0)


class RecordForm(w.VBox):
    """A form for one record of ``table``: a new one (``record_id=None``) or an existing one.

    Parameters
    ----------
    crm : crmkit.Store
    table : str
        customers, interactions, opportunities, complaints (laid out as on the forms), or any
        other table (its columns in schema order).
    lang : "zh" or "en"
        Chinese labels (the forms' headers) or English ones.
    record_id : str, optional
        Edit this record: saving is a versioned update, and an edit that meets someone else's
        shows both values to choose from (``form.conflict``).
    by : str, optional
        Who edits, for the history; by default the store's user.
    defaults : dict, optional
        Starting values for new entries (e.g. ``{"rep": "张伟"}``); the rep is remembered between
        entries anyway.

    Attributes
    ----------
    fields : dict column -> input widget (set ``.value`` from Python as a user would type)
    errors : dict column -> message, the problems shown now
    status : str, what the status line says (what was saved, or why not)
    saved : the last saved record (dict), or None
    """

    def __init__(self, crm, table: str, lang: str | None = None, record_id: str | None = None, *, by: str | None = None,
                 defaults: dict | None = None, **kwargs):
        self.crm = crm
        self.table: Table = lookup_table(table)
        self.lang = lang = one_lang(lang, crm)
        self.by = by or crm.user
        self.record_id = None if record_id is None else str(record_id)
        self.version: int | None = None
        self.loaded: dict = {}  # the fields as shown when the record was loaded (what "changed" compares to)
        self.record: dict | None = None  # the stored record being edited
        self.saved: dict | None = None
        self.errors: dict[str, str] = {}
        self.conflict: Conflict | None = None
        self._saved_callbacks: list[Callable[[dict], object]] = []
        self._touched: set[str] = set()
        self._filling = False  # True while the form sets its own fields (no validation, not "touched")
        t = self.table
        self._defaults = {**_DEFAULTS.get(t.name, {}), **(defaults or {})}
        account = getattr(crm, "account", None)
        if account is not None and not account.is_admin and t.rep_column:
            # a rep's (or manager's) new records are in their own book: the store refuses a record
            # that would land outside it, so the form starts with their name
            self._defaults.setdefault(t.rep_column, account.rep)

        self.banner = ErrorBanner()
        safe = guarded(self.banner)
        main, more = self._columns()
        self._fields: dict[str, Field] = {name: self._make_field(name) for name in [*main, *more]}
        self.fields = {name: f.input for name, f in self._fields.items()}

        self.save_button = w.Button(description=translate("Save", lang), button_style="primary", icon="check")
        self.save_button.add_class("crmkit-save")
        self.save_button.on_click(safe(lambda _: self.save()))
        self.status_line = w.HTML("")
        self.status_line.add_class("crmkit-status")
        self._status = ""
        self.conflict_panel = ConflictPanel(t, lang, self.banner)

        grid = _two_columns([self._fields[n].box for n in main])
        body = [w.HTML(f"<h4 style='margin:4px 0'>{html.escape(table_label(t, lang))}</h4>"), grid]
        if more:
            extra = w.Accordion(children=[_two_columns([self._fields[n].box for n in more])])
            extra.set_title(0, translate("More", lang))
            extra.selected_index = None
            body.append(extra)
        body += [w.HBox([self.save_button, self.status_line]), self.conflict_panel, self.banner]
        super().__init__(body, **kwargs)
        self.add_class(f"crmkit-form-{t.name}")

        for name, field in self._fields.items():
            field.input.observe(safe(self._validator(name)), names="value")
        if self.record_id is None:
            self.clear()
        else:
            self.load(self.record_id)

    # ------------------------------------------------------------------ layout

    def _columns(self) -> tuple[list[str], list[str]]:
        t = self.table
        editing = self.record_id is not None
        # New records get their id from the store; customers carry the user's own 客户编号.
        hidden = set() if editing or t.name == "customers" else {t.id_column}
        if t.name == "profile":
            hidden.add("sensitive")  # set by the store from the key; never typed
        main = [c for c in _LAYOUT.get(t.name, t.column_names) if c not in hidden]
        more = [c for c in t.column_names if c not in main and c not in hidden]
        if editing and t.id_column in more:
            more.remove(t.id_column)
            main.insert(0, t.id_column)
        return main, more

    def _make_field(self, name: str) -> Field:
        t = self.table
        col = t[name]
        if name == "customer_id" and t.name != "customers":
            picker = CustomerPicker(self.crm, self.lang, banner=self.banner)
            return Field(col, self.lang, input_widget=picker)
        options = distinct_values(self.crm, t, name) if col.kind == "category" else None
        placeholder = translate("blank: assigned automatically", self.lang) if name == t.id_column else ""
        field = Field(col, self.lang, options=options, placeholder=placeholder)
        if name == t.id_column and self.record_id is not None:
            field.input.disabled = True  # the id of a record cannot change
        return field

    # ------------------------------------------------------------------ values

    def values(self) -> dict:
        """The form's values as the store takes them (None for empty fields)."""
        out = {name: f.get() for name, f in self._fields.items()}
        if self.record_id is None and out.get(self.table.id_column) is None:
            out.pop(self.table.id_column, None)  # the store assigns one
        return out

    def set_values(self, values: dict) -> None:
        """Fill fields from a record (stored values); checks them as typing would."""
        for name, value in values.items():
            if name in self._fields:
                self._fields[name].set(value)

    @property
    def status(self) -> str:
        return self._status

    def _set_status(self, message: str, ok: bool) -> None:
        self._status = message
        colour = "#1b5e20" if ok else "#b00020"
        self.status_line.value = f'<span style="color:{colour}">{html.escape(message)}</span>'

    def on_saved(self, callback: Callable[[dict], object]) -> None:
        """Call ``callback(record)`` after each successful save (e.g. to refresh a table)."""
        self._saved_callbacks.append(callback)

    # ------------------------------------------------------------------ checking

    def _validator(self, name: str):
        def check(change):
            if self._filling:
                return
            self._touched.add(name)
            self._show({name: self.check_field(name)})

        return check

    def check_field(self, name: str) -> str | None:
        """The problem with one field as it stands (None when fine), by the store's rules."""
        return self._check(only={name}).get(name)

    def validate(self) -> dict[str, str]:
        """Check the whole record; show every problem beside its field; return column -> message."""
        errors = self._check()
        rid = self.values().get(self.table.id_column)
        if self.record_id is None and rid is not None and self.table.name == "customers" \
                and _exists(self.crm, self.table, rid):
            errors.setdefault(self.table.id_column, f"a customer with id {rid!r} already exists")
        self._show({**{name: None for name in self._fields}, **errors}, replace=True)
        return dict(self.errors)

    def _check(self, only: set[str] | None = None) -> dict[str, str]:
        """A new record checked whole; an edit checked as its changes to the stored record."""
        values = self.values()
        if self.record_id is None:
            return check_fields(self.crm, self.table, values, only=only)
        return check_fields(self.crm, self.table, self._changes(values), record_id=self.record_id, only=only)

    def _show(self, problems: dict[str, str | None], replace: bool = False) -> None:
        if replace:
            self.errors = {}
        for name, message in problems.items():
            if name not in self._fields:
                continue
            self._fields[name].show_error(message)
            if message:
                self.errors[name] = message
            else:
                self.errors.pop(name, None)
        # a problem in a field the form does not show (e.g. a table rule) still blocks the save
        for name, message in problems.items():
            if name not in self._fields and message:
                self.errors[name] = message
        self.save_button.button_style = "warning" if self.errors else "primary"

    # ------------------------------------------------------------------ saving

    def save(self) -> dict | None:
        """Check and write the record; what the 保存 button does.

        Returns the saved record, or None when nothing was written (problems shown beside
        their fields, or a conflict shown in ``form.conflict``).
        """
        t = self.table
        if self.record_id is None:
            for name, value in self._defaults.items():
                if value == "now" and name in self._fields and name not in self._touched:
                    self._fields[name].set(_now())
        values = self.values()
        # The store checks the whole record before writing anything (the same check validate()
        # runs); its problems are shown beside their fields. Checking here first would only
        # check twice.
        try:
            if self.record_id is None:
                record = self.crm.add(t.name, values, by=self.by)
            else:
                changes = self._changes(values)
                if not changes:
                    self._set_status(translate("nothing to save", self.lang), ok=True)
                    return None
                record = self.crm.update(t.name, self.record_id, changes, expected_version=self.version, by=self.by)
        except RecordValidationError as err:
            self._show({name: None for name in self._fields}, replace=True)
            self._show({p.column or t.id_column: p.reason for p in reversed(err.problems)})
            self._set_status(translate("Not saved: correct the fields marked in red", self.lang), ok=False)
            return None
        except DuplicateIdError as err:
            self._show({t.id_column: str(err)}, replace=True)
            self._set_status(translate("Not saved: correct the fields marked in red", self.lang), ok=False)
            return None
        except ConflictError as err:
            self._open_conflict(err, values)
            return None
        self._after_save(record)
        return record

    def _after_save(self, record: dict) -> None:
        t = self.table
        self.saved = record
        rid = record[t.id_column]
        saved = translate("Saved", self.lang)
        message = f"{saved} {table_label(t, self.lang)} {rid}{_summary(t, record, self.lang)}"
        if self.record_id is None:
            message += " — " + translate("ready for the next entry", self.lang)
        self._set_status(message, ok=True)
        if t.rep_column and record.get(t.rep_column):
            self._defaults[t.rep_column] = record[t.rep_column]  # the rep stays for the next entry
        if self.record_id is None:
            self.clear(keep_status=True)
        else:
            self._load_record(record)
        for callback in self._saved_callbacks:
            callback(record)

    def _changes(self, values: dict) -> dict:
        return {k: v for k, v in values.items() if k != self.table.id_column and not same_value(self.loaded.get(k), v)}

    def _open_conflict(self, err: ConflictError, values: dict) -> None:
        self.conflict = Conflict(err, self._apply_resolution)
        self.conflict_panel.show(self.conflict)
        self._set_status(str(err).splitlines()[0], ok=False)

    def _apply_resolution(self, conflict: Conflict) -> dict | None:
        changes = conflict.changes()
        self.conflict_panel.clear()
        self.conflict = None
        try:
            if changes:
                record = self.crm.update(self.table.name, conflict.record_id, changes,
                                         expected_version=conflict.current_version, by=self.by)
            else:
                record = self.crm.get(self.table.name, conflict.record_id)
        except ConflictError as err:  # changed yet again while the user chose
            self._open_conflict(err, changes)
            return None
        self._after_save(record)
        return record

    # ------------------------------------------------------------------ filling

    def clear(self, keep_status: bool = False) -> None:
        """Empty every field for the next entry, then set the defaults (now, the remembered rep)."""
        self._filling = True
        try:
            for name, field in self._fields.items():
                if isinstance(field.input, CustomerPicker):
                    field.input.clear()
                else:
                    field.set(None)
                field.show_error(None)
            for name, value in self._defaults.items():
                if name in self._fields:
                    self._fields[name].set(_now() if value == "now" else dt.date.today() if value == "today" else value)
        finally:
            self._filling = False
        self.errors = {}
        self._touched = set()
        if not keep_status:
            self._set_status("", ok=True)

    def load(self, record_id: str) -> None:
        """Show the stored record ``record_id`` for editing."""
        self._load_record(self.crm.get(self.table.name, record_id))

    def _load_record(self, record: dict) -> None:
        self.record = dict(record)
        self.record_id = str(record[self.table.id_column])
        self.version = record["version"]
        self._filling = True
        try:
            for name, field in self._fields.items():
                field.set(record.get(name))
                field.show_error(None)
        finally:
            self._filling = False
        self.loaded = self.values()
        self.errors = {}


def _two_columns(boxes: list[w.Widget]) -> w.GridBox:
    return w.GridBox(boxes, layout=w.Layout(grid_template_columns="repeat(2, minmax(380px, 1fr))",
                                            grid_gap="2px 16px"))


def _exists(crm, table: Table, rid: str) -> bool:
    try:
        crm.get(table.name, rid)
        return True
    except RecordNotFoundError:  # a deleted record's id is taken too: the store says so on save
        return False


def _summary(t: Table, record: dict, lang: str) -> str:
    """A few words that tell the user which record was saved."""
    for name in ("name", "title", "category"):
        if record.get(name):
            return f" ({record[name]})"
    if t.name == "interactions" and record.get("channel"):
        when = record.get("occurred_at")
        when = f" {pd.Timestamp(when):%Y-%m-%d %H:%M}" if when is not None else ""
        return f" ({choice_label(t['channel'], record['channel'], lang)}{when})"
    return ""


class EntryForms(w.VBox):
    """The four entry forms in tabs: 客户档案, 拜访记录, 意向客户跟踪卡, 客户投诉记录 (or English titles).

    ``forms`` maps each table to its :class:`RecordForm`; ``tabs`` is the ipywidgets Tab.
    ``by`` names who enters the records (the history keeps it); ``defaults`` per table, e.g.
    ``{"interactions": {"rep": "张伟"}}``.
    """

    def __init__(self, crm, lang: str | None = None, *, by: str | None = None, tables=ENTRY_TABLES,
                 defaults: dict[str, dict] | None = None, **kwargs):
        self.crm = crm
        self.lang = lang = one_lang(lang, crm)
        self.forms = {name: RecordForm(crm, name, lang, by=by, defaults=(defaults or {}).get(name))
                      for name in tables}
        self.tabs = w.Tab(children=list(self.forms.values()))
        for i, name in enumerate(self.forms):
            self.tabs.set_title(i, table_label(lookup_table(name), lang))
        super().__init__([self.tabs], **kwargs)
        self.add_class("crmkit-entry-forms")

    def show(self, table: str) -> RecordForm:
        """Switch to the tab of ``table`` and return its form."""
        name = lookup_table(table).name
        self.tabs.selected_index = list(self.forms).index(name)
        return self.forms[name]
