"""The store is the only door to the database: no module outside ``crmkit/store/`` touches the
connection, imports a database driver or holds SQL text (record rules could not hold there)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import crmkit

PACKAGE = Path(crmkit.__file__).parent
STORE = PACKAGE / "store"

# SQL as crmkit writes it: upper-case keywords in their usual pairs.
_SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|"
    r"\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX)\b|\bIS\s+(NOT\s+)?NULL\b|\bWHERE\s+\w+\s*(=|IN\b|LIKE\b)"
)
_PRIVATE_DOORS = {"_db", "_conn", "conn", "_target"}
_DRIVERS = ("adbc_driver", "sqlite3", "psycopg", "sqlalchemy")
_STORE_INSIDES = ("connection", "ddl", "merge", "frames", "query")


def leaks(source: str) -> list[str]:
    """Every way ``source`` reaches past the store: SQL text, the connection, a driver."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.search(node.value):
            found.append(f"line {node.lineno}: SQL text {node.value[:60]!r}")
        elif isinstance(node, ast.Attribute) and node.attr in _PRIVATE_DOORS:
            found.append(f"line {node.lineno}: reaches the connection through .{node.attr}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                if name.startswith(_DRIVERS) or any(f"store.{inner}" in name for inner in _STORE_INSIDES):
                    found.append(f"line {node.lineno}: imports {name}")
    return found


def _modules_outside_the_store() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if STORE not in p.parents)


@pytest.mark.parametrize("path", _modules_outside_the_store(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_outside_the_store_touches_the_database(path):
    assert leaks(path.read_text(encoding="utf-8")) == []


def test_the_walk_sees_the_whole_package():
    names = {str(p.relative_to(PACKAGE)) for p in _modules_outside_the_store()}
    assert {"importing.py", "rules.py", "widgets/editor.py", "widgets/picker.py", "widgets/fields.py",
            "reports/manifest.py", "reports/render.py", "reports/content/quality.py"} <= names
    assert not any(n.startswith("store/") for n in names)


@pytest.mark.parametrize("source", [
    'rows = db.arrow(f"SELECT {cols} FROM customers WHERE deleted_at IS NULL")',
    'crm._db.scalar(x)',
    'sql = "UPDATE customers SET name = ?"',
    'from crmkit.store.connection import Connection',
    'import adbc_driver_sqlite.dbapi',
    'where = f"{column} IS NOT NULL"',
])
def test_the_check_finds_each_kind_of_leak(source):
    assert leaks(source)


@pytest.mark.parametrize("source", [
    '"Select a customer from the list"',
    'text = "where the customer is"',
    'from crmkit.store import open, project_dir',
])
def test_the_check_leaves_ordinary_text_alone(source):
    assert leaks(source) == []
