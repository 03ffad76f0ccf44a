"""crmkit.close follow-up plans and the lost-prospect analysis."""

from __future__ import annotations

import pandas as pd
import pytest

import crmkit
from crmkit import demo
from crmkit.close.followups import DEFAULT_CADENCE, followups, plan_followups
from crmkit.close.lost import NO_COMPETITOR, NOT_GIVEN, lost_analysis, lost_from_table


def _features(rows):
    f = pd.DataFrame(rows).set_index("opportunity_id")
    f["last_contact_at"] = pd.to_datetime(f["last_contact_at"])
    f["age_days"] = f["age_days"].astype("Int64")
    return f


FEATURES = _features([
    # as_of 2026-05-10
    {"opportunity_id": "O1", "customer_id": "c1", "rep": "r1", "stage": "quoted", "intent_grade": "O",
     "last_contact_at": "2026-05-05 15:00", "age_days": 40},   # due 05-07, 3 days late
    {"opportunity_id": "O2", "customer_id": "c2", "rep": "r1", "stage": "proposal", "intent_grade": "C",
     "last_contact_at": "2026-05-01 09:00", "age_days": 40},   # due 05-15
    {"opportunity_id": "O3", "customer_id": "c3", "rep": "r1", "stage": "contacted", "intent_grade": "B",
     "last_contact_at": "2026-05-03 09:00", "age_days": 10},   # due 05-10: due, not overdue
    {"opportunity_id": "O4", "customer_id": "c4", "rep": "r0", "stage": "contacted", "intent_grade": None,
     "last_contact_at": None, "age_days": 30},                 # never contacted: opened 04-10 + 14 -> 04-24
    {"opportunity_id": "O5", "customer_id": "c5", "rep": "r1", "stage": "quoted", "intent_grade": "A",
     "last_contact_at": "2026-05-01 10:00", "age_days": 50},   # due 05-05, 5 days late
])


def test_plan_uses_the_grade_cadence_and_sorts_overdue_first_per_rep():
    plan = plan_followups(FEATURES, as_of="2026-05-10")
    assert DEFAULT_CADENCE == {"O": 2, "A": 4, "B": 7, "C": 14}
    assert list(plan.index) == ["O4", "O5", "O1", "O3", "O2"]
    assert plan.loc["O1", "next_due"] == pd.Timestamp("2026-05-07")
    assert plan.loc["O1", "days_overdue"] == 3 and plan.loc["O1", "overdue"]
    assert plan.loc["O3", "next_due"] == pd.Timestamp("2026-05-10") and not plan.loc["O3", "overdue"]
    assert plan.loc["O2", "days_overdue"] == 0 and plan.loc["O2", "cadence_days"] == 14
    assert plan.loc["O4", "grade"] == "C" and plan.loc["O4", "next_due"] == pd.Timestamp("2026-04-24")
    assert plan.loc["O4", "days_overdue"] == 16


def test_cadence_and_probabilities_override_the_defaults():
    plan = plan_followups(FEATURES, as_of="2026-05-10", cadence={"C": 7})
    assert plan.loc["O2", "next_due"] == pd.Timestamp("2026-05-08") and plan.loc["O2", "overdue"]
    p = pd.Series({"O1": 0.1, "O2": 0.8})  # O1 a model's C, O2 its O; the rest keep the hand grade
    plan = plan_followups(FEATURES, as_of="2026-05-10", probabilities=p)
    assert plan.loc[["O1", "O2", "O3", "O5"], "grade"].tolist() == ["C", "O", "B", "A"]
    assert plan.loc["O1", "next_due"] == pd.Timestamp("2026-05-19") and not plan.loc["O1", "overdue"]
    assert plan.loc["O2", "days_overdue"] == 7
    with pytest.raises(ValueError):
        plan_followups(FEATURES, as_of="2026-05-10", cadence={"D": 3})


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    data = demo.generate(n_customers=600, seed=2)
    crm = crmkit.open(f"sqlite:///{tmp_path_factory.mktemp('follow') / 'crm.db'}", user="tester")
    demo.load_into(crm, data, by="crmkit demo")
    yield crm, data
    crm.close()


def test_followups_on_the_demo_cover_every_open_card(loaded):
    crm, data = loaded
    plan = followups(crm, as_of="2026-05-31")
    state = demo.opportunity_state(data, as_of="2026-05-31")
    assert sorted(plan.index) == sorted(state.index)
    contacted = pd.Timestamp("2026-05-31") - pd.to_timedelta(state["days_since_contact"], unit="D")
    cadence = state["intent_grade"].map(DEFAULT_CADENCE)
    due = contacted + pd.to_timedelta(cadence, unit="D")
    assert (plan["next_due"] == due.loc[plan.index]).all()
    assert (plan["overdue"] == (due.loc[plan.index] < pd.Timestamp("2026-05-31"))).all()
    for _, rows in plan.groupby("rep", observed=True, sort=False):
        late = rows["days_overdue"].to_numpy()
        assert (late[:-1] >= late[1:]).all()


def test_lost_analysis_counts_by_reason_stage_competitor_and_rep():
    opps = pd.DataFrame({
        "status": ["lost", "lost", "lost", "won", "lost", "open", "lost"],
        "closed_at": pd.to_datetime(["2026-01-05", "2026-02-01", "2026-02-20", "2026-02-02", "2026-03-01", None,
                                     "2025-12-31"]),
        "stage": ["quoted", "quoted", "contract", "contract", "quoted", "proposal", "contacted"],
        "lost_reason": ["价格", None, "价格", None, "竞品", None, "价格"],
        "competitor": ["X", None, "", None, "Y", None, "X"],
        "rep": ["a", "b", "a", "a", "a", "b", "b"],
    })
    t = lost_from_table(opps, start="2026-01-01", end="2026-03-01")
    assert t["reason"]["lost"].to_dict() == {"价格": 2, NOT_GIVEN: 1}
    assert t["reason"]["share"].sum() == pytest.approx(1.0)
    assert t["stage"]["lost"].to_dict() == {"contacted": 0, "quoted": 2, "proposal": 0, "negotiation": 0, "contract": 1}
    assert t["competitor"]["lost"].to_dict() == {NO_COMPETITOR: 2, "X": 1}
    assert t["rep"].loc["a", ["lost", "closed"]].tolist() == [2, 3]
    assert t["rep"].loc["a", "loss_rate"] == pytest.approx(2 / 3)
    assert t["rep"].loc["b", "share"] == pytest.approx(1 / 3)
    assert t["stage"]["lost"].sum() == 3
    everything = lost_from_table(opps)
    assert everything["reason"]["lost"].sum() == 5


def test_lost_analysis_on_the_store(loaded):
    crm, data = loaded
    t = lost_analysis(crm, start="2026-01-01", end="2026-11-01")
    o = data.tables["opportunities"]
    lost = o[(o["status"] == "lost") & (o["closed_at"] >= "2026-01-01") & (o["closed_at"] < "2026-11-01")]
    assert len(lost) > 10
    for view in t.values():
        assert view["lost"].sum() == len(lost)
        assert view["share"].sum() == pytest.approx(1.0)
    assert t["reason"]["lost"].to_dict() == lost["lost_reason"].value_counts().to_dict()
    assert t["stage"]["lost"].to_dict() == lost["stage"].value_counts().reindex(t["stage"].index, fill_value=0).to_dict()
