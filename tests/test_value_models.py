"""BG/NBD, Gamma-Gamma and CLV (crmkit/value/bgnbd.py, gammagamma.py, lifetime_value.py).

What is proven here:

* the likelihoods and their analytic derivatives: against an independent transcription of the
  papers' formulas (and numerical integration), and against finite differences;
* the fits: parameters recovered from data simulated with known parameters (several sets,
  100k customers) within 3 standard errors; the same parameters, standard errors and
  predictions as lifetimes (0.11.3) on the CDNOW sample and on simulated data, and the
  published CDNOW estimates of Fader, Hardie & Lee (2005);
* the scikit-learn contract, every input error, and that fractional times are used as given.

lifetimes is a test-only dependency. Version 0.11.3 imports and runs under pandas 3 / numpy 2
/ scipy 1.17 without any shim; its ``lifetimes.utils`` sets ``pd.options.mode.chained_assignment``
at import, which pandas 3 answers with a Pandas4Warning, silenced in ``_lifetimes()``. Without
lifetimes installed those tests are skipped (the CDNOW sample ships with it).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from scipy.special import betaln, gammaln

from crmkit.exceptions import ConvergenceError, CrmkitError, ModelInputError
from crmkit.value._fitting import MIN_REPEAT_BUYERS
from crmkit.value.bgnbd import BetaGeo, _bgnbd_objective, _Patterns, simulate_bgnbd
from crmkit.value.gammagamma import GammaGamma, _gammagamma_objective, _Spends, simulate_spend
from crmkit.value.lifetime_value import customer_lifetime_value

BG_NAMES = ["r", "alpha", "a", "b"]
GG_NAMES = ["p", "q", "v"]


def _lifetimes():
    """The lifetimes package, or skip (with the reason) when it is not installed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its import-time pandas option: a Pandas4Warning under pandas 3
        pytest.importorskip("lifetimes", reason="lifetimes (test extra) is not installed")
        import lifetimes.datasets
    return lifetimes


@pytest.fixture(scope="module")
def cdnow():
    """The CDNOW sample (2,357 customers, weeks) with monetary values, as lifetimes ships it."""
    lifetimes = _lifetimes()
    data = lifetimes.datasets.load_cdnow_summary_data_with_monetary_value()
    return data.rename_axis("customer_id")


def _simulated(n, r, alpha, a, b, T, p=6.0, q=4.0, v=15.0, seed=0):
    summary = simulate_bgnbd(n, r, alpha, a, b, T, seed=seed)
    summary["repeat_mean_value"] = simulate_spend(summary["frequency"], p, q, v, seed=seed + 1)["repeat_mean_value"]
    return summary


@pytest.fixture(scope="module")
def small():
    """2,000 customers with fractional ages in days: for contract and error tests."""
    rng = np.random.default_rng(7)
    return _simulated(2_000, 0.8, 30.0, 0.8, 2.5, rng.uniform(1.0, 400.0, 2_000), seed=7)


# =========================================================================== likelihood


def _bgnbd_loglik_reference(params, x, tx, T):
    """Eq. (6) of Fader, Hardie & Lee (2005), transcribed independently of crmkit's code."""
    r, alpha, a, b = params
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    alive = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        gone = np.where(x > 0, betaln(a + 1, b + x - 1) - (r + x) * np.log(alpha + tx), -np.inf)
    return float(np.sum(common + np.logaddexp(alive, gone)))


