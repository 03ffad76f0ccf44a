"""Visit plans and work logs (附表二 客户拜访计划, 附表九 业务工作日志).

>>> plan = crm.visit_plan(rep="张伟", week="2026-11-02")       # proposed: day, time, customer, reason, priority
>>> crm.save_visit_plan(plan, rep="张伟", week="2026-11-02")   # kept as visit_plans records, signed
>>> crm.visit_plans(rep="张伟", week="2026-11-02")             # the saved plan
>>> log = crm.work_log(rep="张伟", day="2026-11-02")           # the day: contacts, visits done or missed
>>> html = visits.work_log_html(log, lang="zh")                 # printable, a page per rep

Modules: ``settings`` (:class:`PlanSettings`: cadences per grade, capacity, slots, and why), ``week``
(which week), ``due`` (who is due, how urgent), ``planner`` (the week filled), ``saving`` (a plan
through the store), ``work_log``. The 不宜访问时间 themselves are read by :mod:`crmkit.visit_times`.
"""

from .due import REASONS, due_customers
from .planner import PLAN_COLUMNS, allowed_slots, plan_tables, visit_plan
from .saving import save_visit_plan
from .settings import DEFAULT_SETTINGS, PlanSettings
from .week import monday
from .work_log import LOG_COLUMNS, log_tables, summary, work_log, work_log_html

__all__ = ["DEFAULT_SETTINGS", "LOG_COLUMNS", "PLAN_COLUMNS", "PlanSettings", "REASONS", "allowed_slots",
           "due_customers", "log_tables", "monday", "plan_tables", "save_visit_plan", "summary", "visit_plan",
           "work_log", "work_log_html"]
