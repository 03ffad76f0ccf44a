"""Store.import_file against real databases (SQLite and PostgreSQL): users' files in, records out.

Every test writes a small file the way a sales team's tools write it (Excel's CSV in GBK, UTF-8
with a BOM, "Unicode text", .xlsx, a title row above the header …), imports it into the
``store`` fixture and checks what the store holds, what the report says, and that a file with
errors writes nothing. Expected values are written out by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmkit
from crmkit import FileFormatError, ImportValidationError
from crmkit.schema import TABLES

CUSTOMERS = TABLES["customers"]


# --------------------------------------------------------------------------- writing files


def write_csv(path: Path, rows, *, encoding="utf-8", sep=",") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append([None if v == "" else v for v in row])
    wb.save(path)
    return path


def write(path: Path, rows) -> Path:
    return write_xlsx(path, rows) if path.suffix == ".xlsx" else write_csv(path, rows)


def with_title(rows, title="客户信息登记表", blank_lines=1):
    """A form's title (and blank lines) above the header, padded as Excel pads a CSV."""
    width = len(rows[0])
    return [[title] + [""] * (width - 1), *([[""] * width] * blank_lines), *rows]


# --------------------------------------------------------------------------- the data

CUSTOMER_HEADER = ["客户编号", "客户名称", "客户类型", "客户级别", "区域", "业务负责人", "联系电话", "电子邮件",
                   "建档日期", "信用额度", "备注"]
CUSTOMER_ROWS = [
    ["001", "上海甲贸易有限公司", "客户", "A级", "华东", "张三", "13800000001", "a@jia.cn", "2023/01/01", "1,000.50", "老客户"],
    ["002", "北京乙科技", "合作伙伴", "B", "华北", "李四", "13800000002", "", "2023年2月1日", "￥2,000", ""],
    ["007", "广州丙公司", "供应商", "C级", "华南", "王五", "", "c@bing.cn", "2023-3-1", "0", "'=注意"],
]
# What the store must hold after importing CUSTOMER_ROWS, written out by hand.
CUSTOMERS_EXPECTED = {
    "customer_id": ["001", "002", "007"],
    "name": ["上海甲贸易有限公司", "北京乙科技", "广州丙公司"],
    "customer_type": ["customer", "partner", "supplier"],
    "value_grade": ["A", "B", "C"],
    "region": ["华东", "华北", "华南"],
    "owner": ["张三", "李四", "王五"],
    "phone": ["13800000001", "13800000002", None],
    "email": ["a@jia.cn", None, "c@bing.cn"],
    "created_at": [pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 2, 1), pd.Timestamp(2023, 3, 1)],
    "credit_limit": [1000.5, 2000.0, 0.0],
    "notes": ["老客户", None, "=注意"],
}
# The same records as an .xlsx gives them: real dates and numbers in the cells.
CUSTOMER_XLSX_ROWS = [
    ["001", "上海甲贸易有限公司", "客户", "A级", "华东", "张三", "13800000001", "a@jia.cn", dt.datetime(2023, 1, 1), 1000.5, "老客户"],
    ["002", "北京乙科技", "合作伙伴", "B", "华北", "李四", "13800000002", "", dt.datetime(2023, 2, 1), 2000, ""],
    ["007", "广州丙公司", "供应商", "C级", "华南", "王五", "", "c@bing.cn", dt.datetime(2023, 3, 1), 0, "'=注意"],
]

INTERACTION_HEADER = ["客户编号", "日期", "方式", "销售顾问", "目的", "结果", "下次跟进日期", "留资"]
INTERACTION_ROWS = [
    ["001", "2023/1/5 10:30", "拜访", "张三", "介绍新品", "有兴趣", "2023/1/12", "是"],
    ["002", "2023-01-06 14:00:15", "电话", "李四", "回访", "", "", "否"],
    ["", "2023年1月7日 9:05", "来店", "张三", "看车", "留了电话", "", "Y"],
]
ORDER_HEADER = ["订单编号", "客户编号", "交易日期", "金额", "毛利", "产品", "数量", "销售顾问"]
ORDER_ROWS = [
    ["S001", "001", "2023/2/1 09:00", "12,345.67", "1,000.10", "轿车", "1", "张三"],
    ["S002", "007", "2023-02-02", "¥99.99", "-12.34", "配件", "3", "王五"],
]
SETTLEMENT_HEADER = ["结算编号", "客户编号", "结算日期", "应收金额", "实收金额", "未收金额", "结算人"]
SETTLEMENT_ROWS = [
    ["R1", "001", "2023/01/01", "1000", "800", "200", "张三"],  # the seed form's own example row
    ["R2", "002", "2023/01/02", "500.50", "500.50", "0", "李四"],
]

FILES = {  # table -> (header, rows)
    "customers": (CUSTOMER_HEADER, CUSTOMER_ROWS),
    "interactions": (INTERACTION_HEADER, INTERACTION_ROWS),
    "orders": (ORDER_HEADER, ORDER_ROWS),
    "settlements": (SETTLEMENT_HEADER, SETTLEMENT_ROWS),
}


