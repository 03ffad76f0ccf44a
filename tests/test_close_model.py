"""crmkit.close model, baselines, metrics, explain and plots: the close probabilities are right and honest."""

from __future__ import annotations

import io
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from crmkit.close.baselines import HandGradeBaseline, OdooNaiveBayes
from crmkit.close.explain import explain
from crmkit.close.metrics import (
    auc,
    calibration_table,
    expected_calibration_error,
    lift_by_grade,
)
from crmkit.close.model import CloseLikelihoodModel, fit_from_frame
from crmkit.close.plots import GRADE_COLORS, plot_calibration, plot_grade_distribution, plot_lift_by_grade

STAGES = ["contacted", "quoted", "proposal", "negotiation", "contract"]


# Fewer boosting rounds and folds only to keep the ~50 checks quick; the contract does not depend on them.
@parametrize_with_checks([CloseLikelihoodModel(max_iter=30, cv=3)])
def test_sklearn_contract(estimator, check):
    check(estimator)


def _leads(n: int, seed: int, unseen: bool = False):
    """Leads with a known logistic truth: text, counts, missing cells, a date and an id column."""
    rng = np.random.default_rng(seed)
    stage = rng.choice(STAGES, n, p=[0.35, 0.25, 0.2, 0.12, 0.08])
    reps = np.array([f"rep{i}" for i in range(8)])
    rep = rng.choice(reps, n).astype(object)
    source = rng.choice(["展会", "官网", "转介绍", "电话"], n).astype(object)
    visits = rng.poisson(1.5, n)
    days = rng.exponential(15, n)
    days_missing = rng.random(n) < 0.1
    logit = (pd.Series(stage).map(dict(zip(STAGES, [-2.2, -1.0, -0.2, 0.6, 1.6]))).to_numpy()
             + pd.Series(rep).map(dict(zip(reps, np.linspace(-0.5, 0.5, 8)))).to_numpy()
             + pd.Series(source).map({"展会": 0.0, "官网": -0.3, "转介绍": 0.8, "电话": -0.4}).to_numpy()
             + 0.45 * np.minimum(visits, 5) - 0.04 * np.where(days_missing, 40, days))
    truth = 1 / (1 + np.exp(-logit))
    y = (rng.random(n) < truth).astype(int)
    source[rng.random(n) < 0.1] = None
    if unseen:   # a rep and a source the model never saw
        rep[rng.random(n) < 0.05] = "新人"
        source[rng.random(n) < 0.05] = "抖音"
    frame = pd.DataFrame({
        "stage": stage, "rep": rep, "source": source, "visits_30d": visits,
        "days_since_contact": np.where(days_missing, np.nan, days),
        "expected_amount": rng.lognormal(10, 1, n),
        "created_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        "lead_id": [f"L{seed}-{i}" for i in range(n)],
    })
    return frame, y, truth


@pytest.fixture(scope="module")
def train():
    return _leads(20_000, seed=0)


@pytest.fixture(scope="module")
def test_set():
    return _leads(60_000, seed=1, unseen=True)


@pytest.fixture(scope="module")
def model(train):
    X, y, _ = train
    return CloseLikelihoodModel(random_state=0).fit(X, y)


def test_probabilities_rank_like_the_truth_and_are_calibrated(model, test_set):
    X, y, truth = test_set
    p = model.predict_proba(X)[:, 1]
    assert list(model.classes_) == [0, 1]
    assert auc(y, p) > auc(y, truth) - 0.03
    assert expected_calibration_error(y, p) <= 0.03
    assert "lead_id" not in model.feature_names_used_
    assert any("created_at" in note for note in model.notes_)


def test_calibration_beats_the_uncalibrated_booster(test_set):
    # An overfit booster (many deep trees on few leads) is overconfident; the calibration layer fixes it.
    X, y, _ = _leads(3000, seed=2)
    Xt, yt, _ = test_set
    params = dict(max_iter=300, max_leaf_nodes=63, min_samples_leaf=5, l2_regularization=0.0, random_state=0)
    raw = CloseLikelihoodModel(method="none", **params).fit(X, y)
    calibrated = CloseLikelihoodModel(method="sigmoid", **params).fit(X, y)
    ece_raw = expected_calibration_error(yt, raw.predict_proba(Xt)[:, 1])
    ece_cal = expected_calibration_error(yt, calibrated.predict_proba(Xt)[:, 1])
    assert ece_cal < ece_raw
    assert isinstance(raw.calibrated_, HistGradientBoostingClassifier)


