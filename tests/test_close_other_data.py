"""The close model on other people's data (issue 11): no ids, no leaks, placeholders as empty
cells, explanations in the list's language and for saturated leads, the same answer twice, and
backfilled history that a later correction reaches.

The lead lists are written the way a published one is (the Kaggle "Lead Scoring" set: a uuid
Prospect ID, a unique Lead Number, English headers, "Select" where nobody picked a
specialization, Converted 0/1) by a seeded generator whose true close probabilities are known,
then read back from CSV as an analyst would.
"""

from __future__ import annotations

import re
import uuid
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmkit
from crmkit import close
from crmkit.close.explain import SATURATED, explain
from crmkit.close.metrics import auc
from crmkit.close.model import CloseLikelihoodModel
from crmkit.close.placeholders import FORM_PLACEHOLDERS
from crmkit.exceptions import CrmkitWarning, IdColumnsWarning, LeakageWarning

CJK = re.compile(r"[\u3400-\u9fff]")

# The true model: each value's push on the log-odds of converting.
ORIGINS = {"API": 0.0, "Landing Page Submission": -0.3, "Lead Add Form": 2.6, "Lead Import": -0.5}
SOURCES = {"Google": 0.0, "Direct Traffic": -0.3, "Olark Chat": -0.6, "Organic Search": -0.1, "Reference": 1.6,
           "Welingak Website": 2.4}
ACTIVITIES = {"Email Opened": 0.0, "SMS Sent": 1.5, "Olark Chat Conversation": -1.2, "Page Visited on Website": -0.3,
              "Converted to Lead": -0.9, "Email Bounced": -1.8}
SPECIALIZATIONS = {"Finance Management": 0.3, "Human Resource Management": 0.2, "Marketing Management": 0.35,
                   "Operations Management": 0.1, "Business Administration": 0.0}
NOT_CHOSEN = -0.4   # "Select" and an empty cell alike: nobody picked a specialization
ID_COLUMNS = ["Prospect ID", "Lead Number"]


def lead_list(n: int, seed: int, *, leak: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """A Kaggle-style lead list and each lead's true probability to convert."""
    rng = np.random.default_rng(seed)

    def pick(effects: dict, p=None):
        keys = list(effects)
        i = rng.choice(len(keys), n, p=p)
        return np.array(keys, dtype=object)[i], np.array(list(effects.values()))[i]

    origin, e_origin = pick(ORIGINS, [0.39, 0.52, 0.08, 0.01])
    source, e_source = pick(SOURCES, [0.32, 0.28, 0.19, 0.13, 0.05, 0.03])
    activity, e_activity = pick(ACTIVITIES, [0.38, 0.30, 0.11, 0.08, 0.08, 0.05])
    no_email = rng.random(n) < 0.08
    visits = rng.poisson(3.4, n).astype(float)
    seconds = np.where(rng.random(n) < 0.24, 0, np.round(rng.gamma(1.3, 520, n)))
    pages = np.round(np.where(visits > 0, rng.gamma(2.0, 1.2, n), 0), 2)
    visits[rng.random(n) < 0.015] = np.nan
    named, e_special = pick(SPECIALIZATIONS)
    blank = rng.random(n)
    specialization = np.where(blank < 0.36, "Select", np.where(blank < 0.52, None, named)).astype(object)
    e_special = np.where(blank < 0.52, NOT_CHOSEN, e_special)
    logit = -1.0 + e_origin + e_source + e_activity + e_special - 1.1 * no_email + 0.0011 * (seconds - 500)
    truth = 1 / (1 + np.exp(-logit))
    converted = (rng.random(n) < truth).astype(int)
    frame = pd.DataFrame({
        "Prospect ID": [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)],
        "Lead Number": 660737 - np.cumsum(rng.integers(1, 18, n)),
        "Lead Origin": origin, "Lead Source": source, "Do Not Email": np.where(no_email, "Yes", "No"),
        "TotalVisits": visits, "Total Time Spent on Website": seconds.astype(int), "Page Views Per Visit": pages,
        "Last Activity": activity, "Specialization": specialization, "Converted": converted,
    })
    if leak:  # the amount of the deal, typed in once it was won
        frame["Final Amount"] = np.where(converted == 1, np.round(rng.lognormal(9, 0.6, n), -1), np.nan)
    return frame, truth


