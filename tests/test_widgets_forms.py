"""Entry forms save valid records and clear; bad fields are shown beside the field and write nothing.

Real stores (SQLite and PostgreSQL); widget values are set as a user's typing sets them, and the
save button is clicked.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import traitlets

pytest.importorskip("ipywidgets")

import crmkit  # noqa: E402
from crmkit import schema  # noqa: E402
from crmkit.widgets import EntryForms, RecordForm  # noqa: E402
from crmkit.widgets.forms import ENTRY_TABLES  # noqa: E402

CUSTOMERS = pd.DataFrame({
    "customer_id": ["000001", "000002"],
    "name": ["宁波联万软件有限公司", "王小明"],
    "mnemonic": ["宁波-联万", "杭州-王小明"],
    "phone": ["0574-44498846", "13812345678"],
    "region": ["华东", "华东"],
})


@pytest.fixture
def crm(store):
    store.import_frame(CUSTOMERS, "customers")
    return store


def count(crm, table):
    return crm.counts()[table]


def test_customer_form_saves_a_valid_record_says_so_and_clears(crm):
    form = EntryForms(crm).forms["customers"]
    before = count(crm, "customers")
    form.fields["name"].value = "杭州蓝鲸科技有限公司"
    form.fields["mnemonic"].value = "杭州-蓝鲸"
    form.fields["value_grade"].value = "B"
    form.fields["region"].value = "华东"
    form.fields["phone"].value = "13900001111"
    form.fields["registered_capital"].value = "1,000,000 元"
    form.save_button.click()

    assert count(crm, "customers") == before + 1
    saved = crm.get("customers", form.saved["customer_id"])
    assert (saved["name"], saved["value_grade"], saved["region"], saved["phone"]) == \
           ("杭州蓝鲸科技有限公司", "B", "华东", "13900001111")
    assert saved["registered_capital"] == 1_000_000.0
    assert saved["status"] == "active"  # the form's default
    assert form.saved["customer_id"] in form.status and "杭州蓝鲸科技有限公司" in form.status
    assert "已保存" in form.status_line.value
    # cleared for the next entry
    assert form.fields["name"].value == "" and form.fields["value_grade"].value is None
    assert form.errors == {} and form.banner.message == ""


def test_a_walk_in_without_a_customer_is_one_click_and_the_rep_is_remembered(crm):
    form = EntryForms(crm).forms["interactions"]
    assert form.fields["channel"].value == "walk_in"
    opened = dt.datetime.now()
    form.fields["rep"].value = "张伟"
    form.fields["left_contact"].value = True
    form.save_button.click()
    first = form.saved
    assert first is not None, form.errors
    stored = crm.get("interactions", first["interaction_id"])
    assert stored["customer_id"] is None and stored["channel"] == "walk_in" and stored["left_contact"] is True
    assert stored["rep"] == "张伟"
    assert abs(stored["occurred_at"] - opened) < dt.timedelta(minutes=2)

    # next entry: the rep stays, everything else is back to the defaults
    assert form.fields["rep"].value == "张伟"
    assert form.fields["left_contact"].value is False
    before = count(crm, "interactions")
    form.save_button.click()  # the next walk-in: one click
    assert count(crm, "interactions") == before + 1
    assert crm.get("interactions", form.saved["interaction_id"])["rep"] == "张伟"
    assert form.banner.message == ""


def test_a_call_in_for_a_customer_picked_by_phone_is_saved_with_that_customer(crm):
    form = RecordForm(crm, "interactions")
    picker = form.fields["customer_id"]
    picker.search("1381234")
    (label, cid), = picker.results.options
    picker.results.value = cid
    form.fields["channel"].value = "call_in"
    form.fields["occurred_at"].value = dt.datetime(2026, 11, 2, 10, 30)
    form.fields["next_date"].value = dt.date(2026, 11, 9)
    record = form.save()
    assert record["customer_id"] == "000002"
    stored = crm.get("interactions", record["interaction_id"])
    assert stored["occurred_at"] == dt.datetime(2026, 11, 2, 10, 30)
    assert stored["next_date"] == dt.datetime(2026, 11, 9)
    assert stored["channel"] == "call_in"


def test_the_intent_card_saves_its_grade_amount_and_dates(crm):
    form = EntryForms(crm, by="李娜").forms["opportunities"]
    form.fields["customer_id"].value = "000001"
    form.fields["title"].value = "ERP 升级"
    form.fields["intent_grade"].value = "O"
    form.fields["stage"].value = "quoted"
    form.fields["expected_amount"].value = "120,000"
    form.fields["expected_close"].value = dt.date(2026, 12, 15)
    record = form.save()
    assert record is not None, form.errors
    stored = crm.get("opportunities", record["opportunity_id"])
    assert (stored["intent_grade"], stored["stage"], stored["status"]) == ("O", "quoted", "open")
    assert stored["expected_amount"] == 120_000.0
    assert stored["expected_close"] == dt.datetime(2026, 12, 15)
    assert stored["created_at"] == pd.Timestamp.today().normalize().to_pydatetime()
    history = crm.history("opportunities", record["opportunity_id"])
    assert history["changed_by"].tolist() == ["李娜"]  # who entered it
    assert form.fields["title"].value == ""


def test_a_complaint_is_saved_and_the_form_clears(crm):
    form = EntryForms(crm).forms["complaints"]
    before = count(crm, "complaints")
    form.fields["customer_id"].value = "000002"
    form.fields["category"].value = "质量"
    form.fields["content"].value = "屏幕有坏点"
    form.save_button.click()
    assert count(crm, "complaints") == before + 1
    stored = crm.get("complaints", form.saved["complaint_id"])
    assert (stored["customer_id"], stored["category"], stored["status"]) == ("000002", "质量", "open")
    assert form.fields["content"].value == "" and form.fields["customer_id"].value is None


@pytest.mark.parametrize("table, field, value, says", [
    ("customers", "name", "", "missing name"),
    ("opportunities", "expected_amount", "-5", "negative amount"),
    ("opportunities", "expected_amount", "abc", "not a number"),
    ("opportunities", "expected_close", dt.date(1850, 1, 1), "out of range"),
    ("opportunities", "customer_id", "999999", "unknown customer"),
    ("interactions", "occurred_at", None, "missing occurred_at"),
])
def test_a_bad_field_is_shown_beside_it_as_typed_and_on_save_and_nothing_is_written(crm, table, field, value, says):
    form = RecordForm(crm, table, lang="en")
    valid = {"customers": {"name": "新客户"}, "opportunities": {"customer_id": "000001", "title": "x"},
             "interactions": {}}[table]
    for name, v in valid.items():
        form.fields[name].value = v
    if field == "name":
        form.fields["name"].value = "x"  # typed, then deleted
    form.fields[field].value = value
    # checked as the user types, before any save
    assert says in form.errors[field]
    assert says in form._fields[field].error.value
    assert f"crmkit-error-{field}" in form._fields[field].error._dom_classes
    before = crm.counts()
    form.save_button.click()
    assert crm.counts() == before  # nothing written
    assert form.saved is None
    assert says in form.errors[field] and "Not saved" in form.status
    # fixing the field lets the same entry through
    fixed = {"name": "新客户", "expected_amount": "5", "expected_close": dt.date(2026, 12, 1),
             "customer_id": "000001", "occurred_at": dt.datetime(2026, 11, 2, 9, 0)}[field]
    form.fields[field].value = fixed
    assert field not in form.errors
    form.save_button.click()
    assert crm.counts()[table] == before[table] + 1
    assert form.banner.message == ""  # every problem was shown beside its field, none failed a callback


def test_a_rule_across_fields_is_shown_beside_the_field_it_names(crm):
    form = RecordForm(crm, "complaints")
    form.fields["received_at"].value = dt.datetime(2026, 11, 2, 10, 0)
    form.fields["resolved_at"].value = dt.datetime(2026, 11, 1, 10, 0)
    before = count(crm, "complaints")
    assert form.save() is None
    assert "resolved before" in form.errors["resolved_at"]
    assert count(crm, "complaints") == before
    assert form.banner.message == ""  # checking one field as typed needs the other: no failure


def test_typing_a_rule_field_alone_is_checked_against_the_rest_of_the_form(crm):
    form = RecordForm(crm, "complaints")
    form.fields["received_at"].value = dt.datetime(2026, 11, 2, 10, 0)
    form.fields["resolved_at"].value = dt.datetime(2026, 11, 1, 10, 0)
    assert "resolved before" in form.errors["resolved_at"]  # as typed, before any save
    form.fields["resolved_at"].value = dt.datetime(2026, 11, 3, 10, 0)
    assert form.errors == {} and form.banner.message == ""


def test_validate_lists_every_problem_without_writing(crm):
    form = RecordForm(crm, "opportunities", lang="en")
    form.fields["expected_amount"].value = "-1"
    before = crm.counts()
    problems = form.validate()
    assert set(problems) == {"customer_id", "expected_amount"}  # required customer missing, negative amount
    assert "missing customer_id" in form._fields["customer_id"].error.value
    assert crm.counts() == before


def test_an_enum_field_offers_exactly_the_schemas_choices_and_refuses_others(crm):
    form = RecordForm(crm, "opportunities")
    grade = form.fields["intent_grade"]
    assert [v for _, v in grade.options] == [None, *schema.INTENT_GRADES]
    assert [label for label, _ in grade.options][1:] == list(schema.INTENT_GRADES.values())
    with pytest.raises(traitlets.TraitError):
        grade.value = "Q"


def test_a_customer_id_already_taken_is_shown_beside_the_id_and_nothing_is_written(crm):
    form = RecordForm(crm, "customers")
    form.fields["customer_id"].value = "000001"
    form.fields["name"].value = "重复"
    before = count(crm, "customers")
    assert form.save() is None
    assert "already exists" in form.errors["customer_id"]
    assert count(crm, "customers") == before
    assert crm.get("customers", "000001")["name"] == "宁波联万软件有限公司"


def test_labels_are_chinese_by_default_and_english_on_request(crm):
    zh, en = EntryForms(crm), EntryForms(crm, lang="en")
    assert [zh.tabs.get_title(i) for i in range(4)] == [schema.table(t).zh for t in ENTRY_TABLES]
    assert [en.tabs.get_title(i) for i in range(4)] == ["Customers", "Interactions", "Opportunities", "Complaints"]
    assert "客户名称" in zh.forms["customers"]._fields["name"].label.value
    assert "Name" in en.forms["customers"]._fields["name"].label.value
    channel_zh = dict((v, k) for k, v in zh.forms["interactions"].fields["channel"].options)
    channel_en = dict((v, k) for k, v in en.forms["interactions"].fields["channel"].options)
    assert channel_zh["walk_in"] == "来店" and channel_en["walk_in"] == "walk in"
    assert zh.forms["customers"].save_button.description == "保存"
    assert en.forms["customers"].save_button.description == "Save"
    with pytest.raises(ValueError, match="lang"):
        EntryForms(crm, lang="fr")


def test_every_input_save_button_status_and_form_carry_the_css_classes_browser_tests_use(crm):
    entry = EntryForms(crm)
    for table, form in entry.forms.items():
        assert f"crmkit-form-{table}" in form._dom_classes
        assert "crmkit-save" in form.save_button._dom_classes
        assert "crmkit-status" in form.status_line._dom_classes
        for column, widget in form.fields.items():
            assert f"crmkit-field-{column}" in widget._dom_classes
            assert f"crmkit-error-{column}" in form._fields[column].error._dom_classes


def test_editing_a_record_in_a_form_is_a_versioned_update(crm):
    form = RecordForm(crm, "customers", record_id="000002", by="王经理")
    assert form.fields["name"].value == "王小明" and form.fields["customer_id"].disabled
    form.fields["phone"].value = "13700000000"
    record = form.save()
    assert record["version"] == 2 and crm.get("customers", "000002")["phone"] == "13700000000"
    last = crm.history("customers", "000002").iloc[-1]
    assert (last["field"], last["old_value"], last["new_value"], last["changed_by"]) == \
           ("phone", "13812345678", "13700000000", "王经理")


def test_a_form_edit_that_meets_someone_elses_shows_both_values_and_writes_nothing_until_chosen(crm, store_url):
    form = RecordForm(crm, "customers", record_id="000002")
    with crmkit.open(store_url, user="colleague") as other:
        other.update("customers", "000002", {"phone": "13600000000"}, expected_version=1)
    form.fields["phone"].value = "13700000000"
    assert form.save() is None
    assert form.conflict.fields == {"phone": ("13600000000", "13700000000")}
    assert form.conflict_panel.layout.display is None
    assert crm.get("customers", "000002")["phone"] == "13600000000"  # nothing overwritten
    record = form.conflict.resolve("phone", "theirs")
    assert record["phone"] == "13600000000" and record["version"] == 2  # nothing written
    assert form.fields["phone"].value == "13600000000" and form.conflict is None


def test_an_error_inside_a_callback_is_shown_in_the_forms_banner(store_url):
    crm = crmkit.open(store_url, user="tester")
    form = RecordForm(crm, "interactions")
    crm.close()  # the database goes away under the form
    form.save_button.click()
    assert form.banner.layout.display is None
    assert form.banner.message  # the user sees what went wrong, not a dead button
    assert "crmkit-error-banner" in form.banner._dom_classes


def test_emptying_a_field_of_a_stored_record_saves_it_empty(crm):
    form = RecordForm(crm, "customers", record_id="000001")
    form.fields["mnemonic"].value = ""
    record = form.save()
    assert record is not None and record["mnemonic"] is None and form.banner.message == ""
    assert crm.get("customers", "000001")["mnemonic"] is None
