"""Widgets for entry, editing and exploration (ipywidgets 8, ipydatagrid), in JupyterLab or Voila.

>>> from crmkit import widgets
>>> widgets.EntryForms(crm)          # customer, interaction, opportunity and complaint forms
>>> widgets.RecordEditor(crm)        # search, edit in a grid or a form, resolve conflicts, undo
>>> widgets.SegmentExplorer(crm)     # as-of date, method, filters -> live charts and table
>>> widgets.LeadBoard(crm)           # open opportunities by grade, follow-ups, overdue flags
>>> widgets.AccountPlanEditor(crm, customer_id="000123")   # a key account's plan and its parts
>>> widgets.VisitPlanner(crm, rep="张伟", week="2026-11-02")   # the week's visits: move, add, remove, save

Modules: ``fields`` (schema -> input widgets, labels in zh/en, validation), ``forms``, ``picker``,
``editor`` (with ``attachments``: a record's files), ``plan_editor`` (account plans), ``explorer``, ``board``,
``visit_plan``, ``errors`` (callback errors shown
in the widget), ``app``.
"""

from typing import TYPE_CHECKING

from .._lazy import attach

# ipywidgets, ipydatagrid and matplotlib load only when a widget is made, so `import crmkit` stays fast.
__getattr__, __dir__ = attach(__name__, {
    "forms": ["EntryForms", "RecordForm"],
    "picker": ["CustomerPicker"],
    "editor": ["RecordEditor"],
    "explorer": ["SegmentExplorer"],
    "board": ["LeadBoard"],
    "plan_editor": ["AccountPlanEditor"],
    "visit_plan": ["VisitPlanner"],
    "app": ["app_layout"],
})

if TYPE_CHECKING:
    from .app import app_layout
    from .board import LeadBoard
    from .editor import RecordEditor
    from .explorer import SegmentExplorer
    from .forms import EntryForms, RecordForm
    from .picker import CustomerPicker
    from .plan_editor import AccountPlanEditor
    from .visit_plan import VisitPlanner

__all__ = ["AccountPlanEditor", "CustomerPicker", "EntryForms", "LeadBoard", "RecordEditor", "RecordForm", "SegmentExplorer",
           "VisitPlanner", "app_layout"]