def import_rows(store, tmp_path, table, header, rows, name=None, **kw):
    path = write_csv(tmp_path / (name or f"{table}.csv"), [header, *rows])
    return store.import_file(path, table=table, **kw)


def import_all(store, tmp_path):
    for table, (header, rows) in FILES.items():
        report = import_rows(store, tmp_path, table, header, rows)
        assert report.inserted == len(rows), report


def as_plain(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series.astype(object)]


def assert_customers_as_expected(frame: pd.DataFrame, expected=CUSTOMERS_EXPECTED):
    frame = frame.sort_values("customer_id").reset_index(drop=True)
    for column, values in expected.items():
        assert as_plain(frame[column]) == values, column


def snapshot(store) -> dict:
    """Everything an import could change: counts, history and every table (deleted rows included)."""
    return {
        "counts": store.counts(),
        "history": store.history(),
        **{name: store.read(name, include_deleted=True) for name in TABLES},
    }


def assert_same_snapshot(before: dict, after: dict):
    assert after["counts"] == before["counts"]
    for key in before:
        if key != "counts":
            pd.testing.assert_frame_equal(after[key], before[key], obj=key)


# --------------------------------------------------------------------------- encodings and formats


@pytest.mark.parametrize("encoding, sep, suffix", [
    ("utf-8", ",", ".csv"),
    ("utf-8-sig", ",", ".csv"),  # Excel's "CSV UTF-8"
    ("gbk", ",", ".csv"),  # what Chinese Excel writes as plain "CSV"
    ("gb18030", ",", ".csv"),
    ("utf-16", "\t", ".txt"),  # Excel's "Unicode text": UTF-16 with a BOM, tab separated
    ("utf-16", "\t", ".csv"),
])
def test_csv_in_the_encodings_chinese_excel_writes(store, tmp_path, encoding, sep, suffix):
    path = write_csv(tmp_path / f"客户{suffix}", [CUSTOMER_HEADER, *CUSTOMER_ROWS], encoding=encoding, sep=sep)
    report = store.import_file(path, table="customers")
    assert report.ok and report.written
    assert (report.rows_read, report.inserted, report.updated, report.unchanged) == (3, 3, 0, 0)
    assert report.header_row == 1
    assert report.ignored_columns == []
    assert_customers_as_expected(store.customers())


def test_gb18030_characters_beyond_gbk_survive(store, tmp_path):
    rows = [CUSTOMER_HEADER, ["001", "𠮷野家餐饮", "客户", "A", "华东", "张三", "", "", "2023/1/1", "1", "鿰"]]
    raw = io.StringIO()
    csv.writer(raw).writerows(rows)
    with pytest.raises(UnicodeEncodeError):
        raw.getvalue().encode("gbk")  # really beyond GBK
    path = write_csv(tmp_path / "gb18030.csv", rows, encoding="gb18030")
    store.import_file(path, table="customers")
    got = store.customers()
    assert as_plain(got["name"]) == ["𠮷野家餐饮"]
    assert as_plain(got["notes"]) == ["鿰"]


def test_xlsx_with_chinese_headers_and_native_cells(store, tmp_path):
    path = write_xlsx(tmp_path / "客户档案.xlsx", [CUSTOMER_HEADER, *CUSTOMER_XLSX_ROWS])
    report = store.import_file(path, table="客户档案")  # the table by its Chinese name
    assert report.table == "customers"
    assert report.inserted == 3
    assert_customers_as_expected(store.customers())


def test_xlsx_ids_typed_as_numbers_become_text(store, tmp_path):
    path = write_xlsx(tmp_path / "ids.xlsx", [["客户编号", "客户名称"], [1, "甲"], [2.0, "乙"], ["003", "丙"]])
    store.import_file(path, table="customers")
    assert as_plain(store.customers()["customer_id"]) == ["003", "1", "2"]


def test_english_headers(store, tmp_path):
    header = ["customer_id", "name", "customer_type", "value_grade", "region", "owner", "phone", "email",
              "created_at", "credit_limit", "notes"]
    report = import_rows(store, tmp_path, "customers", header, CUSTOMER_ROWS)
    assert report.inserted == 3 and report.ignored_columns == []
    assert_customers_as_expected(store.customers())


