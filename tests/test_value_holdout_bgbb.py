"""holdout_validation for BG/BB: periods with a purchase, from an order log cut into calendar periods.

- orders simulated from the BG/BB process (each customer's own p and θ, year by year, one to
  three orders in a year with a purchase) give back, exactly, the simulation's per-period
  summary and holdout counts; the naive forecasts and the tracking are recounted from the
  simulation; the forecasts per calibration frequency fall within three standard errors of
  what the simulated customers did;
- on the same summary, lifetimes' BetaGeoBetaBinomFitter fits the same parameters (1e-3) and,
  with them, gives the same conditional expectations;
- the donations data (Fader, Hardie & Shang 2010) turned back into yearly orders summarise to
  the published summary and fit;
- BG/BB is never ranked beside the continuous-time models: the error says why and what to do;
- any quarterly order log is recounted exactly (hypothesis).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.exceptions import ValueInputError
from crmkit.value import BetaGeo, BetaGeoBetaBinom, holdout_validation, opportunity_summary, select_model
from lifetimes_data import donations, lifetimes

TRUTH = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
FIRST_YEARS = (2014, 2015, 2016)      # three cohorts
CAL_YEAR, END_YEAR = 2020, 2024       # calibration through 2020, four holdout years


def simulate_yearly_orders(n: int, seed: int):
    """Orders of ``n`` customers from the BG/BB process, and the truth per customer.

    Each customer's first purchase falls in one of FIRST_YEARS; at each later year an alive
    customer buys with probability p ~ Beta(α, β); before each later year they leave for good
    with probability θ ~ Beta(γ, δ). A year with a purchase holds one to three orders on random
    days (several orders, one period with a purchase).
    """
    rng = np.random.default_rng(seed)
    first = rng.choice(FIRST_YEARS, n)
    p = rng.beta(TRUTH["alpha"], TRUTH["beta"], n)
    theta = rng.beta(TRUTH["gamma"], TRUTH["delta"], n)
    alive_through = rng.geometric(theta) - 1           # opportunities survived after the first year
    years = np.arange(min(FIRST_YEARS), END_YEAR + 1)
    opportunity = years[None, :] - first[:, None]      # 0 = the first year, <0 before it
    buys = (opportunity >= 1) & (opportunity <= alive_through[:, None]) & (rng.random((n, len(years))) < p[:, None])
    buys |= opportunity == 0
    who, col = np.nonzero(buys)
    orders_per = rng.integers(1, 4, len(who))
    who, col = np.repeat(who, orders_per), np.repeat(col, orders_per)
    day = pd.to_datetime([f"{y}-01-01" for y in years[col]]) + pd.to_timedelta(rng.integers(0, 365, len(who)), "D")
    ids = np.array([f"D{i:05d}" for i in range(n)])
    orders = pd.DataFrame({"customer_id": ids[who], "ordered_at": day, "amount": rng.gamma(2.0, 50.0, len(who))})
    orders = orders.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    calibration = (years > first[:, None]) & (years <= CAL_YEAR)
    x = (buys & calibration).sum(axis=1)
    last_year = np.where(buys & calibration, years[None, :], 0).max(axis=1)
    truth = pd.DataFrame({"frequency": x, "recency": np.where(x > 0, last_year - first, 0),
                          "n_periods": CAL_YEAR - first, "holdout": (buys & (years > CAL_YEAR)).sum(axis=1),
                          "first": first}, index=pd.Index(ids, name="customer_id"))
    return orders, truth, pd.DataFrame(buys, index=ids, columns=years)


@pytest.fixture(scope="module")
def simulated():
    return simulate_yearly_orders(20_000, seed=7)


@pytest.fixture(scope="module")
def result(simulated):
    orders, _, _ = simulated
    return holdout_validation(orders, calibration_end=f"{CAL_YEAR}-12-31", observation_end=f"{END_YEAR}-12-31",
                              time_unit="Y", models=[BetaGeoBetaBinom()])


def test_the_summary_and_holdout_are_the_simulations_periods_with_a_purchase(simulated, result):
    _, truth, _ = simulated
    c = result.customers
    assert result.target == "purchase_periods" and result.time_unit == "Y" and result.holdout_periods == 4
    assert list(c.index) == list(truth.index)
    for column in ("frequency", "recency", "n_periods"):
        assert (c[column] == truth[column]).all(), column
    assert (c["holdout_purchases"] == truth["holdout"]).all()
    assert c["holdout_purchases"].max() <= 4                  # periods, not orders: at most one per year
    assert set(result.models) == {"BetaGeoBetaBinom"} and not result.failures


def test_forecasts_by_frequency_match_the_simulated_futures(result):
    c = result.customers
    table = result.by_frequency
    assert list(table.index) == sorted(c["frequency"].unique())
    for freq, row in table.iterrows():
        group = c.loc[c["frequency"] == freq, "holdout_purchases"]
        assert row["n_customers"] == len(group) and row["actual"] == pytest.approx(group.mean())
        se = group.std() / np.sqrt(len(group))
        assert abs(row["BetaGeoBetaBinom"] - row["actual"]) < 3 * se + 1e-9, (freq, row.to_dict(), se)
    # the fitted parameters are the simulation's, within three standard errors
    fitted = result.models["BetaGeoBetaBinom"]
    z = (fitted.params_ - pd.Series(TRUTH)) / fitted.summary_["se(coef)"]
    assert z.abs().max() < 3, z


def test_errors_baselines_and_tracking_count_periods_with_a_purchase(simulated, result):
    _, truth, buys = simulated
    c = result.customers
    years = buys.columns.to_numpy()
    for name in ("BetaGeoBetaBinom", "last_period", "mean_rate"):
        err = c[name] - c["holdout_purchases"]
        row = result.errors.loc[name]
        assert row["mae"] == pytest.approx(err.abs().mean()) and row["rmse"] == pytest.approx(np.sqrt((err**2).mean()))
        assert row["actual"] == truth["holdout"].sum()
    # last period: the last four calibration years (2017-2020), the first year left out
    window = (years > CAL_YEAR - 4) & (years <= CAL_YEAR)
    recent = (buys.to_numpy() & window & (years[None, :] > truth["first"].to_numpy()[:, None])).sum(axis=1)
    np.testing.assert_allclose(c["last_period"], recent)
    share = truth["frequency"].sum() / truth["n_periods"].sum()
    np.testing.assert_allclose(c["mean_rate"], share * 4)
    # tracking: repeat years with a purchase, cumulated year by year from the first cohort's second year
    tracking = result.tracking
    assert list(tracking.index) == list(pd.to_datetime([f"{y}-12-31" for y in range(2015, END_YEAR + 1)]))
    repeats = buys.to_numpy() & (years[None, :] > truth["first"].to_numpy()[:, None])
    np.testing.assert_array_equal(tracking["actual"], np.cumsum(repeats.sum(axis=0))[1:])
    assert (tracking["holdout"] == (tracking.index.year > CAL_YEAR)).all()
    assert tracking["BetaGeoBetaBinom"].iloc[-1] == pytest.approx(tracking["actual"].iloc[-1], rel=0.03)
    # the model beats both naive forecasts, and select_model says so in its target's words
    choice = select_model(result, lang="en")
    assert choice.best == "BetaGeoBetaBinom"
    assert "periods with a purchase per customer" in choice.reason


def test_lifetimes_fits_and_forecasts_the_same_summary(result):
    lt = lifetimes()
    c = result.customers
    ours = result.models["BetaGeoBetaBinom"]
    patterns = c.value_counts(["frequency", "recency", "n_periods"]).reset_index(name="weights")
    theirs = lt.BetaGeoBetaBinomFitter().fit(patterns["frequency"], patterns["recency"], patterns["n_periods"],
                                             patterns["weights"])
    rel = (ours.params_ / theirs.params_[ours.params_.index] - 1).abs()
    assert rel.max() < 1e-3, rel
    f, r, n = c["frequency"], c["recency"], c["n_periods"]
    own = theirs.conditional_expected_number_of_purchases_up_to_time(4, f, r, n)
    np.testing.assert_allclose(c["BetaGeoBetaBinom"], own, rtol=5e-3)
    theirs.params_ = ours.params_.copy()  # with the same parameters, the same forecast to rounding
    same = theirs.conditional_expected_number_of_purchases_up_to_time(4, f, r, n)
    np.testing.assert_allclose(c["BetaGeoBetaBinom"], same, rtol=1e-9)


def test_donations_turned_into_orders_give_the_published_summary_and_fit():
    donors = donations()
    rng = np.random.default_rng(0)
    rows = []
    for who, (x, tx, _n) in enumerate(donors[["frequency", "recency", "n_periods"]].itertuples(index=False)):
        rows.append((who, 1995))                                   # the first donation, 1995
        if x:
            earlier = rng.choice(np.arange(1, tx), x - 1, replace=False) if x > 1 else []
            rows += [(who, 1995 + k) for k in (*earlier, tx)]
    who, year = np.array(rows).T
    orders = pd.DataFrame({"customer_id": [f"{w:05d}" for w in who],
                           "ordered_at": pd.to_datetime([f"{y}-06-30" for y in year])})
    summary = opportunity_summary(orders, as_of="2001-12-31", period="Y")
    assert summary.attrs["period"] == "Y"
    np.testing.assert_array_equal(summary.to_numpy(), donors[["frequency", "recency", "n_periods"]].to_numpy())
    fitted = BetaGeoBetaBinom().fit(summary)
    published = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    for name, value in published.items():
        assert fitted.params_[name] == pytest.approx(value, abs=6e-4), name


def test_bgbb_is_not_ranked_beside_the_continuous_models(simulated):
    orders, _, _ = simulated
    small = orders[orders["customer_id"] < "D00500"]
    dates = {"calibration_end": f"{CAL_YEAR}-12-31", "observation_end": f"{END_YEAR}-12-31"}
    with pytest.raises(ValueInputError, match="not in the same units") as info:
        holdout_validation(small, time_unit="Y", models=[BetaGeo(), BetaGeoBetaBinom()], **dates)
    assert info.value.column == "models" and "Validate them separately" in info.value.reason
    with pytest.raises(ValueInputError, match="not in the same units"):
        select_model(small, time_unit="W", models=[BetaGeoBetaBinom(), BetaGeo()], **dates)
    with pytest.raises(ValueInputError, match="a period of BG/BB's"):
        holdout_validation(small, time_unit="Y", models=[BetaGeo()], **dates)
    with pytest.raises(ValueInputError, match="not the last day of a year.*use 2020-12-31") as info:
        holdout_validation(small, calibration_end="2020-11-30", observation_end="2024-12-31", time_unit="Y")
    assert info.value.column == "calibration_end"
    with pytest.raises(ValueInputError, match="observation_end 2024-12-30 is not the last day of a week"):
        holdout_validation(small, calibration_end="2020-12-31", observation_end="2024-12-30", time_unit="W",
                           models=[BetaGeoBetaBinom()])


_logs = st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 729)), min_size=1, max_size=30)


@settings(max_examples=30, deadline=None)
@given(log=_logs, cut=st.integers(1, 6), length=st.integers(1, 3))
def test_any_quarterly_order_log_is_recounted_exactly(log, cut, length):
    start = pd.Timestamp("2024-01-01")
    orders = pd.DataFrame({"customer_id": [c for c, _ in log],
                           "ordered_at": [start + pd.Timedelta(days=d) for _, d in log]})
    quarter = orders["ordered_at"].dt.to_period("Q")
    first_quarter = pd.Period("2024Q1")
    cal_q, end_q = first_quarter + cut - 1, first_quarter + cut - 1 + length
    cal, end = cal_q.end_time.normalize(), end_q.end_time.normalize()
    if (quarter > cal_q).all():
        with pytest.raises(ValueInputError, match="no orders on or before calibration_end"):
            holdout_validation(orders, calibration_end=cal, observation_end=end, time_unit="Q", models=[])
        return
    result = holdout_validation(orders, calibration_end=cal, observation_end=end, time_unit="Q", models=[],
                                amount_col=None)
    c = result.customers
    assert result.target == "purchase_periods" and result.holdout_periods == length
    origin = quarter[quarter <= cal_q].min()
    window = min(length, max((cal_q - origin).n, 1))
    for who, row in c.iterrows():
        mine = set(quarter[orders["customer_id"] == who])
        first = min(mine)
        repeat = sorted(q for q in mine if first < q <= cal_q)
        assert row["frequency"] == len(repeat)
        assert row["recency"] == ((repeat[-1] - first).n if repeat else 0)
        assert row["n_periods"] == (cal_q - first).n
        assert row["holdout_purchases"] == len({q for q in mine if cal_q < q <= end_q})
        recent = [q for q in repeat if q > cal_q - window]
        assert row["last_period"] == pytest.approx(len(recent) * length / window)
    assert set(c.index) == set(orders.loc[quarter <= cal_q, "customer_id"])
    assert list(result.errors.index) == ["last_period", "mean_rate"]


def test_charts_say_periods_with_a_purchase(result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from crmkit.value import plot_holdout_by_frequency, plot_holdout_tracking

    try:
        ax = plot_holdout_by_frequency(result, lang="en")
        assert ax.get_ylabel() == "Mean periods with a purchase in the holdout period"
        assert [p.get_height() for p in ax.patches] == pytest.approx(result.by_frequency["actual"].tolist())
        ax = plot_holdout_tracking(result, lang="zh")
        assert ax.get_ylabel() not in ("", "Cumulative repeat periods with a purchase")  # translated
        np.testing.assert_allclose(ax.lines[0].get_ydata(), result.tracking["actual"])
    finally:
        plt.close("all")
