"""Where the notebooks crmkit ships are: inside the installed package, found with importlib.resources."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

#: The notebooks ``crmkit notebooks`` gives a user, in the order it lists them: file name -> the
#: package that ships it (the monthly report stays with the report code that renders it).
USER_NOTEBOOKS: dict[str, str] = {
    "entry.ipynb": "crmkit.notebooks",
    "explore.ipynb": "crmkit.notebooks",
    "segmentation.ipynb": "crmkit.notebooks",
    "close_likelihood.ipynb": "crmkit.notebooks",
    "monthly_report.ipynb": "crmkit.reports",
}


def shipped(name: str) -> Traversable:
    """The shipped notebook ``name`` (one of :data:`USER_NOTEBOOKS`), inside the installed package."""
    return files(USER_NOTEBOOKS[name]) / name
