"""The notebooks crmkit ships: thin, stripped, their parameters known to papermill, and they run top to
bottom in a real Jupyter kernel (papermill), on a demo store."""

from __future__ import annotations

import ast
import json
import logging
from pathlib import Path

import pytest

import crmkit
from crmkit import demo
from crmkit.reports.execute import IOPUB_TIMEOUT  # a cell's outputs on a busy machine

PACKAGE = Path(crmkit.__file__).resolve().parent
# the analysts' notebooks, shipped in the package (crmkit/notebooks/, found with importlib.resources)
NOTEBOOKS = PACKAGE / "notebooks"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('nb') / 'crm.db'}"
    data = demo.generate(n_customers=800, seed=3)
    with crmkit.open(url) as crm:
        demo.load_into(crm, data, history=False)
    return url


# the analysts' notebooks and the report (crmkit/reports/); the app's (crmkit/widgets/) takes no parameters
THIN = sorted([*NOTEBOOKS.glob("*.ipynb"), *(PACKAGE / "reports").glob("*.ipynb")])
# every notebook anywhere in the package
EVERY = sorted(PACKAGE.rglob("*.ipynb"))


def test_the_analysts_notebooks_ship_in_the_package_and_have_no_second_copy_in_the_checkout():
    assert {p.name for p in NOTEBOOKS.glob("*.ipynb")} == {"entry.ipynb", "explore.ipynb", "segmentation.ipynb",
                                                         "close_likelihood.ipynb"}
    # where they were before they shipped: a copy there would drift from the one users get
    second = [p for p in (PACKAGE.parent / "notebooks").glob("*.ipynb") if p.name in {q.name for q in EVERY}]
    assert not second, second


@pytest.mark.parametrize("path", THIN, ids=lambda p: p.name)
def test_notebooks_are_committed_thin_and_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", []), "the first code cell is the parameters cell"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert max(len("".join(c["source"]).splitlines()) for c in code) <= 12, "logic belongs in the package"


def _assigned_names(source: str) -> list[str]:
    """The names a parameters cell sets, read by Python itself (not by papermill's pattern)."""
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign):
            names.append(node.target.id)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets]
    return names


@pytest.mark.parametrize("path", EVERY, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_papermill_help_notebook_lists_every_parameter_with_its_type_and_help(path):
    """What ``papermill --help-notebook`` prints comes from ``inspect_notebook``: a parameter written
    in a way papermill cannot read (``str | None``) is missing there, and passing it warns "Passed
    unknown parameter"."""
    import nbformat
    import papermill

    cells = [c for c in nbformat.read(path, as_version=4).cells if "parameters" in c.metadata.get("tags", [])]
    assigned = _assigned_names(cells[0].source) if cells else []
    inspected = papermill.inspect_notebook(str(path))
    assert list(inspected) == assigned
    for name, parameter in inspected.items():
        assert parameter["inferred_type_name"] not in ("", "None"), f"{name} has no type"
        assert parameter["help"].strip(), f"{name} has no help"


def test_segmentation_notebook_runs_on_the_store(demo_store, tmp_path, caplog):
    import nbformat
    import papermill

    caplog.set_level(logging.WARNING, logger="papermill")
    out = tmp_path / "segmentation.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "segmentation.ipynb"), str(out), cwd=str(tmp_path),
                               parameters={"db_url": demo_store, "as_of": "2026-09-30", "k": 3},
                               progress_bar=False, kernel_name="python3", iopub_timeout=IOPUB_TIMEOUT)
    assert "unknown parameter" not in caplog.text
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(o.get("text", "") + json.dumps(o.get("data", {}), ensure_ascii=False)
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "up to 2026-09-30" in text
    assert "silhouette" in text and "重要价值客户" in text
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4
    stderr = [o["text"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert not any("Glyph" in s and "missing" in s for s in stderr), stderr


def test_close_likelihood_notebook_runs_on_the_store(demo_store, tmp_path, caplog):
    import nbformat
    import papermill

    caplog.set_level(logging.WARNING, logger="papermill")
    out = tmp_path / "close_likelihood.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "close_likelihood.ipynb"), str(out), cwd=str(tmp_path),
                               parameters={"db_url": demo_store, "as_of": "2026-09-30"},
                               progress_bar=False, kernel_name="python3", iopub_timeout=IOPUB_TIMEOUT)
    assert "unknown parameter" not in caplog.text
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(o.get("text", "") + json.dumps(o.get("data", {}), ensure_ascii=False)
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "scored at 2026-09-30" in text and "backtest at 2026-07-02" in text
    assert "odoo_naive_bayes" in text and "hand_grade" in text
    assert "价格" in text or "竞品" in text  # the lost-prospect reasons
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2
