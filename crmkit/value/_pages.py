"""Ordinary (4 KB) memory pages for the value pipeline's big temporary arrays.

numpy asks Linux for transparent huge pages (``madvise(MADV_HUGEPAGE)``) on every array of
4 MB or more. Where the kernel's THP ``defrag`` setting is ``madvise`` (the default of many
distributions), the first touch of each such 2 MB page makes the kernel compact memory
synchronously. A fresh process pays it for every page its first big computation touches: on
a million customers (2.8M orders) the first ``rfm_summary`` spent 0.5-0.6 s of system time
there, 1.2-1.6 s in all against 0.65 s with ordinary pages; later calls reuse the pages and
hardly differ. The arrays here live for one call, so huge pages buy nothing back.

``small_pages`` turns numpy's request off while the decorated function runs and restores
the caller's setting afterwards (nested and concurrent calls count, so the last one out
restores it). numpy's switch is private (``_set_madvise_hugepage``); where a numpy lacks it
the decorator does nothing.
"""

from __future__ import annotations

import functools
import threading

try:
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # numpy < 2
    try:
        from numpy.core.multiarray import _set_madvise_hugepage
    except ImportError:
        _set_madvise_hugepage = None

_lock = threading.Lock()
_inside = 0
_saved = True


def _enter() -> None:
    global _inside, _saved
    with _lock:
        if _inside == 0:
            _saved = _set_madvise_hugepage(False)
        _inside += 1


def _leave() -> None:
    global _inside
    with _lock:
        _inside -= 1
        if _inside == 0:
            _set_madvise_hugepage(_saved)


def small_pages(func):
    """Run ``func`` with numpy's huge-page request off (see the module's docstring)."""
    if _set_madvise_hugepage is None:
        return func

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        _enter()
        try:
            return func(*args, **kwargs)
        finally:
            _leave()

    return wrapper
