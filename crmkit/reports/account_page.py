"""The account one-pager's blocks, shown in its notebook one per cell: the head (who the account is,
its value), the plan (SWOT, SMART goals, milestones), the KPIs against their targets, the history
(orders by quarter, recent interactions) and the open cards.

As in the monthly report (``content.display``), every value goes out escaped (``html.escape``, or
``DataFrame.to_html`` through ``display.table_html``), and text is masked for phones and e-mail
addresses unless the page was asked to show personal data (``content.privacy``). Each block is
built by a ``*_html`` function (tested without a kernel) and displayed by its ``show_*`` twin.
"""

from __future__ import annotations

import html

import pandas as pd

from ..i18n import choice_label, column_label, translate
from ..quarters import quarter_label
from ..schema import TABLES
from .account_data import AccountData
from .content import privacy
from .content.display import figure_png, table_html
from .content.section import Figure, Table, timed

#: A compact page: A4 holds the whole account (the monthly report's tables are wider spaced).
STYLE = """<style>
.crmkit-account {font-size: 11px; line-height: 1.3;}
.crmkit-account h1 {font-size: 18px; margin: 0 0 2px 0;}
.crmkit-account h2 {font-size: 13px; margin: 6px 0 2px 0; border-bottom: 1px solid #ccc;}
.crmkit-account h4 {font-size: 11.5px; margin: 2px 0;}
.crmkit-account p {margin: 1px 0;}
.crmkit-account .crmkit-facts {color: #333;}
.crmkit-account .crmkit-note {color: #666; font-size: 10px;}
.crmkit-account table.crmkit-table {font-size: 10px; margin: 1px 0 3px 0;}
.crmkit-account table.crmkit-table th, .crmkit-account table.crmkit-table td {padding: 1px 5px;}
.crmkit-account .crmkit-swot {display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 1px 10px;}
.crmkit-account .crmkit-two {display: grid; grid-template-columns: 1fr 1fr; gap: 1px 10px;}
.crmkit-account .crmkit-swot b {display: block;}
.crmkit-account img {max-width: 100%; height: auto;}
.crmkit-account ul {margin: 0; padding-left: 14px;}
.jp-Cell, .jp-OutputArea-child, .jp-OutputArea-output {margin: 0; padding: 0;}  /* this page only: one A4 */
</style>"""
_SWOT_ORDER = ("strength", "weakness", "opportunity", "threat", "strategy")


def _day(value) -> str:
    """A date as the page writes it (2026-10-31), or "—"."""
    return "—" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _e(data: AccountData, value) -> str:
    """A value as it may appear on the page: masked unless asked, then escaped."""
    return privacy.shown(value, data.show_personal_data)


def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def _block(data: AccountData, title: str, body: str) -> str:
    return f'<div class="crmkit-account"><h2>{html.escape(title)}</h2>{body}</div>'


def _tables(data: AccountData, tables: list[Table]) -> str:
    return "".join(table_html(t, data.show_personal_data).replace('class="crmkit-report"', 'class="crmkit-account"', 1)
                   for t in tables)


# --------------------------------------------------------------------------- the head


def head_html(data: AccountData) -> str:
    """Title, the account's facts (owner, region, grade, CLV, contact) and the plan's name and score."""
    say, fmt, c = data.prose, data.fmt, data.customer
    title = translate("Account plan: {name}", data.lang, name=c["name"])
    customers = TABLES["customers"]
    facts = [
        f"{column_label(customers['customer_id'], say)}: {c['customer_id']}",
        f"{column_label(customers['owner'], say)}: {c['owner'] or '—'}",
        f"{column_label(customers['region'], say)}: {c['region'] or '—'}",
        f"{column_label(customers['value_grade'], say)}: {c['value_grade'] or '—'}",
        translate("assessed grade {grade}", say, grade=data.assessed_grade or "—"),
        translate("12-month value {value}", say, value=fmt.money(data.clv) if data.clv is not None else "—"),
    ]
    contact = [c["phone"], c["email"]]
    if any(contact):
        shown = [v if data.show_personal_data else (privacy.mask_phone(v) if i == 0 else privacy.mask_email(v))
                 for i, v in enumerate(contact) if v]
        facts.append(translate("contact {contact}", say, contact=" / ".join(shown)))
    plan = data.plan
    if plan is None:
        about = translate("No account plan recorded for this customer yet.", say)
    else:
        score = data.plan_score
        about = translate("{title} ({start} to {end}), by {rep}; KPI score {score} as of {day}.", say,
                          title=plan["title"] or plan["plan_id"], start=_day(plan['period_start']),
                          end=_day(plan['period_end']), rep=plan["rep"] or "—",
                          score=fmt.percent(score / 100) if score is not None else "—", day=_day(data.as_of))
    lines = [STYLE, '<div class="crmkit-account">', f"<h1>{html.escape(title)}</h1>",
             f'<p class="crmkit-facts">{" · ".join(_e(data, f) for f in facts)}</p>',
             f'<p class="crmkit-facts">{_e(data, about)}</p>']
    if data.clv_note:
        lines.append(f'<p class="crmkit-note">{_e(data, data.clv_note)}')
        if not data.show_personal_data:
            lines.append(" " + html.escape(translate("Phones and e-mails are partly hidden (personal data masked).",
                                                     say)))
        lines.append("</p>")
    lines.append("</div>")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the plan


