"""The monthly report in English or Chinese, in the team's currency.

Two renders through a real kernel, once each for the module: the English report with US dollars
(through `crmkit report --lang en --currency USD --pdf`, as a user runs it) and the Chinese one
with the default yuan. Everything a reader sees in the English one is English, except the data's
own values (customer names, regions, reps, categories), which are taken out before looking.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import browser_helpers as bh

import crmkit
from crmkit import cli, demo
from crmkit.reports import content, render_monthly
from crmkit.reports.content.formatting import Numbers, money

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
MONTH = "2026-10"
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('language-store') / 'crm.db'}"
    with crmkit.open(url) as crm:
        demo.load_into(crm, demo.generate(n_customers=400, seed=5), history=False)
    return url


@pytest.fixture(scope="module")
def data_values(store) -> list[str]:
    """Every text value of the records a report may show, longest first (so "华东区" goes before "华东")."""
    values = set()
    with crmkit.open(store) as crm:
        for table, columns in {"customers": ["customer_id", "name", "region", "owner", "source"],
                               "interactions": ["rep"], "orders": ["rep", "product"],
                               "opportunities": ["rep", "lost_reason", "competitor"],
                               "settlements": ["handler"],
                               "complaints": ["category", "content", "handler"]}.items():
            frame = crm.read(table, columns=columns)
            for column in columns:
                values |= set(frame[column].dropna().astype(str))
    return sorted(values, key=len, reverse=True)


@pytest.fixture(scope="module")
def english(store, tmp_path_factory):
    # A US team's store: its language and currency set once (crmkit init), every report after
    # that in English and dollars without being told (the one language switch).
    out = tmp_path_factory.mktemp("english")
    us_store = out / "us.db"
    shutil.copyfile(store.removeprefix("sqlite:///"), us_store)
    assert cli.main(["init", "--db", str(us_store), "--lang", "en", "--currency", "usd"]) == 0
    code = cli.main(["report", "--db", str(us_store), "--month", MONTH, "--pdf", "--out", str(out)])
    assert code == 0
    return out / MONTH / f"monthly_report_{MONTH}.html"


@pytest.fixture(scope="module")
def chinese(store, tmp_path_factory):
    return render_monthly(MONTH, db_url=store, out_dir=tmp_path_factory.mktemp("chinese"), lang="zh").html


class _VisibleText(HTMLParser):
    """What a reader sees: text (no tags, no <style>) and the images' alt texts."""

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


def _visible(path: Path) -> list[str]:
    parser = _VisibleText()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.parts


def _without(text: str, values: list[str]) -> str:
    for value in values:
        text = text.replace(value, "")
    return text


# --------------------------------------------------------------------------- the English report


def test_the_english_report_has_no_chinese_outside_the_data(english, data_values):
    parts = _visible(english)
    assert len(parts) > 200, "the report has its sections"
    chinese = [p for p in parts if CJK.search(_without(p, data_values))]
    assert chinese == [], f"Chinese outside the data's values: {chinese[:10]}"
    text = "\n".join(parts)
    for heading in ("Monthly CRM report 2026-10", "Headline KPIs", "Walk-in and call-in traffic", "Data quality",
                    "Receivables and collection", "October 2026", "How good were our forecasts",
                    "12-month value of the book: $"):
        assert heading in text
    assert '<html lang="en"' in english.read_text(encoding="utf-8")
    assert "<title>Monthly report 2026-10</title>" in english.read_text(encoding="utf-8")


def test_the_check_would_see_chinese_left_in_a_report(english, data_values):
    """The check above strips only the data's values: a Chinese label among them is still found."""
    planted = ["Headline KPIs", "成交金额 $417,700", data_values[-1]]
    assert [p for p in planted if CJK.search(_without(p, data_values))] == ["成交金额 $417,700"]


