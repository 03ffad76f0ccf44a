"""The account one-pager (客户计划工作表 with the account's history): the public call.

>>> from crmkit.reports import render_account
>>> paths = render_account("000123", pdf=True)       # reports/accounts/account_000123.html, .pdf, .ipynb, manifest

The same machinery as the monthly report: papermill runs ``account_report.ipynb`` (shipped in the
package) in a real kernel (``execute.py``), nbconvert makes one code-free, sanitized HTML file
(``convert.py``), Chromium prints the PDF (``pdf.py``), and a manifest records the parameters,
the code and a fingerprint of the data (``manifest.py``). What the page shows is
``account_data`` (reading and working out) and ``account_page`` (the escaped, masked blocks).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import ReportParameterError
from ..i18n import BILINGUAL, translate
from ..language import resolve_lang
from .content.formatting import REPORT_LANGS, prose_lang

__all__ = ["ACCOUNT_NOTEBOOK", "AccountPaths", "render_account"]

ACCOUNT_NOTEBOOK = Path(__file__).with_name("account_report.ipynb")
#: Where the pages go, under the reports folder.
FOLDER = "accounts"


@dataclass(frozen=True)
class AccountPaths:
    """Where one rendered account page is, and how long each stage took (seconds)."""

    customer_id: str
    notebook: Path
    html: Path
    manifest: Path
    pdf: Path | None = None
    stages: dict = field(default_factory=dict, compare=False)

    @property
    def files(self) -> list[Path]:
        return [p for p in (self.html, self.pdf, self.notebook, self.manifest) if p is not None]


def render_account(customer_id: str, *, db_url: str | None = None, out_dir=None, pdf: bool = False,
                   lang: str | None = None, currency: str | None = None, show_personal_data: bool = False,
                   as_of=None, kernel_name: str = "python3", progress: bool = False) -> AccountPaths:
    """Render the one-pager of the account ``customer_id`` and return where its files are.

    Parameters
    ----------
    customer_id : str
        The account (客户编号).
    db_url : str, optional
        The store; default ``$CRMKIT_DB_URL`` or ``data/crm.db`` of the project.
    out_dir : path, optional
        The reports folder; the page goes to its ``accounts/`` folder. Default ``reports/`` of the project.
    pdf : bool
        Also print an A4 PDF (needs Chromium; checked before anything runs).
    lang : {"zh+en", "zh", "en"}, optional
        The page's language; default the store's (``crmkit init --lang``), else the locale's, else "zh+en".
    currency : str, optional
        ISO 4217 code of the store's amounts (default: the store's, else "CNY").
    show_personal_data : bool
        Show phones and e-mails unmasked. Off unless asked for.
    as_of : date, optional
        The day the page is as of (KPI actuals, history, value); default the store's data date.

    Raises
    ------
    ReportParameterError
        Bad parameters, or no such customer in the store.
    ReportExecutionError, ReportKernelError, ChromiumNotFoundError
        As :func:`~crmkit.reports.render_monthly`.
    """
    from ..store import default_url, has_password, project_dir
    from ..store import open as open_store
    from ..timeframe import resolve_as_of
    from . import manifest as mf
    from .convert import notebook_to_html
    from .execute import READ_MIME, notebook_stages, published, run_notebook
    from .pdf import find_chromium, html_to_pdf
    from .render import _existing_store, check_shared_parameters

    currency = check_shared_parameters(show_personal_data, lang, currency)
    customer_id = str(customer_id).strip()
    if not customer_id:
        raise ReportParameterError("customer", customer_id, "name the account by its customer id (客户编号)")
    db_url = _existing_store(db_url or default_url())
    out_dir = Path(out_dir) if out_dir is not None else project_dir() / "reports"
    chromium = find_chromium() if pdf else None

    started_at = mf.now_utc()
    t_start = time.perf_counter()
    with open_store(db_url) as crm:
        if crm.count("customers", where={"customer_id": customer_id}) == 0:
            raise ReportParameterError("customer", customer_id, "no such customer in the store")
        lang = resolve_lang(lang, crm, fallback=BILINGUAL, allowed=REPORT_LANGS)
        currency = currency or crm.currency
        day = resolve_as_of(as_of, crm)
        fingerprint = {"sha256": crm.state()["sha256"], "customer_id": customer_id, "as_of": f"{day:%Y-%m-%d}"}
    folder = out_dir.resolve() / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"account_{_safe(customer_id)}"
    paths = {kind: folder / f"{stem}{suffix}" for kind, suffix in
             (("notebook", ".ipynb"), ("html", ".html"), ("pdf", ".pdf"), ("manifest", ".manifest.json"))}
    for stale in ("html", "pdf", "manifest"):  # a failed rerun must not leave the last page looking current
        paths[stale].unlink(missing_ok=True)

    parameters = {"customer_id": customer_id, "db_url": None if has_password(db_url) else db_url,
                  "as_of": f"{day:%Y-%m-%d}", "show_personal_data": show_personal_data, "lang": lang,
                  "currency": currency}
    stages = {}
    t = time.perf_counter()
    executed = run_notebook(ACCOUNT_NOTEBOOK, paths["notebook"], parameters, db_url=db_url, kernel_name=kernel_name,
                            label=f"account {customer_id}", progress=progress)
    stages["notebook"] = time.perf_counter() - t
    stages.update(notebook_stages(executed))
    t = time.perf_counter()
    title = translate("Account plan {customer}", prose_lang(lang), customer=customer_id)
    notebook_to_html(executed, paths["html"], title=title, lang=prose_lang(lang))
    stages["conversion"] = time.perf_counter() - t
    pdf_path = None
    if pdf:
        t = time.perf_counter()
        pdf_path = html_to_pdf(paths["html"], paths["pdf"], chromium=chromium)
        stages["pdf"] = time.perf_counter() - t
    stages["total"] = time.perf_counter() - t_start
    mf.write_manifest(paths["manifest"], {
        "report": ACCOUNT_NOTEBOOK.stem,
        "parameters": {**parameters, "db_url": mf.public_url(db_url)},
        "notebook": {"path": str(ACCOUNT_NOTEBOOK), "sha256": mf.file_sha256(ACCOUNT_NOTEBOOK)},
        "environment": mf.environment(),
        "data_fingerprint": fingerprint,
        "notebook_read": published(executed, READ_MIME),
        "started_at": started_at,
        "finished_at": mf.now_utc(),
        "stages_seconds": {k: round(v, 3) for k, v in stages.items()},
        "outputs": {"notebook": paths["notebook"].name, "html": paths["html"].name,
                    "pdf": pdf_path.name if pdf_path else None, "html_sha256": mf.file_sha256(paths["html"])},
    })
    return AccountPaths(customer_id, paths["notebook"], paths["html"], paths["manifest"], pdf_path, stages)


def _safe(customer_id: str) -> str:
    from .job import _safe_name

    return _safe_name(customer_id)
