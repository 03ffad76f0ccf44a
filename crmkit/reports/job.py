"""One report from start to finish: run the notebook, convert it to HTML (and PDF), write its manifest.

Each report is a folder ``<out_dir>/<period>/`` (a month "2026-10", a week "2026-W44", a quarter
"2026Q3") holding, per region/rep:

* ``<notebook>_<period>[_region-<R>][_rep-<N>].ipynb`` (``monthly_report_2026-10.ipynb``,
  ``weekly_report_2026-W44.ipynb`` …): the executed notebook (kept, partial,
  when a cell fails: open it in Jupyter to see the traceback);
* ``… .html``: the report without code or prompts, self-contained, readable at A4 width;
* ``… .pdf`` when asked for;
* ``… .manifest.json``: parameters, versions, data fingerprint, times (see ``manifest.py``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from hashlib import sha1
from pathlib import Path

from .execute import READ_MIME, notebook_stages, published, run_notebook
from .kernels import WarmKernel
from ..i18n import translate
from .content.formatting import prose_lang
from .parameterize import notebook_parameters

__all__ = ["ReportJob", "ReportPaths", "render_job"]


@dataclass(frozen=True)
class ReportPaths:
    """Where one rendered report is, and how long each stage took (seconds)."""

    month: str
    region: str | None
    rep: str | None
    notebook: Path
    html: Path
    manifest: Path
    pdf: Path | None = None
    stages: dict = field(default_factory=dict, compare=False)

    @property
    def files(self) -> list[Path]:
        return [p for p in (self.html, self.pdf, self.notebook, self.manifest) if p is not None]


@dataclass(frozen=True)
class ReportJob:
    """Everything one render needs, picklable for a worker process."""

    month: str
    region: str | None
    rep: str | None
    db_url: str
    notebook: Path
    out_dir: Path
    pdf: bool
    show_personal_data: bool
    kernel_name: str
    chromium: str | None
    label: str = ""
    store_state: dict | None = None  # read once for a whole batch (see manifest.store_state)
    progress: bool = False  # papermill's bar over the cells (a lone report's; a batch has its own)
    lang: str = "zh+en"
    currency: str = "CNY"
    #: "monthly", "weekly" or "quarterly"; ``month`` then holds the period ("2026-10", "2026-W44", "2026Q3").
    kind: str = "monthly"


def render_job(job: ReportJob, kernel: WarmKernel | None = None) -> ReportPaths:
    """Execute, convert and record one report; the unit a batch hands to its workers.

    ``kernel`` is a batch worker's kernel to run in; without one the report gets a fresh kernel.
    """
    from ..store import open as open_store
    from . import manifest as mf
    from .convert import notebook_to_html

    started_at = mf.now_utc()
    t_start = time.perf_counter()
    paths = _paths(job)
    paths["dir"].mkdir(parents=True, exist_ok=True)
    for stale in ("html", "pdf", "manifest"):  # a failed rerun must not leave last run's report looking current
        paths[stale].unlink(missing_ok=True)

    t = time.perf_counter()
    if job.store_state is not None:
        fingerprint = mf.data_fingerprint(None, job.month, region=job.region, rep=job.rep, state=job.store_state,
                                          kind=job.kind)
    else:
        with open_store(job.db_url) as crm:
            fingerprint = mf.data_fingerprint(crm, job.month, region=job.region, rep=job.rep, kind=job.kind)
    stages = {"fingerprint": time.perf_counter() - t}

    parameters = notebook_parameters(month=job.month, db_url=job.db_url, region=job.region, rep=job.rep,
                                     show_personal_data=job.show_personal_data, lang=job.lang,
                                     currency=job.currency, kind=job.kind)
    t = time.perf_counter()
    reused = kernel is not None and kernel.runs > 0
    executed = run_notebook(job.notebook, paths["notebook"], parameters, db_url=job.db_url,
                            kernel_name=job.kernel_name, label=job.label, progress=job.progress, kernel=kernel)
    stages["notebook"] = time.perf_counter() - t
    stages.update(notebook_stages(executed))

    t = time.perf_counter()
    notebook_to_html(executed, paths["html"], title=_title(job), lang=prose_lang(job.lang))
    stages["conversion"] = time.perf_counter() - t
    pdf_path = None
    if job.pdf:
        from .pdf import html_to_pdf

        t = time.perf_counter()
        pdf_path = html_to_pdf(paths["html"], paths["pdf"], chromium=job.chromium)
        stages["pdf"] = time.perf_counter() - t
    stages["total"] = time.perf_counter() - t_start

    outputs = {"notebook": paths["notebook"].name, "html": paths["html"].name,
               "pdf": pdf_path.name if pdf_path else None, "html_sha256": mf.file_sha256(paths["html"])}
    mf.write_manifest(paths["manifest"], {
        "report": job.notebook.stem,
        "parameters": {**parameters, "db_url": mf.public_url(job.db_url)},
        "notebook": {"path": str(job.notebook), "sha256": mf.file_sha256(job.notebook)},
        "environment": mf.environment(),
        # a batch worker's kernel runs report after report, emptied in between (see kernels.py)
        "kernel": {"name": job.kernel_name, "reused": reused},
        "data_fingerprint": fingerprint,
        "notebook_read": published(executed, READ_MIME),
        "started_at": started_at,
        "finished_at": mf.now_utc(),
        "stages_seconds": {k: round(v, 3) for k, v in stages.items()},
        "outputs": outputs,
    })
    return ReportPaths(month=job.month, region=job.region, rep=job.rep, notebook=paths["notebook"],
                       html=paths["html"], manifest=paths["manifest"], pdf=pdf_path, stages=stages)


def _paths(job: ReportJob) -> dict[str, Path]:
    folder = job.out_dir / job.month
    stem = f"{job.notebook.stem}_{job.month}"
    if job.region is not None:
        stem += f"_region-{_safe_name(job.region)}"
    if job.rep is not None:
        stem += f"_rep-{_safe_name(job.rep)}"
    return {"dir": folder, "notebook": folder / f"{stem}.ipynb", "html": folder / f"{stem}.html",
            "pdf": folder / f"{stem}.pdf", "manifest": folder / f"{stem}.manifest.json"}


def _safe_name(value: str) -> str:
    """A file-name part that keeps letters of any script (华东 stays 华东) and drops the rest.

    When anything had to change, a short hash of the original is appended, so two values that
    clean to the same text ("a/b", "a_b") never share a file.
    """
    cleaned = re.sub(r"[^\w.-]+", "_", str(value)).strip("._")[:60]
    if cleaned != value or not cleaned:
        cleaned = f"{cleaned or 'x'}-{sha1(str(value).encode()).hexdigest()[:6]}"
    return cleaned


def _title(job: ReportJob) -> str:
    say = prose_lang(job.lang)
    if job.kind == "weekly":
        parts = [translate("Weekly report {week}", say, week=job.month)]
    elif job.kind == "quarterly":
        parts = [translate("Quarterly report {quarter}", say, quarter=job.month)]
    else:
        parts = [translate("Monthly report {month}", say, month=job.month)]
    if job.region is not None:
        parts.append(translate("Region {region}", say, region=job.region))
    if job.rep is not None:
        parts.append(translate("Rep {rep}", say, rep=job.rep))
    return " · ".join(parts)
