"""Render the monthly report: papermill runs the notebook, nbconvert makes HTML, Chromium a PDF.

>>> from crmkit.reports import render_monthly
>>> paths = render_monthly("2026-10")                  # reports/2026-10/monthly_report_2026-10.html …
>>> paths.html, paths.notebook, paths.manifest
>>> render_monthly("2026-10", by="region")             # {"华东": ReportPaths(...), …}, one per region

Each report is a folder ``<out_dir>/<month>/`` holding, per region/rep:

* ``monthly_report_<month>[_region-<R>][_rep-<N>].ipynb``: the executed notebook (kept, partial,
  when a cell fails: open it in Jupyter to see the traceback);
* ``… .html``: the report without code or prompts, self-contained, readable at A4 width;
* ``… .pdf`` with ``pdf=True``;
* ``… .manifest.json``: parameters, versions, data fingerprint, times (see ``manifest.py``).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from hashlib import sha1
from pathlib import Path
from typing import ClassVar

import pandas as pd
import sqlalchemy as sa

from ..exceptions import BatchRenderError, NoReportDataError, ReportExecutionError, ReportKernelError, ReportParameterError

__all__ = ["NOTEBOOK", "ReportPaths", "last_full_month", "render_monthly"]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "monthly_report.ipynb"
TIMINGS_MIME = "application/vnd.crmkit.timings+json"
# What the notebook says it read (month, scope, rows per frame), published beside the timings.
READ_MIME = "application/vnd.crmkit.report+json"
# The tables whose latest date says how far the store's history goes.
_ACTIVITY_DATES = {"interactions": "occurred_at", "orders": "ordered_at", "opportunities": "created_at"}
_BY = ("region", "rep")
# Seconds one cell may run before the report is stopped (a cell takes seconds at 1M interactions):
# a hung query must not hold a batch forever.
CELL_TIMEOUT = 600


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
class _Job:
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


def render_monthly(month: str | None = None, *, region: str | None = None, rep: str | None = None,
                   by: str | None = None, db_url: str | None = None, out_dir=None, pdf: bool = False,
                   show_personal_data: bool = False, notebook=None, jobs: int | None = None,
                   progress: bool = True, kernel_name: str = "python3"):
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
        Another notebook with the same parameters (default ``notebooks/monthly_report.ipynb``).
    jobs : int, optional
        Reports rendered at once in a batch (default: 2, or 1 on a one-core machine).
    progress : bool
        A progress bar on stderr: over the notebook's cells for one report, over the reports
        for a batch.

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

    if by is not None and by not in _BY:
        raise ReportParameterError("by", by, "one report per 'region' or per 'rep'")
    if by is not None and {"region": region, "rep": rep}[by] is not None:
        raise ReportParameterError(by, {"region": region, "rep": rep}[by],
                                   f"by={by!r} renders one report per {by}; leave out {by}=")
    if month is not None:
        month = _checked_month(month)
    if not isinstance(show_personal_data, bool):  # "False" is truthy: personal data needs a real yes
        raise ReportParameterError("show_personal_data", show_personal_data, "must be True or False")
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
        if by is not None:
            from .manifest import store_state

            values = _batch_values(crm, by, month, region=region, rep=rep)
            state = store_state(crm, month)  # the same for every report of the batch
    base = {"month": month, "db_url": db_url, "notebook": notebook, "out_dir": out_dir.resolve(), "pdf": pdf,
            "show_personal_data": show_personal_data, "kernel_name": kernel_name, "chromium": chromium}
    if by is None:
        return _render_one(_Job(region=region, rep=rep, progress=progress, **base))
    batch = [_Job(**{**base, "region": region, "rep": rep, by: value, "label": f"{by} {value}", "store_state": state})
             for value in values]
    return _render_batch(batch, by, jobs=jobs, progress=progress)


def last_full_month(crm) -> str:
    """The last full month of the store's data, as "YYYY-MM".

    The latest date among interactions, orders and opportunities is where the history ends;
    the month before the day after it is the last month the data covers in full (a history
    ending 2026-10-31 gives "2026-10", one ending 2026-10-15 gives "2026-09").
    """
    latest = []
    for table, column in _ACTIVITY_DATES.items():
        value = crm._db.scalar(f"SELECT MAX({column}) FROM {table} WHERE deleted_at IS NULL")
        if value is not None:
            latest.append(pd.Timestamp(value))
    if not latest:
        raise NoReportDataError(repr(crm), tuple(_ACTIVITY_DATES))
    day_after = max(latest).normalize() + pd.Timedelta(days=1)
    return str(day_after.to_period("M") - 1)


# --------------------------------------------------------------------------- one report

def _render_one(job: _Job, kernel=None) -> ReportPaths:
    """Execute, convert and record one report; the unit a batch hands to its workers.

    ``kernel`` is a batch's ``_WarmKernel`` to run in (started on its first report, kept for the
    next); without one, papermill starts a fresh kernel and shuts it down after the last cell.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

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
        fingerprint = mf.data_fingerprint(None, job.month, region=job.region, rep=job.rep, state=job.store_state)
    else:
        with open_store(job.db_url) as crm:
            fingerprint = mf.data_fingerprint(crm, job.month, region=job.region, rep=job.rep)
    stages = {"fingerprint": time.perf_counter() - t}

    parameters = {"month": job.month, "db_url": job.db_url, "region": job.region, "rep": job.rep,
                  "show_personal_data": job.show_personal_data}
    t = time.perf_counter()
    reused = kernel is not None and kernel.runs > 0
    source = str(job.notebook) if kernel is None else kernel.prepared(job.notebook)
    try:
        with _kernel_sees_store(job.db_url, parameters):
            papermill.execute_notebook(source, str(paths["notebook"]), parameters=parameters,
                                       kernel_name=job.kernel_name, cwd=str(job.notebook.parent),
                                       progress_bar=job.progress, log_output=False,
                                       # the kernel's start-up warnings (e.g. "running over TCP without
                                       # encryption", about a kernel on localhost) are not the reader's business
                                       extra_arguments=["--IPKernelApp.log_level=ERROR"],
                                       # every output is in by then: a graceful shutdown only adds seconds
                                       shutdown_kernel="immediate",
                                       execution_timeout=CELL_TIMEOUT,
                                       **({"km": kernel.manager} if kernel is not None else {}))
    except PapermillExecutionError as exc:
        error = _execution_error(paths["notebook"], exc, job.label)
        if reused:
            _WarmKernel.without_reset_cell(nbformat.read(str(paths["notebook"]), as_version=4), paths["notebook"])
        raise error from None
    except Exception as exc:  # no such kernel, a dead kernel, a timeout: not the notebook's own error
        raise _kernel_error(paths["notebook"], exc, job) from exc
    finally:
        if kernel is not None:
            kernel.release()
    stages["notebook"] = time.perf_counter() - t

    executed = nbformat.read(str(paths["notebook"]), as_version=4)
    if kernel is not None:
        executed = _WarmKernel.without_reset_cell(executed, paths["notebook"])
    stages.update(_notebook_stages(executed))

    t = time.perf_counter()
    notebook_to_html(executed, paths["html"], title=_title(job))
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
        # a batch worker's kernel runs report after report, emptied in between (see _WarmKernel)
        "kernel": {"name": job.kernel_name, "reused": reused},
        "data_fingerprint": fingerprint,
        "notebook_read": _published(executed, READ_MIME),
        "started_at": started_at,
        "finished_at": mf.now_utc(),
        "stages_seconds": {k: round(v, 3) for k, v in stages.items()},
        "outputs": outputs,
    })
    return ReportPaths(month=job.month, region=job.region, rep=job.rep, notebook=paths["notebook"],
                       html=paths["html"], manifest=paths["manifest"], pdf=pdf_path, stages=stages)


