"""Every record rule fires identically from an import, ``Store.check``, ``Store.update`` and the
report's data-quality section: the same code, the same field, the same words."""

from __future__ import annotations

import pandas as pd
import pytest

from crmkit import rules
from crmkit.exceptions import ImportValidationError, RecordValidationError
from crmkit.reports.content.month import load_month
from crmkit.reports.content.quality import rule_faults
from crmkit.rules import ALL_RULES, Reference, Required

MONTH = "2026-10"
KNOWN = "C1"
PLAN = "AP0"  # an account plan of KNOWN (a plan's parts name it)
CLOSED_MONDAY_MORNING = "C9"  # a customer who must not be visited on Monday mornings (不宜访问时间)

# A valid record of each table, dated in MONTH; a customer KNOWN exists.
VALID = {
    "customers": {"customer_id": "C2", "name": "东方贸易", "phone": "13800000002", "email": "a@b.cn",
                  "created_at": "2026-10-05"},
    "contacts": {"contact_id": "P1", "customer_id": KNOWN, "name": "王芳", "phone": "13800000003", "email": "w@b.cn"},
    "interactions": {"interaction_id": "I1", "customer_id": KNOWN, "occurred_at": "2026-10-06 10:00",
                     "channel": "visit", "rep": "张伟"},
    "opportunities": {"opportunity_id": "O1", "customer_id": KNOWN, "title": "叉车", "created_at": "2026-10-02",
                      "status": "open", "rep": "张伟"},
    "orders": {"order_id": "S1", "customer_id": KNOWN, "ordered_at": "2026-10-07", "amount": 100.0, "rep": "张伟"},
    "settlements": {"settlement_id": "R1", "customer_id": KNOWN, "settled_at": "2026-10-08", "receivable": 100.0,
                    "received": 50.0, "handler": "张伟"},
    "complaints": {"complaint_id": "Q1", "customer_id": KNOWN, "received_at": "2026-10-09 09:00",
                   "category": "质量", "status": "open"},
    "profile": {"fact_id": "F1", "customer_id": KNOWN, "key": "爱好", "value": "高尔夫"},
    "credit_facts": {"fact_id": "W1", "customer_id": KNOWN, "recorded_at": "2026-10-10",
                     "financial_condition": "资金链紧张", "recorded_by": "张伟"},
    "account_plans": {"plan_id": "AP1", "customer_id": KNOWN, "period_start": "2026-01-01",
                      "period_end": "2026-12-31", "rep": "张伟"},
    "plan_swot": {"item_id": "SW1", "plan_id": PLAN, "kind": "strength", "text": "关系稳定"},
    "plan_goals": {"goal_id": "G1", "plan_id": PLAN, "title": "提升份额", "specific": "a", "measurable": "b",
                   "ambitious": "c", "realistic": "d", "time_bound": "e"},
    "plan_milestones": {"milestone_id": "M1", "plan_id": PLAN, "title": "高层拜访", "due_date": "2026-10-11",
                        "owner": "张伟"},
    "plan_kpis": {"kpi_id": "K1", "plan_id": PLAN, "name": "销售额", "target": 100.0, "weight": 100.0},
    "visit_plans": {"plan_item_id": "V1", "rep": "张伟", "day": "2026-10-05", "time": "09:00", "customer_id": KNOWN,
                    "purpose": "回访", "status": "planned"},
}

