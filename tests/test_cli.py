"""The crmkit command, run as a user runs it (a real process, a real SQLite file)."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd

import crmkit


def run(args, db_url, cwd=None):
    env = {**os.environ, "CRMKIT_DB_URL": db_url, "CRMKIT_USER": "cli-tester"}
    return subprocess.run([sys.executable, "-m", "crmkit", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def test_help_lists_the_commands(sqlite_url):
    out = run(["--help"], sqlite_url)
    assert out.returncode == 0
    for command in ("init", "demo", "import", "export"):
        assert command in out.stdout


def test_import_of_a_bad_file_exits_nonzero_names_row_column_value_and_writes_nothing(sqlite_url, tmp_path):
    path = tmp_path / "客户.csv"
    path.write_text("客户编号,客户名称,客户级别\n001,华信科技,A\n002,东方贸易,Q\n", encoding="gbk")
    problems = tmp_path / "problems.csv"
    out = run(["import", str(path), "--table", "customers", "--problems", str(problems)], sqlite_url)
    assert out.returncode == 1
    assert "row 3" in out.stderr and "客户级别" in out.stderr and "'Q'" in out.stderr
    assert "nothing was written" in out.stderr
    listed = pd.read_csv(problems, encoding="utf-8-sig")
    assert listed[["row", "column", "value"]].values.tolist() == [[3, "客户级别", "Q"]]
    crm = crmkit.open(sqlite_url)
    assert crm.counts()["customers"] == 0
    crm.close()


def test_skip_errors_imports_the_good_rows_and_export_writes_the_forms_headers(sqlite_url, tmp_path):
    path = tmp_path / "客户.csv"
    path.write_text("客户编号,客户名称,客户级别\n001,华信科技,A\n002,东方贸易,Q\n", encoding="utf-8-sig")
    out = run(["import", str(path), "--table", "客户档案", "--skip-errors"], sqlite_url)
    assert out.returncode == 0, out.stderr
    assert "1 inserted" in out.stdout and "1 skipped" in out.stdout
    target = tmp_path / "out.xlsx"
    out = run(["export", "customers", str(target)], sqlite_url)
    assert out.returncode == 0, out.stderr
    back = pd.read_excel(target, dtype=str, engine="calamine")
    assert list(back.columns[:3]) == ["客户编号", "客户名称", "助记"]
    assert back["客户编号"].tolist() == ["001"] and back["客户级别"].tolist() == ["A级"]


def test_column_mapping_from_the_command_line(sqlite_url, tmp_path):
    path = tmp_path / "kunden.csv"
    path.write_text("Nummer,Kunde\n0042,Müller GmbH\n", encoding="utf-8")
    out = run(["import", str(path), "-t", "customers", "--map", "Nummer=customer_id", "--map", "Kunde=name"], sqlite_url)
    assert out.returncode == 0, out.stderr
    crm = crmkit.open(sqlite_url)
    assert crm.customers()[["customer_id", "name"]].values.tolist() == [["0042", "Müller GmbH"]]
    crm.close()


def test_one_column_of_the_file_can_feed_several_fields(sqlite_url, tmp_path):
    # a CRM export with account names and no ids: the name is the customer's id too
    path = tmp_path / "accounts.csv"
    path.write_text("Account,Office\nAcme Corp,West\nGlobex,East\n", encoding="utf-8")
    args = ["import", str(path), "-t", "customers", "--map", "Account=name", "--map", "Account=customer_id",
            "--map", "Office=region"]
    out = run(args, sqlite_url)
    assert out.returncode == 0, out.stderr
    crm = crmkit.open(sqlite_url)
    got = crm.customers()[["customer_id", "name", "region"]].astype(str).values.tolist()
    assert got == [["Acme Corp", "Acme Corp", "West"], ["Globex", "Globex", "East"]]
    again = run(args, sqlite_url)  # the same file again changes nothing
    assert again.returncode == 0 and "2 unchanged" in again.stdout, again.stdout
    crm.close()


def test_unknown_table_is_a_clear_error(sqlite_url, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    out = run(["import", str(path), "--table", "nonsense"], sqlite_url)
    assert out.returncode == 1 and "unknown table 'nonsense'" in out.stderr
