"""Rendering the monthly report: papermill in a real kernel, code-free HTML, PDF, manifest, batches.

Every render here runs ``notebooks/monthly_report.ipynb`` (or a copy of it with one cell added)
in a real Jupyter kernel on a small demo store, converts it with nbconvert, and, where asked,
prints it with Debian's chromium.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import crmkit
from crmkit import cli, demo
from crmkit.reports import render_monthly
from crmkit.exceptions import (BatchRenderError, NoReportDataError, ReportExecutionError, ReportKernelError,
                               ReportParameterError)
from crmkit.reports.execute import TIMINGS_MIME
from crmkit.reports.job import _safe_name
from crmkit.reports.render import NOTEBOOK, last_full_month

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_PHONE = "13912345678"
HOSTILE_EMAIL = "victim.xss@example.com"


def _fill(url: str, data) -> None:
    with crmkit.open(url) as crm:
        demo.load_into(crm, data, history=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A 500-customer demo store (history up to 2026-10-31) plus one customer whose name is a
    script and whose phone the report must mask: created on the month's first day (so the
    new-customers table lists it first) and buying big in October."""
    url = f"sqlite:///{tmp_path_factory.mktemp('report-store') / 'crm.db'}"
    _fill(url, demo.generate(n_customers=500, seed=3))
    with crmkit.open(url) as crm:
        crm.add("customers", {"customer_id": "000000", "name": HOSTILE_NAME, "phone": HOSTILE_PHONE,
                              "email": HOSTILE_EMAIL, "region": "华东", "owner": "张伟", "source": "网络",
                              "created_at": "2026-10-01 00:00:00", "status": "active"})
        crm.add("orders", {"order_id": "XSS-1", "customer_id": "000000", "ordered_at": "2026-10-02 10:00:00",
                           "amount": 990000.0, "rep": "张伟", "product": "测试"})
    return url


@pytest.fixture(scope="module")
def report(store, tmp_path_factory):
    """The October report of the store, with a PDF, rendered once for several tests."""
    return render_monthly("2026-10", db_url=store, out_dir=tmp_path_factory.mktemp("reports"), pdf=True)


def _html(paths) -> str:
    return paths.html.read_text(encoding="utf-8")