# The fields that break each rule, on top of the valid record. A new rule needs an example here.
BREAK = {
    # (customers need no id: a customer without one gets a stable id from its name and phone)
    ("customers", "name", "required"): {"name": None},
    ("customers", "phone", "bad_format"): {"phone": "call me"},
    ("customers", "email", "bad_format"): {"email": "nobody-at-example"},
    ("contacts", "customer_id", "reference"): {"customer_id": "NOPE"},
    ("contacts", "name", "required"): {"name": None},
    ("contacts", "phone", "bad_format"): {"phone": "12"},
    ("contacts", "email", "bad_format"): {"email": "x@"},
    ("interactions", "customer_id", "reference"): {"customer_id": "NOPE"},
    ("interactions", "occurred_at", "required"): {"occurred_at": None},
    ("opportunities", "customer_id", "required"): {"customer_id": None},
    ("opportunities", "customer_id", "reference"): {"customer_id": "NOPE"},
    ("opportunities", "created_at", "required"): {"created_at": None},
    ("opportunities", "closed_at", "date_order"): {"closed_at": "2026-09-01", "status": "lost"},
    ("orders", "customer_id", "required"): {"customer_id": None},
    ("orders", "customer_id", "reference"): {"customer_id": "NOPE"},
    ("orders", "ordered_at", "required"): {"ordered_at": None},
    ("orders", "amount", "required"): {"amount": None},
    ("settlements", "customer_id", "required"): {"customer_id": None},
    ("settlements", "customer_id", "reference"): {"customer_id": "NOPE"},
    ("settlements", "settled_at", "required"): {"settled_at": None},
    ("settlements", "receivable", "required"): {"receivable": None},
    ("settlements", "outstanding", "derived"): {"outstanding": 7.0},
    ("settlements", "received", "at_most"): {"received": 120.0},
    ("complaints", "customer_id", "reference"): {"customer_id": "NOPE"},
    ("complaints", "received_at", "required"): {"received_at": None},
    ("complaints", "resolved_at", "date_order"): {"resolved_at": "2026-10-01 08:00", "status": "resolved"},
    ("profile", "customer_id", "required"): {"customer_id": None},
    ("profile", "customer_id", "reference"): {"customer_id": "NOPE"},
    ("profile", "key", "required"): {"key": None},
    ("credit_facts", "customer_id", "required"): {"customer_id": None},
    ("credit_facts", "customer_id", "reference"): {"customer_id": "NOPE"},
    ("credit_facts", "recorded_at", "required"): {"recorded_at": None},
    ("credit_facts", "business_performance", "required_one_of"): {"financial_condition": None},
    ("credit_facts", "cleared_at", "date_order"): {"cleared_at": "2026-10-01"},
    ("account_plans", "customer_id", "required"): {"customer_id": None},
    ("account_plans", "customer_id", "reference"): {"customer_id": "NOPE"},
    ("account_plans", "period_start", "required"): {"period_start": None},
    ("account_plans", "period_end", "required"): {"period_end": None},
    ("account_plans", "period_end", "date_order"): {"period_end": "2025-12-31"},
    ("plan_swot", "plan_id", "required"): {"plan_id": None},
    ("plan_swot", "plan_id", "reference"): {"plan_id": "NOPE"},
    ("plan_swot", "kind", "required"): {"kind": None},
    ("plan_swot", "text", "required"): {"text": None},
    ("plan_goals", "plan_id", "required"): {"plan_id": None},
    ("plan_goals", "plan_id", "reference"): {"plan_id": "NOPE"},
    ("plan_goals", "title", "required"): {"title": None},
    ("plan_goals", "specific", "required"): {"specific": None},
    ("plan_goals", "measurable", "required"): {"measurable": None},
    ("plan_goals", "ambitious", "required"): {"ambitious": None},
    ("plan_goals", "realistic", "required"): {"realistic": None},
    ("plan_goals", "time_bound", "required"): {"time_bound": None},
    ("plan_milestones", "plan_id", "required"): {"plan_id": None},
    ("plan_milestones", "plan_id", "reference"): {"plan_id": "NOPE"},
    ("plan_milestones", "title", "required"): {"title": None},
    ("plan_milestones", "due_date", "required"): {"due_date": None},
    ("plan_milestones", "owner", "required"): {"owner": None},
    ("plan_kpis", "plan_id", "required"): {"plan_id": None},
    ("plan_kpis", "plan_id", "reference"): {"plan_id": "NOPE"},
    ("plan_kpis", "name", "required"): {"name": None},
    ("plan_kpis", "target", "required"): {"target": None},
    ("plan_kpis", "weight", "required"): {"weight": None},
    ("plan_kpis", "weight", "weights_total"): {"weight": 60.0},
    ("customers", "no_visit_times", "bad_visit_times"): {"no_visit_times": "周八上午"},
    ("visit_plans", "rep", "required"): {"rep": None},
    ("visit_plans", "day", "required"): {"day": None},
    ("visit_plans", "customer_id", "required"): {"customer_id": None},
    ("visit_plans", "customer_id", "reference"): {"customer_id": "NOPE"},
    ("visit_plans", "time", "bad_time"): {"time": "下班后"},
    # 2026-10-05 is a Monday: a visit at 09:00 falls in the customer's 不宜访问时间
    ("visit_plans", "day", "no_visit_time"): {"customer_id": CLOSED_MONDAY_MORNING},
}


def _key(rule) -> tuple:
    return rule.table, rule.column, rule.code


def _quality_sees(rule) -> str | None:
    """Why the quality section cannot see this rule's faults (None: it can)."""
    if isinstance(rule, Reference):
        return "the store keeps references whole (customers are only soft-deleted)"
    if rule.table in ("contacts", "profile", "credit_facts", "visit_plans"):
        return "the monthly report does not look at contacts', profile facts', credit facts' or visit plans' fields"
    if rule.column == "no_visit_times":
        return "the monthly report does not read the customers' times not to visit (the visit plan does)"
    if rule.table in ("account_plans", "plan_swot", "plan_goals", "plan_milestones", "plan_kpis"):
        return "the monthly report does not look at account plans (the account one-pager shows them)"
    t = rules.TABLES[rule.table]
    if isinstance(rule, Required) and rule.column in (t.date_column, t.id_column, "customer_id"):
        return "a record without its date, id or customer is outside every month"
    return None


def test_every_rule_has_an_example_that_breaks_it():
    assert {_key(r) for r in ALL_RULES} == set(BREAK)


@pytest.fixture
def base(store):
    store.add("customers", {"customer_id": KNOWN, "name": "华信科技", "created_at": "2026-10-03"})
    store.add("account_plans", {"plan_id": PLAN, "customer_id": KNOWN, "period_start": "2026-01-01",
                                "period_end": "2026-12-31"})
    store.add("customers", {"customer_id": CLOSED_MONDAY_MORNING, "name": "周一上午开会的公司",
                            "created_at": "2026-10-03", "no_visit_times": "周一上午"})
    return store