def test_header_variants_and_unknown_columns(store, tmp_path):
    header = ["Customer ID", " 客户全称 ", "客户等级", "信用额度（元）", "邮箱", "微信群"]
    rows = [["001", "甲", "a", "1,000", "x@y.cn", "群1"]]
    report = import_rows(store, tmp_path, "customers", header, rows)
    assert report.columns == {"Customer ID": "customer_id", "客户全称": "name", "客户等级": "value_grade",
                              "信用额度（元）": "credit_limit", "邮箱": "email"}
    assert report.ignored_columns == ["微信群"]
    got = store.customers()
    assert as_plain(got["name"]) == ["甲"] and as_plain(got["credit_limit"]) == [1000.0]
    assert as_plain(got["value_grade"]) == ["A"] and as_plain(got["email"]) == ["x@y.cn"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_title_row_above_the_header(store, tmp_path, suffix):
    rows = with_title([CUSTOMER_HEADER, *(CUSTOMER_XLSX_ROWS if suffix == ".xlsx" else CUSTOMER_ROWS)])
    path = write(tmp_path / f"titled{suffix}", rows)
    report = store.import_file(path, table="customers")
    assert report.header_row == 3
    assert report.inserted == 3
    assert_customers_as_expected(store.customers())


@pytest.mark.parametrize("sep", [",", "\t"], ids=["comma", "tab"])
def test_a_title_line_without_trailing_separators(store, tmp_path, sep):
    path = tmp_path / "ragged.csv"
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows([CUSTOMER_HEADER, *CUSTOMER_ROWS])
    path.write_text("客户信息登记表\n\n" + buf.getvalue(), encoding="utf-8")
    report = store.import_file(path, table="customers")
    assert report.header_row == 3 and report.inserted == 3
    assert_customers_as_expected(store.customers())


def test_a_user_column_mapping(store, tmp_path):
    header = ["Nr", "Kunde", "Stufe", "Seit", "Limit"]
    rows = [["001", "上海甲贸易有限公司", "A级", "2023/1/1", "1,000.50"], ["002", "北京乙科技", "B", "2023年2月1日", "¥2,000"]]
    path = write_csv(tmp_path / "mapped.csv", [header, *rows])
    report = store.import_file(path, table="customers", columns={
        "Kunde": "name", "Nr": "customer_id", "Stufe": "value_grade", "Seit": "created_at", "Limit": "credit_limit"})
    assert report.inserted == 2
    got = store.customers()
    assert as_plain(got["name"]) == ["上海甲贸易有限公司", "北京乙科技"]
    assert as_plain(got["value_grade"]) == ["A", "B"]
    assert as_plain(got["created_at"]) == [pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 2, 1)]
    assert as_plain(got["credit_limit"]) == [1000.5, 2000.0]


def test_a_mapping_to_an_unknown_column_is_a_file_format_error(store, tmp_path):
    path = write_csv(tmp_path / "m.csv", [["Nr", "Kunde"], ["1", "甲"]])
    before = snapshot(store)
    with pytest.raises(FileFormatError) as err:
        store.import_file(path, table="customers", columns={"Kunde": "kunde_name", "Nr": "customer_id"})
    assert "kunde_name" in str(err.value)
    assert_same_snapshot(before, snapshot(store))


def test_a_file_without_the_required_columns_is_a_file_format_error(store, tmp_path):
    path = write_csv(tmp_path / "noname.csv", [["客户编号", "区域"], ["001", "华东"]])
    with pytest.raises(FileFormatError) as err:
        store.import_file(path, table="customers")
    assert "name" in str(err.value) and "客户名称" in str(err.value)
    assert store.counts()["customers"] == 0