def _paths(job: _Job) -> dict[str, Path]:
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


def _title(job: _Job) -> str:
    parts = [f"客户月报 {job.month}"]
    if job.region is not None:
        parts.append(f"区域 {job.region}")
    if job.rep is not None:
        parts.append(f"销售 {job.rep}")
    return " · ".join(parts)


_ENV_LOCK = threading.Lock()


@contextmanager
def _kernel_sees_store(db_url: str, parameters: dict):
    """Hand the store URL to the kernel without writing a password into the executed notebook.

    The parameters papermill injects are saved in the .ipynb that goes out with the report; a
    URL with a password goes to the kernel through ``$CRMKIT_DB_URL`` instead (the kernel is a
    child process and inherits it), and the notebook gets ``db_url=None``.
    """
    if sa.engine.make_url(db_url).password is None:
        yield
        return
    from ..store import ENV_URL

    parameters["db_url"] = None
    with _ENV_LOCK:
        before = os.environ.get(ENV_URL)
        os.environ[ENV_URL] = db_url
        try:
            yield
        finally:
            if before is None:
                os.environ.pop(ENV_URL, None)
            else:
                os.environ[ENV_URL] = before


def _execution_error(notebook_path: Path, exc, label: str) -> ReportExecutionError:
    """Name the failing cell as the source notebook counts it (without papermill's own cells)."""
    import nbformat

    index, first_line = exc.cell_index, _first_line(exc.source)
    try:
        nb = nbformat.read(str(notebook_path), as_version=4)
        cells = [c for c in nb.cells if not _NOT_IN_SOURCE & set(c.metadata.get("tags", []))]
        for i, cell in enumerate(cells):
            if cell.cell_type == "code" and (any(o.get("output_type") == "error" for o in cell.outputs)
                                             or cell.metadata.get("papermill", {}).get("exception")):
                index, first_line = i, _first_line(cell.source)
                break
    except Exception:  # the error papermill raised is still worth reporting as it is
        pass
    return ReportExecutionError(index, first_line, exc.ename, exc.evalue, notebook_path, label)


