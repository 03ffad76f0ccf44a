"""What the monthly report says: every section's numbers against the store, privacy, escaping,
empty months, filters, planted data problems, and the notebook itself in a real kernel.

Expected values are computed here from the store's raw reads (``crm.read``) with plain pandas,
independently of ``crmkit.reports.content``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit import demo, value
from crmkit.close.lost import lost_from_table
from crmkit.reports import content
from crmkit.reports.content import display, privacy
from crmkit.reports.content.funnel import LOST, NEW_ROW, WON
from crmkit.reports.content.receivables import VERY_BAD
from crmkit.reports.content.quality import quality_problems

from crmkit.reports.render import NOTEBOOK  # the notebook the package ships
from crmkit.reports.execute import IOPUB_TIMEOUT  # a cell's outputs on a busy machine
MONTH, START, END = "2026-10", pd.Timestamp("2026-10-01"), pd.Timestamp("2026-11-01")
QUARTER_START = pd.Timestamp("2026-08-01")  # the quarter whose forecasts the report grades ends with MONTH
SCRIPT = "<script>alert(1)</script>"


def _in(frame, column, start=START, end=END):
    return frame[(frame[column] >= start) & (frame[column] < end)]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A 600-customer demo store with bad records planted in October 2026; returns (url, ids)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'crm.db'}"
    data = demo.generate(n_customers=600, seed=11)
    ids = {}
    with crmkit.open(url, user="tester") as crm:
        demo.load_into(crm, data)
        customers = crm.customers()
        old = customers[customers["created_at"] < "2026-01-01"]
        a, b = old["customer_id"].iloc[0], old["customer_id"].iloc[1]
        ids["no_channel"] = crm.add("interactions", {"customer_id": a, "occurred_at": "2026-10-15 10:00",
                                                      "rep": "王五"})["interaction_id"]
        ids["no_rep"] = crm.add("interactions", {"customer_id": a, "occurred_at": "2026-10-16 11:00",
                                                  "channel": "walk_in"})["interaction_id"]
        ids["no_grade_no_amount"] = crm.add("opportunities", {"customer_id": a, "created_at": "2026-10-05",
                                                              "status": "open", "stage": "contacted",
                                                              "rep": "王五"})["opportunity_id"]
        ids["lost_no_reason"] = crm.add("opportunities", {
            "customer_id": b, "created_at": "2026-09-01", "status": "lost", "closed_at": "2026-10-20",
            "stage": "quoted", "intent_grade": "B", "expected_amount": 5000, "rep": "王五"})["opportunity_id"]
        ids["overpaid"] = crm.add("settlements", {"customer_id": a, "settled_at": "2026-10-10", "receivable": 100,
                                                  "received": 150})["settlement_id"]
        ids["resolved_no_date"] = crm.add("complaints", {"customer_id": b, "received_at": "2026-10-12 09:00",
                                                         "status": "resolved", "category": "产品质量"})["complaint_id"]
        ids["order_no_rep"] = crm.add("orders", {"customer_id": b, "ordered_at": "2026-10-18 14:00",
                                                 "amount": 1234.0})["order_id"]
        # free text that matplotlib would read as math if it were not escaped
        crm.add("opportunities", {"customer_id": b, "created_at": "2026-09-02", "status": "lost",
                                  "closed_at": "2026-10-21", "stage": "quoted", "intent_grade": "C",
                                  "expected_amount": 100, "rep": "张$三$", "lost_reason": "价格$^$高"})
        crm.add("interactions", {"customer_id": b, "occurred_at": "2026-10-22 10:00", "channel": "visit",
                                 "rep": "张$三$"})
        crm.add("complaints", {"customer_id": b, "received_at": "2026-10-23 10:00", "status": "open",
                               "category": "质量$_$问题"})
        # a new customer nobody can reach, and two new customers sharing a phone and a name
        ids["unreachable"] = crm.add("customers", {"name": "无联系方式公司", "created_at": "2026-10-08",
                                                   "region": "华东"})["customer_id"]
        ids["twin_1"] = crm.add("customers", {"name": "重名商贸", "phone": "13900001111", "created_at": "2026-10-09",
                                              "region": "华东"})["customer_id"]
        ids["twin_2"] = crm.add("customers", {"name": "重名商贸", "phone": "139-0000-1111", "created_at": "2026-10-10",
                                              "region": "华南"})["customer_id"]
        # the first new customer of October gets a hostile name (it is listed in the report)
        new = _in(crm.customers(), "created_at").sort_values("created_at", kind="stable")
        ids["script"] = new["customer_id"].iloc[0]
        row = crm.get("customers", ids["script"])
        crm.update("customers", ids["script"], {"name": SCRIPT}, expected_version=row["version"])
    return url, ids


@pytest.fixture(scope="module")
def raw(planted):
    """The store's full tables, read directly."""
    url, _ = planted
    with crmkit.open(url) as crm:
        return {t: crm.read(t) for t in ["customers", "contacts", "interactions", "opportunities", "orders",
                                         "settlements", "complaints"]}