def test_bgnbd_log_likelihood_matches_eq_6_on_fractional_times(small):
    bg = BetaGeo().fit(small)
    x, tx, T = (small[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    assert (tx != np.floor(tx)).any() and (T != np.floor(T)).any()
    assert bg.log_likelihood_ == pytest.approx(_bgnbd_loglik_reference(bg.params_.to_numpy(), x, tx, T), rel=1e-10)
    # the fractions matter: floored times give another likelihood
    floored = _bgnbd_loglik_reference(bg.params_.to_numpy(), x, np.floor(tx), np.floor(T))
    assert abs(floored - bg.log_likelihood_) > 1.0


def test_gammagamma_log_likelihood_matches_numerical_integration(small):
    buyers = small[small["frequency"] > 0].head(60)  # quad is slow: 60 customers prove the point
    gg = GammaGamma().fit(buyers)
    p, q, v = gg.params_
    total = 0.0
    def density(m, x):
        # the mean of x Gamma(p, ν) values is Gamma(px, rate xν); ν ~ Gamma(q, rate v)
        def integrand(nu):
            return stats.gamma.pdf(m, p * x, scale=1 / (x * nu)) * stats.gamma.pdf(nu, q, scale=1 / v)
        return integrate.quad(integrand, 0, np.inf, limit=200)[0]

    for x, m in zip(buyers["frequency"], buyers["repeat_mean_value"]):
        total += np.log(density(m, x))
    assert gg.log_likelihood_ == pytest.approx(total, rel=1e-7)


def _finite_differences(f, phi, h=1e-5):
    grad, hess = np.zeros(len(phi)), np.zeros((len(phi), len(phi)))
    for i in range(len(phi)):
        step = np.zeros(len(phi))
        step[i] = h
        f_plus, g_plus, _ = f(phi + step)
        f_minus, g_minus, _ = f(phi - step)
        grad[i] = (f_plus - f_minus) / (2 * h)
        hess[:, i] = (g_plus - g_minus) / (2 * h)
    return grad, hess


@pytest.mark.parametrize("penalizer", [0.0, 0.3])
def test_bgnbd_analytic_gradient_and_hessian_match_finite_differences(small, penalizer):
    x, tx, T = (small[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    d = _Patterns.build(x, tx, T, 1 / T.max())
    phi = np.log([0.7, 0.1, 1.3, 2.2])
    def f(p):
        return _bgnbd_objective(p, d, penalizer)

    _, grad, hess = f(phi)
    fd_grad, fd_hess = _finite_differences(f, phi)
    np.testing.assert_allclose(grad, fd_grad, atol=1e-8)
    np.testing.assert_allclose(hess, fd_hess, atol=1e-7)


@pytest.mark.parametrize("penalizer", [0.0, 0.3])
def test_gammagamma_analytic_gradient_and_hessian_match_finite_differences(small, penalizer):
    buyers = small[small["frequency"] > 0]
    m = buyers["repeat_mean_value"].to_numpy()
    d = _Spends.build(buyers["frequency"].to_numpy(float), m / m.mean())
    phi = np.log([3.0, 2.0, 1.5])
    def f(p):
        return _gammagamma_objective(p, d, penalizer)

    _, grad, hess = f(phi)
    fd_grad, fd_hess = _finite_differences(f, phi)
    np.testing.assert_allclose(grad, fd_grad, atol=1e-8)
    np.testing.assert_allclose(hess, fd_hess, atol=1e-7)


# =========================================================================== recovery


def test_simulated_purchases_average_eq_9():
    """The simulator is right: the mean frequency at age T is E[X(T)] of eq. (9)."""
    truth = pd.Series([0.5, 20.0, 0.9, 3.0], index=BG_NAMES)
    summary = simulate_bgnbd(200_000, *truth, T=60.0, seed=11)
    bg = BetaGeo()
    bg.params_ = truth  # scoring with the true parameters, not a fit
    expected = bg.expected_purchases_new_customer(60.0)
    sample_se = summary["frequency"].std() / np.sqrt(len(summary))
    assert abs(summary["frequency"].mean() - expected) < 4 * sample_se


BG_TRUTHS = {  # parameters, range of the (fractional) ages, seed
    "CDNOW-like, weeks": ({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, (27.0, 39.0), 1),
    "daily, 3 years": ({"r": 0.8, "alpha": 60.0, "a": 0.8, "b": 2.5}, (1.0, 1095.0), 2),
    "frequent, loyal": ({"r": 2.0, "alpha": 10.0, "a": 1.5, "b": 10.0}, (5.0, 60.0), 3),
}


@pytest.mark.parametrize("name", list(BG_TRUTHS))
def test_bgnbd_recovers_simulated_parameters_within_3_standard_errors(name):
    truth, (t_low, t_high), seed = BG_TRUTHS[name]
    T = np.random.default_rng(seed).uniform(t_low, t_high, 100_000)  # fractional ages
    summary = simulate_bgnbd(100_000, **truth, T=T, seed=seed + 100)
    bg = BetaGeo().fit(summary)
    z = (bg.params_ - pd.Series(truth)) / bg.summary_["se(coef)"]
    assert (z.abs() < 3).all(), f"{name}: z-scores {z.round(2).to_dict()}"
    assert list(bg.params_.index) == BG_NAMES
    assert bg.n_customers_ == 100_000


GG_TRUTHS = {  # parameters, seed
    "CDNOW-like": ({"p": 6.25, "q": 3.74, "v": 15.44}, 1),
    "large amounts": ({"p": 2.0, "q": 5.0, "v": 2000.0}, 2),
    "small amounts, heavy tail": ({"p": 10.0, "q": 2.5, "v": 0.5}, 3),
}


@pytest.mark.parametrize("name", list(GG_TRUTHS))
def test_gammagamma_recovers_simulated_parameters_within_3_standard_errors(name):
    truth, seed = GG_TRUTHS[name]
    frequency = pd.Series(np.random.default_rng(seed).poisson(2.0, 100_000))
    summary = simulate_spend(frequency, **truth, seed=seed + 200)
    gg = GammaGamma().fit(summary)
    z = (gg.params_ - pd.Series(truth)) / gg.summary_["se(coef)"]
    assert (z.abs() < 3).all(), f"{name}: z-scores {z.round(2).to_dict()}"
    assert list(gg.params_.index) == GG_NAMES
    assert gg.n_customers_ == int((frequency > 0).sum())


def test_identical_customers_are_fitted_as_weighted_patterns(small):
    bg, bg2 = BetaGeo().fit(small), BetaGeo().fit(pd.concat([small, small]))
    np.testing.assert_allclose(bg2.params_, bg.params_, rtol=1e-6)
    np.testing.assert_allclose(bg2.summary_["se(coef)"], bg.summary_["se(coef)"] / np.sqrt(2), rtol=1e-5)
    assert bg2.log_likelihood_ == pytest.approx(2 * bg.log_likelihood_, rel=1e-9)
    assert bg2.n_patterns_ == bg.n_patterns_ and bg2.n_customers_ == 2 * len(small)
    gg, gg2 = GammaGamma().fit(small), GammaGamma().fit(pd.concat([small, small]))
    np.testing.assert_allclose(gg2.params_, gg.params_, rtol=1e-6)
    assert gg2.n_patterns_ == gg.n_patterns_


# =========================================================================== lifetimes and the paper


def test_params_out_is_close_to_Fader_Hardie_Lee_CDNOW_estimates(cdnow):
    """Table/section 5 of the paper: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = -9582.4."""
    bg = BetaGeo().fit(cdnow)
    published = pd.Series([0.243, 4.414, 0.793, 2.426], index=BG_NAMES)
    assert (bg.params_ - published).abs().max() <= 0.0005 + 1e-9  # equal to the published rounding
    assert round(bg.log_likelihood_, 1) == -9582.4


def test_bgnbd_matches_lifetimes_on_cdnow(cdnow):
    lifetimes = _lifetimes()
    ours = BetaGeo().fit(cdnow)
    theirs = lifetimes.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    np.testing.assert_allclose(ours.params_, theirs.params_[BG_NAMES], rtol=1e-3)
    np.testing.assert_allclose(ours.summary_["se(coef)"], theirs.summary["se(coef)"], rtol=1e-3)
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    for t in (1.0, 10.0, 39.0):
        np.testing.assert_allclose(ours.expected_purchases(t, cdnow),
                                   theirs.conditional_expected_number_of_purchases_up_to_time(t, f, r, T), rtol=1e-5)
    np.testing.assert_allclose(ours.probability_alive(cdnow), theirs.conditional_probability_alive(f, r, T),
                               rtol=1e-5)
    times = np.array([1.0, 10.0, 52.0])
    np.testing.assert_allclose(ours.expected_purchases_new_customer(times),
                               theirs.expected_number_of_purchases_up_to_time(times), rtol=1e-5)


def test_gammagamma_and_clv_match_lifetimes_on_cdnow(cdnow):
    # CDNOW as lifetimes ships it names the repeat mean monetary_value: crmkit reads it as is
    lifetimes = _lifetimes()
    buyers = cdnow[cdnow["frequency"] > 0]
    gg = GammaGamma().fit(cdnow)
    lgg = lifetimes.GammaGammaFitter().fit(buyers["frequency"], buyers["monetary_value"])
    np.testing.assert_allclose(gg.params_, lgg.params_[GG_NAMES], rtol=1e-3)
    np.testing.assert_allclose(gg.summary_["se(coef)"], lgg.summary["se(coef)"], rtol=1e-3)
    np.testing.assert_allclose(gg.expected_average_order_value(cdnow),
                               lgg.conditional_expected_average_profit(cdnow["frequency"], cdnow["monetary_value"]),
                               rtol=1e-5)
    bg = BetaGeo().fit(cdnow)
    lbg = lifetimes.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    # CDNOW is in weeks; lifetimes counts 4.345 weeks to a month
    ours = customer_lifetime_value(bg, gg, cdnow, months=12, discount_rate=0.01, periods_per_month=4.345)
    theirs = lgg.customer_lifetime_value(lbg, cdnow["frequency"], cdnow["recency"], cdnow["T"],
                                         cdnow["monetary_value"], time=12, discount_rate=0.01, freq="W")
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_fits_match_lifetimes_on_simulated_daily_data():
    lifetimes = _lifetimes()
    rng = np.random.default_rng(3)
    summary = _simulated(20_000, 0.8, 60.0, 0.8, 2.5, rng.uniform(1.0, 1095.0, 20_000), seed=3)
    bg = BetaGeo().fit(summary)
    lbg = lifetimes.BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    np.testing.assert_allclose(bg.params_, lbg.params_[BG_NAMES], rtol=1e-3)
    np.testing.assert_allclose(bg.expected_purchases(30.0, summary),
                               lbg.conditional_expected_number_of_purchases_up_to_time(
                                   30.0, summary["frequency"], summary["recency"], summary["T"]), rtol=1e-3)
    buyers = summary[summary["frequency"] > 0]
    gg = GammaGamma().fit(summary)
    lgg = lifetimes.GammaGammaFitter().fit(buyers["frequency"], buyers["repeat_mean_value"])
    np.testing.assert_allclose(gg.params_, lgg.params_[GG_NAMES], rtol=1e-3)
    ours = customer_lifetime_value(bg, gg, summary, periods_per_month=30)
    theirs = lgg.customer_lifetime_value(lbg, summary["frequency"], summary["recency"], summary["T"],
                                         summary["repeat_mean_value"], freq="D")
    np.testing.assert_allclose(ours, theirs, rtol=1e-3)


# =========================================================================== scikit-learn contract


@pytest.mark.parametrize("kind", [BetaGeo, GammaGamma])
def test_sklearn_contract(kind, small):
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    model = kind(penalizer_coef=0.01, tol=1e-9)
    assert model.get_params() == {"penalizer_coef": 0.01, "tol": 1e-9, "max_iter": 100}
    assert model.set_params(max_iter=50) is model and model.max_iter == 50
    with pytest.raises(ValueError, match="no parameter 'penalizer'"):
        model.set_params(penalizer=1.0)
    assert repr(model) == f"{kind.__name__}(penalizer_coef=0.01, tol=1e-09, max_iter=50)"
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert not any(name.endswith("_") for name in vars(model))  # __init__ only stores arguments

    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    before = small.copy()
    assert model.fit(small) is model
    pd.testing.assert_frame_equal(small, before)  # the input is not modified
    check_is_fitted(model)
    for name in ("params_", "summary_", "log_likelihood_", "n_customers_", "n_patterns_", "n_iter_"):
        assert hasattr(model, name)
    assert list(model.summary_.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    assert not hasattr(clone(model), "params_")  # a clone is unfitted
    pd.testing.assert_series_equal(clone(model).fit(small).params_, model.params_)


def test_unfitted_models_refuse_to_predict(small):
    from sklearn.exceptions import NotFittedError

    bg, gg = BetaGeo(), GammaGamma()
    calls = [lambda: bg.expected_purchases(10, small), lambda: bg.probability_alive(small),
             lambda: bg.expected_purchases_new_customer(10), lambda: gg.expected_average_order_value(small),
             lambda: bg.conditional_expected_number_of_purchases_up_to_time(10, small),
             lambda: customer_lifetime_value(bg, gg, small)]
    for call in calls:
        with pytest.raises(NotFittedError, match="not fitted"):
            call()


# =========================================================================== predictions


def test_predictions_are_sane(small):
    bg = BetaGeo().fit(small)
    alive = bg.probability_alive(small)
    assert alive.name == "probability_alive" and alive.index.equals(small.index)
    assert ((alive > 0) & (alive <= 1)).all()
    assert (alive[small["frequency"] == 0] == 1).all()
    assert (bg.expected_purchases(0, small) == 0).all()
    e10, e20 = bg.expected_purchases(10, small), bg.expected_purchases(20, small)
    assert (e10 > 0).all() and (e20 > e10).all()
    pd.testing.assert_series_equal(bg.conditional_expected_number_of_purchases_up_to_time(10, small), e10)
    assert isinstance(bg.expected_purchases_new_customer(5.0), float)
    assert bg.expected_purchases_new_customer([5.0, 10.0]).shape == (2,)
    # a new customer is a customer with no history yet
    new = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [0.0]})
    assert bg.expected_purchases(10, new).iloc[0] == pytest.approx(bg.expected_purchases_new_customer(10.0))

    gg = GammaGamma().fit(small)
    value = gg.expected_average_order_value(small)
    p, q, v = gg.params_
    np.testing.assert_allclose(value[small["frequency"] == 0], p * v / (q - 1), rtol=1e-12)
    one_off_nan = small.assign(repeat_mean_value=small["repeat_mean_value"].where(small["frequency"] > 0))
    pd.testing.assert_series_equal(gg.expected_average_order_value(one_off_nan), value)


def test_clv_discounts_months_and_does_not_depend_on_the_time_unit(small):
    bg, gg = BetaGeo().fit(small), GammaGamma().fit(small)
    clv = customer_lifetime_value(bg, gg, small, months=12, time_unit="D")
    assert clv.name == "clv" and clv.index.equals(small.index) and (clv > 0).all()
    assert (customer_lifetime_value(bg, gg, small, months=24, time_unit="D") > clv).all()
    assert (customer_lifetime_value(bg, gg, small, discount_rate=0.0, time_unit="D") > clv).all()
    assert (customer_lifetime_value(bg, gg, small, months=0, time_unit="D") == 0).all()
    # no discount: CLV is expected purchases over the horizon × expected order value
    month = 365.25 / 12
    flat = customer_lifetime_value(bg, gg, small, months=3, discount_rate=0.0, time_unit="D")
    np.testing.assert_allclose(flat, bg.expected_purchases(3 * month, small)
                               * gg.expected_average_order_value(small), rtol=1e-9)
    # the same customers summarised in weeks: same model, same CLV
    weeks = small.assign(recency=small["recency"] / 7, T=small["T"] / 7)
    bg_w = BetaGeo().fit(weeks)
    np.testing.assert_allclose(customer_lifetime_value(bg_w, gg, weeks, time_unit="W"), clv, rtol=1e-6)
    with pytest.raises(ValueError, match="unknown time_unit"):
        customer_lifetime_value(bg, gg, small, time_unit="Y")


def test_fractional_times_are_kept_and_the_time_unit_only_rescales_alpha(small):
    days = BetaGeo().fit(small)
    weeks_summary = small.assign(recency=small["recency"] / 7, T=small["T"] / 7)
    weeks = BetaGeo().fit(weeks_summary)
    np.testing.assert_allclose(weeks.params_[["r", "a", "b"]], days.params_[["r", "a", "b"]], rtol=1e-6)
    assert weeks.params_["alpha"] == pytest.approx(days.params_["alpha"] / 7, rel=1e-6)
    # t_x is a density variable: its unit moves the log-likelihood by Σx·ln 7
    assert weeks.log_likelihood_ == pytest.approx(days.log_likelihood_ + small["frequency"].sum() * np.log(7),
                                                  rel=1e-9)
    np.testing.assert_allclose(weeks.expected_purchases(1.0, weeks_summary),
                               days.expected_purchases(7.0, small), rtol=1e-6)
    floored = BetaGeo().fit(small.assign(recency=np.floor(small["recency"]), T=np.floor(small["T"])))
    assert not np.allclose(floored.params_, days.params_, rtol=1e-3)


# =========================================================================== errors


def _bad(frame, **changes):
    """A copy of frame with some cells set: changes maps column -> {row position: value}."""
    out = frame.copy()
    for column, cells in changes.items():
        out[column] = out[column].astype("float64")
        for pos, value in cells.items():
            out.iloc[pos, out.columns.get_loc(column)] = value
    return out


@pytest.mark.parametrize("kind", [BetaGeo, GammaGamma])
def test_missing_column_is_named(kind, small):
    with pytest.raises(ModelInputError, match="no column 'frequency'") as info:
        kind().fit(small.drop(columns="frequency"))
    assert info.value.column == "frequency" and "rfm_summary" in str(info.value)
    with pytest.raises(ModelInputError, match="expected a DataFrame"):
        kind().fit(small.to_numpy())
    with pytest.raises(ModelInputError, match="no customers"):
        kind().fit(small.iloc[:0])


def test_bad_values_name_the_column_and_the_customers(small):
    repeat = int(np.flatnonzero(small["frequency"].to_numpy() > 0)[0])
    one_off = int(np.flatnonzero(small["frequency"].to_numpy() == 0)[0])
    cases = [
        ({"T": {3: np.nan}}, "T", [3], "missing"),
        ({"recency": {repeat: np.inf}}, "recency", [repeat], "missing or infinite"),
        ({"frequency": {5: -1}}, "frequency", [5], "negative"),
        ({"frequency": {repeat: 1.5}}, "frequency", [repeat], "whole numbers"),
        ({"recency": {repeat: small["T"].iloc[repeat] + 0.5}}, "recency", [repeat], "greater than T"),
        ({"recency": {one_off: 1.0}}, "recency", [one_off], "without repeat purchases"),
    ]
    for changes, column, rows, reason in cases:
        with pytest.raises(ModelInputError, match=reason) as info:
            BetaGeo().fit(_bad(small, **changes))
        assert isinstance(info.value, (CrmkitError, ValueError))
        assert info.value.column == column and info.value.customers == list(small.index[rows])
        assert repr(small.index[rows[0]]) in str(info.value)
    # predictions check their input the same way
    bg = BetaGeo().fit(small)
    with pytest.raises(ModelInputError, match="greater than T"):
        bg.probability_alive(_bad(small, recency={repeat: 1e9}))
    with pytest.raises(ModelInputError, match="must be numeric"):
        bg.expected_purchases(1, small.assign(T=small["T"].astype(str)))


def test_gammagamma_needs_positive_spend_for_repeat_buyers(small):
    repeat = np.flatnonzero(small["frequency"].to_numpy() > 0)[:3]
    one_off = int(np.flatnonzero(small["frequency"].to_numpy() == 0)[0])
    for value, reason in ((0.0, "must be > 0"), (-5.0, "negative"), (np.nan, "missing")):
        with pytest.raises(ModelInputError, match=reason) as info:
            GammaGamma().fit(_bad(small, repeat_mean_value={int(i): value for i in repeat}))
        assert info.value.column == "repeat_mean_value"
        assert info.value.customers == list(small.index[repeat])
    # one-off buyers carry no spend in the model: whatever they hold is ignored
    GammaGamma().fit(_bad(small, repeat_mean_value={one_off: np.nan}))
    GammaGamma().fit(_bad(small, repeat_mean_value={one_off: 0.0}))


@pytest.mark.parametrize("kind", [BetaGeo, GammaGamma])
def test_too_few_repeat_buyers(kind, small):
    repeat = small[small["frequency"] > 0].head(MIN_REPEAT_BUYERS - 1)
    one_off = small[small["frequency"] == 0].head(500)
    with pytest.raises(ModelInputError, match=f"only {MIN_REPEAT_BUYERS - 1} customer") as info:
        kind().fit(pd.concat([repeat, one_off]))
    assert info.value.column == "frequency" and "more customers" in str(info.value)
    kind().fit(pd.concat([small[small["frequency"] > 0].head(MIN_REPEAT_BUYERS * 5), one_off]))


def test_convergence_error_says_what_to_try(small):
    with pytest.raises(ConvergenceError, match="stopped after 1 iterations") as info:
        BetaGeo(max_iter=1).fit(small)
    assert "penalizer_coef" in str(info.value) and set(info.value.params) == set(BG_NAMES)
    assert isinstance(info.value, CrmkitError)


def test_parameters_running_off_raise_and_a_penalizer_helps():
    # every customer buys at the same rate: no heterogeneity in λ to estimate, r and α run off
    rng = np.random.default_rng(0)
    n = 50_000
    T = rng.uniform(10, 100, n)
    leaves_at = rng.geometric(rng.beta(0.8, 2.5, n))
    events = rng.poisson(0.1 * T)
    x = np.minimum(events, leaves_at)
    recency = np.where(x > 0, T * rng.beta(np.maximum(x, 1), events - x + 1), 0.0)
    summary = pd.DataFrame({"frequency": x, "recency": recency, "T": T})
    with pytest.raises(ConvergenceError, match="ran off") as info:
        BetaGeo().fit(summary)
    assert "r" in info.value.reason and "penalizer_coef" in info.value.hint
    bg = BetaGeo(penalizer_coef=0.01).fit(summary)
    assert bg.params_["r"] / bg.params_["alpha"] == pytest.approx(0.1, rel=0.1)  # mean rate roughly right


def test_gammagamma_refuses_q_at_most_1():
    # spends so dispersed across customers that the mean order value has no finite expectation
    frequency = pd.Series(np.random.default_rng(1).poisson(2.0, 50_000))
    summary = simulate_spend(frequency, p=3.0, q=0.7, v=10.0, seed=1)
    with pytest.raises(ConvergenceError, match="q = .* <= 1") as info:
        GammaGamma().fit(summary)
    assert "outliers" in info.value.hint


@pytest.mark.parametrize("kind", [BetaGeo, GammaGamma])
def test_settings_are_checked_at_fit(kind, small):
    for settings, message in (({"penalizer_coef": -1.0}, "penalizer_coef"), ({"tol": 0.0}, "tol"),
                              ({"max_iter": 0}, "max_iter")):
        with pytest.raises(ValueError, match=message):
            kind(**settings).fit(small)


def test_clv_split_across_threads_equals_one_thread(monkeypatch):
    """Large ₂F₁ tables are computed in slices on several threads: the slices must add up."""
    import crmkit.value.bgnbd as bgnbd

    rng = np.random.default_rng(5)
    x = rng.poisson(1.5, 120_000).astype(float)
    T = rng.uniform(1.0, 1000.0, 120_000)  # fractional: every (x, T) distinct
    months = 30.4375 * np.arange(1, 13)
    monkeypatch.setattr(bgnbd.os, "cpu_count", lambda: 1)
    one, row1 = bgnbd._expected_if_alive(0.8, 60.0, 0.8, 2.5, x, T, months)
    monkeypatch.setattr(bgnbd.os, "cpu_count", lambda: 3)
    three, row3 = bgnbd._expected_if_alive(0.8, 60.0, 0.8, 2.5, x, T, months)
    np.testing.assert_array_equal(row1, row3)
    np.testing.assert_array_equal(one, three)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 40), st.sampled_from([0.5, 3.0, 7.25, 1e6])),
                     min_size=1, max_size=60))