def test_the_english_report_shows_dollars_not_yuan(english, data_values):
    text = _without("\n".join(_visible(english)), data_values)
    amounts = re.findall(r"\$\d{1,3}(?:,\d{3})*(?![\d.])", text)  # $1,234,567: whole dollars, grouped by three
    assert len(amounts) > 30, "the money in the KPIs, funnel, receivables … is written in dollars"
    # a book's value with its range counts in thousands or millions: $7.21M ($6.85–7.60M)
    ranges = re.findall(r"\$\d{1,3}(?:\.\d{1,3})?[KMB] \(\$\d{1,3}(?:\.\d{1,3})?–\d{1,3}(?:\.\d{1,3})?[KMB]\)", text)
    assert len(ranges) == 1
    for found in ranges:
        text = text.replace(found, "")
    assert re.findall(r".{0,20}\$(?!\d{1,3}(?:,\d{3})*(?![\d.])).{0,20}", text) == []
    assert "¥" not in text and "万元" not in text and "元" not in text


def test_the_english_report_prints_and_its_pages_can_be_looked_at(english):
    pdf = english.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "monthly_report_en_page"
    for old in ARTIFACTS.glob("monthly_report_en_page*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(prefix)], check=True, timeout=120)
    pages = sorted(ARTIFACTS.glob("monthly_report_en_page*.png"))
    assert len(pages) >= 3
    assert all(p.stat().st_size > 10_000 for p in pages), "pages with text and charts, not blank ones"


def test_the_english_report_fits_a4_width_in_a_browser(english):
    """English headers are longer than Chinese ones: the page still does not scroll sideways at
    A4 width (794 CSS px), and no amount is broken across two lines."""
    with bh.chromium() as browser:
        page = browser.new_page(viewport={"width": 794, "height": 1123})
        page.goto(english.as_uri(), wait_until="load")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        # cells holding money whose text takes more than one line
        broken = page.evaluate("""[...document.querySelectorAll('td')]
            .filter(td => td.textContent.trim().startsWith('$'))
            .filter(td => { const r = document.createRange(); r.selectNodeContents(td);
                            return r.getClientRects().length > 1; })
            .map(td => td.textContent.trim())""")
        money_cells = page.evaluate("[...document.querySelectorAll('td')].filter(td => "
                                    "td.textContent.trim().startsWith('$')).length")
    assert overflow <= 0, f"the page is {overflow}px wider than A4"
    assert money_cells > 20 and broken == []


def test_the_english_report_records_its_language_and_currency(english):
    import json

    manifest = json.loads(english.with_suffix(".manifest.json").read_text(encoding="utf-8"))
    assert (manifest["parameters"]["lang"], manifest["parameters"]["currency"]) == ("en", "USD")


# --------------------------------------------------------------------------- the Chinese report


def test_the_chinese_report_shows_yuan_and_the_same_numbers_as_ever(chinese, store):
    text = "\n".join(_visible(chinese))
    assert "$" not in text and "客户管理月报 2026-10" in text and "Headline KPIs" not in text
    data = content.load_month(store, MONTH)  # the default (bilingual) report's numbers
    now = content.kpis(data).data["now"]
    assert f"成交金额 ¥{now['won_revenue']:,.0f}" in text
    assert f"订单金额 ¥{now['orders_revenue']:,.0f}" in text


def test_the_chinese_report_grades_its_forecasts_in_chinese(chinese):
    text = "\n".join(_visible(chinese))
    for said in ("预测准不准", "上季度的购买预测", "朴素预测", "季度初未关闭的意向卡（按当时的有望度）", "分级标准",
                 "未来 12 个月全部客户的预计价值：¥", "自助法，随机种子 0"):
        assert said in text, said
    for english in ("How good were our forecasts", "naive forecast", "the grade says", "bootstrap", "won less often"):
        assert english not in text, english
    assert re.search(r"预计价值：¥[\d,.]+万（¥[\d,.]+–[\d,.]+万）。", text)


# --------------------------------------------------------------------------- charts and money, without a kernel


def _chart_texts(section) -> list[str]:
    from matplotlib.figure import Figure

    texts = []
    for spec in section.figures:
        fig = Figure()
        spec.draw(fig)
        for ax in fig.axes:
            texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
            texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
            if ax.get_legend() is not None:
                texts += [t.get_text() for t in ax.get_legend().get_texts()]
    return [t for t in texts if t]


def test_charts_count_money_in_the_languages_big_units(store, data_values):
    english = content.load_month(store, MONTH, lang="en", currency="USD")
    chinese = content.load_month(store, MONTH, lang="zh")
    en_labels = _chart_texts(content.receivables(english)) + _chart_texts(content.performance(english))
    zh_labels = _chart_texts(content.receivables(chinese)) + _chart_texts(content.performance(chinese))
    assert "owed ($K)" in en_labels or "owed ($M)" in en_labels
    assert any(re.fullmatch(r"won revenue \(\$[KM]\)", t) for t in en_labels)
    assert "未收金额（万元）" in zh_labels and "成交金额（万元）" in zh_labels
    every_chart = [t for s in content.SECTIONS for t in _chart_texts(s(english))]
    assert [t for t in every_chart if CJK.search(_without(t, data_values))] == []


@pytest.mark.parametrize("numbers, value, expected", [
    (Numbers("en", "USD"), 1234567.4, "$1,234,567"),
    (Numbers("zh", "CNY"), 2125500, "¥2,125,500"),
    (Numbers("zh+en", "CNY"), 2125499.5, "¥2,125,500"),
    (Numbers("en", "EUR"), 1234567, "€1,234,567"),
    (Numbers("en", "USD"), None, "—"),
])
def test_money_is_written_as_the_locale_writes_it(numbers, value, expected):
    assert numbers.money(value) == expected


@pytest.mark.parametrize("numbers, values, expected", [
    (Numbers("en", "CNY"), (34_960_508, 32_987_887, 37_492_126), "CN¥35.0M (CN¥33.0–37.5M)"),
    (Numbers("en", "USD"), (1_660_478_558, 1_647_415_413, 1_669_998_691), "$1.660B ($1.647–1.670B)"),
    (Numbers("en", "USD"), (8_400, 8_000, 9_000), "$8.40K ($8.00–9.00K)"),
    (Numbers("zh", "CNY"), (34_960_508, 32_987_887, 37_492_126), "¥3,496万（¥3,299–3,749万）"),
    (Numbers("zh+en", "CNY"), (1_660_478_558, 1_647_415_413, 1_669_998_691), "¥16.60亿（¥16.47–16.70亿）"),
    (Numbers("zh", "USD"), (512, 500, 530), "US$512（US$500–530）"),
    (Numbers("en", "USD"), (5e5, float("nan"), 6e5), "$500K"),
    (Numbers("en", "USD"), (None, 1, 2), "—"),
])
def test_an_amount_with_its_range_counts_in_the_languages_big_units(numbers, values, expected):
    assert numbers.money_range(*values) == expected


def test_a_european_locale_puts_the_euro_after():
    assert money(1234567, "EUR", "de_DE") == "1.234.567\xa0€"


@pytest.mark.parametrize("lang, largest, expected", [
    ("zh", 5e5, (1e4, "万元")), ("zh", 3e8, (1e8, "亿元")), ("en", 5e5, (1e3, "$K")), ("en", 3e6, (1e6, "$M")),
])
def test_the_big_unit_follows_the_language(lang, largest, expected):
    currency = "USD" if lang == "en" else "CNY"
    assert Numbers(lang, currency).money_unit(largest) == expected


def test_an_unknown_language_or_currency_is_refused_with_the_choices(store):
    with pytest.raises(ValueError, match="zh\\+en, zh, en"):
        content.load_month(store, MONTH, lang="de")
    with pytest.raises(ValueError, match="ISO 4217"):
        content.load_month(store, MONTH, currency="XYZ")


def test_the_month_and_scope_read_in_the_reports_language(store):
    english = content.load_month(store, MONTH, lang="en", region="华东")
    assert english.label == "October 2026 (region 华东)"
    chinese = content.load_month(store, MONTH, lang="zh", region="华东")
    assert chinese.label == "2026年10月（华东区域）"
    assert pd.Timestamp(english.start) == pd.Timestamp("2026-10-01")
