"""Data quality (数据质量): what was missing or inconsistent in the month's records, counted and
listed, so the report's own figures can be read with the right caution.

Two kinds of check. The record rules of ``crmkit.rules`` (the ones the importer, ``Store.check``
and ``Store.update`` run) are run again on the month's records, which may predate a rule or have
been written by another tool: each gives the same code and words here as it would there. Then
the report's own completeness checks, things a record may lack but a report misses (a visit
without a channel): functions of the MonthData returning the offending records' ids, listed in
``CHECKS`` with the table they look at and what is wrong (translated where shown).
"""

from __future__ import annotations

import pandas as pd

from ...i18n import N_, table_label, translate
from ...i18n import translate_in_context
from ...rules import CROSS_FIELD_RULES, Reference, rules_for
from ...schema import TABLES
from .month import id_set, is_in
from .section import Section, Table, section

#: How many offending ids a check lists.
EXAMPLES = 5
#: Money differences below this (yuan) are rounding, not errors.
TOLERANCE = 0.01


def _ids(frame: pd.DataFrame, mask, id_column: str) -> list[str]:
    return frame.loc[mask, id_column].astype(str).tolist()


def _month(data, table: str, column: str) -> pd.DataFrame:
    return data.in_month(getattr(data, table), column)


def interactions_without_channel(data):
    f = _month(data, "interactions", "occurred_at")
    return _ids(f, f["channel"].isna(), "interaction_id")


def interactions_without_rep(data):
    f = _month(data, "interactions", "occurred_at")
    return _ids(f, f["rep"].isna(), "interaction_id")


def _month_cards(data) -> pd.DataFrame:
    o = data.opportunities
    touched = ((o["created_at"] >= data.start) & (o["created_at"] < data.end)) | (
        (o["closed_at"] >= data.start) & (o["closed_at"] < data.end)) | (o["status"] == "open")
    return o[touched]


def cards_without_grade(data):
    f = _month_cards(data)
    return _ids(f, f["intent_grade"].isna(), "opportunity_id")


def cards_without_amount(data):
    f = _month_cards(data)
    return _ids(f, f["expected_amount"].isna(), "opportunity_id")


def closed_cards_without_date(data):
    f = _month_cards(data)
    return _ids(f, f["status"].isin(["won", "lost"]) & f["closed_at"].isna(), "opportunity_id")


def lost_cards_without_reason(data):
    f = data.in_month(data.opportunities[data.opportunities["status"] == "lost"], "closed_at")
    return _ids(f, f["lost_reason"].isna(), "opportunity_id")


def orders_without_rep(data):
    f = _month(data, "orders", "ordered_at")
    return _ids(f, f["rep"].isna(), "order_id")


def complaints_done_without_date(data):
    f = _month(data, "complaints", "received_at")
    return _ids(f, f["status"].isin(["resolved", "closed"]) & f["resolved_at"].isna(), "complaint_id")


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype("string").str.strip() == "")


def _month_customer_mask(data) -> pd.Series:
    """True for customers whose file was created this month or who were in contact this month."""
    def compute():
        met = id_set(_month(data, "interactions", "occurred_at")["customer_id"])
        c = data.customers
        return ((c["created_at"] >= data.start) & (c["created_at"] < data.end)) | is_in(c["customer_id"], met)

    return data.memo("quality:month_customers", compute)


def customers_unreachable(data):
    c = data.customers[_month_customer_mask(data)]
    contacts = data.contacts
    reachable = id_set(contacts.loc[~_blank(contacts["phone"]) | ~_blank(contacts["email"]), "customer_id"])
    own = ~_blank(c["phone"]) | ~_blank(c["email"])
    return _ids(c, ~own & ~is_in(c["customer_id"], reachable), "customer_id")


def _duplicated(values: pd.Series) -> pd.Series:
    # plain (not regex) replaces stay in Arrow; "139-0000-1111" and "139 0000 1111" are one phone
    key = values.astype("string").str.strip().str.replace("-", "", regex=False).str.replace(" ", "", regex=False)
    return (key.notna() & (key != "") & key.duplicated(keep=False)).fillna(False)


def customers_sharing_phone(data):
    """Customers of this month (see above) whose phone another customer in scope also has."""
    c = data.customers
    return _ids(c, _duplicated(c["phone"]) & _month_customer_mask(data), "customer_id")


def customers_sharing_name(data):
    """Customers of this month whose name another customer in scope also has."""
    c = data.customers
    return _ids(c, _duplicated(c["name"]) & _month_customer_mask(data), "customer_id")