# Cells of an executed notebook that its source does not have: papermill's parameters and error
# markers, and the namespace reset of a reused kernel.
_NOT_IN_SOURCE = {"injected-parameters", "papermill-error-cell-tag", "crmkit-reset"}


def _kernel_error(notebook_path: Path, exc: Exception, job: _Job) -> ReportKernelError:
    """Name the cell that was running when the kernel failed, if papermill saved one."""
    import nbformat

    running = None
    if notebook_path.exists():
        try:
            nb = nbformat.read(str(notebook_path), as_version=4)
            cells = [c for c in nb.cells if not _NOT_IN_SOURCE & set(c.metadata.get("tags", []))]
            # papermill marks every cell "completed" when it stops; the one running was the last started
            started = [i for i, c in enumerate(cells) if c.metadata.get("papermill", {}).get("start_time")]
            running = started[-1] if started else None
        except Exception:  # an unreadable partial notebook: the kernel's error is the news
            pass
    reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return ReportKernelError(job.kernel_name, reason, running,
                             notebook_path if notebook_path.exists() else None, job.label)


def _first_line(source: str) -> str:
    lines = [ln.strip() for ln in str(source).splitlines() if ln.strip()]
    code = [ln for ln in lines if not ln.startswith("#")]
    return (code or lines or [""])[0]


def _published(nb, mime: str):
    """The last output of type ``mime`` the notebook displayed (None if it displayed none)."""
    found = None
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if mime in out.get("data", {}):
                found = out["data"][mime]
    return found


def _notebook_stages(nb) -> dict[str, float]:
    """Kernel start (papermill's notebook start to its first cell's start) and the notebook's own
    timings (queries, analysis, plotting), read from its timing record when it has one."""
    stages = {}
    meta = nb.metadata.get("papermill", {})
    first = next((c.metadata.get("papermill", {}).get("start_time") for c in nb.cells
                  if c.cell_type == "code" and c.metadata.get("papermill", {}).get("start_time")), None)
    if meta.get("start_time") and first:
        stages["kernel_start"] = (pd.Timestamp(first) - pd.Timestamp(meta["start_time"])).total_seconds()
    cells = sum(c.metadata.get("papermill", {}).get("duration") or 0 for c in nb.cells if c.cell_type == "code")
    stages["cells"] = cells
    timings = _published(nb, TIMINGS_MIME)
    if isinstance(timings, dict):
        stages.update({str(k): float(v) for k, v in timings.items()})
    return stages


# --------------------------------------------------------------------------- batches

def skip_slow_iri_grammar() -> None:
    """Spare a process the 2–8 s import of ``rfc3987_syntax`` that nbformat's import triggers.

    jsonschema (which nbformat imports) loads rfc3987-syntax 1.1 for its optional "iri" format
    check, and that package builds a Lark grammar at import time (python-jsonschema/jsonschema
    #1392, #1521). Nothing that renders a report checks IRIs, so in processes crmkit owns (the
    ``crmkit report`` command, a batch's workers) the module is marked absent and jsonschema goes
    without that one check. Not done inside ``render_monthly`` itself: a caller's own process
    keeps its modules as they are.
    """
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # import raises ImportError, which jsonschema expects



