"""What the benchmarks share: each step in a fresh process, its peak memory, a frozen crmkit.

A step runs as ``python <bench script> --step '<json spec>'`` and prints one line
``BENCH-RESULT {json}``; the driver reads it back. Steps import crmkit from a copy taken when
the run starts (``CRMKIT_BENCH_SRC``), so edits made to crmkit/ while a run goes on do not mix
two versions into one table.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_RESULT = "BENCH-RESULT "
_frozen: Path | None = None  # set by freeze_crmkit in the driver


def use_frozen_crmkit() -> None:
    """Make ``import crmkit`` find the run's frozen copy (or the checkout, outside a run)."""
    src = os.environ.get("CRMKIT_BENCH_SRC") or str(ROOT)
    if src not in sys.path:
        sys.path.insert(0, src)


def freeze_crmkit(folder: Path) -> str:
    """Copy crmkit/ into ``folder`` for the steps to import; returns a short digest of its sources."""
    global _frozen
    _frozen = Path(folder)
    dest = _frozen / "crmkit"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(ROOT / "crmkit", dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    digest = hashlib.sha1()
    for f in sorted(dest.rglob("*.py")):
        digest.update(f.relative_to(dest).as_posix().encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:10]


def peak_mb() -> float:
    """This process's peak resident memory (ru_maxrss), in MB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux


def run_child(run_step, spec_json: str) -> None:
    """The child side: run one step and print its result with the process's peak memory."""
    result = run_step(json.loads(spec_json))
    result["peak_mb"] = peak_mb()
    print(_RESULT + json.dumps(result))


def spawn(script: str, spec: dict, timeout: float, src: Path | None = None) -> dict:
    """Run one step of ``script`` in a fresh interpreter; return its result (or the error).

    The step imports the run's frozen crmkit, or the one in ``src`` (e.g. a baseline's copy)."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    if src is not None or _frozen is not None:
        env["CRMKIT_BENCH_SRC"] = str(src or _frozen)
    try:
        proc = subprocess.run([sys.executable, str(Path(script).resolve()), "--step", json.dumps(spec)],
                              check=False, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f}s", "timeout": True}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(_RESULT):
            return json.loads(line[len(_RESULT):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}
