"""The record rules, declared once beside the schema (the way pandera declares checks).

A rule is data: which table and fields it reads, where a problem lands, a stable ``code``, a
short ``message`` and the reason text for one bad record. The importer, ``Store.check``,
``Store.add``/``update`` and the monthly report's data-quality section all run these same
objects, so a fault is found, worded and coded the same way wherever it shows.

Cell rules (a value's kind, its enum choices, a phone's or e-mail's shape) are read off the
schema's columns and applied while cells are parsed (``parsing``); they carry their codes
in ``CELL_CODES``. Record rules compare fields of one record (or a record with the store):

- ``Required``   a field every record needs (``Column.required``)
- ``Format``     text that must look like a phone number or an e-mail address (``Column.text_format``)
- ``Derived``    a field computed from others (a settlement's outstanding = receivable − received):
                 filled in when missing, a fault when given and different
- ``DateOrder``  one date may not come before another (resolved after received)
- ``AtMost``     one amount should not exceed another (received ≤ receivable)
- ``Reference``  an id that must name a record of another table (a customer that exists)
- ``AnyOf``      at least one of several fields is filled in (a credit fact records something)
- ``GroupTotal`` a field of the records that share a parent sums to a total (a plan's KPI weights to
                 100%): a rule of several records, which the store gives every live record of the group
- ``VisitTimeAllowed``  a planned visit is not in its customer's 不宜访问时间 (with the store's customers)

>>> [(r.column, r.code) for r in rules_for("complaints")]
[('customer_id', 'reference'), ('received_at', 'required'), ('resolved_at', 'date_order')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .i18n import N_
from .schema import KPI_WEIGHT_TOTAL, TABLES, Table


class Fault(str):
    """A reason text that knows its stable code: ``Fault("not a number: 'x'", "not_a_number")``.

    It is a ``str``, so every place that shows reasons keeps working; ``code`` is for machines.
    """

    code: str

    def __new__(cls, text: str, code: str):
        self = super().__new__(cls, text)
        self.code = code
        return self

    def __reduce__(self):
        return Fault, (str(self), self.code)


#: The codes of the faults found while cells are parsed (see ``parsing``) or rows are read.
CELL_CODES = {
    "unknown_choice": "a value that is not one of the column's choices",
    "bad_format": "text that does not look like a phone number or an e-mail address",
    "bad_id": "an id that is too long or holds a line break",
    "bad_date": "a date that cannot be read",
    "bad_time": "a time of day that cannot be read",
    "bad_visit_times": "a 不宜访问时间 (times not to visit) that cannot be read",
    "needs_date_order": "a date with day and month before the year, in a file read without date_order",
    "date_out_of_range": "a date before 1900 or after 2199",
    "not_a_number": "a number that cannot be read",
    "negative": "a negative amount",
    "not_whole": "a count that is not a whole number",
    "too_large": "a count too large to keep",
    "not_yes_no": "a yes/no field with another value",
    "duplicate_id": "an id used twice in one file",
    "unknown_field": "a field the table does not have",
    "id_changed": "an update that changes a record's id",
    "empty_record": "a record with no field filled in",
    "header": "a header that means the same column as another",
    "bad_character": "a NUL or another control character no spreadsheet can hold",
    "unknown_name": "a reference by name (or another field) that matches no record",
    "ambiguous_name": "a reference by name (or another field) that matches several records",
    "not_in_book": "a plan item for a customer outside the book of the store's user",
    "outside_week": "a plan item saved with a week it is not in",
}


@dataclass(frozen=True)
class Rule:
    """One record rule of one table. Subclasses say how to find the records that break it."""

    table: str
    column: str  # the field a problem is reported on
    code: str
    message: str  # what is wrong, in a few words (counted per reason in reports)
    severity: str = "error"  # or "warning": reported, the record is still written

    @property
    def columns(self) -> tuple[str, ...]:
        """Every field the rule reads: a change to any of them checks the rule again."""
        return (self.column,)

    def applies_to(self, frame: pd.DataFrame) -> bool:
        """Whether ``frame`` has the fields the rule needs."""
        return all(c in frame for c in self.columns)

    def violations(self, frame: pd.DataFrame) -> pd.Series:
        """``frame``'s rows that break the rule -> the reason for each (canonical, typed columns)."""
        raise NotImplementedError

    def shown_value(self, frame: pd.DataFrame, i):
        """The value a problem shows for row ``i``."""
        return _shown(frame.at[i, self.column])