def test_an_unreadable_encoding_is_a_file_format_error(store, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("客户编号,客户名称\n001,甲\n".encode("utf-8") + b"\x80\xff\xfe\x81\n")
    with pytest.raises(FileFormatError):
        store.import_file(path, table="customers")
    assert store.counts()["customers"] == 0


# --------------------------------------------------------------------------- bad input: problems, nothing written

# Each case: a file whose rows 2 and 3 (after the header in row 1) are good and would change the store,
# and whose row 4 has exactly one problem. Expected: (column as written, value, words in the reason).
BAD_CASES = {
    "unknown grade": ("customers", ["客户编号", "客户名称", "客户级别"],
                      [["010", "新客户", "A"], ["001", "上海甲贸易(改名)", "A"], ["011", "坏客户", "Q"]],
                      ("客户级别", "Q", ["Q", "allowed", "A (A级)", "E (E级)"])),
    "unparseable date": ("customers", ["客户编号", "客户名称", "建档日期"],
                         [["010", "新客户", "2023/3/1"], ["001", "上海甲贸易(改名)", "2023/1/1"],
                          ["011", "坏客户", "2023-02-30"]],
                         ("建档日期", "2023-02-30", ["date", "2023-02-30"])),
    "negative amount": ("orders", ["订单编号", "客户编号", "交易日期", "金额"],
                        [["S010", "001", "2023/3/1", "100"], ["S011", "002", "2023/3/2", "1,000"],
                         ["S012", "007", "2023/3/3", "-500"]],
                        ("金额", "-500", ["negative", "-500"])),
    "settlement does not add up": ("settlements", SETTLEMENT_HEADER,
                                   [["R10", "001", "2023/01/01", "1000", "800", "200", "张三"],
                                    ["R11", "002", "2023/01/02", "500", "", "500", "李四"],
                                    ["R12", "007", "2023/01/03", "1000", "800", "300", "王五"]],
                                   ("未收金额", 300, ["receivable", "received", "outstanding", "1000", "800", "300"])),
    "missing name": ("customers", ["客户编号", "客户名称", "客户级别"],
                     [["010", "新客户", "A"], ["001", "上海甲贸易(改名)", "A"], ["011", "  ", "C"]],
                     ("客户名称", None, ["missing", "name"])),
    "duplicate id": ("customers", ["客户编号", "客户名称", "客户级别"],
                     [["010", "新客户", "A"], ["001", "上海甲贸易(改名)", "A"], ["010", "又一个新客户", "C"]],
                     ("客户编号", "010", ["010", "already used in row {first_row}"])),
    "unknown customer in interactions": ("interactions", ["客户编号", "日期", "方式", "销售顾问"],
                                         [["001", "2023/3/1 10:00", "拜访", "张三"],
                                          ["002", "2023/3/2 11:00", "电话", "李四"],
                                          ["999", "2023/3/3 12:00", "微信", "王五"]],
                                         ("客户编号", "999", ["unknown customer", "999"])),
    "unknown customer in orders": ("orders", ["订单编号", "客户编号", "交易日期", "金额"],
                                   [["S010", "001", "2023/3/1", "100"], ["S011", "002", "2023/3/2", "200"],
                                    ["S012", "C999", "2023/3/3", "300"]],
                                   ("客户编号", "C999", ["unknown customer", "C999"])),
}


def _bad_file(tmp_path, case, title_rows, suffix=".csv"):
    table, header, rows, expected = BAD_CASES[case]
    content = [header, *rows]
    if title_rows:
        content = with_title(content, blank_lines=title_rows - 1)
    path = write(tmp_path / f"bad{suffix}", content)
    return table, path, expected


def _base(store, tmp_path):
    import_rows(store, tmp_path, "customers", CUSTOMER_HEADER, CUSTOMER_ROWS, name="base.csv")


# every case below a title and a blank line (rows shift by 2), two with the header in row 1
@pytest.mark.parametrize("case, title_rows", [*((case, 2) for case in BAD_CASES),
                                              ("unknown grade", 0), ("duplicate id", 0)])
def test_a_bad_row_is_reported_where_excel_shows_it_and_nothing_is_written(store, tmp_path, case, title_rows):
    _base(store, tmp_path)
    table, path, (column, value, words) = _bad_file(tmp_path, case, title_rows)
    before = snapshot(store)
    with pytest.raises(ImportValidationError) as err:
        store.import_file(path, table=table)
    report = err.value.report
    assert not report.ok and not report.written
    assert report.rows_read == 3
    assert len(report.errors) == 1, report.format_problems()
    problem = report.errors[0]
    assert problem.file == str(path)
    assert problem.row == 4 + title_rows
    assert problem.column == column
    assert problem.value == value
    for word in words:
        assert word.format(first_row=2 + title_rows) in problem.reason
    assert f"row {4 + title_rows}" in str(err.value)
    assert_same_snapshot(before, snapshot(store))


@pytest.mark.parametrize("case", ["unknown grade", "unparseable date", "negative amount"])
def test_a_bad_row_in_an_xlsx_is_reported_too(store, tmp_path, case):
    _base(store, tmp_path)
    table, path, (column, value, _words) = _bad_file(tmp_path, case, title_rows=2, suffix=".xlsx")
    before = snapshot(store)
    with pytest.raises(ImportValidationError) as err:
        store.import_file(path, table=table)
    [problem] = err.value.report.errors
    assert (problem.file, problem.row, problem.column, problem.value) == (str(path), 6, column, value)
    assert_same_snapshot(before, snapshot(store))


def test_every_problem_of_a_file_is_reported_at_once(store, tmp_path):
    rows = [["001", "甲", "Q", "2023-02-30", "-1"], ["002", "", "A", "2023/1/1", "5"], ["001", "丙", "B", "", ""]]
    path = write_csv(tmp_path / "many.csv", [["客户编号", "客户名称", "客户级别", "建档日期", "信用额度"], *rows])
    with pytest.raises(ImportValidationError) as err:
        store.import_file(path, table="customers")
    where = sorted((p.row, p.column) for p in err.value.report.errors)
    assert where == [(2, "信用额度"), (2, "客户级别"), (2, "建档日期"), (3, "客户名称"), (4, "客户编号")]
    frame = err.value.report.to_frame()
    assert list(frame.columns) == ["file", "row", "column", "value", "reason", "severity", "code"]
    assert len(frame) == 5
    # each problem carries a stable code beside its words
    assert sorted(zip(frame["row"], frame["code"])) == [(2, "bad_date"), (2, "negative"), (2, "unknown_choice"),
                                                        (3, "required"), (4, "duplicate_id")]
    assert store.counts()["customers"] == 0 and store.history().empty


def test_received_more_than_receivable_is_a_warning_not_an_error(store, tmp_path):
    _base(store, tmp_path)
    report = import_rows(store, tmp_path, "settlements", ["客户编号", "结算日期", "应收金额", "实收金额"],
                         [["001", "2023/1/1", "100", "120"]])
    assert report.ok and report.inserted == 1
    [warning] = report.warnings
    assert warning.row == 2 and warning.column == "实收金额" and "more than" in warning.reason


def test_outstanding_is_computed_when_the_file_has_none(store, tmp_path):
    _base(store, tmp_path)
    import_rows(store, tmp_path, "settlements", ["客户编号", "结算日期", "应收金额", "实收金额"],
                [["001", "2023/1/1", "1,000", "800"], ["002", "2023/1/2", "500", ""]])
    got = store.settlements().sort_values("customer_id")
    assert as_plain(got["outstanding"]) == [200.0, 500.0]


# --------------------------------------------------------------------------- on_error="skip"

SKIP_EXPECTED = {  # case -> (inserted, updated) from the two good rows, and the bad row's (column, value)
    "unknown grade": (1, 1, ("customer_id", "011")),
    "unparseable date": (1, 1, ("customer_id", "011")),
    "negative amount": (2, 0, ("order_id", "S012")),
    "settlement does not add up": (2, 0, ("settlement_id", "R12")),
    "missing name": (1, 1, ("customer_id", "011")),
    "duplicate id": (1, 1, ("name", "又一个新客户")),
    "unknown customer in interactions": (2, 0, ("customer_id", "999")),
    "unknown customer in orders": (2, 0, ("customer_id", "C999")),
}


@pytest.mark.parametrize("case", list(SKIP_EXPECTED))
def test_on_error_skip_imports_only_the_good_rows(store, tmp_path, case):
    _base(store, tmp_path)
    table, path, (column, _value, _words) = _bad_file(tmp_path, case, title_rows=0)
    before = store.counts()
    history_before = len(store.history())
    report = store.import_file(path, table=table, on_error="skip")
    inserted, updated, (bad_field, bad_value) = SKIP_EXPECTED[case]
    assert report.written
    assert (report.rows_read, report.inserted, report.updated, report.unchanged, report.skipped) == \
        (3, inserted, updated, 0, 1)
    assert [(p.row, p.column) for p in report.errors] == [(4, column)]
    after = store.counts()
    assert after[table] == before[table] + inserted
    assert {k: v for k, v in after.items() if k != table} == {k: v for k, v in before.items() if k != table}
    assert len(store.history()) == history_before + inserted + updated  # one field changed per updated record
    frame = store.read(table)
    assert bad_value not in set(frame[bad_field].dropna().astype(str))
    if table == "customers":
        names = dict(zip(frame["customer_id"], frame["name"]))
        assert names["010"] == "新客户"  # of duplicate rows, the first one is kept
        assert names["001"] == "上海甲贸易(改名)"


def test_on_error_must_be_raise_or_skip(store, tmp_path):
    path = write_csv(tmp_path / "c.csv", [CUSTOMER_HEADER, *CUSTOMER_ROWS])
    with pytest.raises(ValueError):
        store.import_file(path, table="customers", on_error="ignore")


# --------------------------------------------------------------------------- importing again


def test_importing_the_same_files_twice_changes_nothing(store, tmp_path):
    import_all(store, tmp_path)
    history = store.history()
    frames = {t: store.read(t) for t in FILES}
    assert all((frames[t]["version"] == 1).all() for t in FILES)
    for table, (header, rows) in FILES.items():
        report = import_rows(store, tmp_path, table, header, rows)
        assert (report.inserted, report.updated, report.unchanged) == (0, 0, len(rows)), (table, str(report))
    pd.testing.assert_frame_equal(store.history(), history)
    for table in FILES:
        pd.testing.assert_frame_equal(store.read(table), frames[table], obj=table)


def test_importing_the_same_xlsx_twice_changes_nothing(store, tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", [CUSTOMER_HEADER, *CUSTOMER_XLSX_ROWS])
    store.import_file(path, table="customers")
    history = store.history()
    report = store.import_file(path, table="customers")
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 3)
    pd.testing.assert_frame_equal(store.history(), history)
    # the same records from a CSV are the same records too
    report = import_rows(store, tmp_path, "customers", CUSTOMER_HEADER, CUSTOMER_ROWS)
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 3)


