"""pip users (pyproject.toml) and conda users (environment.yml) get the same dependencies."""

from __future__ import annotations

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


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = dict(_name_and_bound(s) for s in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_deps = dict(_name_and_bound(s) for s in env["dependencies"] if isinstance(s, str))
    conda_deps.pop("python")
    conda_deps.pop("pip")
    assert conda_deps == pip_deps


def test_import_crmkit_stays_light():
    # Heavy libraries load inside the functions that need them, so `import crmkit` is quick.
    code = "import sys, crmkit; print(','.join(m for m in ('matplotlib', 'sklearn', 'papermill', 'openpyxl') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
