"""Where a rep writes a key account's plan (客户计划工作表): the plan's fields, then its parts as
rows to add, edit and remove (SWOT items, SMART goals, milestones, KPIs), saved together.

The plan and all its parts are one save (``Store.save_account_plan``): one transaction, checked by
the store's own rules, so a KPI table whose weights do not sum to 100% is refused with the sum,
and a goal missing one of its five parts names the part, and nothing is written. The KPI weights'
sum shows under the table as it is typed, worked out by the same rule (``rules.GroupTotal``).

>>> editor = AccountPlanEditor(crm, customer_id="000123")     # a new plan
>>> editor.fields["period_start"].value = datetime.date(2027, 1, 1)
>>> editor.parts["plan_kpis"].add_row({"name": "销售额", "metric": "sales", "target": "2000000", "weight": "100"})
>>> editor.save()                                              # what the 保存 button does
>>> AccountPlanEditor(crm, plan_id="AP000001")                 # edit a stored plan
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from ..exceptions import ConflictError, RecordNotFoundError, RecordValidationError
from ..i18n import column_label, table_label, translate
from ..language import one_lang
from ..rules import GroupTotal, rules_for
from ..schema import PLAN_PARTS, TABLES
from .errors import ErrorBanner, guarded
from .fields import Field, distinct_values
from .picker import CustomerPicker

#: The columns a part's rows show, in the form's order (the plan's id is the plan's).
PART_COLUMNS = {
    "plan_swot": ("kind", "text"),
    "plan_goals": ("seq", "title", "specific", "measurable", "ambitious", "realistic", "time_bound", "pop_strategy"),
    "plan_milestones": ("title", "due_date", "owner", "done_at", "goal_id"),
    "plan_kpis": ("name", "metric", "target", "weight", "unit", "goal_id"),
}
_PLAN_COLUMNS = ("customer_id", "title", "rep", "department", "written_at", "period_start", "period_end", "status",
                 "value_statement", "contact_plan", "needs", "notes")
_CELL = w.Layout(width="120px")


class PartRows(w.VBox):
    """The rows of one part of the plan: a header, one line of inputs per row, add and remove."""

    def __init__(self, crm, table: str, lang: str, on_change=None):
        self.table = TABLES[table]
        self.lang = lang
        self.columns = PART_COLUMNS[table]
        self.rows: list[dict] = []  # each: {"id": .., "version": .., "fields": {column: Field}, "box": HBox}
        self._on_change = on_change or (lambda: None)
        self._options = {c: distinct_values(crm, self.table, c) for c in self.columns
                         if self.table[c].kind == "category"}
        head = [w.HTML(f"<b>{html.escape(column_label(self.table[c], lang))}</b>", layout=_CELL) for c in self.columns]
        self.header = w.HBox(head)
        self.lines = w.VBox([])
        self.add_button = w.Button(description=translate("Add a row", lang), icon="plus")
        self.add_button.add_class(f"crmkit-add-{table}")
        self.add_button.on_click(lambda _: self.add_row())
        self.note = w.HTML("")
        super().__init__([w.HTML(f"<h4 style='margin:6px 0 2px 0'>{html.escape(table_label(self.table, lang))}</h4>"),
                          self.header, self.lines, w.HBox([self.add_button, self.note])])
        self.add_class(f"crmkit-part-{table}")

    def load(self, frame: pd.DataFrame) -> None:
        self.rows = []
        self.lines.children = []
        for record in frame.to_dict("records"):
            self.add_row(record, record_id=record[self.table.id_column], version=record.get("version"))

    def add_row(self, values: dict | None = None, *, record_id=None, version=None) -> None:
        fields = {c: Field(self.table[c], self.lang, options=self._options.get(c)) for c in self.columns}
        for c, f in fields.items():
            f.input.layout = w.Layout(width="120px")
            if values and c in values:
                f.set(values[c])
            f.input.observe(lambda _: self._on_change(), names="value")
        remove = w.Button(icon="trash", layout=w.Layout(width="36px"), tooltip=translate("Remove the row", self.lang))
        row = {"id": record_id, "version": version, "fields": fields}
        row["box"] = w.HBox([f.input for f in fields.values()] + [remove])
        remove.on_click(lambda _, r=row: self.remove_row(r))
        self.rows.append(row)
        self.lines.children = [r["box"] for r in self.rows]
        self._on_change()

    def remove_row(self, row: dict) -> None:
        self.rows.remove(row)
        self.lines.children = [r["box"] for r in self.rows]
        self._on_change()

    def records(self) -> list[dict]:
        """The rows as the store takes them (ids and versions of stored rows kept)."""
        out = []
        for row in self.rows:
            record = {c: f.get() for c, f in row["fields"].items()}
            if row["id"] is not None:
                record[self.table.id_column] = row["id"]
                record["version"] = row["version"]
            out.append(record)
        return out


class AccountPlanEditor(w.VBox):
    """A plan (new, for ``customer_id``; or stored, ``plan_id``) and its parts, saved together.

    Attributes: ``fields`` (plan column -> input widget), ``parts`` (part table -> PartRows),
    ``status`` (what the status line says), ``saved`` (the AccountPlan last saved, or None).
    """

    def __init__(self, crm, plan_id: str | None = None, *, customer_id: str | None = None, lang: str | None = None,
                 by: str | None = None, **kwargs):
        self.crm = crm
        self.lang = lang = one_lang(lang, crm)
        self.by = by or crm.user
        self.plan_id = plan_id
        self.version: int | None = None
        self.saved = None
        self._status = ""
        self.banner = ErrorBanner()
        safe = guarded(self.banner)
        t = TABLES["account_plans"]
        self._fields = {}
        for name in _PLAN_COLUMNS:
            if name == "customer_id":
                self._fields[name] = Field(t[name], lang, input_widget=CustomerPicker(crm, lang, banner=self.banner))
            else:
                options = distinct_values(crm, t, name) if t[name].kind == "category" else None
                self._fields[name] = Field(t[name], lang, options=options)
        self.fields = {name: f.input for name, f in self._fields.items()}
        self.parts = {name: PartRows(crm, name, lang, on_change=self._show_weights) for name in PLAN_PARTS}
        self.save_button = w.Button(description=translate("Save", lang), button_style="primary", icon="check")
        self.save_button.add_class("crmkit-save")
        self.save_button.on_click(safe(lambda _: self.save()))
        self.status_line = w.HTML("")
        self.status_line.add_class("crmkit-status")
        boxes = [f.box for f in self._fields.values()]
        grid = w.GridBox(boxes, layout=w.Layout(grid_template_columns="repeat(2, 400px)"))
        body = [w.HTML(f"<h4 style='margin:4px 0'>{html.escape(table_label(t, lang))}</h4>"), grid,
                *self.parts.values(), w.HBox([self.save_button, self.status_line]), self.banner]
        super().__init__(body, **kwargs)
        self.add_class("crmkit-plan-editor")
        if plan_id is not None:
            self.load(plan_id)
        else:
            account = getattr(crm, "account", None)
            if customer_id is not None:
                self._fields["customer_id"].set(customer_id)
            if account is not None and not account.is_admin:
                self._fields["rep"].set(account.rep)
            self._fields["status"].set("draft")

    @property
    def status(self) -> str:
        return self._status

    def load(self, plan_id: str) -> None:
        """Show the stored plan and its parts."""
        plan = self.crm.account_plan(plan_id)
        self.plan_id, self.version = plan.plan_id, plan.plan["version"]
        for name, field in self._fields.items():
            field.set(plan.plan.get(name))
        for name, rows in self.parts.items():
            rows.load(plan.part(name))
        self._show_weights()

    def weights_total(self) -> float:
        """The KPI rows' weights as typed, summed as the store's rule sums them."""
        rule = next(r for r in rules_for("plan_kpis") if isinstance(r, GroupTotal))
        rows = self.parts["plan_kpis"].records()
        weights = pd.to_numeric(pd.Series([str(r.get("weight") or "0").rstrip("%") for r in rows], dtype=object),
                                errors="coerce")
        frame = pd.DataFrame({rule.group: ["this plan"] * len(rows), rule.column: weights})
        return float(rule.sums(frame).sum()) if len(rows) else 0.0

    def _show_weights(self) -> None:
        if "plan_kpis" not in getattr(self, "parts", {}):
            return
        total = self.weights_total()
        ok = abs(total - 100) < 0.005 or not self.parts["plan_kpis"].rows
        colour = "#1b5e20" if ok else "#b00020"
        shown = format(total, "g")
        text = translate("weights sum to {total}%", self.lang, total=shown)
        self.parts["plan_kpis"].note.value = f'<span style="color:{colour}">{html.escape(text)}</span>'

    def save(self):
        """Save the plan and every part in one transaction; returns the AccountPlan, or None (the
        status line and the fields say why)."""
        plan = {name: f.get() for name, f in self._fields.items()}
        for f in self._fields.values():
            f.show_error(None)
        if self.plan_id is not None:
            plan["plan_id"] = self.plan_id
        parts = {name.removeprefix("plan_"): rows.records() for name, rows in self.parts.items()}
        try:
            saved = self.crm.save_account_plan(plan, expected_version=self.version, by=self.by, **parts)
        except RecordValidationError as err:
            for p in err.problems:
                if err.table == "account_plans" and p.column in self._fields:
                    self._fields[p.column].show_error(p.reason)
            first = err.problems[0]
            where = table_label(TABLES[err.table], self.lang) if err.table in TABLES else err.table
            self._set_status(translate("not saved: {where}: {reason}", self.lang, where=where, reason=first.reason),
                             ok=False)
            return None
        except (ConflictError, RecordNotFoundError) as err:
            self._set_status(translate("not saved: {reason}", self.lang, reason=str(err)), ok=False)
            return None
        self.saved = saved
        self.load(saved.plan_id)
        self._set_status(translate("saved plan {plan_id}", self.lang, plan_id=saved.plan_id), ok=True)
        return saved

    def _set_status(self, message: str, ok: bool) -> None:
        self._status = message
        colour = "#1b5e20" if ok else "#b00020"
        self.status_line.value = f'<span style="color:{colour}">{html.escape(message)}</span>'
