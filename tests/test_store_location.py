"""Where the store and the reports go (crmkit/store/location.py), for a checkout and for a pip-installed
crmkit run from any folder, and the one line said when a store is created."""

from __future__ import annotations

from pathlib import Path

import pytest

import crmkit
from crmkit.store import default_url, project_dir

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """An empty working folder, with no crmkit settings in the environment."""
    for name in ("CRMKIT_DB_URL", "CRMKIT_HOME"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_an_installed_crmkit_run_in_an_empty_folder_keeps_its_data_there(nowhere):
    assert project_dir() == nowhere
    assert default_url() == f"sqlite:///{nowhere / 'data' / 'crm.db'}"


def test_notebooks_in_a_subfolder_find_the_store_the_command_line_made_above(nowhere):
    (nowhere / "data").mkdir()
    (nowhere / "data" / "crm.db").write_bytes(b"")
    notebooks = nowhere / "notebooks"
    notebooks.mkdir()
    assert project_dir(notebooks) == nowhere
    assert default_url(notebooks) == f"sqlite:///{nowhere / 'data' / 'crm.db'}"


def test_a_data_folder_without_a_store_is_not_a_project(nowhere):
    (nowhere / "data").mkdir()  # anyone's data/ folder: no crm.db, no checkout beside it
    inner = nowhere / "notebooks"
    inner.mkdir()
    assert project_dir(inner) == inner


def test_the_checkout_is_still_its_own_project_folder(monkeypatch):
    monkeypatch.delenv("CRMKIT_HOME", raising=False)
    assert (ROOT / "data" / "samples").is_dir()  # the checkout ships data/samples; data/crm.db may not exist yet
    assert project_dir(ROOT / "tests") == ROOT


def test_crmkit_home_decides_wherever_crmkit_runs(nowhere, tmp_path, monkeypatch):
    monkeypatch.setenv("CRMKIT_HOME", str(tmp_path / "crm-home"))
    assert project_dir() == tmp_path / "crm-home"
    assert project_dir(ROOT) == tmp_path / "crm-home"  # even from inside a checkout
    assert default_url() == f"sqlite:///{tmp_path / 'crm-home' / 'data' / 'crm.db'}"
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CRMKIT_HOME", "~/elsewhere")
    assert project_dir() == tmp_path / "elsewhere"


def test_creating_the_default_store_says_where_in_one_line_once(nowhere, capsys):
    with crmkit.open() as crm:
        assert crm.path == nowhere / "data" / "crm.db"
    said = capsys.readouterr().err.splitlines()
    assert said == [f"crmkit: created a new store, {nowhere / 'data' / 'crm.db'} (data/ and reports/ go to "
                    f"{nowhere}; set CRMKIT_HOME to keep them in another folder)"]
    with crmkit.open():
        pass
    assert capsys.readouterr().err == "", "an existing store is opened silently"


def test_the_store_goes_to_crmkit_home_and_says_so(nowhere, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CRMKIT_HOME", str(tmp_path / "home"))
    with crmkit.open() as crm:
        crm.add("customers", {"customer_id": "001", "name": "华信科技"})
    assert (tmp_path / "home" / "data" / "crm.db").is_file() and not (nowhere / "data").exists()
    assert f"go to {tmp_path / 'home'};" in capsys.readouterr().err


def test_a_store_at_a_path_of_ones_own_is_announced_without_the_folder_hint(nowhere, capsys):
    with crmkit.open(nowhere / "mine.db"):
        pass
    assert capsys.readouterr().err.splitlines() == [f"crmkit: created a new store, {nowhere / 'mine.db'}"]
