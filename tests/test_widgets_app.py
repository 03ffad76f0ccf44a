"""`crmkit app` (crmkit/widgets/command.py, app.py, app.ipynb) and the widget notebooks
(crmkit/notebooks/entry.ipynb, explore.ipynb) executed in a real kernel with papermill."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import crmkit
from crmkit import demo
from crmkit.cli import _parser
from crmkit.widgets import command
from crmkit.reports.execute import IOPUB_TIMEOUT  # a cell's outputs on a busy machine

NOTEBOOKS = Path(__file__).resolve().parents[1] / "crmkit" / "notebooks"  # shipped in the package


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'crm.db'}"
    data = demo.generate(n_customers=300, seed=8)
    with crmkit.open(url) as crm:
        demo.load_into(crm, data, history=False)
    return url


def _args(*argv):
    return _parser().parse_args(["app", *argv])


def test_app_help_lists_its_options():
    done = subprocess.run([sys.executable, "-m", "crmkit", "app", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    for option in ("--db", "--port", "--no-browser", "--lang", "--ip"):
        assert option in done.stdout


def test_the_voila_command_line_serves_the_packaged_notebook_without_code():
    cmd = command.voila_command(_args("--port", "9123", "--no-browser", "--lang", "en"))
    assert cmd[:3] == [sys.executable, "-m", "crmkit.app_server"]   # Voila with crmkit's login
    notebook = Path(cmd[3])
    assert notebook == command.APP_NOTEBOOK and notebook.is_file()
    assert notebook.parent == Path(crmkit.__file__).parent / "widgets"  # shipped inside the package
    assert "--port=9123" in cmd and "--no-browser" in cmd and "--Voila.ip=127.0.0.1" in cmd
    assert "--strip_sources=True" in cmd and "--theme=light" in cmd
    assert "--Voila.ip=0.0.0.0" in command.voila_command(_args("--ip", "0.0.0.0"))


def test_the_store_and_language_reach_the_app_kernel_through_its_environment(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    env = command.app_environment(_args("--db", url, "--lang", "en"), base={"PATH": "/bin"})
    assert env["CRMKIT_DB_URL"] == url and env["CRMKIT_APP_LANG"] == "en" and env["PATH"] == "/bin"
    # without --db: the same default the other commands use, resolved here (the kernel runs elsewhere)
    env = command.app_environment(_args(), base={"CRMKIT_DB_URL": url, "CRMKIT_APP_LANG": "en"})
    assert env["CRMKIT_DB_URL"] == url and "CRMKIT_APP_LANG" not in env   # run() sets the store's language
    env = command.app_environment(_args(), base={})
    assert env["CRMKIT_DB_URL"].startswith("sqlite:///") and env["CRMKIT_DB_URL"].endswith("crm.db")


def test_the_app_notebook_is_thin_and_builds_the_layout():
    nb = nbformat.read(command.APP_NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs for c in code)
    source = "\n".join(c.source for c in code)
    assert "app_layout(" in source and "app_store()" in source and "CRMKIT_APP_LANG" in source
    assert "crmkit.open(" not in source   # never the whole store: the logged-in account's, from app_store


def test_a_store_that_cannot_be_opened_stops_the_command_with_a_clear_message():
    done = subprocess.run([sys.executable, "-m", "crmkit", "app", "--db", "sqlite:///:memory:", "--no-browser"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "in-memory" in done.stderr and "Traceback" not in done.stderr


def test_app_layout_has_the_entry_forms_and_the_lead_board(store_url):
    from crmkit.widgets import EntryForms, LeadBoard, app_layout

    with crmkit.open(store_url) as crm:
        tab = app_layout(crm, lang="zh", scoring="off")
        assert isinstance(tab.children[0], EntryForms) and isinstance(tab.children[1], LeadBoard)
        assert [tab.get_title(i) for i in range(2)] == ["登记", "跟进看板"]
        assert "crmkit-app" in tab._dom_classes
        assert app_layout(crm, lang="en", scoring="off").get_title(1) == "Lead board"
        with pytest.raises(ValueError, match="lang"):
            app_layout(crm, lang="de")


def _outputs(path: Path) -> tuple[list[dict], str]:
    nb = nbformat.read(path, as_version=4)
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = "\n".join(o.get("text", "") + json.dumps(o.get("data", {}), ensure_ascii=False) for o in outs)
    return outs, text


@pytest.mark.parametrize("name, widgets", [("entry.ipynb", 2), ("explore.ipynb", 2)])
def test_widget_notebook_runs_in_a_kernel(name, widgets, store_url, tmp_path):
    import papermill

    out = tmp_path / name
    papermill.execute_notebook(str(NOTEBOOKS / name), str(out), cwd=str(tmp_path), kernel_name="python3",
                               iopub_timeout=IOPUB_TIMEOUT,
                               parameters={"db_url": store_url, "lang": "zh"}, progress_bar=False)
    outs, text = _outputs(out)
    assert not [o for o in outs if o.get("output_type") == "error"]
    views = [o for o in outs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == widgets, text[:2000]
    assert "<crmkit.Store" in text and "crm.db" in text
    stderr = [o["text"] for o in outs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert not any("Traceback" in s or "error in widget callback" in s for s in stderr), stderr