@pytest.mark.parametrize("header, new_cell, field, old, new", [
    ("客户名称", "北京乙科技有限公司", "name", "北京乙科技", "北京乙科技有限公司"),
    ("信用额度", "2,500.75", "credit_limit", 2000.0, 2500.75),
    ("建档日期", "2023/2/15", "created_at", pd.Timestamp(2023, 2, 1), pd.Timestamp(2023, 2, 15)),
    ("客户级别", "D级", "value_grade", "B", "D"),
])
def test_changing_one_cell_updates_exactly_that_record(store, tmp_path, header, new_cell, field, old, new):
    import_rows(store, tmp_path, "customers", CUSTOMER_HEADER, CUSTOMER_ROWS)
    before = store.customers().set_index("customer_id")
    history_before = store.history()
    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[1][CUSTOMER_HEADER.index(header)] = new_cell  # customer 002
    report = import_rows(store, tmp_path, "customers", CUSTOMER_HEADER, rows, name="changed.csv")
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)

    after = store.customers().set_index("customer_id")
    assert after.at["002", field] == new
    assert after.at["002", "version"] == before.at["002", "version"] + 1
    assert list(after.loc[["001", "007"], "version"]) == list(before.loc[["001", "007"], "version"])
    unchanged = after.drop(columns=[field, "version"])
    pd.testing.assert_frame_equal(unchanged, before.drop(columns=[field, "version"]))

    new_history = store.history().iloc[len(history_before):]
    assert len(new_history) == 1
    entry = new_history.iloc[0]
    assert (entry["table_name"], entry["record_id"], entry["op"], entry["field"]) == \
        ("customers", "002", "update", field)
    if isinstance(old, float):
        assert float(entry["old_value"]) == old and float(entry["new_value"]) == new
    elif isinstance(old, pd.Timestamp):
        assert pd.Timestamp(entry["old_value"]) == old and pd.Timestamp(entry["new_value"]) == new
    else:
        assert (entry["old_value"], entry["new_value"]) == (old, new)
    assert entry["changed_by"] == "tester"