@dataclass(frozen=True)
class Required(Rule):
    code: str = "required"
    message: str = N_("a required field is empty")

    def violations(self, frame):
        t = TABLES[self.table]
        missing = frame[self.column].isna()
        if self.column == t.id_column:
            text = f"missing {self.column} ({t[self.column].zh})"
        else:
            text = f"missing {self.column} ({t[self.column].zh}), which every {t.name} record needs"
        return _reasons(missing, lambda i: text, self.code)

    def shown_value(self, frame, i):
        return None


@dataclass(frozen=True)
class Format(Rule):
    """Stored text checked for its shape; on import, ``parsing`` applies the same test to each cell."""

    code: str = "bad_format"
    message: str = ""
    text_format: str = "phone"

    def violations(self, frame):
        from .parsing import text_format_problems

        return text_format_problems(frame[self.column].astype("string"), self.text_format)


@dataclass(frozen=True)
class Derived(Rule):
    """``column`` = ``formula(frame)``: filled in where empty, a fault where given and different."""

    code: str = "derived"
    message: str = ""
    inputs: tuple[str, ...] = ()
    formula: Callable[[pd.DataFrame], pd.Series] | None = None
    formula_text: str = ""  # how the reason writes the formula, with the row's values in {}
    tolerance: float = 0.005

    @property
    def columns(self):
        return (*self.inputs, self.column)

    def applies_to(self, frame):
        return self.inputs[0] in frame  # the other inputs count as empty when missing

    def expected(self, frame: pd.DataFrame) -> pd.Series:
        return self.formula(frame)

    def fill(self, frame: pd.DataFrame) -> None:
        """Write the derived value where the field is empty (or absent), in place."""
        expected = self.expected(frame)
        frame[self.column] = frame[self.column].astype("Float64").fillna(expected) if self.column in frame else expected

    def violations(self, frame):
        if self.column not in frame:
            return _reasons(pd.Series(False, index=frame.index), None, self.code)
        given, expected = frame[self.column].astype("Float64"), self.expected(frame)
        wrong = ((given - expected).abs() > self.tolerance).fillna(False)
        values = {c: _filled(frame, c) for c in self.inputs}
        return _reasons(wrong, lambda i: f"{self.message}: " + self.formula_text.format(
            **{c: _number(values[c][i]) for c in self.inputs}, result=_number(expected[i]), given=_number(given[i])),
            self.code)


@dataclass(frozen=True)
class DateOrder(Rule):
    """``column`` (the later date) may not come before ``earlier``."""

    code: str = "date_order"
    message: str = ""
    earlier: str = ""
    date_only: bool = False  # show the day only

    @property
    def columns(self):
        return (self.earlier, self.column)

    def violations(self, frame):
        early = (frame[self.column] < frame[self.earlier]).fillna(False)
        return _reasons(early, lambda i: self.message, self.code)

    def shown_value(self, frame, i):
        v = pd.Timestamp(frame.at[i, self.column])
        return str(v.date()) if self.date_only else str(v)


@dataclass(frozen=True)
class AtMost(Rule):
    """``column`` should not exceed ``limit`` (a warning: it happens, and is worth a look)."""

    code: str = "at_most"
    message: str = ""
    limit: str = ""
    severity: str = "warning"

    @property
    def columns(self):
        return (self.limit, self.column)

    def violations(self, frame):
        value, limit = frame[self.column].astype("Float64"), frame[self.limit].astype("Float64")
        over = (value > limit).fillna(False)
        return _reasons(over, lambda i: f"{self.column} {_number(value[i])} is more than the {self.limit} "
                                        f"{_number(limit[i])}", self.code)

    def shown_value(self, frame, i):
        return _number(frame.at[i, self.column])


