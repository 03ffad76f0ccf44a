"""``crmkit notebooks``: copy the shipped notebooks into a folder of the user's, never over their edits.

A copy already in the folder is left alone unless it is byte for byte the shipped one (then it is
up to date, and nothing is written) or ``force`` is given: a notebook the user has run, edited
or saved from JupyterLab differs, and is theirs. Each file is written whole (a temporary file
renamed over the target), so an interrupted copy leaves the old file or the new one, never half.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import CrmkitError
from ..i18n import N_, translate
from .packaged import USER_NOTEBOOKS, shipped


#: What happened to a notebook, and what the user reads about it ({name} is its file name).
OUTCOMES = {
    "copied": N_("copied {name}"),                                          # new in the folder
    "replaced": N_("replaced {name} (--force)"),                            # differed; force overwrote it
    "unchanged": N_("skipped {name}: already there, the same as crmkit's"),  # nothing to write
    "kept": N_("skipped {name}: your copy differs from crmkit's and is kept (--force replaces it)"),
}


@dataclass
class CopyResult:
    """What :func:`copy_notebooks` did: each notebook's outcome (a key of :data:`OUTCOMES`), in order."""

    folder: Path
    outcomes: dict[str, str] = field(default_factory=dict)

    def names(self, outcome: str) -> list[str]:
        """The notebooks with this outcome: ``result.names("kept")``."""
        return [name for name, got in self.outcomes.items() if got == outcome]

    def describe(self, lang: str = "en") -> str:
        """A line for the folder, then one per notebook, in ``lang``: copied, or skipped and why."""
        lines = [translate("notebooks in {folder}:", lang, folder=self.folder)]
        lines += ["  " + translate(OUTCOMES[got], lang, name=name) for name, got in self.outcomes.items()]
        return "\n".join(lines)


def copy_notebooks(folder: str | os.PathLike = "notebooks", *, force: bool = False, lang: str = "en") -> CopyResult:
    """Copy the user-facing notebooks (:data:`~crmkit.notebooks.USER_NOTEBOOKS`) into ``folder``.

    ``folder`` is made if missing. A notebook already there that differs from the shipped one is
    kept (``result.names("kept")``) unless ``force``; one that is the same is not rewritten. ``lang``:
    the language of the error when ``folder`` is a file.
    """
    folder = Path(folder).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise CrmkitError(translate("{folder} is a file; crmkit notebooks copies into a folder", lang,
                                    folder=folder))
    folder.mkdir(parents=True, exist_ok=True)
    result = CopyResult(folder)
    for name in USER_NOTEBOOKS:
        content = shipped(name).read_bytes()
        target = folder / name
        if not target.exists():
            outcome = "copied"
        elif target.read_bytes() == content:
            outcome = "unchanged"
        else:
            outcome = "replaced" if force else "kept"
        if outcome in ("copied", "replaced"):
            _write_whole(target, content)
        result.outcomes[name] = outcome
    return result


def _write_whole(target: Path, content: bytes) -> None:
    # open(..., "xb"), not tempfile.mkstemp: the copy gets the user's usual permissions, not 0600
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)  # left by a crashed run that had this process id
    try:
        with open(temporary, "xb") as out:
            out.write(content)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
