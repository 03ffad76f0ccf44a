"""Each rep's follow-ups of the week (跟进): interactions logged this week and last, and the
follow-ups that fell due this week (an interaction's ``next_date``), done or overdue.

A follow-up set by an interaction is done when the customer was contacted again after that
interaction and before the week ended (by anyone in the report's scope); otherwise, its date
having passed by the week's end, it is overdue. It belongs to the rep who set it.
"""

from __future__ import annotations

import pandas as pd

from ...i18n import N_, translate
from .section import Section, Table, section


def due_followups(data) -> pd.DataFrame:
    """The follow-ups due in the week (one row per interaction that set one), with ``done`` (bool)."""
    inter = data.interactions
    due = data.within(inter[inter["customer_id"].notna()], "next_date").copy()
    last_contact = inter[inter["customer_id"].notna()].groupby(inter["customer_id"].astype(object))["occurred_at"].max()
    due["done"] = (due["customer_id"].astype(object).map(last_contact) > due["occurred_at"]).fillna(False).astype(bool)
    return due


def _rep(values: pd.Series, say: str) -> pd.Series:
    return values.astype(object).where(values.notna(), translate("(not given)", say))


@section(N_("Follow-ups per rep"))
def followups(data) -> Section:
    """Interactions per rep this week and last, and the week's follow-ups done and overdue."""
    fmt, say = data.fmt, data.prose
    this = data.within(data.interactions, "occurred_at")
    last = data.within(data.interactions, "occurred_at", data.previous_start, data.start)
    due = due_followups(data)
    per_rep = pd.DataFrame({
        "logged": _rep(this["rep"], say).value_counts(),
        "logged_before": _rep(last["rep"], say).value_counts(),
        "due": _rep(due["rep"], say).value_counts(),
        "done": _rep(due.loc[due["done"], "rep"], say).value_counts(),
    }).fillna(0).astype(int)
    if per_rep.empty:
        return Section("", [translate("{week}: no interactions logged and no follow-ups due.", say, week=data.label)],
                       data={"per_rep": per_rep})
    per_rep["overdue"] = per_rep["due"] - per_rep["done"]
    per_rep = per_rep.sort_values(["logged", "due"], ascending=False, kind="stable")
    done, n_due = int(per_rep["done"].sum()), int(per_rep["due"].sum())
    findings = [
        translate("{logged} interactions logged this week ({before} last week) by {reps} reps.", say,
                  logged=fmt.count(per_rep["logged"].sum()), before=fmt.count(per_rep["logged_before"].sum()),
                  reps=fmt.count((per_rep["logged"] > 0).sum())),
        translate("{due} follow-ups fell due this week: {done} done ({share}), {overdue} overdue.", say,
                  due=fmt.count(n_due), done=fmt.count(done), share=fmt.percent(fmt.ratio(done, n_due)),
                  overdue=fmt.count(n_due - done)),
    ]
    behind = per_rep[(per_rep["due"] >= 3) & (per_rep["done"] < per_rep["due"] / 2)]
    if len(behind):
        findings.append(translate("More than half of their follow-ups overdue (at least 3 due): {reps}.", say,
                                  reps=translate(", ", say).join(
                                      translate("{name} ({value})", say, name=r, value=fmt.count(n))
                                      for r, n in behind["overdue"].items())))
    table = pd.DataFrame({
        translate("rep", say): per_rep.index,
        translate("logged this week", say): [fmt.count(v) for v in per_rep["logged"]],
        translate("last week", say): [fmt.count(v) for v in per_rep["logged_before"]],
        translate("vs last week", say): [fmt.change(a, b) for a, b in zip(per_rep["logged"], per_rep["logged_before"])],
        translate("follow-ups due", say): [fmt.count(v) for v in per_rep["due"]],
        translate("done", say): [fmt.count(v) for v in per_rep["done"]],
        translate("overdue", say): [fmt.count(v) for v in per_rep["overdue"]],
        translate("done share", say): [fmt.percent(fmt.ratio(a, b)) for a, b in zip(per_rep["done"], per_rep["due"])],
    })
    return Section("", findings, tables=[Table(translate("follow-ups per rep", data.lang), table)],
                   data={"per_rep": per_rep, "due": n_due, "done": done})
