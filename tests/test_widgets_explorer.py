"""The segment explorer (crmkit/widgets/explorer.py): its table follows crmkit.value, filters
narrow it, the export reads back, and a failing callback shows its error in the widget."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import crmkit
from crmkit import demo, value

pytest.importorskip("ipywidgets")
pytest.importorskip("ipydatagrid")

from crmkit.widgets.explorer import SegmentExplorer, segment_customers  # noqa: E402


@pytest.fixture(scope="module")
def crm(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('explorer') / 'crm.db'}"
    data = demo.generate(n_customers=400, seed=5)
    store = crmkit.open(url, user="tester")
    demo.load_into(store, data, history=False)
    yield store
    store.close()


@pytest.fixture(scope="module")
def orders(crm):
    return crm.orders()


@pytest.fixture(scope="module")
def customers(crm):
    return crm.customers().set_index("customer_id")


def _expected_rfm(orders, as_of) -> pd.Series:
    return value.rfm_segments(value.rfm_summary(orders, as_of=as_of))["segment_zh"].astype(object)


def test_rfm_table_follows_crmkit_value_and_the_region_filter(crm, orders, customers):
    explorer = SegmentExplorer(crm, as_of="2026-09-30")
    expected = _expected_rfm(orders, "2026-09-30")
    got = explorer.selection.set_index("customer_id")["segment"].astype(object)
    assert len(got) == len(expected) > 100
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_index_type=False)

    region = customers["region"].value_counts().index[0]
    explorer.region.value = region
    in_region = expected[customers.loc[expected.index, "region"].astype(object).eq(region).to_numpy()]
    got = explorer.selection.set_index("customer_id")["segment"].astype(object)
    assert 0 < len(got) < len(expected)
    pd.testing.assert_series_equal(got.sort_index(), in_region.sort_index(), check_names=False,
                                   check_index_type=False)
    assert explorer.banner.message == ""


def test_changing_the_as_of_date_resegments(crm, orders):
    explorer = SegmentExplorer(crm, as_of="2026-10-31")
    late = set(explorer.selection["customer_id"])
    explorer.as_of.value = dt.date(2025, 12, 31)
    early = explorer.selection.set_index("customer_id")["segment"].astype(object)
    expected = _expected_rfm(orders, "2025-12-31")
    assert set(early.index) == set(expected.index) and len(early) < len(late)
    assert (early.sort_index() == expected.sort_index()).all()
    # revenue to date is what was ordered by the end of that day
    upto = orders[orders["ordered_at"] < pd.Timestamp("2026-01-01")].groupby("customer_id")["amount"].sum()
    revenue = explorer.selection.set_index("customer_id")["revenue"]
    revenue = revenue.sort_index()
    assert revenue.round(2).tolist() == upto.loc[revenue.index].astype(float).round(2).tolist()


def test_value_grade_method_and_segment_filter(crm, orders):
    explorer = SegmentExplorer(crm, as_of="2026-10-31")
    explorer.method.value = "value"
    grades = value.value_grades(orders, as_of="2026-10-31")["value_grade"].astype(object)
    assert [label for label, _ in explorer.segment.options[1:]] == sorted(grades.unique())
    explorer.segment.value = "A"
    got = set(explorer.selection["customer_id"])
    assert got == set(grades[grades == "A"].index) and got


def test_kmeans_method_matches_kmeans_segments(crm, orders):
    explorer = SegmentExplorer(crm, as_of="2026-10-31", lang="en")
    explorer.k.value = 3
    explorer.method.value = "kmeans"
    expected = value.kmeans_segments(value.rfm_summary(orders, as_of="2026-10-31"), k=3).segments["cluster_name"]
    got = explorer.selection.set_index("customer_id")["segment"].astype(object)
    assert (got.sort_index() == expected.astype(object).sort_index()).all()
    assert explorer.segments["segment"].cat.categories.size == 3


def test_rep_and_type_filters_combine(crm, customers):
    explorer = SegmentExplorer(crm)
    rep = customers["owner"].value_counts().index[0]
    explorer.rep.value = rep
    explorer.customer_type.value = "customer"
    sel = explorer.selection
    assert len(sel) > 0
    assert (sel["owner"].astype(object) == rep).all() and (sel["customer_type"].astype(object) == "customer").all()
    buyers = set(explorer.segments.index)
    want = customers[(customers["owner"].astype(object) == rep)
                     & (customers["customer_type"].astype(object) == "customer")]
    assert set(sel["customer_id"]) == set(want.index) & buyers


def test_table_and_charts_show_the_selection(crm):
    explorer = SegmentExplorer(crm, max_rows=50)
    grid = explorer.grid.data
    assert len(grid) == 50 < len(explorer.selection)
    assert grid.index.name == "客户编号" and "细分" in grid.columns and "联系电话" not in grid.columns
    assert grid.index.tolist() == explorer.selection["customer_id"].head(50).tolist()
    assert grid["累计交易额"].is_monotonic_decreasing
    biggest = explorer.selection["segment"].astype(object).value_counts().index[0]
    assert biggest in explorer.charts.value and "各细分客户数" in explorer.charts.value
    assert f"{len(explorer.selection):,}" in explorer.summary.value


def test_export_writes_the_selection_with_chinese_headers(crm, tmp_path, customers):
    explorer = SegmentExplorer(crm)
    explorer.region.value = customers["region"].value_counts().index[1]
    explorer.folder.value = str(tmp_path / "out")
    explorer.export_button.click()
    assert explorer.banner.message == ""
    files = list((tmp_path / "out").glob("*.xlsx"))
    assert len(files) == 1
    back = pd.read_excel(files[0], dtype=str, engine="openpyxl")
    assert list(back.columns[:3]) == ["客户编号", "客户名称", "客户类型"] and "细分" in back.columns
    assert "联系电话" not in back.columns  # personal data only when asked for
    assert sorted(back["客户编号"]) == sorted(explorer.selection["customer_id"])
    assert set(back["客户类型"].dropna()) <= {"客户", "合作伙伴", "供应商"}
    assert 'href="data:application/vnd.openxmlformats' in explorer.export_status.value

    explorer.include_personal.value = True
    path = explorer.export(tmp_path / "with_phones")
    assert "联系电话" in pd.read_excel(path, dtype=str, engine="openpyxl").columns


def test_a_failing_export_shows_its_error_in_the_banner(crm, tmp_path):
    explorer = SegmentExplorer(crm)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    explorer.folder.value = str(blocker / "exports")
    explorer.export_button.click()
    assert explorer.banner.message and explorer.banner.layout.display is None
    assert explorer.export_status.value == ""


def test_unknown_method_is_refused(orders):
    with pytest.raises(ValueError, match="unknown segmentation method"):
        segment_customers(orders, as_of="2026-10-31", method="magic")


def test_bad_arguments_are_refused_with_a_clear_message(crm):
    with pytest.raises(ValueError, match="unknown segmentation method"):
        SegmentExplorer(crm, method="magic")
    with pytest.raises(ValueError, match="lang"):
        SegmentExplorer(crm, lang="fr")


def test_a_deleted_customer_is_not_shown(tmp_path):
    store = crmkit.open(f"sqlite:///{tmp_path / 'crm.db'}", user="tester")
    data = demo.generate(n_customers=80, seed=9)
    demo.load_into(store, data, history=False)
    first = SegmentExplorer(store)
    gone = first.selection["customer_id"].iloc[0]
    store.delete("customers", gone, cascade=True)  # its orders leave the reads with it
    after = SegmentExplorer(store)
    assert gone not in set(after.selection["customer_id"]) and after.banner.message == ""
    assert len(after.selection) == len(first.selection) - 1
    store.close()


def test_an_empty_store_opens_an_empty_explorer(tmp_path):
    with crmkit.open(f"sqlite:///{tmp_path / 'empty.db'}") as store:
        explorer = SegmentExplorer(store)
        assert explorer.banner.message == "" and len(explorer.selection) == 0
        assert "已选 0 位客户" in explorer.summary.value


def test_explorer_reads_either_backend(store):
    data = demo.generate(n_customers=120, seed=12)
    for table in ("customers", "orders"):
        store.import_frame(data.tables[table], table)
    explorer = SegmentExplorer(store, as_of="2026-10-31")
    expected = _expected_rfm(store.orders(), "2026-10-31")
    got = explorer.selection.set_index("customer_id")["segment"].astype(object)
    assert len(got) == len(expected) > 20 and (got.sort_index() == expected.sort_index()).all()
