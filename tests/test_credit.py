"""crmkit.credit: the credit rules on small hand-built frames (each boundary, each collection status,
each unrated case), their explanations, a rule table of one's own, currency units, monotonicity over
random payment histories, and the assessment read through the store (SQLite and PostgreSQL) with a
rep's book."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import crmkit
from crmkit import credit, demo
from crmkit.credit import CreditRules
from crmkit.exceptions import ParameterError

AS_OF = pd.Timestamp("2026-10-31")
DAY = pd.Timedelta(days=1)


def bill(amount=100.0, *, billed=150, due=120, paid=None, received=None, customer="c1"):
    """One settlement: billed and due ``billed``/``due`` days before AS_OF, paid ``paid`` days
    before it (None: unpaid; a negative number: after AS_OF); ``received`` defaults to all of it
    when paid, nothing when not."""
    if received is None:
        received = amount if paid is not None else 0.0
    return {"customer_id": customer, "settled_at": AS_OF - billed * DAY, "receivable": float(amount),
            "received": float(received), "outstanding": float(amount - received), "due_date": AS_OF - due * DAY,
            "paid_at": AS_OF - paid * DAY if paid is not None else pd.NaT}


def on_time(n=3, amount=100.0, customer="c1"):
    """``n`` bills paid on their due day."""
    return [bill(amount, billed=200 - 30 * k, due=170 - 30 * k, paid=170 - 30 * k, customer=customer)
            for k in range(n)]


def customers(*ids, limit=100_000.0):
    ids = ids or ("c1",)
    return pd.DataFrame({"customer_id": list(ids), "name": [f"客户{i}" for i in ids], "region": "华东",
                         "owner": "张伟", "credit_limit": limit})


NO_ORDERS = pd.DataFrame({"customer_id": pd.Series(dtype=str), "ordered_at": pd.Series(dtype="datetime64[ns]"),
                          "amount": pd.Series(dtype=float)})


def assess(bills, *, facts=None, limit=100_000.0, rules=None, ids=("c1",), orders=NO_ORDERS):
    settlements = pd.DataFrame(bills) if bills else pd.DataFrame([bill()]).iloc[:0]
    return credit.assess_tables(customers(*ids, limit=limit), orders, settlements, facts, as_of=AS_OF, rules=rules)


def one(bills, **kw):
    return assess(bills, **kw).loc["c1"]


def codes(row) -> list[str]:
    return [c for c in str(row["rating_rules"]).split(";") if c] if pd.notna(row["rating_rules"]) else []


# ----------------------------------------------------------------------------- ratings and their boundaries


def test_a_punctual_customer_is_rated_a_with_a_limit_of_three_months_billing():
    row = one(on_time(3))
    assert row["rating"] == "A" and codes(row) == []
    assert row["collection_status"] == "good" and row["on_time_share"] == 1.0
    assert row["settlements"] == 3 and row["outstanding"] == 0 and row["days_late"] == 0
    assert row["days_to_pay"] == 30  # billed 30 days before each due day, paid on it
    # billed 300 over the months from the first bill (200 days before AS_OF) to AS_OF, both days counted
    months = 201 / (365.25 / 12)
    assert row["monthly_billing"] == pytest.approx(300 / months)
    assert row["suggested_limit"] == pytest.approx(3 * 300 / months)


@pytest.mark.parametrize("days, status, rating", [
    (0, "good", "A"), (7, "good", "A"), (8, "fair", "B"), (30, "fair", "B"), (31, "poor", "C"), (90, "poor", "C"),
    (91, "very_bad", "D"), (400, "very_bad", "D"),
])
def test_collection_status_follows_the_oldest_overdue_bill(days, status, rating):
    # a tiny bill overdue `days` beside three paid on time: its days, not its amount, decide the status
    row = one([*on_time(3), bill(1.0, billed=days + 10, due=days)])
    assert row["oldest_overdue_days"] == days
    assert row["collection_status"] == status and row["rating"] == rating
    if status != "good":
        assert codes(row)[0] == f"collection_{status}"


@pytest.mark.parametrize("late_days, status", [(7, "good"), (8, "fair"), (31, "poor"), (91, "very_bad")])
def test_collection_status_also_follows_the_average_days_late_of_paid_bills(late_days, status):
    bills = [bill(100, billed=200 - 30 * k, due=170 - 30 * k, paid=170 - 30 * k - late_days) for k in range(3)]
    row = one(bills)
    assert row["open_items"] == 0 and row["days_late"] == late_days
    assert row["collection_status"] == status


@pytest.mark.parametrize("on_time_amount, late_amount, rating, code", [
    (80, 20, "A", None), (79, 21, "B", "on_time_below_80"), (50, 50, "B", "on_time_below_80"),
    (49, 51, "C", "on_time_below_50"),
])
def test_the_share_paid_on_time_caps_the_rating(on_time_amount, late_amount, rating, code):
    # the late bill is 8 days late: past the week's grace, yet the average stays within "good"
    bills = [*on_time(2, amount=on_time_amount / 2), bill(late_amount, billed=100, due=70, paid=62)]
    row = one(bills)
    assert row["collection_status"] == "good"
    assert row["on_time_share"] == pytest.approx(on_time_amount / 100)
    assert row["rating"] == rating
    assert codes(row) == ([code] if code else [])  # only the harshest cut of the family is named


@pytest.mark.parametrize("owed, rating, code", [
    (800, "A", None), (801, "B", "utilisation_above_80"), (1000, "B", "utilisation_above_80"),
    (1001, "C", "utilisation_above_100"),
])
def test_what_is_owed_against_the_credit_limit_caps_the_rating(owed, rating, code):
    not_yet_due = bill(owed, billed=10, due=-20)
    row = one([*on_time(3, amount=10), not_yet_due], limit=1000.0)
    assert row["outstanding"] == owed and row["overdue"] == 0
    assert row["utilisation"] == pytest.approx(owed / 1000) and pd.isna(row["utilisation_note"])
    assert row["rating"] == rating and codes(row) == ([code] if code else [])


@pytest.mark.parametrize("limit, note", [(None, "no_credit_limit"), (0.0, "zero_credit_limit")])
def test_a_missing_or_zero_limit_gives_no_utilisation_and_says_why(limit, note):
    row = one([*on_time(3), bill(5000, billed=10, due=-20)], limit=limit)
    assert pd.isna(row["utilisation"]) and row["utilisation_note"] == note  # never inf
    assert row["rating"] == "A"
    lines = credit.explain(assess([*on_time(3)], limit=limit), "c1", lang="en")
    assert any("Utilisation not judged" in line for line in lines)


def test_a_short_history_cannot_earn_an_a():
    assert one(on_time(2))["rating"] == "B" and codes(one(on_time(2))) == ["thin_history"]
    assert one(on_time(3))["rating"] == "A"


def test_bills_paid_without_a_date_cannot_show_they_were_paid_on_time():
    bills = [{**b, "paid_at": pd.NaT} for b in on_time(3)]
    row = one(bills)
    assert pd.isna(row["on_time_share"]) and pd.isna(row["days_late"]) and row["timing_unknown"] == 3
    assert row["rating"] == "B" and codes(row) == ["timing_unknown"]


@pytest.mark.parametrize("bills, code", [
    ([], "no_settlements"),
    ([bill(100, billed=5, due=-25)], "nothing_due"),                     # billed, not due yet
    ([bill(100, billed=700, due=670, paid=670)], "no_recent_settlements"),  # paid, before the window
])
def test_a_customer_with_nothing_to_judge_is_not_rated_and_says_so(bills, code):
    row = one(bills)
    assert pd.isna(row["rating"]) and pd.isna(row["collection_status"]) and pd.isna(row["suggested_limit"])
    assert pd.isna(row["on_time_share"])  # not a silent "good"
    assert codes(row) == [code]
    assert credit.explain(assess(bills), "c1", lang="en")[0] == "c1 客户c1: not rated."


def test_an_old_unpaid_bill_is_judged_however_old():
    row = one([bill(100, billed=700, due=670)])
    assert row["settlements"] == 1 and row["oldest_overdue_days"] == 670 and row["rating"] == "D"


def test_a_payment_after_as_of_was_still_owed_on_as_of():
    paid_later = bill(100, billed=60, due=30, paid=-5)  # the store says paid, 5 days after AS_OF
    row = one([*on_time(3), paid_later])
    assert row["outstanding"] == 100 and row["overdue"] == 100 and row["oldest_overdue_days"] == 30
    assert row["collection_status"] == "fair"


def test_a_leftover_below_half_a_percent_is_not_a_debt():
    rounding = bill(1000, billed=60, due=30, paid=30, received=999.99)
    short = bill(1000, billed=60, due=30, paid=30, received=900)
    assert one([*on_time(3), rounding])["open_items"] == 0
    assert one([*on_time(3), short])["open_items"] == 1


def test_sales_by_complete_quarter():
    orders = pd.DataFrame({"customer_id": ["c1", "c1", "c1", "c2"],
                           "ordered_at": pd.to_datetime(["2025-09-30 00:00", "2025-10-01 00:00", "2026-09-30 18:00",
                                                         "2026-10-05 00:00"]),
                           "amount": [1.0, 10.0, 20.0, 99.0]})
    result = assess(on_time(3), ids=("c1", "c2"), orders=orders)
    assert result.attrs["quarters"] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert result.loc["c1", ["sales_2025Q4", "sales_2026Q3", "sales_total"]].tolist() == [10.0, 20.0, 30.0]
    assert result.loc["c2", "sales_total"] == 0  # October 2026 is not over on AS_OF
    assert result["sales_total"].dtype == "Float64" and result["settlements"].dtype == "Int64"
    assert list(result["rating"].cat.categories) == ["A", "B", "C", "D"] and result["rating"].cat.ordered
    assert list(result["collection_status"].cat.categories) == ["good", "fair", "poor", "very_bad"]


# ----------------------------------------------------------------------------- warnings (危险客户)


def facts(*rows):
    frame = pd.DataFrame([{"customer_id": "c1", "recorded_at": AS_OF - 30 * DAY, "business_performance": None,
                           "financial_condition": None, "bankruptcy_signs": None, "cleared_at": pd.NaT, **r}
                          for r in rows])
    return frame.astype({"recorded_at": "datetime64[ns]", "cleared_at": "datetime64[ns]"})


@pytest.mark.parametrize("aspect, rating", [("business_performance", "B"), ("financial_condition", "C"),
                                            ("bankruptcy_signs", "D")])
def test_a_recorded_warning_caps_the_rating_and_flags_the_customer(aspect, rating):
    row = one(on_time(3), facts=facts({aspect: "资金链紧张"}))
    assert row["rating"] == rating and codes(row) == [aspect]
    assert row["at_risk"] and row[aspect] == "资金链紧张" and row["risk_since"] == AS_OF - 30 * DAY


@pytest.mark.parametrize("change", [
    {"bankruptcy_signs": "无"}, {"bankruptcy_signs": " 正常 "}, {"bankruptcy_signs": "N/A"},
    {"bankruptcy_signs": "法人失联", "cleared_at": AS_OF - DAY},        # cleared by AS_OF
    {"bankruptcy_signs": "法人失联", "recorded_at": AS_OF + DAY},       # recorded after it
])
def test_a_cell_saying_nothing_or_a_cleared_or_later_fact_raises_no_warning(change):
    row = one(on_time(3), facts=facts(change))
    assert row["rating"] == "A" and not row["at_risk"]


def test_the_newest_active_warning_of_each_aspect_is_shown():
    row = one(on_time(3), facts=facts({"financial_condition": "资金链紧张", "recorded_at": AS_OF - 90 * DAY},
                                      {"financial_condition": "银行贷款逾期", "recorded_at": AS_OF - 10 * DAY},
                                      {"business_performance": "主要客户流失", "recorded_at": AS_OF - 50 * DAY}))
    assert row["financial_condition"] == "银行贷款逾期" and row["business_performance"] == "主要客户流失"
    assert row["risk_since"] == AS_OF - 90 * DAY and codes(row) == ["financial_condition", "business_performance"]


def test_a_customer_without_settlements_is_still_flagged_at_risk():
    row = one([], facts=facts({"bankruptcy_signs": "申请破产重整"}))
    assert pd.isna(row["rating"]) and row["at_risk"] and codes(row) == ["no_settlements", "bankruptcy_signs"]


# ----------------------------------------------------------------------------- explanations


@pytest.mark.parametrize("bills, kw, english, chinese", [
    ([*on_time(3), bill(1.0, billed=50, due=40)], {}, "Collection status poor: the oldest unpaid bill is 40 days",
     "收款状况较差：最早的未收款已逾期 40 天"),
    ([*on_time(2, amount=25), bill(50, billed=100, due=70, paid=62)], {}, "50% of the amount due, below 80%",
     "低于 80%"),
    ([*on_time(3, amount=10), bill(1001, billed=10, due=-20)], {"limit": 1000.0},
     "Owes 1,001.00 against a credit limit of 1,000.00 (100%), above 100%", "欠款 1,001.00，信用额度 1,000.00"),
    (on_time(2), {}, "Only 2 settlement(s) to judge, fewer than 3", "可评估的结算只有 2 笔，少于 3 笔"),
    ([], {"facts": facts({"bankruptcy_signs": "申请破产重整"})}, "signs of bankruptcy: 申请破产重整",
     "破产征兆：申请破产重整"),
])
def test_an_explanation_names_the_rule_that_fired_in_both_languages(bills, kw, english, chinese):
    result = assess(bills, **kw)
    en, zh = credit.explain(result, "c1", lang="en"), credit.explain(result, "c1", lang="zh")
    assert any(english in line for line in en), en
    assert any(chinese in line for line in zh), zh
    assert len(en) == len(zh) and en != zh


def test_the_explanation_of_an_a_says_no_rule_fired_and_how_the_limit_was_set():
    result = assess(on_time(3))
    en = credit.explain(result, "c1", lang="en")
    assert en[0] == "c1 客户c1: rating A."
    assert "No rule fired" in en[1] and en[-1].startswith("Suggested credit limit ") and "3 month(s)" in en[-1]
    assert credit.explain(result, "c1", lang="zh")[0] == "c1 客户c1：信用等级 A。"
    with pytest.raises(KeyError, match="nobody"):
        credit.explain(result, "nobody")


# ----------------------------------------------------------------------------- the rule table


def test_a_rule_table_of_ones_own_changes_the_result():
    eight_days_late = [bill(100, billed=200 - 30 * k, due=170 - 30 * k, paid=162 - 30 * k) for k in range(3)]
    default = one(eight_days_late)
    assert default["rating"] == "C" and default["collection_status"] == "fair"  # all of it late
    lenient = CreditRules(grace_days=10, collection_days=(10, 30, 90))
    row = one(eight_days_late, rules=lenient)
    assert row["rating"] == "A" and row["collection_status"] == "good"
    assert assess(eight_days_late, rules=lenient).attrs["rules"] is lenient
    generous = CreditRules(grace_days=10, collection_days=(10, 30, 90), limit_months={"A": 6, "B": 2, "C": 1, "D": 0})
    assert one(eight_days_late, rules=generous)["suggested_limit"] == pytest.approx(2 * row["suggested_limit"])
    harsh = CreditRules(on_time_cuts=(0.95, 0.8, 0.5), on_time_caps=("B", "C", "D"), fact_caps={
        "business_performance": "C", "financial_condition": "D", "bankruptcy_signs": "D"})
    assert one(on_time(3), rules=harsh, facts=facts({"business_performance": "订单量明显减少"}))["rating"] == "C"
    table = harsh.rule_table("en")
    assert table.loc["on_time_below_50", "cap"] == "D" and table.loc["business_performance", "cap"] == "C"
    assert "按时付款比例低于 95%" in set(harsh.rule_table("zh")["when"])


@pytest.mark.parametrize("settings_, name", [
    ({"collection_days": (30, 7, 90)}, "collection_days"),
    ({"on_time_cuts": (0.5, 0.8)}, "on_time_cuts"),
    ({"on_time_caps": ("B",)}, "on_time_caps"),
    ({"utilisation_caps": ("B", "E")}, "utilisation_caps"),
    ({"fact_caps": {"bankruptcy_signs": "D"}}, "fact_caps"),
    ({"limit_months": {"A": 3}}, "limit_months"),
    ({"window_days": 0}, "window_days"),
])
def test_an_unusable_rule_table_is_refused_naming_the_setting(settings_, name):
    with pytest.raises(ParameterError) as err:
        CreditRules(**settings_)
    assert err.value.name == name


# ----------------------------------------------------------------------------- currency and monotonicity


@pytest.fixture(scope="module")
def demo_tables():
    data = demo.generate(400, seed=3)
    return data.tables, data.as_of


def test_the_ratings_do_not_depend_on_the_currency_unit(demo_tables):
    tables, as_of = demo_tables
    base = credit.assess_tables(tables["customers"], tables["orders"], tables["settlements"], tables["credit_facts"],
                                as_of=as_of)
    k = 7.3
    scaled = {name: tables[name].copy() for name in ("customers", "orders", "settlements")}
    scaled["customers"]["credit_limit"] *= k
    scaled["orders"]["amount"] *= k
    for col in ("receivable", "received", "outstanding"):
        scaled["settlements"][col] *= k
    other = credit.assess_tables(scaled["customers"], scaled["orders"], scaled["settlements"], tables["credit_facts"],
                                 as_of=as_of)
    assert base["rating"].notna().sum() > 100 and set(base["rating"].dropna()) == {"A", "B", "C", "D"}
    pd.testing.assert_series_equal(base["rating"], other["rating"])
    pd.testing.assert_series_equal(base["collection_status"], other["collection_status"])
    pd.testing.assert_series_equal(base["rating_rules"], other["rating_rules"])
    np.testing.assert_allclose(other["suggested_limit"].astype(float), k * base["suggested_limit"].astype(float),
                               rtol=1e-9)
    np.testing.assert_allclose(other["utilisation"].astype(float), base["utilisation"].astype(float), rtol=1e-9)


_RANK = {None: -1, "A": 0, "B": 1, "C": 2, "D": 3}
_STATUS = {"good": 0, "fair": 1, "poor": 2, "very_bad": 3}


@st.composite
def histories(draw):
    """A customer's bills of the last 300 days, all due by AS_OF; some paid (at most on AS_OF), some not."""
    n = draw(st.integers(1, 7))
    bills = []
    for _ in range(n):
        billed = draw(st.integers(1, 300))
        due = billed - draw(st.sampled_from([0, 7, 30, 60, 90]))
        due = max(due, 1)
        paid = draw(st.one_of(st.none(), st.integers(0, billed)))  # days before AS_OF, after billing
        amount = draw(st.floats(1, 1e6, allow_nan=False))
        bills.append(bill(round(amount, 2), billed=billed, due=due, paid=paid))
    return bills


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bills=histories(), which=st.integers(0, 6), delay=st.integers(1, 400), limit=st.sampled_from([None, 5e5]))
def test_paying_later_never_improves_the_assessment(bills, which, delay, limit):
    i = which % len(bills)
    later = [dict(b) for b in bills]
    b = later[i]
    if pd.isna(b["paid_at"]):
        return  # an unpaid bill cannot be paid later
    b["paid_at"] = b["paid_at"] + delay * DAY
    if b["paid_at"] > AS_OF:  # not paid yet on AS_OF: the store would still show it paid in full
        assert b["outstanding"] == 0
    before, after = one(bills, limit=limit), one(later, limit=limit)
    assert _RANK[after["rating"]] >= _RANK[before["rating"]] >= 0
    assert _STATUS[after["collection_status"]] >= _STATUS[before["collection_status"]]
    assert after["on_time_share"] <= before["on_time_share"] + 1e-12
    assert after["outstanding"] >= before["outstanding"]
    assert after["suggested_limit"] <= before["suggested_limit"] + 1e-6


