"""The work log of a day (附表九 业务工作日志): per rep, what they did and how the day's plan went.

>>> log = crm.work_log(rep="张伟", day="2026-10-30")           # doctest: +SKIP
>>> html = work_log_html(log, lang="zh")                       # one printable page per rep

A row per contact the rep logged that day (any channel) and per plan item of the day that no
contact matched. A plan item is ``done`` when the rep logged a contact with its customer that day;
else ``missed`` (or still ``planned`` for a day after the store's data date); a cancelled item
stays ``cancelled``. A contact no plan item asked for is ``unplanned``.
"""

from __future__ import annotations

import html

import pandas as pd

from ..i18n import N_, choice_label, translate, translate_in_context
from ..language import one_lang
from ..schema import TABLES
from ..timeframe import as_of_day, end_of

LOG_COLUMNS = ["rep", "day", "time", "customer_id", "customer", "channel", "purpose", "result", "next_step",
               "next_date", "planned_time", "plan_item_id", "interaction_id", "status"]
STATUSES = ("done", "unplanned", "missed", "planned", "cancelled")
_STATUS_LABELS = {"done": N_("done"), "unplanned": N_("unplanned"), "missed": N_("missed"),
                  "planned": N_("planned"), "cancelled": N_("cancelled")}
_HEADERS = {"time": N_("time"), "customer": N_("customer"), "channel": N_("channel"), "purpose": N_("purpose"),
            "result": N_("result"), "next_step": N_("next step"), "next_date": N_("next date"),
            "planned_time": N_("planned"), "status": N_("status")}


def work_log(crm, rep=None, day=None, *, lang: str | None = None) -> pd.DataFrame:
    """The work log of ``day`` (default the store's data date) for ``rep`` (a name, a list, or None:
    every rep the store's user sees); see :func:`log_tables`."""
    day = as_of_day(day) if day is not None else (crm.data_date() or pd.Timestamp.now().normalize())
    interactions = crm.interactions(start=day, end=end_of(day), rep=rep)
    items = crm.read("visit_plans", start=day, end=end_of(day), rep=rep)
    ids = sorted(set(interactions["customer_id"].dropna().astype(str)) | set(items["customer_id"].astype(str)))
    names = crm.customers(customer=ids, columns=["name"]) if ids else pd.DataFrame(columns=["customer_id", "name"])
    log = log_tables(interactions, items, names, day=day, data_date=crm.data_date())
    log.attrs["lang"] = one_lang(lang, crm)
    return log


def log_tables(interactions: pd.DataFrame, items: pd.DataFrame, customers: pd.DataFrame, *, day,
               data_date=None) -> pd.DataFrame:
    """The work log from the day's interactions and plan items (crmkit's columns); ``customers``
    gives the names (customer_id, name). Sorted by rep and time; ``attrs["day"]``."""
    day = as_of_day(day)
    names = dict(zip(customers["customer_id"].astype(str), customers["name"].astype(object)))
    contacts = interactions[interactions["occurred_at"].dt.normalize() == day].sort_values(
        ["occurred_at", "interaction_id"], kind="stable")
    pending = {}
    for item in items[items["day"] == day].sort_values(["time", "plan_item_id"], na_position="last").itertuples():
        pending.setdefault((str(item.rep), str(item.customer_id)), []).append(item)
    rows = []
    for c in contacts.itertuples():
        key = (str(c.rep), str(c.customer_id))
        open_items = [i for i in pending.get(key, []) if i.status != "cancelled"]
        item = open_items[0] if open_items else None
        if item is not None:
            pending[key].remove(item)
        rows.append({"rep": c.rep, "time": c.occurred_at.strftime("%H:%M"), "customer_id": c.customer_id,
                     "channel": c.channel, "purpose": c.purpose, "result": c.result, "next_step": c.next_step,
                     "next_date": c.next_date, "planned_time": item.time if item is not None else None,
                     "plan_item_id": item.plan_item_id if item is not None else None,
                     "interaction_id": c.interaction_id, "status": "done" if item is not None else "unplanned"})
    later = data_date is not None and day > as_of_day(data_date)
    for left in pending.values():
        for i in left:
            status = "cancelled" if i.status == "cancelled" else ("planned" if later else "missed")
            rows.append({"rep": i.rep, "time": i.time, "customer_id": i.customer_id, "purpose": i.purpose,
                         "planned_time": i.time, "plan_item_id": i.plan_item_id, "status": status})
    log = pd.DataFrame(rows, columns=[c for c in LOG_COLUMNS if c not in ("day", "customer")])
    log.insert(1, "day", pd.Series([day] * len(log), dtype="datetime64[ns]"))
    log.insert(4, "customer", log["customer_id"].astype(object).map(names))
    log = log.sort_values(["rep", "time"], kind="stable", na_position="last").reset_index(drop=True)
    out = log.astype({c: "string" for c in ("rep", "time", "customer_id", "customer", "purpose", "result",
                                            "next_step", "planned_time", "plan_item_id", "interaction_id")})
    out["channel"] = pd.Categorical(log["channel"].astype(object), categories=list(TABLES["interactions"]["channel"]
                                                                                   .choices))
    out["next_date"] = pd.to_datetime(log["next_date"]).astype("datetime64[ns]")
    out["status"] = pd.Categorical(log["status"], categories=list(STATUSES))
    out.attrs["day"] = day
    return out[LOG_COLUMNS]


