"""What a section of the monthly report is: a title, findings, tables and figures (no drawing here).

Section functions (``traffic(data)``, ``funnel(data)`` …) do the analysis and return a
:class:`Section`; :func:`crmkit.reports.content.display.show` draws and displays it. Keeping the
two apart lets tests check every number a section states without a kernel or a plot.
"""

from __future__ import annotations

import functools
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd


@dataclass
class Table:
    """A table to show: ``frame`` already has its display headers (in the report's language) and
    formatted cells.

    ``note`` is a sentence shown under the table (e.g. "前 10 位，共 123 位").
    """

    title: str
    frame: pd.DataFrame
    note: str = ""


@dataclass
class Figure:
    """A figure to draw: ``draw(fig)`` fills a matplotlib Figure of ``height`` inches (7 in wide).

    The margins around the axes are fixed here in inches (``left`` wide enough for the labels
    of horizontal bars) rather than computed by a layout engine: constrained or tight layout
    draws every figure twice, which at a dozen figures costs a second or more per report.
    """

    title: str
    draw: Callable
    height: float = 3.2
    left: float = 0.7
    bottom: float = 0.55
    top: float = 0.35
    right: float = 0.15
    wspace: float = 0.3


@dataclass
class Section:
    """One section of the report.

    ``findings`` are plain-language sentences (plain text: the display escapes them), shown above
    ``figures`` and ``tables``. ``data`` keeps the numbers behind the findings, unformatted, so
    tests and other callers can use them without parsing text.
    """

    title: str
    findings: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    show_personal_data: bool = False
    timings: dict | None = None  # the MonthData's timings, for the plotting time


@contextmanager
def timed(timings: dict, stage: str):
    """Add the wall time of the ``with`` block to ``timings[stage]`` (seconds)."""
    began = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - began


def section(title: str, *, needs_month_records: bool = True, **title_fields):
    """Decorate a section function ``f(data) -> Section``.

    ``title`` is the English message id (marked with ``N_``), shown in the report's language
    (``translate(title, data.lang, **title_fields)``). The decorated function times itself under
    ``data.timings["analysis"]``, passes the report's privacy setting on, and, when the month has
    no records at all, returns the section with one sentence saying so instead of analysing empty
    frames.
    """
    from ...i18n import translate

    def decorate(analyse):
        @functools.wraps(analyse)
        def run(data) -> Section:
            shown_title = translate(title, data.lang, **title_fields)
            with timed(data.timings, "analysis"):
                if needs_month_records and data.is_empty:
                    result = Section(shown_title, [translate("{month}: no records, so this section is left out.",
                                                             data.prose, month=data.label)])
                else:
                    result = analyse(data)
                    result.title = shown_title
            result.show_personal_data = data.show_personal_data
            result.timings = data.timings
            return result

        run.title = title
        return run

    return decorate
