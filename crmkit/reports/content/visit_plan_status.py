"""The visit plans of the week (客户拜访计划): per rep, the items planned, done, missed and
cancelled, against last week. Left out when no rep planned visits in either week."""

from __future__ import annotations

import pandas as pd

from ...i18n import N_, translate
from .section import Section, Table, section

STATUSES = ("done", "missed", "planned", "cancelled")


def plan_status(data, start, end) -> pd.DataFrame:
    """Visit-plan items per rep (rows) and status (``STATUSES`` columns) with days in [start, end)."""
    items = data.within(data.visit_plans, "day", start, end)
    rep = items["rep"].astype(object).where(items["rep"].notna(), translate("(not given)", data.prose))
    return pd.crosstab(rep, items["status"].astype(object)).reindex(columns=STATUSES, fill_value=0)


@section(N_("Visit plans done and missed"), needs_month_records=False)
def visit_plan_status(data) -> Section:
    fmt, say = data.fmt, data.prose
    this = plan_status(data, data.start, data.end)
    last = plan_status(data, data.previous_start, data.start)
    if this.empty and last.empty:
        return Section("", [translate("No visit plans for this week or last week.", say)], data={"planned": 0})
    this = this.reindex(this.index.union(last.index), fill_value=0)
    last = last.reindex(this.index, fill_value=0)
    planned = this.sum(axis=1)
    done, missed = int(this["done"].sum()), int(this["missed"].sum())
    findings = [translate("{planned} visits planned this week ({before} last week): {done} done, {missed} missed, "
                          "{open} still open, {cancelled} cancelled; done {share} of those planned.", say,
                          planned=fmt.count(planned.sum()), before=fmt.count(last.to_numpy().sum()),
                          done=fmt.count(done), missed=fmt.count(missed), open=fmt.count(this["planned"].sum()),
                          cancelled=fmt.count(this["cancelled"].sum()),
                          share=fmt.percent(fmt.ratio(done, planned.sum())))]
    table = pd.DataFrame({
        translate("rep", say): this.index,
        translate("planned", say): [fmt.count(v) for v in planned],
        translate("done", say): [fmt.count(v) for v in this["done"]],
        translate("missed", say): [fmt.count(v) for v in this["missed"]],
        translate("cancelled", say): [fmt.count(v) for v in this["cancelled"]],
        translate("done share", say): [fmt.percent(fmt.ratio(a, b)) for a, b in zip(this["done"], planned)],
        translate("done last week", say): [fmt.count(v) for v in last["done"]],
    })
    return Section("", findings, tables=[Table(translate("visit plans per rep", data.lang), table)],
                   data={"planned": int(planned.sum()), "done": done, "missed": missed, "per_rep": this})
