"""The week's visit plan in a widget (附表二 客户拜访计划): the rep sees the plan (the saved one, else
the planner's proposal), removes, adds and moves visits, and saves it through the store.

>>> planner = VisitPlanner(crm, rep="张伟", week="2026-11-02")
>>> planner.move(0, day="2026-11-03", time="10:00")   # what the Move button does for the chosen visit
>>> planner.save()                                      # crm.save_visit_plan: checked, signed, in the history

A move or an add into a customer's 不宜访问时间, onto a time already taken, or into a full day is
refused at once with the reason in the widget (the banner); the store checks the same again on save.
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from ..exceptions import RecordNotFoundError
from ..i18n import N_, translate
from ..language import one_lang
from ..visit_times import clock_text, parse_clock, parse_visit_times, weekday_label
from ..visits.due import areas
from ..visits.settings import DEFAULT_SETTINGS, PlanSettings
from ..visits.week import monday, next_week, week_days
from .errors import ErrorBanner, guarded

ITEM_COLUMNS = ["plan_item_id", "day", "time", "minutes", "customer_id", "name", "area", "purpose", "status",
                "no_visit_times"]
_HEADERS = {"day": N_("day"), "time": N_("time"), "customer": N_("customer"), "area": N_("area"),
            "purpose": N_("purpose"), "closed": N_("do not visit")}
_SOURCES = {"saved": N_("saved"), "proposed": N_("proposed")}


class VisitRefused(ValueError):
    """A move or an add the plan cannot take; the message says why, in the widget's language."""


