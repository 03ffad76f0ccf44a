"""The record editor's attachments: a record's files listed (name, size, kind, who, when), an upload
through the FileUpload widget attached by the store's rules and signed, a refused upload shown and
not written, a download link carrying the bytes, a detach. Real stores, no browser."""

from __future__ import annotations

import base64
import datetime

import pandas as pd
import pytest

pytest.importorskip("ipydatagrid")

from crmkit.widgets import RecordEditor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop")

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)


@pytest.fixture
def crm(store):
    store.import_frame(pd.DataFrame({"customer_id": ["000001", "000002"], "name": ["杭州客户1", "杭州客户2"]}),
                       "customers")
    return store


def upload(panel, *files):
    """What the browser sends when a user picks files: FileUpload's value, one dict per file."""
    panel.upload.value = tuple({"name": name, "type": "", "size": len(content), "content": memoryview(content),
                                "last_modified": datetime.datetime(2026, 11, 1)} for name, content in files)


def test_the_editor_lists_a_records_attachments(crm):
    crm.attach("customers", "000001", PDF, name="销售合同.pdf", by="王经理")
    editor = RecordEditor(crm)
    panel = editor.attachments_panel
    assert panel.layout.display == "none"
    editor.show_attachments("000001")
    assert panel.layout.display is None and "crmkit-attachments" in panel._dom_classes
    shown = panel.list.value
    for text in ("销售合同.pdf", f"{len(PDF)} B", "PDF", "王经理", f"{pd.Timestamp.now():%Y-%m-%d}", "文件", "大小"):
        assert text in shown, text
    assert panel.choice.options == (("销售合同.pdf", panel.frame["attachment_id"].iloc[0]),)
    editor.show_attachments("000002")
    assert "还没有附件" in panel.list.value and panel.detach_button.disabled


def test_the_button_shows_the_selected_records_files_and_an_upload_attaches_signed(crm):
    editor = RecordEditor(crm, lang="en", by="tester")
    editor.attachments_button.click()  # nothing selected yet
    assert editor.status == "select a record in the table first"
    editor.selected_id = "000002"
    editor.attachments_button.click()
    panel = editor.attachments_panel
    assert "no attachments yet" in panel.list.value
    upload(panel, ("名片.png", PNG), ("合同.pdf", PDF))
    stored = crm.attachments("customers", "000002")
    assert set(stored["file_name"]) == {"名片.png", "合同.pdf"}
    assert set(stored["attached_by"]) == {"tester"} and panel.upload.value == ()
    assert "名片.png" in panel.list.value and "PNG" in panel.list.value
    assert panel.status_line.value == "attached 2 file(s)" and editor.banner.message == ""
    assert crm.history("customers", "000002")["op"].tolist().count("attach") == 2


def test_a_refused_upload_is_shown_and_writes_nothing(crm):
    editor = RecordEditor(crm, lang="en")
    editor.show_attachments("000001")
    panel = editor.attachments_panel
    before = crm.state()
    upload(panel, ("invoice.pdf", b"MZ\x90\x00" + bytes(20)), ("page.txt", b"<html><script>x</script></html>"))
    assert crm.state() == before and crm.attachments("customers", "000001").empty
    message = editor.banner.message
    assert "invoice.pdf: the content is a Windows program" in message and "page.txt: " in message
    assert editor.banner.layout.display is None and set(panel.refused) == {"invoice.pdf", "page.txt"}
    upload(panel, ("合同.pdf", PDF))  # the next upload clears the old refusals
    assert editor.banner.message == "" and crm.attachments("customers", "000001")["file_name"].tolist() == ["合同.pdf"]


def test_download_carries_the_bytes_and_detach_keeps_the_file_in_the_history(crm):
    a = crm.attach("customers", "000001", PDF, name="合同.pdf")
    editor = RecordEditor(crm)
    editor.show_attachments("000001")
    panel = editor.attachments_panel
    panel.download_button.click()
    link = panel.link.value
    assert 'download="合同.pdf"' in link and base64.b64encode(PDF).decode() in link
    assert link.count("data:application/pdf;base64,") == 1
    panel.detach_button.click()
    assert crm.attachments("customers", "000001").empty and "还没有附件" in panel.list.value
    assert panel.status_line.value == "已移除附件 合同.pdf"
    assert crm.history("customers", "000001")["op"].tolist()[-1] == "detach"
    assert crm.open_attachment(a["attachment_id"]) == PDF
    editor.show_history("000001")
    assert "添加附件" in editor.history_panel.html.value and "移除附件" in editor.history_panel.html.value