@dataclass(frozen=True)
class AnyOf(Rule):
    """At least one of ``column`` and ``others`` is filled in (a credit fact says something).

    A file (or an update) that carries none of these fields leaves them as they are, so the rule
    applies only where one of them is present."""

    code: str = "required_one_of"
    message: str = ""
    others: tuple[str, ...] = ()

    @property
    def columns(self):
        return (self.column, *self.others)

    def applies_to(self, frame):
        return any(c in frame for c in self.columns)

    def violations(self, frame):
        filled = pd.Series(False, index=frame.index)
        for c in self.columns:
            if c in frame:
                text = frame[c].astype("string").str.strip()
                filled |= (text.notna() & text.ne("")).fillna(False).to_numpy(dtype=bool)
        names = ", ".join(f"{c} ({TABLES[self.table][c].zh})" for c in self.columns)
        return _reasons(~filled, lambda i: f"{self.message}: fill in at least one of {names}", self.code)

    def shown_value(self, frame, i):
        return None


@dataclass(frozen=True)
class Reference(Rule):
    """``column`` names a record of ``target`` that exists (``code``) and is not deleted
    (``code + "_deleted"``, a warning). The store supplies ``known``: every id of ``target`` ->
    whether it was deleted."""

    code: str = "reference"
    message: str = N_("refers to a record that does not exist")
    target: str = "customers"

    def violations(self, frame, known: pd.Series | None = None):
        ids = frame[self.column]
        if known is None:
            return _reasons(pd.Series(False, index=frame.index), None, self.code)
        unknown = ids.notna() & ~_member(ids, known.index)
        t = TABLES[self.target]
        return _reasons(unknown, lambda i: f"unknown {t.name[:-1]} {ids[i]!r}: no such {self.column} in the store; "
                                           f"import the {t.name} first", self.code)

    def deleted(self, frame, known: pd.Series) -> pd.Series:
        """Rows naming a record that was deleted in the store -> the reason (a warning)."""
        ids = frame[self.column]
        gone = known.index[known.to_numpy()] if known.any() else pd.Index([])
        hit = ids.notna() & _member(ids, gone)
        return _reasons(hit, lambda i: f"{self.target[:-1]} {ids[i]!r} was deleted in the store", self.code + "_deleted")


@dataclass(frozen=True)
class GroupTotal(Rule):
    """The ``column`` of the records sharing ``group`` sums to ``total`` (a plan's KPI weights to 100%).

    A rule of several records: ``frame`` must hold every live record of each group it names, as
    they would be after the change (the store reads the group's other records: ``Store`` for an
    add, update, delete or import). Every record of a group whose sum is off breaks it, and the
    reason names the group and the sum. A group without records breaks nothing."""

    code: str = "total"
    message: str = ""
    group: str = ""
    total: float = 100.0
    tolerance: float = 0.005
    reason_text: str = "{sum} instead of {total} for {group!r}"  # the group, its sum and the total filled in

    @property
    def columns(self):
        return (self.group, self.column)

    def sums(self, frame: pd.DataFrame) -> pd.Series:
        """Each group's sum (empty values count as 0)."""
        return frame[self.column].astype("Float64").fillna(0).groupby(frame[self.group].astype(object)).sum()

    def violations(self, frame):
        sums = self.sums(frame)
        groups = frame[self.group].astype(object)
        off = groups.map((sums - self.total).abs() > self.tolerance).fillna(False).astype(bool)
        t = TABLES[self.table]
        return _reasons(off, lambda i: _total_text(t, self, groups[i], float(sums[groups[i]])), self.code)

    def shown_value(self, frame, i):
        return _number(self.sums(frame)[frame.at[i, self.group]])


def _total_text(t: Table, rule: GroupTotal, group, total: float) -> str:
    text = rule.reason_text.format(group=group, sum=_number(total), total=_number(rule.total))
    if abs(total - rule.total / 100) <= rule.tolerance / 100:  # 0.4 + 0.6: per cent written as fractions
        text += " (written as fractions? write 40 or 40% for 40%)"
    return text


@dataclass(frozen=True)
class VisitTimeAllowed(Rule):
    """A planned visit (``column``: its day; ``time`` and ``minutes``) does not fall in its customer's
    不宜访问时间 (``customers.no_visit_times``, read by ``crmkit.visit_times``). The store supplies
    ``closed``: customer id -> that text, for the customers that have one. A visit without a time
    is refused only when its whole working day is closed; one without minutes lasts
    ``DEFAULT_VISIT_MINUTES``. Visits done, missed or cancelled are a record of what happened, not
    a plan, and are not checked."""

    code: str = "no_visit_time"
    message: str = ""
    time: str = "time"
    minutes: str = "minutes"
    customer: str = "customer_id"
    status: str = "status"

    @property
    def columns(self):
        return (self.customer, self.column, self.time, self.minutes, self.status)

    def applies_to(self, frame):
        return self.customer in frame and self.column in frame

    def violations(self, frame, closed: pd.Series | None = None):
        from .visit_times import WEEKDAYS, clock_text, parse_clock, parse_visit_times

        if closed is None or frame.empty:
            return _reasons(pd.Series(False, index=frame.index), None, self.code)
        texts = frame[self.customer].astype(object).map(closed.to_dict())
        planned = _column(frame, self.status).isna() | _column(frame, self.status).astype(object).eq("planned")
        reasons = {}
        for i in frame.index[texts.notna() & planned.to_numpy(dtype=bool) & frame[self.column].notna()]:
            times, day = parse_visit_times(texts[i]), pd.Timestamp(frame.at[i, self.column])
            time, minutes = _column(frame, self.time)[i], _column(frame, self.minutes)[i]
            if pd.isna(time):
                blocked, when = times.closed_all_day(day.weekday()), f"{day:%Y-%m-%d}"
            else:
                start = parse_clock(time)
                end = start + (DEFAULT_VISIT_MINUTES if pd.isna(minutes) else int(minutes))
                blocked, when = times.blocks(day.weekday(), start, end), f"{day:%Y-%m-%d} {clock_text(start)}"
            if blocked:
                reasons[i] = Fault(f"customer {frame.at[i, self.customer]} must not be visited {times.text()} "
                                   f"(不宜访问时间), and the visit is planned on {WEEKDAYS[day.weekday()]} {when}",
                                   self.code)
        return pd.Series(reasons, dtype=object)

    def shown_value(self, frame, i):
        return str(pd.Timestamp(frame.at[i, self.column]).date())


#: How long a planned visit without minutes of its own lasts, for the 不宜访问时间 check.
DEFAULT_VISIT_MINUTES = 60


# --------------------------------------------------------------------------- the rules


def _outstanding(frame: pd.DataFrame) -> pd.Series:
    return frame["receivable"].astype("Float64") - _filled(frame, "received")


CROSS_FIELD_RULES: tuple[Rule, ...] = (
    Derived("settlements", "outstanding", message=N_("receivable − received ≠ outstanding"),
            inputs=("receivable", "received"), formula=_outstanding,
            formula_text="{receivable} − {received} = {result}, not {given}"),
    AtMost("settlements", "received", limit="receivable", message=N_("received more than the receivable")),
    DateOrder("complaints", "resolved_at", earlier="received_at",
              message=N_("resolved before the complaint was received")),
    DateOrder("opportunities", "closed_at", earlier="created_at",
              message=N_("closed before the opportunity was created"), date_only=True),
    # credit facts (危险客户统计表, issue 14): a fact says something, and is cleared after it was recorded
    AnyOf("credit_facts", "business_performance", others=("financial_condition", "bankruptcy_signs"),
          message=N_("a credit fact records nothing")),
    DateOrder("credit_facts", "cleared_at", earlier="recorded_at",
              message=N_("cleared before the fact was recorded"), date_only=True),
    # account plans (客户计划工作表, issue 14): a plan ends after it starts; its KPI weights sum to 100%
    DateOrder("account_plans", "period_end", earlier="period_start",
              message=N_("the plan ends before it starts"), date_only=True),
    GroupTotal("plan_kpis", "weight", group="plan_id", total=KPI_WEIGHT_TOTAL, code="weights_total",
               message=N_("the KPI weights of a plan do not sum to 100%"),
               reason_text="the KPI weights of plan {group!r} sum to {sum}%, not {total}%: change them together"),
    # visit plans (客户拜访计划, issue 14): never in the customer's 不宜访问时间
    VisitTimeAllowed("visit_plans", "day", message=N_("planned when the customer must not be visited")),
)


