"""The widgets in a real browser (Debian's Chromium driven by Playwright), no mocks.

1. JupyterLab opens notebooks/entry.ipynb, runs all cells, a customer is typed into the form
   and saved; the test then finds it in the store.
2. ``crmkit app`` (the real command) serves the app with Voila: no code is visible, a walk-in
   is logged from the visit form and a follow-up from the lead board; both reach the store.
3. JupyterLab runs notebooks/explore.ipynb: a region filter changes the explorer's selection,
   and the export's download link delivers an .xlsx with exactly those customers.

Screenshots go to test-artifacts/. The servers run in their own process groups and are
stopped, kernels included, when the tests end.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path

import pandas as pd
import pytest

import browser_helpers as bh
import crmkit

REASON = bh.skip_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "crmkit" / "notebooks"  # shipped in the package
WIDGET_TIMEOUT = 180_000  # ms: a cold kernel on a busy 2-core machine


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'crm.db'}"
    return url, bh.fill_demo_store(url, n_customers=300)


@pytest.fixture(scope="module")
def store_url(demo_store):
    return demo_store[0]


@pytest.fixture(scope="module")
def browser():
    with bh.chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory, store_url):
    root = tmp_path_factory.mktemp("lab")
    work = root / "work"
    work.mkdir()
    bh.copy_notebook(NOTEBOOKS / "entry.ipynb", work)
    bh.copy_notebook(NOTEBOOKS / "explore.ipynb", work)
    port, token = bh.free_port(), secrets.token_hex(16)
    env = {**os.environ, **bh.jupyter_dirs(root), "CRMKIT_DB_URL": store_url, "CRMKIT_USER": "browser-test"}
    log = root / "jupyterlab.log"
    proc = bh.start_server([sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
                            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
                            f"--ServerApp.root_dir={work}", *(["--allow-root"] if os.geteuid() == 0 else [])],
                           env=env, cwd=work, log=log)
    try:
        bh.wait_for_http(f"http://127.0.0.1:{port}/api/status?token={token}", proc, log)
        yield f"http://127.0.0.1:{port}", token
    finally:
        bh.stop_server(proc)


@pytest.fixture(scope="module")
def voila_app(tmp_path_factory, store_url):
    root = tmp_path_factory.mktemp("app")
    port = bh.free_port()
    env = {**os.environ, **bh.jupyter_dirs(root), "CRMKIT_USER": "browser-test"}
    env.pop("CRMKIT_DB_URL", None)  # the app must get the store from --db
    log = root / "voila.log"
    proc = bh.start_server([sys.executable, "-m", "crmkit", "app", "--db", store_url, "--port", str(port),
                            "--no-browser"], env=env, cwd=root, log=log)
    try:
        bh.wait_for_port(port, proc, log)  # (every page of the app starts a kernel: do not probe one)
        yield f"http://127.0.0.1:{port}/"
    finally:
        bh.stop_server(proc)


def open_cards(crm):
    cards = crm.opportunities()
    return cards[cards["status"] == "open"]


def _field(page, form: str, column: str):
    """The input element of a form field (text box, text area or select) by its CSS class."""
    return page.locator(f".crmkit-form-{form} .crmkit-field-{column}").locator("input, textarea, select").first


def _run_all_cells(page, base: str, token: str, notebook: str) -> None:
    from playwright.sync_api import expect

    # A workspace per notebook: only this notebook is open, so the kernel status below is its own.
    workspace = notebook.removesuffix(".ipynb")
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{notebook}?token={token}", timeout=WIDGET_TIMEOUT)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=WIDGET_TIMEOUT)
    # "Run All Cells" does nothing until the kernel is up: wait for the status bar to say so.
    expect(page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle"))).to_be_visible(
        timeout=WIDGET_TIMEOUT)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def test_jupyterlab_runs_the_entry_notebook_and_saves_a_customer(jupyterlab, page, store_url):
    from playwright.sync_api import expect

    with bh.screenshot_on_failure(page, "jupyterlab_entry"):
        base, token = jupyterlab
        _run_all_cells(page, base, token, "entry.ipynb")
        page.wait_for_selector(".crmkit-entry-forms .crmkit-form-customers", timeout=WIDGET_TIMEOUT)

        name = f"浏览器测试客户{secrets.token_hex(3)}"
        form = ".crmkit-entry-forms"
        _field(page.locator(form), "customers", "name").fill(name)
        _field(page.locator(form), "customers", "phone").fill("13912345678")
        _field(page.locator(form), "customers", "region").fill("华东")
        _field(page.locator(form), "customers", "region").press("Tab")
        page.locator(f"{form} .crmkit-form-customers .crmkit-save").click()
        expect(page.locator(f"{form} .crmkit-form-customers .crmkit-status")).to_contain_text("已保存", timeout=60_000)
        page.wait_for_selector(".crmkit-editor", timeout=WIDGET_TIMEOUT)  # the editor cell rendered too
        bh.ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(bh.ARTIFACTS / "jupyterlab_entry.png"), full_page=True)
        bh.assert_no_widget_failures(page)

        with crmkit.open(store_url) as crm:
            saved = crm.customers()
            row = saved[saved["name"] == name]
        assert len(row) == 1
        assert row["phone"].iloc[0] == "13912345678" and row["region"].iloc[0] == "华东"


def test_voila_app_hides_code_and_logs_a_walk_in_and_a_follow_up(voila_app, page, demo_store):
    from playwright.sync_api import expect

    store_url, accounts = demo_store
    with crmkit.open(store_url) as crm:   # the rep with the most open cards logs in
        rep = open_cards(crm)["rep"].value_counts().index[0]
    with bh.screenshot_on_failure(page, "voila_app"):
        bh.log_in(page, voila_app, rep, accounts[rep][0])
        page.wait_for_selector(".crmkit-app .crmkit-form-customers", timeout=WIDGET_TIMEOUT)
        assert page.locator(".jp-CodeCell .jp-InputArea, .jp-InputArea-editor, .CodeMirror, .cm-editor").count() == 0
        assert "app_layout" not in page.inner_text("body") and "crmkit.open" not in page.inner_text("body")

        # A walk-in on the visit form (拜访记录): channel 来店 is the default; say what they came for.
        page.locator(".crmkit-entry-forms .lm-TabBar-tab, .crmkit-entry-forms .p-TabBar-tab",
                     has_text="拜访记录").first.click()
        purpose = f"看新款样品{secrets.token_hex(3)}"
        _field(page, "interactions", "purpose").fill(purpose)
        _field(page, "interactions", "purpose").press("Tab")
        page.locator(".crmkit-form-interactions .crmkit-save").click()
        expect(page.locator(".crmkit-form-interactions .crmkit-status")).to_contain_text("已保存", timeout=60_000)
        bh.ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(bh.ARTIFACTS / "voila_walk_in.png"), full_page=True)

        # The lead board: log a follow-up on the first card, raising its grade to A.
        page.locator(".crmkit-app > .lm-TabBar .lm-TabBar-tab, .crmkit-app .lm-TabBar-tab",
                     has_text="跟进看板").first.click()
        card_select = page.locator(".crmkit-board-card select")
        expect(card_select).to_be_visible(timeout=60_000)
        card_label = card_select.evaluate("s => s.options[s.selectedIndex].textContent")
        oid = card_label.split()[0]  # (ipywidgets shows the label's spaces as no-break spaces)
        page.locator(".crmkit-board-channel select").select_option(label="拜访")
        page.locator(".crmkit-board-result input").fill("浏览器里记录的跟进")
        page.locator(".crmkit-board-result input").press("Tab")
        page.locator(".crmkit-board-new-grade select").select_option(label="A")
        page.locator(".crmkit-board-log").click()
        expect(page.locator(".crmkit-board-status")).to_contain_text("已记录", timeout=60_000)
        expect(page.locator(".crmkit-board-status")).to_contain_text(oid)
        page.screenshot(path=str(bh.ARTIFACTS / "voila_lead_board.png"), full_page=True)
        bh.assert_no_widget_failures(page)

        with crmkit.open(store_url) as crm:
            walk_ins = crm.interactions()
            walk_in = walk_ins[walk_ins["purpose"] == purpose]
            assert len(walk_in) == 1 and walk_in["channel"].iloc[0] == "walk_in"
            # signed by the logged-in account, not by the server's OS user nor CRMKIT_USER
            assert set(crm.history("interactions", walk_in["interaction_id"].iloc[0])["changed_by"]) == {rep}
            assert walk_in["rep"].iloc[0] == rep   # the form starts with the rep's own name
            card = crm.get("opportunities", oid)
            assert card["intent_grade"] == "A"
            follow_up = crm.interactions(customer=card["customer_id"])
            follow_up = follow_up[follow_up["result"] == "浏览器里记录的跟进"]
            assert len(follow_up) == 1 and follow_up["channel"].iloc[0] == "visit"
            assert oid in follow_up["purpose"].iloc[0]


def test_jupyterlab_explorer_updates_when_a_filter_changes_and_exports(jupyterlab, page, tmp_path):
    from playwright.sync_api import expect

    with bh.screenshot_on_failure(page, "jupyterlab_explore"):
        base, token = jupyterlab
        _run_all_cells(page, base, token, "explore.ipynb")
        summary = page.locator(".crmkit-explorer-summary")
        expect(summary).to_contain_text("已选", timeout=WIDGET_TIMEOUT)
        page.wait_for_selector(".crmkit-explorer .crmkit-chart-count", timeout=WIDGET_TIMEOUT)
        page.wait_for_selector(".crmkit-board .crmkit-board-table", timeout=WIDGET_TIMEOUT)
        before = summary.inner_text()
        everyone = int(re.search(r"已选 ([\d,]+) 位", before).group(1).replace(",", ""))
        page.locator(".crmkit-explorer-region select").select_option(index=1)  # the first region
        expect(summary).not_to_have_text(before, timeout=60_000)
        in_region = int(re.search(r"已选 ([\d,]+) 位", summary.inner_text()).group(1).replace(",", ""))
        assert 0 < in_region < everyone
        summary.scroll_into_view_if_needed()
        bh.ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(bh.ARTIFACTS / "jupyterlab_explore.png"))
        page.locator(".crmkit-explorer-export").scroll_into_view_if_needed()
        page.screenshot(path=str(bh.ARTIFACTS / "jupyterlab_explore_table.png"))
        page.locator(".crmkit-board-log").scroll_into_view_if_needed()
        page.screenshot(path=str(bh.ARTIFACTS / "jupyterlab_board.png"))

        # Export the region's customers and download the file through the page's link.
        page.locator(".crmkit-explorer-export").click()
        link = page.locator(".crmkit-explorer-export-status a[download]")
        expect(link).to_be_visible(timeout=60_000)
        with page.expect_download() as download:
            link.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        back = pd.read_excel(saved, dtype=str, engine="openpyxl")
        assert len(back) == in_region and back.columns[0] == "客户编号"
        bh.assert_no_widget_failures(page)
