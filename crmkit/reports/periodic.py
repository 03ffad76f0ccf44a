"""The weekly and quarterly reports, the public calls: check the parameters, pick the period, render.

>>> from crmkit.reports import render_weekly, render_quarterly
>>> render_weekly("2026-W44")            # reports/2026-W44/weekly_report_2026-W44.html, .ipynb, manifest
>>> render_weekly("2026-10-28")          # any day names its week (Monday to Sunday)
>>> render_quarterly("2026Q3", pdf=True) # reports/2026Q3/quarterly_report_2026Q3.html, .pdf …

The same machinery as the monthly report (``job.py``: papermill in a real kernel, nbconvert's
sanitised HTML, Chromium's PDF, the manifest with the data's fingerprint), the same parameters
and the same privacy; the notebooks ``weekly_report.ipynb`` and ``quarterly_report.ipynb`` are
shipped in the package and only call the sections in ``content`` (``content.period`` reads the
period's data).
"""

from __future__ import annotations

from pathlib import Path

from ..exceptions import NoReportDataError, ReportParameterError
from ..i18n import BILINGUAL
from ..language import resolve_lang
from .content.formatting import REPORT_LANGS
from .content.period import checked_period, last_full_period
from .job import ReportJob, ReportPaths, render_job

__all__ = ["QUARTERLY_NOTEBOOK", "WEEKLY_NOTEBOOK", "last_full_quarter", "last_full_week", "render_quarterly",
           "render_weekly"]

WEEKLY_NOTEBOOK = Path(__file__).with_name("weekly_report.ipynb")
QUARTERLY_NOTEBOOK = Path(__file__).with_name("quarterly_report.ipynb")
_NOTEBOOKS = {"weekly": WEEKLY_NOTEBOOK, "quarterly": QUARTERLY_NOTEBOOK}
_PERIOD_FORMS = {"weekly": ("week", "write the week as YYYY-Www (e.g. 2026-W44) or a day of it (2026-10-28)"),
                 "quarterly": ("quarter", "write the quarter as YYYYQn with n from 1 to 4, e.g. 2026Q3")}
_ACTIVITY_TABLES = ("interactions", "orders", "opportunities", "settlements", "complaints")


def render_weekly(week: str | None = None, *, db_url: str | None = None, out_dir=None, pdf: bool = False,
                  lang: str | None = None, currency: str | None = None, region: str | None = None,
                  rep: str | None = None, show_personal_data: bool = False, kernel_name: str = "python3",
                  progress: bool = False) -> ReportPaths:
    """Render the weekly report (客流量 week on week, each rep's follow-ups, the visit plans).

    Parameters
    ----------
    week : str, optional
        "2026-W44" (an ISO week, Monday to Sunday) or any day of it ("2026-10-28"). Default: the
        last full week of the store's data (:func:`last_full_week`).
    db_url, out_dir, pdf, lang, currency, region, rep, show_personal_data, kernel_name, progress
        As :func:`~crmkit.reports.render_monthly`.

    Returns
    -------
    ReportPaths
        ``.month`` holds the week ("2026-W44"); the files are in ``<out_dir>/2026-W44/``.

    Raises
    ------
    ReportParameterError
        A week that is neither form, or another bad parameter; nothing is written.
    ReportExecutionError, ReportKernelError, NoReportDataError, ChromiumNotFoundError
        As :func:`~crmkit.reports.render_monthly`.
    """
    return _render("weekly", week, db_url=db_url, out_dir=out_dir, pdf=pdf, lang=lang, currency=currency,
                   region=region, rep=rep, show_personal_data=show_personal_data, kernel_name=kernel_name,
                   progress=progress)


def render_quarterly(quarter: str | None = None, *, db_url: str | None = None, out_dir=None, pdf: bool = False,
                     lang: str | None = None, currency: str | None = None, region: str | None = None,
                     rep: str | None = None, show_personal_data: bool = False, kernel_name: str = "python3",
                     progress: bool = False) -> ReportPaths:
    """Render the quarterly report (rep performance over the three months, ranked; sales by quarter
    and region against the same quarter last year).

    ``quarter`` is "2026Q3"; default the last full quarter of the store's data
    (:func:`last_full_quarter`). The other parameters, the result and the errors are those of
    :func:`render_weekly`.
    """
    return _render("quarterly", quarter, db_url=db_url, out_dir=out_dir, pdf=pdf, lang=lang, currency=currency,
                   region=region, rep=rep, show_personal_data=show_personal_data, kernel_name=kernel_name,
                   progress=progress)


def last_full_week(crm) -> str:
    """The last full week (Monday to Sunday) of the store's data, e.g. "2026-W43" for data ending
    Saturday 2026-10-31."""
    return last_full_period("weekly", _data_date(crm))


def last_full_quarter(crm) -> str:
    """The last full quarter of the store's data, e.g. "2026Q3" for data ending 2026-10-31."""
    return last_full_period("quarterly", _data_date(crm))


def _data_date(crm):
    last_day = crm.data_date()
    if last_day is None:
        raise NoReportDataError(repr(crm), _ACTIVITY_TABLES)
    return last_day


def _render(kind: str, period, *, db_url, out_dir, pdf, lang, currency, region, rep, show_personal_data,
            kernel_name, progress) -> ReportPaths:
    from ..store import default_url, project_dir
    from ..store import open as open_store
    from .pdf import find_chromium
    from .render import _existing_store, check_shared_parameters

    if period is not None:
        name, form = _PERIOD_FORMS[kind]
        try:
            period = checked_period(kind, period)
        except ValueError:
            raise ReportParameterError(name, period, form) from None
    currency = check_shared_parameters(show_personal_data, lang, currency)
    db_url = _existing_store(db_url or default_url())
    out_dir = Path(out_dir) if out_dir is not None else project_dir() / "reports"
    chromium = find_chromium() if pdf else None
    with open_store(db_url) as crm:
        period = period or last_full_period(kind, _data_date(crm))
        lang = resolve_lang(lang, crm, fallback=BILINGUAL, allowed=REPORT_LANGS)
        currency = currency or crm.currency
    return render_job(ReportJob(month=period, region=region or None, rep=rep or None, db_url=db_url,
                                notebook=_NOTEBOOKS[kind], out_dir=out_dir.resolve(), pdf=pdf,
                                show_personal_data=show_personal_data, kernel_name=kernel_name, chromium=chromium,
                                progress=progress, lang=lang, currency=currency, kind=kind))
