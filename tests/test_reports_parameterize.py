"""The report notebook's parameters: a store password reaches the kernel, never the saved notebook."""

from __future__ import annotations

import os

from crmkit.reports.parameterize import notebook_parameters, store_url_for_kernel
from crmkit.store import ENV_URL

SECRET_URL = "postgresql+psycopg://crm:s3cret-pw@db.example/crm"


def _parameters(db_url: str) -> dict:
    return notebook_parameters(month="2026-10", db_url=db_url, region="华东", rep=None, show_personal_data=False)


def test_a_url_without_a_password_goes_into_the_notebook_as_it_is(monkeypatch):
    monkeypatch.delenv(ENV_URL, raising=False)
    url = "sqlite:////tmp/crm.db"
    assert _parameters(url) == {"month": "2026-10", "db_url": url, "region": "华东", "rep": None,
                                "show_personal_data": False, "lang": "zh+en", "currency": "CNY"}
    with store_url_for_kernel(url):
        assert ENV_URL not in os.environ


def test_a_password_url_is_lent_to_the_kernel_through_the_environment_and_taken_back(monkeypatch):
    monkeypatch.setenv(ENV_URL, "sqlite:////before.db")
    assert _parameters(SECRET_URL)["db_url"] is None
    with store_url_for_kernel(SECRET_URL):
        assert os.environ[ENV_URL] == SECRET_URL
    assert os.environ[ENV_URL] == "sqlite:////before.db"

    monkeypatch.delenv(ENV_URL)
    with store_url_for_kernel(SECRET_URL):
        assert os.environ[ENV_URL] == SECRET_URL
    assert ENV_URL not in os.environ
