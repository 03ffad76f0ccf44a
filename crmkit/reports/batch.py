"""Many reports at once: one per region or per rep, in worker processes, with a progress bar.

Each worker keeps one warm kernel (``kernels.py``) for all its reports. A failing report does not
stop the others: they are written, then :class:`~crmkit.exceptions.BatchRenderError` names the
failures.
"""

from __future__ import annotations

import os
import sys

import pandas as pd

from ..exceptions import BatchRenderError, ReportParameterError
from .execute import skip_slow_iri_grammar
from .job import ReportJob, ReportPaths, render_job
from .kernels import WarmKernel

__all__ = ["BY", "batch_values", "render_batch"]

BY = ("region", "rep")
# A rep belongs in a month's batch when they visited, sold or opened a card in it.
_REP_ACTIVITY_TABLES = ("interactions", "orders", "opportunities")


def batch_values(crm, by: str, month: str, *, region: str | None, rep: str | None) -> list[str]:
    """Every region of the customers, or every rep with records in the month (sorted)."""
    if by == "region":
        regions = crm.read("customers", columns=["region"], rep=rep)["region"].dropna().unique()
        values = sorted(str(v) for v in regions if str(v).strip())
    else:
        start, end = pd.Period(month, "M").start_time, (pd.Period(month, "M") + 1).start_time
        seen = set()
        for table in _REP_ACTIVITY_TABLES:
            reps = crm.read(table, columns=["rep"], start=start, end=end, region=region)["rep"].dropna()
            seen.update(str(v) for v in reps.unique() if str(v).strip())
        values = sorted(seen)
    if not values:
        where = f" in {month}" if by == "rep" else ""
        raise ReportParameterError("by", by, f"the store has no {by}{where} to render a report for")
    return values


def render_batch(batch: list[ReportJob], by: str, *, jobs: int | None, progress: bool) -> dict[str, ReportPaths]:
    """Render every job, ``jobs`` at a time (in worker processes when more than one), each worker
    reusing one kernel; raise BatchRenderError at the end if any failed (after the others are
    written)."""
    from tqdm import tqdm

    workers = max(1, min(jobs or min(2, os.cpu_count() or 1), len(batch)))
    done: dict[str, ReportPaths] = {}
    failures: dict[str, Exception] = {}
    bar = tqdm(total=len(batch), desc=f"reports by {by}", unit="report", file=sys.stderr, disable=not progress)

    def record(job: ReportJob, result=None, error=None):
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
                WarmKernel.shutdown_all()
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


def _worker_start() -> None:
    """Set up a batch worker process: fast imports, and its kernel shut down when it exits."""
    import atexit

    skip_slow_iri_grammar()
    atexit.register(WarmKernel.shutdown_all)


def _render_in_worker(job: ReportJob) -> ReportPaths:
    return render_job(job, kernel=WarmKernel.kept(job.kernel_name))
