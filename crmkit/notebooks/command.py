"""`crmkit notebooks [DIR]`: the notebooks to open in JupyterLab, copied into DIR (default ./notebooks).

    crmkit notebooks                 ./notebooks: entry, explore, segmentation, close likelihood, monthly report
    crmkit notebooks ~/crm/nb        another folder
    crmkit notebooks --force         also replace copies that differ from crmkit's (your edits are lost)

It prints what it copied and what it skipped, then which store the notebooks will open (the
same ``data/crm.db`` the command line uses, found from the notebooks' folder up) and how to
start JupyterLab there.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..i18n import LANGS, translate
from ..language import resolve_lang


def add_arguments(parser) -> None:
    parser.add_argument("folder", nargs="?", type=Path, default=Path("notebooks"), metavar="DIR",
                        help="where to put them (default: ./notebooks)")
    parser.add_argument("--force", action="store_true",
                        help="replace copies that differ from crmkit's (default: keep them; they may hold your edits)")
    parser.add_argument("--lang", choices=["en", "zh"], default=None,
                        help="language of the messages (default: the locale's, else en)")


def run(args) -> int:
    from ..store.location import default_url, sqlite_file
    from .copying import copy_notebooks

    # no store is opened here (the notebooks may be for one not made yet): the locale decides
    args.lang = resolve_lang(args.lang, None, fallback="en", allowed=LANGS)
    result = copy_notebooks(args.folder, force=args.force, lang=args.lang)
    print(result.describe(args.lang))
    url = default_url(start=result.folder)  # what crmkit.open() finds in a kernel started there
    store = sqlite_file(url)
    if store is not None and not store.exists():
        print(_where_a_store_goes(result.folder, args.lang))
    else:
        from ..store import hide_password

        print(translate("they open the store {url} (their db_url parameter chooses another)", args.lang,
                        url=hide_password(url)))
    print(translate("start JupyterLab there: jupyter lab {folder}", args.lang, folder=result.folder))
    return 0


def _where_a_store_goes(folder: Path, lang: str) -> str:
    """What to run so that the notebooks in ``folder`` find a store: it is looked for from their
    folder up ($CRMKIT_HOME aside), so `crmkit demo` run here serves them when here is above it."""
    from ..store.location import ENV_HOME

    here = Path.cwd().resolve()
    if os.environ.get(ENV_HOME) or here == folder or here in folder.parents:
        return translate("no store yet: `crmkit demo` or `crmkit import` run here makes the one they open", lang)
    return translate("no store yet: they open data/crm.db in {folder} or the nearest folder above it that has one "
                     "(`crmkit demo` makes one in the folder it runs in)", lang, folder=folder)
