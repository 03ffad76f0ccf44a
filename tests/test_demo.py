"""Tests for crmkit.demo: the seeded demo data generator and its hidden truth."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from crmkit import demo, schema
from crmkit.timeframe import end_of

TABLE_NAMES = ["customers", "contacts", "interactions", "opportunities", "orders", "settlements",
               "complaints", "profile", "credit_facts", "account_plans", "plan_swot", "plan_goals", "plan_milestones",
               "plan_kpis", "visit_plans"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def data() -> demo.DemoData:
    return demo.generate(n_customers=1200, seed=7)


@pytest.fixture(scope="module")
def big() -> demo.DemoData:
    """Enough opportunities to compare the hidden probabilities with what happened."""
    return demo.generate(n_customers=6000, seed=11)


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_identical_frames():
    a = demo.generate(300, seed=5)
    b = demo.generate(300, seed=5)
    assert a.as_of == b.as_of
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    for name in a.truth:
        pd.testing.assert_frame_equal(a.truth[name], b.truth[name])


def test_different_seed_gives_different_data():
    a = demo.generate(300, seed=5)
    b = demo.generate(300, seed=6)
    assert not a.tables["customers"]["name"].equals(b.tables["customers"]["name"])
    assert not a.tables["orders"]["amount"].equals(b.tables["orders"]["amount"])
    assert not a.tables["interactions"]["occurred_at"].equals(b.tables["interactions"]["occurred_at"])


# ---------------------------------------------------------------- canonical form


def test_every_table_has_the_canonical_columns_in_schema_order(data):
    assert sorted(data.tables) == sorted(TABLE_NAMES)
    for name, frame in data.tables.items():
        assert list(frame.columns) == schema.TABLES[name].column_names, name
        assert len(frame) > 0, name


def test_values_are_in_canonical_form(data):
    for name, frame in data.tables.items():
        for col in schema.TABLES[name].columns:
            s = frame[col.name]
            present = s.dropna()
            if col.kind in ("id", "text", "category"):
                assert present.map(type).eq(str).all(), (name, col.name)
            elif col.kind == "enum":
                assert set(present) <= set(col.choices), (name, col.name, set(present) - set(col.choices))
            elif col.kind in ("datetime", "date"):
                assert s.dtype == "datetime64[ns]", (name, col.name, s.dtype)
                if col.kind == "date":
                    assert (present == present.dt.normalize()).all(), (name, col.name)
            elif col.kind == "money":
                assert s.dtype == float, (name, col.name)
                assert (present >= 0).all(), (name, col.name)
                assert np.allclose(present, present.round(2), rtol=0, atol=1e-9), (name, col.name)
            elif col.kind == "bool":
                assert s.dtype == bool, (name, col.name)
            elif col.kind == "integer":
                assert pd.api.types.is_integer_dtype(s), (name, col.name)
        if col.required:
            assert frame[col.name].notna().all(), (name, col.name)


def test_ids_are_unique_zero_padded_text(data):
    customers = data.tables["customers"]["customer_id"]
    assert customers.iloc[0] == "000001"
    assert customers.str.fullmatch(r"\d{6}").all()
    prefixes = {"contacts": "P", "interactions": "I", "opportunities": "O", "orders": "S",
                "settlements": "R", "complaints": "Q", "profile": "F", "credit_facts": "W",
                "visit_plans": "V"}
    for name, prefix in prefixes.items():
        ids = data.tables[name][schema.TABLES[name].id_column]
        assert ids.is_unique, name
        assert ids.str.fullmatch(prefix + r"\d{7}").all(), name
    assert data.tables["interactions"]["interaction_id"].iloc[0] == "I0000001"


def test_every_customer_reference_exists(data):
    known = set(data.tables["customers"]["customer_id"])
    for name in TABLE_NAMES[1:]:
        if name.startswith("plan_"):  # a plan's parts name their plan, which names the customer
            assert set(data.tables[name]["plan_id"]) <= set(data.tables["account_plans"]["plan_id"]), name
            continue
        refs = data.tables[name]["customer_id"]
        if name == "interactions":
            refs = refs.dropna()
        assert refs.notna().all() and set(refs) <= known, name
    contacts = data.tables["contacts"].set_index("contact_id")["customer_id"]
    facts = data.tables["profile"].dropna(subset=["contact_id"])
    assert (contacts.loc[facts["contact_id"]].to_numpy() == facts["customer_id"].to_numpy()).all()


def test_anonymous_walk_ins_are_the_only_interactions_without_a_customer(data):
    inter = data.tables["interactions"]
    anon = inter[inter["customer_id"].isna()]
    assert 0.02 < len(anon) / len(inter) < 0.2
    assert set(anon["channel"]) == {"walk_in", "call_in"}
    assert 0.05 < anon["left_contact"].mean() < 0.6  # most anonymous visitors leave no details
    assert set(inter["channel"]) == set(schema.CHANNELS)


def test_every_event_happens_by_as_of_and_in_business_hours(data):
    assert data.as_of == pd.Timestamp("2026-10-31")  # the default end: the last day of history
    as_of = end_of(data.as_of)  # the midnight after it
    start = as_of - pd.Timedelta(days=round(2.5 * 365.25))
    for name, col in [("interactions", "occurred_at"), ("orders", "ordered_at"), ("complaints", "received_at"),
                      ("customers", "created_at"), ("opportunities", "created_at"),
                      ("settlements", "settled_at"), ("settlements", "paid_at"), ("credit_facts", "recorded_at"),
                      ("credit_facts", "cleared_at")]:
        s = data.tables[name][col].dropna()  # paid_at and cleared_at may be empty
        assert len(s) and s.min() >= start and s.max() < as_of, (name, col)
    hours = data.tables["interactions"]["occurred_at"].dt.hour
    assert hours.between(8, 18).all()
    # history reaches the last day
    assert data.tables["interactions"]["occurred_at"].max() >= pd.Timestamp("2026-10-30")


def test_custom_end_and_length():
    d = demo.generate(50, seed=1, end="2025-06-30", years=1)
    assert d.as_of == pd.Timestamp("2025-06-30")
    assert d.tables["interactions"]["occurred_at"].max() < end_of(d.as_of)
    assert d.tables["customers"]["created_at"].min() >= end_of(d.as_of) - pd.Timedelta(days=366)


def test_a_single_customer_still_works():
    d = demo.generate(1, seed=0)
    assert len(d.tables["customers"]) == 1


def test_rejects_no_customers():
    with pytest.raises(ValueError):
        demo.generate(0)


# ---------------------------------------------------------------- realistic content


def test_chinese_people_companies_places(data):
    c = data.tables["customers"]
    assert c["name"].map(lambda s: bool(CJK.search(s))).all()
    companies = c[c["tax_id"].notna()]
    assert companies["name"].str.endswith("公司").all()
    assert companies["name"].is_unique
    assert c["mnemonic"].str.fullmatch(r"[\u4e00-\u9fff]{2,4}-.+").all()
    assert set(c["region"]) == {"华东", "华北", "华南", "华中", "西南", "西北", "东北"}
    assert set(c["source"]) <= {"来店", "来电", "展会", "转介绍", "网络", "广告"}
    reps = set(data.truth["reps"]["rep"])
    assert 10 <= len(reps) <= 14 and set(c["owner"]) <= reps
    persons = data.tables["contacts"]["name"]
    assert persons.str.fullmatch(r"[\u4e00-\u9fff]{2,4}").all()
    # common surnames dominate: 王 李 张 刘 陈 are about 30 % of people
    top = persons.str[0].isin(list("王李张刘陈")).mean()
    assert 0.2 < top < 0.42


def test_phones_and_emails_look_real(data):
    mobile = r"1[3-9]\d{9}"
    landline = r"0\d{2,3}-\d{8}"
    phones = pd.concat([data.tables["customers"]["phone"], data.tables["contacts"]["phone"]]).dropna()
    assert phones.str.fullmatch(f"{mobile}|{landline}").all()
    assert data.tables["contacts"]["phone"].str.fullmatch(mobile).all()
    emails = pd.concat([data.tables["customers"]["email"], data.tables["contacts"]["email"]]).dropna()
    assert emails.str.fullmatch(r"[a-z0-9.]+@[a-z0-9.-]+\.[a-z]+").all()


def test_interaction_texts_are_chinese(data):
    inter = data.tables["interactions"]
    for col in ("purpose", "result"):
        assert inter[col].notna().all()
        assert inter[col].map(lambda s: bool(CJK.search(s))).all()
    assert inter["next_step"].notna().any() and inter["next_step"].isna().any()
    planned = inter.dropna(subset=["next_date"])
    assert (planned["next_date"] > planned["occurred_at"].dt.normalize()).all()
    assert inter.loc[inter["next_step"].isna(), "next_date"].isna().all()


def test_contacts_belong_to_company_customers(data):
    customers = data.tables["customers"].set_index("customer_id")
    per_customer = data.tables["contacts"].groupby("customer_id").size()
    assert per_customer.between(1, 3).all()
    assert customers.loc[per_customer.index, "tax_id"].notna().all()  # companies only
    assert set(data.tables["contacts"]["gender"]) == {"male", "female"}


def test_profile_facts_are_flagged_sensitive(data):
    profile = data.tables["profile"]
    share = profile["customer_id"].nunique() / len(data.tables["customers"])
    assert 0.05 < share < 0.16
    assert set(profile["section"]) <= set(schema.PROFILE_SECTIONS)
    not_harmless = profile["key"].map(schema.sensitive_profile_key)
    assert not_harmless.any() and profile.loc[not_harmless, "sensitive"].all()
    for key in ("健康状况", "宗教信仰", "政党", "配偶姓名"):
        rows = profile[profile["key"] == key]
        assert len(rows) and rows["sensitive"].all(), key
    assert not profile.loc[profile["key"].isin(["兴趣爱好", "毕业院校", "昵称"]), "sensitive"].any()
    assert not profile.duplicated(["customer_id", "contact_id", "key"]).any()


def test_complaints_resolve_after_they_arrive_with_a_right_skewed_delay(data):
    comp = data.tables["complaints"]
    assert 0.01 < comp["customer_id"].nunique() / len(data.tables["customers"]) < 0.1
    done = comp[comp["status"].isin(["resolved", "closed"])]
    pending = comp[comp["status"].isin(["open", "in_progress"])]
    assert done["resolved_at"].notna().all() and done["resolution"].notna().all()
    assert pending["resolved_at"].isna().all()
    hours = (done["resolved_at"] - done["received_at"]).dt.total_seconds() / 3600
    assert (hours > 0).all()
    assert hours.mean() > hours.median()  # right-skewed
    assert hours.max() > 24 * 4
    assert set(comp["category"]) <= {"产品质量", "服务态度", "交付延迟", "价格争议", "售后维修"}
    assert set(comp["channel"]) <= {"电话", "微信", "来店", "邮件"}


# ---------------------------------------------------------------- receivables


def test_outstanding_is_receivable_minus_received(data):
    s = data.tables["settlements"]
    assert (s["outstanding"] == (s["receivable"] - s["received"]).round(2)).all()
    assert (s["received"] <= s["receivable"]).all()
    assert (s["due_date"] >= s["settled_at"]).all()
    assert set((s["due_date"] - s["settled_at"]).dt.days) <= {0, 7, 30, 60, 90}
    assert (s["outstanding"] == 0).mean() > 0.7  # most are paid in full
    overdue = (s["due_date"] < data.as_of) & (s["outstanding"] > 0)
    assert overdue.any()


def test_a_payment_day_is_recorded_for_paid_bills_only(data):
    s = data.tables["settlements"]
    paid = s["paid_at"].notna()
    assert (s.loc[s["outstanding"] == 0, "paid_at"].notna()).all()
    assert (s.loc[paid, "paid_at"] >= s.loc[paid, "settled_at"]).all()
    late = (s["paid_at"] - s["due_date"]).dt.days
    assert (late > 7).any() and (late <= 0).any()


def test_credit_ratings_spread_over_every_grade_with_a_few_customers_at_risk(data):
    from crmkit import credit

    t = data.tables
    result = credit.assess_tables(t["customers"], t["orders"], t["settlements"], t["credit_facts"], as_of=data.as_of)
    counts = result["rating"].value_counts()
    assert (counts[list("ABCD")] >= 10).all(), counts
    assert 0.01 < result["at_risk"].mean() < 0.1
    # the hidden credit class shows through: worse classes rate worse and are flagged more often
    truth = data.truth["customers"].set_index("customer_id")["credit"].reindex(result.index)
    rated = result["rating"].notna()
    mean_grade = result.loc[rated, "rating"].cat.codes.groupby(truth[rated]).mean()
    assert mean_grade["good"] < mean_grade["fair"] < mean_grade["poor"] < mean_grade["very_bad"]
    flagged = result["at_risk"].astype(bool).groupby(truth).mean()
    assert flagged["good"] < flagged["poor"] < flagged["very_bad"]


def test_credit_facts_are_dated_warnings_some_cleared(data):
    f = data.tables["credit_facts"]
    aspects = f[list(schema.CREDIT_FACT_ASPECTS)]
    assert aspects.notna().any(axis=1).all()
    cleared = f.dropna(subset=["cleared_at"])
    assert len(cleared) and (cleared["cleared_at"] > cleared["recorded_at"]).all()
    assert f["bankruptcy_signs"].isin(["法人代表失联", "申请破产重整", "工厂停工、员工遣散", "资产被法院查封"]).any()


def test_poor_credit_customers_owe_more(big):
    s = big.tables["settlements"].merge(big.truth["customers"][["customer_id", "credit"]])
    past_due = s[s["due_date"] < end_of(big.as_of) - pd.Timedelta(days=30)]
    unpaid = (past_due["outstanding"] > 0).groupby(past_due["credit"]).mean()
    assert unpaid["good"] < unpaid["poor"] < unpaid["very_bad"]


# ---------------------------------------------------------------- orders: BG/NBD, Gamma-Gamma


def test_bgnbd_parameters_produce_plausible_repeat_purchases(big):
    params = big.truth["params"].iloc[0]
    truth = big.truth["customers"]
    n = len(truth)
    assert abs(truth["lambda"].mean() / (params["r"] / params["alpha"]) - 1) < 0.1
    assert abs(truth["p"].mean() - params["a"] / (params["a"] + params["b"])) < 0.02
    orders = big.tables["orders"]
    assert 2.0 < len(orders) / n < 3.2
    buyers = truth[truth["buyer"]]
    repeats = orders.groupby("customer_id").size().reindex(buyers["customer_id"]).to_numpy() - 1
    assert (repeats >= 0).all()
    assert 0.1 < (repeats == 0).mean() < 0.5
    # the BG/NBD expectation E[X(T)] (Fader, Hardie & Lee 2005, eq. 9), T since the first purchase
    from scipy.special import hyp2f1

    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    t = (end_of(big.as_of) - buyers["first_purchase"]).dt.total_seconds().to_numpy() / 86400
    expected = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    se = repeats.std() / np.sqrt(len(repeats))
    assert abs(repeats.mean() - expected.mean()) < 4 * se


def test_orders_follow_the_true_customer_traits(big):
    truth = big.truth["customers"].set_index("customer_id")
    orders = big.tables["orders"]
    assert set(orders["customer_id"]) == set(truth.index[truth["buyer"]])
    suppliers = big.tables["customers"].loc[lambda c: c["customer_type"] == "supplier", "customer_id"]
    assert len(suppliers) and not truth.loc[suppliers, "buyer"].any()
    first = orders.groupby("customer_id")["ordered_at"].min()
    assert (first == truth.loc[first.index, "first_purchase"]).all()
    # a customer who dropped out bought nothing after dropping out
    last = orders.groupby("customer_id")["ordered_at"].max()
    gone = truth.loc[last.index, "dropout_at"].dropna()
    assert (last.loc[gone.index] == gone).all()
    assert 0.2 < truth.loc[truth["buyer"], "alive"].mean() < 0.8
    # Gamma-Gamma: a customer's average order tracks the true mean order value
    mean_order = orders.groupby("customer_id")["amount"].mean()
    corr = np.corrcoef(np.log(mean_order), np.log(truth.loc[mean_order.index, "mean_order_value"]))[0, 1]
    assert corr > 0.6
    assert (orders["gross_margin"] < orders["amount"]).all()
    assert (orders["quantity"] >= 1).all()


def test_value_grade_follows_spend_and_status_follows_recency(big):
    c = big.tables["customers"].set_index("customer_id")
    spend = big.tables["orders"].groupby("customer_id")["amount"].sum().reindex(c.index, fill_value=0)
    by_grade = spend.groupby(c["value_grade"]).median()
    assert list(by_grade.index) == list("ABCDE")
    assert by_grade.is_monotonic_decreasing
    last = big.tables["orders"].groupby("customer_id")["ordered_at"].max().reindex(c.index)
    since = (end_of(big.as_of) - last.fillna(c["created_at"]).combine(c["created_at"], max)).dt.days
    assert (since[c["status"] == "active"] <= 181).all()
    assert (since[c["status"] == "lost"] >= 540).all()  # whole days of a continuous rule
    assert c["customer_type"].value_counts(normalize=True)["customer"] > 0.85


# ---------------------------------------------------------------- opportunities: the hidden process


def test_opportunity_fields_agree_with_their_status(data):
    o = data.tables["opportunities"]
    is_open = o["status"] == "open"
    assert o.loc[is_open, "closed_at"].isna().all() and o.loc[~is_open, "closed_at"].notna().all()
    assert (o.loc[~is_open, "closed_at"] > o.loc[~is_open, "created_at"]).all()
    lost = o["status"] == "lost"
    assert o.loc[lost, "lost_reason"].notna().all() and o.loc[~lost, "lost_reason"].isna().all()
    assert set(o.loc[lost, "lost_reason"]) <= {"价格", "竞品", "预算取消", "无回应", "需求变化", "决策层否决"}
    assert (o.loc[o["status"] == "won", "stage"] == "contract").all()
    assert set(o["intent_grade"]) == {"O", "A", "B", "C"}
    assert 0.12 < is_open.mean() < 0.32
    assert 0.2 < (o["status"] == "won").mean() < 0.6
    assert o["competitor"].notna().any() and o["competitor"].isna().any()


def test_a_customer_has_one_open_card_at_a_time(data):
    o = data.tables["opportunities"].sort_values(["customer_id", "created_at"])
    nxt = o.groupby("customer_id")["created_at"].shift(-1)
    has_next = nxt.notna()
    assert (o.loc[has_next, "closed_at"] < nxt[has_next]).all()


def test_stage_path_is_ordered_and_ends_at_the_table_stage(data):
    stages = data.truth["opportunity_stages"]
    order = {s: i for i, s in enumerate(schema.STAGES)}
    code = stages["stage"].map(order)
    assert (code.groupby(stages["opportunity_id"]).diff().dropna() > 0).all()
    last = stages.groupby("opportunity_id")["stage"].last()
    table = data.tables["opportunities"].set_index("opportunity_id")["stage"]
    assert (last.reindex(table.index) == table).all()
    first = stages.groupby("opportunity_id")["entered_at"].first()
    created = data.tables["opportunities"].set_index("opportunity_id")["created_at"]
    assert (first.reindex(created.index) == created).all()


def test_true_probability_is_calibrated_against_what_happened(big):
    """The outcomes were drawn by the same process true_close_probability integrates.

    The windows do not overlap, so the residuals won - p are martingale differences and
    the calibration statistics below are approximately standard normal / chi-square.
    """
    o = big.tables["opportunities"].set_index("opportunity_id")
    frames = []
    for k in range(1, 28):
        as_of = big.as_of - pd.Timedelta(days=31 * k)
        p = demo.true_close_probability(big, as_of=as_of)
        state = demo.opportunity_state(big, as_of=as_of)
        closed = o.loc[p.index, "closed_at"]
        won = (o.loc[p.index, "status"] == "won") & (closed < end_of(as_of) + pd.Timedelta(days=30))
        # recency as the hidden model counts it: days from the last contact to the next morning
        frames.append(pd.DataFrame({"p": p.to_numpy(), "won": won.to_numpy(),
                                    "recency": state.loc[p.index, "days_since_contact"].to_numpy() + 1,
                                    "contacts": state.loc[p.index, "contacts_30d"].to_numpy(),
                                    "stage": state.loc[p.index, "stage"].to_numpy()}))
    r = pd.concat(frames, ignore_index=True)
    assert len(r) > 10_000

    def calibrated(part):
        se = np.sqrt((part["p"] * (1 - part["p"])).sum()) / len(part)
        return abs(part["p"].mean() - part["won"].mean()) < 4 * se

    assert calibrated(r)
    # also within recency bands and stages, so a mismatch in either would show
    for _, part in r.groupby(pd.cut(r["recency"], [0, 2, 7, 20, 10_000])):
        assert calibrated(part)
    for _, part in r.groupby(r["stage"].isin(["contacted", "quoted"])):
        assert calibrated(part)
    # a joint score test: the residuals must not line up with recency, frequency or p itself
    x = np.column_stack([np.log(r["recency"]), np.log1p(r["contacts"]), np.log(r["p"] / (1 - r["p"]))])
    x -= x.mean(axis=0)
    residual = (r["won"] - r["p"]).to_numpy()
    score = x.T @ residual
    info = x.T @ (x * (r["p"] * (1 - r["p"])).to_numpy()[:, None])
    assert score @ np.linalg.solve(info, score) < 16.27  # chi-square(3), 99.9 %
    quint = pd.qcut(r["p"], 5, labels=False)
    rate = r["won"].groupby(quint).mean()
    assert rate.is_monotonic_increasing
    assert rate.iloc[-1] > 5 * rate.iloc[0]
    assert rate.iloc[-1] > 0.25


def test_true_probability_at_creation_is_calibrated_and_grades_are_a_noisy_view(big):
    o = big.tables["opportunities"].merge(big.truth["opportunities"], on="opportunity_id")
    won = (o["status"] == "won") & (o["closed_at"] <= o["created_at"] + pd.Timedelta(days=30))
    p = o["p_won_30d_at_creation"]
    assert p.between(0, 1).all()
    se = np.sqrt((p * (1 - p)).sum()) / len(p)
    assert abs(p.mean() - won.mean()) < 4 * se
    by_grade = p.groupby(o["intent_grade"]).mean()
    assert by_grade["O"] > by_grade["A"] > by_grade["B"] > by_grade["C"]
    # noisy: the grades overlap
    assert p[o["intent_grade"] == "C"].max() > p[o["intent_grade"] == "O"].min()


def test_true_probability_falls_when_the_last_contact_is_older(big):
    """Move each customer's latest interaction by as_of back by nine days: the
    probability may only fall (the same random paths are used both times)."""
    as_of = big.as_of - pd.Timedelta(days=120)
    before = demo.true_close_probability(big, as_of=as_of)
    state = demo.opportunity_state(big, as_of=as_of)
    assert (state.index == before.index).all()
    recent = state[state["days_since_contact"] == 0]  # contacted on the as_of day itself
    assert len(recent) > 20
    inter = big.tables["interactions"].copy()
    that_day = inter["occurred_at"].dt.normalize() == as_of
    moved = that_day & inter["customer_id"].isin(recent["customer_id"])
    inter.loc[moved, "occurred_at"] -= pd.Timedelta(days=9)
    changed = demo.DemoData(tables={**big.tables, "interactions": inter}, truth=big.truth, as_of=big.as_of)
    after = demo.true_close_probability(changed, as_of=as_of)
    state_after = demo.opportunity_state(changed, as_of=as_of)
    assert (state_after.loc[recent.index, "days_since_contact"] > 0).all()
    assert (after <= before + 1e-12).all()
    assert (after.loc[recent.index] < before.loc[recent.index]).mean() > 0.95
    untouched = state.index.difference(state[state["customer_id"].isin(inter.loc[moved, "customer_id"])].index)
    assert np.allclose(after.loc[untouched], before.loc[untouched])


def test_hidden_hazards_are_monotone_in_recency_and_frequency():
    recency = np.arange(1, 200)
    for stage in range(5):
        hw, hl = demo._hazards(np.full(len(recency), stage), recency, np.full(len(recency), 3), -7.3, -6.5)
        assert (np.diff(hw) < 0).all() and (np.diff(hl) > 0).all()
    freq = np.arange(0, 30)
    hw, hl = demo._hazards(np.full(len(freq), 2), np.full(len(freq), 5), freq, -7.3, -6.5)
    assert (np.diff(hw) > 0).all() and (np.diff(hl) < 0).all()
    hw, _ = demo._hazards(np.arange(5), np.full(5, 5), np.full(5, 3), -7.3, -6.5)
    assert (np.diff(hw) > 0).all()  # later stages close more


def test_true_close_probability_is_deterministic_and_covers_the_open_cards(data):
    p1 = demo.true_close_probability(data, as_of=data.as_of)
    p2 = demo.true_close_probability(data)  # as_of defaults to the data set's last day
    pd.testing.assert_series_equal(p1, p2)
    o = data.tables["opportunities"]
    assert set(p1.index) == set(o.loc[o["status"] == "open", "opportunity_id"])
    assert p1.between(0, 1).all()
    longer = demo.true_close_probability(data, as_of=data.as_of, horizon_days=90)
    assert (longer.to_numpy() >= p1.to_numpy() - 0.05).all()
    assert longer.mean() > p1.mean()
    with pytest.raises(ValueError):
        demo.true_close_probability(data, as_of=data.as_of + pd.Timedelta(days=1))


def test_opportunity_state_reads_the_interactions(data):
    as_of = data.as_of - pd.Timedelta(days=60)
    state = demo.opportunity_state(data, as_of=as_of)
    inter = data.tables["interactions"]
    row = state.iloc[0]
    mine = inter[(inter["customer_id"] == row["customer_id"]) & (inter["occurred_at"] < end_of(as_of))]
    assert row["days_since_contact"] == (as_of - mine["occurred_at"].max().normalize()).days
    assert row["contacts_30d"] == (mine["occurred_at"] >= end_of(as_of) - pd.Timedelta(days=30)).sum()
    assert set(state["stage"]) <= set(schema.STAGES)


# ---------------------------------------------------------------- sample files


def test_sample_files_decode_and_carry_the_chinese_headers(data, tmp_path):
    from openpyxl import load_workbook

    paths = demo.write_sample_files(tmp_path, data, n_rows=40)
    names = {p.name: p for p in paths}
    assert set(names) == {"customers_gbk.csv", "interactions.xlsx", "settlements_utf8bom.csv", "orders.csv",
                          "opportunities.xlsx"}

    raw = names["customers_gbk.csv"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    customers = pd.read_csv(names["customers_gbk.csv"], encoding="gbk", dtype=str)
    assert list(customers.columns) == [c.zh for c in schema.CUSTOMERS.columns]
    assert len(customers) == 40 and customers["客户编号"].iloc[0] == "000001"
    assert customers["建档日期"].str.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}").all()
    assert set(customers["客户类型"]) <= set(schema.CUSTOMER_TYPES.values())
    assert set(customers["业务状态"]) <= set(schema.CUSTOMER_STATUS.values())
    keep = set(customers["客户编号"])

    raw = names["settlements_utf8bom.csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    settle = pd.read_csv(names["settlements_utf8bom.csv"], encoding="utf-8-sig", dtype=str)
    assert list(settle.columns) == ["结算编号", "客户编号", "结算日期", "应收金额", "实收金额", "未收金额", "到期日", "结算人"]
    assert settle["结算日期"].str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日").all()
    assert set(settle["客户编号"]) <= keep

    orders = pd.read_csv(names["orders.csv"], encoding="utf-8", dtype=str)
    assert not names["orders.csv"].read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(orders.columns) == [c.zh for c in schema.ORDERS.columns]
    assert orders["交易日期"].str.fullmatch(r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}(:\d{2})?").all()
    assert set(orders["客户编号"]) <= keep

    ws = load_workbook(names["interactions.xlsx"]).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "来电/店客户登记表"
    header = list(rows[1])
    assert header == [c.zh for c in schema.INTERACTIONS.columns]
    body = pd.DataFrame(rows[2:], columns=header)
    assert body["日期"].map(lambda v: hasattr(v, "year")).all()  # real Excel dates
    assert set(body["方式"]) <= set(schema.CHANNELS.values()) and "来店" in set(body["方式"])
    assert set(body["留资"]) <= {"是", "否"}
    assert set(body["客户编号"].dropna()) <= keep
    assert body["客户编号"].isna().any()  # the register lists anonymous visitors too

    ws = load_workbook(names["opportunities.xlsx"]).active
    rows = list(ws.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "意向编号")
    header = list(rows[header_at])
    assert header == [c.zh for c in schema.OPPORTUNITIES.columns]
    body = pd.DataFrame(rows[header_at + 1:], columns=header)
    assert set(body["阶段"]) <= set(schema.STAGES.values())
    assert set(body["客户编号"]) <= keep


def test_some_customers_have_times_not_to_visit_and_the_reps_have_saved_visit_plans(data):
    from crmkit.visit_times import parse_clock, parse_visit_times

    customers = data.tables["customers"]
    closed = customers["no_visit_times"].dropna()
    assert 0.15 < len(closed) / len(customers) < 0.35 and closed.nunique() >= 8
    assert all(parse_visit_times(t).text() == t for t in closed.unique())  # kept as the canonical text
    plans = data.tables["visit_plans"]
    assert set(plans["status"]) == {"done", "missed", "planned"}
    assert (plans.loc[plans["status"] == "planned", "day"] > data.as_of).all()
    assert (plans.loc[plans["status"] != "planned", "day"] <= data.as_of).all()
    assert plans["rep"].nunique() == customers["owner"].nunique()
    times = customers.set_index("customer_id")["no_visit_times"]
    for item in plans.itertuples():  # no visit in a customer's 不宜访问时间, planned or made
        start = parse_clock(item.time)
        assert not parse_visit_times(times[item.customer_id]).blocks(item.day.weekday(), start, start + item.minutes)
    done = plans[plans["status"] == "done"]
    visits = data.tables["interactions"]
    met = set(zip(visits["rep"], visits["customer_id"], visits["occurred_at"].dt.normalize()))
    assert all(k in met for k in zip(done["rep"], done["customer_id"], done["day"]))