def test_the_same_data_give_the_same_model_by_default(test_set):
    # a refit (the lead board's, the report's) must not move anyone's grade
    X, y, _ = _leads(1500, seed=5)
    Xt, _, _ = test_set
    params = dict(max_iter=40, cv=3)
    first = CloseLikelihoodModel(**params).fit(X, y).predict_proba(Xt)[:, 1]
    second = CloseLikelihoodModel(**params).fit(X, y).predict_proba(Xt)[:, 1]
    assert CloseLikelihoodModel().random_state == 0
    np.testing.assert_array_equal(first, second)
    drawn = [CloseLikelihoodModel(random_state=None, **params).fit(X, y).predict_proba(Xt)[:, 1] for _ in range(2)]
    assert not np.array_equal(*drawn)  # the seed is what makes them equal


def test_outcome_can_be_named_as_a_column_and_labels_are_kept():
    frame, y, _ = _leads(2000, seed=3)
    frame["converted"] = np.where(y == 1, "won", "lost")
    frame.loc[:50, "converted"] = None                         # still open: left out
    model = fit_from_frame(frame, outcome="converted", random_state=0)
    assert list(model.classes_) == ["lost", "won"]
    assert model.predict_proba(frame.drop(columns="converted")).shape == (2000, 2)
    assert "converted" in frame.columns                         # input not mutated


def test_text_exports_with_numbers_dates_and_blanks_as_strings():
    frame, y, _ = _leads(1500, seed=4)
    text = frame.astype(str)
    text["created_at"] = frame["created_at"].dt.strftime("%Y/%m/%d")
    text.loc[::7, "visits_30d"] = "NULL"
    model = CloseLikelihoodModel(random_state=0).fit(text, y)
    kinds = {name: kind for name, kind, _ in model.encoder_.columns_}
    assert kinds["visits_30d"] == "numeric" and kinds["created_at"] == "datetime"
    assert np.isfinite(model.predict_proba(text)).all()


def test_odoo_naive_bayes_matches_hand_computation():
    # source a: 2 won, 1 lost; b: 0 won, 2 lost. Counts +0.1 (Odoo), prior 2.1 : 3.1.
    leads = pd.DataFrame({"source": ["a", "a", "a", "b", "b"], "won": [1, 1, 0, 0, 0]})
    p = OdooNaiveBayes(fields=["source"]).fit(leads, "won").predict_proba(pd.DataFrame({"source": ["a", "b", "z"]}))
    s_won_a, s_lost_a = 2.1 / 5.2 * 2.1 / 2.2, 3.1 / 5.2 * 1.1 / 3.2
    s_won_b, s_lost_b = 2.1 / 5.2 * 0.1 / 2.2, 3.1 / 5.2 * 2.1 / 3.2
    expected = [s_won_a / (s_won_a + s_lost_a), s_won_b / (s_won_b + s_lost_b), 2.1 / 5.2]  # unseen: prior
    np.testing.assert_allclose(p[:, 1], expected)


def test_odoo_stage_counts_are_cumulative():
    # won at proposal counts for quoted and proposal; lost at proposal too; lost at quoted only quoted.
    leads = pd.DataFrame({"stage": ["proposal", "quoted", "proposal"], "won": [1, 0, 0]})
    model = OdooNaiveBayes(stage_order=["quoted", "proposal"]).fit(leads, "won")
    p = model.predict_proba(leads)[:, 1]
    # quoted: won 1.1 / lost 2.1 (prior too); proposal: won 1.1 / lost 1.1
    np.testing.assert_allclose(p, [1.1 / (1.1 + 1.1), 1.1 / (1.1 + 2.1), 0.5])


