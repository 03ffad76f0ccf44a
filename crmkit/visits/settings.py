"""How the visit planner weighs customers and fills a week: every number it uses, with the reason
for its default. The forms (附表二 客户拜访计划, 三表一卡) ask for visits by grade but give no
numbers, so each default is a choice you can change:

>>> busy = PlanSettings(visits_per_day=8, value_cadence={"A": 7})      # the other grades keep theirs
>>> busy.slot_starts()
(540, 600, 660, 840, 900, 960, 1020, 1080)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..exceptions import ParameterError

VALUE_GRADES = ("A", "B", "C", "D", "E")
INTENT_GRADES = ("O", "A", "B", "C")


@dataclass(frozen=True)
class PlanSettings:
    """The visit planner's rules. Defaults, and why:

    ``value_cadence`` (A 14, B 30, C 60, D 90 days; E none)
        A customer is due for a visit when it was last contacted (any channel, any rep) this many
        days ago, by its value grade (客户级别 A–E): key accounts every two weeks, the middle of
        the book monthly to quarterly. E customers are not visited on a schedule, only when a
        follow-up is due. A grade may be left out (or None) to plan it by follow-ups only.
    ``intent_cadence`` (O 7, A 14, B 30, C 60 days)
        The same for the best open opportunity's intent grade (有望度): an O card (likely to close
        within a month) is worth a visit a week. These are visits, so they are slower than the lead
        board's follow-up cadence (``close.followups``: O every 2 days, by any channel). The shorter
        of the two cadences applies.
    ``visits_per_day`` (6) and ``workdays`` (Mon–Fri)
        How many visits fit in a day: an hour each, three in the morning and three in the afternoon.
    ``day_start`` (09:00), ``lunch`` (12:00–14:00) and ``visit_minutes`` (60)
        Visits start on the hour from 09:00, skipping the lunch break (which many 不宜访问时间
        name too), and last an hour: the slots of a day are 09:00, 10:00, 11:00, 14:00, 15:00, 16:00.
    ``overdue_first`` (True)
        A customer already overdue when the week starts is planned before any customer only due
        during the week, whatever its grade: the form's 超期 visits come first.
    ``intent_points`` (O 40, A 30, B 20, C 10), ``value_points`` (A 40, B 30, C 20, D 10, E 0),
    ``sales_points`` (10) and ``overdue_points_cap`` (60)
        The priority among customers equally urgent: the intent grade, the value grade, up to 10
        points for the share of the rep's book that bought less over ``sales_days`` (365) and one
        point per day overdue, capped, so a long-forgotten customer does not outrank everyone.
    ``cadence_statuses`` (active, dormant)
        Customers of these statuses (or none) are planned by cadence; lost customers only by a
        follow-up someone set.
    """

    value_cadence: dict = field(default_factory=lambda: {"A": 14, "B": 30, "C": 60, "D": 90, "E": None})
    intent_cadence: dict = field(default_factory=lambda: {"O": 7, "A": 14, "B": 30, "C": 60})
    visits_per_day: int = 6
    workdays: tuple = (0, 1, 2, 3, 4)
    day_start: int = 9 * 60
    lunch: tuple = (12 * 60, 14 * 60)
    visit_minutes: int = 60
    overdue_first: bool = True
    intent_points: dict = field(default_factory=lambda: {"O": 40, "A": 30, "B": 20, "C": 10})
    value_points: dict = field(default_factory=lambda: {"A": 40, "B": 30, "C": 20, "D": 10, "E": 0})
    sales_points: float = 10.0
    sales_days: int = 365
    overdue_points_cap: int = 60
    cadence_statuses: tuple = ("active", "dormant")

    def __post_init__(self) -> None:
        defaults = PlanSettings.__dataclass_fields__
        for name, grades in (("value_cadence", VALUE_GRADES), ("intent_cadence", INTENT_GRADES),
                             ("intent_points", INTENT_GRADES), ("value_points", VALUE_GRADES)):
            given = getattr(self, name)
            unknown = set(given) - set(grades)
            if unknown:
                raise ParameterError(name, sorted(unknown), f"grades are {', '.join(grades)}")
            merged = {**defaults[name].default_factory(), **given}  # a grade left out keeps its default
            for grade, days in merged.items():
                if days is not None and (not isinstance(days, (int, float)) or days < 0):
                    raise ParameterError(name, {grade: days}, "must be a number of days >= 0, or None")
            object.__setattr__(self, name, merged)
        if not isinstance(self.visits_per_day, int) or self.visits_per_day < 1:
            raise ParameterError("visits_per_day", self.visits_per_day, "must be a whole number >= 1")
        if not self.workdays or any(d not in range(7) for d in self.workdays):
            raise ParameterError("workdays", self.workdays, "weekdays 0 (Monday) to 6 (Sunday)")
        object.__setattr__(self, "workdays", tuple(sorted(set(self.workdays))))
        if self.visit_minutes < 1 or len(self.slot_starts()) < self.visits_per_day:
            raise ParameterError("visits_per_day", self.visits_per_day, "that many visits do not fit in a day")

    def slot_starts(self) -> tuple[int, ...]:
        """The start of each visit of a day (minutes after midnight), skipping the lunch break."""
        starts, t = [], self.day_start
        while len(starts) < self.visits_per_day and t + self.visit_minutes <= 24 * 60:
            if t < self.lunch[1] and t + self.visit_minutes > self.lunch[0]:
                t = self.lunch[1]
                continue
            starts.append(t)
            t += self.visit_minutes
        return tuple(starts)

    def with_(self, **changes) -> "PlanSettings":
        return replace(self, **changes)


DEFAULT_SETTINGS = PlanSettings()