@settings(max_examples=15, deadline=None)
@given(bills=histories(), aspect=st.sampled_from(["business_performance", "financial_condition", "bankruptcy_signs"]))
def test_a_new_warning_never_improves_the_rating(bills, aspect):
    before, after = one(bills), one(bills, facts=facts({aspect: "资金链紧张"}))
    assert _RANK[after["rating"]] >= _RANK[before["rating"]] and after["at_risk"]


# ----------------------------------------------------------------------------- through the store


PASSWORD = "correct horse battery"


@pytest.fixture
def book(store):
    """Two reps' customers with bills and a warning, as the store holds them."""
    store.add_user("li", PASSWORD, role="rep", rep="李娜")
    for cid, owner in (("C1", "李娜"), ("C2", "张伟")):
        store.add("customers", {"customer_id": cid, "name": f"客户{cid}", "owner": owner, "region": "华东",
                                "credit_limit": 1000.0})
        for k, b in enumerate(on_time(3, customer=cid)):
            store.add("settlements", {**_plain(b), "settlement_id": f"R{cid}{k}"})
    store.add("settlements", {"settlement_id": "RC2late", **_plain(bill(900, billed=60, due=45, customer="C2"))})
    store.add("orders", {"customer_id": "C1", "ordered_at": "2026-08-01", "amount": 300.0})
    store.add("credit_facts", {"customer_id": "C2", "recorded_at": "2026-10-01", "financial_condition": "资金链紧张"})
    return store


