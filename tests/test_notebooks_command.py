"""`crmkit notebooks [DIR]` (crmkit/notebooks/): the shipped notebooks copied into a folder of the user's,
run as a user runs it (a real process, from a folder outside the checkout), never over their edits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import crmkit
from crmkit.notebooks import USER_NOTEBOOKS, copy_notebooks, shipped

NAMES = ["entry.ipynb", "explore.ipynb", "segmentation.ipynb", "close_likelihood.ipynb", "monthly_report.ipynb"]


def crmkit_notebooks(*args, cwd, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ("CRMKIT_DB_URL", "CRMKIT_HOME")}
    return subprocess.run([sys.executable, "-m", "crmkit", "notebooks", *args], capture_output=True, text=True,
                          cwd=cwd, env={**env, **(env_extra or {})}, timeout=120)


@pytest.fixture
def empty(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_it_copies_the_five_user_notebooks_into_notebooks_by_default(empty):
    out = crmkit_notebooks(cwd=empty)
    assert out.returncode == 0, out.stderr
    folder = empty / "notebooks"
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES), "only the notebooks, no temporary files"
    for name in NAMES:
        assert (folder / name).read_bytes() == shipped(name).read_bytes()
        assert f"copied {name}" in out.stdout
    assert f"notebooks in {folder}:" in out.stdout
    assert "no store yet: `crmkit demo` or `crmkit import` run here" in out.stdout
    assert f"jupyter lab {folder}" in out.stdout


def test_the_monthly_report_is_the_one_crmkit_report_renders():
    from crmkit.reports.render import NOTEBOOK

    assert shipped("monthly_report.ipynb").read_bytes() == NOTEBOOK.read_bytes()
    assert list(USER_NOTEBOOKS) == NAMES


def test_a_second_run_skips_copies_that_are_the_same_and_keeps_edited_ones(empty):
    target = empty / "mine"
    assert crmkit_notebooks(str(target), cwd=empty).returncode == 0
    edited = target / "segmentation.ipynb"
    edited.write_text(edited.read_text(encoding="utf-8").replace("k: int = 4", "k: int = 6"), encoding="utf-8")
    untouched = target / "entry.ipynb"
    before = untouched.stat().st_mtime_ns

    out = crmkit_notebooks(str(target), cwd=empty)
    assert out.returncode == 0, out.stderr
    assert "k: int = 6" in edited.read_text(encoding="utf-8"), "an edited copy is never overwritten unasked"
    assert untouched.stat().st_mtime_ns == before, "a copy that is the same is not rewritten"
    assert ("skipped segmentation.ipynb: your copy differs from crmkit's and is kept (--force replaces it)"
            in out.stdout)
    assert "skipped entry.ipynb: already there, the same as crmkit's" in out.stdout
    assert "copied" not in out.stdout

    forced = crmkit_notebooks(str(target), "--force", cwd=empty)
    assert forced.returncode == 0, forced.stderr
    assert edited.read_bytes() == shipped("segmentation.ipynb").read_bytes()
    assert "replaced segmentation.ipynb (--force)" in forced.stdout
    assert "skipped entry.ipynb" in forced.stdout


def test_it_names_the_store_the_notebooks_will_open(empty):
    (empty / "data").mkdir()
    store = empty / "data" / "crm.db"
    crmkit.open(store).close()
    out = crmkit_notebooks(cwd=empty)
    assert f"they open the store sqlite:///{store}" in out.stdout

    elsewhere = crmkit_notebooks(cwd=empty, env_extra={"CRMKIT_DB_URL": "postgresql+psycopg://crm:secret@db/crm"})
    assert "they open the store postgresql+psycopg://crm:***@db/crm" in elsewhere.stdout
    assert "secret" not in elsewhere.stdout


def test_messages_in_chinese(empty):
    out = crmkit_notebooks("--lang", "zh", cwd=empty)
    assert out.returncode == 0, out.stderr
    assert "已复制 entry.ipynb" in out.stdout and "笔记本位于" in out.stdout
    again = crmkit_notebooks("--lang", "zh", cwd=empty)
    assert "已跳过 entry.ipynb：已存在，与 crmkit 自带的相同" in again.stdout


def test_a_file_in_place_of_the_folder_is_refused_and_nothing_is_written(empty):
    (empty / "notebooks").write_text("not a folder", encoding="utf-8")
    out = crmkit_notebooks(cwd=empty)
    assert out.returncode == 1
    assert f"error: {empty / 'notebooks'} is a file; crmkit notebooks copies into a folder" in out.stderr
    assert (empty / "notebooks").read_text(encoding="utf-8") == "not a folder"


def test_the_function_reports_each_outcome(tmp_path):
    first = copy_notebooks(tmp_path / "nb")
    assert first.names("copied") == NAMES and first.folder == tmp_path / "nb"
    (tmp_path / "nb" / "explore.ipynb").write_text("{}", encoding="utf-8")
    second = copy_notebooks(tmp_path / "nb")
    assert second.names("kept") == ["explore.ipynb"] and len(second.names("unchanged")) == 4
    assert copy_notebooks(tmp_path / "nb", force=True).names("replaced") == ["explore.ipynb"]
    assert not list((tmp_path / "nb").glob(".*.tmp"))


def test_the_copies_are_readable_by_others_as_any_file_the_user_makes(tmp_path):
    umask = os.umask(0o022)
    try:
        copy_notebooks(tmp_path / "nb")
    finally:
        os.umask(umask)
    assert {oct(p.stat().st_mode & 0o777) for p in Path(tmp_path / "nb").iterdir()} == {"0o644"}
