"""The lead board: open opportunities by grade, their probability, next follow-up and overdue
flags, per rep; a follow-up logged here is written to the store.

>>> board = LeadBoard(crm)                       # opens at once with the reps' own grades
>>> board.wait_scored()                          # the close model scores in the background
>>> board.rows                                   # one row per open card, as shown
>>> board.log_followup("O0000123", channel="phone", result="约了下周演示", grade="A")

The board plans for one day, ``as_of``: by default the store's data date (the day of its last
recorded activity), so a historical store (an export whose records end years ago) opens on
its own last day, not today with every card years overdue. The date picker above the table
("As of") reads the cards again as they stood at the end of the chosen day and scores them
with a model trained on what was known by then (``board.set_as_of(day)`` does the same in code).

Opening is quick: the board reads the open cards and each customer's last contact, and plans
follow-ups from the grades the reps recorded (``crmkit.close.plan_followups``). Fitting the
close model takes seconds to a minute (at 100k opportunities; see bench/bench_widgets.py), so
it runs once, in a background thread on its own connection, while the board is already usable;
when it is done the probabilities appear and the follow-up plan uses the model's grades
(``scoring="now"`` waits for it instead, ``scoring="off"`` skips it). The fitted scores are
kept for the day in the kernel, so opening the board again does not refit.

A follow-up adds an interaction and, when the grade or stage changes, updates the card with
``Store.update(expected_version=...)``: if someone changed the card since the board read it,
the conflict is shown and nothing is overwritten; "refresh" reloads the board.
"""

from __future__ import annotations

import html
import threading
import time

import ipywidgets as w
import numpy as np
import pandas as pd

from .. import schema
from ..exceptions import ConflictError, ValueInputError
from ..i18n import N_, choice_label, choice_labels, column_label, translate, translate_in_context
from ..language import one_lang
from ..store import cache_dir as crmkit_cache_dir
from ..timeframe import as_of_day, end_of, resolve_as_of
from .display import grid_frame
from .errors import ErrorBanner, guarded

__all__ = ["LeadBoard", "open_cards"]

ALL = "__all__"
KEEP = "__keep__"
GRADES = list(schema.INTENT_GRADES)

# board column -> its header (a message id of crmkit.i18n)
COLUMNS = {
    "opportunity_id": N_("card"),
    "customer_name": N_("customer"),
    "title": N_("title"),
    "stage": N_("stage"),
    "intent_grade": N_("rep's grade"),
    "probability": N_("probability"),
    "grade": N_("plan grade"),
    "rep": N_("rep"),
    "last_contact_at": N_("last contact"),
    "next_due": N_("next due"),
    "overdue": N_("overdue"),
    "days_overdue": N_("days overdue"),
    "expected_amount": N_("expected amount"),
}
# what the scoring line says (colour, message id)
_NOT_SCORED = ("#666", N_("Not scored by the model; grades are the reps' own"))
_NOTHING_TO_LEARN = ("#666", N_("Not scored: the cards before {day} show no outcome to learn from (none won within "
                                "30 days, or none that was not); grades are the reps' own"))
_SCORING = ("#8a6d00", N_("Scoring with the close model… (the board is usable; grades are the reps' own for now)"))
# A board on the data date follows a follow-up logged today only while its data are this fresh:
# on a historical store the day stays put, or one test entry would make every card years overdue.
FOLLOW_WITHIN_DAYS = 30


