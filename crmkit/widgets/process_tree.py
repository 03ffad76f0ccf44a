"""The processes a server started, read from ``/proc``: to stop them all and to weigh them.

``crmkit app`` uses it to be sure no kernel outlives Voila (jupyter_client starts each kernel
in a session of its own, so signalling Voila's process group does not reach them), and the
app's benchmark to add up the memory of Voila and its kernels. Without ``/proc`` (macOS,
Windows) the lists are empty and stopping falls back to the process group alone.

A process is named by ``(pid, start time)``: a pid freed by a process that exited may be given
to an unrelated one meanwhile, and that one must not be signalled.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

PROC = Path("/proc")

Process = tuple[int, int]   # (pid, start time in clock ticks since boot)


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces), or None."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rindex(")") + 2:].split()


def _parent_and_start(pid: int) -> tuple[int, int] | None:
    fields = _stat(pid)
    if fields is None:
        return None
    # after the name: state(0) ppid(1) … starttime is field 22 of stat, index 19 here
    return int(fields[1]), int(fields[19])


def descendants(pid: int) -> list[Process]:
    """Every living process below ``pid`` (children, their children …), each as (pid, start)."""
    children: dict[int, list[Process]] = {}
    for entry in PROC.glob("[0-9]*") if PROC.is_dir() else ():
        info = _parent_and_start(int(entry.name))
        if info is not None:
            children.setdefault(info[0], []).append((int(entry.name), info[1]))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def alive(process: Process) -> bool:
    """Whether this very process (not a later one given its pid) still runs (a zombie does not)."""
    fields = _stat(process[0])
    return fields is not None and fields[0] != "Z" and int(fields[19]) == process[1]


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` in bytes (0 if it is gone)."""
    try:
        pages = int((PROC / str(pid) / "statm").read_text().split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def signal_group(pgid: int, signum: int) -> None:
    """Send ``signum`` to process group ``pgid``, if it still has members."""
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def kill_tree(processes: list[Process], grace: float) -> list[Process]:
    """SIGTERM to those of ``processes`` still alive, SIGKILL to those alive ``grace`` seconds
    later. Returns the ones that had to be signalled (empty after a clean shutdown)."""
    survivors = [p for p in processes if alive(p)]
    _send(survivors, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(alive(p) for p in survivors) and time.monotonic() < deadline:
        time.sleep(0.1)
    _send([p for p in survivors if alive(p)], signal.SIGKILL)
    return survivors


def _send(processes: list[Process], signum: int) -> None:
    for pid, _start in processes:
        try:
            os.kill(pid, signum)
        except (ProcessLookupError, PermissionError):
            pass