def _import_problem(store, rule, record):
    frame = pd.DataFrame([record])
    try:
        report = store.import_frame(frame, rule.table)
    except ImportValidationError as err:
        report = err.report
    found = [p for p in report.problems if p.code == rule.code and p.column == rule.column]
    assert len(found) == 1, report.problems
    assert found[0].severity == rule.severity
    return found[0]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: ":".join(_key(r)))
def test_a_rule_gives_the_same_code_and_words_everywhere(base, rule):
    table = rule.table
    bad = {**VALID[table], **BREAK[_key(rule)]}
    from_import = _import_problem(base, rule, bad)
    assert from_import.reason and from_import.code == rule.code

    # Store.check of the same record as new: the same error (a blank id is made up, as add does)
    if not (isinstance(rule, Required) and rule.column == rules.TABLES[table].id_column):
        found = [p for p in base.check(table, bad) if p.column == rule.column]
        if rule.severity == "error":
            assert [(p.code, p.reason) for p in found] == [(rule.code, from_import.reason)]
        else:
            assert found == []

    # Store.update of a valid record to the same values: refused with the same problem
    if not (isinstance(rule, Required) and rule.column == rules.TABLES[table].id_column):
        valid = {k: v for k, v in VALID[table].items() if k != rules.TABLES[table].id_column}  # a warning was written
        stored = base.add(table, valid)
        rid = stored[rules.TABLES[table].id_column]
        changes = BREAK[_key(rule)]
        if rule.severity == "error":
            with pytest.raises(RecordValidationError) as err:
                base.update(table, rid, changes, expected_version=stored["version"])
            assert [(p.code, p.reason) for p in err.value.problems if p.column == rule.column] == \
                [(rule.code, from_import.reason)]
            assert base.get(table, rid)["version"] == stored["version"]  # nothing written
        else:
            assert base.update(table, rid, changes, expected_version=stored["version"])["version"] == 2


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if _quality_sees(r) is None], ids=lambda r: ":".join(_key(r)))
def test_the_quality_section_finds_a_stored_fault_in_the_same_words(base, rule):
    table = rule.table
    t = rules.TABLES[table]
    bad = {**VALID[table], **BREAK[_key(rule)]}
    from_import = _import_problem(base, rule, bad)
    stored = base.add(table, {k: v for k, v in VALID[table].items() if k != t.id_column})
    rid = stored[t.id_column]
    # Old data or another tool can hold what the store refuses: plant the fault behind its back.
    db = base._db
    for column, value in BREAK[_key(rule)].items():
        db.execute(f"UPDATE {table} SET {column} = {db.placeholder(1)} WHERE {t.id_column} = {db.placeholder(2)}",
                   (db.value(value, t[column].kind), rid))
    data = load_month(base.url, MONTH)
    found = [(frame, reasons) for r, frame, reasons in rule_faults(data) if r == rule]
    assert len(found) == 1
    frame, reasons = found[0]
    by_id = dict(zip(frame.loc[reasons.index, t.id_column].astype(str), reasons))
    assert by_id[rid] == from_import.reason and by_id[rid].code == rule.code
    assert set(by_id) <= {rid, VALID[table][t.id_column]}  # and the imported one, where a warning let it in


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if _quality_sees(r) is not None], ids=lambda r: ":".join(_key(r)))
def test_rules_the_quality_section_cannot_see_say_why(rule):
    assert _quality_sees(rule)


def test_an_update_is_checked_with_the_fields_its_rules_read(base):
    base.import_frame(pd.DataFrame([VALID["settlements"]]), "settlements")
    stored = base.get("settlements", "R1")
    # changing the amounts recomputes outstanding; a received above the receivable stays a warning
    after = base.update("settlements", "R1", {"receivable": 80.0}, expected_version=stored["version"])
    assert after["outstanding"] == 30.0
    assert rules.rule_columns("settlements", {"received"}) == {"receivable", "received", "outstanding"}
    assert [r.column for r in rules.derived_from("settlements", {"received"})] == ["outstanding"]
    assert rules.derived_from("settlements", {"received", "outstanding"}) == []


def test_a_fault_keeps_its_code_through_pickling_and_formatting():
    import pickle

    fault = rules.Fault("not a number: 'x'", "not_a_number")
    again = pickle.loads(pickle.dumps(fault))
    assert again == fault and again.code == "not_a_number"
    assert f"{fault}" == "not a number: 'x'"


def test_every_code_crmkit_gives_is_listed():
    # CELL_CODES and the rules are the registry of codes a program may match on
    import ast
    from pathlib import Path

    import crmkit

    known = set(rules.CELL_CODES) | {r.code for r in ALL_RULES} | {r.code + "_deleted" for r in ALL_RULES
                                                                    if isinstance(r, Reference)}
    used = set()
    for path in Path(crmkit.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Fault", "_faults"):
                code = node.args[-1]
                if isinstance(code, ast.Constant):
                    used.add(code.value)
    assert len(used) >= 10  # the scan finds the parser's and the store's codes
    assert used <= known, used - known