def _exported(frame: pd.DataFrame, path) -> pd.DataFrame:
    frame.to_csv(path, index=False)
    return pd.read_csv(path)


def _fit(leads: pd.DataFrame, **params) -> tuple[CloseLikelihoodModel, list]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = CloseLikelihoodModel(**params).fit(leads.drop(columns="Converted"), leads["Converted"])
    return model, [w.message for w in caught]


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """The published list (6,000 leads) with its leaking amount, as read back from its CSV."""
    frame, _ = lead_list(6000, seed=1, leak=True)
    return _exported(frame, tmp_path_factory.mktemp("leads") / "Leads.csv")


@pytest.fixture(scope="module")
def leaky(export):
    return _fit(export)


@pytest.fixture(scope="module")
def clean(export):
    return _fit(export.drop(columns="Final Amount"))


@pytest.fixture(scope="module")
def fresh_leads():
    frame, truth = lead_list(6000, seed=2)
    return frame.drop(columns="Converted"), frame["Converted"].to_numpy(), truth


# ----------------------------------------------------------------------------- ids


def test_id_columns_are_left_out_listed_and_warned_about(clean):
    model, caught = clean
    assert model.id_columns_ == ID_COLUMNS
    assert set(ID_COLUMNS) <= set(model.dropped_columns_) and not set(ID_COLUMNS) & set(model.feature_names_used_)
    assert "uuid" in model.dropped_columns_["Prospect ID"] and "id" in model.dropped_columns_["Lead Number"]
    assert set(model.feature_names_used_) == {"Lead Origin", "Lead Source", "Do Not Email", "TotalVisits",
                                              "Total Time Spent on Website", "Page Views Per Visit", "Last Activity",
                                              "Specialization"}
    warned = [w for w in caught if isinstance(w, IdColumnsWarning)]
    assert len(warned) == 1 and set(warned[0].columns) == set(ID_COLUMNS)
    assert all(name in str(warned[0]) for name in ID_COLUMNS)


def test_the_model_ranks_like_the_truth_without_the_ids(clean, fresh_leads):
    model, _ = clean
    X, y, truth = fresh_leads
    assert auc(y, model.predict_proba(X)[:, 1]) > auc(y, truth) - 0.04


_SMALL = dict(max_iter=25, cv=2, min_samples_leaf=20)


@pytest.fixture(scope="module")
def small():
    """A small list without its ids, and the probabilities a model fitted on it gives."""
    frame, _ = lead_list(500, seed=7)
    leads = frame.drop(columns=ID_COLUMNS)
    model, _ = _fit(leads, **_SMALL)
    return leads, model.predict_proba(leads.drop(columns="Converted"))[:, 1]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["uuid", "named number", "running number", "counter", "code"]),
       seed=st.integers(0, 2**32 - 1), name=st.sampled_from(["Lead Number", "LeadNo", "Record ID", "客户编号", "x"]))