class _VisibleText(HTMLParser):
    """The text a reader sees in an HTML output: no tags, no attributes (pandas' Styler gives its
    tables random ids on every run), no <style> or <script> contents."""

    def __init__(self):
        super().__init__()
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def _visible(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def _numbers(notebook: Path, manifest: dict) -> list[str]:
    """Every text output of the executed notebook as a reader sees it, with the timing record left
    out and any timestamp of the render's own run replaced: what must agree between two renders."""
    started = pd.Timestamp(manifest["started_at"]).tz_localize(None) - pd.Timedelta(minutes=1)
    finished = pd.Timestamp(manifest["finished_at"]).tz_localize(None) + pd.Timedelta(minutes=1)

    def drop_run_time(text: str) -> str:
        def sub(m):
            stamp = pd.Timestamp(m.group(0))
            return "<run time>" if started <= stamp.tz_localize(None) <= finished else m.group(0)
        return re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", sub, text)

    nb = nbformat.read(str(notebook), as_version=4)
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                texts.append(drop_run_time(out["text"]))
            for mime, value in out.get("data", {}).items():
                if mime == TIMINGS_MIME or mime.startswith("image/"):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
                texts.append(drop_run_time(_visible(text) if mime == "text/html" else text))
    return texts


# --------------------------------------------------------------------------- one report, end to end

def test_report_renders_html_pdf_notebook_and_manifest_through_a_real_kernel(report, store):
    assert report.month == "2026-10"
    for path in report.files:
        assert path.exists() and path.stat().st_size > 0, path
    assert report.html.name == "monthly_report_2026-10.html"
    assert {p.parent for p in report.files} == {report.html.parent} and report.html.parent.name == "2026-10"

    html = _html(report)
    assert "<title>客户月报 2026-10</title>" in html
    assert "2026-10" in html and "<table" in html
    assert html.count("data:image/png;base64,") >= 5, "the figures are embedded, so the file stands alone"
    # no code, no prompts, no scripts (nothing to load from a CDN, nothing to run)
    assert "load_month" not in html and "content.show" not in html
    assert "In&nbsp;[" not in html
    assert 'class="jp-InputPrompt' not in html and 'class="jp-OutputPrompt' not in html
    assert "<script" not in html.lower()

    executed = nbformat.read(str(report.notebook), as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'month = "2026-10"' in injected[0].source

    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    assert manifest["parameters"] == {"month": "2026-10", "db_url": store, "region": None, "rep": None,
                                      "show_personal_data": False, "lang": "zh+en", "currency": "CNY"}
    assert manifest["environment"]["crmkit"] == crmkit.__version__
    assert manifest["environment"]["pandas"] == pd.__version__
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["data_fingerprint"]["sha256"])
    assert manifest["data_fingerprint"]["month_rows"]["orders"] > 0
    assert manifest["outputs"]["html_sha256"] == hashlib.sha256(report.html.read_bytes()).hexdigest()
    assert manifest["outputs"]["pdf"] == report.pdf.name
    assert pd.Timestamp(manifest["started_at"]) < pd.Timestamp(manifest["finished_at"])
    stages = manifest["stages_seconds"]
    for stage in ("kernel_start", "queries", "analysis", "plotting", "conversion", "pdf", "total"):
        assert stages[stage] > 0, stage
    assert stages["total"] >= stages["kernel_start"] + stages["conversion"]


def test_pdf_is_a4(report):
    data = report.pdf.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes, "no page size in the PDF"
    for width, height in boxes:  # A4 is 595.28 x 841.89 points
        assert abs(float(width) - 595.3) < 1.5 and abs(float(height) - 841.9) < 1.5


def test_pdf_pages_are_images_we_can_look_at(report):
    """Each page rasterised (what a reviewer looks at): needs poppler's pdftoppm."""
    import subprocess

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "monthly_report_page"
    for old in ARTIFACTS.glob("monthly_report_page*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(report.pdf), str(prefix)], check=True, timeout=120)
    pages = sorted(ARTIFACTS.glob("monthly_report_page*.png"))
    assert len(pages) >= 3, "a month of a demo store fills several A4 pages"


def test_report_in_a_browser_runs_nothing_and_fits_a4_width(report):
    """Chromium opens the report at A4 width (794 CSS px): no dialog fires (the hostile name is
    text, not a script), the page does not scroll sideways, and the screenshot is kept."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    dialogs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 794, "height": 1123})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.html.as_uri(), wait_until="load")
            page.wait_for_timeout(300)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            text = page.inner_text("body")
            page.screenshot(path=str(ARTIFACTS / "monthly_report.png"), full_page=True)
        finally:
            browser.close()
    assert dialogs == []
    assert overflow <= 0, f"the page is {overflow}px wider than A4"
    assert HOSTILE_NAME in text, "the hostile name is shown as text"
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == [], "the report loads nothing from the web"


# --------------------------------------------------------------------------- privacy and escaping

def test_customer_strings_are_escaped_and_phones_masked_by_default(report):
    html = _html(report)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "139****5678" in html, "the hostile customer is listed (masked), so the absence below means something"
    assert HOSTILE_PHONE not in html and HOSTILE_EMAIL not in html
    assert HOSTILE_PHONE not in report.notebook.read_text(encoding="utf-8")


def test_personal_data_shows_only_with_the_explicit_flag(store, tmp_path):
    shown = render_monthly("2026-10", db_url=store, out_dir=tmp_path, show_personal_data=True)
    html = _html(shown)
    assert HOSTILE_PHONE in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    manifest = json.loads(shown.manifest.read_text(encoding="utf-8"))
    assert manifest["parameters"]["show_personal_data"] is True


# --------------------------------------------------------------------------- the command, defaults, reproducibility

def test_last_full_month_of_the_demo_store_is_october(store):
    with crmkit.open(store) as crm:
        assert last_full_month(crm) == "2026-10"


def test_last_full_month_is_the_month_before_the_day_after_the_latest_date(tmp_path):
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    with crmkit.open(url) as crm:
        crm.add("customers", {"customer_id": "1", "name": "甲"})
        crm.add("interactions", {"interaction_id": "i1", "customer_id": "1", "occurred_at": "2026-10-15 09:00"})
        assert last_full_month(crm) == "2026-09"  # October is not over in the data
        crm.add("orders", {"order_id": "o1", "customer_id": "1", "ordered_at": "2026-10-31 18:00", "amount": 1.0})
        assert last_full_month(crm) == "2026-10"


def test_last_full_month_of_a_store_without_activity_is_a_clear_error(tmp_path):
    with crmkit.open(f"sqlite:///{tmp_path / 'crm.db'}") as crm:
        crm.add("customers", {"customer_id": "1", "name": "甲"})
        with pytest.raises(NoReportDataError, match="name the month"):
            last_full_month(crm)


def test_crmkit_report_defaults_to_the_last_full_month_and_gives_the_same_numbers(store, report, tmp_path, capsys):
    """`crmkit report` with no --month renders 2026-10 and prints where; a second render of the
    same data and parameters gives identical numbers and the same data fingerprint."""
    code = cli.main(["report", "--db", store, "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    again = tmp_path / "2026-10" / "monthly_report_2026-10.html"
    assert again.exists()
    assert "2026-10" in out and "last full month" in out and "monthly_report_2026-10.html" in out

    first_manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    second_manifest = json.loads(again.with_suffix(".manifest.json").read_text(encoding="utf-8"))
    assert first_manifest["data_fingerprint"] == second_manifest["data_fingerprint"]
    first = _numbers(report.notebook, first_manifest)
    second = _numbers(again.with_suffix(".ipynb"), second_manifest)
    assert len(first) > 20
    assert first == second
    # and byte for byte: no random ids, no timestamps, the same images
    assert first_manifest["outputs"]["html_sha256"] == second_manifest["outputs"]["html_sha256"]


def test_a_change_in_the_data_changes_the_fingerprint(store, tmp_path):
    from crmkit.reports.manifest import data_fingerprint

    copy = tmp_path / "crm.db"
    shutil.copy(store.removeprefix("sqlite:///"), copy)
    with crmkit.open(f"sqlite:///{copy}") as crm:
        before = data_fingerprint(crm, "2026-10")
        assert data_fingerprint(crm, "2026-10") == before
        row = crm.get("orders", "XSS-1")
        crm.update("orders", "XSS-1", {"amount": 1.0}, expected_version=row["version"])
        after = data_fingerprint(crm, "2026-10")
    assert after["sha256"] != before["sha256"]


def test_a_month_without_data_renders_a_report_that_says_so(store, tmp_path):
    empty = render_monthly("2020-01", db_url=store, out_dir=tmp_path)
    html = _html(empty)
    assert "No records for 2020-01" in html
    manifest = json.loads(empty.manifest.read_text(encoding="utf-8"))
    assert set(manifest["data_fingerprint"]["month_rows"].values()) == {0}


@pytest.mark.parametrize("kwargs, match", [
    ({"month": "2026-13"}, "month"),
    ({"month": "October"}, "YYYY-MM"),
    ({"month": "2026-10", "by": "team"}, "region"),
    ({"month": "2026-10", "by": "region", "region": "华东"}, "by='region'"),
    ({"month": "2026-10", "show_personal_data": "False"}, "True or False"),
    ({"month": "2026-10", "by": "rep", "jobs": 0}, "jobs"),
    ({"month": "2026-10", "lang": "fr"}, "zh\\+en, zh, en"),
    ({"month": "2026-10", "currency": "DOLLARS"}, "ISO 4217"),
])
def test_bad_parameters_are_refused_before_anything_runs(store, tmp_path, kwargs, match):
    with pytest.raises(ReportParameterError, match=match):
        render_monthly(db_url=store, out_dir=tmp_path, **kwargs)
    assert not any(tmp_path.iterdir())


def test_a_missing_store_is_a_clear_error_not_an_empty_report(tmp_path, capsys):
    code = cli.main(["report", "--db", str(tmp_path / "nowhere.db"), "--out", str(tmp_path / "out")])
    assert code == 1
    assert "no store there" in capsys.readouterr().err
    assert not (tmp_path / "nowhere.db").exists()


# --------------------------------------------------------------------------- failures are loud

def _notebook_with_cell(tmp_path: Path, position: int, source: str) -> Path:
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    nb.cells.insert(position, nbformat.v4.new_code_cell(source))
    path = tmp_path / "failing_report.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_a_failing_cell_names_the_cell_and_the_error_and_keeps_the_partial_notebook(store, tmp_path, capsys):
    notebook = _notebook_with_cell(tmp_path, 2, 'raise ValueError("the boom test")')
    with pytest.raises(ReportExecutionError) as caught:
        render_monthly("2026-10", db_url=store, out_dir=tmp_path / "out", notebook=notebook)
    err = caught.value
    assert err.cell_index == 2 and err.ename == "ValueError" and err.evalue == "the boom test"
    assert "cell 2" in str(err) and 'raise ValueError("the boom test")' in str(err) and str(err.notebook_path) in str(err)
    partial = nbformat.read(str(err.notebook_path), as_version=4)
    loaded = [c for c in partial.cells if c.cell_type == "code" and "load_month" in c.source]
    assert loaded and loaded[0].execution_count is not None, "the cells before the failure ran and are kept"
    assert not err.notebook_path.with_suffix(".html").exists(), "no report is written from a failed run"

    code = cli.main(["report", "--month", "2026-10", "--db", store, "--out", str(tmp_path / "cli"),
                     "--notebook", str(notebook)])
    stderr = capsys.readouterr().err
    assert code == 1
    assert "failed in cell 2" in stderr and "ValueError: the boom test" in stderr
    assert "failing_report_2026-10.ipynb" in stderr
    assert (tmp_path / "cli" / "2026-10" / "failing_report_2026-10.ipynb").exists()


# --------------------------------------------------------------------------- batches

@pytest.fixture(scope="module")
def three_region_store(tmp_path_factory):
    """A small demo store whose customers live in three regions (one of them with a slash, which a
    file name cannot hold), so a batch stays quick."""
    data = demo.generate(n_customers=300, seed=5)
    regions = data.tables["customers"]["region"].astype(str)
    names = sorted(regions.unique())
    mapping = {r: ("华东", "华南", "西北/西南")[i % 3] for i, r in enumerate(names)}
    data.tables["customers"] = data.tables["customers"].assign(region=regions.map(mapping))
    url = f"sqlite:///{tmp_path_factory.mktemp('three-regions') / 'crm.db'}"
    _fill(url, data)
    return url


def test_by_region_renders_one_report_per_region_in_one_call(three_region_store, tmp_path):
    result = render_monthly("2026-10", db_url=three_region_store, out_dir=tmp_path, by="region", jobs=2)
    assert list(result) == ["华东", "华南", "西北/西南"]
    for region, paths in result.items():
        assert paths.region == region and paths.html.exists() and paths.manifest.exists()
        manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
        assert manifest["parameters"]["region"] == region
        assert f"<title>客户月报 2026-10 · 区域 {region}</title>" in _html(paths)
    assert result["华东"].html.name == "monthly_report_2026-10_region-华东.html"
    slash = result["西北/西南"].html.name
    assert slash.startswith("monthly_report_2026-10_region-西北_西南-") and "/" not in slash
    fingerprints = {json.loads(p.manifest.read_text())["data_fingerprint"]["sha256"] for p in result.values()}
    assert len(fingerprints) == 3, "each region's report has its own rows, so its own fingerprint"

    # Two workers, three reports: one report ran in a kernel another report had used before. Its
    # numbers are those of a report rendered alone, in a fresh kernel.
    manifests = {r: json.loads(p.manifest.read_text(encoding="utf-8")) for r, p in result.items()}
    reused = [r for r, m in manifests.items() if m["kernel"]["reused"]]
    assert len(reused) == 1
    alone = render_monthly("2026-10", db_url=three_region_store, out_dir=tmp_path / "alone", region=reused[0])
    alone_manifest = json.loads(alone.manifest.read_text(encoding="utf-8"))
    assert alone_manifest["kernel"]["reused"] is False
    assert alone_manifest["data_fingerprint"] == manifests[reused[0]]["data_fingerprint"]
    assert _numbers(alone.notebook, alone_manifest) == _numbers(result[reused[0]].notebook, manifests[reused[0]])


def test_a_failing_report_in_a_batch_does_not_stop_the_others(three_region_store, tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('month = "2026-10"\ndb_url = None\nregion = None\nrep = None\n'
                                       'show_personal_data = False')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell('if region == "华南":\n    raise RuntimeError("no data for " + region)'),
                nbformat.v4.new_code_cell('print("report of", region)')]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = tmp_path / "tiny.ipynb"
    nbformat.write(nb, str(notebook))

    with pytest.raises(BatchRenderError) as caught:
        render_monthly("2026-10", db_url=three_region_store, out_dir=tmp_path / "out", by="region",
                       notebook=notebook, jobs=1)
    err = caught.value
    assert list(err.failures) == ["华南"] and isinstance(err.failures["华南"], ReportExecutionError)
    assert err.failures["华南"].cell_index == 1 and err.failures["华南"].ename == "RuntimeError"
    # 华南 ran second, in the kernel 华东 had used: the partial notebook still reads like its source
    partial = nbformat.read(str(err.failures["华南"].notebook_path), as_version=4)
    assert not any("%reset" in c.source for c in partial.cells)
    assert sorted(err.rendered) == ["华东", "西北/西南"]
    assert all(p.html.exists() for p in err.rendered.values())
    assert "1 of 3 reports by region failed" in str(err) and "region 华南" in str(err)
    assert "reports by region" in capsys.readouterr().err, "the progress bar goes to stderr"


def test_file_names_keep_chinese_and_never_collide():
    assert _safe_name("华东") == "华东"
    assert _safe_name("张伟") == "张伟"
    assert "/" not in _safe_name("a/b") and _safe_name("a/b") != _safe_name("a_b")
    assert _safe_name("..") not in ("", ".", "..")


def test_a_kernel_that_cannot_start_is_a_clear_error(store, tmp_path):
    with pytest.raises(ReportKernelError, match="no-such-kernel"):
        render_monthly("2026-10", db_url=store, out_dir=tmp_path, kernel_name="no-such-kernel")


def test_report_errors_survive_the_trip_from_a_worker_process(tmp_path):
    """A batch's workers send errors back pickled: every attribute must arrive."""
    import pickle

    err = ReportExecutionError(3, "content.show(content.kpis(data))", "KeyError", "'amount'",
                               tmp_path / "r.ipynb", "region 华东")
    back = pickle.loads(pickle.dumps(err))
    assert (back.cell_index, back.cell_source, back.ename, back.evalue, back.notebook_path, back.label) == \
        (3, "content.show(content.kpis(data))", "KeyError", "'amount'", tmp_path / "r.ipynb", "region 华东")
    assert str(back) == str(err)
    batch = pickle.loads(pickle.dumps(BatchRenderError("region", {"华东": err}, {})))
    assert "region 华东" in str(batch) and isinstance(batch.failures["华东"], ReportExecutionError)


def test_html_that_slipped_through_unescaped_is_neutralised_but_tables_and_images_stay(tmp_path):
    """Defense in depth: the converter sanitises every HTML output, whatever the notebook did."""
    import base64

    from crmkit.reports.convert import notebook_to_html

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": (
            '<style>.t {color: #333;}</style><table class="t"><thead><tr><th>客户</th></tr></thead>'
            '<tbody><tr><td>甲</td></tr></tbody></table>'
            '<script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">link</a>'
            '<iframe src="https://example.com"></iframe>')}),
        nbformat.v4.new_output("display_data", data={"image/png": png}, metadata={"image/png": {"alt": "图一"}}),
        nbformat.v4.new_output("stream", name="stderr", text="FutureWarning: noise\n"),
    ]
    nb.cells = [cell]
    html = notebook_to_html(nb, tmp_path / "r.html", title="测试 <b>").read_text(encoding="utf-8")
    assert "<title>测试 &lt;b&gt;</title>" in html
    assert "<th>客户</th>" in html and "<td>甲</td>" in html and ".t {color: #333;}" in html
    assert f'src="data:image/png;base64,{png}"' in html and 'alt="图一"' in html
    assert "<script" not in html.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "onerror" not in html and "javascript:" not in html
    assert "<iframe" not in html
    assert "FutureWarning" not in html


