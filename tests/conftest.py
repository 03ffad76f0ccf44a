"""Shared fixtures: a fresh store per test, on SQLite and (where a server is reachable) PostgreSQL.

PostgreSQL tests use CRMKIT_TEST_PG_URL (default: the local server on 127.0.0.1:5432,
database ``test``). Each test gets its own schema, dropped afterwards. Where no server
answers, those tests are skipped with the reason, so the suite passes on a laptop.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

import crmkit

PG_URL = os.environ.get("CRMKIT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_the_project(tmp_path_factory):
    """Fitted models the tests make are cached in a temporary folder, not the project's data/.cache,
    and signed with a key of the test run, not the runner's own (~/.config/crmkit)."""
    os.environ["CRMKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("crmkit-cache"))
    os.environ["CRMKIT_SIGNING_KEY"] = str(tmp_path_factory.mktemp("crmkit-key") / "cache-signing.key")


@pytest.fixture(autouse=True, scope="session")
def _a_locale_that_names_no_language():
    """The suite runs in the C locale, as CI and most servers do, so where nothing else says which
    language, each place shows its own default (crmkit.language) on a developer's zh_CN or en_US
    laptop too. Tests of the locale's part set LANG themselves."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        os.environ.pop(variable, None)
    os.environ["LANG"] = "C.UTF-8"


def _pg_unreachable_reason() -> str | None:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: skip, and say why
        return f"no PostgreSQL server reachable at {PG_URL} ({type(exc).__name__}: {str(exc).splitlines()[0]})"


_PG_REASON = _pg_unreachable_reason()


@pytest.fixture
def pg_url():
    """A PostgreSQL URL whose search_path is a fresh, empty schema (dropped after the test)."""
    if _PG_REASON:
        pytest.skip(_PG_REASON)
    schema = f"crmkit_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """The URL of an empty store, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crm.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url):
    crm = crmkit.open(store_url, user="tester")
    yield crm
    crm.close()