def open_cards(crm, *, as_of) -> pd.DataFrame:
    """The opportunities open at the end of the ``as_of`` day with what a follow-up plan needs,
    indexed by opportunity_id.

    ``as_of`` is a calendar day (``crmkit.timeframe``). Columns: customer_id, customer_name,
    title, rep, stage, intent_grade, expected_amount, version, age_days (days from the card's
    opening to ``as_of``) and last_contact_at (the customer's last interaction by the end of
    ``as_of``). On the data date these are the cards open now, as they are. On an earlier day
    (the board's date picker) they are the cards open then, closed or not since, with stage,
    grade, amount and rep as they stood then (``close.features.fields_as_of``); ``version`` stays
    the stored one, which is what a follow-up is checked against.
    """
    from ..close.features import fields_as_of

    as_of = as_of_day(as_of)
    end = end_of(as_of)
    opps = crm.read("opportunities", end=end,
                    columns=["customer_id", "title", "rep", "stage", "intent_grade", "expected_amount",
                             "created_at", "status", "closed_at", "version"])
    status = opps["status"].astype(object)
    closed_later = status.isin(["won", "lost"]) & (pd.to_datetime(opps["closed_at"]) >= end)
    opps = opps[((status == "open") | closed_later).to_numpy()]
    ids = pd.unique(opps["customer_id"].to_numpy(dtype=object)).tolist()
    names = crm.read("customers", columns=["name"], **_only(ids))
    last = _last_contacts(crm, ids, end)
    out = opps.set_index("opportunity_id").drop(columns=["status", "closed_at"])
    out.index = pd.Index(out.index.astype(object), name="opportunity_id")
    data_date = crm.data_date()
    if data_date is not None and as_of < data_date:  # what changed since the day is undone
        out = fields_as_of(out, crm.history("opportunities", since=end), as_of=as_of)
    out.insert(1, "customer_name", out["customer_id"].map(names.set_index("customer_id")["name"]).astype(object))
    out["age_days"] = (as_of - pd.to_datetime(out["created_at"]).dt.normalize()).dt.days.astype("Int64")
    last = pd.Series(last.to_numpy(dtype="datetime64[ns]"), index=pd.Index(last.index, dtype=object))
    out["last_contact_at"] = last.reindex(out["customer_id"].to_numpy(dtype=object)).to_numpy()
    return out.drop(columns=["created_at"])


def _only(ids: list) -> dict:
    """A ``customer=`` filter for a few ids; none for many (binding thousands of ids costs more
    than reading the column whole, and SQLite caps the number of parameters)."""
    return {"customer": ids} if len(ids) <= 500 else {}


def _last_contacts(crm, ids: list, end: pd.Timestamp, window_days: int = 90) -> pd.Series:
    """Each customer's last interaction before the moment ``end`` (customer_id -> time).

    Most open cards were touched lately: read the last ``window_days`` first (a range on the
    date index), then go further back only for the customers not found there.
    """
    if not ids:
        return pd.Series(dtype="datetime64[ns]")
    start = end - pd.Timedelta(days=window_days)
    recent = crm.read("interactions", start=start, end=end, columns=["customer_id", "occurred_at"])
    last = recent.groupby("customer_id", observed=True)["occurred_at"].max()
    missing = sorted(set(ids) - set(last.index.to_numpy(dtype=object)))
    if missing:
        older = crm.read("interactions", end=start, columns=["customer_id", "occurred_at"], **_only(missing))
        older = older[older["customer_id"].isin(missing)]
        last = pd.concat([last, older.groupby("customer_id", observed=True)["occurred_at"].max()])
    return last


# The last fitted model's scores, per (store, day): a board opened again in the same kernel that
# day (a re-run cell, a second board) reuses them instead of fitting for seconds again. Cards
# opened since have no probability and are planned by their recorded grade.
_SCORED: dict[tuple, object] = {}


