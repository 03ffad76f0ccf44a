"""The credit_facts table (危险客户统计表): imported from the form's Chinese headers with the same
record rules, exported and imported back unchanged, edits kept in the history, and a settlement's
payment day (paid_at) read from its Chinese header."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

import crmkit
from crmkit import schema
from crmkit.exceptions import ImportValidationError, RecordValidationError

# The form as a rep keeps it: columns the table does not hold (危险客户名称, 主营项目, 负责人) are
# listed as not imported; the date column is the store's.
FORM = [
    ["危险客户名称", "客户编号", "主营项目", "负责人", "经营表现", "财务状况", "破产征兆", "记录日期", "解除日期"],
    ["华信科技", "001", "办公设备", "张伟", "订单量明显减少", "无", "", "2026/9/1", ""],
    ["东方贸易", "002", "五金", "李娜", "", "拖欠供应商货款", "法人代表失联", "2026年10月5日", ""],
    ["东方贸易", "002", "五金", "李娜", "门店关闭两家", "", "", "2026-03-01", "2026-06-30"],
]


def write_csv(path: Path, rows, encoding="utf-8-sig") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def with_customers(store):
    for cid, name in (("001", "华信科技"), ("002", "东方贸易")):
        store.add("customers", {"customer_id": cid, "name": name, "owner": "张伟"})
    return store


def test_the_table_is_found_by_its_chinese_names():
    for name in ("credit_facts", "危险客户统计表", "危险客户", "CREDIT_FACTS"):
        assert schema.table(name) is schema.CREDIT_FACTS
    assert schema.LOAD_ORDER.index("credit_facts") > schema.LOAD_ORDER.index("customers")


def test_the_form_imports_from_its_chinese_headers(with_customers, tmp_path):
    report = with_customers.import_file(write_csv(tmp_path / "危险客户.csv", FORM), table="危险客户统计表")
    assert report.inserted == 3 and report.ok, str(report)
    assert set(report.ignored_columns) == {"危险客户名称", "主营项目", "负责人"}
    facts = with_customers.read("credit_facts").sort_values("recorded_at")
    assert facts["fact_id"].str.startswith("W").all()  # ids made from the row's content
    assert facts["customer_id"].tolist() == ["002", "001", "002"]
    assert facts["recorded_at"].tolist() == [pd.Timestamp("2026-03-01"), pd.Timestamp("2026-09-01"),
                                             pd.Timestamp("2026-10-05")]
    assert facts["bankruptcy_signs"].tolist()[2] == "法人代表失联"
    assert facts["financial_condition"].tolist()[1] == "无"  # kept as written; the assessment reads it as nothing
    assert facts["cleared_at"].tolist()[0] == pd.Timestamp("2026-06-30")
    # importing the same form again changes nothing
    again = with_customers.import_file(tmp_path / "危险客户.csv", table="credit_facts")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_the_assessment_reads_the_imported_form(with_customers, tmp_path):
    from crmkit import credit

    with_customers.import_file(write_csv(tmp_path / "危险客户.csv", FORM), table="credit_facts")
    result = credit.assess(with_customers, as_of="2026-10-31")
    assert result["at_risk"].tolist() == [True, True]
    assert result.loc["001", "business_performance"] == "订单量明显减少"
    assert pd.isna(result.loc["001", "financial_condition"])  # "无" says nothing
    assert result.loc["002", "bankruptcy_signs"] == "法人代表失联"
    assert pd.isna(result.loc["002", "business_performance"])  # cleared on 2026-06-30


@pytest.mark.parametrize("row, column, code", [
    (["X", "001", "", "", "", "", "", "2026/9/1", ""], "business_performance", "required_one_of"),
    (["X", "001", "", "", "订单量明显减少", "", "", "", ""], "recorded_at", "required"),
    (["X", "999", "", "", "订单量明显减少", "", "", "2026/9/1", ""], "customer_id", "reference"),
    (["X", "001", "", "", "订单量明显减少", "", "", "2026/9/1", "2026/8/1"], "cleared_at", "date_order"),
])
def test_a_bad_row_is_named_and_nothing_is_written(with_customers, tmp_path, row, column, code):
    path = write_csv(tmp_path / "bad.csv", [FORM[0], FORM[1], row])
    with pytest.raises(ImportValidationError) as err:
        with_customers.import_file(path, table="credit_facts")
    problems = [(p.row, p.column, p.code) for p in err.value.report.errors]
    assert problems == [(3, schema.CREDIT_FACTS[column].zh, code)]  # the row as Excel numbers it, the file's header
    assert with_customers.count("credit_facts") == 0


def test_an_edit_is_checked_signed_and_kept_in_the_history(with_customers):
    fact = with_customers.add("credit_facts", {"customer_id": "001", "recorded_at": "2026-09-01",
                                               "financial_condition": "资金链紧张"})
    with pytest.raises(RecordValidationError, match="credit fact records nothing"):
        with_customers.update("credit_facts", fact["fact_id"], {"financial_condition": ""},
                              expected_version=fact["version"])
    cleared = with_customers.update("credit_facts", fact["fact_id"], {"cleared_at": "2026-10-15"},
                                    expected_version=fact["version"])
    assert cleared["version"] == 2
    history = with_customers.history("credit_facts", fact["fact_id"])
    change = history[history["field"] == "cleared_at"].iloc[0]
    assert change["changed_by"] == "tester" and str(change["new_value"]).startswith("2026-10-15")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_and_import_back_gives_the_same_records(with_customers, tmp_path, suffix):
    with_customers.import_file(write_csv(tmp_path / "form.csv", FORM), table="credit_facts")
    written = with_customers.export("危险客户", tmp_path / f"out{suffix}")
    with crmkit.open(f"sqlite:///{tmp_path / 'copy.db'}", user="tester") as copy:
        for cid in ("001", "002"):
            copy.add("customers", {"customer_id": cid, "name": cid})
        report = copy.import_file(written, table="credit_facts")
        assert report.ok and report.inserted == 3, str(report)
        columns = schema.CREDIT_FACTS.column_names
        mine = with_customers.read("credit_facts")[columns]
        theirs = copy.read("credit_facts")[columns]
        mine["recorded_by"] = mine["recorded_by"].astype(object)
        theirs["recorded_by"] = theirs["recorded_by"].astype(object)
        pd.testing.assert_frame_equal(theirs, mine)
    report = with_customers.import_file(written, table="credit_facts")
    assert (report.inserted, report.updated) == (0, 0)


def test_a_settlements_payment_day_reads_from_its_chinese_header(store, tmp_path):
    store.add("customers", {"customer_id": "001", "name": "客户A"})
    rows = [["客户名称", "客户编号", "结算日期", "应收金额", "实收金额", "未收金额", "到期日", "收款日期", "结算人"],
            ["客户A", "001", "2023/01/01", "1000", "1000", "0", "2023/01/31", "2023/02/03", "张三"],
            ["客户A", "001", "2023/01/10", "1500", "0", "1500", "2023/02/10", "", "李四"]]
    report = store.import_file(write_csv(tmp_path / "settle.csv", rows), table="settlements")
    assert report.ok and report.inserted == 2
    paid = store.settlements().sort_values("settled_at")["paid_at"].tolist()
    assert paid[0] == pd.Timestamp("2023-02-03") and pd.isna(paid[1])