#: (check, table, what is wrong)
CHECKS = [
    (interactions_without_channel, "interactions", N_("no channel")),
    (interactions_without_rep, "interactions", N_("no rep")),
    (cards_without_grade, "opportunities", N_("no O/A/B/C grade")),
    (cards_without_amount, "opportunities", N_("no expected amount")),
    (closed_cards_without_date, "opportunities", N_("closed without a date")),
    (lost_cards_without_reason, "opportunities", N_("lost without a reason")),
    (orders_without_rep, "orders", N_("order without a rep")),
    (complaints_done_without_date, "complaints", N_("resolved without a date")),
    (customers_unreachable, "customers", N_("no way to reach")),
    (customers_sharing_phone, "customers", N_("phone shared with another customer")),
    (customers_sharing_name, "customers", N_("name shared with another customer")),
]


# The month's records each table's rules look at: what the completeness checks look at too.
_IN_SCOPE = {
    "customers": lambda data: data.customers[_month_customer_mask(data)],
    "interactions": lambda data: _month(data, "interactions", "occurred_at"),
    "opportunities": _month_cards,
    "orders": lambda data: _month(data, "orders", "ordered_at"),
    "settlements": lambda data: _month(data, "settlements", "settled_at"),
    "complaints": lambda data: _month(data, "complaints", "received_at"),
}


def rule_faults(data) -> list[tuple]:
    """Each record rule that applies to the month's records, with what it found:
    ``(rule, frame, reasons)``, ``reasons`` indexed like ``frame``.

    ``Reference`` rules are left out: the store keeps references whole (a customer is only ever
    soft-deleted, and its records still name it).
    """
    found = []
    for table, in_scope in _IN_SCOPE.items():
        frame = in_scope(data).reset_index(drop=True)  # labels are positions: concatenated frames repeat them
        for rule in rules_for(table):
            if not isinstance(rule, Reference) and rule.applies_to(frame):
                found.append((rule, frame, rule.violations(frame)))
    return found


def _rule_rows(data, lang: str) -> list[dict]:
    """Cross-field rules always get a row (a zero is news too); the others when they find something."""
    rows = []
    for rule, frame, reasons in rule_faults(data):
        if len(reasons) == 0 and rule not in CROSS_FIELD_RULES:
            continue
        t = TABLES[rule.table]
        rows.append({"check": f"{rule.table}.{rule.column}:{rule.code}", "code": rule.code, "table": rule.table,
                     "problem": translate(rule.message, lang),
                     "count": len(reasons), "ids": frame.loc[reasons.index, t.id_column].astype(str).tolist(),
                     "reasons": [str(r) for r in reasons]})
    return rows


def quality_problems(data) -> pd.DataFrame:
    """One row per check: its code, table, problem (in the report's language), count, the offending
    ids (all of them) and, for record rules, each record's reason (the words an import would give)."""
    rows = _rule_rows(data, data.lang)
    for check, table, problem in CHECKS:
        ids = check(data)
        rows.append({"check": check.__name__, "code": check.__name__, "table": table,
                     "problem": translate(problem, data.lang),
                     "count": len(ids), "ids": ids, "reasons": []})
    order = list(_IN_SCOPE)  # a table's rules, then its completeness checks
    rows.sort(key=lambda row: order.index(row["table"]))
    return pd.DataFrame(rows)


@section(N_("Data quality"))
def quality(data) -> Section:
    """Every check, how many records failed it this month, and a few of their ids."""
    fmt, say = data.fmt, data.prose
    problems = quality_problems(data)
    found = problems[problems["count"] > 0]
    if found.empty:
        findings = [translate("{month}: the records passed all {n} checks.", say, month=data.label, n=len(problems))]
    else:
        worst = found.sort_values("count", ascending=False).iloc[0]
        findings = [
            translate("{found} of {n} checks found problems, in {records} records in all; the most: \u201c{table}: "
                      "{problem}\u201d ({worst}).", say, found=len(found), n=len(problems),
                      records=fmt.count(found["count"].sum()),
                      table=table_label(TABLES[worst["table"]], say, short=True),
                      problem=worst["problem"].split(" · ")[0], worst=fmt.count(worst["count"])),
            translate("This report counts the records as they are; ask the reps to complete or correct them, and next "
                      "month's report will be more accurate.", say),
        ]
    table = pd.DataFrame({
        translate("records", say): [table_label(TABLES[name], say, short=True) for name in problems["table"]],
        translate("problem", data.lang): problems["problem"],
        translate("count", say): [fmt.count(v) for v in problems["count"]],
        translate("example IDs", say): [translate_in_context("list of names", ", ", say).join(ids[:EXAMPLES]) + ("…" if len(ids) > EXAMPLES else "")
                                        for ids in problems["ids"]],
    })
    note = translate("Customer checks look at customers whose file was opened or who were contacted this month; "
                     "shared phones and names are compared with every customer in scope.", say)
    return Section("", findings, tables=[Table(translate("checks", data.lang), table, note)],
                   data={"problems": problems})
