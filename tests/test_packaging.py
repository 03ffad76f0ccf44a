"""pip users (pyproject.toml) and conda users (environment.yml) get the same dependencies."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name_and_bound(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", spec)
    name = m.group(1).lower().replace("_", "-")
    return name, m.group(3).replace(" ", "")


# conda-forge's names for the PyPI packages that are named differently there
CONDA_NAMES = {"python-build": "build"}


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = dict(_name_and_bound(s) for s in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_deps = {CONDA_NAMES.get(name, name): bound
                  for name, bound in (_name_and_bound(s) for s in env["dependencies"] if isinstance(s, str))}
    conda_deps.pop("python")
    conda_deps.pop("pip")
    assert conda_deps == pip_deps


def test_every_notebook_and_catalog_in_the_package_is_package_data():
    """A notebook or message catalog left out of [tool.setuptools.package-data] is missing from the
    wheel: an installed crmkit would not find it (.ci/wheel_check runs the wheel; this says which
    glob is missing)."""
    from fnmatch import fnmatch

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["crmkit"]
    data = [p.relative_to(ROOT / "crmkit").as_posix() for pattern in ("*.ipynb", "*.po", "*.mo")
            for p in (ROOT / "crmkit").rglob(pattern) if ".ipynb_checkpoints" not in p.parts]
    assert sum(d.endswith(".ipynb") for d in data) >= 6 and sum(d.endswith(".mo") for d in data) >= 1
    left_out = [n for n in data if not any(fnmatch(n, g) and n.count("/") == g.count("/") for g in globs)]
    assert not left_out, f"add to package-data: {left_out}"


def test_the_version_is_written_in_one_place():
    import importlib.metadata

    import crmkit

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "crmkit.__version__"}
    assert importlib.metadata.version("crmkit") == crmkit.__version__
    out = subprocess.run([sys.executable, "-m", "crmkit", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"crmkit {crmkit.__version__}"


def test_import_crmkit_stays_light():
    # Heavy libraries load inside the functions that need them, so `import crmkit` is quick.
    code = "import sys, crmkit; print(','.join(m for m in ('matplotlib', 'sklearn', 'papermill', 'openpyxl') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _packages():
    """crmkit and every package below it (walk_packages imports each package to look inside)."""
    import pkgutil

    import crmkit

    names = ["crmkit"] + [m.name for m in pkgutil.walk_packages(crmkit.__path__, "crmkit.") if m.ispkg]
    return [importlib.import_module(name) for name in names]


def test_every_package_lists_its_public_names_in_dir_and_each_resolves():
    packages = _packages()
    assert {"crmkit", "crmkit.value", "crmkit.close", "crmkit.widgets", "crmkit.reports", "crmkit.reports.content",
            "crmkit.demo"} <= {p.__name__ for p in packages}
    for package in packages:
        assert hasattr(package, "__all__"), f"{package.__name__} has no __all__"
        assert len(set(package.__all__)) == len(package.__all__), f"{package.__name__}.__all__ repeats a name"
        missing = set(package.__all__) - set(dir(package))
        assert not missing, f"dir({package.__name__}) leaves out {sorted(missing)}"
        for name in package.__all__:
            assert getattr(package, name) is not None, f"{package.__name__}.{name}"


def _type_checking_imports(package) -> dict[str, str]:
    """The names an ``if TYPE_CHECKING:`` block of the package's __init__ imports, each to its module."""
    tree = ast.parse(Path(package.__file__).read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    module = importlib.util.resolve_name("." * stmt.level + (stmt.module or ""), package.__name__)
                    found.update({alias.asname or alias.name: module for alias in stmt.names})
    return found


def test_lazy_names_are_public_and_imported_for_type_checkers():
    """A lazy name is in dir() but not yet in the package's namespace; editors only see it through the
    TYPE_CHECKING import, so the two lists must agree."""
    lazy_packages = []
    for package in _packages():
        lazy = set(dir(package)) - set(vars(package))
        typed = _type_checking_imports(package)
        assert lazy == set(typed), f"{package.__name__}: lazy {sorted(lazy)}, TYPE_CHECKING {sorted(typed)}"
        assert lazy <= set(package.__all__), package.__name__
        for name, module in typed.items():
            assert getattr(package, name) is getattr(importlib.import_module(module), name)
        lazy_packages += [package.__name__] if lazy else []
    assert {"crmkit.close", "crmkit.widgets", "crmkit.reports"} <= set(lazy_packages)


def test_a_lazy_name_that_a_submodule_would_shadow_is_refused():
    """Importing crmkit.close.backtest sets the package attribute ``backtest`` to the module, so a lazy
    function of that name would vanish the first time anyone imported the module."""
    import pytest

    from crmkit._lazy import attach

    with pytest.raises(ValueError, match="backtest"):
        attach("crmkit.close", {"backtest": ["backtest"]})


def test_lazy_packages_import_their_heavy_libraries_on_first_use():
    code = ("import sys, crmkit.widgets, crmkit.reports, crmkit.close\n"
            "heavy = ('matplotlib', 'sklearn', 'papermill', 'nbformat', 'ipywidgets', 'ipydatagrid')\n"
            "print(','.join(m for m in heavy if m in sys.modules))\n"
            "crmkit.close.CloseLikelihoodModel\n"
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["", "True"]