def _plain(record: dict) -> dict:
    return {k: v for k, v in record.items() if not pd.isna(v)}


def test_the_assessment_reads_through_the_store(book):
    result = credit.assess(book, as_of=AS_OF)
    assert list(result.index) == ["C1", "C2"]
    assert result.loc["C1", "rating"] == "A" and result.loc["C1", "sales_2026Q3"] == 300
    c2 = result.loc["C2"]
    assert c2["rating"] == "C" and c2["collection_status"] == "poor" and c2["at_risk"]
    assert c2["outstanding"] == 900 and c2["utilisation"] == pytest.approx(0.9)
    assert codes(c2) == ["collection_poor", "on_time_below_50", "financial_condition", "utilisation_above_80"]
    # the same as the frames it read
    frames = credit.assess_tables(book.customers(), book.orders(), book.settlements(), book.read("credit_facts"),
                                  as_of=AS_OF)
    pd.testing.assert_frame_equal(result, frames)
    # as of a day before the late bill was due, it was not yet late
    assert credit.assess(book, as_of=AS_OF - 50 * DAY).loc["C2", "rating"] == "B"  # the warning came later


def test_a_reps_assessment_covers_their_book_only(book):
    with crmkit.open(book.url, user=book.authenticate("li", PASSWORD)) as mine:
        result = credit.assess(mine, as_of=AS_OF)
    assert list(result.index) == ["C1"] and result.loc["C1", "rating"] == "A"
    assert not result["at_risk"].any()  # C2's warning is not theirs to see


def test_the_data_date_is_the_default_as_of(book):
    assert credit.assess(book).attrs["as_of"] == book.data_date()