def test_a_file_without_an_email_column_keeps_the_stored_emails(store, tmp_path):
    import_rows(store, tmp_path, "customers", CUSTOMER_HEADER, CUSTOMER_ROWS)
    report = import_rows(store, tmp_path, "customers", ["客户编号", "客户名称", "区域"],
                         [["001", "上海甲贸易有限公司", "华东"], ["002", "北京乙科技", "东北"], ["007", "广州丙公司", "华南"]],
                         name="partial.csv")
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    expected = dict(CUSTOMERS_EXPECTED, region=["华东", "东北", "华南"])
    assert_customers_as_expected(store.customers(), expected)  # emails, phones, grades, notes … all kept


def test_an_empty_cell_in_a_present_column_does_clear_the_value(store, tmp_path):
    import_rows(store, tmp_path, "customers", CUSTOMER_HEADER, CUSTOMER_ROWS)
    import_rows(store, tmp_path, "customers", ["客户编号", "客户名称", "电子邮件"], [["001", "上海甲贸易有限公司", ""]],
                name="clear.csv")
    got = store.customers().set_index("customer_id")
    assert pd.isna(got.at["001", "email"]) and got.at["007", "email"] == "c@bing.cn"


def test_a_record_deleted_in_the_store_stays_deleted_on_reimport(store, tmp_path):
    import_rows(store, tmp_path, "customers", CUSTOMER_HEADER, CUSTOMER_ROWS)
    store.delete("customers", "002")
    history = store.history()
    report = import_rows(store, tmp_path, "customers", CUSTOMER_HEADER, CUSTOMER_ROWS, name="again.csv")
    assert (report.inserted, report.updated, report.unchanged, report.skipped_deleted) == (0, 0, 2, 1)
    assert list(store.customers()["customer_id"]) == ["001", "007"]
    pd.testing.assert_frame_equal(store.history(), history)


def test_a_file_with_only_a_header_imports_nothing(store, tmp_path):
    report = import_rows(store, tmp_path, "customers", CUSTOMER_HEADER, [])
    assert report.ok and (report.rows_read, report.inserted) == (0, 0)
    assert store.counts()["customers"] == 0 and store.history().empty


def test_blank_lines_between_records_are_not_records(store, tmp_path):
    blank = [""] * len(CUSTOMER_HEADER)
    rows = [CUSTOMER_ROWS[0], blank, CUSTOMER_ROWS[1], blank, blank, CUSTOMER_ROWS[2], blank]
    report = import_rows(store, tmp_path, "customers", CUSTOMER_HEADER, rows)
    assert (report.rows_read, report.inserted) == (3, 3)
    assert_customers_as_expected(store.customers())
    # a problem after blank lines still names the row Excel shows
    bad = [list(r) for r in rows]
    bad[5][CUSTOMER_HEADER.index("客户级别")] = "Q"  # file row 7
    with pytest.raises(ImportValidationError) as err:
        import_rows(store, tmp_path, "customers", CUSTOMER_HEADER, bad, name="bad.csv")
    assert [(p.row, p.column, p.value) for p in err.value.report.errors] == [(7, "客户级别", "Q")]