class _WarmKernel:
    """One kernel a batch worker keeps from report to report.

    Starting a kernel and importing what the report needs (pandas, matplotlib, crmkit's
    analyses) costs seconds of CPU per report; a worker pays it once. Each report after the
    first starts with a ``%reset -f`` cell that empties the namespace (the imported modules stay,
    which is the point), so no variable of the last report survives into the next; the cell is
    taken out of the executed notebook afterwards. A kernel that died is replaced.
    """

    RESET_TAG = "crmkit-reset"  # also in _NOT_IN_SOURCE
    _instances: ClassVar[dict] = {}  # kernel name -> the one this process keeps

    def __init__(self, kernel_name: str):
        from jupyter_client.manager import AsyncKernelManager

        handed_out = []

        class _Manager(AsyncKernelManager):
            # nbclient leaves the clients of a kernel it does not own connected; we close them.
            def client(self, **kwargs):
                kc = super().client(**kwargs)
                handed_out.append(kc)
                return kc

        self.manager = _Manager(kernel_name=kernel_name)
        self._clients = handed_out
        self.runs = 0

    @classmethod
    def for_job(cls, job: _Job) -> _WarmKernel:
        from jupyter_core.utils import run_sync

        warm = cls._instances.get(job.kernel_name)
        if warm is not None and warm.runs and not run_sync(warm.manager.is_alive)():
            warm.shutdown()
            warm = None
        if warm is None:
            warm = cls._instances[job.kernel_name] = cls(job.kernel_name)
        return warm

    def prepared(self, notebook: Path):
        """The notebook to run: as it is on a fresh kernel, with the reset cell first on a used one."""
        if not self.runs:
            return str(notebook)
        import nbformat

        nb = nbformat.read(str(notebook), as_version=4)
        reset = nbformat.v4.new_code_cell("%reset -f")
        reset.metadata["tags"] = [self.RESET_TAG]
        nb.cells.insert(0, reset)
        return nb

    def release(self) -> None:
        self.runs += 1
        for kc in self._clients:
            kc.stop_channels()
        self._clients.clear()

    @classmethod
    def without_reset_cell(cls, nb, path: Path):
        import nbformat

        kept = [c for c in nb.cells if cls.RESET_TAG not in c.metadata.get("tags", [])]
        if len(kept) != len(nb.cells):
            nb.cells = kept
            nbformat.write(nb, str(path))
        return nb

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            if self.manager.has_kernel:
                run_sync(self.manager.shutdown_kernel)(now=True)
        except Exception:  # a kernel that is already gone needs no shutting down
            pass

    @classmethod
    def shutdown_all(cls) -> None:
        for warm in cls._instances.values():
            warm.shutdown()
        cls._instances.clear()


def _worker_start() -> None:
    """Set up a batch worker process: fast imports, and its kernel shut down when it exits."""
    import atexit

    skip_slow_iri_grammar()
    atexit.register(_WarmKernel.shutdown_all)


def _render_in_worker(job: _Job) -> ReportPaths:
    return _render_one(job, kernel=_WarmKernel.for_job(job))


def _render_batch(batch: list[_Job], by: str, *, jobs: int | None, progress: bool) -> dict:
    """Render every job, ``jobs`` at a time (in worker processes when more than one), each worker
    reusing one kernel (``_WarmKernel``); raise BatchRenderError at the end if any failed (after
    the others are written)."""
    from tqdm import tqdm

    workers = max(1, min(jobs or min(2, os.cpu_count() or 1), len(batch)))
    done: dict[str, ReportPaths] = {}
    failures: dict[str, Exception] = {}
    bar = tqdm(total=len(batch), desc=f"reports by {by}", unit="report", file=sys.stderr, disable=not progress)

    def record(job: _Job, result=None, error=None):
        value = getattr(job, by)
        if error is not None:
            failures[value] = error
        else:
            done[value] = result
        bar.set_postfix_str(f"{by} {value}: {'FAILED' if error is not None else 'ok'}")
        bar.update()

    try:
        if workers == 1:
            try:
                for job in batch:
                    try:
                        record(job, _render_in_worker(job))
                    except Exception as exc:  # finish the others, then report every failure
                        record(job, error=exc)
            finally:
                _WarmKernel.shutdown_all()
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor, as_completed

            # spawn, not fork: the parent may hold an open store and threads (tqdm's monitor)
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=_worker_start) as pool:
                futures = {pool.submit(_render_in_worker, job): job for job in batch}
                for future in as_completed(futures):
                    try:
                        record(futures[future], future.result())
                    except Exception as exc:
                        record(futures[future], error=exc)
    finally:
        bar.close()
    order = [getattr(job, by) for job in batch]
    rendered = {v: done[v] for v in order if v in done}
    if failures:
        raise BatchRenderError(by, {v: failures[v] for v in order if v in failures}, rendered)
    return rendered


def _batch_values(crm, by: str, month: str, *, region: str | None, rep: str | None) -> list[str]:
    """Every region of the customers, or every rep with records in the month (sorted)."""
    if by == "region":
        regions = crm.read("customers", columns=["region"], rep=rep)["region"].dropna().unique()
        values = sorted(str(v) for v in regions if str(v).strip())
    else:
        start, end = pd.Period(month, "M").start_time, (pd.Period(month, "M") + 1).start_time
        seen = set()
        for table in _ACTIVITY_DATES:
            reps = crm.read(table, columns=["rep"], start=start, end=end, region=region)["rep"].dropna()
            seen.update(str(v) for v in reps.unique() if str(v).strip())
        values = sorted(seen)
    if not values:
        where = f" in {month}" if by == "rep" else ""
        raise ReportParameterError("by", by, f"the store has no {by}{where} to render a report for")
    return values


# --------------------------------------------------------------------------- checks

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
    from ..store import _normalise_url

    url = _normalise_url(str(url))
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        raise ReportParameterError("db_url", url, "there is no store there; fill one with `crmkit demo` or "
                                   "`crmkit import`, or point --db / $CRMKIT_DB_URL at yours")
    return url
