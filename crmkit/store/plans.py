"""Account plans (客户计划工作表): the plans of key accounts and their parts, read and saved whole.

A plan is a record of ``account_plans``; its parts (SWOT items, SMART goals, milestones, KPIs)
are records of their own tables naming the plan (``schema.PLAN_PARTS``), each read, exported,
imported and kept in the history like any record. What this module adds is the plan as a whole:

>>> crm.account_plans(customer="000123")                 # the plans (typed DataFrame)
>>> plan = crm.account_plan("AP000001")                   # AccountPlan: .plan, .swot, .goals, .milestones, .kpis
>>> crm.save_plan_part("plan_kpis", "AP000001", [{"kpi_id": "KP1", "name": "销售额", "target": 2e6, "weight": 60},
...                                               {"name": "拜访次数", "metric": "visits", "target": 24, "weight": 40}])
>>> crm.save_account_plan({"customer_id": "000123", ...}, goals=[...], kpis=[...])   # a new plan in one go

A part's rows are saved together because the KPI weights of a plan must sum to 100%
(``rules.GroupTotal``): moving 10% from one KPI to another is two changes that are only valid
together, so they are checked, and written, as one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pandas as pd

from ..exceptions import ParameterError, RecordValidationError
from ..schema import PLAN_PARTS, table as lookup_table
from ..values import blank_to_none, python_value
from .totals import total_faults

#: The parts' tables by the name ``AccountPlan`` and ``save_account_plan`` give them.
PART_NAMES = {"swot": "plan_swot", "goals": "plan_goals", "milestones": "plan_milestones", "kpis": "plan_kpis"}


@dataclass
class AccountPlan:
    """One plan as the form shows it: ``plan`` (the record, a dict with its version) and its parts,
    each a typed DataFrame as ``crm.read`` returns it (with each row's version)."""

    plan: dict
    swot: pd.DataFrame
    goals: pd.DataFrame
    milestones: pd.DataFrame
    kpis: pd.DataFrame

    @property
    def plan_id(self) -> str:
        return self.plan["plan_id"]

    def part(self, table: str) -> pd.DataFrame:
        return getattr(self, {v: k for k, v in PART_NAMES.items()}[table])


class Plans:
    """The account-plan half of ``Store`` (it needs the reads and edits)."""

    def account_plans(self, **filters) -> pd.DataFrame:
        """Account plans (客户计划工作表). Filters as in :meth:`read`: ``customer``, ``rep``,
        ``region`` (the customer's), ``start``/``end`` (on ``period_start``), ``where``."""
        return self.read("account_plans", **filters)

    def account_plan(self, plan_id: str) -> AccountPlan:
        """One plan with its parts (``RecordNotFoundError`` when it does not exist, is deleted or is
        outside the user's book)."""
        plan = self.get("account_plans", plan_id)
        parts = {name: self._plan_rows(table, plan["plan_id"]) for name, table in PART_NAMES.items()}
        return AccountPlan(plan, **parts)

    def save_plan_part(self, table: str, plan_id: str, records, *, by: str | None = None) -> pd.DataFrame:
        """Make ``records`` the plan's rows of ``table`` (a part: plan_swot, plan_goals,
        plan_milestones, plan_kpis), in one transaction, checked as a whole.

        ``records`` (dicts, or a DataFrame) are the rows as they should be: one whose id is a row
        of the plan updates it (if it carries a ``version``, only if nobody changed the row since:
        else ``ConflictError``), one without an id (or with a new one) is added, and the plan's rows
        left out are deleted (soft, in the history). Each change is checked as ``add``/``update``/
        ``delete`` check it, and the group rules once, on the result: a plan whose KPI weights do
        not sum to 100% is refused with the sum, and nothing is written. Returns the plan's rows.
        """
        t = lookup_table(table)
        if t.name not in PLAN_PARTS:
            raise ParameterError("table", table, f"one of the plan's parts: {', '.join(PLAN_PARTS)}")
        rows = _records(records)
        plan_id = str(plan_id)
        self._save_parts({t.name: rows}, plan_id, by)
        return self._plan_rows(t.name, plan_id)

    def save_account_plan(self, plan: dict, *, swot=None, goals=None, milestones=None, kpis=None,
                          expected_version: int | None = None, by: str | None = None) -> AccountPlan:
        """Add or change a plan and any of its parts in one transaction (all of it, or nothing).

        ``plan`` without a ``plan_id`` (or with a new one) is added; with a stored one it is
        updated, against ``expected_version`` (default: the plan's ``version`` key, if given).
        Each part given (a list of dicts or a DataFrame) replaces the plan's rows of that part as
        :meth:`save_plan_part` does; a part left as None is left as it is.
        """
        plan = {k: v for k, v in dict(plan).items() if k != "version" or expected_version is None}
        version = expected_version if expected_version is not None else plan.pop("version", None)
        plan_id = blank_to_none(plan.get("plan_id"))
        given = {PART_NAMES[name]: _records(value) for name, value in
                 (("swot", swot), ("goals", goals), ("milestones", milestones), ("kpis", kpis)) if value is not None}
        with self._db.transaction():
            stored = self._row(lookup_table("account_plans"), str(plan_id)) if plan_id is not None else None
            if stored is None or stored["deleted_at"] is not None:
                plan_id = self.add("account_plans", plan, by=by)["plan_id"]
            else:
                changes = {k: v for k, v in plan.items() if k != "plan_id"}
                self.update("account_plans", plan_id, changes, by=by,
                            expected_version=stored["version"] if version is None else int(version))
            self._save_parts(given, plan_id, by)
        return self.account_plan(plan_id)

    # ------------------------------------------------------------------ internals

    def _plan_rows(self, table: str, plan_id: str) -> pd.DataFrame:
        return self.read(table, where={"plan_id": str(plan_id)})

    def _save_parts(self, parts: dict[str, list[dict]], plan_id: str, by) -> None:
        """Write each part's rows (see ``save_plan_part``); the group rules are checked once, at the end."""
        db = self._db
        with db.transaction():
            self.get("account_plans", plan_id)  # exists, and is in the user's book
            self._deferred_totals = {}
            try:
                for table, rows in parts.items():
                    self._replace_rows(lookup_table(table), plan_id, rows, by)
                deferred, self._deferred_totals = self._deferred_totals, None
                for table, groups in deferred.items():
                    t = lookup_table(table)
                    for rule, after, reasons in total_faults(db, t, pd.DataFrame(columns=[t.id_column]),
                                                             groups=sorted(groups)):
                        if len(reasons):
                            i = reasons.index[0]
                            raise RecordValidationError(t.name, [_problem(rule.column, rule.shown_value(after, i),
                                                                          reasons.iloc[0])])
            finally:
                self._deferred_totals = None

    def _replace_rows(self, t, plan_id: str, rows: list[dict], by) -> None:
        idc = t.id_column
        current = {r[idc]: r for r in self._plan_rows(t.name, plan_id).to_dict("records")}
        kept = set()
        for row in rows:
            row = {k: python_value(v) for k, v in row.items()}
            if blank_to_none(row.get("plan_id")) not in (None, plan_id):
                raise ParameterError("plan_id", row["plan_id"], f"the rows saved for plan {plan_id} must be its own")
            row["plan_id"] = plan_id
            version = row.pop("version", None)
            rid = blank_to_none(row.get(idc))
            if rid is not None and rid in current:
                kept.add(rid)
                changes = {k: v for k, v in row.items() if k != idc}
                self.update(t.name, rid, changes, by=by,
                            expected_version=int(current[rid]["version"]) if version is None else int(version))
            else:
                if rid is None:
                    row[idc] = f"{t.id_prefix}{uuid.uuid4().hex[:12].upper()}"
                self.add(t.name, row, by=by)
        for rid in current:
            if rid not in kept:
                self.delete(t.name, rid, by=by)


def _records(records) -> list[dict]:
    if records is None:
        return []
    if isinstance(records, pd.DataFrame):
        return records.to_dict("records")
    return [dict(r) for r in records]


def _problem(column, value, reason):
    from ..importing import Problem

    return Problem("", None, column, value, reason)