class LeadBoard(w.VBox):
    """Open opportunities by grade, with probability, next follow-up and overdue flag, per rep;
    log a follow-up from the board.

    Parameters
    ----------
    crm : Store
    lang : "zh" or "en"
    as_of : date, optional
        The day the plan is made for, a calendar day (``crmkit.timeframe``): contacts logged on
        it count, cards due on it are due, not overdue. Default: the store's data date (the day
        of its last recorded activity); such a board follows the data, moving on to the day of
        a follow-up logged on it while the data are current (within ``FOLLOW_WITHIN_DAYS`` of
        it). Follow-ups are logged at the real time. The "As of" picker changes it.
    scoring : "background", "now" or "off"
        Fit the close model in a background thread (default), before showing, or not at all.
    cadence : dict, optional
        Days between contacts per grade (see ``crmkit.close.DEFAULT_CADENCE``).
    cache_dir : path, optional
        Where the fitted close model is kept for the next board on the same, unchanged store
        (default ``crmkit.store.cache_dir()``: $CRMKIT_CACHE_DIR or data/.cache).
    """

    def __init__(self, crm, lang: str | None = None, *, as_of=None, scoring: str = "background",
                 cadence: dict[str, int] | None = None, max_rows: int = 1000, cache_dir=None):
        lang = one_lang(lang, crm)
        if scoring not in ("background", "now", "off"):
            raise ValueError("scoring must be 'background', 'now' or 'off'")
        from ipydatagrid import DataGrid

        self.crm = crm
        self.lang = lang
        self.scoring = scoring
        self._live = as_of is None
        self.as_of = resolve_as_of(as_of, crm)
        self.cadence = cadence
        self.max_rows = int(max_rows)
        # the fitted close model is kept here between kernels (each Voila visitor has its own)
        self.cache_dir = cache_dir if cache_dir is not None else crmkit_cache_dir()
        self.scored = None  # close.Scored once the model has run
        self.scoring_seconds: float | None = None
        self._probabilities: pd.Series | None = None
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._quiet = False
        channel, stage = schema.INTERACTIONS["channel"], schema.OPPORTUNITIES["stage"]

        self.banner = ErrorBanner()
        self.scoring_status = w.HTML()
        self.as_of_picker = w.DatePicker(description=translate("As of", lang), value=self.as_of.date())
        self.summary = w.HTML()
        everyone = translate("(all)", lang)
        self.rep = w.Dropdown(description=translate("Rep", lang), options=[(everyone, ALL)])
        self.grade = w.Dropdown(description=translate_in_context("plan grade", "Grade", lang),
                                options=[(everyone, ALL), *[(g, g) for g in GRADES]])
        self.overdue_only = w.Checkbox(description=translate("Overdue only", lang), value=False, indent=False)
        self.refresh_button = w.Button(description=translate("Refresh", lang), icon="refresh")
        self.grid = DataGrid(pd.DataFrame({"": []}), selection_mode="row", base_column_size=100,
                             base_row_header_size=100, layout={"height": "340px"})
        self.card = w.Dropdown(description=translate("Card", lang), options=[], layout={"width": "640px"})
        self.channel = w.Dropdown(description=column_label(channel, lang),
                                  options=[(v, k) for k, v in choice_labels(channel, lang).items()], value="phone")
        self.result = w.Text(description=column_label(schema.INTERACTIONS["result"], lang), layout={"width": "460px"})
        self.next_date = w.DatePicker(description=translate("Next contact", lang))
        keep = translate("(keep)", lang)
        self.new_grade = w.Dropdown(description=translate_in_context("intent grade", "Grade", lang),
                                    options=[(keep, KEEP), *[(g, g) for g in GRADES]])
        self.new_stage = w.Dropdown(description=column_label(stage, lang),
                                    options=[(keep, KEEP), *[(v, k) for k, v in choice_labels(stage, lang).items()]])
        self.log_button = w.Button(description=translate("Log follow-up", lang), button_style="primary", icon="check")
        self.status = w.HTML()
        self.conflict = w.HTML()
        self.conflict.layout.display = "none"
        for widget, name in [(self.as_of_picker, "as-of"), (self.rep, "rep"), (self.grade, "grade"),
                             (self.overdue_only, "overdue-only"),
                             (self.refresh_button, "refresh"), (self.grid, "table"), (self.summary, "summary"),
                             (self.scoring_status, "scoring"), (self.card, "card"), (self.channel, "channel"),
                             (self.result, "result"), (self.next_date, "next-date"), (self.new_grade, "new-grade"),
                             (self.new_stage, "new-stage"), (self.log_button, "log"), (self.status, "status"),
                             (self.conflict, "conflict")]:
            widget.add_class(f"crmkit-board-{name}")
        for widget in (self.rep, self.grade, self.overdue_only):
            widget.observe(guarded(self.banner)(self._render), names="value")
        self.refresh_button.on_click(guarded(self.banner)(lambda _b: self.refresh()))
        self.as_of_picker.observe(guarded(self.banner)(self._on_day), names="value")
        self.log_button.on_click(guarded(self.banner)(self._on_log))

        followup = w.VBox([w.HTML("<b>" + html.escape(translate("Log a follow-up", lang)) + "</b>"), self.card,
                           w.HBox([self.channel, self.next_date]), self.result,
                           w.HBox([self.new_grade, self.new_stage]), self.log_button, self.status, self.conflict])
        followup.add_class("crmkit-board-followup")
        super().__init__([self.banner, self.scoring_status,
                          w.HBox([self.as_of_picker, self.rep, self.grade, self.overdue_only, self.refresh_button]),
                          self.summary, self.grid, followup])
        self.add_class("crmkit-board")
        self.rows = pd.DataFrame()
        guarded(self.banner)(self.refresh)()
        self._start_scoring()

    def _start_scoring(self) -> None:
        """Score the cards of the board's day as ``scoring`` says: now, in the background, or not."""
        if self.scoring == "now":
            guarded(self.banner)(self._score)()
        elif self.scoring == "background":
            self._say(*_SCORING)
            self._thread = threading.Thread(target=guarded(self.banner)(self._score), name="crmkit-board-scoring",
                                            daemon=True)
            self._thread.start()
        else:
            self._say(*_NOT_SCORED)

    # ----------------------------------------------------------------- the day

    def set_as_of(self, day) -> None:
        """Plan for another day: the cards as they stood at its end, scored by a model trained on
        what was known by then. The board then stays on that day."""
        day = as_of_day(day)
        with self._lock:
            self._live = False
            if day == self.as_of and self.as_of_picker.value == day.date():
                return
            self.as_of = day
            self.scored = None
            self._probabilities = None
            self.as_of_picker.value = day.date()   # (its observer sees the same day and returns)
            self.refresh()
        self._start_scoring()

    def _on_day(self, change) -> None:
        if change["new"] is None:   # the picker cleared: back to the store's data date
            self.set_as_of(resolve_as_of(None, self.crm))
            self._live = True
        elif as_of_day(change["new"]) != self.as_of:
            self.set_as_of(change["new"])

    # ----------------------------------------------------------------- data

    def refresh(self) -> None:
        """Read the open cards again (after a conflict, or to see others' changes)."""
        with self._lock:
            self._cards = open_cards(self.crm, as_of=self.as_of)
            self.conflict.layout.display = "none"
            reps = sorted(self._cards["rep"].dropna().astype(str).unique())
            keep = self.rep.value if self.rep.value in reps else ALL
            options = [(translate("(all)", self.lang), ALL), *[(r, r) for r in reps]]
            self._quiet = True  # the filter observer must not render before the plan exists
            try:
                if list(self.rep.options) != options:
                    self.rep.options = options
                self.rep.value = keep
            finally:
                self._quiet = False
            self._replan()

    def _replan(self) -> None:
        """Follow-up plan of every card (model grades when scored, else the reps' grades)."""
        from ..close import plan_followups

        cards = self._cards
        plan = plan_followups(cards, as_of=self.as_of, cadence=self.cadence, probabilities=self._probabilities)
        rows = plan[["grade", "next_due", "overdue", "days_overdue"]].join(
            cards[["customer_id", "customer_name", "title", "rep", "stage", "intent_grade", "expected_amount",
                   "last_contact_at", "version"]])
        rows["probability"] = (self._probabilities.reindex(rows.index).astype("float64")
                               if self._probabilities is not None else float("nan"))
        order = rows.assign(_g=rows["grade"].cat.codes, _late=-rows["days_overdue"])
        order = order.sort_values(["_g", "_late", "next_due"], kind="stable")
        self.plan = rows.loc[order.index]
        self._render()

    def _visible(self) -> pd.DataFrame:
        rows = self.plan
        if self.rep.value != ALL:
            rows = rows[(rows["rep"].astype(object) == self.rep.value).to_numpy()]
        if self.grade.value != ALL:
            rows = rows[(rows["grade"].astype(object) == self.grade.value).to_numpy()]
        if self.overdue_only.value:
            rows = rows[rows["overdue"].to_numpy()]
        return rows

    def _render(self, _change=None) -> None:
        if self._quiet:
            return
        with self._lock:
            rows = self._visible()
            self.rows = rows
            counts = rows.groupby("grade", observed=False).agg(n=("overdue", "size"), late=("overdue", "sum"))
            chips = []
            for g, r in counts.iterrows():
                chip = translate("{g}: {n:,} ({late:,} overdue)", self.lang, g=g, n=int(r.n), late=int(r.late))
                chips.append(f'<span class="crmkit-board-chip" style="display:inline-block;padding:2px 8px;margin:2px;'
                             f'border-radius:10px;background:{"#fdecea" if r.late else "#eef1f5"}">'
                             f'{html.escape(chip)}</span>')
            chips = " ".join(chips)
            head = (translate("{n:,} open cards, {late:,} overdue", self.lang, n=len(rows),
                              late=int(rows["overdue"].sum())) if len(rows) else translate("No cards match", self.lang))
            self.summary.value = f"<b>{html.escape(head)}</b><br>{chips}"
            shown = rows.head(self.max_rows).reset_index()
            readable = shown[list(COLUMNS)].copy()
            readable["stage"] = readable["stage"].astype(object).map(choice_labels(schema.OPPORTUNITIES["stage"],
                                                                                   self.lang))
            readable["overdue"] = readable["overdue"].map({True: "⚠", False: ""})
            # as text: a percentage once scored, blank (not "NaN") before
            p = readable["probability"].astype("float64")
            readable["probability"] = [f"{v:.0%}" if v == v else "" for v in p]
            self.grid.data = grid_frame(readable, {k: translate(v, self.lang) for k, v in COLUMNS.items()},
                                        date_columns=("next_due",), datetime_columns=("last_contact_at",),
                                        index_column="opportunity_id")
            keep = self.card.value
            options = list(zip(self._card_labels(rows.head(self.max_rows)), rows.index[: self.max_rows]))
            if list(self.card.options) != options:
                self.card.options = options  # (this resets the value, hence the line after)
            if options:
                self.card.value = keep if keep in {o for _, o in options} else options[0][1]

    @staticmethod
    def _card_labels(rows: pd.DataFrame) -> list[str]:
        """"O0000123 · 客户名 · 主题 [A] ⚠" per card (⚠ when overdue)."""
        who = rows["customer_name"].astype(object).where(rows["customer_name"].notna(), rows["customer_id"])
        title = rows["title"].astype(object).fillna("")
        grade = rows["grade"].astype(object).fillna("")
        flag = np.where(rows["overdue"].to_numpy(dtype=bool), " ⚠", "")
        return [f"{oid} · {c} · {t} [{g}]{f}" for oid, c, t, g, f in zip(rows.index, who, title, grade, flag)]

    # ----------------------------------------------------------------- scoring

    def _score(self) -> None:
        """Fit the close model once and score the open cards; on its own connection, so the
        board's connection stays free for the user's follow-ups meanwhile."""
        import crmkit
        from ..close import score_open_opportunities

        day = self.as_of  # the day this run scores; the user may pick another meanwhile
        if len(self._cards) == 0:  # nothing to score (and nothing to learn from in an empty store)
            self._say(*_NOT_SCORED)
            return
        started = time.perf_counter()
        key = (self.crm.url, day)
        scored = _SCORED.get(key)
        if scored is None:
            own = crmkit.open(self.crm.url, user=self.crm.user)
            try:
                scored = score_open_opportunities(own, as_of=day, cache_dir=self.cache_dir)
            except ValueInputError as err:
                if err.column != "history":
                    raise
                # a store whose history holds no outcome to learn from is not an error: say so calmly
                if day == self.as_of:
                    self._say(*_NOTHING_TO_LEARN, day=f"{day:%Y-%m-%d}")
                return
            finally:
                own.close()
            _SCORED.clear()  # keep one fitted model per kernel: they are big
            _SCORED[key] = scored
        with self._lock:
            if day != self.as_of:  # another day was picked while this one was scored
                return
            self.scored = scored
            self.scoring_seconds = time.perf_counter() - started
            self._probabilities = scored.table["probability"]
            self._say("#2e7d32", N_("Scored by the close model: {n:,} cards in {s:.1f} s; grades and plan follow "
                                    "its probabilities"), n=len(scored.table), s=self.scoring_seconds)
            self._replan()

    def _say(self, colour: str, msgid: str, **fields) -> None:
        """Show how the board is scored, in the board's language."""
        message = translate(msgid, self.lang, **fields)
        self.scoring_status.value = f'<i style="color:{colour}">{html.escape(message)}</i>'

    def wait_scored(self, timeout: float | None = None) -> bool:
        """Wait for the background scoring; True when the model's probabilities are in."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.scored is not None

    # ----------------------------------------------------------------- follow-ups

    def log_followup(self, opportunity_id: str, *, channel: str = "phone", result: str | None = None,
                     next_date=None, grade: str | None = None, stage: str | None = None,
                     notes: str | None = None) -> dict:
        """Record a follow-up on a card: an interaction with its customer now, and the card's new
        grade/stage if given. Returns the card as stored.

        Raises ``ConflictError`` (writing nothing) when the card changed since the board read it.
        """
        with self._lock:
            oid = str(opportunity_id)
            if oid not in self._cards.index:
                raise KeyError(f"{oid} is not an open card on this board")
            card = self._cards.loc[oid]
            mine = int(card["version"])
            changes = {k: v for k, v in (("intent_grade", grade), ("stage", stage)) if v is not None}
            current = self.crm.get("opportunities", oid)
            if current["status"] != "open":  # open on the board's (past) day, closed since
                raise ValueInputError(translate("Card {oid} is {status} now: follow-ups are logged on open cards",
                                                self.lang, oid=oid, status=choice_label(schema.OPPORTUNITIES["status"],
                                                                                        current["status"], self.lang)))
            if current["version"] != mine:
                # Check before writing anything, so that a stale card gets no interaction either.
                raise ConflictError("opportunities", oid, mine, current["version"],
                                    {k: (current[k], v) for k, v in changes.items()})
            now = pd.Timestamp.now().floor("s")
            self.crm.add("interactions", {
                "customer_id": card["customer_id"], "occurred_at": now, "channel": channel,
                "rep": card["rep"] if pd.notna(card["rep"]) else None,
                "purpose": translate("follow-up on {oid}", self.lang, oid=oid), "result": result or None,
                "next_date": next_date, "notes": notes,
            })
            stored = self.crm.update("opportunities", oid, changes, expected_version=mine) if changes else current
            cards = self._cards.copy()
            cards.loc[oid, "version"] = stored["version"]
            cards.loc[oid, "intent_grade"] = stored["intent_grade"]
            cards.loc[oid, "stage"] = stored["stage"]
            cards.loc[oid, "last_contact_at"] = now
            if self._live and now.normalize() - self.as_of <= pd.Timedelta(days=FOLLOW_WITHIN_DAYS):
                # a board on current data moves on with them: the store's data date is now today
                self.as_of = max(self.as_of, now.normalize())
                self.as_of_picker.value = self.as_of.date()
            self._cards = cards
            self._replan()
            return stored

    def _on_log(self, _button=None) -> None:
        self.status.value = ""
        self.conflict.layout.display = "none"
        oid = self.card.value
        if oid is None:
            raise ValueError(translate("No cards match", self.lang))
        try:
            self.log_followup(
                oid, channel=self.channel.value, result=self.result.value.strip() or None,
                next_date=self.next_date.value,
                grade=None if self.new_grade.value == KEEP else self.new_grade.value,
                stage=None if self.new_stage.value == KEEP else self.new_stage.value)
        except ConflictError as err:
            text = translate("Not saved: card {oid} was changed by someone else since the board loaded it "
                             "(board version {mine}, store version {theirs}). Press Refresh to see it and log again.",
                             self.lang, oid=oid, mine=err.expected_version, theirs=err.current_version)
            self.conflict.value = ('<div role="alert" style="color:#8a4b00;background:#fff4e5;'
                                   f'border:1px solid #ffcc80;padding:6px 10px;border-radius:4px">'
                                   f'{html.escape(text)}</div>')
            self.conflict.layout.display = None
            return
        due = self.plan.loc[oid, "next_due"] if oid in self.plan.index else None
        due_text = pd.Timestamp(due).strftime("%Y-%m-%d") if due is not None and pd.notna(due) else "-"
        logged = html.escape(translate("Follow-up on {oid} logged; next due {due}", self.lang, oid=oid, due=due_text))
        self.status.value = f'<span style="color:#2e7d32">✔ {logged}</span>'
        self.result.value = ""
        self.new_grade.value = KEEP
        self.new_stage.value = KEEP
        self.next_date.value = None

