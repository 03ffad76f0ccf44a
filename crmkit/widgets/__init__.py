"""Widgets for entry, editing and exploration (ipywidgets 8, ipydatagrid), in JupyterLab or Voila.

>>> from crmkit import widgets
>>> widgets.EntryForms(crm)          # customer, interaction, opportunity and complaint forms
>>> widgets.RecordEditor(crm)        # search, edit in a grid or a form, resolve conflicts, undo
>>> widgets.SegmentExplorer(crm)     # as-of date, method, filters -> live charts and table
>>> widgets.LeadBoard(crm)           # open opportunities by grade, follow-ups, overdue flags

Modules: ``fields`` (schema -> input widgets, labels in zh/en, validation), ``forms``, ``picker``,
``editor``, ``explorer``, ``board``, ``errors`` (callback errors shown in the widget), ``app``.
"""

from importlib import import_module

# ipywidgets, ipydatagrid and matplotlib load only when a widget is made, so `import crmkit` stays fast.
_LAZY = {
    "EntryForms": "forms",
    "RecordForm": "forms",
    "CustomerPicker": "picker",
    "RecordEditor": "editor",
    "SegmentExplorer": "explorer",
    "LeadBoard": "board",
    "app_layout": "app",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
