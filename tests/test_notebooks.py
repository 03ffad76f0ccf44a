"""The notebooks run top to bottom in a real Jupyter kernel (papermill), on a demo store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import crmkit
from crmkit import demo

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('nb') / 'crm.db'}"
    data = demo.generate(n_customers=800, seed=3)
    with crmkit.open(url) as crm:
        demo.load_into(crm, data, history=False)
    return url


# the analysts' notebooks, and the report the package ships (crmkit/reports/)
SHIPPED = NOTEBOOKS.parent / "crmkit" / "reports"


@pytest.mark.parametrize("path", sorted([*NOTEBOOKS.glob("*.ipynb"), *SHIPPED.glob("*.ipynb")]), ids=lambda p: p.name)
def test_notebooks_are_committed_thin_and_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", []), "the first code cell is the parameters cell"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert max(len("".join(c["source"]).splitlines()) for c in code) <= 12, "logic belongs in the package"


def test_segmentation_notebook_runs_on_the_store(demo_store, tmp_path):
    import nbformat
    import papermill

    out = tmp_path / "segmentation.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "segmentation.ipynb"), str(out), cwd=str(NOTEBOOKS),
                               parameters={"db_url": demo_store, "as_of": "2026-09-30", "k": 3},
                               progress_bar=False, kernel_name="python3")
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


def test_close_likelihood_notebook_runs_on_the_store(demo_store, tmp_path):
    import nbformat
    import papermill

    out = tmp_path / "close_likelihood.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "close_likelihood.ipynb"), str(out), cwd=str(NOTEBOOKS),
                               parameters={"db_url": demo_store, "as_of": "2026-09-30"},
                               progress_bar=False, kernel_name="python3")
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(o.get("text", "") + json.dumps(o.get("data", {}), ensure_ascii=False)
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "scored at 2026-09-30" in text and "backtest at 2026-07-02" in text
    assert "odoo_naive_bayes" in text and "hand_grade" in text
    assert "价格" in text or "竞品" in text  # the lost-prospect reasons
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2
