"""Attachments (contracts, photos, scans) kept with a record, on SQLite and PostgreSQL: the bytes come
back as given, identical content is kept once, the size limit and the kinds are read from the
content, a refused file writes nothing, the record rules hold and every attach and detach is signed
in the record's history."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import crmkit
from crmkit.attachment_check import check_file
from crmkit.exceptions import AccessDeniedError, AttachmentRefusedError, ParameterError, RecordNotFoundError

PASSWORD = "correct horse battery"
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def crm(store):
    store.add("customers", {"customer_id": "C1", "name": "东方贸易", "owner": "张伟"})
    store.add("customers", {"customer_id": "C2", "name": "西部机械", "owner": "李娜"})
    store.add("orders", {"order_id": "S1", "customer_id": "C1", "ordered_at": "2026-10-07", "amount": 100.0,
                         "rep": "张伟"})
    return store


def _docx(*, macros: bool = False) -> bytes:
    main = ("application/vnd.ms-word.document.macroEnabled.main+xml" if macros else
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="{main}"/>'
                   "</Types>")
        z.writestr("word/document.xml", "<w:document/>")
        if macros:
            z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    return buffer.getvalue()


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame({"产品": ["叉车"], "金额": [100.0]}).to_excel(buffer, index=False)
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("invoice.pdf", PDF)
    return buffer.getvalue()


def _many_parts() -> bytes:
    """A zip listing more parts than any document: its directory is never loaded."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for i in range(10_001):
            z.writestr(f"{i}", "")
    return buffer.getvalue()


# ----------------------------------------------------------------------------- round trip


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(content=st.one_of(
    # printable text, not starting as markup or a script would (those are refused, see below)
    st.text(min_size=1, max_size=3000).filter(lambda t: t.strip() and t.isprintable()
                                              and not t.lstrip().startswith(("<", "#!")))
    .map(lambda t: ("note.txt", t.encode("utf-8"), "text/plain")),
    st.binary(max_size=3000).map(lambda b: ("photo.png", PNG_HEAD + b, "image/png"))))
def test_an_attachment_reads_back_byte_for_byte(crm, content):
    name, data, media_type = content
    attached = crm.attach("customers", "C1", data, name=name)
    assert (attached["file_name"], attached["size"], attached["media_type"]) == (name, len(data), media_type)
    assert attached["sha256"] == hashlib.sha256(data).hexdigest()
    assert crm.open_attachment(attached["attachment_id"]) == data


def test_a_path_is_read_and_listed_with_its_facts(crm, tmp_path):
    path = tmp_path / "合同.pdf"
    path.write_bytes(PDF)
    a = crm.attach("客户档案", "C1", path)  # the table by its Chinese name too
    listed = crm.attachments("customers", "C1")
    assert list(listed.columns) == ["attachment_id", "file_name", "size", "media_type", "sha256", "attached_by",
                                    "attached_at"]
    row = listed.iloc[0]
    assert (row["attachment_id"], row["file_name"], row["size"], row["media_type"], row["attached_by"]) == \
           (a["attachment_id"], "合同.pdf", len(PDF), "application/pdf", "tester")
    assert listed["attached_at"].dtype == "datetime64[ns]" and listed["size"].dtype == "Int64"
    assert crm.attachments("customers", "C2").empty
    assert crm.open_attachment(a["attachment_id"]) == PDF


