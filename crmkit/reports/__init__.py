"""Monthly reports: papermill runs of ``crmkit/reports/monthly_report.ipynb`` (shipped in the package) into code-free HTML (and PDF).

>>> from crmkit import reports
>>> paths = reports.render_monthly(month="2026-10")              # reports/2026-10/…html, .ipynb, manifest
>>> reports.render_monthly(month="2026-10", by="region")         # one report per region
>>> reports.render_account("000123", pdf=True)                   # an account's one-pager (account_report.ipynb)

Modules: ``content`` (the month's data and each section's findings, tables and figures),
``render`` (the public call: parameters, the month, one report or a batch), ``job`` (one report from
start to finish), ``execute`` (papermill in a kernel, its errors as crmkit's), ``parameterize`` (the
notebook's parameters, the store's password kept out of them), ``kernels`` (the warm kernel a batch
worker keeps), ``batch`` (reports per region or rep, in worker processes), ``convert`` (HTML),
``pdf``, ``manifest``, ``command`` (``crmkit report``); the account one-pager: ``account``
(``render_account``), ``account_data`` (what it reads and works out), ``account_page`` (its blocks).
Its errors are in ``crmkit.exceptions`` (``ReportExecutionError``, ``BatchRenderError`` …).
"""

from typing import TYPE_CHECKING

from .._lazy import attach

# Heavy imports (papermill, nbconvert, matplotlib) wait until a name is used.
__getattr__, __dir__ = attach(__name__, {"render": ["render_monthly", "last_full_month", "ReportPaths"],
                                         "account": ["render_account", "AccountPaths"]})

if TYPE_CHECKING:
    from .account import AccountPaths, render_account
    from .render import ReportPaths, last_full_month, render_monthly

__all__ = ["AccountPaths", "ReportPaths", "last_full_month", "render_account", "render_monthly"]
