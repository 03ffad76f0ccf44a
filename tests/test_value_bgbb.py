"""crmkit.value.bgbb: the BG/BB model of discrete opportunities.

- the analytic gradient and Hessian match finite differences, and the likelihood equals a
  brute-force sum over every possible dropout time, written independently;
- the donations data (Fader, Hardie & Shang 2010) give the published fit α 1.204, β 0.750,
  γ 0.657, δ 2.783, equal to lifetimes' within 1e-3, with lifetimes' predictions;
- parameters are recovered from simulated data; E[X(n)] and the conditional expectation agree
  with simulation;
- input checks name the column and the customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from crmkit.exceptions import ModelInputError
from crmkit.value import BetaGeoBetaBinom
from crmkit.value._counting import numeric_derivatives
from crmkit.value.bgbb import _bgbb_objective, _Occasions, simulate_bgbb
from lifetimes_data import donations, lifetimes


@pytest.fixture(scope="module")
def donors():
    return donations()


@pytest.fixture(scope="module")
def fitted(donors):
    return BetaGeoBetaBinom().fit(donors)


def _brute_force_loglik(params, x, tx, n):
    """ln L of one customer: sum over the opportunity after which the customer is gone (or
    none), of P(that) · E_p[P(exactly the x transactions, the last at t_x | alive so far)]."""
    al, be, ga, de = params
    total = 0.0
    # alive through all n opportunities: E[(1-θ)^n] · E[p^x (1-p)^(n-x)]
    total += np.exp(betaln(ga, de + n) - betaln(ga, de) + betaln(al + x, be + n - x) - betaln(al, be))
    # gone at opportunity k+1 (alive through k, for k = t_x .. n-1): E[θ (1-θ)^k] · E[p^x (1-p)^(k-x)]
    for k in range(int(tx), int(n)):
        total += np.exp(betaln(ga + 1, de + k) - betaln(ga, de) + betaln(al + x, be + k - x) - betaln(al, be))
    return np.log(total)


@pytest.mark.parametrize("penalizer", [0.0, 0.05])
def test_analytic_gradient_and_hessian_match_finite_differences(donors, penalizer):
    x, tx, n = (donors[c].to_numpy(dtype=float) for c in ("frequency", "recency", "n_periods"))
    d = _Occasions.build(x, tx, n)
    for params in ([1.2, 0.75, 0.66, 2.8], [0.4, 3.0, 2.0, 0.7]):
        phi = np.log(params)
        value, grad, hess = _bgbb_objective(phi, d, penalizer)
        _, grad_fd, hess_fd = numeric_derivatives(lambda p: _bgbb_objective(p, d, penalizer)[0], phi)
        np.testing.assert_allclose(grad, grad_fd, atol=1e-7)
        np.testing.assert_allclose(hess, hess_fd, atol=1e-5)
        patterns = donors.value_counts(["frequency", "recency", "n_periods"])
        reference = sum(w * _brute_force_loglik(params, *key) for key, w in patterns.items()) / len(donors)
        assert value == pytest.approx(-reference + penalizer * np.sum(np.square(params)), rel=1e-12)


def test_donations_reproduce_the_published_fit(fitted):
    published = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    for name, value in published.items():
        assert fitted.params_[name] == pytest.approx(value, abs=6e-4), name
    assert fitted.n_customers_ == 11_104
    assert fitted.log_likelihood_ == pytest.approx(-33225.6, abs=0.1)  # Fader, Hardie & Shang (2010), Table 2


def test_matches_lifetimes_on_donations(donors, fitted):
    lt = lifetimes()
    raw = donors.value_counts(["frequency", "recency", "n_periods"]).reset_index(name="weights")
    theirs = lt.BetaGeoBetaBinomFitter().fit(raw["frequency"], raw["recency"], raw["n_periods"], raw["weights"])
    rel = (fitted.params_ / theirs.params_[fitted.params_.index] - 1).abs()
    assert rel.max() < 1e-3, rel
    ours = BetaGeoBetaBinom().fit(donors)
    ours.params_ = theirs.params_.copy()
    f, r, n = donors["frequency"], donors["recency"], donors["n_periods"]
    for t in (1, 5, 10):
        np.testing.assert_allclose(ours.expected_purchases(t, donors),
                                   theirs.conditional_expected_number_of_purchases_up_to_time(t, f, r, n), rtol=1e-9)
    for m in (0, 3):
        np.testing.assert_allclose(ours.probability_alive(donors, periods_ahead=m),
                                   theirs.conditional_probability_alive(m, f, r, n), rtol=1e-9)


SETS = {
    "donations-like": ({"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}, 6, 1),
    "rare buyers, loyal": ({"alpha": 0.5, "beta": 2.5, "gamma": 0.3, "delta": 5.0}, 12, 2),
    "frequent, churny": ({"alpha": 3.0, "beta": 1.0, "gamma": 2.0, "delta": 2.0}, 10, 3),
}


@pytest.mark.parametrize("name", list(SETS))
def test_recovers_simulated_parameters_within_3_standard_errors(name):
    truth, n_periods, seed = SETS[name]
    summary = simulate_bgbb(50_000, n_periods=n_periods, seed=seed, **truth)
    model = BetaGeoBetaBinom().fit(summary)
    z = (model.params_ - pd.Series(truth)) / model.summary_["se(coef)"]
    assert z.abs().max() < 3, z


def test_expected_transactions_of_new_customers_average_simulation(fitted):
    truth = fitted.params_.to_dict()
    for n in (1, 6, 15):
        sim = simulate_bgbb(200_000, n_periods=n, seed=n, **truth)
        se = sim["frequency"].std() / np.sqrt(len(sim))
        assert abs(sim["frequency"].mean() - fitted.expected_purchases_new_customer(n)) < 3 * se, n


def test_conditional_expectation_forecasts_simulated_futures(fitted):
    """Simulate n + m opportunities, summarise the first n, and compare the forecast for the next
    m with what the simulated customers did, per frequency."""
    n, m = 6, 5
    # each customer's own p and θ, opportunity by opportunity, so the future follows the past
    rng = np.random.default_rng(22)
    k = 300_000
    al, be, ga, de = fitted.params_
    p, theta = rng.beta(al, be, k), rng.beta(ga, de, k)
    alive_through = rng.geometric(theta) - 1
    buys = (np.arange(1, n + m + 1)[None, :] <= alive_through[:, None]) & (rng.random((k, n + m)) < p[:, None])
    x = buys[:, :n].sum(axis=1)
    tx = np.where(x > 0, n - np.argmax(buys[:, :n][:, ::-1], axis=1), 0)
    future = buys[:, n:].sum(axis=1)
    summary = pd.DataFrame({"frequency": x, "recency": tx, "n_periods": n})
    forecast = fitted.expected_purchases(m, summary).to_numpy()
    for j in range(n + 1):
        group = x == j
        se = future[group].std() / np.sqrt(group.sum())
        assert abs(future[group].mean() - forecast[group].mean()) < 3 * se, j


@pytest.mark.parametrize("change, column, reason", [
    ({"frequency": [3], "recency": [2]}, "frequency", "greater than recency"),
    ({"recency": [7]}, "recency", "greater than n_periods"),
    ({"n_periods": [6.5]}, "n_periods", "whole number"),
])
def test_bad_input_names_the_column_and_the_customers(donors, change, column, reason):
    bad = donors.astype("float64").copy()
    who = bad.index[bad["frequency"] == 2][:1]
    for col, values in change.items():
        bad.loc[who, col] = values
    with pytest.raises(ModelInputError, match=reason) as info:
        BetaGeoBetaBinom().fit(bad)
    assert info.value.column == column
    assert info.value.customers == list(who)
    with pytest.raises(ModelInputError, match="n_periods"):
        BetaGeoBetaBinom().fit(donors.drop(columns="n_periods"))


def test_clv_refuses_bgbb_and_says_what_to_do_instead(fitted):
    from crmkit.value import GammaGamma, customer_lifetime_value

    with pytest.raises(TypeError, match="BG/BB counts opportunities, not time"):
        customer_lifetime_value(fitted, GammaGamma(), pd.DataFrame())
