"""Run one report notebook in a Jupyter kernel with papermill, and read back what it published.

Papermill's errors become crmkit's: a cell that raised is a
:class:`~crmkit.exceptions.ReportExecutionError` naming the cell as the *source* notebook counts
it; anything else (no such kernel, a dead kernel, a cell over :data:`CELL_TIMEOUT`) is a
:class:`~crmkit.exceptions.ReportKernelError` naming the cell that was running.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ..exceptions import ReportExecutionError, ReportKernelError
from .convert import TIMINGS_MIME
from .kernels import WarmKernel
from .parameterize import store_url_for_kernel

__all__ = ["CELL_TIMEOUT", "READ_MIME", "TIMINGS_MIME", "notebook_stages", "published", "run_notebook",
           "skip_slow_iri_grammar"]

# Seconds one cell may run before the report is stopped (a cell takes seconds at 1M interactions):
# a hung query must not hold a batch forever.
CELL_TIMEOUT = 600
#: Seconds a cell's outputs may follow its reply (nbclient's default, 4, is for an idle machine).
IOPUB_TIMEOUT = 60
# What the notebook says it read (month, scope, rows per frame), published beside the timings.
READ_MIME = "application/vnd.crmkit.report+json"
# Cells of an executed notebook that its source does not have: papermill's parameters and error
# markers, and the namespace reset of a reused kernel.
_NOT_IN_SOURCE = {"injected-parameters", "papermill-error-cell-tag", WarmKernel.RESET_TAG}


def run_notebook(notebook: Path, output: Path, parameters: dict, *, db_url: str, kernel_name: str,
                 label: str = "", progress: bool = False, kernel: WarmKernel | None = None):
    """Execute ``notebook`` with ``parameters`` into ``output``; return the executed notebook.

    ``kernel`` is a batch worker's kernel to run in (started on its first report, kept for the
    next); without one, papermill starts a fresh kernel and shuts it down after the last cell.
    The partial notebook stays at ``output`` when a cell fails.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    reused = kernel is not None and kernel.runs > 0
    source = str(notebook) if kernel is None else kernel.prepared(notebook)
    try:
        with store_url_for_kernel(db_url):
            papermill.execute_notebook(source, str(output), parameters=parameters,
                                       kernel_name=kernel_name, cwd=str(notebook.parent),
                                       progress_bar=progress, log_output=False,
                                       # the kernel's start-up warnings (e.g. "running over TCP without
                                       # encryption", about a kernel on localhost) are not the reader's business
                                       extra_arguments=["--IPKernelApp.log_level=ERROR"],
                                       # every output is in by then: a graceful shutdown only adds seconds
                                       shutdown_kernel="immediate",
                                       execution_timeout=CELL_TIMEOUT,
                                       # papermill fails a cell whose outputs arrive 4 s after its reply
                                       # (nbclient's default): a chart on a busy machine can take longer
                                       iopub_timeout=IOPUB_TIMEOUT,
                                       **({"km": kernel.manager} if kernel is not None else {}))
    except PapermillExecutionError as exc:
        error = _execution_error(output, exc, label)
        if reused:
            WarmKernel.without_reset_cell(nbformat.read(str(output), as_version=4), output)
        raise error from None
    except Exception as exc:  # no such kernel, a dead kernel, a timeout: not the notebook's own error
        raise _kernel_error(output, exc, kernel_name, label) from exc
    finally:
        if kernel is not None:
            kernel.release()

    executed = nbformat.read(str(output), as_version=4)
    return WarmKernel.without_reset_cell(executed, output) if kernel is not None else executed


def published(nb, mime: str):
    """The last output of type ``mime`` the notebook displayed (None if it displayed none)."""
    found = None
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if mime in out.get("data", {}):
                found = out["data"][mime]
    return found


def notebook_stages(nb) -> dict[str, float]:
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
    timings = published(nb, TIMINGS_MIME)
    if isinstance(timings, dict):
        stages.update({str(k): float(v) for k, v in timings.items()})
    return stages


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


def _source_cells(nb) -> list:
    return [c for c in nb.cells if not _NOT_IN_SOURCE & set(c.metadata.get("tags", []))]


def _execution_error(notebook_path: Path, exc, label: str) -> ReportExecutionError:
    """Name the failing cell as the source notebook counts it (without papermill's own cells)."""
    import nbformat

    index, first_line = exc.cell_index, _first_line(exc.source)
    try:
        cells = _source_cells(nbformat.read(str(notebook_path), as_version=4))
        for i, cell in enumerate(cells):
            if cell.cell_type == "code" and (any(o.get("output_type") == "error" for o in cell.outputs)
                                             or cell.metadata.get("papermill", {}).get("exception")):
                index, first_line = i, _first_line(cell.source)
                break
    except Exception:  # the error papermill raised is still worth reporting as it is
        pass
    return ReportExecutionError(index, first_line, exc.ename, exc.evalue, notebook_path, label)


def _kernel_error(notebook_path: Path, exc: Exception, kernel_name: str, label: str) -> ReportKernelError:
    """Name the cell that was running when the kernel failed, if papermill saved one."""
    import nbformat

    running = None
    if notebook_path.exists():
        try:
            cells = _source_cells(nbformat.read(str(notebook_path), as_version=4))
            # papermill marks every cell "completed" when it stops; the one running was the last started
            started = [i for i, c in enumerate(cells) if c.metadata.get("papermill", {}).get("start_time")]
            running = started[-1] if started else None
        except Exception:  # an unreadable partial notebook: the kernel's error is the news
            pass
    reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return ReportKernelError(kernel_name, reason, running, notebook_path if notebook_path.exists() else None, label)


def _first_line(source: str) -> str:
    lines = [ln.strip() for ln in str(source).splitlines() if ln.strip()]
    code = [ln for ln in lines if not ln.startswith("#")]
    return (code or lines or [""])[0]