def test_an_id_column_of_any_kind_never_changes_the_answer(small, kind, seed, name):
    leads, expected = small
    rng = np.random.default_rng(seed)
    n = len(leads)
    if kind == "uuid":
        values = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)]
    elif kind == "named number":
        values = rng.permutation(rng.choice(10**8, n, replace=False))
        name = name if name != "x" else "Lead Number"
    elif kind == "running number":
        values = 1000 + np.cumsum(rng.integers(1, 50, n))
    elif kind == "counter":       # an auto-increment, shuffled, with a few gaps
        values = rng.permutation(np.arange(n + n // 50))[:n] + 1
    else:
        values = [f"L-{v:07d}" for v in rng.choice(10**7, n, replace=False)]
    with_id = leads.assign(**{name: values})
    model, caught = _fit(with_id, **_SMALL)
    assert name in model.id_columns_ and name not in model.feature_names_used_
    assert any(isinstance(w, IdColumnsWarning) and name in w.columns for w in caught)
    np.testing.assert_array_equal(model.predict_proba(with_id.drop(columns="Converted"))[:, 1], expected)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(["Amount", "Revenue", "Total Time Spent", "Deal Size"]),
       whole=st.booleans())
def test_amounts_and_durations_are_not_taken_for_ids(seed, name, whole):
    rng = np.random.default_rng(seed)
    n = 400
    values = rng.lognormal(9, 1.2, n)
    frame = pd.DataFrame({name: np.round(values) if whole else values,
                          "Converted": (rng.random(n) < 0.3).astype(int)})
    model, caught = _fit(frame, **_SMALL)
    assert model.feature_names_used_ == [name] and not model.id_columns_
    assert not [w for w in caught if isinstance(w, IdColumnsWarning)]


# ----------------------------------------------------------------------------- leaks


def test_a_column_filled_only_for_closed_deals_warns_at_fit_time_naming_it(export):
    with pytest.warns(LeakageWarning) as record:
        model = CloseLikelihoodModel().fit(export.drop(columns="Converted"), export["Converted"])
    # the warning comes from fit: before predict_proba has shown a single score
    leaks = [w.message for w in record if isinstance(w.message, LeakageWarning)]
    assert len(leaks) == 1 and set(leaks[0].columns) == {"Final Amount"}
    assert "Final Amount" in str(leaks[0]) and "filled in" in str(leaks[0])
    assert model.leaking_columns_ == pytest.approx({"Final Amount": 1.0})


def test_honest_columns_raise_no_leak_warning(clean):
    model, caught = clean
    assert not [w for w in caught if isinstance(w, LeakageWarning)] and model.leaking_columns_ == {}
    assert model.separation_.max() < 0.9   # the strongest real signal, Last Activity, is far from a give-away


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rate=st.floats(0.1, 0.6), kind=st.sampled_from(["filled", "value"]))
def test_any_column_that_alone_tells_the_outcome_is_flagged_and_noise_never(seed, rate, kind):
    rng = np.random.default_rng(seed)
    n = 600
    won = (rng.random(n) < rate).astype(int)
    if kind == "filled":   # filled only for won deals
        leak = np.where(won == 1, rng.lognormal(8, 1, n), np.nan)
    else:                  # a closing note whose wording follows the outcome
        leak = np.where(won == 1, "signed", "no answer").astype(object)
    frame = pd.DataFrame({"Leak": leak, "Noise": rng.normal(size=n), "Channel": rng.choice(["a", "b", "c"], n),
                          "Converted": won})
    model, caught = _fit(frame, **_SMALL)
    flagged = {name for w in caught if isinstance(w, LeakageWarning) for name in w.columns}
    assert flagged == {"Leak"}


def test_crmkit_s_own_features_raise_no_warning(tmp_path):
    from crmkit import demo

    with crmkit.open(tmp_path / "crm.db") as crm:
        demo.load_into(crm, demo.generate(n_customers=400, seed=3))
        with warnings.catch_warnings():
            warnings.simplefilter("error", CrmkitWarning)
            scored = close.score_open_opportunities(crm)
    assert scored.model.leaking_columns_ == {} and scored.model.id_columns_ == []
    assert scored.model.lang_ == "zh"   # reps, regions and products are Chinese


# ----------------------------------------------------------------------------- placeholders


