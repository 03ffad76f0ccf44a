"""Dates written month first or day first in other tools' exports (issue 11, the import part).

The files are written the way those tools write them: the UCI Online Retail log (InvoiceNo,
StockCode, Description, Quantity, InvoiceDate as "12/1/2010 8:26", UnitPrice, CustomerID, Country)
and a UK accounts package's invoice list (31/01/2025). English headers, no crmkit ids. crmkit has
no price × quantity derivation, so the retail file carries a line amount column ("LineTotal"), as
a pre-processed export would; its cancellations (negative quantities) are left out, as such an
export leaves them out. Expected values are worked out from the file with the standard library's
``strptime``, never written into the test.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmkit
from crmkit import ImportValidationError, parsing
from crmkit.exceptions import ValueInputError
from crmkit.schema import ORDERS

RETAIL_HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID",
                 "Country", "LineTotal"]
RETAIL_COLUMNS = {"CustomerID": "customer_id", "InvoiceDate": "ordered_at", "LineTotal": "amount",
                  "Quantity": "quantity", "Description": "product"}
PRODUCTS = [("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 2.55), ("71053", "WHITE METAL LANTERN", 3.39),
            ("84406B", "CREAM CUPID HEARTS COAT HANGER", 2.75), ("22752", "SET 7 BABUSHKA NESTING BOXES", 7.65),
            ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 4.25), ("22633", "HAND WARMER UNION JACK", 1.85)]
CUSTOMERS = [("17850", "United Kingdom"), ("13047", "United Kingdom"), ("12583", "France"), ("13748", "United Kingdom"),
             ("15100", "United Kingdom"), ("12662", "Germany"), ("14688", "United Kingdom")]


def write_csv(path: Path, rows) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def us_stamp(moment: dt.datetime) -> str:
    """As the Online Retail log writes a time: month/day/year, no zero padding, 24-hour clock."""
    return f"{moment.month}/{moment.day}/{moment.year} {moment.hour}:{moment.minute:02d}"


def retail_rows(n=300, seed=0, first=dt.datetime(2010, 12, 1, 8, 26), days=373):
    """Invoices of a few lines each, in time order, as the Online Retail log lists them."""
    rng = np.random.default_rng(seed)
    rows, invoice, moment = [], 536365, first
    while len(rows) < n:
        customer, country = CUSTOMERS[rng.integers(len(CUSTOMERS))]
        for _ in range(int(rng.integers(1, 5))):
            code, name, price = PRODUCTS[rng.integers(len(PRODUCTS))]
            quantity = int(rng.choice([1, 2, 3, 6, 8, 12, 24]))
            rows.append([str(invoice), code, name, str(quantity), us_stamp(moment), f"{price:.2f}", customer, country,
                         f"{quantity * price:.2f}"])
        invoice += 1
        moment += dt.timedelta(minutes=int(rng.integers(1, days * 24 * 60 // n)))
    return rows[:n]


def customers_file(tmp_path: Path, rows) -> Path:
    """The log's customers as their own file: the id is also the only name the log gives them."""
    seen = dict((row[6], row[7]) for row in rows)
    return write_csv(tmp_path / "customers.csv", [["CustomerID", "Country"], *seen.items()])


def import_customers(crm, tmp_path, rows):
    crm.import_file(customers_file(tmp_path, rows), "customers",
                    columns={"CustomerID": ["customer_id", "name"], "Country": "region"})


def from_file(rows, fmt="%m/%d/%Y %H:%M", date_at=4):
    return [dt.datetime.strptime(row[date_at], fmt) for row in rows]


@pytest.fixture
def retail(tmp_path):
    rows = retail_rows()
    return write_csv(tmp_path / "Online Retail.csv", [RETAIL_HEADER, *rows]), rows


@pytest.fixture
def crm(tmp_path):
    with crmkit.open(tmp_path / "crm.db", user="tester") as store:
        yield store


# --------------------------------------------------------------------------- month first: the Online Retail log


def test_the_online_retail_log_reads_month_first_with_date_order(crm, tmp_path, retail):
    path, rows = retail
    import_customers(crm, tmp_path, rows)
    report = crm.import_file(path, "orders", columns=RETAIL_COLUMNS, date_order="MDY")
    assert report.ok and report.inserted == len(rows)
    got = crm.orders()
    assert sorted(zip(got["customer_id"], got["ordered_at"], got["amount"], got["quantity"], got["product"])) == \
        sorted(zip((r[6] for r in rows), map(pd.Timestamp, from_file(rows)), (float(r[8]) for r in rows),
                   (int(r[3]) for r in rows), (r[2] for r in rows)))
    # the log itself holds days above 12 (12/13/2010), so a day-first reading could not have passed
    assert any(moment.day > 12 for moment in from_file(rows))
    again = crm.import_file(path, "orders", columns=RETAIL_COLUMNS, date_order="mdy")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(rows))