def test_interactions_without_ids_get_stable_generated_ids(store, tmp_path):
    _base(store, tmp_path)
    header = ["客户编号", "日期", "方式", "销售顾问", "目的"]
    rows = [
        ["001", "2023/1/5 10:30", "拜访", "张三", "介绍新品"],
        ["001", "2023/1/5 10:30", "拜访", "张三", "介绍新品"],  # the same visit written twice: two records
        ["002", "2023/1/6 14:00", "电话", "李四", "回访"],
    ]
    first = import_rows(store, tmp_path, "interactions", header, rows)
    assert first.inserted == 3
    ids = list(store.interactions()["interaction_id"])
    assert len(set(ids)) == 3 and all(isinstance(i, str) and i for i in ids)
    history = store.history()

    again = import_rows(store, tmp_path, "interactions", header, rows, name="again.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert list(store.interactions()["interaction_id"]) == ids
    pd.testing.assert_frame_equal(store.history(), history)

    # the ids depend on the rows only, not on the database they go to
    with crmkit.open(f"sqlite:///{tmp_path / 'other.db'}", user="tester") as other:
        _base(other, tmp_path)
        import_rows(other, tmp_path, "interactions", header, rows, name="other.csv")
        assert sorted(other.interactions()["interaction_id"]) == sorted(ids)


def test_a_new_visit_added_to_the_file_is_the_only_insert(store, tmp_path):
    _base(store, tmp_path)
    header, rows = FILES["interactions"]
    import_rows(store, tmp_path, "interactions", header, rows)
    ids = set(store.interactions()["interaction_id"])
    more = [*rows, ["007", "2023/1/8 16:00", "微信", "王五", "报价", "", "", "否"]]
    report = import_rows(store, tmp_path, "interactions", header, more, name="more.csv")
    assert (report.inserted, report.updated, report.unchanged) == (1, 0, 3)
    assert ids < set(store.interactions()["interaction_id"])


def test_interactions_file_values(store, tmp_path):
    import_all(store, tmp_path)
    got = store.interactions().sort_values("occurred_at").reset_index(drop=True)
    assert as_plain(got["customer_id"]) == ["001", "002", None]
    assert as_plain(got["occurred_at"]) == [pd.Timestamp(2023, 1, 5, 10, 30), pd.Timestamp(2023, 1, 6, 14, 0, 15),
                                            pd.Timestamp(2023, 1, 7, 9, 5)]
    assert as_plain(got["channel"]) == ["visit", "phone", "walk_in"]
    assert as_plain(got["left_contact"]) == [True, False, True]
    assert as_plain(got["next_date"]) == [pd.Timestamp(2023, 1, 12), None, None]
    orders = store.orders()
    assert as_plain(orders["amount"]) == [12345.67, 99.99]
    assert as_plain(orders["gross_margin"]) == [1000.1, -12.34]
    assert as_plain(orders["quantity"]) == [1, 3]
    settlements = store.settlements()
    assert as_plain(settlements["outstanding"]) == [200.0, 0.0]


# --------------------------------------------------------------------------- cells that once crashed the import


def test_a_far_future_date_is_a_problem_not_a_crash(store, tmp_path):
    # 9999-12-31 is the usual "no end date"; pandas' nanosecond timestamps end in 2262
    path = write_csv(tmp_path / "far.csv", [["客户编号", "客户名称", "建档日期"], ["001", "甲", "9999-12-31"]])
    with pytest.raises(ImportValidationError) as err:
        store.import_file(path, table="customers")
    [problem] = err.value.report.errors
    assert (problem.row, problem.column, problem.value) == (2, "建档日期", "9999-12-31")
    assert store.counts()["customers"] == 0


def test_an_xlsx_time_cell_is_imported_as_text(store, tmp_path):
    # calamine hands a time-of-day cell over as datetime.time
    path = write_xlsx(tmp_path / "time.xlsx", [["客户编号", "客户名称", "备注"], ["001", "甲", dt.time(10, 30)]])
    store.import_file(path, table="customers")
    assert as_plain(store.customers()["notes"]) in (["10:30"], ["10:30:00"])


# --------------------------------------------------------------------------- garbage in: a report, never a crash

PLAUSIBLE_CELLS = ["001", "007", " 42 ", "A", "b级", "Q", "客户", "伙伴", "活跃", "华东", "2023/1/1", "2023年2月30日",
                   "2023-01-01T10:30:00", "44927", "1,000.50", "¥-5", "-3", "是", "否", "", " ", "'=SUM(A1)", "=1+1",
                   "@all", "+86 138", "上海甲贸易有限公司", "a@b.cn", "\n", "NaN", "null", "None", "#N/A"]
# No lone surrogates: a file cannot hold them in any encoding.
CELL_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=15)


