"""Monthly reports: papermill runs of ``notebooks/monthly_report.ipynb`` into code-free HTML (and PDF).

>>> from crmkit import reports
>>> paths = reports.render_monthly(month="2026-10")              # reports/2026-10/…html, .ipynb, manifest
>>> reports.render_monthly(month="2026-10", by="region")         # one report per region

Modules: ``content`` (the month's data and each section's findings, tables and figures),
``render`` (papermill, HTML/PDF conversion, batches), ``manifest``, ``convert``, ``pdf``, ``command`` (``crmkit report``).
Its errors are in ``crmkit.exceptions`` (``ReportExecutionError``, ``BatchRenderError`` …).
"""

from importlib import import_module

# Heavy imports (papermill, nbconvert, matplotlib) wait until a name is used.
_LAZY = {
    "render_monthly": "render",
    "last_full_month": "render",
    "ReportPaths": "render",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