def test_select_is_an_empty_cell_not_a_category(clean, fresh_leads):
    model, _ = clean
    X, _, _ = fresh_leads
    counts = X["Specialization"].value_counts()
    assert counts.index[0] == "Select"        # the placeholder is the commonest value in the file
    assert model.reference_values_["Specialization"] in SPECIALIZATIONS
    chosen_nothing = X[X["Specialization"] == "Select"].head(200)
    as_empty = chosen_nothing.assign(Specialization=None)
    np.testing.assert_array_equal(model.predict_proba(chosen_nothing), model.predict_proba(as_empty))
    for placeholder in FORM_PLACEHOLDERS | {"SELECT", " select "}:
        np.testing.assert_array_equal(model.predict_proba(chosen_nothing.assign(Specialization=placeholder)),
                                      model.predict_proba(as_empty))


def test_explain_never_shows_a_placeholder_as_a_value(clean, fresh_leads):
    model, _ = clean
    X, _, _ = fresh_leads
    reasons = explain(model, X[X["Specialization"] == "Select"].head(150), top=8)
    assert (reasons["feature"] == "Specialization").any()
    assert not reasons["text"].str.contains("Select").any()
    assert not reasons["summary"].str.contains("Select").any()
    assert not reasons["reference"].astype(str).isin(["Select"]).any()
    spec = reasons[reasons["feature"] == "Specialization"]
    assert spec["text"].str.startswith("Specialization = missing").all()


# ----------------------------------------------------------------------------- language


def test_an_english_list_is_explained_in_english(clean, fresh_leads):
    model, _ = clean
    X, _, _ = fresh_leads
    assert model.lang_ == "en"
    reasons = explain(model, X.head(100))
    assert len(reasons) > 100
    assert not reasons["text"].str.contains(CJK).any() and not reasons["summary"].str.contains(CJK).any()
    assert not any(CJK.search(note) for note in model.notes_)
    chinese = explain(model, X.head(5), lang="zh")          # asked for, it still speaks Chinese
    assert chinese["summary"].str.contains("成交概率").all()


def test_a_chinese_list_is_explained_in_chinese(tmp_path):
    frame, _ = lead_list(800, seed=11)
    headers = {"Lead Origin": "线索来源", "Lead Source": "渠道", "Last Activity": "最近动作", "Specialization": "专业",
               "TotalVisits": "访问次数", "Converted": "是否成交"}
    zh = _exported(frame[list(headers)].rename(columns=headers).replace({"Select": "请选择"}), tmp_path / "线索.csv")
    model = CloseLikelihoodModel(**_SMALL).fit(zh.drop(columns="是否成交"), zh["是否成交"])
    assert model.lang_ == "zh" and model.reference_values_["专业"] != "请选择"
    reasons = explain(model, zh.drop(columns="是否成交").head(20))
    assert reasons["summary"].str.contains("成交").all()
    assert reasons["text"].str.contains(CJK).all()
    english = CloseLikelihoodModel(lang="en", **_SMALL).fit(zh.drop(columns="是否成交"), zh["是否成交"])
    assert english.lang_ == "en"
    assert explain(english, zh.drop(columns="是否成交").head(5))["summary"].str.contains("close").all()


# ----------------------------------------------------------------------------- saturated leads


# values that truly push towards converting / away from it (see the true model above)
_FOR = {("Lead Origin", "Lead Add Form"), ("Lead Source", "Welingak Website"), ("Lead Source", "Reference"),
        ("Last Activity", "SMS Sent")}
_AGAINST = {("Last Activity", "Email Bounced"), ("Last Activity", "Olark Chat Conversation"),
            ("Last Activity", "Converted to Lead"), ("Do Not Email", "Yes"), ("Lead Source", "Olark Chat")}


def _names_a_true_driver(rows: pd.DataFrame, drivers: set, seconds_sign: int) -> bool:
    for feature, value in zip(rows["feature"], rows["value"]):
        if (feature, value) in drivers:
            return True
        if feature == "Total Time Spent on Website" and seconds_sign * (float(value) - 500) > 0:
            return True
    return False