def test_without_date_order_the_log_fails_once_per_column_naming_the_order_it_proves(crm, tmp_path, retail):
    path, rows = retail
    import_customers(crm, tmp_path, rows)
    with pytest.raises(ImportValidationError) as err:
        crm.import_file(path, "orders", columns=RETAIL_COLUMNS)
    report = err.value.report
    assert len(report.problems) == len(rows) and not report.written
    assert {(p.column, p.code) for p in report.problems} == {("InvoiceDate", "needs_date_order")}
    # the first cell whose second number can only be a day, as the spreadsheet numbers its row
    proof = next(i for i, row in enumerate(rows) if int(row[4].split("/")[1]) > 12)
    first = report.problems[0]
    assert (first.row, first.value) == (2, rows[0][4])
    assert f"the file writes month first: {rows[proof][4]} in row {proof + 2}" in first.reason
    assert '--date-order mdy' in first.reason and "dmy" not in first.reason
    assert report.reason_counts() == [(len(rows), "day and month in an unknown order (pass --date-order mdy or dmy)"
                                                  " in InvoiceDate")]
    assert str(report).count("in InvoiceDate") == 1  # one count line for the column, then the rows


def test_the_reason_and_its_count_read_in_chinese(crm, tmp_path, retail):
    path, rows = retail
    import_customers(crm, tmp_path, rows)
    with pytest.raises(ImportValidationError) as err:
        crm.import_file(path, "orders", columns=RETAIL_COLUMNS, lang="zh")
    report = err.value.report
    proof = next(i for i, row in enumerate(rows) if int(row[4].split("/")[1]) > 12)
    assert f"文件是月在前（第 {proof + 2} 行的 {rows[proof][4]}）" in report.problems[0].reason
    assert report.reason_counts() == [(len(rows), "InvoiceDate：日月顺序不明（请指定 --date-order mdy 或 dmy）")]


def test_a_column_that_does_not_prove_its_order_asks_for_one_without_guessing(crm, tmp_path):
    # every day of this log is the 1st to the 12th: 12/1/2010 is December 1st or January 12th
    rows = [row for row in retail_rows(n=400) if int(row[4].split("/")[1]) <= 12]
    path = write_csv(tmp_path / "early.csv", [RETAIL_HEADER, *rows])
    import_customers(crm, tmp_path, rows)
    with pytest.raises(ImportValidationError) as err:
        crm.import_file(path, "orders", columns=RETAIL_COLUMNS)
    reasons = {p.reason.replace(repr(p.value), "VALUE") for p in err.value.report.problems}
    assert len(err.value.report.problems) == len(rows) and len(reasons) == 1
    (reason,) = reasons
    assert "reads two ways" in reason and "--date-order mdy" in reason and "--date-order dmy" in reason
    assert "the file writes" not in reason
    assert crm.count("orders") == 0


def test_a_column_that_writes_both_orders_names_a_cell_of_each(crm, tmp_path):
    rows = retail_rows(n=40)
    rows[5][4], rows[9][4] = "13/1/2011 9:00", "1/13/2011 9:00"
    path = write_csv(tmp_path / "both.csv", [RETAIL_HEADER, *rows])
    import_customers(crm, tmp_path, rows)
    with pytest.raises(ImportValidationError) as err:
        crm.import_file(path, "orders", columns=RETAIL_COLUMNS)
    first = err.value.report.problems[0].reason
    assert "13/1/2011 9:00 in row 7 is day first" in first and "1/13/2011 9:00 in row 11 month first" in first


# --------------------------------------------------------------------------- day first: a UK invoice list


UK_HEADER = ["Account", "Invoice Date", "Due Date", "Invoice Total", "Amount Paid"]


def uk_rows(n=60, seed=3):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        issued = dt.date(2024, 11, 1) + dt.timedelta(days=int(rng.integers(0, 200)))
        due = issued + dt.timedelta(days=int(rng.choice([14, 30, 60])))
        total = round(float(rng.uniform(50, 5000)), 2)
        paid = round(total * float(rng.choice([0, 0.5, 1])), 2)
        rows.append([f"ACC{i % 9:03d}", issued.strftime("%d/%m/%Y"), due.strftime("%d/%m/%Y"), f"{total:.2f}",
                     f"{paid:.2f}"])
    return rows


