"""The lead board: open opportunities by grade, their probability, next follow-up and overdue
flags, per rep; a follow-up logged here is written to the store.

>>> board = LeadBoard(crm)                       # opens at once with the reps' own grades
>>> board.wait_scored()                          # the close model scores in the background
>>> board.rows                                   # one row per open card, as shown
>>> board.log_followup("O0000123", channel="phone", result="约了下周演示", grade="A")

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
from ..exceptions import ConflictError
from ..store import cache_dir as crmkit_cache_dir
from .display import grid_frame
from .errors import ErrorBanner, guarded

__all__ = ["LeadBoard", "open_cards"]

ALL = "__all__"
KEEP = "__keep__"
GRADES = list(schema.INTENT_GRADES)

TEXT = {
    "zh": {"rep": "销售顾问", "grade": "级别", "overdue_only": "只看逾期", "all": "(全部)", "refresh": "刷新",
           "card": "意向卡", "channel": "方式", "result": "结果", "next_date": "下次跟进", "new_grade": "有望度",
           "new_stage": "阶段", "keep": "(不变)", "log": "记录跟进", "followup": "记录一次跟进",
           "scoring": "模型评分中…(看板已可使用, 级别暂按销售顾问填写的有望度)",
           "scored": "模型评分完成: {n:,} 张意向卡, 用时 {s:.1f} 秒; 级别与跟进计划按模型概率",
           "not_scored": "未用模型评分; 级别按销售顾问填写的有望度",
           "summary": "{n:,} 张跟进中的意向卡, 其中 {late:,} 张逾期",
           "chip": "{g}级 {n:,} 张 (逾期 {late:,})", "logged": "已记录 {oid} 的跟进; 下次应跟进 {due}",
           "purpose": "跟进意向卡 {oid}",
           "conflict": "没有保存: 意向卡 {oid} 在看板打开后被别人修改过 (看板版本 {mine}, 现在版本 {theirs})。"
                       "请点「刷新」查看最新内容后再记录。",
           "empty": "没有符合条件的意向卡"},
    "en": {"rep": "Rep", "grade": "Grade", "overdue_only": "Overdue only", "all": "(all)", "refresh": "Refresh",
           "card": "Card", "channel": "Channel", "result": "Result", "next_date": "Next contact", "new_grade": "Grade",
           "new_stage": "Stage", "keep": "(keep)", "log": "Log follow-up", "followup": "Log a follow-up",
           "scoring": "Scoring with the close model… (the board is usable; grades are the reps' own for now)",
           "scored": "Scored by the close model: {n:,} cards in {s:.1f} s; grades and plan follow its probabilities",
           "not_scored": "Not scored by the model; grades are the reps' own",
           "summary": "{n:,} open cards, {late:,} overdue",
           "chip": "{g}: {n:,} ({late:,} overdue)", "logged": "Follow-up on {oid} logged; next due {due}",
           "purpose": "follow-up on {oid}",
           "conflict": "Not saved: card {oid} was changed by someone else since the board loaded it "
                       "(board version {mine}, store version {theirs}). Press Refresh to see it and log again.",
           "empty": "No cards match"},
}

# board column -> (zh header, en header)
COLUMNS = {
    "opportunity_id": ("意向编号", "card"),
    "customer_name": ("客户名称", "customer"),
    "title": ("主题", "title"),
    "stage": ("阶段", "stage"),
    "intent_grade": ("有望度(填写)", "rep's grade"),
    "probability": ("成交概率", "probability"),
    "grade": ("级别(计划)", "plan grade"),
    "rep": ("销售顾问", "rep"),
    "last_contact_at": ("上次联系", "last contact"),
    "next_due": ("下次应跟进", "next due"),
    "overdue": ("逾期", "overdue"),
    "days_overdue": ("逾期天数", "days overdue"),
    "expected_amount": ("预计金额", "expected amount"),
}


def open_cards(crm, as_of) -> pd.DataFrame:
    """The opportunities open now with what a follow-up plan needs, indexed by opportunity_id.

    Columns: customer_id, customer_name, title, rep, stage, intent_grade, expected_amount,
    version, age_days (days since the card was opened) and last_contact_at (the customer's
    last interaction before ``as_of``). Current field values: the board shows cards as they
    are, so no history replay is needed (unlike ``close.opportunity_features``).
    """
    as_of = pd.Timestamp(as_of)
    opps = crm.read("opportunities", end=as_of + pd.Timedelta(days=1),
                    columns=["customer_id", "title", "rep", "stage", "intent_grade", "expected_amount",
                             "created_at", "status", "version"])
    opps = opps[(opps["status"].astype(object) == "open").to_numpy()]
    ids = pd.unique(opps["customer_id"].to_numpy(dtype=object)).tolist()
    names = crm.read("customers", columns=["name"], **_only(ids))
    last = _last_contacts(crm, ids, as_of)
    out = opps.set_index("opportunity_id").drop(columns=["status"])
    out.index = pd.Index(out.index.astype(object), name="opportunity_id")
    out.insert(1, "customer_name", out["customer_id"].map(names.set_index("customer_id")["name"]).astype(object))
    out["age_days"] = (as_of.normalize() - pd.to_datetime(out["created_at"]).dt.normalize()).dt.days.astype("Int64")
    last = pd.Series(last.to_numpy(dtype="datetime64[ns]"), index=pd.Index(last.index, dtype=object))
    out["last_contact_at"] = last.reindex(out["customer_id"].to_numpy(dtype=object)).to_numpy()
    return out.drop(columns=["created_at"])


def _only(ids: list) -> dict:
    """A ``customer=`` filter for a few ids; none for many (binding thousands of ids costs more
    than reading the column whole, and SQLite caps the number of parameters)."""
    return {"customer": ids} if len(ids) <= 500 else {}


def _last_contacts(crm, ids: list, as_of: pd.Timestamp, window_days: int = 90) -> pd.Series:
    """Each customer's last interaction before ``as_of`` (customer_id -> time).

    Most open cards were touched lately: read the last ``window_days`` first (a range on the
    date index), then go further back only for the customers not found there.
    """
    if not ids:
        return pd.Series(dtype="datetime64[ns]")
    start = as_of - pd.Timedelta(days=window_days)
    recent = crm.read("interactions", start=start, end=as_of, columns=["customer_id", "occurred_at"])
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
    as_of : datetime, optional
        The moment the plan is made for (default: now). Follow-ups are logged at the real time.
    scoring : "background", "now" or "off"
        Fit the close model in a background thread (default), before showing, or not at all.
    cadence : dict, optional
        Days between contacts per grade (see ``crmkit.close.DEFAULT_CADENCE``).
    cache_dir : path, optional
        Where the fitted close model is kept for the next board on the same, unchanged store
        (default ``crmkit.store.cache_dir()``: $CRMKIT_CACHE_DIR or data/.cache).
    """

    def __init__(self, crm, lang: str = "zh", *, as_of=None, scoring: str = "background",
                 cadence: dict[str, int] | None = None, max_rows: int = 1000, cache_dir=None):
        if lang not in TEXT:
            raise ValueError("lang must be 'zh' or 'en'")
        if scoring not in ("background", "now", "off"):
            raise ValueError("scoring must be 'background', 'now' or 'off'")
        from ipydatagrid import DataGrid

        self.crm = crm
        self.lang = lang
        self._live = as_of is None
        self.as_of = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.now().floor("s")
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
        t = TEXT[lang]

        self.banner = ErrorBanner()
        self.scoring_status = w.HTML()
        self.summary = w.HTML()
        self.rep = w.Dropdown(description=t["rep"], options=[(t["all"], ALL)])
        self.grade = w.Dropdown(description=t["grade"], options=[(t["all"], ALL), *[(g, g) for g in GRADES]])
        self.overdue_only = w.Checkbox(description=t["overdue_only"], value=False, indent=False)
        self.refresh_button = w.Button(description=t["refresh"], icon="refresh")
        self.grid = DataGrid(pd.DataFrame({"": []}), selection_mode="row", base_column_size=100,
                             base_row_header_size=100, layout={"height": "340px"})
        self.card = w.Dropdown(description=t["card"], options=[], layout={"width": "640px"})
        channels = schema.CHANNELS if lang == "zh" else {c: c for c in schema.CHANNELS}
        self.channel = w.Dropdown(description=t["channel"], options=[(v, k) for k, v in channels.items()],
                                  value="phone")
        self.result = w.Text(description=t["result"], layout={"width": "460px"})
        self.next_date = w.DatePicker(description=t["next_date"])
        self.new_grade = w.Dropdown(description=t["new_grade"], options=[(t["keep"], KEEP), *[(g, g) for g in GRADES]])
        stages = schema.STAGES if lang == "zh" else {s: s for s in schema.STAGES}
        self.new_stage = w.Dropdown(description=t["new_stage"],
                                    options=[(t["keep"], KEEP), *[(v, k) for k, v in stages.items()]])
        self.log_button = w.Button(description=t["log"], button_style="primary", icon="check")
        self.status = w.HTML()
        self.conflict = w.HTML()
        self.conflict.layout.display = "none"
        for widget, name in [(self.rep, "rep"), (self.grade, "grade"), (self.overdue_only, "overdue-only"),
                             (self.refresh_button, "refresh"), (self.grid, "table"), (self.summary, "summary"),
                             (self.scoring_status, "scoring"), (self.card, "card"), (self.channel, "channel"),
                             (self.result, "result"), (self.next_date, "next-date"), (self.new_grade, "new-grade"),
                             (self.new_stage, "new-stage"), (self.log_button, "log"), (self.status, "status"),
                             (self.conflict, "conflict")]:
            widget.add_class(f"crmkit-board-{name}")
        for widget in (self.rep, self.grade, self.overdue_only):
            widget.observe(guarded(self.banner)(self._render), names="value")
        self.refresh_button.on_click(guarded(self.banner)(lambda _b: self.refresh()))
        self.log_button.on_click(guarded(self.banner)(self._on_log))

        followup = w.VBox([w.HTML(f"<b>{html.escape(t['followup'])}</b>"), self.card,
                           w.HBox([self.channel, self.next_date]), self.result,
                           w.HBox([self.new_grade, self.new_stage]), self.log_button, self.status, self.conflict])
        followup.add_class("crmkit-board-followup")
        super().__init__([self.banner, self.scoring_status,
                          w.HBox([self.rep, self.grade, self.overdue_only, self.refresh_button]),
                          self.summary, self.grid, followup])
        self.add_class("crmkit-board")
        self.rows = pd.DataFrame()
        guarded(self.banner)(self.refresh)()
        if scoring == "now":
            guarded(self.banner)(self._score)()
        elif scoring == "background":
            self.scoring_status.value = f'<i style="color:#8a6d00">{html.escape(t["scoring"])}</i>'
            self._thread = threading.Thread(target=guarded(self.banner)(self._score), name="crmkit-board-scoring",
                                            daemon=True)
            self._thread.start()
        else:
            self.scoring_status.value = f'<i style="color:#666">{html.escape(t["not_scored"])}</i>'

    # ----------------------------------------------------------------- data

    def refresh(self) -> None:
        """Read the open cards again (after a conflict, or to see others' changes)."""
        with self._lock:
            self._cards = open_cards(self.crm, self.as_of)
            self.conflict.layout.display = "none"
            reps = sorted(self._cards["rep"].dropna().astype(str).unique())
            t = TEXT[self.lang]
            keep = self.rep.value if self.rep.value in reps else ALL
            options = [(t["all"], ALL), *[(r, r) for r in reps]]
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
        plan = plan_followups(cards, self.as_of, cadence=self.cadence, probabilities=self._probabilities)
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
            t = TEXT[self.lang]
            rows = self._visible()
            self.rows = rows
            counts = rows.groupby("grade", observed=False).agg(n=("overdue", "size"), late=("overdue", "sum"))
            chips = " ".join(
                f'<span class="crmkit-board-chip" style="display:inline-block;padding:2px 8px;margin:2px;'
                f'border-radius:10px;background:{"#fdecea" if r.late else "#eef1f5"}">'
                f'{html.escape(t["chip"].format(g=g, n=int(r.n), late=int(r.late)))}</span>'
                for g, r in counts.iterrows())
            head = t["summary"].format(n=len(rows), late=int(rows["overdue"].sum())) if len(rows) else t["empty"]
            self.summary.value = f"<b>{html.escape(head)}</b><br>{chips}"
            shown = rows.head(self.max_rows).reset_index()
            readable = shown[list(COLUMNS)].copy()
            if self.lang == "zh":
                readable["stage"] = readable["stage"].astype(object).map(schema.STAGES)
            readable["overdue"] = readable["overdue"].map({True: "⚠", False: ""})
            # as text: a percentage once scored, blank (not "NaN") before
            p = readable["probability"].astype("float64")
            readable["probability"] = [f"{v:.0%}" if v == v else "" for v in p]
            i = 0 if self.lang == "zh" else 1
            self.grid.data = grid_frame(readable, {k: v[i] for k, v in COLUMNS.items()},
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

        if len(self._cards) == 0:  # nothing to score (and nothing to learn from in an empty store)
            self.scoring_status.value = f'<i style="color:#666">{html.escape(TEXT[self.lang]["not_scored"])}</i>'
            return
        started = time.perf_counter()
        key = (self.crm.url, self.as_of.normalize())
        scored = _SCORED.get(key)
        if scored is None:
            own = crmkit.open(self.crm.url, user=self.crm.user)
            try:
                scored = score_open_opportunities(own, as_of=self.as_of, cache_dir=self.cache_dir)
            finally:
                own.close()
            _SCORED.clear()  # keep one fitted model per kernel: they are big
            _SCORED[key] = scored
        with self._lock:
            self.scored = scored
            self.scoring_seconds = time.perf_counter() - started
            self._probabilities = scored.table["probability"]
            t = TEXT[self.lang]
            self.scoring_status.value = ('<i style="color:#2e7d32">'
                                         + html.escape(t["scored"].format(n=len(scored.table), s=self.scoring_seconds))
                                         + "</i>")
            self._replan()

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
            if current["version"] != mine:
                # Check before writing anything, so that a stale card gets no interaction either.
                raise ConflictError("opportunities", oid, mine, current["version"],
                                    {k: (current[k], v) for k, v in changes.items()})
            now = pd.Timestamp.now().floor("s")
            self.crm.add("interactions", {
                "customer_id": card["customer_id"], "occurred_at": now, "channel": channel,
                "rep": card["rep"] if pd.notna(card["rep"]) else None,
                "purpose": TEXT[self.lang]["purpose"].format(oid=oid), "result": result or None,
                "next_date": next_date, "notes": notes,
            })
            stored = self.crm.update("opportunities", oid, changes, expected_version=mine) if changes else current
            cards = self._cards.copy()
            cards.loc[oid, "version"] = stored["version"]
            cards.loc[oid, "intent_grade"] = stored["intent_grade"]
            cards.loc[oid, "stage"] = stored["stage"]
            cards.loc[oid, "last_contact_at"] = now
            if self._live:  # a board made for "now" moves on with the clock
                self.as_of = max(self.as_of, now)
            self._cards = cards
            self._replan()
            return stored

    def _on_log(self, _button=None) -> None:
        t = TEXT[self.lang]
        self.status.value = ""
        self.conflict.layout.display = "none"
        oid = self.card.value
        if oid is None:
            raise ValueError(t["empty"])
        try:
            self.log_followup(
                oid, channel=self.channel.value, result=self.result.value.strip() or None,
                next_date=self.next_date.value,
                grade=None if self.new_grade.value == KEEP else self.new_grade.value,
                stage=None if self.new_stage.value == KEEP else self.new_stage.value)
        except ConflictError as err:
            text = t["conflict"].format(oid=oid, mine=err.expected_version, theirs=err.current_version)
            self.conflict.value = ('<div role="alert" style="color:#8a4b00;background:#fff4e5;'
                                   f'border:1px solid #ffcc80;padding:6px 10px;border-radius:4px">'
                                   f'{html.escape(text)}</div>')
            self.conflict.layout.display = None
            return
        due = self.plan.loc[oid, "next_due"] if oid in self.plan.index else None
        due_text = pd.Timestamp(due).strftime("%Y-%m-%d") if due is not None and pd.notna(due) else "-"
        logged = html.escape(t["logged"].format(oid=oid, due=due_text))
        self.status.value = f'<span style="color:#2e7d32">✔ {logged}</span>'
        self.result.value = ""
        self.new_grade.value = KEEP
        self.new_stage.value = KEEP
        self.next_date.value = None