class VisitPlanner(w.VBox):
    """One rep's visit plan of one week.

    CSS classes: ``crmkit-visit-plan`` (the widget), ``crmkit-visit-plan-table``,
    ``crmkit-visit-plan-save``, ``crmkit-visit-plan-move``, ``crmkit-visit-plan-remove``,
    ``crmkit-visit-plan-add``.

    Attributes
    ----------
    items : the plan as edited (``ITEM_COLUMNS``), sorted by day and time
    source : "saved" (the week's saved plan) or "proposed" (the planner's proposal)
    """

    def __init__(self, crm, rep: str | None = None, week=None, *, lang: str | None = None,
                 settings: PlanSettings | None = None, by: str | None = None):
        self.crm = crm
        self.lang = one_lang(lang, crm)
        self.settings = settings or DEFAULT_SETTINGS
        self.by = by
        self.rep = crm._own_rep(rep)
        if self.rep is None:
            reps = crm.distinct("customers", "owner")
            if reps.empty:
                raise ValueError("no rep owns a customer in this store: nothing to plan")
            self.rep = str(reps.index[0])
        self.week = monday(week) if week is not None else next_week(crm)
        self.days = week_days(self.week, self.settings.workdays)
        self.banner = ErrorBanner()
        safe = guarded(self.banner)
        self.title = w.HTML("")
        self.table = w.HTML("")
        self.table.add_class("crmkit-visit-plan-table")
        self.choice = w.Dropdown(options=[], description=translate("Visit", self.lang),
                                 layout=w.Layout(width="360px"))
        day_options = [(self._day_label(d), d.strftime("%Y-%m-%d")) for d in self.days]
        time_options = [clock_text(s) for s in self.settings.slot_starts()]
        self.day = w.Dropdown(options=day_options, description=translate("Day", self.lang),
                              layout=w.Layout(width="200px"))
        self.time = w.Combobox(options=time_options, value=time_options[0], ensure_option=False,
                               description=translate("Time", self.lang), layout=w.Layout(width="180px"))
        self.customer = w.Text(placeholder=translate("customer id", self.lang),
                               description=translate("Customer", self.lang), layout=w.Layout(width="240px"))
        self.move_button = self._button(N_("Move"), "arrows", "move", safe(lambda _: self._move_chosen()))
        self.remove_button = self._button(N_("Remove"), "trash", "remove", safe(lambda _: self._remove_chosen()))
        self.add_button = self._button(N_("Add"), "plus", "add", safe(lambda _: self._add_typed()))
        self.save_button = self._button(N_("Save"), "save", "save", safe(lambda _: self.save()))
        self.propose_button = self._button(N_("Propose again"), "refresh", "propose", safe(lambda _: self.propose()))
        self.status_line = w.HTML("")
        super().__init__([
            self.title, self.banner, self.table,
            w.HBox([self.choice, self.remove_button]),
            w.HBox([self.day, self.time, self.move_button]),
            w.HBox([self.customer, self.add_button]),
            w.HBox([self.save_button, self.propose_button]), self.status_line,
        ])
        self.add_class("crmkit-visit-plan")
        self.source = ""
        self.items = pd.DataFrame(columns=ITEM_COLUMNS)
        self.load()

    # ------------------------------------------------------------------ what the buttons do

    def load(self) -> pd.DataFrame:
        """The week's saved plan (its visits not cancelled), else the planner's proposal."""
        saved = self.crm.visit_plans(rep=self.rep, week=self.week)
        saved = saved[saved["status"].astype(object).ne("cancelled")]
        if saved.empty:
            return self.propose()
        self.source = "saved"
        self._set_items(saved.drop(columns=["version", "rep"]))
        return self.items

    def propose(self) -> pd.DataFrame:
        """Replace the items with the planner's proposal (saved items not in it are cancelled on save,
        the others are updated: a proposal's visit of a customer already planned keeps its record)."""
        plan = self.crm.visit_plan(rep=self.rep, week=self.week, settings=self.settings, lang=self.lang)
        saved = self.crm.visit_plans(rep=self.rep, week=self.week)
        ids = dict(zip(saved["customer_id"].astype(str), saved["plan_item_id"].astype(str)))
        plan = plan.assign(plan_item_id=plan["customer_id"].astype(str).map(ids), status="planned")
        self.source = "proposed"
        self._set_items(plan)
        return self.items

    def move(self, index: int, *, day, time) -> dict:
        """Move visit ``index`` (of :attr:`items`) to ``day`` at ``time``; VisitRefused when it cannot go there."""
        item = self.items.loc[index]
        day, start = self._slot(day, time)
        self._refuse_if_closed(item, day, start)
        self._refuse_if_taken(day, start, except_index=index)
        self.items.loc[index, ["day", "time"]] = [day, clock_text(start)]
        self._render(translate("moved {name} to {day} {time}", self.lang, name=self._name(item),
                               day=self._day_label(day), time=clock_text(start)))
        return self.items.loc[index].to_dict()

    def remove(self, index: int) -> dict:
        """Take visit ``index`` off the plan (a saved one is cancelled on save, and stays in the history)."""
        item = self.items.loc[index].to_dict()
        self.items = self.items.drop(index=index)
        self._render(translate("removed {name}", self.lang, name=self._name(item)))
        return item

    def add(self, customer_id: str, *, day, time, purpose: str | None = None) -> dict:
        """Add a visit of ``customer_id`` (a customer of the user's book); VisitRefused when it cannot go there."""
        try:
            customer = self.crm.get("customers", str(customer_id).strip())
        except RecordNotFoundError:
            raise VisitRefused(translate("no customer {id} in your book", self.lang, id=customer_id)) from None
        day, start = self._slot(day, time)
        item = {"plan_item_id": None, "day": day, "time": clock_text(start), "minutes": self.settings.visit_minutes,
                "customer_id": customer["customer_id"], "name": customer["name"], "area": customer.get("region"),
                "purpose": purpose or translate("visit", self.lang), "status": "planned",
                "no_visit_times": customer.get("no_visit_times")}
        self._refuse_if_closed(item, day, start)
        self._refuse_if_taken(day, start)
        index = int(self.items.index.max()) + 1 if len(self.items) else 0
        self.items.loc[index] = [item[c] for c in ITEM_COLUMNS]
        self._render(translate("added {name} on {day} {time}", self.lang, name=self._name(item),
                               day=self._day_label(day), time=clock_text(start)))
        return item

    def save(self) -> pd.DataFrame:
        """Save the plan through the store (``crm.save_visit_plan``); the saved items are shown after."""
        self.crm.save_visit_plan(self.items.drop(columns=["name", "area", "no_visit_times"]), rep=self.rep,
                                 week=self.week, by=self.by)
        self.load()
        self._say(translate("saved the plan: {n} visit(s)", self.lang, n=len(self.items)))
        return self.items

    # ------------------------------------------------------------------ internals

    def _move_chosen(self) -> None:
        self._refusable(lambda: self.move(self._chosen(), day=self.day.value, time=self.time.value))

    def _remove_chosen(self) -> None:
        self.remove(self._chosen())

    def _add_typed(self) -> None:
        if self._refusable(lambda: self.add(self.customer.value, day=self.day.value, time=self.time.value)):
            self.customer.value = ""

    def _refusable(self, action) -> bool:
        try:
            action()
        except VisitRefused as refused:
            self.banner.show_message(str(refused))
            return False
        return True

    def _chosen(self) -> int:
        if self.choice.value is None:
            raise VisitRefused(translate("choose a visit first", self.lang))
        return int(self.choice.value)

    def _slot(self, day, time) -> tuple[pd.Timestamp, int]:
        day = pd.Timestamp(day).normalize()
        if day not in self.days:
            shown = f"{day:%Y-%m-%d}"
            raise VisitRefused(translate("{day} is not a working day of this week", self.lang, day=shown))
        try:
            start = parse_clock(time, self.lang)
        except ValueError as err:
            raise VisitRefused(str(err)) from None
        return day, start

    def _refuse_if_closed(self, item, day: pd.Timestamp, start: int) -> None:
        text = item["no_visit_times"]
        times = parse_visit_times(text if pd.notna(text) else None)
        minutes = item["minutes"] if pd.notna(item["minutes"]) else self.settings.visit_minutes
        if times.blocks(day.weekday(), start, start + int(minutes)):
            raise VisitRefused(translate(
                "{name} must not be visited {closed}: not on {day} {time}", self.lang,
                name=self._name(item), closed=times.text(self.lang), day=self._day_label(day), time=clock_text(start)))

    def _refuse_if_taken(self, day: pd.Timestamp, start: int, except_index=None) -> None:
        others = self.items.drop(index=except_index) if except_index is not None else self.items
        same_day = others[pd.to_datetime(others["day"]) == day]
        taken = same_day[same_day["time"] == clock_text(start)]
        if len(taken):
            raise VisitRefused(translate("{day} {time} is taken by {name}", self.lang, day=self._day_label(day),
                                         time=clock_text(start), name=self._name(taken.iloc[0])))
        if len(same_day) >= self.settings.visits_per_day:
            raise VisitRefused(translate("{day} is full: {n} visits a day at most", self.lang,
                                         day=self._day_label(day), n=self.settings.visits_per_day))

    def _set_items(self, frame: pd.DataFrame) -> None:
        ids = frame["customer_id"].astype(str).unique().tolist()
        facts = self.crm.customers(customer=ids, columns=["name", "region", "address", "no_visit_times"]) if ids \
            else pd.DataFrame(columns=["customer_id", "name", "region", "address", "no_visit_times"])
        facts = facts.set_index(facts["customer_id"].astype(str))
        facts["area"] = areas(facts).to_numpy()
        items = frame.copy()
        key = items["customer_id"].astype(str)
        for col in ("name", "no_visit_times"):
            items[col] = key.map(facts[col].astype(object)).to_numpy()
        if "area" not in items:
            items["area"] = key.map(facts["area"].astype(object)).to_numpy()
        for col in ITEM_COLUMNS:
            if col not in items:
                items[col] = None
        items = items[ITEM_COLUMNS].astype(object)
        items["day"] = pd.to_datetime(items["day"])
        self.items = items.sort_values(["day", "time"], kind="stable").reset_index(drop=True)
        self._render()

    def _render(self, message: str | None = None) -> None:
        self.items = self.items.sort_values(["day", "time"], kind="stable")
        esc = html.escape
        title = translate("Visit plan", self.lang)
        source = translate(_SOURCES[self.source], self.lang)
        self.title.value = (f"<b>{esc(title)}: {esc(str(self.rep))}, {self.week:%Y-%m-%d}</b> "
                            f"<span style='color:#666'>({esc(source)})</span>")
        head = "".join(f"<th style='text-align:left;padding:2px 8px'>{esc(translate(h, self.lang))}</th>"
                       for h in _HEADERS.values())
        rows = []
        for r in self.items.itertuples():
            closed = parse_visit_times(r.no_visit_times if pd.notna(r.no_visit_times) else None).text(self.lang)
            cells = [self._day_label(r.day), r.time, self._name(r._asdict()), r.area, r.purpose, closed]
            rows.append("<tr>" + "".join(f"<td style='padding:2px 8px'>{esc('' if pd.isna(c) else str(c))}</td>"
                                         for c in cells) + "</tr>")
        nothing = translate("no visits planned", self.lang)
        empty = f"<p>{esc(nothing)}</p>"
        self.table.value = f"<table><tr>{head}</tr>{''.join(rows)}</table>" if rows else empty
        chosen = self.choice.value
        self.choice.options = [(f"{self._day_label(r.day)} {r.time} {self._name(r._asdict())}", int(i))
                               for i, r in zip(self.items.index, self.items.itertuples())]
        indexes = [int(i) for i in self.items.index]
        self.choice.value = chosen if chosen in indexes else (indexes[0] if indexes else None)
        if message:
            self._say(message)

    def _day_label(self, day) -> str:
        day = pd.Timestamp(day)
        return f"{weekday_label(day.weekday(), self.lang)} {day:%m-%d}"

    @staticmethod
    def _name(item) -> str:
        name = item.get("name") if hasattr(item, "get") else item["name"]
        return f"{name} ({item['customer_id']})" if pd.notna(name) else str(item["customer_id"])

    def _button(self, msgid: str, icon: str, css: str, callback) -> w.Button:
        button = w.Button(description=translate(msgid, self.lang), icon=icon)
        button.add_class(f"crmkit-visit-plan-{css}")
        button.on_click(callback)
        return button

    def _say(self, message: str) -> None:
        self.status_line.value = html.escape(message)
