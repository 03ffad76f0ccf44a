"""The monthly report, the public call: check the parameters, pick the month, render one or a batch.

>>> from crmkit.reports import render_monthly
>>> paths = render_monthly("2026-10")                  # reports/2026-10/monthly_report_2026-10.html …
>>> paths.html, paths.notebook, paths.manifest
>>> render_monthly("2026-10", by="region")             # {"华东": ReportPaths(...), …}, one per region

papermill runs the notebook (``execute.py``, in a kernel a batch keeps warm: ``kernels.py``, given
its parameters by ``parameterize.py``), nbconvert makes HTML (``convert.py``), Chromium a PDF
(``pdf.py``); ``job.py`` does all of it for one report, ``batch.py`` for many.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..exceptions import NoReportDataError, ReportParameterError
from .batch import BY, batch_values, render_batch
from ..i18n import BILINGUAL
from ..language import resolve_lang
from .content.formatting import REPORT_LANGS, check_currency
from .job import ReportJob, ReportPaths, render_job

__all__ = ["NOTEBOOK", "ReportPaths", "last_full_month", "render_monthly"]

# the report ships inside the package, so an installed crmkit renders it from any folder
NOTEBOOK = Path(__file__).with_name("monthly_report.ipynb")
# What a store without a data date lacks, as NoReportDataError tells the user.
_ACTIVITY_TABLES = ("interactions", "orders", "opportunities", "settlements", "complaints")


def render_monthly(month: str | None = None, *, region: str | None = None, rep: str | None = None,
                   by: str | None = None, db_url: str | None = None, out_dir=None, pdf: bool = False,
                   show_personal_data: bool = False, notebook=None, jobs: int | None = None,
                   progress: bool = True, kernel_name: str = "python3", lang: str | None = None,
                   currency: str | None = None):
    """Render the monthly report of ``month`` ("YYYY-MM") and return where its files are.

    Parameters
    ----------
    month : str, optional
        The month to report. Default: the last full month of the store's data (see
        :func:`last_full_month`): for the demo store, whose history ends 2026-10-31, "2026-10".
    region, rep : str, optional
        Only this region's customers, only this rep's records.
    by : {"region", "rep"}, optional
        One report per region (every region of the customers) or per rep (every rep with
        interactions, orders or opportunities in the month), run ``jobs`` at a time with a
        progress bar on stderr. When some fail, the others are still written, then
        :class:`~crmkit.exceptions.BatchRenderError` names the failures.
    db_url : str, optional
        The store; default ``$CRMKIT_DB_URL`` or ``data/crm.db`` of the project.
    out_dir : path, optional
        Where the month folders go; default ``reports/`` of the project.
    pdf : bool
        Also print a PDF (needs Chromium; checked before anything runs).
    show_personal_data : bool
        Show phones and emails unmasked (passed to the notebook). Off unless asked for.
    notebook : path, optional
        Another notebook with the same parameters (default ``crmkit/reports/monthly_report.ipynb``).
    jobs : int, optional
        Reports rendered at once in a batch (default: 2, or 1 on a one-core machine).
    progress : bool
        A progress bar on stderr: over the notebook's cells for one report, over the reports
        for a batch.
    lang : {"zh+en", "zh", "en"}, optional
        The report's language. "zh+en" titles sections and tables in Chinese and English and
        writes the rest in Chinese; "en" has no Chinese but the data's own. Default: the store's
        language (``crmkit init --lang``), else the locale's, else "zh+en" (``crmkit.language``).
    currency : str, optional
        ISO 4217 code of the store's amounts (default: the store's currency, else "CNY"): money is
        written as the language's locale writes it ($1,234,567; ¥2,125,500); nothing is converted.

    Returns
    -------
    ReportPaths
        ``.html``, ``.notebook``, ``.manifest``, ``.pdf`` (or None) and ``.stages`` (seconds per
        stage); for ``by=...`` a dict from each region/rep to its ReportPaths.

    Raises
    ------
    ReportExecutionError
        A notebook cell raised: the message names the cell and the exception, and where the
        partial notebook is.
    ReportKernelError
        The kernel could not start or died.
    BatchRenderError
        Some reports of a batch failed (``.failures``); the others were written (``.rendered``).
    ReportParameterError, NoReportDataError, ChromiumNotFoundError
        Bad parameters, a store without data to default the month from, no browser for a PDF.
    """
    from ..store import default_url, project_dir
    from ..store import open as open_store
    from .pdf import find_chromium

    if by is not None and by not in BY:
        raise ReportParameterError("by", by, "one report per 'region' or per 'rep'")
    if by is not None and {"region": region, "rep": rep}[by] is not None:
        raise ReportParameterError(by, {"region": region, "rep": rep}[by],
                                   f"by={by!r} renders one report per {by}; leave out {by}=")
    if month is not None:
        month = _checked_month(month)
    currency = check_shared_parameters(show_personal_data, lang, currency)
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise ReportParameterError("jobs", jobs, "must be a whole number from 1 up")
    notebook = Path(notebook).resolve() if notebook is not None else NOTEBOOK
    if not notebook.is_file():
        raise ReportParameterError("notebook", str(notebook), "no such notebook")
    db_url = _existing_store(db_url or default_url())
    out_dir = Path(out_dir) if out_dir is not None else project_dir() / "reports"
    chromium = find_chromium() if pdf else None

    with open_store(db_url) as crm:
        month = month or last_full_month(crm)
        lang = resolve_lang(lang, crm, fallback=BILINGUAL, allowed=REPORT_LANGS)
        currency = currency or crm.currency
        if by is not None:
            from .manifest import store_state

            values = batch_values(crm, by, month, region=region, rep=rep)
            state = store_state(crm, month)  # the same for every report of the batch
    base = {"month": month, "db_url": db_url, "notebook": notebook, "out_dir": out_dir.resolve(), "pdf": pdf,
            "show_personal_data": show_personal_data, "kernel_name": kernel_name, "chromium": chromium,
            "lang": lang, "currency": currency}
    if by is None:
        return render_job(ReportJob(region=region, rep=rep, progress=progress, **base))
    batch = [ReportJob(**{**base, "region": region, "rep": rep, by: value, "label": f"{by} {value}",
                          "store_state": state}) for value in values]
    return render_batch(batch, by, jobs=jobs, progress=progress)


def last_full_month(crm) -> str:
    """The last full month of the store's data, as "YYYY-MM".

    The store's data date (:meth:`~crmkit.store.Store.data_date`, the day of the last recorded
    activity) is where the history ends; the month before the day after it is the last month the
    data covers in full (a history ending 2026-10-31 gives "2026-10", one ending 2026-10-15 gives
    "2026-09").
    """
    last_day = crm.data_date()
    if last_day is None:
        raise NoReportDataError(repr(crm), _ACTIVITY_TABLES)
    return str((last_day + pd.Timedelta(days=1)).to_period("M") - 1)


def check_shared_parameters(show_personal_data, lang, currency) -> str | None:
    """The checks every report kind makes of the parameters they share (monthly, weekly,
    quarterly, account); returns the currency as an ISO code (None: the store's)."""
    if not isinstance(show_personal_data, bool):  # "False" is truthy: personal data needs a real yes
        raise ReportParameterError("show_personal_data", show_personal_data, "must be True or False")
    if lang is not None and lang not in REPORT_LANGS:
        raise ReportParameterError("lang", lang, f"one of {', '.join(REPORT_LANGS)}")
    try:
        return check_currency(currency) if currency is not None else None
    except ValueError as error:
        raise ReportParameterError("currency", currency, str(error)) from None


def _checked_month(month) -> str:
    text = str(month).strip()
    if not re.fullmatch(r"\d{4}-\d{2}", text):
        raise ReportParameterError("month", month, "write the month as YYYY-MM, e.g. 2026-10")
    try:
        return str(pd.Period(text, "M"))
    except (ValueError, TypeError):
        raise ReportParameterError("month", month, "not a month (YYYY-MM with MM from 01 to 12)") from None


def _existing_store(url: str) -> str:
    """The URL, after checking an SQLite store exists (opening one would create an empty file)."""
    from ..store import normalise_url
    from ..store.location import sqlite_file

    url = normalise_url(str(url))
    file = sqlite_file(url)
    if file is not None and not file.exists():
        raise ReportParameterError("db_url", url, "there is no store there; fill one with `crmkit demo` or "
                                   "`crmkit import`, or point --db / $CRMKIT_DB_URL at yours")
    return url
