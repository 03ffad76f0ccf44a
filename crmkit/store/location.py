"""Where a store lives: its URL (from an argument, ``$CRMKIT_DB_URL`` or the project's
``data/crm.db``), the project folder, the cache folder, and who is writing.

The project folder holds ``data/`` (the store ``crm.db``, sample files, the model cache) and
``reports/``. It is ``$CRMKIT_HOME`` when set; else the nearest folder from the working folder up
that holds a store or is a crmkit checkout (notebooks run in ``notebooks/`` and must reach the
store the command line made one folder up); else the working folder itself, which is where an
installed crmkit, run from anywhere, makes ``data/crm.db`` and writes ``reports/``."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

ENV_URL = "CRMKIT_DB_URL"
ENV_HOME = "CRMKIT_HOME"
#: The store of a project folder, relative to it.
STORE_FILE = Path("data") / "crm.db"


def project_dir(start: Path | None = None) -> Path:
    """The crmkit project folder: where ``data/crm.db`` and ``reports/`` are (see the module's doc).

    ``$CRMKIT_HOME`` when set; else the nearest folder from ``start`` (default: the working
    folder) up that holds ``data/crm.db``, or ``data/`` beside ``pyproject.toml`` or ``crmkit/``
    (a checkout); else ``start`` itself.
    """
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME]).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / STORE_FILE).is_file():
            return d
        if (d / "data").is_dir() and ((d / "pyproject.toml").exists() or (d / "crmkit").is_dir()):
            return d
    return here


def cache_dir() -> Path:
    """Where crmkit keeps what it can recompute (fitted models): $CRMKIT_CACHE_DIR or data/.cache."""
    return Path(os.environ.get("CRMKIT_CACHE_DIR") or project_dir() / "data" / ".cache")


def default_url(start: Path | None = None) -> str:
    """``$CRMKIT_DB_URL``, else ``data/crm.db`` of the project folder seen from ``start``."""
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL]
    return f"sqlite:///{project_dir(start) / STORE_FILE}"


def new_store_notice(file: Path, home: Path | None, lang: str = "en") -> str:
    """The line said when crmkit creates an SQLite store: where it is and, when crmkit chose the
    place (``home``, the project folder), how to choose another."""
    from ..i18n import translate

    if home is None:
        return translate("crmkit: created a new store, {file}", lang, file=file)
    return translate("crmkit: created a new store, {file} (data/ and reports/ go to {home}; set CRMKIT_HOME "
                     "to keep them in another folder)", lang, file=file, home=home)


def normalise_url(url: str) -> str:
    """A plain path means an SQLite file; ``postgresql://`` means psycopg."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def who(by: str | None, default: str | None) -> str:
    """The name a change is signed with: ``by``, else the store's user, else the login name."""
    if by:
        return by
    if default:
        return default
    try:
        return os.environ.get("CRMKIT_USER") or getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def hide_password(url: str) -> str:
    """The URL with its password shown as ***: what may be printed, logged or kept in a manifest."""
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


def has_password(url: str) -> bool:
    import sqlalchemy as sa

    return sa.engine.make_url(url).password is not None


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL; None for any other database."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None
