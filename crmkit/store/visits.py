"""Visit plans and work logs on the store: ``crm.visit_plan``, ``crm.visit_plans``,
``crm.save_visit_plan`` and ``crm.work_log`` (the work is :mod:`crmkit.visits`'s; every read and
write goes through the store's reads and edits, so the user's book and the record rules hold)."""

from __future__ import annotations

import pandas as pd


class VisitPlanning:
    """The visit-planning half of ``Store`` (it needs the reads, the edits and ``self.account``)."""

    def visit_plan(self, rep=None, week=None, *, settings=None, lang: str | None = None) -> pd.DataFrame:
        """The proposed visits of ``rep`` in ``week`` (a day of it or "2026-W45"; default the week
        after the data date): day, time, customer, reason, priority … (``visits.plan_tables``).
        ``rep`` defaults to the signed-in rep, else every rep the user sees; ``settings``: a
        ``visits.PlanSettings`` (cadences per grade, visits per day …)."""
        from ..visits.planner import visit_plan

        return visit_plan(self, self._own_rep(rep), week, settings=settings, lang=lang)

    def visit_plans(self, rep=None, week=None, **filters) -> pd.DataFrame:
        """The saved plan items (客户拜访计划) of ``rep`` in ``week`` (None: every week), as a read."""
        from ..visits.week import monday

        if week is not None:
            start = monday(week)
            filters.update(start=start, end=start + pd.Timedelta(days=7))
        return self.read("visit_plans", rep=self._own_rep(rep), **filters)

    def save_visit_plan(self, plan: pd.DataFrame, *, rep=None, week=None, by: str | None = None) -> pd.DataFrame:
        """Save ``plan`` as ``rep``'s plan of ``week``: new items added, changed ones updated, saved
        items it lacks cancelled; all checked first, and written in one transaction: nothing is
        written if one is refused or the save fails halfway (``visits.save_visit_plan``). Returns
        the week's saved items."""
        from ..visits.saving import save_visit_plan

        with self._db.transaction():  # each add/update joins this one (Connection.transaction nests)
            return save_visit_plan(self, plan, rep=self._own_rep(rep), week=week, by=by)

    def work_log(self, rep=None, day=None, *, lang: str | None = None) -> pd.DataFrame:
        """The work log (业务工作日志) of ``day`` for ``rep``: contacts, plan items done or missed
        (``visits.log_tables``); ``visits.work_log_html(log)`` prints it."""
        from ..visits.work_log import work_log

        return work_log(self, self._own_rep(rep), day, lang=lang)

    def _own_rep(self, rep):
        """A rep's account plans and logs its own work unless it names another."""
        if rep is None and self.account is not None and self.account.role == "rep":
            return self.account.rep
        return rep
