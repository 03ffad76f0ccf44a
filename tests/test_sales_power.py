"""crmkit.sales_power (附表六/七): sales, gross margin and its rank, growth, product mix by quarter, on
small hand-built frames and through the store (a rep sees their book)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit import sales_power

AS_OF = "2026-10-31"  # complete quarters: 2025Q4 … 2026Q3

CUSTOMERS = pd.DataFrame({
    "customer_id": ["a", "b", "c", "p"],
    "name": ["甲", "乙", "丙", "潜在客户"],
    "region": ["华东", "华东", "华北", "华东"],
    "owner": ["张伟", "李娜", "张伟", "李娜"],
})


def _orders(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount", "gross_margin", "product"])
    return frame.assign(ordered_at=pd.to_datetime(frame["ordered_at"]))


ORDERS = _orders([
    ("a", "2025-08-15", 100.0, 10.0, "空调"),    # 2025Q3: a year before the last quarter
    ("a", "2026-05-10", 200.0, 40.0, "空调"),    # 2026Q2
    ("a", "2026-08-01", 300.0, 60.0, "空调"),    # 2026Q3
    ("a", "2026-09-30", 100.0, 30.0, "打印机"),  # 2026Q3
    ("a", "2026-10-10", 999.0, 99.0, "空调"),    # 2026Q4: not over on AS_OF
    ("b", "2026-08-20", 700.0, None, "打印机"),  # no margin recorded
    ("b", "2026-09-20", 100.0, 5.0, "打印机"),
    ("c", "2026-03-03", 50.0, 50.0, None),
])


def test_quarters_growth_and_margins_per_customer():
    table = sales_power.analyse_tables(CUSTOMERS, ORDERS, as_of=AS_OF)
    assert table.attrs["quarters"] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    a = table.loc["a"]
    assert [a[f"sales_{q}"] for q in table.attrs["quarters"]] == [0, 0, 200, 400]
    assert a["sales"] == 600 and a["gross_margin"] == 130 and a["margin_rate"] == pytest.approx(130 / 600)
    assert a["qoq_growth"] == pytest.approx(1.0) and a["yoy_growth"] == pytest.approx(3.0)
    # b sold nothing the quarter before nor a year before: growth is NA, never inf
    assert pd.isna(table.loc["b", "qoq_growth"]) and pd.isna(table.loc["b", "yoy_growth"])
    # a margin rate counts only the orders that carry one
    assert table.loc["b", "gross_margin"] == 5 and table.loc["b", "margin_rate"] == pytest.approx(5 / 100)
    # the prospect is listed, with nothing sold and no rank
    p = table.loc["p"]
    assert p["sales"] == 0 and pd.isna(p["gross_margin"]) and pd.isna(p["margin_rank"]) and p["products"] == 0
    assert table["sales"].dtype == "Float64" and table["margin_rank"].dtype == "Int64"


def test_margin_rank_and_the_comparison_within_a_region():
    table = sales_power.analyse_tables(CUSTOMERS, ORDERS, as_of=AS_OF)
    assert table["margin_rank"].tolist()[:3] == [1, 3, 2]  # 130, 5, 50
    assert table.loc[["a", "b"], "margin_rank_in_region"].tolist() == [1, 2]
    assert table.loc["c", "margin_rank_in_region"] == 1 and table.loc["c", "sales_rank_in_region"] == 1
    assert table.loc[["a", "b"], "sales_rank_in_region"].tolist() == [2, 1]  # 600 against 800
    assert pd.isna(table.loc["p", "sales_rank_in_region"])  # sold nothing: no rank
    east = table[table["region"] == "华东"]
    assert east["region_share"].sum() == pytest.approx(1.0)
    assert table.loc["a", "region_share"] == pytest.approx(600 / 1400)


def test_product_mix_shares_sum_to_one():
    mix = sales_power.product_mix_tables(CUSTOMERS, ORDERS, as_of=AS_OF)
    assert list(mix.columns) == ["打印机", "空调", "(none)"]  # most sold first
    assert mix.loc["a", "空调"] == pytest.approx(500 / 600) and mix.loc["b", "打印机"] == 1
    sold = mix.loc[["a", "b", "c"]].sum(axis=1).astype(float)
    np.testing.assert_allclose(sold, 1.0)
    assert mix.loc["p"].isna().all()
    table = sales_power.analyse_tables(CUSTOMERS, ORDERS, as_of=AS_OF)
    assert table.loc["a", "top_product"] == "空调" and table.loc["a", "products"] == 2


def test_by_quarter_is_one_row_per_customer_and_quarter():
    long = sales_power.by_quarter_tables(CUSTOMERS, ORDERS, as_of=AS_OF, quarters=4)
    assert len(long) == 4 * len(CUSTOMERS)
    a = long[long["customer_id"] == "a"].set_index("quarter")
    q3 = pd.Period("2026Q3")
    assert a.loc[q3, "sales"] == 400 and a.loc[q3, "orders"] == 2 and a.loc[q3, "gross_margin"] == 90
    assert pd.isna(a.loc[pd.Period("2026Q1"), "qoq_growth"])  # nothing after nothing
    assert a.loc[pd.Period("2025Q4"), "qoq_growth"] == pytest.approx(-1.0)  # 2025Q3 sold 100, 2025Q4 nothing
    assert a.loc[q3, "yoy_growth"] == pytest.approx(3.0) and pd.isna(a.loc[pd.Period("2025Q4"), "yoy_growth"])
    assert str(long["customer_id"].dtype) == "string" and long["orders"].dtype == "Int64"


@pytest.fixture
def filled(store):
    store.add_user("li", "correct horse battery", role="rep", rep="李娜")
    for row in CUSTOMERS.itertuples():
        store.add("customers", {"customer_id": row.customer_id, "name": row.name, "region": row.region,
                                "owner": row.owner})
    for row in ORDERS.itertuples():
        store.add("orders", {"customer_id": row.customer_id, "ordered_at": row.ordered_at, "amount": row.amount,
                             "gross_margin": None if pd.isna(row.gross_margin) else row.gross_margin,
                             "product": row.product})
    return store


def test_through_the_store_and_a_reps_book(filled):
    table = sales_power.analyse(filled, as_of=AS_OF)
    expected = sales_power.analyse_tables(CUSTOMERS, ORDERS, as_of=AS_OF)
    assert table["sales"].tolist() == expected["sales"].tolist()
    assert table["margin_rank"].tolist() == expected["margin_rank"].tolist()
    east = sales_power.compare(filled, "华东", as_of=AS_OF)
    assert list(east.index) == ["b", "a", "p"] and east.attrs["region_sales"] == 1400
    with crmkit.open(filled.url, user=filled.authenticate("li", "correct horse battery")) as mine:
        own = sales_power.analyse(mine, as_of=AS_OF)
    assert list(own.index) == ["b", "p"]