def plan_html(data: AccountData) -> str:
    """SWOT (two columns), the SMART goals with their POP strategy, and the milestones."""
    say = data.prose
    if data.plan is None:
        return ""
    kind = TABLES["plan_swot"]["kind"]
    cells = []
    for k in _SWOT_ORDER:
        items = data.swot[data.swot["kind"].astype(object) == k]["text"]
        if len(items):
            listed = "".join(f"<li>{_e(data, t)}</li>" for t in items)
            cells.append(f"<div><b>{html.escape(choice_label(kind, k, say))}</b><ul>{listed}</ul></div>")
    swot = f'<div class="crmkit-swot">{"".join(cells)}</div>' if cells else ""
    parts = [swot]
    for name, table in (("goals", "plan_goals"), ("milestones", "plan_milestones")):
        frame = _goals_frame(data) if name == "goals" else _milestones_frame(data)
        if len(frame):
            parts.append(_tables(data, [Table("", frame)]).replace("<h4></h4>", ""))
    value = data.plan.get("value_statement")
    contact = data.plan.get("contact_plan")
    plan_table = TABLES["account_plans"]
    for column, text in (("value_statement", value), ("contact_plan", contact)):
        if text:
            parts.append(f"<p><b>{html.escape(column_label(plan_table[column], say))}:</b> {_e(data, text)}</p>")
    return _block(data, translate("The plan", data.lang), "".join(parts))


def _goals_frame(data: AccountData) -> pd.DataFrame:
    say, g = data.prose, data.goals.sort_values(["seq", "goal_id"])
    t = TABLES["plan_goals"]
    columns = ["title", "specific", "measurable", "ambitious", "realistic", "time_bound", "pop_strategy"]
    return pd.DataFrame({column_label(t[c], say): g[c].astype(object).fillna("—").to_numpy() for c in columns})


def _milestones_frame(data: AccountData) -> pd.DataFrame:
    say, m = data.prose, data.milestones.sort_values(["due_date", "milestone_id"])
    t = TABLES["plan_milestones"]
    return pd.DataFrame({
        column_label(t["title"], say): m["title"].astype(object).to_numpy(),
        column_label(t["due_date"], say): m["due_date"].dt.strftime("%Y-%m-%d").to_numpy(),
        column_label(t["owner"], say): m["owner"].astype(object).fillna("—").to_numpy(),
        translate("state", say): [milestone_state(row, data.as_of, say) for row in m.itertuples()],
    })


def milestone_state(row, as_of: pd.Timestamp, say: str) -> str:
    """Done (on time or late, with the day), overdue, or still to come."""
    if pd.notna(row.done_at):
        if row.done_at <= row.due_date:
            return translate("done {day}", say, day=_day(row.done_at))
        return translate("done late {day}", say, day=_day(row.done_at))
    return translate("overdue", say) if row.due_date < as_of else translate("to come", say)


# --------------------------------------------------------------------------- the KPIs