def test_a_uk_invoice_list_reads_day_first_in_every_date_column(crm, tmp_path):
    rows = uk_rows()
    accounts = write_csv(tmp_path / "accounts.csv", [["Account", "Company"],
                                                     *sorted({(r[0], f"Company {r[0]}") for r in rows})])
    crm.import_file(accounts, "customers", columns={"Account": "customer_id", "Company": "name"})
    path = write_csv(tmp_path / "invoices.csv", [UK_HEADER, *rows])
    columns = {"Account": "customer_id", "Invoice Date": "settled_at", "Due Date": "due_date",
               "Invoice Total": "receivable", "Amount Paid": "received"}
    with pytest.raises(ImportValidationError) as err:  # read month first it is no invoice list at all
        crm.import_file(path, "settlements", columns=columns, date_order="MDY")
    assert {p.column for p in err.value.report.problems} == {"Invoice Date", "Due Date"}
    assert any("is the file day first (--date-order dmy)?" in p.reason for p in err.value.report.problems)
    report = crm.import_file(path, "settlements", columns=columns, date_order="DMY")
    assert report.inserted == len(rows)
    got = crm.settlements()
    day = lambda text: pd.Timestamp(dt.datetime.strptime(text, "%d/%m/%Y"))  # noqa: E731
    assert sorted(zip(got["customer_id"], got["settled_at"], got["due_date"], got["receivable"])) == \
        sorted((r[0], day(r[1]), day(r[2]), float(r[3])) for r in rows)


# --------------------------------------------------------------------------- mixed files and bad cells


def test_iso_and_year_first_dates_still_read_beside_month_first_ones(crm, tmp_path):
    rows = retail_rows(n=30)
    moments = from_file(rows)
    for i in range(0, len(rows), 3):  # a third written as crmkit itself writes, a third year first
        rows[i][4] = moments[i].strftime("%Y-%m-%d %H:%M:%S")
    for i in range(1, len(rows), 3):
        rows[i][4] = f"{moments[i].year}/{moments[i].month}/{moments[i].day} {moments[i].hour}:{moments[i].minute:02d}"
    path = write_csv(tmp_path / "mixed.csv", [RETAIL_HEADER, *rows])
    import_customers(crm, tmp_path, rows)
    with pytest.raises(ImportValidationError) as err:
        crm.import_file(path, "orders", columns=RETAIL_COLUMNS)
    assert sorted(p.row for p in err.value.report.problems) == [i + 2 for i in range(2, len(rows), 3)]
    crm.import_file(path, "orders", columns=RETAIL_COLUMNS, date_order="MDY")
    assert sorted(crm.orders()["ordered_at"]) == sorted(map(pd.Timestamp, moments))


@pytest.mark.parametrize("order, bad, why", [
    ("MDY", "13/31/2025 10:00", "is not a day read month first"),
    ("MDY", "2/29/2025 10:00", "is not a day read month first"),
    ("DMY", "31/6/2025", "is not a day read day first"),
    ("MDY", "1/31/2025 24:10", "has no such time of day"),
    ("MDY", "1/2/25 10:00", "two-digit year"),
    (None, "1/2/25", "two-digit year"),
    ("DMY", "1/1/1850", "out of range"),
])
def test_a_date_that_is_no_day_in_the_chosen_order_is_an_error_with_row_column_and_value(crm, tmp_path, order, bad,
                                                                                         why):
    rows = [r for r in retail_rows(n=20) if int(r[4].split("/")[1]) <= 12]
    if order == "DMY":  # a day-first file: write its good dates that way
        for r, moment in zip(rows, from_file(rows)):
            r[4] = moment.strftime("%d/%m/%Y %H:%M")
    rows[3][4] = bad
    path = write_csv(tmp_path / "bad.csv", [RETAIL_HEADER, *rows])
    import_customers(crm, tmp_path, rows)
    report = crm.import_file(path, "orders", columns=RETAIL_COLUMNS, date_order=order, on_error="skip")
    if order is None:  # the other cells need an order too; this one fails for its year first
        (problem,) = [p for p in report.problems if p.row == 5]
    else:
        (problem,) = report.problems
        assert report.inserted == len(rows) - 1
    assert (problem.row, problem.column, problem.value) == (5, "InvoiceDate", bad)
    assert why in problem.reason and repr(bad) in problem.reason


