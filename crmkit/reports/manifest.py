"""The manifest beside each report: what was rendered, from which data, by which code, how fast.

A report is reproducible when the same data and the same parameters give the same numbers.
The manifest records both halves, so a reader can tell whether two reports should agree:

* the parameters, the notebook (and a hash of it), crmkit's version and git commit, and the
  versions of Python, pandas, papermill and nbconvert;
* a fingerprint of the data (``data_fingerprint``), the start and end time, the seconds each
  stage took, and the output files with the HTML's sha256.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..schema import TABLES
from ..store.location import hide_password

# Tables whose rows a monthly report reads by date; the fingerprint lists their month's rows.
_DATED = tuple(name for name, t in TABLES.items() if t.date_column)


def data_fingerprint(crm, month: str, *, region: str | None = None, rep: str | None = None,
                     state: dict | None = None, kind: str = "monthly") -> dict:
    """A sha256 that changes whenever the data a report of ``month`` could show changes.

    What it covers: the number of records in every table; the highest id and the length of the
    change history (crmkit logs every add, edit, delete, restore and import there, so any
    change made through crmkit moves them); and the id and version of every row dated in the
    month, in every dated table (an edit bumps the version). The month's rows are taken for
    the whole store, not just the report's region or rep, so a change anywhere in the month
    changes every report's fingerprint (never the reverse); the region and rep are hashed in
    too, so two regions' reports of one store differ. It does not see edits made to the
    database behind crmkit's back. Cost: a few indexed queries and the month's ids, about
    0.3 s at 1M interactions; a batch reads them once (``store_state``) and passes ``state``.
    A weekly or quarterly report (``kind``) passes its week or quarter as ``month``: the rows
    dated in that period are hashed, and the kind is hashed in with the filters.

    Returns ``{"sha256": ..., "tables": {table: records}, "history": {...}, "month_rows": {table: n},
    "filters": {...}}``.
    """
    state = state if state is not None else store_state(crm, month, kind=kind)
    filters = {"month": month, "region": region, "rep": rep}
    if kind != "monthly":  # the monthly report's fingerprints stay as they were
        filters = {"kind": kind, "period": month, "region": region, "rep": rep}
    summary = {"tables": state["tables"], "history": state["history"], "month_rows": state["month_rows"],
               "filters": filters}
    digest = hashlib.sha256(state["month_rows_sha256"].encode())
    digest.update(json.dumps(summary, sort_keys=True, ensure_ascii=False).encode())
    return {"sha256": digest.hexdigest(), **summary}


def store_state(crm, month: str, *, kind: str = "monthly") -> dict:
    """What ``data_fingerprint`` reads from the store: counts, the history's ends, the period's rows."""
    from .content.period import period_bounds

    store = crm.state()  # records per table (deleted ones too) and the history's ends
    tables, history = store["tables"], store["history"]
    start, end = period_bounds(kind, month)
    digest = hashlib.sha256()
    month_rows = {}
    for name in _DATED:
        ids = crm.read(name, columns=["version"], start=start, end=end, include_deleted=True)
        id_column = TABLES[name].id_column
        month_rows[name] = len(ids)
        digest.update(f"\0{name}\0".encode())
        digest.update("\n".join(ids[id_column].astype(str) + ":" + ids["version"].astype(str)
                                + ":" + ids["deleted_at"].notna().astype(str)).encode())
    return {"month": month, "tables": tables, "history": history, "month_rows": month_rows,
            "month_rows_sha256": digest.hexdigest()}


def environment() -> dict:
    """crmkit's version and git commit, and the versions of what renders a report."""
    import nbconvert
    import papermill

    from .. import __version__

    commit, dirty = _git_state(Path(__file__).resolve().parents[2])
    return {"crmkit": __version__, "git_commit": commit, "git_dirty": dirty,
            "python": platform.python_version(), "pandas": pd.__version__,
            "papermill": papermill.__version__, "nbconvert": nbconvert.__version__,
            "platform": platform.platform()}


def _git_state(folder: Path) -> tuple[str | None, bool | None]:
    """(commit, whether crmkit's sources differ from it), or (None, None) outside a git checkout."""
    try:
        commit = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--", "crmkit"],
                                capture_output=True, text=True, timeout=5, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit or None, bool(status.strip())


def public_url(url: str) -> str:
    """The store URL with any password hidden: manifests are shared with the report."""
    return hide_password(url)


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def write_manifest(path, manifest: dict) -> Path:
    """Write ``manifest`` as indented UTF-8 JSON (Chinese kept readable); returns the path."""
    path = Path(path)
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def read_manifest(path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