@pytest.mark.postgres
def test_a_postgresql_store_renders_and_its_password_stays_out_of_the_files(pg_url, tmp_path):
    """--db works for PostgreSQL too; a password in the URL reaches the kernel through the
    environment, never the executed notebook, the manifest or the HTML."""
    url = pg_url.replace("://postgres@", "://postgres:s3cret-pw@")  # the test server ignores the password
    if url == pg_url:
        pytest.skip("the test server's URL has no user name to add a password to")
    _fill(url, demo.generate(n_customers=300, seed=7))
    paths = render_monthly("2026-10", db_url=url, out_dir=tmp_path)
    for path in paths.files:
        assert "s3cret-pw" not in path.read_text(encoding="utf-8"), path.name
    manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
    assert manifest["parameters"]["db_url"].startswith("postgresql+psycopg://postgres:***@")
    assert manifest["data_fingerprint"]["month_rows"]["interactions"] > 0
    assert "<table" in _html(paths) and "no records for" not in _html(paths)


def test_by_rep_renders_every_rep_with_records_in_the_month(tmp_path):
    """The reps of a batch are those with interactions, orders or opportunities in the month."""
    from crmkit.reports.batch import batch_values

    url = f"sqlite:///{tmp_path / 'crm.db'}"
    with crmkit.open(url) as crm:
        crm.add("customers", {"customer_id": "1", "name": "甲公司", "region": "华东"})
        crm.add("customers", {"customer_id": "2", "name": "乙公司", "region": "华南"})
        crm.add("interactions", {"interaction_id": "i1", "customer_id": "1", "occurred_at": "2026-10-03 09:00",
                                 "rep": "张伟"})
        crm.add("orders", {"order_id": "o1", "customer_id": "2", "ordered_at": "2026-09-30 18:00", "amount": 5.0,
                           "rep": "九月的人"})
        crm.add("opportunities", {"opportunity_id": "p1", "customer_id": "2", "created_at": "2026-10-20",
                                  "rep": "李娜", "title": "新线"})
        assert batch_values(crm, "rep", "2026-10", region=None, rep=None) == ["张伟", "李娜"]
        assert batch_values(crm, "rep", "2026-10", region="华南", rep=None) == ["李娜"]
        assert batch_values(crm, "region", "2026-10", region=None, rep=None) == ["华东", "华南"]
        with pytest.raises(ReportParameterError, match="no rep in 2026-08"):
            batch_values(crm, "rep", "2026-08", region=None, rep=None)


def test_a_kernel_that_dies_names_the_cell_it_was_running(store, tmp_path):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('month = "2026-10"\ndb_url = None\nregion = None\nrep = None\n'
                                       'show_personal_data = False')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell('print("before")'),
                nbformat.v4.new_code_cell("import os\nos._exit(1)"), nbformat.v4.new_code_cell('print("after")')]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = tmp_path / "dies.ipynb"
    nbformat.write(nb, str(notebook))
    with pytest.raises(ReportKernelError) as caught:
        render_monthly("2026-10", db_url=store, out_dir=tmp_path / "out", notebook=notebook)
    assert caught.value.cell_index == 2 and "DeadKernelError" in str(caught.value)
    assert caught.value.notebook_path.exists() and "cell 2" in str(caught.value)
