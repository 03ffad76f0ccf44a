"""The backtest on the demo store, whose hidden close process (and so each card's true
probability) is known: crmkit's model is measured against the truth and the two baselines."""

from __future__ import annotations

import pandas as pd
import pytest

import crmkit
from crmkit import close, demo
from crmkit.close.metrics import auc

CUTOFF = pd.Timestamp("2026-06-30")  # the last day the model sees


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    data = demo.generate(n_customers=4000, seed=5)
    crm = crmkit.open(tmp_path_factory.mktemp("bt") / "crm.db")
    demo.load_into(crm, data)
    result = close.backtest(crm, cutoff=CUTOFF, horizon_days=30)
    scored = close.score_open_opportunities(crm, as_of=CUTOFF, horizon_days=30)
    yield data, result, scored
    crm.close()


def test_it_scores_exactly_the_cards_open_at_the_cutoff(demo_run):
    data, result, _ = demo_run
    truth = demo.true_close_probability(data, as_of=CUTOFF, horizon_days=30)
    assert set(result.predictions.index) == set(truth.index)
    assert result.n_train > 5 * len(result.predictions)


def test_crmkit_beats_both_baselines(demo_run):
    _, result, _ = demo_run
    m = result.metrics
    for baseline in ("hand_grade", "odoo_naive_bayes"):
        assert m.loc["crmkit", "auc"] > m.loc[baseline, "auc"] + 0.03, m
        assert m.loc["crmkit", "brier"] < m.loc[baseline, "brier"], m
        assert m.loc["crmkit", "ece"] < m.loc[baseline, "ece"], m


def test_crmkit_is_calibrated_and_close_to_the_true_probabilities(demo_run):
    data, result, _ = demo_run
    pred = result.predictions.join(demo.true_close_probability(data, as_of=CUTOFF, horizon_days=30).rename("p_true"))
    truth_auc = auc(pred["won"].astype(int), pred["p_true"])
    # The issue's goals: AUC within 0.03 of the true probabilities' (0.828 against 0.853 here)
    # and an expected calibration error of at most 0.03 (0.024; the truth's own is 0.020).
    assert result.metrics.loc["crmkit", "auc"] > truth_auc - 0.03
    assert result.metrics.loc["crmkit", "ece"] <= 0.03
    assert abs(result.metrics.loc["crmkit", "mean_probability"] - result.metrics.loc["crmkit", "close_rate"]) < 0.04


def test_lift_is_highest_for_the_best_grades(demo_run):
    _, result, _ = demo_run
    lift = result.lift["crmkit"]
    rates = lift.loc[lift["leads"] >= 20, "close_rate"]
    assert rates.is_monotonic_decreasing, lift  # O above A above B above C, where there are leads


def test_scoring_now_grades_every_open_card_by_its_probability(demo_run):
    data, result, scored = demo_run
    assert set(scored.table.index) == set(result.predictions.index)  # the cards open at that day
    assert scored.table["probability"].between(0, 1).all()
    assert scored.table["probability"].is_monotonic_decreasing
    assert (scored.table["grade"].astype(str) == close.grade(scored.table["probability"]).astype(str)).all()
    # trained on the same snapshots with the same seed, it gives the backtest's probabilities
    p = result.predictions["p_crmkit"].reindex(scored.table.index)
    assert (p - scored.table["probability"]).abs().max() < 1e-9
