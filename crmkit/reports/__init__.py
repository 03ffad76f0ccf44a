"""Monthly reports: papermill runs of ``crmkit/reports/monthly_report.ipynb`` (shipped in the package) into code-free HTML (and PDF).

>>> from crmkit import reports
>>> paths = reports.render_monthly(month="2026-10")              # reports/2026-10/…html, .ipynb, manifest
>>> reports.render_monthly(month="2026-10", by="region")         # one report per region
>>> reports.render_account("000123", pdf=True)                   # an account's one-pager (account_report.ipynb)
>>> reports.render_weekly("2026-W44")                            # reports/2026-W44/weekly_report_2026-W44.html …
>>> reports.render_quarterly("2026Q3", pdf=True)                 # reports/2026Q3/quarterly_report_2026Q3.html, .pdf …

Modules: ``content`` (the month's data and each section's findings, tables and figures),
``render`` (the public call: parameters, the month, one report or a batch), ``job`` (one report from
start to finish), ``execute`` (papermill in a kernel, its errors as crmkit's), ``parameterize`` (the
notebook's parameters, the store's password kept out of them), ``kernels`` (the warm kernel a batch
worker keeps), ``batch`` (reports per region or rep, in worker processes), ``convert`` (HTML),
``pdf``, ``manifest``, ``command`` (``crmkit report``); the account one-pager: ``account``
(``render_account``), ``account_data`` (what it reads and works out), ``account_page`` (its blocks);
the weekly and quarterly reports: ``periodic`` (``render_weekly``, ``render_quarterly``; their
notebooks ``weekly_report.ipynb``, ``quarterly_report.ipynb``, the same job as the month's).
Its errors are in ``crmkit.exceptions`` (``ReportExecutionError``, ``BatchRenderError`` …).
"""

from typing import TYPE_CHECKING

from .._lazy import attach

# Heavy imports (papermill, nbconvert, matplotlib) wait until a name is used.
__getattr__, __dir__ = attach(__name__, {"render": ["render_monthly", "last_full_month", "ReportPaths"],
                                         "account": ["render_account", "AccountPaths"],
                                         "periodic": ["render_weekly", "render_quarterly", "last_full_week",
                                                      "last_full_quarter"]})

if TYPE_CHECKING:
    from .account import AccountPaths, render_account
    from .periodic import last_full_quarter, last_full_week, render_quarterly, render_weekly
    from .render import ReportPaths, last_full_month, render_monthly

__all__ = ["AccountPaths", "ReportPaths", "last_full_month", "last_full_quarter", "last_full_week", "render_account",
           "render_monthly", "render_quarterly", "render_weekly"]
