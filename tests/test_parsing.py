"""crmkit.parsing.parse: every column kind, the cells users really write, and properties.

Expected values here are written out by hand (or computed with the standard library from
the generated input), never by calling the code under test.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import parsing
from crmkit.schema import TABLES

CUSTOMERS, INTERACTIONS, ORDERS = TABLES["customers"], TABLES["interactions"], TABLES["orders"]

ID = CUSTOMERS["customer_id"]            # id
TEXT = CUSTOMERS["notes"]                # text
CATEGORY = CUSTOMERS["region"]           # category
GRADE = CUSTOMERS["value_grade"]         # enum A–E
CUSTOMER_TYPE = CUSTOMERS["customer_type"]  # enum with Chinese labels and aliases
CHANNEL = INTERACTIONS["channel"]        # enum with underscores (walk_in)
DATE = CUSTOMERS["created_at"]           # date
DATETIME = INTERACTIONS["occurred_at"]   # datetime
MONEY = CUSTOMERS["credit_limit"]        # money (>= 0)
NUMBER = ORDERS["gross_margin"]          # number (may be negative)
INTEGER = ORDERS["quantity"]             # integer
BOOL = INTERACTIONS["left_contact"]      # bool

ALL_KINDS = [ID, TEXT, CATEGORY, GRADE, CUSTOMER_TYPE, CHANNEL, DATE, DATETIME, MONEY, NUMBER, INTEGER, BOOL]
assert sorted({c.kind for c in ALL_KINDS}) == sorted(
    ["id", "text", "category", "enum", "date", "datetime", "money", "number", "integer", "bool"])

EXCEL_DAY_ZERO = dt.date(1899, 12, 30)  # valid for serials from 61 (1900-03-01) on


def parse_cells(cells, column, index=None):
    """Parse a list of raw cells; return (values as a list, {position: reason})."""
    raw = pd.Series(cells, dtype=object, index=index)
    try:
        parsed = parsing.parse(raw, column)
    except Exception as exc:  # parse promises never to raise on bad data
        error = exc
    else:
        error = None
    if error is not None:  # failing outside the except block keeps pandas' deep traceback out of the report
        pytest.fail(f"parse({cells!r}, {column.name}) raised {type(error).__name__}: {error}")
    assert list(parsed.values.index) == list(raw.index), "values must keep the cells' index"
    return parsed.values.tolist(), dict(parsed.reasons.items())


def parse_one(cell, column):
    values, reasons = parse_cells([cell], column)
    return values[0], reasons.get(0)


def is_na(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v))


def excel_serial(day: dt.date) -> int:
    """Excel's serial number of a day (1900 date system, with its fictitious 1900-02-29)."""
    if day >= dt.date(1900, 3, 1):
        return (day - EXCEL_DAY_ZERO).days
    return (day - dt.date(1899, 12, 31)).days


# ------------------------------------------------------------------ dates and datetimes

JAN1 = pd.Timestamp(2023, 1, 1)


@pytest.mark.parametrize("cell", [
    "2023/01/01", "2023/1/1", "2023-1-1", "2023-01-01", "2023年1月1日", "2023年01月01日", "2023.1.1",
    "2023 年 1 月 1 日", " 2023/1/1 ", "2023年1月1号",
    44927, 44927.0, "44927", "44927.0",
    dt.datetime(2023, 1, 1), dt.date(2023, 1, 1), pd.Timestamp("2023-01-01"), np.datetime64("2023-01-01"),
])
def test_date_formats_users_write_give_the_day(cell):
    value, reason = parse_one(cell, DATE)
    assert reason is None
    assert value == JAN1


@pytest.mark.parametrize("cell, expected", [
    ("2023/1/1 10:30", pd.Timestamp(2023, 1, 1, 10, 30)),
    ("2023/01/01 10:30:15", pd.Timestamp(2023, 1, 1, 10, 30, 15)),
    ("2023-1-1 9:05", pd.Timestamp(2023, 1, 1, 9, 5)),
    ("2023-01-01T10:30:00", pd.Timestamp(2023, 1, 1, 10, 30)),
    ("2023-01-01 10:30:45", pd.Timestamp(2023, 1, 1, 10, 30, 45)),
    ("2023年1月1日 10:30", pd.Timestamp(2023, 1, 1, 10, 30)),
    ("2023年1月1日 10时30分", pd.Timestamp(2023, 1, 1, 10, 30)),
    ("2023/1/1 10：30", pd.Timestamp(2023, 1, 1, 10, 30)),  # full-width colon
    ("2023.1.1 23:59:59", pd.Timestamp(2023, 1, 1, 23, 59, 59)),
    ("2023/1/1", pd.Timestamp(2023, 1, 1)),
    (44927.5, pd.Timestamp(2023, 1, 1, 12)),  # an Excel serial with a time of day
    ("44927.75", pd.Timestamp(2023, 1, 1, 18)),
    (dt.datetime(2023, 1, 1, 10, 30, 5), pd.Timestamp(2023, 1, 1, 10, 30, 5)),
])
def test_datetimes_keep_the_time_of_day(cell, expected):
    value, reason = parse_one(cell, DATETIME)
    assert reason is None
    assert value == expected


@pytest.mark.parametrize("cell", ["2023/1/1 10:30", "2023-01-01T23:59:59", 44927.75,
                                  dt.datetime(2023, 1, 1, 10, 30)])
def test_a_date_column_drops_the_time_of_day(cell):
    value, reason = parse_one(cell, DATE)
    assert reason is None
    assert value == JAN1


def test_datetimes_keep_whole_seconds_only():
    value, reason = parse_one("2023-01-01 10:30:15.750", DATETIME)
    assert reason is None
    assert value == pd.Timestamp(2023, 1, 1, 10, 30, 15)


@pytest.mark.parametrize("cell", ["2023-02-30", "2023/2/29", "2023-13-01", "2023/1/32", "abc", "13/13/2023",
                                  "明天", "2023年", "1/2/2023", "12:30", "--"])
@pytest.mark.parametrize("column", [DATE, DATETIME], ids=["date", "datetime"])
def test_invalid_dates_get_a_reason_naming_the_cell(cell, column):
    value, reason = parse_one(cell, column)
    assert is_na(value)
    assert reason is not None
    assert "date" in reason and cell in reason


@pytest.mark.parametrize("cell", [None, "", "   ", np.nan, pd.NA, pd.NaT, "\u3000"])
@pytest.mark.parametrize("column", [DATE, DATETIME], ids=["date", "datetime"])
def test_empty_date_cells_are_missing_without_a_reason(cell, column):
    value, reason = parse_one(cell, column)
    assert is_na(value)
    assert reason is None


def test_a_column_mixing_formats_parses_each_cell_and_keeps_the_index():
    cells = ["2023/1/1", 44928, dt.datetime(2023, 1, 3, 8, 0), "2023年1月4日", "bad", None, "2023-01-06T07:08:09"]
    index = [10, 11, 12, 13, 14, 15, 16]
    values, reasons = parse_cells(cells, DATETIME, index=index)
    assert values[:4] == [pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 1, 2),
                          pd.Timestamp(2023, 1, 3, 8), pd.Timestamp(2023, 1, 4)]
    assert is_na(values[4]) and is_na(values[5])
    assert values[6] == pd.Timestamp(2023, 1, 6, 7, 8, 9)
    assert set(reasons) == {14}


def test_an_already_typed_datetime_column_is_used_as_is():
    raw = pd.Series(pd.to_datetime(["2023-01-01 10:30:15", None]))
    parsed = parsing.parse(raw, DATE)
    assert parsed.values.tolist()[0] == JAN1
    assert is_na(parsed.values.tolist()[1])
    assert parsed.reasons.empty


@pytest.mark.parametrize("serial, expected", [
    (10000, dt.date(1927, 5, 18)), (36526, dt.date(2000, 1, 1)), (44927, dt.date(2023, 1, 1)),
    (45658, dt.date(2025, 1, 1)), (109574, dt.date(2199, 12, 31)),
])
def test_excel_serials_as_numbers_and_as_text(serial, expected):
    for cell in (serial, float(serial), str(serial)):
        value, reason = parse_one(cell, DATE)
        assert reason is None, cell
        assert value == pd.Timestamp(expected), cell


@pytest.mark.parametrize("cell", [1, "59", 60, 2000, "2000", 2023, 9863.0, "9999"])
def test_small_numbers_in_a_date_column_are_not_read_as_1900s_days(cell):
    # "2000" typed into a birthday column means the year, not Excel's day 2000 (1905-06-22):
    # anything below day 10000 (1927-05-18) gets a reason instead of a surprising date.
    value, reason = parse_one(cell, DATE)
    assert is_na(value) and "not a date" in reason


def test_the_first_accepted_excel_serial():
    assert parse_one(10000, DATE) == (pd.Timestamp(1927, 5, 18), None)


@pytest.mark.parametrize("cell", [-1, "-1", "-2023"])
def test_negative_numbers_in_a_date_column_get_a_reason(cell):
    value, reason = parse_one(cell, DATE)
    assert is_na(value) and reason is not None


def test_excel_serial_with_time_keeps_the_second():
    # 2023-01-01 10:30:02 as Excel stores it (and as a CSV export of it shows it)
    serial = 44927 + (10 * 3600 + 30 * 60 + 2) / 86400
    expected = pd.Timestamp(2023, 1, 1, 10, 30, 2)
    for cell in (serial, repr(serial)):
        assert parse_one(cell, DATETIME) == (expected, None)


@pytest.mark.parametrize("cell", ["2023/1/1 25:00", "2023/1/1 10:75", "2023-1-1 10:30:61"])
def test_impossible_times_of_day_get_a_reason(cell):
    value, reason = parse_one(cell, DATETIME)
    assert is_na(value)
    assert reason is not None and cell in reason


@pytest.mark.parametrize("cell", ["9999-12-31", "9999/12/31", "0001-01-01", "1500年1月1日",
                                  dt.datetime(1500, 1, 1), dt.date(9999, 12, 31)])
def test_dates_out_of_range_get_a_reason_not_an_exception(cell):
    value, reason = parse_one(cell, DATE)
    assert is_na(value)
    assert reason is not None


@pytest.mark.parametrize("cell", ["2023-01-01T10:30:00+08:00", pd.Timestamp("2023-01-01 10:30", tz="Asia/Shanghai")])
def test_times_with_an_utc_offset_do_not_raise(cell):
    value, reason = parse_one(cell, DATETIME)
    # either the local wall-clock time or a reason; never an exception
    assert value == pd.Timestamp(2023, 1, 1, 10, 30) or (is_na(value) and reason is not None)


@pytest.mark.parametrize("column", [TEXT, DATETIME], ids=["text", "datetime"])
def test_a_time_of_day_cell_from_xlsx_does_not_raise(column):
    value, reason = parse_one(dt.time(10, 30), column)
    if column is TEXT:
        assert value in ("10:30", "10:30:00")
    else:
        assert is_na(value) and reason is not None


# Every format a user's file may carry a day in, with how to write a day that way.
DATE_FORMATS = {
    "slash, zero padded": lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    "slash": lambda d: f"{d.year}/{d.month}/{d.day}",
    "dash, unpadded": lambda d: f"{d.year}-{d.month}-{d.day}",
    "iso": lambda d: d.isoformat(),
    "chinese": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "dots": lambda d: f"{d.year}.{d.month}.{d.day}",
    "with time": lambda d: f"{d.year}/{d.month}/{d.day} 10:30",
    "iso with time": lambda d: f"{d.isoformat()}T23:59:59",
    "date object": lambda d: d,
    "datetime object": lambda d: dt.datetime(d.year, d.month, d.day, 12, 0, 0),
}
SERIAL_FORMATS = {
    "serial number": excel_serial,
    "serial float": lambda d: float(excel_serial(d)),
    "serial text": lambda d: str(excel_serial(d)),
}


@settings(max_examples=80, deadline=None, derandomize=True)
@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)),
       fmt=st.sampled_from(sorted(DATE_FORMATS)))
def test_property_any_day_in_any_format_parses_back(day, fmt):
    value, reason = parse_one(DATE_FORMATS[fmt](day), DATE)
    assert reason is None
    assert value == pd.Timestamp(day)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(day=st.dates(min_value=dt.date(1927, 5, 18), max_value=dt.date(2199, 12, 31)),
       fmt=st.sampled_from(sorted(SERIAL_FORMATS)))
