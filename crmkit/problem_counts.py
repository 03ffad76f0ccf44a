"""An import's problems counted per reason: the first line a user reads of a report.

A file from another tool usually fails for a handful of reasons repeated thousands of times
("Engaging" is not a status crmkit knows). Counting them first, grouped by the code of the fault
and, where the cell's value is the point (an unknown status, a name that matches no customer),
by value too, says what to fix before the rows say where.
"""

from __future__ import annotations

from collections import Counter

from .i18n import N_, table_label, translate
from .rules import rules_for
from .schema import TABLES

SHOWN_REASONS = 6  # reasons named on the line; the rest are counted as "more"

#: Codes whose problems are told apart by the value: each is its own thing to fix (a mapping).
BY_VALUE = {"unknown_choice", "reference", "unknown_name", "ambiguous_name"}

#: Short words for the faults found while cells are read (record rules bring their own message).
CELL_REASONS = {
    "bad_date": N_("unreadable date"),
    "needs_date_order": N_("day and month in an unknown order (pass --date-order mdy or dmy)"),
    "date_out_of_range": N_("date out of range"),
    "not_a_number": N_("not a number"),
    "negative": N_("negative amount"),
    "not_whole": N_("not a whole number"),
    "too_large": N_("number too large"),
    "not_yes_no": N_("not yes or no"),
    "bad_id": N_("unusable id"),
    "duplicate_id": N_("id used twice"),
    "bad_character": N_("character no spreadsheet can keep"),
    "header": N_("column read twice"),
}


def reason_counts(problems, table: str, lang: str = "en") -> list[tuple[int, str]]:
    """``(count, label)`` per reason, most frequent first (ties in the order they were found)."""
    counts = Counter(_group(p) for p in problems)
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])  # sorted() keeps first-seen order for ties
    return [(n, _label(group, table, lang)) for group, n in ordered]


def summary_line(problems, table: str, lang: str = "en") -> str:
    """``4,014 problem(s): 2,089 unknown status 'Engaging', 1,925 …``."""
    counts = reason_counts(problems, table, lang)
    shown = [f"{n:,} {label}" for n, label in counts[:SHOWN_REASONS]]
    if len(counts) > SHOWN_REASONS:
        rest = sum(n for n, _ in counts[SHOWN_REASONS:])
        shown.append(translate("{n:,} for {kinds} other reason(s)", lang, n=rest, kinds=len(counts) - SHOWN_REASONS))
    return translate("{n:,} problem(s): {counts}", lang, n=len(problems), counts=", ".join(shown))


def _group(problem) -> tuple:
    where = problem.field or problem.column
    value = problem.value if problem.code in BY_VALUE else None
    return problem.code, where, problem.column, value


def _label(group: tuple, table: str, lang: str) -> str:
    code, field, column, value = group
    t = TABLES[table]
    col = t.by_name.get(field)
    field_label = col.label(lang) if col is not None else str(field)
    if code in ("unknown_choice", "reference"):
        return translate("unknown {field} {value}", lang, field=field_label, value=repr(value))
    if code in ("unknown_name", "ambiguous_name"):
        target = TABLES[col.references] if col is not None and col.references else t
        if code == "unknown_name":
            return translate("no match for {value} in {table}", lang, value=repr(value), table=table_label(target, lang))
        return translate("{value} matches several {table}", lang, value=repr(value), table=table_label(target, lang))
    words = _rule_message(table, code, field) or CELL_REASONS.get(code)
    what = translate(words, lang) if words else code
    where = column or field_label
    return translate("{what} in {column}", lang, what=what, column=where) if where else what


def _rule_message(table: str, code: str, field) -> str | None:
    for rule in rules_for(table):
        if rule.code == code and rule.column == field and rule.message:
            return rule.message
    return None