def test_hand_grade_baseline_form_and_observed():
    X = pd.DataFrame({"intent_grade": ["O", "O", "C", "C", None]})
    y = [1, 1, 0, 1, 0]
    form = HandGradeBaseline().fit(X, y).predict_proba(X)[:, 1]
    np.testing.assert_allclose(form, [0.875, 0.875, 0.10, 0.10, 0.6])
    observed = HandGradeBaseline(mode="observed").fit(X, y).predict_proba(X)[:, 1]
    np.testing.assert_allclose(observed, [1.0, 1.0, 0.5, 0.5, 0.6])


def test_metrics_on_known_numbers():
    y, p = [0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2]
    assert expected_calibration_error(y, p) == pytest.approx(0.15)
    assert calibration_table(y, p)["leads"].sum() == 4
    table = lift_by_grade([1, 0, 1, 0, 0, 0, 0, 0], [0.8, 0.8, 0.6, 0.3, 0.3, 0.1, 0.1, 0.1])
    assert table.loc["O", "close_rate"] == 0.5 and table.loc["O", "lift"] == pytest.approx(2.0)
    assert table.loc["A", "lift"] == pytest.approx(4.0) and table.loc["C", "won"] == 0
    assert list(lift_by_grade([1, 0], ["o", "C"]).index) == ["O", "A", "B", "C"]


def test_explain_sign_follows_the_feature(model, test_set):
    X = test_set[0].head(40).copy()
    X["stage"] = "contract"                      # far above the typical "contacted"
    X["days_since_contact"] = 60.0               # far worse than the typical ~10 days
    reasons = explain(model, X, top=10)
    stage = reasons[reasons["feature"] == "stage"]
    days = reasons[reasons["feature"] == "days_since_contact"]
    assert len(stage) == 40 and (stage["effect"] > 0).all()
    assert (days["effect"] < 0).all()
    assert stage["text"].str.startswith("合同签约阶段 (+").all()
    assert days["text"].iloc[0].startswith("60天未联系 (−")
    english = explain(model, X.head(1), top=2, lang="en")
    assert english["text"].iloc[0].startswith("stage: contract (+")


def _render(ax) -> list[str]:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # a missing glyph warns
        ax.figure.savefig(buffer, format="png", dpi=60)
    return [t.get_text() for t in ax.figure.findobj(matplotlib.text.Text) if t.get_text()]


def test_plots_draw_chinese_without_missing_glyphs(model, test_set):
    X, y, _ = test_set
    p = model.predict_proba(X.head(5000))[:, 1]
    try:
        texts = _render(plot_calibration(y[:5000], p))
        assert any("校准" in t for t in texts)
        ax = plot_lift_by_grade(y[:5000], p)
        texts = _render(ax)
        assert any("成交率" in t for t in texts)
        assert [matplotlib.colors.to_hex(b.get_facecolor()) for b in ax.patches[:4]] == list(GRADE_COLORS.values())
        frame = pd.DataFrame({"created_at": X["created_at"].head(5000), "grade": p})
        texts = _render(plot_grade_distribution(frame))
        assert any("有望度" in t for t in texts)
        texts = _render(plot_grade_distribution(frame, lang="en", normalize=True))
        assert any("Grade" in t for t in texts)
    finally:
        plt.close("all")


def test_explain_names_the_feature_columns_in_words():
    from crmkit.close.explain import _label

    assert _label("share_visit", 0.3, 0.07, "zh") == "近90天拜访占比 30% (+7%)"
    assert _label("wechat_30d", 3, -0.09, "zh") == "最近30天微信3次 (−9%)"
    assert _label("contacts_since_open", 21, 0.18, "zh") == "建卡以来跟进21次 (+18%)"
    assert _label("days_since_contact", None, -0.1, "zh") == "days_since_contact = 空 (−10%)"
    assert _label("walk_in_7d", 2, 0.02, "en") == "2 walk-ins in the last 7 days (+2%)"


def test_every_public_name_of_close_is_the_function_not_its_module_and_sklearn_waits():
    import subprocess
    import sys

    code = ("import sys, types; from crmkit import close; "
            "assert 'sklearn' not in sys.modules, 'crmkit.close imported scikit-learn'; "
            "bad = [n for n in close.__all__ if isinstance(getattr(close, n), types.ModuleType)]; "
            "assert not bad, bad; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr
