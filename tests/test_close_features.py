"""crmkit.close features: stage history in the store, features against the demo truth, no leakage, grades."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit import cli, demo
from crmkit.close.features import features_from_tables, opportunity_features
from crmkit.close.grades import DEFAULT_BANDS, grade
from crmkit.timeframe import end_of

AS_OFS = ["2025-02-28", "2025-09-14", "2026-02-09", "2026-05-31", "2026-10-31"]


@pytest.fixture(scope="module")
def data():
    return demo.generate(n_customers=600, seed=2)


def load(crm, data):
    """What `crmkit demo` does: the tables in load order, then the stage changes."""
    return demo.load_into(crm, data, by="crmkit demo")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, data):
    crm = crmkit.open(f"sqlite:///{tmp_path_factory.mktemp('close') / 'crm.db'}", user="tester")
    load(crm, data)
    yield crm
    crm.close()


def test_stage_changes_follow_the_truths_stage_paths(data):
    changes = demo.stage_changes(data)
    paths = data.truth["opportunity_stages"]
    # every entry after a card's first is one change; the first is the card's opening stage
    assert len(changes) == len(paths) - paths["opportunity_id"].nunique()
    first = paths.groupby("opportunity_id")["stage"].first()
    opened = data.tables["opportunities"].set_index("opportunity_id")
    # replaying the changes from the opening stage gives the stage the table shows now
    final = first.copy()
    for rid, new in zip(changes["record_id"], changes["new_value"]):
        final[rid] = new
    assert (final.loc[opened.index] == opened["stage"]).all()
    assert (changes["old_value"] != changes["new_value"]).all()
    assert set(changes["op"]) == {"update"} and set(changes["field"]) == {"stage"}


def test_stage_history_is_stored_with_its_real_dates_and_not_twice(store, data):
    added = load(store, data)
    changes = demo.stage_changes(data)
    assert added == len(changes) > 0
    assert store.import_history(changes, by="crmkit demo") == 0  # a rerun adds nothing
    h = store.history("opportunities")
    h = h[h["field"] == "stage"].sort_values(["record_id", "changed_at"], kind="stable").reset_index(drop=True)
    want = changes.sort_values(["record_id", "changed_at"], kind="stable").reset_index(drop=True)
    assert len(h) == len(want)
    for c in ("record_id", "op", "old_value", "new_value"):
        assert h[c].astype(object).tolist() == want[c].tolist()
    assert (h["changed_at"].to_numpy() == want["changed_at"].to_numpy()).all()
    assert set(h["changed_by"]) == {"crmkit demo"}


def test_import_history_rejects_bad_rows(loaded):
    row = {"table_name": "opportunities", "record_id": "O0000001", "op": "update", "field": "stage",
           "old_value": "quoted", "new_value": "proposal", "changed_at": "2025-01-01"}
    with pytest.raises(ValueError, match="op"):
        loaded.import_history(pd.DataFrame([{**row, "op": "rename"}]))
    with pytest.raises(ValueError, match="changed_at"):
        loaded.import_history(pd.DataFrame([row]).drop(columns="changed_at"))


def test_cli_demo_writes_the_stage_history_once(sqlite_url, tmp_path):
    args = ["demo", "--db", sqlite_url, "--customers", "120", "--seed", "5", "--samples", str(tmp_path / "s")]
    assert cli.main(args) == 0
    with crmkit.open(sqlite_url) as crm:
        n = int((crm.history("opportunities")["field"] == "stage").sum())
    assert n == len(demo.stage_changes(demo.generate(n_customers=120, seed=5))) > 0
    assert cli.main(args) == 0
    with crmkit.open(sqlite_url) as crm:
        assert int((crm.history("opportunities")["field"] == "stage").sum()) == n


def test_features_rebuild_the_past_state_the_demo_truth_shows(store, data):
    load(store, data)
    current = data.tables["opportunities"].set_index("opportunity_id")["stage"]
    moved = 0
    for as_of in AS_OFS:
        X = opportunity_features(store, as_of=as_of)
        truth = demo.opportunity_state(data, as_of=as_of)
        assert sorted(X.index) == sorted(truth.index) and len(X) > 20
        truth = truth.loc[X.index]
        assert (X["stage"].astype(str) == truth["stage"]).all(), as_of
        assert (X["customer_id"] == truth["customer_id"]).all()
        assert (X["age_days"].astype(int) == truth["age_days"]).all()
        assert (X["days_since_contact"].astype(int) == truth["days_since_contact"]).all()
        assert (X["contacts_30d"] == truth["contacts_30d"]).all()
        assert (X["intent_grade"].astype(str) == truth["intent_grade"]).all()
        assert np.allclose(X["expected_amount"].astype(float), truth["expected_amount"].astype(float))
        moved += int((current.loc[X.index] != truth["stage"]).sum())
    # the check means something: many cards open then have moved on since
    assert moved > 20


def test_without_the_history_the_current_stage_would_leak(loaded, data):
    as_of = "2025-09-14"
    with_history = opportunity_features(loaded, as_of=as_of)
    tables = {"opportunities": loaded.opportunities(), "interactions": loaded.interactions(),
              "orders": loaded.orders(), "customers": loaded.customers()}
    without = features_from_tables(tables, as_of=as_of)
    assert (without.index == with_history.index).all()
    assert (without["stage"] != with_history["stage"]).any()
    assert (with_history["stage"].astype(str) == demo.opportunity_state(data, as_of=as_of).loc[with_history.index, "stage"]).all()


def _snapshot(crm, data, as_of) -> tuple[dict, pd.DataFrame]:
    """The store as it was at the end of the as_of day, built from the demo truth (not from the feature code)."""
    as_of = end_of(as_of)  # the moment: what is dated before it is known
    opps = crm.opportunities()
    opps = opps[opps["created_at"] < as_of].copy()
    later = opps["closed_at"] >= as_of
    opps.loc[later, "status"] = "open"
    opps.loc[later, "closed_at"] = pd.NaT
    opps.loc[later, "lost_reason"] = pd.NA
    paths = data.truth["opportunity_stages"]
    then = paths[paths["entered_at"] < as_of].groupby("opportunity_id")["stage"].last()
    opps["stage"] = opps["opportunity_id"].map(then).astype(opps["stage"].dtype)
    inter = crm.interactions()
    orders = crm.orders()
    hist = crm.history("opportunities")
    tables = {"opportunities": opps, "interactions": inter[inter["occurred_at"] < as_of],
              "orders": orders[orders["ordered_at"] < as_of], "customers": crm.customers()}
    return tables, hist[hist["changed_at"] < as_of]


@pytest.mark.parametrize("as_of", ["2025-06-01", "2026-03-17 00:00", "2026-09-30"])
def test_no_leakage_features_equal_those_of_the_store_as_it_was(loaded, data, as_of):
    full = opportunity_features(loaded, as_of=as_of)
    tables, hist = _snapshot(loaded, data, as_of)
    past = features_from_tables(tables, as_of=as_of, stage_history=hist)
    pd.testing.assert_frame_equal(full, past, check_categorical=False)
    assert (full["days_in_stage"] >= 0).all() and (full["days_in_stage"] <= full["age_days"]).all()


def test_features_count_contacts_orders_and_prior_cards_exactly():
    as_of = pd.Timestamp("2026-04-30")
    opps = pd.DataFrame({
        "opportunity_id": ["O1", "O2", "O3", "O4", "O5"],
        "customer_id": ["c1", "c1", "c1", "c2", "c2"],
        "stage": ["quoted", "contract", "proposal", "contacted", "contract"],
        "intent_grade": ["A", "O", "B", "C", "O"],
        "expected_amount": [1000.0, 2000.0, 500.0, 10.0, 20.0],
        "competitor": [None, "X", "", None, None],
        "created_at": pd.to_datetime(["2026-01-01", "2025-06-01", "2026-05-01", "2026-04-20", "2026-04-01"]),
        "status": ["open", "won", "open", "open", "won"],
        "closed_at": pd.to_datetime([None, "2025-08-01", None, None, "2026-05-03"]),
        "rep": ["r1", "r1", "r1", "r2", "r2"],
        "product": ["p", "p", "p", "q", "q"],
    })
    inter = pd.DataFrame({
        "customer_id": ["c1", "c1", "c1", "c1", "c2", None],
        "occurred_at": pd.to_datetime(["2026-04-30 17:00", "2026-04-10 09:00", "2026-01-15 10:00",
                                       "2026-05-01 09:00", "2026-04-20 10:00", "2026-04-30 10:00"]),
        "channel": ["visit", "phone", "wechat", "visit", "walk_in", "call_in"],
    })
    orders = pd.DataFrame({"customer_id": ["c1", "c1", "c2"],
                           "ordered_at": pd.to_datetime(["2025-07-30", "2026-04-01", "2026-05-02"]),
                           "amount": [100.0, 50.0, 999.0]})
    history = pd.DataFrame({
        "table_name": "opportunities", "record_id": ["O1", "O5"], "op": "update", "field": "stage",
        "old_value": ["contacted", "negotiation"], "new_value": ["quoted", "contract"],
        "changed_at": pd.to_datetime(["2026-03-01", "2026-05-03"]),
    })
    X = features_from_tables({"opportunities": opps, "interactions": inter, "orders": orders}, as_of=as_of,
                             stage_history=history)
    assert list(X.index) == ["O1", "O4", "O5"]  # O2 closed, O3 opened the day after as_of
    assert X.loc["O1", "stage"] == "quoted" and X.loc["O1", "days_in_stage"] == 60
    assert X.loc["O5", "stage"] == "negotiation" and X.loc["O5", "days_in_stage"] == 29  # since created
    assert X.loc["O1", "age_days"] == 119
    assert X.loc["O1", "days_since_contact"] == 0 and X.loc["O4", "days_since_contact"] == 10  # O1: on as_of
    assert X.loc["O1", ["contacts_7d", "contacts_30d", "contacts_90d"]].tolist() == [1, 2, 2]
    assert X.loc["O1", "visit_30d"] == 1 and X.loc["O1", "phone_30d"] == 1 and X.loc["O1", "wechat_90d"] == 0
    assert X.loc["O1", "share_visit"] == 0.5 and X.loc["O1", "share_call_in"] == 0
    assert X.loc["O1", "contacts_since_open"] == 3
    assert X.loc["O1", "orders_count"] == 2 and X.loc["O1", "revenue"] == 150.0
    assert X.loc["O1", "days_since_last_order"] == 29
    assert X.loc["O4", "orders_count"] == 0 and pd.isna(X.loc["O4", "days_since_last_order"])
    assert X.loc["O1", ["prior_opportunities", "prior_won", "prior_lost"]].tolist() == [1, 1, 0]
    assert X.loc["O1", "prior_win_rate"] == 1.0
    assert X.loc["O4", ["prior_opportunities", "prior_won"]].tolist() == [1, 0]  # O5 won only after as_of
    assert pd.isna(X.loc["O4", "prior_win_rate"])
    assert not X["competitor_present"].any()
    assert X["customer_id"].tolist() == ["c1", "c2", "c2"]


def test_grade_uses_the_forms_bands_on_scalars_arrays_and_series():
    assert DEFAULT_BANDS == {"O": 0.75, "A": 0.50, "B": 0.25}
    assert [grade(p) for p in (1.0, 0.75, 0.7499, 0.5, 0.25, 0.2499, 0.0)] == ["O", "O", "A", "A", "B", "C", "C"]
    assert grade(float("nan")) is None
    arr = grade(np.array([0.9, 0.3, np.nan]))
    assert list(arr.categories) == ["O", "A", "B", "C"] and arr.tolist()[:2] == ["O", "B"] and pd.isna(arr[2])
    s = grade(pd.Series([0.6, 0.1], index=["x", "y"], name="p"))
    assert s.index.tolist() == ["x", "y"] and s.tolist() == ["A", "C"] and isinstance(s.dtype, pd.CategoricalDtype)
    assert grade(0.6, bands={"O": 0.9, "A": 0.7, "B": 0.55}) == "B"
    with pytest.raises(ValueError):
        grade(0.5, bands={"O": 0.5, "A": 0.6, "B": 0.1})
    with pytest.raises(ValueError):
        grade(0.5, bands={"O": 0.9, "A": 0.5})


def test_a_store_with_contacts_and_orders_but_no_open_card_has_no_features(sqlite_url):
    with crmkit.open(sqlite_url) as crm:
        c = crm.add("customers", {"name": "华信科技"})
        crm.add("interactions", {"customer_id": c["customer_id"], "occurred_at": "2026-01-01 10:00", "channel": "来店"})
        crm.add("orders", {"customer_id": c["customer_id"], "ordered_at": "2026-01-02", "amount": 10})
        features = opportunity_features(crm, as_of="2026-02-01")
    assert features.empty and {"last_contact_at", "days_since_contact", "revenue"} <= set(features.columns)