def test_a_date_order_crmkit_does_not_know_is_refused_with_the_choices(crm, tmp_path, retail):
    path, rows = retail
    with pytest.raises(ValueInputError, match='"MDY".*"DMY".*\'YMD\'') as err:
        crm.import_file(path, "orders", columns=RETAIL_COLUMNS, date_order="YMD")
    assert err.value.column == "date_order"


# --------------------------------------------------------------------------- the command line


def run(args, db_url):
    env = {**os.environ, "CRMKIT_DB_URL": db_url, "CRMKIT_USER": "cli-tester"}
    return subprocess.run([sys.executable, "-m", "crmkit", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_the_command_line_takes_date_order(sqlite_url, tmp_path, retail):
    path, rows = retail
    customers = customers_file(tmp_path, rows)
    out = run(["import", str(customers), "-t", "customers", "--map", "CustomerID=customer_id", "--map",
               "CustomerID=name", "--map", "Country=region"], sqlite_url)
    assert out.returncode == 0, out.stderr
    args = ["import", str(path), "-t", "orders"] + [a for h, c in RETAIL_COLUMNS.items() for a in ("--map", f"{h}={c}")]
    out = run(args, sqlite_url)
    assert out.returncode == 1 and f"{len(rows):,} problem(s): {len(rows):,} day and month in an unknown order" \
        in out.stderr
    assert run(args + ["--date-order", "ymd"], sqlite_url).returncode == 2  # argparse names the choices
    out = run(args + ["--date-order", "MDY"], sqlite_url)
    assert out.returncode == 0, out.stderr
    assert f"{len(rows)} inserted" in out.stdout
    with crmkit.open(sqlite_url) as crm:
        assert sorted(crm.orders()["ordered_at"]) == sorted(map(pd.Timestamp, from_file(rows)))


# --------------------------------------------------------------------------- property: a date reads back as itself


def written(moment: dt.datetime, order: str, sep: str, pad: bool, clock: str) -> str:
    """``moment`` as a tool writes it in ``order``: separator, zero padding, and a 24-hour, 12-hour or no time."""
    day, month = (f"{moment.day:02d}", f"{moment.month:02d}") if pad else (str(moment.day), str(moment.month))
    first, second = (month, day) if order == "MDY" else (day, month)
    date = f"{first}{sep}{second}{sep}{moment.year}"
    if clock == "24h":
        return f"{date} {moment.hour}:{moment.minute:02d}:{moment.second:02d}"
    if clock == "12h":
        return f"{date} {(moment.hour - 1) % 12 + 1}:{moment.minute:02d}:{moment.second:02d} " \
               f"{'AM' if moment.hour < 12 else 'PM'}"
    return date


MOMENTS = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2199, 12, 31, 23, 59, 59)) \
    .map(lambda m: m.replace(microsecond=0))
STYLES = dict(order=st.sampled_from(["MDY", "DMY"]), sep=st.sampled_from(["/", "-", "."]), pad=st.booleans(),
              clock=st.sampled_from(["24h", "12h", "none"]))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(moment=MOMENTS, **STYLES)
def test_property_any_moment_written_in_the_chosen_order_parses_back(moment, order, sep, pad, clock):
    cell = written(moment, order, sep, pad, clock)
    parsed = parsing.parse(pd.Series([cell], dtype="string"), ORDERS["ordered_at"], date_order=order)
    assert parsed.reasons.empty, parsed.reasons.tolist()
    assert parsed.values[0] == pd.Timestamp(moment if clock != "none" else moment.replace(hour=0, minute=0, second=0))


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(moments=st.lists(MOMENTS, min_size=1, max_size=12), **STYLES)
def test_property_a_file_of_dates_in_the_chosen_order_imports_as_those_dates(moments, order, sep, pad, clock):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with crmkit.open(tmp / "crm.db", user="tester") as crm:
            crm.import_file(write_csv(tmp / "c.csv", [["CustomerID"], ["17850"]]), "customers",
                            columns={"CustomerID": ["customer_id", "name"]})
            rows = [["17850", written(m, order, sep, pad, clock), f"{i + 1}.50"] for i, m in enumerate(moments)]
            path = write_csv(tmp / "orders.csv", [["CustomerID", "InvoiceDate", "LineTotal"], *rows])
            crm.import_file(path, "orders", columns={"CustomerID": "customer_id", "InvoiceDate": "ordered_at",
                                                     "LineTotal": "amount"}, date_order=order)
            got = crm.orders().sort_values("amount")["ordered_at"].tolist()
            expected = [m if clock != "none" else m.replace(hour=0, minute=0, second=0) for m in moments]
            assert got == [pd.Timestamp(m) for m in expected]