def kpi_frame(data: AccountData) -> pd.DataFrame:
    """Each KPI: its name, how it is measured, weight, target, actual, progress and score."""
    say, fmt, k = data.prose, data.fmt, data.kpis
    t = TABLES["plan_kpis"]

    def amount(metric, v):
        if pd.isna(v):
            return "—"
        if metric in ("sales", "gross_margin", "open_pipeline"):
            return fmt.money(v)
        if metric == "on_time_payment_share":
            return fmt.percent(float(v) / 100)
        return f"{float(v):,.0f}" if float(v).is_integer() else f"{float(v):,.2f}"

    metrics = k["metric"].astype(object)
    return pd.DataFrame({
        column_label(t["name"], say): k["name"].astype(object).to_numpy(),
        column_label(t["metric"], say): [choice_label(t["metric"], m, say) if isinstance(m, str)
                                         else translate("judged by hand", say) for m in metrics],
        column_label(t["weight"], say): [fmt.percent(float(w) / 100, 0) for w in k["weight"]],
        column_label(t["target"], say): [amount(m, v) for m, v in zip(metrics, k["target"])],
        translate("actual", say): [amount(m, v) for m, v in zip(metrics, k["actual"])],
        translate("progress", say): [fmt.percent(float(v) / 100, 0) if pd.notna(v) else "—" for v in k["progress"]],
        translate("score", say): [f"{float(v):.1f}" if pd.notna(v) else "—" for v in k["score"]],
    })


def kpi_html(data: AccountData) -> str:
    say = data.prose
    if data.kpis.empty:
        return ""
    start = data.kpis["period_start"].iloc[0]
    until = data.kpis["period_until"].iloc[0]
    note = translate("Actuals from {start} to {until}; a KPI's score is its progress (at most 100%) times its "
                     "weight.", say, start=_day(start), until=_day(until))
    return _block(data, translate("KPIs against their targets", data.lang),
                  _tables(data, [Table("", kpi_frame(data), note)]).replace("<h4></h4>", ""))


# --------------------------------------------------------------------------- the history


def quarterly_orders(data: AccountData) -> pd.DataFrame:
    """Orders, amount and gross margin per calendar quarter, the last ``QUARTERS`` up to ``as_of``
    (quarters without orders shown as 0)."""
    from .account_data import QUARTERS

    last = data.as_of.to_period("Q")
    quarters = pd.period_range(last - (QUARTERS - 1), last, freq="Q")
    o = data.orders
    q = o["ordered_at"].dt.to_period("Q")
    grouped = o.groupby(q).agg(orders=("order_id", "size"), amount=("amount", "sum"),
                               gross_margin=("gross_margin", "sum"))
    return grouped.reindex(quarters, fill_value=0)


def history_figure(data: AccountData) -> Figure:
    """The amount ordered per quarter, as bars (drawn small: it sits beside the quarters' table)."""
    say, fmt = data.prose, data.fmt
    by_quarter = quarterly_orders(data)

    def draw(fig):
        from .content import colours

        ax = fig.add_subplot(1, 1, 1)
        labels = [quarter_label(p)[2:] for p in by_quarter.index]  # 26Q3: eight fit under the bars
        scale, unit = fmt.money_unit(float(by_quarter["amount"].max() or 1))
        ax.bar(range(len(labels)), by_quarter["amount"].astype(float) / scale, color=colours.PLAIN)
        ax.set_xticks(range(len(labels)), labels, fontsize=13)
        ax.set_ylabel(unit, fontsize=13)
        ax.tick_params(axis="y", labelsize=13)
        ax.spines[["top", "right"]].set_visible(False)

    return Figure(translate("Orders by quarter", say), draw, height=3.6, left=1.0, bottom=0.6, top=0.15)


