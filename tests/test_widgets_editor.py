"""RecordEditor: search and page in SQL, edit in the grid, versioned saves, conflicts, undo and history.

Real stores (SQLite and PostgreSQL). A concurrent editor is a second Store connection to the
same database, as a colleague's notebook would be.
"""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ipydatagrid")

import crmkit  # noqa: E402
from crmkit.widgets import RecordEditor  # noqa: E402

# ipydatagrid 1.4's DataGrid.data getter (read here to check what the grid holds) still calls
# DataFrame.drop(inplace=True), which pandas 3.1 deprecates; that is ipydatagrid's to change.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop")

N = 25
CUSTOMERS = pd.DataFrame({
    "customer_id": [f"{i:06d}" for i in range(1, N + 1)],
    "name": [f"{'深圳' if i % 5 == 0 else '杭州'}客户{i}" for i in range(1, N + 1)],
    "mnemonic": [f"{'深圳' if i % 5 == 0 else '杭州'}-{i}" for i in range(1, N + 1)],
    "phone": [f"1380000{i:04d}" for i in range(1, N + 1)],
    "status": ["active" if i % 2 else "dormant" for i in range(1, N + 1)],
    "value_grade": ["C"] * N,
})


@pytest.fixture
def crm(store):
    store.import_frame(CUSTOMERS, "customers")
    return store


def grid_cell(editor, record_id, column):
    return editor.grid.get_cell_value_by_index(editor._header[column], editor.page_ids.index(record_id))


def type_into_grid(editor, record_id, column, value):
    """What the browser sends when a user edits a cell: the grid's own cell-changed message."""
    message = {"event_type": "cell-changed", "row": editor.page_ids.index(record_id),
               "column_index": list(editor.grid.data.columns).index(editor._header[column]), "value": value}
    editor.grid._DataGrid__handle_custom_msg(None, message, [])


def test_the_editor_shows_one_page_and_a_search_narrows_it(crm):
    editor = RecordEditor(crm, page_size=10)
    assert editor.total == N and len(editor.page) == 10 and len(editor.grid.data) == 10
    assert editor.page_ids == [f"{i:06d}" for i in range(1, 11)]
    assert editor.goto(2)["customer_id"].tolist() == [f"{i:06d}" for i in range(21, 26)]
    assert editor.next_button.disabled and not editor.prev_button.disabled

    page = editor.search("深圳")
    assert editor.total == 5 and sorted(page["customer_id"]) == [f"{i:06d}" for i in (5, 10, 15, 20, 25)]
    assert all("深圳" in name for name in page["name"])
    assert len(editor.grid.data) == 5
    assert editor.search("13800000007")["customer_id"].tolist() == ["000007"]  # by phone
    assert editor.search("", status="dormant")["status"].eq("dormant").all()
    assert editor.total == N // 2
    editor.search_box.value = "杭州-1"  # typing into the box (Enter) searches too; the status filter stays
    assert set(editor.page["customer_id"]) == {f"{i:06d}" for i in (12, 14, 16, 18)}
    editor.filter_box.value = ""  # the quick filter's "(none)"
    assert set(editor.page["customer_id"]) == {f"{i:06d}" for i in (1, 11, 12, 13, 14, 16, 17, 18, 19)}


def test_an_edit_in_the_grid_is_saved_as_a_versioned_update_and_kept_in_the_history(crm):
    editor = RecordEditor(crm, by="王经理")
    type_into_grid(editor, "000003", "phone", "13911112222")
    assert editor.pending == {"000003": {"phone": "13911112222"}}
    assert crm.get("customers", "000003")["phone"] == "13800000003"  # not before save
    editor.save_button.click()
    stored = crm.get("customers", "000003")
    assert stored["phone"] == "13911112222" and stored["version"] == 2
    assert editor.pending == {} and grid_cell(editor, "000003", "phone") == "13911112222"
    last = crm.history("customers", "000003").iloc[-1]
    assert (last["op"], last["field"], last["old_value"], last["new_value"], last["changed_by"]) == \
           ("update", "phone", "13800000003", "13911112222", "王经理")
    # a second edit of the same record is made on the new version: no false conflict
    editor.edit("000003", "value_grade", "A级")
    assert editor.save() == 1 and crm.get("customers", "000003")["version"] == 3
    assert grid_cell(editor, "000003", "value_grade") == "A级"
    assert editor.banner.message == ""


def test_a_bad_edit_is_refused_with_its_reason_and_nothing_is_written(crm):
    editor = RecordEditor(crm, lang="en")
    type_into_grid(editor, "000004", "value_grade", "Q")
    assert "unknown value_grade 'Q'" in editor.errors["value_grade"]
    assert "crmkit-error-value_grade" in editor.error_line.value
    assert editor.pending == {} and grid_cell(editor, "000004", "value_grade") == "C"
    assert not editor.edit("000004", "name", "")  # a customer needs a name
    assert "missing name" in editor.errors["name"]
    assert editor.save() == 0
    assert crm.get("customers", "000004")["version"] == 1
    assert crm.history("customers", "000004")["op"].tolist() == ["insert"]


