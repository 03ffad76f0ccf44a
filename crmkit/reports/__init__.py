"""Monthly reports: papermill runs of ``crmkit/reports/monthly_report.ipynb`` (shipped in the package) into code-free HTML (and PDF).

>>> from crmkit import reports
>>> paths = reports.render_monthly(month="2026-10")              # reports/2026-10/…html, .ipynb, manifest
>>> reports.render_monthly(month="2026-10", by="region")         # one report per region

Modules: ``content`` (the month's data and each section's findings, tables and figures),
``render`` (the public call: parameters, the month, one report or a batch), ``job`` (one report from
start to finish), ``execute`` (papermill in a kernel, its errors as crmkit's), ``parameterize`` (the
notebook's parameters, the store's password kept out of them), ``kernels`` (the warm kernel a batch
worker keeps), ``batch`` (reports per region or rep, in worker processes), ``convert`` (HTML),
``pdf``, ``manifest``, ``command`` (``crmkit report``).
Its errors are in ``crmkit.exceptions`` (``ReportExecutionError``, ``BatchRenderError`` …).
"""

from typing import TYPE_CHECKING

from .._lazy import attach

# Heavy imports (papermill, nbconvert, matplotlib) wait until a name is used.
__getattr__, __dir__ = attach(__name__, {"render": ["render_monthly", "last_full_month", "ReportPaths"]})

if TYPE_CHECKING:
    from .render import ReportPaths, last_full_month, render_monthly

__all__ = ["ReportPaths", "last_full_month", "render_monthly"]