def history_html(data: AccountData, chart_png: bytes | None = None) -> str:
    """The quarters' table beside their chart (``chart_png``, embedded), then the recent interactions."""
    import base64

    say, fmt = data.prose, data.fmt
    by_quarter = quarterly_orders(data)
    quarters = pd.DataFrame({
        translate("quarter", say): [quarter_label(p) for p in by_quarter.index],
        translate("orders", say): [fmt.count(v) for v in by_quarter["orders"]],
        translate("amount", say): [fmt.money(v) for v in by_quarter["amount"]],
        translate("gross margin", say): [fmt.money(v) for v in by_quarter["gross_margin"]],
    })
    from .account_data import RECENT_INTERACTIONS

    i = data.interactions.sort_values(["occurred_at", "interaction_id"]).tail(RECENT_INTERACTIONS).iloc[::-1]
    t = TABLES["interactions"]
    recent = pd.DataFrame({
        column_label(t["occurred_at"], say): i["occurred_at"].dt.strftime("%Y-%m-%d").to_numpy(),
        column_label(t["channel"], say): [choice_label(t["channel"], c, say) if isinstance(c, str) else "—"
                                          for c in i["channel"].astype(object)],
        column_label(t["rep"], say): i["rep"].astype(object).fillna("—").to_numpy(),
        column_label(t["purpose"], say): i["purpose"].astype(object).fillna("—").to_numpy(),
        column_label(t["result"], say): i["result"].astype(object).fillna("—").to_numpy(),
    })
    partial = translate("{quarter} up to {day}.", say, quarter=quarter_label(by_quarter.index[-1]),
                        day=_day(data.as_of))
    table = _tables(data, [Table(translate("Orders by quarter", say), quarters, partial)])
    chart = ""
    if chart_png is not None:
        alt = html.escape(translate("Orders by quarter", say))
        chart = f'<img src="data:image/png;base64,{base64.b64encode(chart_png).decode()}" alt="{alt}">'
    body = f'<div class="crmkit-two"><div>{table}</div><div>{chart}</div></div>'
    if len(recent):
        note = translate("{n} interactions in all, the last on {day}.", say, n=fmt.count(len(data.interactions)),
                         day=_day(data.interactions['occurred_at'].max()))
        body += _tables(data, [Table(translate("Recent interactions", say), recent, note)])
    return _block(data, translate("Account history", data.lang), body)


# --------------------------------------------------------------------------- open cards


def cards_html(data: AccountData) -> str:
    say, fmt = data.prose, data.fmt
    o = data.open_cards
    t = TABLES["opportunities"]
    if o.empty:
        none = translate("No open cards.", say)
        body = f"<p>{html.escape(none)}</p>"
    else:
        frame = pd.DataFrame({
            column_label(t["title"], say): o["title"].astype(object).fillna("—").to_numpy(),
            column_label(t["product"], say): o["product"].astype(object).fillna("—").to_numpy(),
            column_label(t["stage"], say): [choice_label(t["stage"], s, say) if isinstance(s, str) else "—"
                                            for s in o["stage"].astype(object)],
            column_label(t["intent_grade"], say): o["intent_grade"].astype(object).fillna("—").to_numpy(),
            column_label(t["expected_amount"], say): [fmt.money(v) for v in o["expected_amount"]],
            column_label(t["expected_close"], say): [f"{d:%Y-%m-%d}" if pd.notna(d) else "—"
                                                     for d in o["expected_close"]],
            column_label(t["rep"], say): o["rep"].astype(object).fillna("—").to_numpy(),
        })
        body = _tables(data, [Table("", frame)]).replace("<h4></h4>", "")
    return _block(data, translate("Open cards", data.lang), body)


# --------------------------------------------------------------------------- in the notebook


def show_head(data: AccountData) -> None:
    _display_html(head_html(data))


def show_plan(data: AccountData) -> None:
    markup = plan_html(data)
    if markup:
        _display_html(markup)


def show_kpis(data: AccountData) -> None:
    markup = kpi_html(data)
    if markup:
        _display_html(markup)


def show_history(data: AccountData) -> None:
    with timed(data.timings, "plotting"):
        png = figure_png(history_figure(data))
    _display_html(history_html(data, png))


def show_cards(data: AccountData) -> None:
    _display_html(cards_html(data))


def publish(data: AccountData) -> None:
    """The timings and what the page read (the account, the day, the plan, rows per frame), as
    outputs no converter shows: the renderer reads them back for the manifest."""
    from IPython.display import display

    from .content.display import REPORT_MIME, TIMINGS_MIME

    timings = {stage: round(seconds, 4) for stage, seconds in data.timings.items()}
    rows = {name: int(len(getattr(data, name))) for name in
            ("swot", "goals", "milestones", "kpis", "orders", "interactions", "opportunities")}
    about = {"customer_id": data.customer_id, "as_of": f"{data.as_of:%Y-%m-%d}",
             "plan_id": data.plan["plan_id"] if data.plan else None, "rows": rows}
    display({TIMINGS_MIME: timings, REPORT_MIME: about}, raw=True)