def test_a_concurrent_change_is_a_conflict_that_writes_nothing_until_resolved(crm, store_url):
    editor = RecordEditor(crm)
    editor.edit("000005", "phone", "13911110000")
    with crmkit.open(store_url, user="colleague") as other:
        other.update("customers", "000005", {"phone": "13722220000"}, expected_version=1)
        assert editor.save() == 0
        conflict = editor.conflict
        assert conflict.fields == {"phone": ("13722220000", "13911110000")}  # (theirs, mine)
        assert (conflict.expected_version, conflict.current_version) == (1, 2)
        assert "crmkit-conflict" in editor.conflict_panel._dom_classes and editor.conflict_panel.layout.display is None
        shown = str(editor.conflict_panel.children)
        assert "13722220000" in shown and "13911110000" in shown
        assert other.get("customers", "000005")["phone"] == "13722220000"
        assert editor.save() == 0  # saving again does not overwrite either
        assert other.get("customers", "000005")["version"] == 2

        editor.conflict.resolve("phone", "mine")
        stored = other.get("customers", "000005")
        assert stored["phone"] == "13911110000" and stored["version"] == 3
        assert editor.conflict is None and editor.pending == {}
        assert editor.conflict_panel.layout.display == "none"


def test_choosing_theirs_keeps_the_stores_value_and_shows_it(crm, store_url):
    editor = RecordEditor(crm)
    editor.edit("000006", "name", "我的名字")
    editor.edit("000006", "phone", "13900000006")
    with crmkit.open(store_url, user="colleague") as other:
        other.update("customers", "000006", {"name": "他的名字"}, expected_version=1)
    editor.save()
    assert set(editor.conflict.fields) == {"name", "phone"}
    # the panel's buttons are how a user chooses
    buttons = {c: b for row in editor.conflict_panel.children[1:] for c in ("name", "phone")
               for b in row.children if f"crmkit-conflict-{c}" in getattr(b, "_dom_classes", ())}
    buttons["name"].value = "theirs"
    assert crm.get("customers", "000006")["version"] == 2  # not written until every field is chosen
    buttons["phone"].value = "mine"
    stored = crm.get("customers", "000006")
    assert (stored["name"], stored["phone"], stored["version"]) == ("他的名字", "13900000006", 3)
    assert grid_cell(editor, "000006", "name") == "他的名字"


def test_keep_all_mine_is_one_click(crm, store_url):
    editor = RecordEditor(crm)
    editor.edit("000011", "name", "我的名字")
    editor.edit("000011", "phone", "13900000011")
    with crmkit.open(store_url, user="colleague") as other:
        other.update("customers", "000011", {"name": "他的名字", "phone": "13700000011"}, expected_version=1)
    editor.save()
    all_mine, = [b for row in editor.conflict_panel.children for b in getattr(row, "children", ())
                 if "crmkit-conflict-all-mine" in b._dom_classes]
    all_mine.click()
    stored = crm.get("customers", "000011")
    assert (stored["name"], stored["phone"], stored["version"]) == ("我的名字", "13900000011", 3)
    assert editor.conflict is None and editor.banner.message == ""


def test_undo_restores_the_previous_value_through_a_versioned_update(crm):
    editor = RecordEditor(crm, by="tester")
    editor.edit("000007", "phone", "13900000007")
    editor.edit("000007", "status", "lost")
    editor.save()
    editor.undo_button.click()
    stored = crm.get("customers", "000007")
    assert (stored["phone"], stored["status"], stored["version"]) == ("13800000007", "active", 3)
    assert grid_cell(editor, "000007", "phone") == "13800000007"
    history = crm.history("customers", "000007")
    undone = history[history["history_id"] > history["history_id"].iloc[-3]]
    assert sorted(zip(undone["field"], undone["old_value"], undone["new_value"])) == \
           [("phone", "13900000007", "13800000007"), ("status", "lost", "active")]
    assert editor.undo() is None and editor.status == "没有可以撤销的修改"  # one change, undone once


def test_undo_after_someone_elses_change_is_a_conflict_not_an_overwrite(crm, store_url):
    editor = RecordEditor(crm)
    editor.edit("000008", "phone", "13900000008")
    editor.save()
    with crmkit.open(store_url, user="colleague") as other:
        other.update("customers", "000008", {"phone": "13700000008"}, expected_version=2)
    assert editor.undo() is None
    assert editor.conflict.fields == {"phone": ("13700000008", "13800000008")}
    assert crm.get("customers", "000008")["phone"] == "13700000008"