@pytest.mark.parametrize("name, content, media_type", [
    ("quote.xlsx", _xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("contract.docx", _docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("报价单.csv", "\ufeff产品,金额\r\n叉车,100\r\n".encode("utf-8"), "text/csv"),
    ("scan.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(50), "image/jpeg"),
    ("scan.JPEG", b"\xff\xd8\xff\xe1" + bytes(50), "image/jpeg"),
    ("logo.gif", b"GIF89a" + bytes(30), "image/gif"),
    ("photo.webp", b"RIFF\x20\x00\x00\x00WEBPVP8 " + bytes(30), "image/webp"),
    ("scan", PNG_HEAD + bytes(20), "image/png"),  # no name ending: the content says what it is
    ("customers.csv", b"MZ Group,100\nBZh Ltd,200\n", "text/csv"),  # text that starts like a program is text
    # ids by the name: an xlsx's bytes hold the time it was made, so they differ between test workers
], ids=lambda value: value if isinstance(value, str) else "")
def test_each_accepted_kind_is_read_from_its_content(name, content, media_type):
    assert check_file(content, name=name).media_type == media_type


# ----------------------------------------------------------------------------- kept once


def test_identical_content_is_kept_once(crm):
    first = crm.attach("customers", "C1", PDF, name="合同.pdf")
    other = crm.attach("customers", "C2", PDF, name="contract-copy.pdf")
    order = crm.attach("orders", "S1", PDF, name="合同.pdf")
    assert len({first["attachment_id"], other["attachment_id"], order["attachment_id"]}) == 3
    assert crm.attachment_usage() == {"attachments": 3, "contents": 1, "bytes": len(PDF)}
    # the same file on the same record again: the attachment already there, nothing written
    before = crm.state()
    again = crm.attach("customers", "C1", PDF, name="合同 (1).pdf")
    assert again["attachment_id"] == first["attachment_id"] and crm.state() == before
    assert len(crm.attachments("customers", "C1")) == 1


# ----------------------------------------------------------------------------- refused files


def test_the_size_limit_is_checked_before_reading_and_is_configurable(crm, tmp_path, monkeypatch):
    assert crm.max_attachment_bytes == 20_000_000
    huge = tmp_path / "scan.pdf"
    with huge.open("wb") as f:  # 10 GB, sparse: refused from its size, never read
        f.write(b"%PDF-1.4")
        f.truncate(10_000_000_000)
    before = crm.state()
    with pytest.raises(AttachmentRefusedError, match=r"scan\.pdf: the file is 10,000 MB; attachments are kept "
                                                     r"up to 20 MB; nothing was attached") as err:
        crm.attach("customers", "C1", huge)
    assert err.value.code == "too_large" and crm.state() == before

    crm.max_attachment_bytes = 1000
    assert crm.attach("customers", "C1", PDF + b" " * (1000 - len(PDF)), name="a.pdf")["size"] == 1000
    with pytest.raises(AttachmentRefusedError, match="too|kept up to") as err:
        crm.attach("customers", "C1", PDF + b" " * (1001 - len(PDF)), name="b.pdf")
    assert err.value.code == "too_large"
    monkeypatch.setenv("CRMKIT_MAX_ATTACHMENT_MB", "0.0005")
    with crmkit.open(crm.url) as other:
        assert other.max_attachment_bytes == 500
    monkeypatch.setenv("CRMKIT_MAX_ATTACHMENT_MB", "lots")
    with crmkit.open(crm.url) as other, pytest.raises(ParameterError, match="CRMKIT_MAX_ATTACHMENT_MB"):
        _ = other.max_attachment_bytes
    with pytest.raises(ParameterError):
        crm.max_attachment_bytes = 0


FORBIDDEN = [
    ("setup.exe", b"MZ\x90\x00\x03" + bytes(60), "executable", "Windows program"),
    ("contract.pdf", b"MZ\x90\x00\x03" + bytes(60), "executable", "Windows program"),
    ("tool", b"\x7fELF\x02\x01\x01" + bytes(60), "executable", "Linux program"),
    ("run.txt", b"#!/bin/sh\nrm -rf ~\n", "executable", "a script"),
    ("page.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "markup", "holding a script"),
    ("notes.txt", b"\xef\xbb\xbf  <html><body>hi</body></html>", "markup", "web page"),
    ("logo.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "markup",
     "holding a script"),
    ("files.zip", _zip(), "archive", "not a Word or Excel document"),
    ("invoice.docx", _zip(), "archive", "not a Word or Excel document"),
    ("report.docx", _docx(macros=True), "macros", "macros"),
    ("many.docx", _many_parts(), "archive", "a zip archive of 10,001 parts"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(60), "archive", "old Office file"),
    ("data.csv", gzip.compress(b"a,b\n1,2\n"), "archive", "gzip archive"),
    ("data.txt", bz2.compress(b"a,b\n1,2\n"), "archive", "bzip2 archive"),
    ("noise.txt", bytes(range(256)) * 4, "not_text", "binary"),
    ("客户.csv", "客户名称,金额\n华信,100\n".encode("gbk"), "not_text", "not UTF-8"),
    ("客户.txt", "客户名称".encode("utf-16"), "not_text", "UTF-16"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + bytes(30), "damaged", "damaged"),
    ("empty.pdf", b"", "empty", "empty"),
]


MISMATCHED = [
    ("photo.pdf", PNG_HEAD + bytes(20), "extension_mismatch", "the content is a PNG image, not a PDF document"),
    ("contract.png", PDF, "extension_mismatch", "the content is a PDF document, not a PNG image"),
    ("notes.pdf", b"just text\n", "extension_mismatch", "UTF-8 text, not a PDF document"),
    ("quote.xlsx", _docx(), "extension_mismatch", "a Word document, not an Excel workbook"),
    ("contract.exe", PDF, "extension_not_accepted", "files named .exe are not kept"),
    ("page.html", b"hello\n", "extension_not_accepted", "files named .html are not kept"),
]


@pytest.mark.parametrize("name, content, code, words", FORBIDDEN + MISMATCHED,
                         ids=[f"{f[0]}-{f[2]}" for f in FORBIDDEN + MISMATCHED])
def test_a_forbidden_kind_or_a_name_that_lies_is_refused_naming_the_file_and_why(name, content, code, words):
    with pytest.raises(AttachmentRefusedError) as err:
        check_file(content, name=name)
    assert (err.value.file, err.value.code) == (name, code)
    assert str(err.value).startswith(f"{name}: ") and words in str(err.value)
    assert str(err.value).endswith("; nothing was attached")


def test_a_refused_file_leaves_the_store_as_it_was(crm):
    crm.attach("customers", "C2", PDF, name="kept.pdf")  # something already there, which must stay as it is
    before, usage = crm.state(), crm.attachment_usage()
    for name, content, code, _ in FORBIDDEN + MISMATCHED:
        with pytest.raises(AttachmentRefusedError) as err:
            crm.attach("customers", "C1", content, name=name)
        assert err.value.code == code, name
        assert crm.state() == before and crm.attachment_usage() == usage, name
    assert crm.attachments("customers", "C1").empty


def test_refusals_read_in_chinese_and_bad_sources_are_named(crm, tmp_path):
    with pytest.raises(AttachmentRefusedError, match="^setup.exe：文件内容是Windows 程序.*未添加附件$"):
        crm.attach("customers", "C1", b"MZ" + bytes(10), name="setup.exe", lang="zh")
    with pytest.raises(AttachmentRefusedError, match="not a file") as err:
        crm.attach("customers", "C1", tmp_path)  # a folder
    assert err.value.code == "not_a_file"
    with pytest.raises(AttachmentRefusedError, match="not a file"):
        crm.attach("customers", "C1", "/dev/zero")  # no end: never read
    with pytest.raises(AttachmentRefusedError, match="cannot read it"):
        crm.attach("customers", "C1", tmp_path / "missing.pdf")
    with pytest.raises(AttachmentRefusedError, match="need its name"):
        crm.attach("customers", "C1", PDF)
    # an upload may send a whole path: only its last part is kept as the name
    assert crm.attach("customers", "C1", PDF, name="C:\\scans\\合同.pdf")["file_name"] == "合同.pdf"


# ----------------------------------------------------------------------------- record rules and history


def test_attach_and_detach_are_signed_in_the_records_history(crm):
    a = crm.attach("customers", "C1", PDF, name="合同.pdf", by="王经理")
    assert a["attached_by"] == "王经理"
    detached = crm.detach(a["attachment_id"])
    assert (detached["detached_by"], detached["file_name"]) == ("tester", "合同.pdf")
    history = crm.history("customers", "C1")
    rows = history[history["op"].isin(["attach", "detach"])]
    described = f"合同.pdf ({a['attachment_id']})"
    assert rows[["op", "field", "old_value", "new_value", "changed_by"]].astype(object).where(
        rows[["op", "field", "old_value", "new_value", "changed_by"]].notna(), None).values.tolist() == [
        ["attach", "attachment", None, described, "王经理"],
        ["detach", "attachment", described, None, "tester"]]
    # off the list, still readable, and listed with who detached it when asked
    assert crm.attachments("customers", "C1").empty
    assert crm.open_attachment(a["attachment_id"]) == PDF
    kept = crm.attachments("customers", "C1", include_detached=True)
    assert kept[["attachment_id", "detached_by"]].values.tolist() == [[a["attachment_id"], "tester"]]
    with pytest.raises(RecordNotFoundError):
        crm.detach(a["attachment_id"])  # once is enough


def test_a_deleted_or_unknown_record_takes_no_attachment(crm):
    with pytest.raises(RecordNotFoundError):
        crm.attach("customers", "NOPE", PDF, name="a.pdf")
    a = crm.attach("orders", "S1", PDF, name="a.pdf")
    crm.delete("orders", "S1")
    before = crm.state()
    with pytest.raises(RecordNotFoundError):
        crm.attach("orders", "S1", PNG_HEAD + bytes(5), name="b.png")
    with pytest.raises(RecordNotFoundError):
        crm.attachments("orders", "S1")
    with pytest.raises(RecordNotFoundError):
        crm.open_attachment(a["attachment_id"])
    assert crm.state() == before
    crm.restore("orders", "S1")
    assert crm.attachments("orders", "S1")["attachment_id"].tolist() == [a["attachment_id"]]


def test_a_rep_reaches_the_attachments_of_their_own_book_only(crm, store_url):
    crm.add_user("alice", PASSWORD, role="rep", rep="张伟")
    theirs = crm.attach("customers", "C2", PDF, name="李娜的合同.pdf")
    with crmkit.open(store_url, user="alice") as rep:
        mine = rep.attach("customers", "C1", PNG_HEAD + bytes(8), name="名片.png")
        assert mine["attached_by"] == "alice"
        assert rep.attachments("customers", "C1")["attachment_id"].tolist() == [mine["attachment_id"]]
        before = crm.state()
        with pytest.raises(AccessDeniedError, match="alice may not attach to customers C2"):
            rep.attach("customers", "C2", PDF, name="x.pdf")
        with pytest.raises(RecordNotFoundError):  # not theirs to learn of, as in get
            rep.attachments("customers", "C2")
        with pytest.raises(RecordNotFoundError):
            rep.open_attachment(theirs["attachment_id"])
        with pytest.raises(AccessDeniedError, match="detach from customers C2"):
            rep.detach(theirs["attachment_id"])
        with pytest.raises(ParameterError, match="only an admin may sign"):
            rep.attach("customers", "C1", PDF, name="y.pdf", by="张伟")
        with pytest.raises(AccessDeniedError):
            rep.attachment_usage()
        assert crm.state() == before
        assert set(rep.history()["op"]) >= {"attach"} and "李娜的合同.pdf" not in " ".join(
            rep.history()["new_value"].dropna())


def test_a_merge_brings_the_dropped_customers_files_along(crm):
    crm.attach("customers", "C2", PDF, name="合同.pdf")
    result = crm.merge("customers", keep="C1", drop=["C2"], by="merger")
    assert result.attachments == 1 and "1 attached file(s) moved to C1" in result.describe()
    listed = crm.attachments("customers", "C1")
    assert listed["file_name"].tolist() == ["合同.pdf"]
    history = crm.history("customers", "C1")
    moved = history[history["batch"] == result.batch].query("op == 'attach'")
    assert moved[["old_value", "changed_by"]].values.tolist() == [["C2", "merger"]]
    assert moved["new_value"].iloc[0] == f"合同.pdf ({listed['attachment_id'].iloc[0]})"


# ----------------------------------------------------------------------------- the demo's documents


def test_the_demo_attaches_readable_documents_to_its_key_customers(sqlite_url, tmp_path, request):
    import shutil
    import subprocess

    from PIL import Image

    from crmkit import demo
    from crmkit.demo.documents import documents

    data = demo.generate(60, seed=3)
    assert [d[2] for d in documents(data)] == [d[2] for d in documents(demo.generate(60, seed=3))]  # same bytes
    crm = crmkit.open(sqlite_url, user="tester")  # the demo writes through crm.attach: one backend is enough
    request.addfinalizer(crm.close)
    crm.import_frame(data.tables["customers"], "customers")
    keys = demo.key_customers(data)
    totals = data.tables["orders"].groupby("customer_id")["amount"].sum()
    assert len(keys) == 3 and set(keys) == set(totals.nlargest(3).index)
    assert demo.attach_documents(crm, data, by="crmkit demo") == 9
    before = crm.state()
    demo.attach_documents(crm, data, by="crmkit demo")  # a rerun adds nothing
    assert crm.state() == before
    listed = crm.attachments("customers", keys[0])
    assert sorted(listed["media_type"]) == ["application/pdf", "image/png", "text/csv"]
    assert set(listed["attached_by"]) == {"crmkit demo"}
    files = {row.media_type: crm.open_attachment(row.attachment_id) for row in listed.itertuples()}
    assert Image.open(io.BytesIO(files["image/png"])).size == (240, 170)
    assert files["text/csv"].decode("utf-8-sig").splitlines()[0] == "产品,数量,单价,金额"
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed: the contract's text is not read back")
    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(files["application/pdf"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    name = data.tables["customers"].set_index("customer_id").loc[keys[0], "name"]
    assert "销售合同" in text and name in text
