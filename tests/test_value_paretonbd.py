"""crmkit.value.paretonbd: the Pareto/NBD model.

- the likelihood equals the model's integral form (note 009, eq. 18 before the ₂F₁ is taken),
  computed by numerical quadrature independently of crmkit's code;
- CDNOW (weeks) reproduces the published fit (Fader, Hardie & Lee; lifetimes' documentation):
  r 0.553, α 10.58, s 0.606, β 11.67; parameters and predictions equal lifetimes';
- parameters are recovered from data simulated from the model (several sets, within 3 se);
- the simulator and E[X(t)] agree, and the conditional expectation forecasts simulated futures;
- the contract: units, errors that name the column and the customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.special import gammaln

from crmkit.exceptions import ModelInputError
from crmkit.value import ParetoNBD
from crmkit.value.gammagamma import GammaGamma
from crmkit.value.lifetime_value import customer_lifetime_value
from crmkit.value.paretonbd import _log_a0, _loglik_terms, simulate_paretonbd
from lifetimes_data import cdnow_summary, lifetimes


@pytest.fixture(scope="module")
def cdnow():
    return cdnow_summary()


@pytest.fixture(scope="module")
def fitted(cdnow):
    return ParetoNBD().fit(cdnow)


def _loglik_by_quadrature(r, alpha, s, beta, x, tx, T):
    """ln L of one customer from the integral form of the Pareto/NBD likelihood:
    Γ(r+x) α^r β^s / Γ(r) · [(α+T)^-(r+x) (β+T)^-s + s ∫_{t_x}^T (α+y)^-(r+x) (β+y)^-(s+1) dy]."""
    integral, _ = integrate.quad(lambda y: (alpha + y) ** -(r + x) * (beta + y) ** -(s + 1), tx, T,
                                 epsabs=0, epsrel=1e-12, limit=200)
    alive = (alpha + T) ** -(r + x) * (beta + T) ** -s
    return gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + np.log(alive + s * integral)


@pytest.mark.parametrize("params", [(0.55, 10.6, 0.61, 11.7), (2.0, 3.0, 1.5, 40.0), (0.3, 25.0, 0.9, 2.0)])
def test_loglikelihood_equals_the_integral_form(params):
    r, alpha, s, beta = params
    x = np.array([0.0, 1.0, 3.0, 12.0, 30.0, 5.0])
    tx = np.array([0.0, 2.5, 30.0, 38.0, 38.8, 38.86])
    T = np.array([38.86, 20.0, 38.86, 38.86, 39.0, 38.86])
    ours, _ = _loglik_terms(r, alpha, s, beta, x, tx, T, _log_a0(r, alpha, s, beta, x, tx, T))
    reference = [_loglik_by_quadrature(r, alpha, s, beta, *row) for row in zip(x, tx, T)]
    np.testing.assert_allclose(ours, reference, rtol=1e-9)


def test_cdnow_reproduces_the_published_fit(fitted):
    published = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}
    for name, value in published.items():
        assert fitted.params_[name] == pytest.approx(value, rel=1e-3), name
    assert fitted.time_unit_ == "W"
    assert fitted.n_customers_ == 2357
    # the published log-likelihood of the CDNOW sample is -9595.0
    assert fitted.log_likelihood_ == pytest.approx(-9595.0, abs=0.1)


def test_matches_lifetimes_on_cdnow(cdnow, fitted):
    lt = lifetimes()
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    theirs = lt.ParetoNBDFitter().fit(f, r, T)
    rel = (fitted.params_ / theirs.params_[fitted.params_.index] - 1).abs()
    assert rel.max() < 1e-3, rel
    # the same formulas: with lifetimes' parameters, the same predictions
    ours = ParetoNBD().fit(cdnow)
    ours.params_ = theirs.params_.copy()
    for t in (1.0, 10.0, 52.0):
        np.testing.assert_allclose(ours.expected_purchases(t, cdnow),
                                   theirs.conditional_expected_number_of_purchases_up_to_time(t, f, r, T), rtol=1e-9)
    np.testing.assert_allclose(ours.probability_alive(cdnow), theirs.conditional_probability_alive(f, r, T),
                               rtol=1e-9)
    times = np.array([1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(ours.expected_purchases_new_customer(times),
                               theirs.expected_number_of_purchases_up_to_time(times), rtol=1e-9)


def test_clv_with_pareto_nbd_matches_lifetimes(cdnow, fitted):
    lt = lifetimes()
    buyers = cdnow[cdnow["frequency"] > 0]
    gg = GammaGamma().fit(cdnow)
    lgg = lt.GammaGammaFitter().fit(buyers["frequency"], buyers["monetary_value"])
    lgg.params_ = gg.params_.copy()
    lpn = lt.ParetoNBDFitter()
    lpn.params_ = fitted.params_.copy()
    lpn.predict = lpn.conditional_expected_number_of_purchases_up_to_time  # what ParetoNBDFitter.fit sets
    ours = customer_lifetime_value(fitted, gg, cdnow, months=12, discount_rate=0.01, periods_per_month=4.345)
    theirs = lgg.customer_lifetime_value(lpn, cdnow["frequency"], cdnow["recency"], cdnow["T"],
                                         cdnow["monetary_value"], time=12, discount_rate=0.01, freq="W")
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


# truth, range of ages, seed, and the time resolution (units per day: weeks 7, days 1)
SETS = {
    "CDNOW-like, weeks": ({"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7}, (26.0, 52.0), 1, 7.0),
    "frequent, loyal, weeks": ({"r": 2.0, "alpha": 5.0, "s": 0.5, "beta": 60.0}, (10.0, 40.0), 2, 7.0),
    "daily, quick churn": ({"r": 0.8, "alpha": 40.0, "s": 1.5, "beta": 90.0}, (30.0, 365.0), 3, 1.0),
}


@pytest.mark.parametrize("name", list(SETS))
def test_recovers_simulated_parameters_within_3_standard_errors(name):
    truth, (lo, hi), seed, per_day = SETS[name]
    ages = np.random.default_rng(seed).uniform(lo, hi, 20_000)
    summary = simulate_paretonbd(20_000, T=ages, seed=seed, **truth)
    # whole days, as rfm_summary counts them (and far fewer distinct patterns to sum over)
    summary[["recency", "T"]] = (summary[["recency", "T"]] * per_day).round() / per_day
    model = ParetoNBD().fit(summary)
    z = (model.params_ - pd.Series(truth)) / model.summary_["se(coef)"]
    assert z.abs().max() < 3, z


def test_simulated_purchases_average_the_unconditional_expectation(fitted):
    r, alpha, s, beta = fitted.params_
    summary = simulate_paretonbd(200_000, r, alpha, s, beta, T=52.0, seed=11)
    mean, se = summary["frequency"].mean(), summary["frequency"].std() / np.sqrt(len(summary))
    assert abs(mean - fitted.expected_purchases_new_customer(52.0)) < 3 * se


def test_conditional_expectation_forecasts_simulated_futures():
    """Customers drawn from the model, each with their own λ and lifetime, observed for T and
    then followed for t more: the forecast from the true parameters matches the mean of their
    future purchases within every frequency group (3 standard errors)."""
    r, alpha, s, beta, T, t, n = 0.6, 8.0, 0.7, 14.0, 39.0, 39.0, 200_000
    rng = np.random.default_rng(5)
    lam, mu = rng.gamma(r, 1 / alpha, n), rng.gamma(s, 1 / beta, n)
    tau = rng.exponential(1 / mu)
    x = rng.poisson(lam * np.minimum(tau, T))
    tx = np.where(x > 0, np.minimum(tau, T) * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    future = rng.poisson(lam * np.clip(tau - T, 0.0, t))
    summary = pd.DataFrame({"frequency": x, "recency": tx, "T": T})
    model = ParetoNBD().fit(summary.iloc[:3000])  # a fitted object; the forecast uses the true parameters
    model.params_ = pd.Series({"r": r, "alpha": alpha, "s": s, "beta": beta})
    forecast = model.expected_purchases(t, summary).to_numpy()
    for k in (0, 1, 2, 3, 5):
        group = x == k
        se = future[group].std() / np.sqrt(group.sum())
        assert abs(future[group].mean() - forecast[group].mean()) < 3 * se, k


def test_units_convert_and_travel(cdnow, fitted):
    daily = cdnow.assign(recency=cdnow["recency"] * 7, T=cdnow["T"] * 7)
    daily.attrs["time_unit"] = "D"
    # t is in the summary's unit: 70 days of a daily summary are 10 weeks of the weekly one
    np.testing.assert_allclose(fitted.expected_purchases(70, daily), fitted.expected_purchases(10, cdnow), rtol=1e-12)
    np.testing.assert_allclose(fitted.probability_alive(daily), fitted.probability_alive(cdnow), rtol=1e-12)
    np.testing.assert_allclose(fitted.expected_purchases(1, cdnow, t_unit="M"),
                               fitted.expected_purchases(365.25 / 12 / 7, cdnow), rtol=1e-12)
    by_days = ParetoNBD().fit(daily)
    assert by_days.params_["alpha"] == pytest.approx(fitted.params_["alpha"] * 7, rel=1e-5)
    assert by_days.params_["s"] == pytest.approx(fitted.params_["s"], rel=1e-5)
    lost = cdnow.copy()
    lost.attrs = {}
    with pytest.raises(ModelInputError, match="time unit"):
        fitted.expected_purchases(10, lost)


def test_bad_input_names_the_column_and_the_customers(cdnow):
    with pytest.raises(ModelInputError, match="'T'"):
        ParetoNBD().fit(cdnow.drop(columns="T"))
    bad = cdnow.copy()
    bad.loc[5, "recency"] = bad.loc[5, "T"] + 1
    with pytest.raises(ModelInputError, match="recency is greater than T") as info:
        ParetoNBD().fit(bad)
    assert info.value.customers == [5]
    with pytest.raises(ModelInputError, match="at least 10"):
        ParetoNBD().fit(cdnow.assign(frequency=0, recency=0.0))


def test_not_fitted_says_what_to_do(cdnow):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="fit"):
        ParetoNBD().probability_alive(cdnow)


def test_sklearn_clone_keeps_settings():
    from sklearn.base import clone

    model = ParetoNBD(penalizer_coef=0.01, max_iter=50)
    assert clone(model).get_params() == {"penalizer_coef": 0.01, "tol": 1e-8, "max_iter": 50}
    assert repr(model) == "ParetoNBD(penalizer_coef=0.01, max_iter=50)"


def test_a_large_book_starts_from_a_sample_fit_and_reaches_the_same_optimum(cdnow, fitted, monkeypatch):
    from crmkit.value import paretonbd

    monkeypatch.setattr(paretonbd, "_WARM_START", 500)   # CDNOW's 2,357 customers count as a large book
    warm = ParetoNBD().fit(cdnow)
    np.testing.assert_allclose(warm.params_, fitted.params_, rtol=1e-5)
    assert warm.n_iter_ < fitted.n_iter_


def test_the_fit_objective_is_the_sum_of_the_per_customer_loglikelihoods():
    """The objective computes its terms per distinct (x, t_x) and (x, T) and sums block by
    block; it must equal the plain per-customer formula summed (whole days, as rfm_summary
    gives them, several blocks of patterns)."""
    from crmkit.value.paretonbd import _pareto_objective, _ParetoPatterns

    rng = np.random.default_rng(5)
    n = 30_000
    T = rng.integers(1, 700, n).astype(float)
    x = rng.poisson(2.0, n).astype(float)
    tx = np.where(x > 0, np.floor(T * rng.uniform(0, 1, n)), 0.0)
    tx[:50] = T[:50] * (x[:50] > 0)                          # some bought on their last day (A₀ = 0)
    scale = 1.0 / T.max()
    d = _ParetoPatterns.build(x, tx, T, scale)
    assert len(d.w) < n and d.w.sum() == n
    for params in ([0.55, 0.1, 0.6, 0.2], [2.0, 0.03, 1.5, 3.0]):
        r, alpha, s, beta = params
        plain, _ = _loglik_terms(r, alpha, s, beta, x, tx * scale, T * scale,
                                 _log_a0(r, alpha, s, beta, x, tx * scale, T * scale))
        value = _pareto_objective(np.log(params), d, 0.0)
        assert value == pytest.approx(-plain.sum() / n, rel=1e-12)
