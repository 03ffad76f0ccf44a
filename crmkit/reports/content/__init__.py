"""What the monthly report says and shows: the month's data, one function per section, display.

>>> from crmkit.reports import content
>>> data = content.load_month(None, "2026-10", region="华东")         # doctest: +SKIP
>>> section = content.traffic(data)                                 # doctest: +SKIP
>>> section.findings, section.tables, section.figures               # doctest: +SKIP
>>> content.show(section)                                           # doctest: +SKIP (in a notebook)

Each section function takes the :class:`MonthData` and returns a :class:`Section` (title,
plain-language findings, tables, figure specs, and the raw numbers in ``data``); it does the
analysis only. :func:`show` draws and displays a section as escaped, masked HTML and PNG.
``crmkit/reports/monthly_report.ipynb`` calls them one per cell, in the order of ``SECTIONS``.

Modules: ``month`` (loading), ``section`` (the Section type, timing), ``cards`` (intent cards at a
date), one module per section (``kpis``, ``traffic``, ``customers``, ``activity``, ``funnel``,
``performance``, ``segments``, ``lifetime``, ``forecasts``, ``receivables``, ``complaints``, ``lost``,
``quality``), ``privacy`` (masking, escaping), ``formatting`` (numbers), ``colours``, ``display``.
The weekly and quarterly reports: ``period`` (a week's or a quarter's data, :func:`load_period`),
and their sections ``week_traffic``, ``week_customers``, ``followups``, ``visit_plan_status``
(weekly), ``rep_quarter``, ``quarter_sales`` (quarterly).
"""

from .activity import activity
from .complaints import RESOLUTION_LIMIT_DAYS, complaints
from .customers import new_customers
from .display import publish_timings, show, show_title
from .forecasts import forecast_accuracy
from .followups import followups
from .funnel import funnel
from .kpis import kpis
from .lifetime import clv
from .lost import lost
from .month import MonthData, load_month, month_bounds
from .performance import performance
from .period import PeriodData, load_period
from .quarter_sales import quarter_sales
from .quality import quality
from .receivables import receivables
from .rep_quarter import rep_quarter
from .section import Figure, Section, Table
from .segments import segments
from .traffic import traffic
from .visit_plan_status import visit_plan_status
from .week_customers import week_customers
from .week_traffic import week_traffic

#: The report's sections, in the notebook's order.
SECTIONS = (kpis, traffic, new_customers, activity, funnel, performance, segments, clv, forecast_accuracy,
            receivables, complaints, lost, quality)
#: The weekly and quarterly reports' sections (``weekly_report.ipynb``, ``quarterly_report.ipynb``).
WEEKLY_SECTIONS = (week_traffic, week_customers, followups, visit_plan_status)
QUARTERLY_SECTIONS = (rep_quarter, quarter_sales)

__all__ = [
    "load_month", "MonthData", "month_bounds", "Section", "Table", "Figure", "SECTIONS",
    "show", "show_title", "publish_timings", "RESOLUTION_LIMIT_DAYS",
    "kpis", "traffic", "new_customers", "activity", "funnel", "performance", "segments", "clv", "forecast_accuracy",
    "receivables", "complaints", "lost", "quality",
    "load_period", "PeriodData", "WEEKLY_SECTIONS", "QUARTERLY_SECTIONS",
    "week_traffic", "week_customers", "followups", "visit_plan_status", "rep_quarter", "quarter_sales",
]