def test_saturated_leads_are_explained_in_words_a_rep_can_act_on(clean, fresh_leads):
    model, _ = clean
    X, _, truth = fresh_leads
    p = model.predict_proba(X)[:, 1]
    high, low = X[p >= 1 - SATURATED], X[p <= SATURATED]
    assert len(high) >= 3 and len(low) >= 3
    # the model is right to be sure: these leads' true probabilities are extreme too
    assert truth[p >= 1 - SATURATED].mean() > 0.9 and truth[p <= SATURATED].mean() < 0.05
    for leads, words, drivers, sign in ((high, "Almost certain to close", _FOR, 1),
                                        (low, "Almost no chance to close by the model", _AGAINST, -1)):
        reasons = explain(model, leads, top=3)
        assert set(reasons["lead"]) == set(leads.index)          # every saturated lead gets its reasons
        assert reasons["summary"].str.startswith(words).all()
        assert (reasons["rank"] >= 1).all()
        named = reasons.groupby("lead").apply(lambda r: _names_a_true_driver(r, drivers, sign), include_groups=False)
        assert named.mean() >= 0.8, reasons
    reasons = explain(model, low.head(3), top=2)
    first = reasons[reasons["lead"] == low.index[0]]
    assert "It would change with" in first["summary"].iloc[0]
    change = first["summary"].iloc[0].split("It would change with")[1]
    for feature, reference in zip(first["feature"], first["reference"]):   # the typical lead's value of each
        assert f"{feature} = " in change
        assert not isinstance(reference, str) or f"{feature} = {reference}" in change
    assert explain(model, high.head(2), lang="zh")["summary"].str.startswith("几乎肯定成交").all()


# ----------------------------------------------------------------------------- the same answer twice


def test_the_same_file_gives_the_same_answer_twice(tmp_path, clean, fresh_leads):
    model, _ = clean
    X, _, _ = fresh_leads
    frame, _ = lead_list(6000, seed=1, leak=True)
    again = _exported(frame.drop(columns="Final Amount"), tmp_path / "Leads again.csv")
    second, _ = _fit(again)
    np.testing.assert_array_equal(model.predict_proba(X), second.predict_proba(X))
    first_words = explain(model, X.head(30))
    pd.testing.assert_frame_equal(first_words, explain(second, X.head(30)))


# ----------------------------------------------------------------------------- backfilled history