def test_property_any_day_as_an_excel_serial_parses_back(day, fmt):
    value, reason = parse_one(SERIAL_FORMATS[fmt](day), DATE)
    assert reason is None
    assert value == pd.Timestamp(day)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(moment=st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2199, 12, 31, 23, 59, 59)),
       fmt=st.sampled_from(["%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                            "%Y年%m月%d日 %H:%M:%S", "%Y.%m.%d %H:%M:%S", "object"]))
def test_property_any_datetime_parses_back_to_the_second(moment, fmt):
    moment = moment.replace(microsecond=0)
    cell = moment if fmt == "object" else moment.strftime(fmt)
    value, reason = parse_one(cell, DATETIME)
    assert reason is None
    assert value == pd.Timestamp(moment)


# ------------------------------------------------------------------ money, numbers, integers


@pytest.mark.parametrize("cell, expected", [
    ("1000", 1000.0), ("1,000", 1000.0), ("1,234.50", 1234.5), ("1,234,567.89", 1234567.89),
    ("¥1,000", 1000.0), ("￥1,000.5", 1000.5), ("1000元", 1000.0), ("¥ 2,000.00 元", 2000.0),
    ("1，000", 1000.0),  # full-width comma
    (" 12.5 ", 12.5), ("0", 0.0), ("0.01", 0.01), ("RMB 300", 300.0), ("CNY300", 300.0),
    (1234.5, 1234.5), (1000, 1000), (0, 0.0),
])
def test_money_as_users_write_it(cell, expected):
    value, reason = parse_one(cell, MONEY)
    assert reason is None
    assert value == expected


@pytest.mark.parametrize("cell, expected", [("１２３", 123.0), ("１，２３４．５０", 1234.5), ("￥１０００元", 1000.0)])
def test_money_in_full_width_digits(cell, expected):
    assert parse_one(cell, MONEY) == (expected, None)


@pytest.mark.parametrize("cell", ["-5", "-0.01", "(100)", "¥-1,000", -3, -0.5])
def test_negative_money_gets_a_reason(cell):
    value, reason = parse_one(cell, MONEY)
    assert is_na(value)
    assert reason is not None and "negative" in reason


@pytest.mark.parametrize("cell", ["abc", "1.2.3", "5万", "十", "1,000abc", "nan", "inf", "1e400", True])
@pytest.mark.parametrize("column", [MONEY, NUMBER, INTEGER], ids=["money", "number", "integer"])
def test_text_that_is_no_number_gets_a_reason(cell, column):
    value, reason = parse_one(cell, column)
    assert is_na(value)
    assert reason is not None and "number" in reason


@pytest.mark.parametrize("cell, expected", [("-5", -5.0), ("(100)", -100.0), ("-1,234.5", -1234.5), (-3, -3.0),
                                            ("12.25", 12.25)])
def test_a_number_column_accepts_negatives(cell, expected):
    assert parse_one(cell, NUMBER) == (expected, None)


@pytest.mark.parametrize("cell, expected", [("3", 3), ("3.0", 3), (4, 4), (4.0, 4), ("1,000", 1000), (" 7 ", 7),
                                            ("0", 0)])
def test_integers(cell, expected):
    value, reason = parse_one(cell, INTEGER)
    assert reason is None
    assert value == expected and float(value).is_integer()


@pytest.mark.parametrize("cell", ["3.5", 2.25, "0.1"])
def test_fractions_in_an_integer_column_get_a_reason(cell):
    value, reason = parse_one(cell, INTEGER)
    assert is_na(value)
    assert reason is not None and "whole number" in reason


@pytest.mark.parametrize("cell", ["99999999999999999999", 1e20])
def test_integers_too_large_get_a_reason(cell):
    value, reason = parse_one(cell, INTEGER)
    assert is_na(value)
    assert reason is not None


def test_numbers_keep_the_index_of_their_cells():
    values, reasons = parse_cells(["1", "x", "-3", "", "2,5"], MONEY, index=[10, 20, 30, 40, 50])
    assert values[0] == 1.0 and values[4] == 25.0
    assert all(is_na(v) for v in values[1:4])
    assert set(reasons) == {20, 30}


@settings(max_examples=80, deadline=None, derandomize=True)
@given(amount=st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2),
       style=st.sampled_from(["{:,.2f}", "¥{:,.2f}", "￥{:,.2f}", "{:,.2f}元", "{:,.2f} 元", "¥ {:,.2f}",
                              "{:,.0f}", "{:.2f}"]),
       full_width_comma=st.booleans())
def test_property_amounts_with_thousands_separators_round_trip(amount, style, full_width_comma):
    if style == "{:,.0f}":
        amount = amount.quantize(Decimal(1))
    cell = style.format(amount)
    if full_width_comma:
        cell = cell.replace(",", "，")
    value, reason = parse_one(cell, MONEY)
    assert reason is None
    assert round(float(value), 2) == float(amount)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(n=st.integers(min_value=-(10**15), max_value=10**15))
def test_property_integers_with_thousands_separators_round_trip(n):
    assert parse_one(f"{n:,}", INTEGER) == (n, None)


# ------------------------------------------------------------------ enums


@pytest.mark.parametrize("cell, expected", [
    ("A", "A"), ("a", "A"), ("A级", "A"), ("b级", "B"), ("C类", "C"), (" E ", "E"), ("D级", "D"),
])
def test_value_grades(cell, expected):
    assert parse_one(cell, GRADE) == (expected, None)


@pytest.mark.parametrize("cell, expected", [
    ("customer", "customer"), ("客户", "customer"), ("合作伙伴", "partner"), ("伙伴", "partner"),
    ("Partner", "partner"), ("供应商", "supplier"), ("SUPPLIER", "supplier"),
])
def test_enum_canonical_values_chinese_labels_and_aliases(cell, expected):
    assert parse_one(cell, CUSTOMER_TYPE) == (expected, None)


@pytest.mark.parametrize("cell, expected", [
    ("walk_in", "walk_in"), ("walk-in", "walk_in"), ("walk in", "walk_in"), ("来店", "walk_in"),
    ("到店", "walk_in"), ("拜访", "visit"), ("上门拜访", "visit"), ("来电", "call_in"), ("微信", "wechat"),
])
def test_channel_spellings(cell, expected):
    assert parse_one(cell, CHANNEL) == (expected, None)


@pytest.mark.parametrize("column, cell", [(GRADE, "Q"), (GRADE, "F级"), (GRADE, "AA"), (CUSTOMER_TYPE, "朋友"),
                                          (CHANNEL, "飞鸽传书")])
def test_unknown_enum_values_get_a_reason_naming_the_allowed_values(column, cell):
    value, reason = parse_one(cell, column)
    assert is_na(value)
    assert reason is not None
    assert cell in reason and "allowed" in reason
    for canonical, label in column.choices.items():
        assert canonical in reason and label in reason


# ------------------------------------------------------------------ bools


@pytest.mark.parametrize("cell, expected", [
    ("是", True), ("否", False), ("Y", True), ("N", False), ("y", True), ("n", False), ("1", True), ("0", False),
    ("yes", True), ("No", False), ("TRUE", True), ("false", False), (1, True), (0, False), (1.0, True),
    (0.0, False), (True, True), (False, False), ("√", True), ("×", False), (" 是 ", True),
])
def test_bools(cell, expected):
    value, reason = parse_one(cell, BOOL)
    assert reason is None
    assert value is expected or value == expected and isinstance(value, (bool, np.bool_))


@pytest.mark.parametrize("cell", ["maybe", "2", "是的吧", "-1"])
def test_unclear_bools_get_a_reason(cell):
    value, reason = parse_one(cell, BOOL)
    assert is_na(value)
    assert reason is not None and cell in reason


def test_an_already_boolean_column_is_used_as_is():
    parsed = parsing.parse(pd.Series([True, False, True]), BOOL)
    assert parsed.values.tolist() == [True, False, True]
    assert parsed.reasons.empty


# ------------------------------------------------------------------ ids and text


@pytest.mark.parametrize("cell, expected", [
    ("007", "007"), ("000123", "000123"), (" 007 ", "007"), (1.0, "1"), (1, "1"), (12345.0, "12345"),
    ("C-01", "C-01"), ("客户A", "客户A"), ("'007", "'007"),
])
def test_ids_stay_text_with_leading_zeros(cell, expected):
    assert parse_one(cell, ID) == (expected, None)


@pytest.mark.parametrize("cell", ["a\nb", "a\tb", "x" * 65])
def test_ids_with_line_breaks_or_too_long_get_a_reason(cell):
    value, reason = parse_one(cell, ID)
    assert is_na(value)
    assert reason is not None and "id" in reason


@pytest.mark.parametrize("column", [TEXT, CATEGORY], ids=["text", "category"])
@pytest.mark.parametrize("cell, expected", [
    ("  上海 甲公司  ", "上海 甲公司"), ("'=SUM(A1)", "=SUM(A1)"), ("'+86 138 0000", "+86 138 0000"),
    ("'-折扣", "-折扣"), ("'@所有人", "@所有人"), ("'普通", "'普通"), ("=1+1", "=1+1"), ("多行\n文字", "多行\n文字"),
])
def test_text_is_stripped_and_the_formula_apostrophe_dropped(column, cell, expected):
    assert parse_one(cell, column) == (expected, None)


@pytest.mark.parametrize("column", [ID, TEXT, CATEGORY], ids=["id", "text", "category"])
@pytest.mark.parametrize("cell", ["", "   ", "\t", None, np.nan, "\u3000"])
def test_empty_text_is_missing(column, cell):
    value, reason = parse_one(cell, column)
    assert is_na(value)
    assert reason is None


# ------------------------------------------------------------------ no silent loss


def _non_empty(cell) -> bool:
    return isinstance(cell, str) and cell.strip() != ""


@settings(max_examples=150, deadline=None, derandomize=True)
@given(cells=st.lists(st.text(max_size=20), min_size=1, max_size=6), column=st.sampled_from(ALL_KINDS))
def test_property_any_text_never_raises_and_is_never_lost_silently(cells, column):
    values, reasons = parse_cells(cells, column)
    assert len(values) == len(cells)
    for i, cell in enumerate(cells):
        if _non_empty(cell):
            assert not is_na(values[i]) or i in reasons, f"{cell!r} vanished without a reason"
            assert is_na(values[i]) or i not in reasons, "a cell has both a value and a reason"
        else:
            assert is_na(values[i]) and i not in reasons
    for reason in reasons.values():
        assert isinstance(reason, str) and reason


# What an .xlsx hands the parser: text, numbers, booleans, dates, datetimes and times of day.
XLSX_CELLS = st.one_of(
    st.none(), st.text(max_size=12), st.booleans(), st.integers(-10**6, 10**6), st.integers(),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.datetimes(), st.dates(), st.times(),
)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(cells=st.lists(XLSX_CELLS, min_size=1, max_size=6), column=st.sampled_from(ALL_KINDS))
def test_property_xlsx_cells_never_raise_and_are_never_lost_silently(cells, column):
    values, reasons = parse_cells(cells, column)
    for i, cell in enumerate(cells):
        empty = (cell is None or (isinstance(cell, float) and np.isnan(cell))
                 or (isinstance(cell, str) and not cell.strip()))
        if empty:
            assert is_na(values[i]) and i not in reasons
        else:
            assert not is_na(values[i]) or i in reasons, f"{cell!r} vanished without a reason"


PHONE, EMAIL = CUSTOMERS["phone"], CUSTOMERS["email"]


def test_phones_as_people_write_them_are_kept_as_written():
    written = ["13800138000", "+86 138 0013 8000", "0571-8888 6666 转 123", "(010)12345678",
               "138-0013-8000 ext. 12", "8888666"]
    got = parsing.parse(pd.Series(written, dtype=object), PHONE)
    assert got.values.tolist() == written and got.reasons.empty


def test_a_phone_needs_7_to_20_digits_and_nothing_but_separators():
    raw = pd.Series(["123456", "call me back", "138001380001380013800", "138 0013 8000!", "微信 wx123456"], dtype=object)
    got = parsing.parse(raw, PHONE)
    assert sorted(got.reasons.index) == [0, 1, 2, 3, 4] and got.values.isna().all()
    assert "7 to 20 digits" in got.reasons[0]


def test_emails_need_a_name_a_domain_and_a_dot():
    raw = pd.Series(["li.na@huaxin.com.cn", "x@y", "no-at-sign.cn", "a b@c.cn", None], dtype=object)
    got = parsing.parse(raw, EMAIL)
    assert got.values[0] == "li.na@huaxin.com.cn" and sorted(got.reasons.index) == [1, 2, 3]
    assert "e-mail" in got.reasons[1]


@given(digits=st.text(alphabet="0123456789", min_size=7, max_size=20),
       separators=st.lists(st.sampled_from([" ", "-", ""]), min_size=20, max_size=20))
@settings(max_examples=200, deadline=None)
def test_any_7_to_20_digits_with_separators_is_a_phone(digits, separators):
    phone = "".join(d + s for d, s in zip(digits, separators))
    got = parsing.parse(pd.Series([phone], dtype=object), PHONE)
    assert got.reasons.empty and got.values[0] == phone.strip()
