"""The kernel a batch worker keeps from report to report.

Starting a kernel and importing what the report needs (pandas, matplotlib, crmkit's analyses)
costs seconds of CPU per report; a worker pays it once. Each report after the first starts with
a ``%reset -f`` cell that empties the namespace (the imported modules stay, which is the point),
so no variable of the last report survives into the next; the cell is taken out of the executed
notebook afterwards. A kernel that died is replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

__all__ = ["WarmKernel"]


class WarmKernel:
    """One kernel, kept by the process that started it, for the reports it runs one after another."""

    RESET_TAG = "crmkit-reset"
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
    def kept(cls, kernel_name: str) -> WarmKernel:
        """This process's kernel of that name: the one it used before if still alive, else a new one."""
        from jupyter_core.utils import run_sync

        warm = cls._instances.get(kernel_name)
        if warm is not None and warm.runs and not run_sync(warm.manager.is_alive)():
            warm.shutdown()
            warm = None
        if warm is None:
            warm = cls._instances[kernel_name] = cls(kernel_name)
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
        """The executed notebook as its source reads, rewritten at ``path`` if it held the reset cell."""
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