ACCOUNTS = pd.DataFrame({"Account Name": ["Acme Ltd", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay"],
                         "Phone": ["021-5555-0101", "021-5555-0102", "010-5555-0103", "010-5555-0104",
                                   "020-5555-0105", "020-5555-0106"]})
# An export of 2016 opportunities: no id column, the tool's own words, amounts not yet filled in.
OPPORTUNITIES = pd.DataFrame({
    "Account Name": ["Acme Ltd", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Acme Ltd"],
    "Opportunity Name": ["Fleet renewal", "Pilot", "Upgrade", "New site", "Pilot", "Expansion", "Service plan"],
    "Stage": ["Quoted", "Proposal", "Contacted", "Negotiation", "Quoted", "Contacted", "Proposal"],
    "Amount": [None, 52000, None, None, 8000, None, None],
    "Expected Close": ["2016-05-15", None, "2016-06-30", None, "2016-05-01", None, "2016-07-31"],
    "Created Date": ["2016-01-05", "2016-02-10", "2016-03-01", "2016-01-20", "2016-02-25", "2016-03-10", "2016-03-15"],
    "Close Date": ["2016-04-20", None, None, "2016-05-02", "2016-04-01", None, None],
    "Status": ["Won", "Open", "Open", "Lost", "Won", "Open", "Open"],
})
CORRECT_AMOUNTS = {"Fleet renewal": 31000, "Upgrade": 12500, "New site": 99000, "Expansion": 4300, "Service plan": 7600}
MAPPING = {"Account Name": "customer_id", "Opportunity Name": "title", "Amount": "expected_amount",
           "Expected Close": "expected_close", "Created Date": "created_at", "Close Date": "closed_at"}
PAST = "2016-03-31"


def _store(path, opportunities: pd.DataFrame):
    crm = crmkit.open(path / "crm.db")
    ACCOUNTS.to_csv(path / "Accounts.csv", index=False)
    crm.import_file(path / "Accounts.csv", table="customers", columns={"Account Name": ["name", "customer_id"]})
    opportunities.to_csv(path / "Opportunities.csv", index=False)
    crm.import_file(path / "Opportunities.csv", table="opportunities", columns=MAPPING)
    return crm


def _corrected() -> pd.DataFrame:
    fixed = OPPORTUNITIES.copy()
    fixed["Amount"] = fixed["Amount"].fillna(fixed["Opportunity Name"].map(CORRECT_AMOUNTS))
    return fixed


@pytest.fixture
def stores(tmp_path):
    """The corrected file imported once; the first file then corrected card by card; the first
    file then the corrected one imported over it."""
    made = {}
    for name in ("once", "edited", "reimported"):
        (tmp_path / name).mkdir()
        made[name] = _store(tmp_path / name, _corrected() if name == "once" else OPPORTUNITIES)
    by_title = made["edited"].opportunities().set_index("title")
    for title, amount in CORRECT_AMOUNTS.items():
        card = by_title.loc[title]
        made["edited"].update("opportunities", card["opportunity_id"], {"expected_amount": amount},
                              expected_version=int(card["version"]))
    _corrected().to_csv(tmp_path / "reimported" / "Opportunities fixed.csv", index=False)
    report = made["reimported"].import_file(tmp_path / "reimported" / "Opportunities fixed.csv",
                                            table="opportunities", columns=MAPPING)
    assert report.updated == len(CORRECT_AMOUNTS)
    yield made
    for crm in made.values():
        crm.close()


def test_a_correction_of_a_backfilled_field_reaches_past_dates(stores):
    once = close.opportunity_features(stores["once"], as_of=PAST)
    assert len(once) == 7 and once["expected_amount"].notna().all()
    for name in ("edited", "reimported"):
        pd.testing.assert_frame_equal(close.opportunity_features(stores[name], as_of=PAST), once)


def test_a_backtest_on_the_backfilled_store_sees_the_amounts(stores):
    tables = {t: stores["edited"].read(t) for t in ("opportunities", "interactions", "customers", "orders")}
    X, _ = close.training_snapshots(tables, stores["edited"].history("opportunities"), start="2016-01-31",
                                    cutoff="2016-05-31", horizon_days=30, every_days=14)
    assert len(X) > 10 and X["expected_amount"].notna().all()


def test_a_later_stage_change_of_a_backfilled_card_is_not_read_into_its_past(stores):
    crm = stores["edited"]
    card = crm.opportunities().set_index("title").loc["Upgrade"]
    crm.update("opportunities", card["opportunity_id"], {"stage": "contract"}, expected_version=int(card["version"]))
    for day in (PAST, crm.data_date()):   # as the file had it: the store learnt of the move today
        assert close.opportunity_features(crm, as_of=day).loc[card["opportunity_id"], "stage"] == "contacted"
    today = pd.Timestamp.today().normalize()
    assert close.opportunity_features(crm, as_of=today).loc[card["opportunity_id"], "stage"] == "contract"


def test_changes_to_a_card_the_store_knew_from_its_start_are_replayed_as_before(tmp_path):
    # the CRM's own log says the card was created on 2016-01-05 and its amount went from 20,000
    # to 31,000 on 2016-02-01: not a backfill, so every later change is an event, read only after it
    crm = _store(tmp_path, _corrected())
    card = crm.opportunities().set_index("title").loc["Fleet renewal"]
    oid = card["opportunity_id"]
    crm.import_history(pd.DataFrame({
        "table_name": ["opportunities"] * 2, "record_id": [oid] * 2, "op": ["insert", "update"],
        "field": [None, "expected_amount"], "old_value": [None, "20000"], "new_value": [None, "31000"],
        "changed_at": pd.to_datetime(["2016-01-05", "2016-02-01"])}))
    crm.update("opportunities", oid, {"expected_amount": 35000}, expected_version=int(card["version"]))
    assert close.opportunity_features(crm, as_of="2016-01-20").loc[oid, "expected_amount"] == 20000
    assert close.opportunity_features(crm, as_of="2016-02-15").loc[oid, "expected_amount"] == 31000
    crm.close()


# ----------------------------------------------------------------------------- a final amount in the store


def _pipeline_export(path, *, with_close_value: bool):
    """A B2B CRM's deals export (the Maven "CRM Sales Opportunities" shape): accounts by name, the
    stage words Prospecting/Engaging/Won/Lost, and close_value filled in only when a deal closes
    (its amount if won, 0 if lost, blank while open)."""
    rng = np.random.default_rng(11)
    accounts = pd.DataFrame({"account": [f"Account {i:02d}" for i in range(40)],
                             "office_location": rng.choice(["United States", "Kenya", "Japan"], 40)})
    n = 1500
    engaged = pd.Timestamp("2016-10-20") + pd.to_timedelta(rng.integers(0, 420, n), unit="D")
    stage = rng.choice(["Won", "Lost", "Engaging"], n, p=[0.5, 0.3, 0.2])
    closed = engaged + pd.to_timedelta(rng.integers(1, 120, n), unit="D")
    done = stage != "Engaging"
    deals = pd.DataFrame({
        "sales_agent": rng.choice([f"Agent {c}" for c in "ABCDEFGH"], n),
        "product": rng.choice(["GTX Basic", "GTX Pro", "MG Special"], n),
        "account": rng.choice(accounts["account"], n),
        "deal_stage": stage,
        "engage_date": engaged.strftime("%Y-%m-%d"),
        "close_date": np.where(done, closed.strftime("%Y-%m-%d"), ""),
    })
    if with_close_value:
        deals["close_value"] = np.where(stage == "Won", rng.gamma(2, 1200, n).round(0).astype(str),
                                        np.where(stage == "Lost", "0", ""))
    accounts.to_csv(path / "accounts.csv", index=False)
    deals.to_csv(path / "sales_pipeline.csv", index=False)
    crm = crmkit.open(path / "crm.db")
    crm.import_file(path / "accounts.csv", "customers", columns={"account": "name", "office_location": "region"})
    columns = {"account": "customer_id", "engage_date": "created_at", "close_date": "closed_at",
               "deal_stage": "status", "sales_agent": "rep"}
    if with_close_value:
        columns["close_value"] = "expected_amount"
    crm.import_file(path / "sales_pipeline.csv", "opportunities", columns=columns, refs={"customer_id": "name"},
                    values={"status": {"Won": "won", "Lost": "lost", "Engaging": "open"}})
    return crm


@pytest.mark.parametrize("with_close_value", [True, False])
def test_a_final_amount_imported_as_the_expected_amount_is_named_before_any_score(tmp_path, with_close_value):
    # Trained on "won within 30 days", the final amount does not separate perfectly (deals won
    # later dilute it); against each deal's final outcome it does, and that is what is checked.
    with _pipeline_export(tmp_path, with_close_value=with_close_value) as crm:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = close.backtest(crm, cutoff="2017-09-30")
    leaks = [w.message for w in caught if isinstance(w.message, LeakageWarning)]
    if with_close_value:
        assert [list(w.columns) for w in leaks] == [["expected_amount"]]
        assert "deals finally won" in str(leaks[0])   # an English export is answered in English
        assert result.model.leaking_columns_ == {"expected_amount": pytest.approx(1.0, abs=0.02)}
    else:
        assert leaks == [] and result.model.leaking_columns_ == {}
