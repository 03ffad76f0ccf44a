"""Names a package lends from submodules it imports only on first use (PEP 562).

>>> __getattr__, __dir__ = attach(__name__, {"forms": ["EntryForms"]})   # doctest: +SKIP

Modelled on scikit-learn's and ``lazy_loader``'s ``attach``: the package keeps its heavy imports
(ipywidgets, papermill, scikit-learn …) out of ``import crmkit``, while ``dir()`` and Jupyter's tab
completion still list every public name. The package also lists the names in its literal ``__all__`` and
imports them under ``if TYPE_CHECKING:``, so that editors, type checkers and linters see them.
"""

from __future__ import annotations

import pkgutil
import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from types import ModuleType

__all__ = ["attach"]


def attach(package: str, names_by_submodule: Mapping[str, Iterable[str]]
           ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``; it must be the package being imported.
    names_by_submodule : mapping
        Each submodule (relative, e.g. ``"forms"``) to the names it lends the package; the
        submodule is imported when one of its names is first used.

    Raises
    ------
    ValueError
        A lazy name is also the name of a submodule of the package: importing that submodule sets
        the package attribute of its own name, which would hide the lazy one for good (so a
        function ``backtest`` in ``backtest.py`` has to be imported eagerly).
    """
    lender = {name: submodule for submodule, names in names_by_submodule.items() for name in names}
    module = sys.modules[package]
    shadowed = sorted(set(lender) & {info.name for info in pkgutil.iter_modules(module.__path__)})
    if shadowed:
        raise ValueError(f"{package}: {', '.join(shadowed)} cannot load lazily, a submodule has the same name; "
                         "import it eagerly")

    # Not cached in the package: one dictionary look-up in sys.modules per use costs nothing, and
    # the package's own namespace keeps telling the lazy names from the imported ones.
    def __getattr__(name: str):
        if name in lender:
            return getattr(import_module(f".{lender[name]}", package), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    # What tab completion offers: the public names and the submodules loaded so far, as scikit-learn
    # and lazy_loader do, rather than every helper the package imported for itself.
    def __dir__() -> list[str]:
        submodules = {name for name, value in vars(module).items() if isinstance(value, ModuleType)}
        return sorted(set(getattr(module, "__all__", ())) | set(lender) | submodules)

    return __getattr__, __dir__
