"""What the report notebook is given: its parameters, and the store URL without its password.

The parameters papermill injects are saved in the .ipynb that goes out with the report. A URL with
a password therefore reaches the kernel through ``$CRMKIT_DB_URL`` instead (the kernel is a child
process and inherits it), and the notebook's ``db_url`` parameter is None.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

from ..store import ENV_URL, has_password

__all__ = ["notebook_parameters", "store_url_for_kernel"]

# Threads of one process share os.environ: one render at a time may lend it a URL.
_ENV_LOCK = threading.Lock()


def notebook_parameters(*, month: str, db_url: str, region: str | None, rep: str | None,
                        show_personal_data: bool, lang: str = "zh+en", currency: str = "CNY",
                        kind: str = "monthly") -> dict:
    """The parameters cell of the report, with ``db_url=None`` when the URL holds a password.

    ``month`` is the report's period, given to the notebook as ``month``, ``week`` or ``quarter``
    after its ``kind`` ("monthly", "weekly", "quarterly").
    """
    from .content.period import PERIOD_PARAMETER

    return {PERIOD_PARAMETER[kind]: month, "db_url": None if has_password(db_url) else db_url, "region": region, "rep": rep,
            "show_personal_data": show_personal_data, "lang": lang, "currency": currency}


@contextmanager
def store_url_for_kernel(db_url: str):
    """While inside, a kernel started by this process finds a password-holding ``db_url`` in
    ``$CRMKIT_DB_URL``; the variable is restored afterwards. Nothing changes for other URLs."""
    if not has_password(db_url):
        yield
        return
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
