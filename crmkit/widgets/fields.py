"""The schema's columns as input widgets: labels in Chinese or English (``crmkit.i18n``), values in and out,
errors beside them.

One :class:`Field` per column: the input widget (chosen by the column's kind), a label and a red
error line under it. Values go in and out as the store's plain Python values (``None`` for an
empty field), so a form can hand them to ``Store.add``/``Store.update`` unchanged; checking them is
the store's job (:func:`check_fields`), so a form and an import agree on what is valid.

>>> field = Field(schema.INTERACTIONS["channel"], lang="zh")
>>> field.set("walk_in"); field.get()
'walk_in'
"""

from __future__ import annotations

import datetime as dt
import html
import math

import ipywidgets as w
import pandas as pd

from ..i18n import choice_label, column_label, translate
from ..schema import Column, Table

# Long free text gets a text area; everything else of kind "text" a one-line box.
_LONG_TEXT = {"notes", "content", "resolution", "obstacle", "address", "result", "next_step", "purpose"}


class Field:
    """One column of a form: label, input widget and the error line beside it.

    ``input`` is the widget a user types into (its ``value`` is settable from Python);
    ``error`` the red line shown under it; ``box`` the three laid out together.
    CSS classes ``crmkit-field-<column>`` and ``crmkit-error-<column>`` let browser tests find them.
    """

    def __init__(self, column: Column, lang: str = "zh", *, options: list[str] | None = None,
                 input_widget: w.Widget | None = None, placeholder: str = ""):
        self.column = column
        self.lang = lang
        self.input = input_widget if input_widget is not None else _input_for(column, lang, options, placeholder)
        self.input.add_class(f"crmkit-field-{column.name}")
        required = " *" if column.required else ""
        self.label = w.HTML(f"<b>{html.escape(column_label(column, lang))}</b>{required}",
                            layout=w.Layout(width="110px", min_width="110px"))
        self.error = w.HTML("", layout=w.Layout(margin="0 0 0 114px"))
        self.error.add_class(f"crmkit-error-{column.name}")
        self.message = ""
        self.box = w.VBox([w.HBox([self.label, self.input]), self.error])

    def get(self):
        """The field's value as the store takes it: None when empty."""
        v = self.input.value
        if isinstance(v, str):
            return v.strip() or None
        if isinstance(v, tuple):  # a multiple choice would be a tuple; crmkit has none
            return list(v) or None
        return v

    def set(self, value) -> None:
        """Show a stored value (or None) in the field."""
        self.input.value = _to_widget_value(self.column, self.input, value)

    def show_error(self, message: str | None) -> None:
        self.message = message or ""
        self.error.value = (f'<span style="color:#b00020">{html.escape(message)}</span>' if message else "")


def _input_for(column: Column, lang: str, options, placeholder: str) -> w.Widget:
    layout = w.Layout(width="260px")
    if column.kind == "enum":
        choices = [(translate("(none)", lang), None)] + [(choice_label(column, v, lang), v) for v in column.choices]
        return w.Dropdown(options=choices, value=None, layout=layout)
    if column.kind == "bool":
        return w.Checkbox(value=False, indent=False, layout=w.Layout(width="auto"))
    if column.kind == "date":
        return w.DatePicker(value=None, layout=layout)
    if column.kind == "datetime":
        return w.NaiveDatetimePicker(value=None, layout=layout)
    if column.kind == "category":
        # free text with the values already in the store as suggestions (a new region is allowed)
        return w.Combobox(options=list(options or []), value="", ensure_option=False, placeholder=placeholder,
                          layout=layout)
    if column.kind == "text" and column.name in _LONG_TEXT:
        return w.Textarea(value="", placeholder=placeholder, layout=w.Layout(width="260px", height="52px"))
    # id, text, money, number, integer: typed text, parsed by the store like an imported cell
    return w.Text(value="", placeholder=placeholder, layout=layout)


def _to_widget_value(column: Column, widget: w.Widget, value):
    missing = value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    if isinstance(widget, w.Checkbox):
        return bool(value) if not missing else False
    if isinstance(widget, w.Dropdown):
        return None if missing else value
    if isinstance(widget, w.DatePicker):
        if missing:
            return None
        return pd.Timestamp(value).date() if not isinstance(value, dt.date) or isinstance(value, dt.datetime) else value
    if isinstance(widget, w.NaiveDatetimePicker):
        return None if missing else pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)
    if not isinstance(widget, (w.Text, w.Textarea)):  # e.g. the customer picker: an id or None
        return None if missing else str(value)
    if missing:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return pd.Timestamp(value).isoformat(sep=" ")
    return str(value)


SUGGESTION_SAMPLE = 5000  # the newest records whose values a category field suggests


def distinct_values(crm, table: Table, column: str, limit: int = 300) -> list[str]:
    """The values a category column holds in the newest records, most used first: a Combobox's suggestions.

    Only the newest ``SUGGESTION_SAMPLE`` records are looked at (through the id's index), so a
    form with a dozen such fields opens in milliseconds at 100k records, and the suggestions are
    the regions, reps and products in use now.
    """
    values = crm.distinct(table.name, column, recent=SUGGESTION_SAMPLE, limit=limit).index
    return [str(v) for v in values if str(v).strip()]


def check_fields(crm, table: Table, values: dict, *, record_id: str | None = None,
                 only: set[str] | None = None) -> dict[str, str]:
    """What is wrong with ``values`` by the store's own rules: column -> message (empty when valid).

    Without ``record_id`` the values are a new record; with it, changes to that stored record,
    checked together with its other fields (a complaint resolved before it was received). It is
    :meth:`crmkit.Store.check`, so a form accepts exactly what an import and ``Store.add`` accept.
    ``only`` keeps the problems of those columns: while the user types one field, the fields
    they have not reached yet are not reported as missing.
    """
    errors: dict[str, str] = {}
    for problem in crm.check(table.name, values, record_id=record_id):
        column = problem.column or table.id_column
        if only is None or column in only:
            errors.setdefault(column, problem.reason)
    return errors
