"""The account one-pager, rendered once end to end through a real kernel (papermill, nbconvert,
Chromium), and its content checked: the plan, the KPIs' actuals, the history, privacy and escaping."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest

import crmkit
from crmkit import demo, plan_metrics
from crmkit.exceptions import ReportParameterError
from crmkit.reports import account_page
from crmkit.reports.account_data import load_account

HOSTILE = "<script>alert(1)</script>华信"
PHONE = "13812345678"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("account")
    url = f"sqlite:///{folder / 'crm.db'}"
    data = demo.generate(n_customers=300, seed=2)
    with crmkit.open(url) as crm:
        demo.load_into(crm, data, history=False)
        plan = crm.account_plans().iloc[0]
        customer = crm.get("customers", plan["customer_id"])
        crm.update("customers", customer["customer_id"], {"name": HOSTILE, "phone": PHONE},
                   expected_version=customer["version"])
    return url, plan["customer_id"], plan["plan_id"], folder


@pytest.fixture(scope="module")
def rendered(demo_store):
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        pytest.skip("no chromium to print the PDF")
    url, customer_id, _, folder = demo_store
    from crmkit.reports import render_account

    paths = render_account(customer_id, db_url=url, out_dir=folder / "reports", pdf=True, lang="zh+en")
    return paths, paths.html.read_text(encoding="utf-8")


def test_the_page_shows_the_plan_its_kpis_against_their_actuals_and_the_history(demo_store, rendered):
    url, customer_id, plan_id, _ = demo_store
    paths, page = rendered
    with crmkit.open(url) as crm:
        plan = crm.account_plan(plan_id)
        actuals = plan_metrics.kpi_actuals(crm, plan=plan_id)
        orders = crm.orders(customer=customer_id)
    for text in [*plan.swot["text"], *plan.goals["title"], *plan.goals["time_bound"], *plan.milestones["title"],
                 *plan.kpis["name"]]:
        assert text in page, text
    sales = actuals[actuals["metric"].astype(object) == "sales"].iloc[0]
    assert f"¥{float(sales['actual']):,.0f}" in page  # the actual the metrics compute, as the page writes money
    assert "客户计划：" in page and "关键业绩指标：实际与目标" in page and "Account history" in page
    last_quarter = orders["ordered_at"].max().to_period("Q")
    in_quarter = orders[orders["ordered_at"].dt.to_period("Q") == last_quarter]["amount"].sum()
    assert str(last_quarter) in page and f"¥{in_quarter:,.0f}" in page
    assert paths.manifest.exists() and paths.notebook.exists()


def test_the_page_escapes_what_customers_typed_and_masks_their_phone(rendered):
    _, page = rendered
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;华信" in page
    assert PHONE not in page and "138****5678" in page


def test_the_pdf_is_one_a4_page_with_something_on_it(rendered, tmp_path):
    paths, _ = rendered
    info = subprocess.run(["pdfinfo", str(paths.pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(paths.pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(count for value, count in enumerate(image.histogram()) if value < 128)
    assert dark > 0.01 * image.width * image.height  # text and a chart, not a blank page


def test_the_blocks_without_a_kernel_and_an_unknown_customer(demo_store):
    url, customer_id, _, _ = demo_store
    data = load_account(url, customer_id, lang="en", show_personal_data=True)
    head = account_page.head_html(data)
    assert PHONE in head and "&lt;script&gt;" in head  # shown when asked; escaped always
    frame = account_page.kpi_frame(data)
    assert list(frame.columns[:3]) == ["Name", "Metric", "Weight"] and frame["Weight"].tolist()[0].endswith("%")
    state = account_page.milestone_state(pd.Series({"done_at": pd.NaT, "due_date": pd.Timestamp("2020-01-01")}),
                                         data.as_of, "en")
    assert state == "overdue"
    with pytest.raises(ReportParameterError, match="no such customer"):
        load_account(url, "NOPE")


def test_the_command_asks_for_the_account_and_refuses_the_months_options(tmp_path, capsys):
    from crmkit import cli

    url = f"sqlite:///{tmp_path / 'crm.db'}"
    assert cli.main(["report", "--db", url, "--kind", "account"]) == 1
    assert "--customer" in capsys.readouterr().err
    assert cli.main(["report", "--db", url, "--kind", "account", "--customer", "000001", "--month", "2026-10"]) == 1
    assert "month='2026-10'" in capsys.readouterr().err
    assert cli.main(["report", "--db", url, "--customer", "000001"]) == 1      # a monthly report has no customer
    assert "--kind account" in capsys.readouterr().err
