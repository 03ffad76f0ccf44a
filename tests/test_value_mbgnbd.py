"""crmkit.value.mbgnbd: the MBG/NBD model.

- the analytic gradient and Hessian match finite differences, and the likelihood matches an
  independent transcription of Batislam et al.'s;
- on CDNOW the parameters equal lifetimes' ModifiedBetaGeoFitter's (within 1e-3) and the
  predictions with the same parameters equal lifetimes';
- parameters are recovered from simulated data (several sets, within 3 se); the simulator
  averages E[X(t)]; the conditional expectation forecasts simulated futures;
- one-off buyers may be gone (P(alive) < 1), unlike BG/NBD; the contract's errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln, gammaln

from crmkit.exceptions import ModelInputError
from crmkit.value import BetaGeo, ModifiedBetaGeo
from crmkit.value._counting import numeric_derivatives
from crmkit.value.mbgnbd import _MbgPatterns, _mbgnbd_objective, simulate_mbgnbd
from lifetimes_data import cdnow_summary, lifetimes


@pytest.fixture(scope="module")
def cdnow():
    return cdnow_summary()


@pytest.fixture(scope="module")
def fitted(cdnow):
    return ModifiedBetaGeo().fit(cdnow)


def _reference_loglik(params, x, tx, T):
    """Batislam, Denizel & Filiztekin (2007), eq. (3), transcribed independently of crmkit's code:
    L = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / Γ(r) · [(α+T)^-(r+x) + a/(b+x) (α+t_x)^-(r+x)]."""
    r, alpha, a, b = params
    common = betaln(a, b + x + 1) - betaln(a, b) + gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    return float(np.sum(common + np.logaddexp(-(r + x) * np.log(alpha + T),
                                              np.log(a / (b + x)) - (r + x) * np.log(alpha + tx))))


@pytest.mark.parametrize("penalizer", [0.0, 0.05])
def test_analytic_gradient_and_hessian_match_finite_differences(cdnow, penalizer):
    x, tx, T = (cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    d = _MbgPatterns.build(x, tx, T, 1 / T.max())
    for params in ([0.5, 0.16, 0.9, 1.6], [2.0, 1.0, 0.3, 5.0]):
        phi = np.log(params)
        value, grad, hess = _mbgnbd_objective(phi, d, penalizer)
        _, grad_fd, hess_fd = numeric_derivatives(lambda p: _mbgnbd_objective(p, d, penalizer)[0], phi)
        np.testing.assert_allclose(grad, grad_fd, atol=1e-7)
        np.testing.assert_allclose(hess, hess_fd, atol=1e-5)
        expected = -_reference_loglik(params, x, tx * (1 / T.max()), T * (1 / T.max())) / len(x)
        assert value == pytest.approx(expected + penalizer * np.sum(np.square(params)), rel=1e-12)


def test_matches_lifetimes_on_cdnow(cdnow, fitted):
    lt = lifetimes()
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    theirs = lt.ModifiedBetaGeoFitter().fit(f, r, T)
    rel = (fitted.params_ / theirs.params_[fitted.params_.index] - 1).abs()
    assert rel.max() < 1e-3, rel
    ours = ModifiedBetaGeo().fit(cdnow)
    ours.params_ = theirs.params_.copy()
    for t in (1.0, 10.0, 52.0):
        np.testing.assert_allclose(ours.expected_purchases(t, cdnow),
                                   theirs.conditional_expected_number_of_purchases_up_to_time(t, f, r, T), rtol=1e-9)
    np.testing.assert_allclose(ours.probability_alive(cdnow), theirs.conditional_probability_alive(f, r, T),
                               rtol=1e-12)
    times = np.array([1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(ours.expected_purchases_new_customer(times),
                               theirs.expected_number_of_purchases_up_to_time(times), rtol=1e-9)


def test_one_off_buyers_may_be_gone_unlike_bgnbd(cdnow, fitted):
    once = cdnow[cdnow["frequency"] == 0]
    assert (fitted.probability_alive(once) < 1).all()
    assert (BetaGeo().fit(cdnow).probability_alive(once) == 1).all()
    # the longer one has not come back, the likelier one is gone
    p = fitted.probability_alive(once.assign(T=[10.0, 30.0] * (len(once) // 2) + [30.0] * (len(once) % 2)))
    assert p.iloc[0] > p.iloc[1]


SETS = {
    "CDNOW-like, weeks": ({"r": 0.52, "alpha": 6.2, "a": 0.89, "b": 1.61}, (26.0, 52.0), 1),
    "frequent, sticky": ({"r": 3.0, "alpha": 10.0, "a": 0.5, "b": 8.0}, (10.0, 40.0), 2),
    "daily, churny": ({"r": 0.7, "alpha": 30.0, "a": 2.0, "b": 3.0}, (30.0, 365.0), 3),
}


@pytest.mark.parametrize("name", list(SETS))
def test_recovers_simulated_parameters_within_3_standard_errors(name):
    truth, (lo, hi), seed = SETS[name]
    ages = np.random.default_rng(seed).uniform(lo, hi, 40_000)
    summary = simulate_mbgnbd(40_000, T=ages, seed=seed, **truth)
    model = ModifiedBetaGeo().fit(summary)
    z = (model.params_ - pd.Series(truth)) / model.summary_["se(coef)"]
    assert z.abs().max() < 3, z


def test_simulated_purchases_average_the_unconditional_expectation(fitted):
    r, alpha, a, b = fitted.params_
    summary = simulate_mbgnbd(200_000, r, alpha, a, b, T=52.0, seed=11)
    mean, se = summary["frequency"].mean(), summary["frequency"].std() / np.sqrt(len(summary))
    assert abs(mean - fitted.expected_purchases_new_customer(52.0)) < 3 * se


def test_conditional_expectation_forecasts_simulated_futures(fitted):
    """Customers drawn from MBG/NBD observed for T and followed for t more: the forecast from
    the true parameters matches their mean future purchases in each frequency group."""
    r, alpha, a, b, T, t, n = 0.6, 5.0, 0.9, 2.0, 39.0, 39.0, 200_000
    rng = np.random.default_rng(5)
    lam, p = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    survives = rng.geometric(p) - 1                     # purchases after the first before leaving
    events = rng.poisson(lam * T)
    x = np.minimum(events, survives)
    tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), events - x + 1), 0.0)
    # alive at T: survived all x repeat purchases' coin flips and the T-window's remaining events
    alive = survives > events
    later = rng.poisson(lam * t)
    future = np.where(alive, np.minimum(later, survives - events), 0)
    summary = pd.DataFrame({"frequency": x, "recency": tx, "T": T})
    model = ModifiedBetaGeo().fit(summary.iloc[:3000])  # a fitted object; the forecast uses the truth
    model.params_ = pd.Series({"r": r, "alpha": alpha, "a": a, "b": b})
    forecast = model.expected_purchases(t, summary).to_numpy()
    for k in (0, 1, 2, 4):
        group = x == k
        se = future[group].std() / np.sqrt(group.sum())
        assert abs(future[group].mean() - forecast[group].mean()) < 3 * se, k


def test_bad_input_is_refused_with_the_column(cdnow):
    with pytest.raises(ModelInputError, match="'recency'"):
        ModifiedBetaGeo().fit(cdnow.drop(columns="recency"))
    bad = cdnow.astype({"frequency": "float64"})
    bad.loc[[3, 7], "frequency"] = 1.5
    with pytest.raises(ModelInputError, match="whole numbers") as info:
        ModifiedBetaGeo().fit(bad)
    assert info.value.customers == [3, 7]