@st.composite
def customer_files(draw):
    optional = [c for c in CUSTOMERS.columns if c.name not in ("customer_id", "name")]
    extra = draw(st.lists(st.sampled_from(optional), unique_by=lambda c: c.name, max_size=5))
    columns = [CUSTOMERS["customer_id"], CUSTOMERS["name"], *extra]
    columns = draw(st.permutations(columns))
    header = [draw(st.sampled_from(c.headers)) for c in columns]
    cell = st.one_of(CELL_TEXT, st.sampled_from(PLAUSIBLE_CELLS))
    rows = draw(st.lists(st.lists(cell, min_size=len(columns), max_size=len(columns)), min_size=1, max_size=6))
    return header, rows


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=customer_files(), on_error=st.sampled_from(["raise", "skip"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_property_garbage_files_give_a_report_never_a_crash(data, on_error, encoding):
    header, rows = data
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with crmkit.open(f"sqlite:///{tmp / 'crm.db'}", user="tester") as store:
            _base(store, tmp)
            path = write_csv(tmp / "garbage.csv", [header, *rows], encoding=encoding,
                             sep="\t" if encoding == "utf-16" else ",")
            before, history_before = store.counts(), len(store.history())
            try:
                report = store.import_file(path, table="customers", on_error=on_error)
            except (ImportValidationError, FileFormatError) as err:
                assert on_error == "raise" or isinstance(err, FileFormatError)
                if isinstance(err, ImportValidationError):
                    assert err.report.errors and all(p.row >= 2 for p in err.report.errors)
                assert store.counts() == before
                assert len(store.history()) == history_before
            else:
                assert report.written
                assert report.inserted + report.updated + report.unchanged + report.skipped == report.rows_read
                assert on_error == "skip" or report.skipped == 0
                assert report.skipped == len({p.row for p in report.errors})
                after = store.counts()
                assert after["customers"] == before["customers"] + report.inserted
                assert len(store.history()) >= history_before + report.inserted + report.updated


# --------------------------------------------------------------------------- round trip through an export

ROUND_TRIP_CUSTOMERS = [
    ["客户编号", "客户名称", "客户类型", "客户级别", "区域", "业务负责人", "联系电话", "电子邮件", "建档日期", "信用额度",
     "注册资金", "备注", "标签"],
    ["007", "上海甲贸易有限公司", "客户", "A", "华东", "张三", "+86 138 0000 0001", "a@jia.cn", "2023/01/01", "1,234.56",
     "1000000", "'=SUM(A1)", "'+VIP"],
    ["0010", "北京乙科技（北京）有限公司", "合作伙伴", "E", "华北", "李四", "010-12345678", "", "2024年2月29日", "0.01",
     "", "'-折扣客户", "'@所有人"],
    ["C-3", "广州\"丙\"公司, 分部", "供应商", "C", "", "", "", "", "", "", "", "多行\n备注", ""],
]
ROUND_TRIP_INTERACTIONS = [
    ["客户编号", "日期", "方式", "销售顾问", "目的", "结果", "下次跟进日期", "留资"],
    ["007", "2023/1/5 10:30:15", "拜访", "张三", "介绍新品", "=有兴趣", "2023/1/12", "是"],
    ["0010", "2023-01-06 23:59:59", "微信", "李四", "回访", "", "", "否"],
    ["", "2023年1月7日 9:05", "来店", "张三", "看车", "留了电话", "", ""],
]
ROUND_TRIP_ORDERS = [
    ["订单编号", "客户编号", "交易日期", "金额", "毛利", "产品", "数量", "销售顾问"],
    ["S001", "007", "2023/2/1 09:00:01", "12,345.67", "-0.01", "轿车", "1", "张三"],
    ["S002", "0010", "2023-02-02", "99.99", "1,000.10", "配件", "", "李四"],
]
ROUND_TRIP_SETTLEMENTS = [
    ["结算编号", "客户编号", "结算日期", "应收金额", "实收金额", "未收金额", "到期日", "结算人"],
    ["R1", "007", "2023/01/01", "1000", "800", "200", "2023/3/31", "张三"],
    ["R2", "0010", "2023/01/02", "500.55", "", "500.55", "", ""],
]


def _comparable(frame: pd.DataFrame, table) -> pd.DataFrame:
    """Free-text categories read back with the categories in order of appearance; compare their values."""
    frame = frame.copy()
    for col in table.columns:
        if col.kind == "category":
            frame[col.name] = frame[col.name].astype(object).astype(pd.StringDtype())
    return frame


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_import_export_import_gives_the_same_records(store, tmp_path, suffix):
    sources = {"customers": ROUND_TRIP_CUSTOMERS, "interactions": ROUND_TRIP_INTERACTIONS,
               "orders": ROUND_TRIP_ORDERS, "settlements": ROUND_TRIP_SETTLEMENTS}
    for table, rows in sources.items():
        report = store.import_file(write_csv(tmp_path / f"in-{table}.csv", rows), table=table)
        assert report.inserted == len(rows) - 1
    customers = store.customers().set_index("customer_id")
    # the source data really holds what the round trip must keep
    assert customers.at["007", "notes"] == "=SUM(A1)" and customers.at["0010", "tags"] == "@所有人"
    assert customers.at["0010", "created_at"] == pd.Timestamp(2024, 2, 29)
    assert customers.at["007", "credit_limit"] == 1234.56

    with crmkit.open(f"sqlite:///{tmp_path / 'copy.db'}", user="tester") as copy:
        for table in sources:
            out = tmp_path / f"out-{table}{suffix}"
            written = store.export(table, out, lang="zh")
            assert Path(written).exists()
            report = copy.import_file(written, table=table)
            assert report.ok and report.inserted == len(sources[table]) - 1, str(report)
        for table in sources:
            t = TABLES[table]
            pd.testing.assert_frame_equal(_comparable(copy.read(table), t), _comparable(store.read(table), t),
                                          obj=table)
        # and importing the export into the store it came from changes nothing
        for table in sources:
            report = store.import_file(tmp_path / f"out-{table}{suffix}", table=table)
            assert (report.inserted, report.updated) == (0, 0), (table, str(report))


def test_a_header_mapped_to_several_fields_feeds_each_of_them(store, tmp_path):
    path = write_csv(tmp_path / "accounts.csv", [["Account", "Phone"], ["Acme Corp", "5550100"], ["Globex", "bad"]])
    with pytest.raises(ImportValidationError) as err:
        store.import_file(path, "customers", columns={"Account": ["name", "customer_id"]})
    report = err.value.report
    assert report.columns == {"Account": "name, customer_id", "Phone": "phone"}
    assert [(p.row, p.column, p.code) for p in report.errors] == [(3, "Phone", "bad_format")]
    store.import_file(path, "customers", columns={"Account": ["name", "customer_id"]}, on_error="skip")
    assert store.customers()[["customer_id", "name"]].astype(str).values.tolist() == [["Acme Corp", "Acme Corp"]]
    # a single column still maps as before, and an unknown target is named
    with pytest.raises(FileFormatError, match="'Account' to 'nonsense'"):
        store.import_file(path, "customers", columns={"Account": ["name", "nonsense"]})
