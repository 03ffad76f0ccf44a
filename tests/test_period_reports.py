"""The weekly and quarterly reports: each rendered once end to end through a real kernel
(papermill, nbconvert, Chromium), their numbers checked against a recomputation from the raw
records, the English page free of Chinese outside the data, the PDF pages rasterised, and bad
periods refused before anything is written."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import crmkit
from crmkit import cli, demo
from crmkit.exceptions import ReportParameterError
from crmkit.reports import content
from crmkit.reports.content import period as periods

WEEK = "2026-W43"        # Monday 2026-10-19 to Sunday 2026-10-25; the demo's data ends 2026-10-31
QUARTER = "2026Q3"
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # the rasterised pages, for a person to look at


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('period-store') / 'crm.db'}"
    with crmkit.open(url) as crm:
        demo.load_into(crm, demo.generate(n_customers=300, seed=5), history=False)
    return url


@pytest.fixture(scope="module")
def raw(store):
    with crmkit.open(store) as crm:
        return {table: crm.read(table) for table in
                ("customers", "interactions", "orders", "opportunities", "visit_plans")}


@pytest.fixture(scope="module")
def weekly_page(store, tmp_path_factory):
    """The weekly report in English, through the command line, with its PDF."""
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        pytest.skip("no chromium to print the PDF")
    out = tmp_path_factory.mktemp("weekly")
    assert cli.main(["report", "--db", store, "--kind", "weekly", "--lang", "en", "--pdf", "--out", str(out)]) == 0
    return out / WEEK / f"weekly_report_{WEEK}"


@pytest.fixture(scope="module")
def quarterly_page(store, tmp_path_factory):
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        pytest.skip("no chromium to print the PDF")
    from crmkit.reports import render_quarterly

    paths = render_quarterly(QUARTER, db_url=store, out_dir=tmp_path_factory.mktemp("quarterly"), pdf=True,
                             lang="zh+en")
    return paths


def _week(frame, column, start="2026-10-19", days=7):
    start = pd.Timestamp(start)
    return frame[(frame[column] >= start) & (frame[column] < start + pd.Timedelta(days=days))]


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("style", "script")
        if tag == "img":
            self.parts.extend(v for k, v in attrs if k == "alt" and v)

    def handle_endtag(self, tag):
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def _visible(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.parts


def _data_values(raw) -> list[str]:
    values = set()
    for table, columns in {"customers": ["customer_id", "name", "region", "owner", "source"],
                           "interactions": ["rep"], "orders": ["rep"], "opportunities": ["rep"],
                           "visit_plans": ["rep"]}.items():
        for column in columns:
            values |= set(raw[table][column].dropna().astype(str))
    return sorted(values, key=len, reverse=True)


def _pages(pdf: Path, name: str) -> list[Path]:
    """The PDF's pages as PNGs in test-artifacts/ (to look at); the first must be full of ink."""
    from PIL import Image

    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / f"{name}_report_page"
    for old in ARTIFACTS.glob(f"{name}_report_page*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(prefix)], check=True, timeout=120)
    pages = sorted(ARTIFACTS.glob(f"{name}_report_page*.png"))
    first = Image.open(pages[0]).convert("L")
    assert sum(n for value, n in enumerate(first.histogram()) if value < 128) > 5000, "text and a chart, not blank"
    return pages


# --------------------------------------------------------------------------- the weekly report


def test_the_week_is_the_last_full_week_and_its_traffic_is_counted_per_channel_and_day(store, raw):
    with crmkit.open(store) as crm:
        assert periods.last_full_period("weekly", crm.data_date()) == WEEK
    data = content.load_period(store, "weekly", WEEK, lang="en")
    section = content.week_traffic(data)
    for start, daily in (("2026-10-19", section.data["daily"]), ("2026-10-12", section.data["daily_before"])):
        week = _week(raw["interactions"], "occurred_at", start)
        channel = week["channel"].astype(object).where(week["channel"].isin(["visit", "phone", "walk_in", "call_in"]),
                                                       "other")
        assert daily.sum().to_dict() == {c: int((channel == c).sum()) for c in daily.columns}
        per_day = week.groupby(week["occurred_at"].dt.normalize()).size()
        assert daily.sum(axis=1)[daily.sum(axis=1) > 0].to_dict() == per_day.to_dict()
    assert section.data["total"] == len(_week(raw["interactions"], "occurred_at"))


def test_each_reps_follow_ups_due_in_the_week_are_done_or_overdue(store, raw):
    data = content.load_period(store, "weekly", WEEK, lang="en")
    per_rep = content.followups(data).data["per_rep"]
    inter = raw["interactions"]
    end = pd.Timestamp("2026-10-26")
    expected: dict[str, list[int]] = {}
    for row in _week(inter[inter["customer_id"].notna()], "next_date").itertuples():
        later = inter[(inter["customer_id"] == row.customer_id) & (inter["occurred_at"] > row.occurred_at)
                      & (inter["occurred_at"] < end)]
        due_done = expected.setdefault(row.rep, [0, 0])
        due_done[0] += 1
        due_done[1] += int(len(later) > 0)
    assert expected, "the demo has follow-ups due in the week"
    assert {rep: [int(per_rep.loc[rep, "due"]), int(per_rep.loc[rep, "done"])]
            for rep in per_rep.index if per_rep.loc[rep, "due"]} == expected
    logged = _week(inter, "occurred_at")["rep"].astype(object).value_counts()
    assert per_rep["logged"][per_rep["logged"] > 0].to_dict() == logged.to_dict()


def test_visit_plans_count_done_and_missed_per_rep(store, raw):
    data = content.load_period(store, "weekly", WEEK, lang="en")
    per_rep = content.visit_plan_status(data).data["per_rep"]
    items = _week(raw["visit_plans"], "day")
    assert len(items) > 0, "the demo plans visits in the week"
    for status in ("done", "missed"):
        counted = items[items["status"] == status]["rep"].astype(object).value_counts()
        assert per_rep[status][per_rep[status] > 0].to_dict() == counted.to_dict()


def test_the_english_weekly_page_shows_the_counts_without_chinese_but_the_datas(weekly_page, raw):
    html = weekly_page.with_suffix(".html").read_text(encoding="utf-8")
    parts = _visible(html)
    values = _data_values(raw)
    chinese = [p for p in parts if CJK.search(_without(p, values))]
    assert chinese == [], f"Chinese outside the data's values: {chinese[:10]}"
    text = "\n".join(parts)
    this_week = len(_week(raw["interactions"], "occurred_at"))
    last_week = len(_week(raw["interactions"], "occurred_at", "2026-10-12"))
    assert f"{this_week} contacts this week" in text and f"last week ({last_week})" in text
    for heading in ("Weekly CRM report 2026-W43", "Traffic this week and last week", "Follow-ups per rep",
                    "Visit plans done and missed", "from 2026-10-19 to 2026-10-25"):
        assert heading in text
    assert "<title>Weekly report 2026-W43</title>" in html
    manifest = crmkit.reports.manifest.read_manifest(weekly_page.with_suffix(".manifest.json"))
    assert manifest["parameters"]["week"] == WEEK and manifest["report"] == "weekly_report"
    assert manifest["data_fingerprint"]["filters"]["kind"] == "weekly"


def test_the_weekly_pdf_pages_have_the_report_on_them(weekly_page):
    assert len(_pages(weekly_page.with_suffix(".pdf"), "weekly")) >= 1


def _without(text: str, values: list[str]) -> str:
    for value in values:
        text = text.replace(value, "")
    return text


# --------------------------------------------------------------------------- the quarterly report


def test_rep_performance_over_the_quarter_is_the_raw_records_per_rep(store, raw):
    data = content.load_period(store, "quarterly", QUARTER, lang="en")
    scores = content.rep_quarter(data).data["per_rep"]
    start, end = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-10-01")
    orders = raw["orders"][(raw["orders"]["ordered_at"] >= start) & (raw["orders"]["ordered_at"] < end)]
    sales = orders.groupby(orders["rep"].astype(object))["amount"].sum()
    margin = orders.groupby(orders["rep"].astype(object))["gross_margin"].sum()
    for rep in sales.index:
        assert scores.loc[rep, "sales"] == pytest.approx(float(sales[rep]))
        assert scores.loc[rep, "margin"] == pytest.approx(float(margin[rep]))
    opps = raw["opportunities"]
    closed = opps[opps["status"].isin(["won", "lost"]) & (opps["closed_at"] >= start) & (opps["closed_at"] < end)]
    for rep, cards in closed.groupby(closed["rep"].astype(object)):
        assert scores.loc[rep, "won"] == (cards["status"] == "won").sum()
        assert scores.loc[rep, "close_rate"] == pytest.approx((cards["status"] == "won").mean())
    assert scores.loc[sales.idxmax(), "rank_sales"] == 1
    assert list(scores["rank"]) == sorted(scores["rank"])  # best first


def test_sales_by_region_are_against_the_same_quarter_last_year(store, raw):
    data = content.load_period(store, "quarterly", QUARTER, lang="en")
    regions = content.quarter_sales(data).data["regions"]
    region = raw["customers"].set_index("customer_id")["region"].astype(object)
    for year, column in ((2026, "sales"), (2025, "last_year")):
        orders = raw["orders"][raw["orders"]["ordered_at"].dt.to_period("Q") == pd.Period(f"{year}Q3")]
        expected = orders.groupby(orders["customer_id"].astype(object).map(region))["amount"].sum()
        assert regions[column][regions[column] > 0].sort_index().to_dict() == pytest.approx(
            expected[expected > 0].sort_index().to_dict())


def test_the_quarterly_sections_in_english_have_no_chinese_but_the_datas(store, raw):
    data = content.load_period(store, "quarterly", QUARTER, lang="en")
    values = _data_values(raw)
    for analyse in content.QUARTERLY_SECTIONS:
        section = analyse(data)
        texts = [section.title, *section.findings, *(t.title for t in section.tables),
                 *(str(c) for t in section.tables for c in t.frame.columns),
                 *(str(v) for t in section.tables for v in t.frame.to_numpy().ravel())]
        assert [t for t in texts if CJK.search(_without(t, values))] == [], analyse.__name__


def test_the_quarterly_page_ranks_the_reps_in_both_languages_and_prints(quarterly_page, raw):
    html = quarterly_page.html.read_text(encoding="utf-8")
    text = "\n".join(_visible(html))
    orders = raw["orders"][raw["orders"]["ordered_at"].dt.to_period("Q") == pd.Period(QUARTER)]
    best = orders.groupby(orders["rep"].astype(object))["amount"].sum().sort_values().index[-1]
    best_sales = orders[orders["rep"] == best]["amount"].sum()
    assert f"¥{best_sales:,.0f}" in text and best in text
    for heading in ("客户管理季报", "销售顾问季度业绩", "Rep performance over the quarter", "2025Q3"):
        assert heading in text
    assert quarterly_page.manifest.exists() and quarterly_page.notebook.exists()
    assert len(_pages(quarterly_page.pdf, "quarterly")) >= 1


# --------------------------------------------------------------------------- bad periods


@pytest.mark.parametrize("kind, bad", [("weekly", "2026-W60"), ("weekly", "last week"), ("weekly", "2026-10-32"),
                                       ("quarterly", "2026Q5"), ("quarterly", "2026-09")])
def test_a_bad_week_or_quarter_is_refused_and_nothing_is_written(store, tmp_path, kind, bad):
    from crmkit.reports import render_quarterly, render_weekly

    render = render_weekly if kind == "weekly" else render_quarterly
    with pytest.raises(ReportParameterError) as error:
        render(bad, db_url=store, out_dir=tmp_path / "reports")
    message = str(error.value)
    assert bad in message and ("2026-W44" in message if kind == "weekly" else "2026Q3" in message)
    assert not (tmp_path / "reports").exists()


def test_the_command_refuses_a_period_of_another_kind(store, tmp_path, capsys):
    code = cli.main(["report", "--db", store, "--kind", "weekly", "--quarter", "2026Q3", "--out", str(tmp_path)])
    assert code != 0 and "quarter" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