#: The tables whose ids other records must name as they exist (a contact's id in a profile fact is
#: only a hint, and stays unchecked).
CHECKED_REFERENCES = ("customers", "account_plans")

_FORMAT_MESSAGES = {"phone": N_("not a phone number"), "email": N_("not an e-mail address"),
                    "clock": N_("not a time of day"), "visit_times": N_("times not to visit that cannot be read")}
_FORMAT_CODES = {"clock": "bad_time", "visit_times": "bad_visit_times"}


def _schema_rules(t: Table) -> list[Rule]:
    found: list[Rule] = []
    for col in t.columns:
        if col.required and col.name != t.id_column:
            found.append(Required(t.name, col.name))
        if col.text_format:
            found.append(Format(t.name, col.name, text_format=col.text_format, message=_FORMAT_MESSAGES[col.text_format],
                                code=_FORMAT_CODES.get(col.text_format, "bad_format")))
        if col.references in CHECKED_REFERENCES and t.name != col.references:
            found.append(Reference(t.name, col.name, target=col.references))
    if not t.natural_key:  # no id can be made up for such a record
        found.insert(0, Required(t.name, t.id_column))
    return found


def rules_for(table: str) -> tuple[Rule, ...]:
    """Every record rule of ``table``, in the order problems are reported."""
    return _RULES[table]


def rule_columns(table: str, changed) -> set[str]:
    """The fields an edit of ``changed`` must be checked together with (the other fields of
    every rule that reads one of them), and those it derives."""
    changed = set(changed)
    out: set[str] = set()
    for rule in _RULES[table]:
        if changed & set(rule.columns):
            out |= set(rule.columns)
    return out


def derived_from(table: str, changed) -> list[Derived]:
    """The derived fields an edit of ``changed`` recomputes (when it does not set them itself)."""
    changed = set(changed)
    return [r for r in _RULES[table] if isinstance(r, Derived) and changed & set(r.inputs) and r.column not in changed]


_RULES: dict[str, tuple[Rule, ...]] = {
    name: tuple(_schema_rules(t) + [r for r in CROSS_FIELD_RULES if r.table == name]) for name, t in TABLES.items()
}
ALL_RULES: tuple[Rule, ...] = tuple(r for rules in _RULES.values() for r in rules)


# --------------------------------------------------------------------------- helpers


def _reasons(mask: pd.Series, text: Callable | None, code: str) -> pd.Series:
    index = mask.index[mask.to_numpy(dtype=bool)]
    return pd.Series([Fault(text(i), code) for i in index], index=index, dtype=object)


def _column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column of ``frame``, or all empty when the frame lacks it."""
    return frame[column] if column in frame else pd.Series(pd.NA, index=frame.index, dtype=object)


def _filled(frame: pd.DataFrame, column: str) -> pd.Series:
    """A money column with empty cells as 0 (an absent column is all 0)."""
    if column not in frame:
        return pd.Series(0.0, index=frame.index, dtype="Float64")
    return frame[column].astype("Float64").fillna(0)


def _number(v):
    v = float(v)
    return int(v) if v.is_integer() else round(v, 2)


def _shown(v):
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (float, np.floating)):
        return _number(v)
    if isinstance(v, pd.Timestamp):
        return str(v)
    return v


def _member(ids: pd.Series, values) -> pd.Series:
    """Whether each id is among ``values`` (Arrow's hash lookup: pandas' isin on Arrow strings
    goes through Python objects)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow_ids = pa.array(ids.astype(pd.StringDtype()).array)
    hit = pc.is_in(arrow_ids, value_set=pa.array(pd.Index(values).astype(str), type=pa.string()))
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=ids.index).fillna(False).astype(bool)
