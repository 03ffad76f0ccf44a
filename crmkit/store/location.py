"""Where a store lives: its URL (from an argument, ``$CRMKIT_DB_URL`` or the project's
``data/crm.db``), the project folder, the cache folder, and who is writing."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

ENV_URL = "CRMKIT_DB_URL"


def project_dir(start: Path | None = None) -> Path:
    """The crmkit project folder (the one holding ``data/``), found from the working directory up.

    Notebooks run in ``notebooks/``; they must reach the same ``data/crm.db`` as the CLI.
    """
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "data").is_dir() and ((d / "pyproject.toml").exists() or (d / "crmkit").is_dir()):
            return d
    return here


def cache_dir() -> Path:
    """Where crmkit keeps what it can recompute (fitted models): $CRMKIT_CACHE_DIR or data/.cache."""
    return Path(os.environ.get("CRMKIT_CACHE_DIR") or project_dir() / "data" / ".cache")


def default_url() -> str:
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL]
    return f"sqlite:///{project_dir() / 'data' / 'crm.db'}"


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