def test_history_is_one_click_away(crm):
    editor = RecordEditor(crm, lang="en")
    editor.edit("000009", "name", "新名字")
    editor.save()
    editor.history_button.click()  # the record last edited is the selected one
    frame = editor.history_panel.frame
    assert frame["op"].tolist() == ["insert", "update"]
    assert editor.history_panel.layout.display is None and "新名字" in editor.history_panel.html.value
    assert editor.show_history("000001")["op"].tolist() == ["insert"]


def test_editing_a_record_in_a_form_updates_its_row_and_can_be_undone(crm):
    editor = RecordEditor(crm)
    form = editor.open_form("000010")
    form.fields["mnemonic"].value = "深圳-十"
    form.save_button.click()
    assert crm.get("customers", "000010")["mnemonic"] == "深圳-十"
    assert grid_cell(editor, "000010", "mnemonic") == "深圳-十"
    editor.undo()
    assert crm.get("customers", "000010")["mnemonic"] == "深圳-10"


def test_the_editor_works_on_other_tables(crm):
    crm.add("complaints", {"complaint_id": "Q1", "customer_id": "000005", "received_at": "2026-11-01 09:00",
                           "category": "质量"})
    crm.add("complaints", {"complaint_id": "Q2", "customer_id": "000006", "received_at": "2026-11-02 09:00",
                           "category": "服务"})
    editor = RecordEditor(crm, "complaints", lang="en")
    assert editor.search("深圳客户5")["complaint_id"].tolist() == ["Q1"]  # by the customer's name
    # a rule across two fields is checked against the record's other field as stored
    assert not editor.edit("Q1", "resolved_at", "2026-10-01 09:00")  # before it was received
    assert "resolved before" in editor.errors["resolved_at"] and editor.pending == {}
    assert editor.edit("Q1", "resolved_at", "2026-11-03 09:00")
    editor.edit("Q1", "status", "resolved")
    assert editor.save() == 1
    stored = crm.get("complaints", "Q1")
    assert (stored["status"], str(stored["resolved_at"]), stored["version"]) == ("resolved", "2026-11-03 09:00:00", 2)
    assert editor.banner.message == ""


def test_the_grid_is_headed_in_chinese_or_english_and_shows_enum_labels(crm):
    zh, en = RecordEditor(crm), RecordEditor(crm, lang="en")
    assert zh.grid.data.index.name == "客户编号" and "客户名称" in zh.grid.data.columns
    assert en.grid.data.index.name == "Customer id" and "Name" in en.grid.data.columns
    assert grid_cell(zh, "000001", "status") == "活跃" and grid_cell(en, "000002", "status") == "dormant"


def test_the_editor_carries_the_css_classes_browser_tests_use(crm):
    editor = RecordEditor(crm)
    for widget, css in [(editor.search_box, "crmkit-search"), (editor.grid, "crmkit-grid"),
                        (editor.save_button, "crmkit-editor-save"), (editor.undo_button, "crmkit-undo"),
                        (editor.history_button, "crmkit-history"), (editor.conflict_panel, "crmkit-conflict")]:
        assert css in widget._dom_classes


def test_an_error_inside_a_callback_is_shown_in_the_editors_banner(store_url):
    crm = crmkit.open(store_url, user="tester")
    crm.import_frame(CUSTOMERS, "customers")
    editor = RecordEditor(crm)
    crm.close()
    editor.search_box.value = "深圳"  # the search callback fails: the store is gone
    assert editor.banner.layout.display is None and editor.banner.message


def test_sensitive_profile_facts_stay_out_of_the_editor_unless_asked_for(crm):
    crm.add("profile", {"fact_id": "F1", "customer_id": "000001", "key": "爱好", "value": "钓鱼"})
    crm.add("profile", {"fact_id": "F2", "customer_id": "000001", "key": "健康状况", "value": "高血压"})
    assert RecordEditor(crm, "profile").page["fact_id"].tolist() == ["F1"]
    assert RecordEditor(crm, "profile").search("000001")["fact_id"].tolist() == ["F1"]
    assert RecordEditor(crm, "profile", include_sensitive=True).page["fact_id"].tolist() == ["F1", "F2"]


def test_emptying_a_cell_saves_an_empty_field(crm):
    editor = RecordEditor(crm)
    type_into_grid(editor, "000012", "phone", "")
    assert editor.pending == {"000012": {"phone": None}}
    assert editor.save() == 1 and editor.banner.message == ""
    stored = crm.get("customers", "000012")
    assert stored["phone"] is None and stored["name"] == "杭州客户12" and stored["version"] == 2
    assert crm.history("customers", "000012")["field"].tolist()[1:] == ["phone"]  # only the emptied field
    editor.undo()
    assert crm.get("customers", "000012")["phone"] == "13800000012"