@pytest.fixture(scope="module")
def october(planted):
    return content.load_month(planted[0], MONTH)


@pytest.fixture(scope="module")
def sections(october):
    return {f.__name__: f(october) for f in content.SECTIONS}


@pytest.fixture(scope="module")
def shell():
    """An IPython shell, so that ``display`` publishes outputs that ``capture_output`` can collect."""
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def _page(sections_: dict, show_personal_data=False) -> str:
    """The HTML the notebook would display for these sections (text and tables; figures are PNG)."""
    parts = []
    for s in sections_.values():
        s = dataclasses.replace(s, show_personal_data=show_personal_data)
        parts.append(display.section_html(s))
        parts.extend(display.table_html(t, show_personal_data) for t in s.tables)
    return "\n".join(parts)


# ------------------------------------------------------------------------------------ loading


@pytest.mark.parametrize("bad", ["2026-13", "Oct 2026", "2026/10", "", "2026-1"])
def test_a_month_that_is_not_yyyy_mm_is_refused_with_the_expected_form(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        content.month_bounds(bad)


def test_load_month_reads_up_to_the_month_end_and_times_the_queries(october, raw):
    assert (october.start, october.end) == (START, END)
    assert october.orders["ordered_at"].max() < END
    assert october.interactions["occurred_at"].min() >= pd.Timestamp("2026-09-01")
    assert len(_in(october.interactions, "occurred_at")) == len(_in(raw["interactions"], "occurred_at"))
    assert october.timings["queries"] > 0
    assert not october.is_empty


def test_load_month_reads_the_same_on_sqlite_and_postgresql(store_url):
    data = demo.generate(n_customers=150, seed=5)
    with crmkit.open(store_url) as crm:
        demo.load_into(crm, data)
        history = crm.history("opportunities")
    month = content.load_month(store_url, MONTH, region="华东")
    # the changes the report reads are exactly the store's history rows since the quarter began
    # (the three months ending with the report's: the forecast section's grades at its start)
    expected_changes = history[(history["op"] == "update") & (history["changed_at"] >= QUARTER_START)]
    got = month.opportunity_changes
    assert len(got) == len(expected_changes) > 0
    assert list(got["record_id"]) == list(expected_changes["record_id"])
    assert (got["changed_at"].to_numpy() == expected_changes["changed_at"].to_numpy()).all()
    assert set(month.customers["region"].astype(str)) == {"华东"}
    expected = data.tables["interactions"]
    customers = data.tables["customers"]
    east = customers.loc[customers["region"] == "华东", "customer_id"]
    expected = _in(expected[expected["customer_id"].isin(east)], "occurred_at")
    assert len(_in(month.interactions, "occurred_at")) == len(expected)
    assert content.kpis(month).data["now"]["contacts"] == len(expected)


# ------------------------------------------------------------------------------------ sections


def test_kpis_match_the_store(sections, raw):
    now = sections["kpis"].data["now"]
    opps = raw["opportunities"]
    won = _in(opps[opps["status"] == "won"], "closed_at")
    visits = _in(raw["interactions"], "occurred_at")
    assert now["new_customers"] == len(_in(raw["customers"], "created_at"))
    assert now["contacts"] == len(visits)
    assert now["traffic"] == visits["channel"].isin(["walk_in", "call_in"]).sum()
    assert now["opportunities_opened"] == len(_in(opps, "created_at"))
    assert now["won_deals"] == len(won)
    assert now["won_revenue"] == pytest.approx(won["expected_amount"].sum())
    assert now["orders_revenue"] == pytest.approx(_in(raw["orders"], "ordered_at")["amount"].sum())
    assert now["received"] == pytest.approx(_in(raw["settlements"], "settled_at")["received"].sum())
    assert now["complaints"] == len(_in(raw["complaints"], "received_at"))
    last_year = sections["kpis"].data["last_year"]
    ly = raw["interactions"]
    assert last_year["contacts"] == len(_in(ly, "occurred_at", pd.Timestamp("2025-10-01"), pd.Timestamp("2025-11-01")))
    text = " ".join(sections["kpis"].findings)
    assert f"{now['won_deals']:,} 单" in text and f"¥{now['won_revenue']:,.0f}" in text


def test_traffic_counts_walk_ins_and_call_ins_per_day_like_a_groupby(sections, raw):
    t = sections["traffic"].data
    visits = _in(raw["interactions"], "occurred_at")
    visits = visits[visits["channel"].isin(["walk_in", "call_in"])]
    per_day = visits.groupby([visits["occurred_at"].dt.day, visits["channel"].astype(str)]).size()
    daily = t["daily"]
    for (day, channel), n in per_day.items():
        assert daily.loc[pd.Timestamp(2026, 10, day), channel] == n
    assert daily.to_numpy().sum() == len(visits) == t["visits"]
    assert t["left_contact"] == visits["left_contact"].fillna(False).astype(bool).sum()
    created = raw["customers"].set_index("customer_id")["created_at"]
    new = visits["customer_id"].isna() | (visits["customer_id"].map(created) >= START)
    assert t["new"] == new.sum()
    buyers = set(_in(raw["orders"], "ordered_at")["customer_id"])
    assert t["bought"] == visits["customer_id"].isin(buyers).sum()
    assert sum(t["by_grade"]) == len(visits)
    assert f"合计 {len(visits):,} 次" in sections["traffic"].findings[0]


def test_new_customers_and_activity_match_the_store(sections, raw):
    new = _in(raw["customers"], "created_at")
    assert sections["new_customers"].data["new"] == len(new)
    per_rep = _in(raw["interactions"], "occurred_at")["rep"].astype(object).fillna("（未填）").value_counts()
    assert sections["activity"].data["per_rep"].sort_index().to_dict() == per_rep.sort_index().to_dict()


def test_won_revenue_and_close_rate_are_the_won_cards_closed_in_the_month(sections, raw):
    opps = raw["opportunities"]
    closed = _in(opps[opps["status"].isin(["won", "lost"])], "closed_at")
    won = closed[closed["status"] == "won"]
    p = sections["performance"].data
    assert p["won_revenue"] == pytest.approx(won["expected_amount"].sum())
    assert p["close_rate"] == pytest.approx(len(won) / len(closed))
    quarter = _in(opps[opps["status"].isin(["won", "lost"])], "closed_at", pd.Timestamp("2026-08-01"))
    won_amount = quarter["expected_amount"].where(quarter["status"] == "won", 0.0)
    by_rep = won_amount.groupby(quarter["rep"].astype(str)).sum()
    assert p["per_rep"]["revenue"].sort_index().to_dict() == pytest.approx(by_rep.sort_index().to_dict())


def test_funnel_counts_the_cards_open_at_the_month_end(sections, raw):
    opps = raw["opportunities"]
    made = opps[opps["created_at"] < END]
    open_end = made[made["closed_at"].isna() | (made["closed_at"] >= END)]
    f = sections["funnel"].data
    assert f["open_end"] == len(open_end)
    assert f["grades_end"][["O", "A", "B", "C"]].to_dict() == \
        open_end["intent_grade"].astype(str).value_counts().reindex(list("OABC"), fill_value=0).to_dict()
    moves = f["moves"]
    closed_in_month = _in(opps[opps["status"].isin(["won", "lost"])], "closed_at")
    assert moves[WON].sum() + moves[LOST].sum() == len(closed_in_month)
    assert moves.loc[NEW_ROW].sum() == len(_in(opps, "created_at"))


def test_grades_are_rebuilt_from_the_history_for_a_past_month(tmp_path):
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    data = demo.generate(n_customers=150, seed=2)
    with crmkit.open(url) as crm:
        demo.load_into(crm, data, history=False)
        opps = crm.opportunities()
        card = opps[(opps["status"] == "open") & (opps["intent_grade"] == "C")].iloc[0]
        before = content.funnel(content.load_month(url, MONTH)).data["grades_end"]
        row = crm.get("opportunities", card["opportunity_id"])
        # the change is dated now (after October), so October's report must still see grade C
        crm.update("opportunities", card["opportunity_id"], {"intent_grade": "O"}, expected_version=row["version"])
        crm.add("interactions", {"customer_id": card["customer_id"], "occurred_at": pd.Timestamp.now().floor("s"),
                                 "channel": "phone", "rep": card["rep"]})
    after = content.funnel(content.load_month(url, MONTH)).data["grades_end"]
    assert after.to_dict() == before.to_dict()
    month_now = f"{pd.Timestamp.now():%Y-%m}"
    now = content.funnel(content.load_month(url, month_now)).data
    assert now["grades_end"]["O"] >= 1
    moved = now["moves"]
    assert moved.loc["C", "O"] >= 1 and now["upgraded"] >= 1


def test_segments_and_migration_match_crmkit_value(sections, october, raw):
    orders = raw["orders"]
    orders = orders[orders["ordered_at"] < END]
    expected = value.rfm_segments(value.rfm_summary(orders, as_of="2026-10-31"))["segment"].value_counts()
    got = sections["segments"].data["segments"]
    assert got.to_dict() == expected[expected > 0].to_dict()
    moves = value.segment_migration(orders, since="2026-09-30", as_of="2026-10-31")
    assert sections["segments"].data["migration"].equals(moves)
    top = sections["segments"].data["top"]
    month = _in(orders, "ordered_at").groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    assert top["sum"].iloc[0] == pytest.approx(month.iloc[0])


def test_clv_outlook_is_positive_for_every_buyer(sections, raw):
    values = sections["clv"].data["values"]
    buyers = raw["orders"][raw["orders"]["ordered_at"] < END]["customer_id"].nunique()
    assert len(values) == buyers
    assert (values["clv"] >= 0).all() and values["p_alive"].between(0, 1).all()
    assert sections["clv"].data["total"] == pytest.approx(values["clv"].sum())


def test_clv_states_the_books_value_with_an_interval_that_reproduces(sections, october):
    clv = sections["clv"].data
    interval = clv["interval"]
    assert interval.lower < interval.estimate < interval.upper
    assert interval.estimate == pytest.approx(clv["total"], rel=1e-12)
    # the width is the parameters' uncertainty on a 600-customer book: a few percent, not 0 and not 100 %
    assert 0.01 < (interval.upper - interval.lower) / interval.estimate < 0.5
    stated = october.fmt.money_range(interval.estimate, interval.lower, interval.upper)
    assert re.fullmatch(r"¥[\d,]+万（¥[\d,]+–[\d,]+万）", stated), stated
    assert sections["clv"].findings[0] == f"未来 12 个月全部客户的预计价值：{stated}。"
    assert any("自助法，随机种子 0" in f for f in sections["clv"].findings)
    again = content.clv(dataclasses.replace(october, timings={})).data["interval"]
    assert (again.lower, again.estimate, again.upper) == (interval.lower, interval.estimate, interval.upper)


def test_receivables_ageing_adds_up_to_what_is_owed(sections, raw):
    s = raw["settlements"]
    s = s[s["settled_at"] < END]
    owed = s["outstanding"].astype(float).fillna(s["receivable"] - s["received"].fillna(0))
    r = sections["receivables"].data
    assert r["owed"] == pytest.approx(owed[owed > 0.005].sum())
    assert r["ageing"]["amount"].sum() == pytest.approx(r["owed"])
    assert r["status"].sum() == s.loc[owed > 0.005, "customer_id"].nunique()
    # a customer is 极坏 when something they owe is more than 90 days past due at the month end
    due = s["due_date"].fillna(s["settled_at"])
    very_bad = s.loc[(owed > 0.005) & ((pd.Timestamp("2026-10-31") - due).dt.days > 90), "customer_id"].nunique()
    assert r["status"][VERY_BAD] == very_bad


def test_complaints_are_counted_against_the_time_limit(sections, raw):
    c = _in(raw["complaints"], "received_at")
    done = c[c["resolved_at"].notna() & (c["resolved_at"] < END)]
    days = (done["resolved_at"] - done["received_at"]).dt.total_seconds() / 86400
    d = sections["complaints"].data
    assert content.RESOLUTION_LIMIT_DAYS == 7
    assert d["received"] == len(c) and d["resolved"] == len(done)
    assert d["within_limit"] == (days <= 7).sum()


def test_lost_prospects_are_crmkit_close_lost_analysis_of_the_month(sections, raw):
    expected = lost_from_table(raw["opportunities"], start=START, end=END)
    got = sections["lost"].data["views"]
    for view in ("reason", "stage", "competitor", "rep"):
        pd.testing.assert_frame_equal(got[view], expected[view])
    assert sections["lost"].data["lost"] == expected["reason"]["lost"].sum()


# ------------------------------------------------------------------------------------ data quality


def test_data_quality_finds_the_problems_planted_in_the_store(sections, planted):
    _, ids = planted
    problems = sections["quality"].data["problems"].set_index("check")["ids"]
    assert ids["no_channel"] in problems["interactions_without_channel"]
    assert ids["no_rep"] in problems["interactions_without_rep"]
    assert ids["no_grade_no_amount"] in problems["cards_without_grade"]
    assert ids["no_grade_no_amount"] in problems["cards_without_amount"]
    assert ids["lost_no_reason"] in problems["lost_cards_without_reason"]
    assert ids["overpaid"] in problems["settlements.received:at_most"]
    assert ids["resolved_no_date"] in problems["complaints_done_without_date"]
    assert ids["order_no_rep"] in problems["orders_without_rep"]
    assert ids["unreachable"] in problems["customers_unreachable"]
    assert {ids["twin_1"], ids["twin_2"]} <= set(problems["customers_sharing_phone"])
    assert {ids["twin_1"], ids["twin_2"]} <= set(problems["customers_sharing_name"])
    table = sections["quality"].tables[0].frame
    assert ids["no_channel"] in " ".join(table["示例编号"])


def test_data_quality_finds_inconsistencies_the_store_refuses_to_write(october):
    # The store refuses these on import and add, but old data or other tools can still hold them.
    s = october.in_month(october.settlements, "settled_at").iloc[[0]].assign(outstanding=1.0, receivable=100.0,
                                                                           received=50.0)
    c = october.in_month(october.complaints, "received_at").iloc[[0]].assign(
        resolved_at=pd.Timestamp("2026-09-01"), status="resolved")
    o = october.in_month(october.opportunities, "created_at").iloc[[0]].assign(
        closed_at=pd.Timestamp("2026-01-01"), status="lost")
    bad = dataclasses.replace(october, settlements=pd.concat([october.settlements, s]),
                              complaints=pd.concat([october.complaints, c]),
                              opportunities=pd.concat([october.opportunities, o]), timings={})
    problems = quality_problems(bad).set_index("check")["ids"]
    assert s["settlement_id"].iloc[0] in problems["settlements.outstanding:derived"]
    assert c["complaint_id"].iloc[0] in problems["complaints.resolved_at:date_order"]
    assert o["opportunity_id"].iloc[0] in problems["opportunities.closed_at:date_order"]
    clean = quality_problems(october).set_index("check")["count"]
    assert clean["settlements.outstanding:derived"] == 0 and clean["complaints.resolved_at:date_order"] == 0


# ------------------------------------------------------------------------------------ privacy, escaping


def test_no_phone_or_email_from_the_store_reaches_the_page(sections, raw):
    page = _page(sections)
    phones = pd.concat([raw["customers"]["phone"], raw["contacts"]["phone"]]).dropna()
    numbers_on_page = {re.sub(r"\D", "", run) for run in re.findall(r"\d[\d\- ]{6,}\d", page)}
    leaked = [p for p in phones if p in page or re.sub(r"\D", "", p) in numbers_on_page]
    assert not leaked[:5]
    emails = pd.concat([raw["customers"]["email"], raw["contacts"]["email"]]).dropna()
    assert not [e for e in emails if e in page][:5]
    assert "****" in page  # the new customers' phones are there, masked


def test_personal_data_is_shown_only_when_asked(planted, raw):
    shown = content.new_customers(content.load_month(planted[0], MONTH, show_personal_data=True))
    page = _page({"new": shown}, show_personal_data=True)
    listed = shown.tables[0].frame["客户编号"]
    phones = raw["customers"].set_index("customer_id").loc[listed, "phone"].dropna()
    assert len(phones) and all(p in page for p in phones)


def test_a_hostile_customer_name_is_shown_as_text(sections):
    page = _page(sections)
    assert SCRIPT not in page
    assert html_escaped(SCRIPT) in page
    # findings are escaped too: a rep named like markup stays text
    section = content.Section("标题 <b>", [f"最活跃的是 {SCRIPT}"])
    markup = display.section_html(section)
    assert "<script>" not in markup and "&lt;script&gt;" in markup and "&lt;b&gt;" in markup


def html_escaped(text: str) -> str:
    import html

    return html.escape(text)


def test_masking_keeps_enough_to_tell_numbers_apart():
    assert privacy.mask_phone("13812345678") == "138****5678"
    assert privacy.mask_phone("0851-36876154") == "085****6154"
    assert privacy.mask_email("zhang.wei@example.com") == "z***@example.com"
    assert privacy.scrub("回电 138-1234-5678，邮件 a.b@c.cn，单号 O0000001，日期 2026-10-01") == \
        "回电 138****5678，邮件 a***@c.cn，单号 O0000001，日期 2026-10-01"


# ------------------------------------------------------------------------------------ empty months, filters


def test_an_empty_month_says_so_and_every_section_skips(planted, shell):
    data = content.load_month(planted[0], "2019-01")
    assert data.is_empty
    for f in content.SECTIONS:
        s = f(data)
        assert len(s.findings) == 1 and "没有记录" in s.findings[0]
        assert not s.tables and not s.figures
    from IPython.utils.capture import capture_output

    with capture_output() as out:
        content.show_title(data)
    shown = "".join(o.data.get("text/html", "") for o in out.outputs)
    assert "No records for 2019-01" in shown


def test_sections_without_rows_say_so_in_a_sentence(planted):
    data = content.load_month(planted[0], MONTH)
    quiet = dataclasses.replace(data, complaints=data.complaints.iloc[0:0], timings={})
    s = content.complaints(quiet)
    assert s.findings == ["2026年10月没有收到投诉（上月 0 件），也没有超时未解决的投诉。"] and not s.figures


def test_the_region_filter_counts_only_that_region(planted, raw):
    data = content.load_month(planted[0], MONTH, region="华南")
    south = raw["customers"].loc[raw["customers"]["region"] == "华南", "customer_id"]
    assert set(data.customers["region"].astype(str)) == {"华南"}
    visits = _in(raw["interactions"], "occurred_at")
    visits = visits[visits["customer_id"].isin(south) & visits["channel"].isin(["walk_in", "call_in"])]
    assert content.traffic(data).data["visits"] == len(visits)
    opps = raw["opportunities"]
    won = _in(opps[(opps["status"] == "won") & opps["customer_id"].isin(south)], "closed_at")
    assert content.kpis(data).data["now"]["won_revenue"] == pytest.approx(won["expected_amount"].sum())
    assert "华南区域" in data.label


def test_the_rep_filter_keeps_only_that_reps_records(planted, raw):
    rep = _in(raw["interactions"], "occurred_at")["rep"].dropna().astype(str).value_counts().index[0]
    data = content.load_month(planted[0], MONTH, rep=rep)
    assert set(data.interactions["rep"].astype(str)) == {rep}
    assert set(data.customers["owner"].astype(str)) == {rep}
    activity = content.activity(data).data["per_rep"]
    assert list(activity.index) == [rep]
    assert activity[rep] == (_in(raw["interactions"], "occurred_at")["rep"] == rep).sum()


# ------------------------------------------------------------------------------------ figures, notebook


def test_every_figure_draws_chinese_without_missing_glyphs(sections):
    pytest.importorskip("matplotlib")
    drawn = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for s in sections.values():
            for figure in s.figures:
                png = display.figure_png(figure)
                assert png[:8] == b"\x89PNG\r\n\x1a\n"
                drawn += 1
    assert drawn >= 8
    # the planted "$" labels are in the figures' data, and drew as text
    assert "价格$^$高" in sections["lost"].data["views"]["reason"].index
    assert "张$三$" in sections["activity"].data["per_rep"].index
    assert "质量$_$问题" in sections["complaints"].data["by_category"].index
    assert not [w for w in caught if "Glyph" in str(w.message)]


def test_show_times_the_plotting_and_publish_timings_emits_them(october, sections, shell):
    from IPython.utils.capture import capture_output

    with capture_output() as out:
        content.show(sections["traffic"])
        content.publish_timings(october)
    kinds = [set(o.data) for o in out.outputs]
    assert {"image/png"} <= set().union(*kinds)
    timings = next(o.data for o in out.outputs if display.TIMINGS_MIME in o.data)[display.TIMINGS_MIME]
    assert set(timings) >= {"queries", "analysis", "plotting"} and all(v >= 0 for v in timings.values())


def test_the_notebook_runs_in_a_real_kernel_without_errors_or_leaks(planted, raw, tmp_path):
    import nbformat
    import papermill

    out = tmp_path / "report.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), cwd=str(NOTEBOOK.parent), kernel_name="python3",
                               iopub_timeout=IOPUB_TIMEOUT,
                               parameters={"db_url": planted[0], "month": MONTH}, progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    stderr = " ".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert not re.search(r"Glyph .* missing", stderr), stderr
    html_out = " ".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "客户管理月报" in html_out and "客流量统计" in html_out and "数据质量" in html_out
    assert SCRIPT not in html_out and html_escaped(SCRIPT) in html_out
    phones = raw["customers"]["phone"].dropna()
    assert not [p for p in phones if p in html_out]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 8
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert "publish_timings" in last.source
    timings = last.outputs[0]["data"][display.TIMINGS_MIME]
    assert set(timings) == {"queries", "analysis", "plotting"}
    assert json.loads(json.dumps(last.outputs[0]["data"][display.REPORT_MIME]))["month"] == MONTH


def test_the_notebook_documents_its_parameters_for_papermill():
    import papermill

    params = {p["name"]: p for p in papermill.inspect_notebook(str(NOTEBOOK)).values()}
    assert list(params) == ["month", "db_url", "region", "rep", "show_personal_data", "lang", "currency"]
    assert all(p["help"] for p in params.values())
    assert params["show_personal_data"]["default"] == "False"
    assert (params["lang"]["default"], params["currency"]["default"]) == ('"zh+en"', '"CNY"')
    assert params["lang"]["inferred_type_name"] == params["currency"]["inferred_type_name"] == "str"


def test_every_segment_has_its_own_colour():
    from crmkit.reports.content import colours

    assert set(colours.SEGMENT) >= set(value.rfm.segment_labels())
    assert len(set(colours.SEGMENT.values())) == len(colours.SEGMENT)


def test_importing_the_report_content_leaves_heavy_libraries_alone():
    import subprocess
    import sys

    code = ("import sys; from crmkit.reports import content; "
            "print(sorted(m for m in ('matplotlib', 'sklearn', 'papermill', 'IPython') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_an_unknown_region_or_rep_is_refused_with_the_known_ones(planted):
    with pytest.raises(ValueError, match="unknown region '华东区'.*华东"):
        content.load_month(planted[0], MONTH, region="华东区")
    with pytest.raises(ValueError, match="unknown rep 'Nobody'"):
        content.load_month(planted[0], MONTH, rep="Nobody")
    # a known region in a month without its records is an empty report, not an error
    assert content.load_month(planted[0], "2019-01", region="华东").is_empty


@pytest.mark.parametrize("module", ["privacy", "formatting"])
def test_the_docstring_examples_hold(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"crmkit.reports.content.{module}"))
    assert result.attempted > 0 and result.failed == 0



# ------------------------------------------------------------------------------------ how good were the forecasts

CALIBRATION_END = QUARTER_START - pd.Timedelta(days=1)  # the last day the forecasts may see
QUARTER_DAYS = (END - QUARTER_START).days


@pytest.fixture(scope="module")
def planted_truth():
    """The demo behind the planted store (same size and seed): its hidden purchase and close processes."""
    return demo.generate(n_customers=600, seed=11)


def _purchase_days(raw) -> pd.DataFrame:
    orders = raw["orders"]
    orders = orders[orders["customer_id"].notna() & orders["amount"].notna() & (orders["ordered_at"] < END)]
    return (orders.assign(day=orders["ordered_at"].dt.normalize())[["customer_id", "day"]]
            .drop_duplicates().reset_index(drop=True))


def test_forecast_purchases_are_a_recount_of_the_raw_orders(sections, raw):
    p = sections["forecast_accuracy"].data["purchases"]
    days = _purchase_days(raw)
    first = days.groupby("customer_id")["day"].min()
    cohort = first[first < QUARTER_START].index
    before = days[days["day"] < QUARTER_START]
    frequency = (before.groupby("customer_id").size() - 1).reindex(cohort)
    actual = days[days["day"] >= QUARTER_START].groupby("customer_id").size().reindex(cohort, fill_value=0)
    # the naive forecast: each customer's repeat purchase days in the quarter-long window before the quarter
    recent = before[(before["day"] > CALIBRATION_END - pd.Timedelta(days=QUARTER_DAYS))
                    & (before["day"] > before["customer_id"].map(first))]
    naive = recent.groupby("customer_id").size().reindex(cohort, fill_value=0)
    group = frequency.clip(upper=7)
    got = p["by_frequency"]
    assert list(got.index) == list(range(8))
    assert got["customers"].tolist() == group.value_counts().sort_index().tolist()
    assert got["actual"].tolist() == actual.groupby(group).sum().tolist()
    assert got["naive"].tolist() == pytest.approx(naive.groupby(group).sum().tolist())
    assert (p["customers"], p["actual"]) == (len(cohort), actual.sum())
    # the forecast: BG/NBD on the orders up to the day before the quarter (fitted here in days, the
    # section fits in weeks: the same maximum), the quarter's days ahead
    orders = raw["orders"][raw["orders"]["amount"].notna()]
    summary = value.rfm_summary(orders[orders["ordered_at"] < QUARTER_START], as_of=CALIBRATION_END, time_unit="D")
    forecast = value.BetaGeo().fit(summary).expected_purchases(QUARTER_DAYS, summary).reindex(cohort)
    assert p["forecast"] == pytest.approx(forecast.sum(), rel=1e-4)
    assert p["mae"] == pytest.approx((forecast - actual).abs().mean(), rel=1e-4)
    assert p["naive_mae"] == pytest.approx((naive - actual).abs().mean())
    assert p["error"] == pytest.approx(p["forecast"] / p["actual"] - 1)


def test_forecast_purchases_are_near_the_demos_true_process(sections, planted_truth):
    """The demo's purchases are BG/NBD with known per-customer rates and dropout probabilities:
    the oracle forecast knows them, and who was still active when the quarter began."""
    from scipy.stats import poisson

    p = sections["forecast_accuracy"].data["purchases"]
    truth = planted_truth.truth["customers"]
    bought = truth["first_purchase"] < QUARTER_START
    active = bought & (truth["dropout_at"].isna() | (truth["dropout_at"] >= QUARTER_START))
    rate, dropout = truth.loc[active, "lambda"].to_numpy(), truth.loc[active, "p"].to_numpy()
    k = np.arange(1, 80)[:, None]
    # the k-th purchase happens if the Poisson process offers k and the customer stayed after k - 1
    oracle = float((poisson.sf(k - 1, rate * QUARTER_DAYS) * (1 - dropout) ** (k - 1)).sum())
    assert p["customers"] == int(bought.sum())
    # what happened is a draw of the true process (plus one planted order): near the oracle
    assert abs(p["actual"] - oracle) < 3 * np.sqrt(oracle) + 1
    # the model, which never saw the truth, forecasts within 25 % of it
    assert abs(p["forecast"] / oracle - 1) < 0.25


def _open_when_the_quarter_began(raw) -> pd.DataFrame:
    cards = raw["opportunities"]
    return cards[(cards["created_at"] < QUARTER_START) & ~(cards["closed_at"] < QUARTER_START)]


def test_forecast_grades_are_a_recount_of_the_raw_cards(sections, raw):
    g = sections["forecast_accuracy"].data["grades"]
    cards = _open_when_the_quarter_began(raw)
    won = (cards["status"] == "won") & (cards["closed_at"] >= QUARTER_START)
    within = won & (cards["closed_at"] < QUARTER_START + pd.Timedelta(days=30))
    by_end = won & (cards["closed_at"] < END)
    grade = cards["intent_grade"].astype(object).fillna("ungraded")
    assert g["cards"].sum() == len(cards)
    for name in ["O", "A", "B", "C"]:
        mine = grade == name
        assert (g.loc[name, "cards"], g.loc[name, "won"], g.loc[name, "won_quarter"]) == \
            (mine.sum(), within[mine].sum(), by_end[mine].sum()), name
        assert g.loc[name, "share"] == pytest.approx(within[mine].mean())
        assert g.loc[name, "low"] <= g.loc[name, "share"] <= g.loc[name, "high"]
    # a verdict only where the whole range is outside the grade's band
    o = g.loc["O"]
    assert (o["verdict"] == "won less often") == (o["high"] < 0.75)


def test_forecast_grades_are_near_the_demos_true_close_probabilities(sections, planted_truth):
    from crmkit.demo.truth import true_close_probability

    g = sections["forecast_accuracy"].data["grades"]
    truth = true_close_probability(planted_truth, as_of=CALIBRATION_END)  # P(won within 30 days), each card
    assert g["cards"].sum() == len(truth)  # the same cards: those open when the quarter began
    expected, spread = truth.sum(), np.sqrt((truth * (1 - truth)).sum())
    assert abs(g["won"].sum() - expected) < 3 * spread + 1
    grades = planted_truth.tables["opportunities"].set_index("opportunity_id")["intent_grade"]
    grades = grades.reindex(truth.index).astype(object)
    for name, row in g.drop(index="ungraded", errors="ignore").iterrows():
        if row["cards"] >= 20:  # the truth's mean chance of the grade's cards is inside the section's range
            assert row["low"] - 0.03 <= truth[grades == name].mean() <= row["high"] + 0.03, name


def test_forecast_findings_state_the_numbers_they_rest_on(sections):
    s = sections["forecast_accuracy"]
    p = s.data["purchases"]
    off = f"{abs(p['error']) * 100:.0f}%"
    assert off in s.findings[0] and s.findings[0].startswith("上季度的购买预测")
    # the verdict follows the numbers: within 10 %, within chance (2 sd of a Poisson count), 25 %, or worse
    chance = 2 * np.sqrt(p["forecast"])
    verdict = ("可以信赖" if abs(p["error"]) <= 0.10 or abs(p["actual"] - p["forecast"]) <= chance
               else "只能作为粗略参考" if abs(p["error"]) <= 0.25 else "不要依赖")
    assert verdict in s.findings[0]
    assert f"本季度购买 {p['forecast']:,.0f} 次；实际购买 {p['actual']:,} 次" in s.findings[1]
    assert f"{p['mae']:.2f}" in s.findings[2] and f"{p['naive_mae']:.2f}" in s.findings[2]
    g = s.data["grades"]
    off_grades = [k for k, v in g["verdict"].items() if v not in (None, "as graded")]
    assert s.findings[3].startswith("不要只看销售顾问的有望度" if off_grades else "销售顾问的 O/A/B/C 有望度")
    for name in off_grades:
        assert f"{name}级意向卡成交 {g.loc[name, 'share'] * 100:.0f}%" in s.findings[3]
    assert [t.title for t in s.tables] == [  # a bilingual report titles its tables in both languages
        "上季度购买次数（按此前的重复购买次数分组） · purchases last quarter, by repeat purchases before it",
        "季度初未关闭的意向卡（按当时的有望度） · intent cards open when the quarter began, by the grade they had"]
    assert len(s.figures) == 1


def test_forecast_section_says_why_a_part_is_left_out(october):
    orders = october.orders
    days = orders.assign(day=orders["ordered_at"].dt.normalize()).drop_duplicates(["customer_id", "day"])
    repeaters = days.loc[days["ordered_at"] < QUARTER_START, "customer_id"].value_counts()
    few = repeaters[repeaters > 1].index[:5]
    cases = {
        "late": (orders[orders["ordered_at"] >= QUARTER_START], october.opportunities.iloc[0:0]),
        "few": (orders[orders["customer_id"].isin(few)], october.opportunities.iloc[0:0]),
    }
    late = content.forecast_accuracy(dataclasses.replace(october, orders=cases["late"][0],
                                                         opportunities=cases["late"][1], timings={}))
    assert late.data["purchases"] is None and late.data["grades"] is None
    assert not late.tables and not late.figures
    assert late.findings == ["本季度开始前（2026-07-31）没有订单，因此没有可检验的购买预测。",
                             "本季度开始时只有 0 张意向卡未关闭；评判有望度至少需要 20 张，因此省略这一部分。"]
    few_buyers = content.forecast_accuracy(dataclasses.replace(october, orders=cases["few"][0],
                                                               opportunities=cases["few"][1], timings={}))
    assert few_buyers.findings[0] == ("本季度之前只有 5 位客户购买过不止一次；拟合购买模型至少需要 20 位，"
                                      "因此不检验购买预测。")
    # one part left out, the other still shown
    grades_only = content.forecast_accuracy(dataclasses.replace(october, orders=cases["late"][0], timings={}))
    assert grades_only.data["purchases"] is None and grades_only.data["grades"] is not None
    assert len(grades_only.tables) == 1 and len(grades_only.figures) == 1
    assert grades_only.findings[-1].startswith("本季度开始前")