def summary(log: pd.DataFrame) -> dict[str, int]:
    """The day in numbers: contacts, plan items, done, missed, unplanned contacts, cancelled."""
    counts = log["status"].value_counts()
    planned = int(counts.get("done", 0) + counts.get("missed", 0) + counts.get("planned", 0))
    return {"contacts": int(log["interaction_id"].notna().sum()), "planned": planned,
            "done": int(counts.get("done", 0)), "missed": int(counts.get("missed", 0)),
            "unplanned": int(counts.get("unplanned", 0)), "cancelled": int(counts.get("cancelled", 0))}


def work_log_html(log: pd.DataFrame, lang: str | None = None) -> str:
    """The log as one self-contained HTML document, a page per rep (printing starts each rep on a
    new page), laid out as the form: 业务员, 日期, the day's rows, and the sign-off line."""
    lang = lang or log.attrs.get("lang") or "zh"
    day = log.attrs.get("day") or (log["day"].iloc[0] if len(log) else None)
    title = translate("Work log", lang)
    pages = [_page(part, rep, day, lang) for rep, part in log.groupby("rep", sort=True, observed=True)]
    if not pages:
        nothing = translate("nothing logged or planned that day", lang)
        pages = [f"<p>{html.escape(nothing)}</p>"]
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>" + "".join(pages) + "</body></html>")


_CSS = ("body{font-family:sans-serif;font-size:12px}section{page-break-after:always;margin-bottom:24px}"
        "section:last-child{page-break-after:auto}table{border-collapse:collapse;width:100%}"
        "th,td{border:1px solid #888;padding:3px 6px;text-align:left;vertical-align:top}"
        "th{background:#eee}.missed{color:#b00020}.sign{margin-top:18px}"
        "@media print{body{font-size:10pt}}")


def _page(log: pd.DataFrame, rep, day, lang: str) -> str:
    esc = html.escape
    counts = summary(log)
    title, rep_label, date_label = (translate("Work log", lang), translate_in_context("work log", "Rep", lang),
                                    translate("Date", lang))
    date = "" if day is None else f"{pd.Timestamp(day):%Y-%m-%d}"
    head = (f"<h2>{esc(title)}</h2><p>{esc(rep_label)}: <b>{esc(str(rep))}</b>"
            f"&emsp;{esc(date_label)}: <b>{date}</b></p>")
    line = translate("{contacts} contact(s); {done} of {planned} planned visit(s) done, {missed} missed; "
                     "{unplanned} unplanned contact(s)", lang, **counts)
    cells = "".join(f"<th>{esc(translate(h, lang))}</th>" for h in _HEADERS.values())
    body = []
    channel = TABLES["interactions"]["channel"]
    for r in log.itertuples():
        values = [r.time, _name(r), choice_label(channel, r.channel, lang) if pd.notna(r.channel) else "",
                  r.purpose, r.result, r.next_step,
                  "" if pd.isna(r.next_date) else f"{r.next_date:%Y-%m-%d}", r.planned_time,
                  translate(_STATUS_LABELS[r.status], lang)]
        tds = "".join(f"<td>{esc('' if pd.isna(v) else str(v))}</td>" for v in values)
        body.append(f"<tr class='{esc(str(r.status))}'>{tds}</tr>")
    head_of, prepared = translate("Department head", lang), translate("Prepared by", lang)
    sign = f"<p class='sign'>{esc(head_of)}: ________&emsp;{esc(prepared)}: ________</p>"
    return f"<section>{head}<p>{esc(line)}</p><table><tr>{cells}</tr>{''.join(body)}</table>{sign}</section>"


def _name(r) -> str:
    if pd.notna(r.customer):
        return f"{r.customer} ({r.customer_id})"
    return "" if pd.isna(r.customer_id) else str(r.customer_id)
