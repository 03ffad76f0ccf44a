"""CustomerPicker finds customers by name, mnemonic, phone or id, on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from crmkit.widgets import CustomerPicker  # noqa: E402
from crmkit.widgets.picker import masked_phone  # noqa: E402

CUSTOMERS = pd.DataFrame({
    "customer_id": ["000101", "000102", "000103", "000104"],
    "name": ["宁波联万软件有限公司", "深圳兴金百货股份有限公司", "王小明", "Acme_Trading 100%"],
    "mnemonic": ["宁波-联万", "深圳-兴金", "杭州-王小明", "ACME"],
    "phone": ["0574-44498846", "0755-74990824", "13812345678", None],
})


@pytest.fixture
def crm(store):
    store.import_frame(CUSTOMERS, "customers")
    return store


def ids(options):
    return [cid for _, cid in options]


@pytest.mark.parametrize("query, expected", [
    ("联万", ["000101"]),            # part of the name
    ("深圳-兴", ["000102"]),          # the mnemonic (助记)
    ("1381234", ["000103"]),          # digits of a phone
    ("44498846", ["000101"]),         # the end of a landline
    ("acme", ["000104"]),             # case does not matter
    ("000103", ["000103"]),           # the id itself
])
def test_picker_finds_customers_by_name_mnemonic_phone_and_id(crm, query, expected):
    picker = CustomerPicker(crm)
    assert ids(picker.search(query)) == expected
    assert ids(picker.results.options) == expected


def test_typing_into_the_box_searches_and_choosing_a_line_sets_the_value(crm):
    picker = CustomerPicker(crm, lang="en")
    picker.search_box.value = "有限公司"  # what the browser does as the user types
    assert set(ids(picker.results.options)) == {"000101", "000102"}
    assert picker.value is None  # showing results does not choose one
    picker.results.value = "000102"
    assert picker.value == "000102"
    assert "深圳兴金百货股份有限公司" in picker.chosen.value
    picker.clear()
    assert picker.value is None and picker.search_box.value == "" and picker.chosen.value == ""


def test_wildcards_in_a_query_are_taken_literally(crm):
    picker = CustomerPicker(crm)
    assert ids(picker.search("_")) == ["000104"]
    assert ids(picker.search("100%")) == ["000104"]
    assert picker.search("%%%") == []


def test_no_match_says_so_and_a_customer_saved_a_moment_ago_is_found(crm):
    picker = CustomerPicker(crm, lang="en")
    assert picker.search("蓝鲸") == []
    assert "no customer found" in picker.chosen.value
    crm.add("customers", {"customer_id": "000200", "name": "蓝鲸科技"})
    assert ids(picker.search("蓝鲸")) == ["000200"]


def test_results_show_phones_masked(crm):
    picker = CustomerPicker(crm)
    (label, _), = picker.search("王小明")
    assert "13812345678" not in label
    assert masked_phone("13812345678") in label
    assert masked_phone("13812345678") == "138****5678"
    assert masked_phone("0574-44498846") == "057*-****8846"  # first three and last four digits shown


def test_setting_the_value_from_python_shows_the_customer(crm):
    picker = CustomerPicker(crm)
    picker.value = "000103"
    assert "王小明" in picker.chosen.value
    picker.value = "999999"
    assert "999999" in picker.chosen.value and "王小明" not in picker.chosen.value
