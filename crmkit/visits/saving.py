"""A week's plan, as the rep edited it, saved through the store: items added, moved, cancelled.

>>> crm.save_visit_plan(plan, rep="张伟", week="2026-11-02")        # doctest: +SKIP

Every item goes through the store's record rules (the customer exists and is in the user's book,
the time reads, the visit is not in the customer's 不宜访问时间): all of them are checked before
anything is written, and one bad item writes nothing (``RecordValidationError`` names each item by
its row in ``plan``, 1 being the first). Then each item is one signed edit, so the history shows
who planned, moved or cancelled which visit. An item the saved plan had and ``plan`` lacks is not
deleted but ``cancelled``: a dropped visit stays on the record.
"""

from __future__ import annotations

import pandas as pd

from ..exceptions import RecordValidationError
from ..importing import Problem
from ..rules import Fault
from ..values import blank_to_none, python_value, same_value
from .week import monday

#: The fields of a plan item the rep edits (the rest is the store's).
ITEM_FIELDS = ("day", "time", "minutes", "customer_id", "purpose", "status", "notes")


def save_visit_plan(crm, plan: pd.DataFrame, *, rep: str | None = None, week=None, by: str | None = None) -> pd.DataFrame:
    """Save ``plan`` (rows with at least day, time and customer_id; ``plan_item_id`` for items
    already saved) as ``rep``'s plan of ``week``; returns the week's saved items."""
    rep = rep or _one_rep(plan)
    start = monday(week if week is not None else plan["day"].min())
    end = start + pd.Timedelta(days=7)
    saved = crm.read("visit_plans", rep=rep, start=start, end=end)
    saved_by_id = {str(r["plan_item_id"]): r for r in saved.to_dict("records")}
    adds, updates = [], []
    for row, item in enumerate(plan.to_dict("records"), start=1):
        record = {k: _plain(item.get(k)) for k in ITEM_FIELDS if k in item}
        record["rep"] = rep
        record.setdefault("status", "planned")
        if record.get("status") is None:
            record["status"] = "planned"
        item_id = blank_to_none(_plain(item.get("plan_item_id")))
        if item_id is not None and str(item_id) in saved_by_id:
            stored = saved_by_id[str(item_id)]
            changes = {k: v for k, v in record.items() if not same_value(python_value(stored.get(k)), v)}
            updates.append((row, str(item_id), changes, int(stored["version"])))
        else:
            adds.append((row, record))
    kept = {u[1] for u in updates}
    cancels = [(rid, int(r["version"])) for rid, r in saved_by_id.items() if rid not in kept and _open(r["status"])]
    _check_all(crm, adds, updates, start, end)
    for _, record in adds:
        crm.add("visit_plans", record, by=by)
    for _, item_id, changes, version in updates:
        if changes:
            crm.update("visit_plans", item_id, changes, expected_version=version, by=by)
    for item_id, version in cancels:
        crm.update("visit_plans", item_id, {"status": "cancelled"}, expected_version=version, by=by)
    return crm.read("visit_plans", rep=rep, start=start, end=end)


def _check_all(crm, adds, updates, start, end) -> None:
    """Every item against the store's rules, and inside the week; RecordValidationError listing all."""
    problems = []
    ids = {str(r["customer_id"]) for _, r in adds if r.get("customer_id") is not None}
    ids |= {str(c["customer_id"]) for _, _, c, _ in updates if c.get("customer_id") is not None}
    mine = set(crm.read("customers", customer=sorted(ids), columns=["customer_id"])["customer_id"].astype(str)) \
        if ids else set()
    checks = [(row, None, record) for row, record in adds] + [(row, rid, ch) for row, rid, ch, _ in updates if ch]
    for row, record_id, record in checks:
        found = crm.check("visit_plans", record, record_id=record_id)
        cid = record.get("customer_id")
        if cid is not None and str(cid) not in mine and not any(p.column == "customer_id" for p in found):
            found.append(Problem("", None, "customer_id", cid, Fault(
                f"customer {cid} is not in the book of the store's user (or does not exist)", "not_in_book")))
        day = record.get("day")
        if day is not None and not found and not (start <= pd.Timestamp(day) < end):
            found.append(Problem("", None, "day", str(day), Fault(
                f"{pd.Timestamp(day):%Y-%m-%d} is not in the week of {start:%Y-%m-%d}", "outside_week")))
        problems += [Problem("plan", row, p.column, p.value, Fault(f"item {row}: {p.reason}", p.code), p.severity,
                             field=p.field) for p in found if p.severity == "error"]
    if problems:
        raise RecordValidationError("visit_plans", problems)


def _open(status) -> bool:
    """Whether a saved item is still a plan (not done, missed or cancelled): saving may cancel it."""
    return status is None or (isinstance(status, float) and status != status) or status == "planned"


def _one_rep(plan: pd.DataFrame) -> str:
    reps = plan["rep"].dropna().astype(str).unique() if "rep" in plan else []
    if len(reps) != 1:
        raise ValueError(f"name the rep whose plan this is (rep=...): the plan holds {len(reps)} reps")
    return reps[0]


def _plain(v):
    v = python_value(v)
    return None if v is None or (isinstance(v, float) and v != v) else v