def test_packed_patterns_are_the_hashed_patterns(rows):
    """Whole-number columns are packed into one integer before the factorization; codes must be
    those of the column-by-column factorization (distinct rows numbered in order of appearance)."""
    from crmkit.value import _fitting

    x, t, m = (np.array(c, dtype=np.float64) for c in zip(*rows))
    packed = _fitting._pack_whole_numbers((x, t))
    assert packed is not None
    code, count = _fitting._patterns(x, t)
    reference = pd.factorize(pd.Series(list(zip(x, t))))[0]
    assert count == reference.max() + 1 and (code == reference).all()
    # packed only when every value is a whole step from the column's least (else hashed column by column)
    steps_whole = bool(np.all(np.mod(m - m.min(), 1.0) == 0))
    assert (_fitting._pack_whole_numbers((x, m)) is not None) == steps_whole
    code, count = _fitting._patterns(x, m)
    reference = pd.factorize(pd.Series(list(zip(x, m))))[0]
    assert (code == reference).all()


def test_small_pages_restores_numpys_setting():
    from crmkit.value._pages import _set_madvise_hugepage, small_pages

    if _set_madvise_hugepage is None:
        pytest.skip("this numpy has no huge-page switch")
    seen = []

    @small_pages
    def inner():
        seen.append(_set_madvise_hugepage(False))   # the setting while it runs (and keeps it off)
        return 42

    before = _set_madvise_hugepage(True)
    try:
        assert inner() == 42 and seen == [False]
        assert _set_madvise_hugepage(True) is True    # restored to the caller's True
        _set_madvise_hugepage(False)
        assert inner() == 42 and _set_madvise_hugepage(False) is False   # and a caller's False stays
    finally:
        _set_madvise_hugepage(before)
