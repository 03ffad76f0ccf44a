"""crmkit.value.holdout, holdout_plots and intervals: grading forecasts on a holdout period.

- CDNOW (the 2,357-customer sample's transactions, 39 + 39 weeks) gives the BG/NBD paper's
  picture: the published calibration fit, and for customers without repeat purchases a holdout
  mean of about 0.24 against BG/NBD's 0.22;
- every number of the result is recomputed here from the raw orders (holdout counts, the naive
  forecasts, MAE/RMSE, the cumulative tracking);
- select_model picks the smallest error and says so in Chinese or English;
- the charts draw with translated labels; bootstrap intervals are seeded and cover the truth.
"""

from __future__ import annotations

import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.exceptions import ValueInputError
from crmkit.value import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    clv_interval,
    expected_purchases_interval,
    holdout_validation,
    plot_holdout_by_frequency,
    plot_holdout_tracking,
    select_model,
)
from crmkit.value.bgnbd import simulate_bgnbd
from lifetimes_data import cdnow_orders, cdnow_summary, donations

matplotlib.use("Agg")
CAL, END = "1997-09-30", "1998-06-30"
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def orders():
    return cdnow_orders()


@pytest.fixture(scope="module")
def result(orders):
    return holdout_validation(orders, calibration_end=CAL, observation_end=END, time_unit="W")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_cdnow_shows_the_papers_pattern(result):
    table = result.by_frequency
    assert list(table.index[:8]) == list(range(8))
    assert table["n_customers"].sum() == 2357
    assert table.loc[0, "n_customers"] == 1411
    assert table.loc[0, "actual"] == pytest.approx(0.24, abs=0.01)
    assert table.loc[0, "BetaGeo"] == pytest.approx(0.22, abs=0.01)
    # the calibration fit is the published one (Fader, Hardie & Lee 2005, Table 1 / section 5)
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert result.models["BetaGeo"].params_[name] == pytest.approx(value, abs=6e-4), name
    assert result.holdout_periods == 39.0
    assert set(result.models) == {"BetaGeo", "ParetoNBD", "ModifiedBetaGeo"} and not result.failures


def test_calibration_summary_is_lifetimes_cdnow_summary(result):
    ours = result.customers
    theirs = cdnow_summary()
    for column in ("frequency", "recency", "T"):
        # the shipped summary rounds weeks to two decimals
        np.testing.assert_allclose(np.sort(ours[column].to_numpy(float)), np.sort(theirs[column].to_numpy(float)),
                                   atol=0.005)


def test_holdout_counts_and_naive_forecasts_from_the_raw_orders(orders, result):
    cal, end = pd.Timestamp(CAL), pd.Timestamp(END)
    days = orders.assign(day=orders["ordered_at"].dt.normalize()).drop_duplicates(["customer_id", "day"])
    first = days.groupby("customer_id")["day"].min()
    cohort = first[first <= cal].index
    held = days[(days["day"] > cal) & (days["day"] <= end) & days["customer_id"].isin(cohort)]
    counts = held.groupby("customer_id").size().reindex(result.customers.index, fill_value=0)
    assert (result.customers["holdout_purchases"] == counts).all()
    value = held.merge(orders.assign(day=orders["ordered_at"].dt.normalize())
                       .groupby(["customer_id", "day"], as_index=False)["amount"].sum(), on=["customer_id", "day"])
    np.testing.assert_allclose(result.customers["holdout_value"],
                               value.groupby("customer_id")["amount_y"].sum().reindex(result.customers.index,
                                                                                       fill_value=0.0))
    # last period: the calibration (272 days since the first order) is shorter than the holdout
    # (273 days), so the whole calibration's repeat purchases, scaled by 273/272
    np.testing.assert_allclose(result.customers["last_period"], result.customers["frequency"] * 273 / 272)
    rate = result.customers["frequency"].sum() / result.customers["T"].sum()
    np.testing.assert_allclose(result.customers["mean_rate"], rate * 39.0)


def test_errors_are_the_per_customer_errors(result):
    c = result.customers
    for name in ("BetaGeo", "ParetoNBD", "ModifiedBetaGeo", "last_period", "mean_rate"):
        err = c[name] - c["holdout_purchases"]
        row = result.errors.loc[name]
        assert row["mae"] == pytest.approx(err.abs().mean())
        assert row["rmse"] == pytest.approx(np.sqrt((err**2).mean()))
        assert row["total_error"] == pytest.approx(c[name].sum() / c["holdout_purchases"].sum() - 1)
    # the models beat both naive forecasts on CDNOW
    assert result.errors.loc[["BetaGeo", "ParetoNBD", "ModifiedBetaGeo"], "mae"].max() \
        < result.errors.loc[["last_period", "mean_rate"], "mae"].min()


def test_tracking_counts_repeat_purchases_period_by_period(orders, result):
    tracking = result.tracking
    days = orders.assign(day=orders["ordered_at"].dt.normalize()).drop_duplicates(["customer_id", "day"])
    days = days[days["day"] <= pd.Timestamp(END)]
    first = days.groupby("customer_id")["day"].transform("min")
    repeats = days.loc[days["day"] > first, "day"]
    for when in tracking.index[[0, 20, 38, 60, -1]]:
        assert tracking.loc[when, "actual"] == (repeats <= when).sum()
    assert tracking.index[0] == pd.Timestamp("1997-01-08") and tracking.index[-1] <= pd.Timestamp(END)
    assert (tracking["holdout"] == (tracking.index > pd.Timestamp(CAL))).all()
    # expected cumulative purchases follow the actual within 10% at the end, as in the paper's Figure 2
    last = tracking.iloc[-1]
    for name in ("BetaGeo", "ParetoNBD", "ModifiedBetaGeo"):
        assert last[name] == pytest.approx(last["actual"], rel=0.1)
        assert np.all(np.diff(tracking[name]) >= 0)


def test_select_model_picks_the_smallest_error_and_says_why(result):
    choice = select_model(result, lang="en")
    models = result.errors.drop(index=["last_period", "mean_rate"])
    assert choice.best == models["mae"].idxmin()
    assert choice.reason.startswith(f"{choice.best} forecasts the holdout period best: MAE ")
    assert f"{models['mae'].min():.3f}" in choice.reason
    assert "naive forecast (last period's count)" in choice.reason
    by_rmse = select_model(result, metric="rmse", lang="zh")
    assert by_rmse.best == models["rmse"].idxmin()
    assert HAN.search(by_rmse.reason) and "：" in by_rmse.reason and "。" in by_rmse.reason
    with pytest.raises(ValueInputError, match="metric"):
        select_model(result, metric="mape")


def test_select_model_runs_the_validation_itself(orders):
    choice = select_model(orders, calibration_end=CAL, observation_end=END, time_unit="W",
                          models=[BetaGeo()], lang="en")
    assert choice.best == "BetaGeo"
    assert "is the only model fitted" in choice.reason


def test_a_book_too_small_to_fit_keeps_the_failure_and_the_baselines():
    orders = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b", "c"],
        "ordered_at": pd.to_datetime(["2026-01-01", "2026-01-20", "2026-02-10",
                                      "2026-01-05", "2026-03-01", "2026-02-01"]),
        "amount": [10.0, 20.0, 30.0, 5.0, 7.0, 9.0],
    })
    result = holdout_validation(orders, calibration_end="2026-01-31", observation_end="2026-03-02",
                                time_unit="D", models=[BetaGeo(), ParetoNBD()])
    assert set(result.failures) == {"BetaGeo", "ParetoNBD"} and not result.models
    c = result.customers
    assert list(c.index) == ["a", "b"]                      # c first bought in the holdout: not forecast
    assert c["holdout_purchases"].tolist() == [1, 1]
    assert c["holdout_value"].tolist() == [30.0, 7.0]
    # last period: the 30 days before calibration_end (the whole calibration; the holdout is 30 days
    # too): a's one repeat purchase, none for b
    assert c["last_period"].tolist() == [1.0, 0.0]
    rate = 1 / (30 + 26)                                    # one repeat over T = 30 + 26 days
    np.testing.assert_allclose(c["mean_rate"], rate * 30)
    with pytest.raises(ValueInputError, match="no model could be fitted"):
        select_model(result)


def test_dates_must_be_in_order(orders):
    with pytest.raises(ValueInputError, match="observation_end"):
        holdout_validation(orders, calibration_end=END, observation_end=CAL)
    with pytest.raises(ValueInputError, match="calibration_end must be a date"):
        holdout_validation(orders, calibration_end="soon", observation_end=END)


def _texts(ax) -> list[str]:
    fig = ax.figure
    found = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return [t for t in found if t]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_draw_with_translated_labels(result, lang):
    ax = plot_holdout_by_frequency(result, lang=lang)
    texts = _texts(ax)
    assert "7+" in texts
    assert (any(HAN.search(t) for t in texts)) == (lang == "zh")
    assert len(ax.lines) == 5 and len(ax.patches) == 8          # 3 models + 2 baselines; bars 0..6 and 7+
    bars = [p.get_height() for p in ax.patches]
    assert bars[0] == pytest.approx(result.by_frequency.loc[0, "actual"])
    c = result.customers
    assert bars[-1] == pytest.approx(c.loc[c["frequency"] >= 7, "holdout_purchases"].mean())
    ax = plot_holdout_tracking(result, lang=lang)
    texts = _texts(ax)
    assert (any(HAN.search(t) for t in texts)) == (lang == "zh")
    assert len(ax.lines) == 5                                   # actual, 3 models, the holdout line
    np.testing.assert_allclose(ax.lines[0].get_ydata(), result.tracking["actual"])


# --------------------------------------------------------------------------- intervals


@pytest.fixture(scope="module")
def cdnow():
    return cdnow_summary()


def test_clv_interval_is_seeded_and_brackets_the_estimate(cdnow):
    bg, gg = BetaGeo().fit(cdnow), GammaGamma().fit(cdnow)
    first = clv_interval(bg, gg, cdnow, months=12, n_boot=20, seed=1)
    again = clv_interval(bg, gg, cdnow, months=12, n_boot=20, seed=1)
    other = clv_interval(bg, gg, cdnow, months=12, n_boot=20, seed=2)
    np.testing.assert_array_equal(first.draws, again.draws)
    assert not np.array_equal(first.draws, other.draws)
    assert first.lower < first.estimate < first.upper
    assert first.upper / first.lower < 1.5                  # 2,357 customers pin the total down to ±20%
    from crmkit.value.lifetime_value import customer_lifetime_value

    assert first.estimate == pytest.approx(customer_lifetime_value(bg, gg, cdnow, months=12).sum())
    text = first.format("${:.1f}k", scale=1e-3)
    assert re.fullmatch(r"\$\d+\.\dk \(\$\d+\.\d–\d+\.\dk\)", text), text


def test_expected_purchases_interval_covers_the_truth():
    truth = {"r": 0.5, "alpha": 8.0, "a": 0.8, "b": 2.5}
    summary = simulate_bgnbd(5_000, T=np.random.default_rng(3).uniform(20, 52, 5_000), seed=3, **truth)
    summary.attrs["time_unit"] = "W"
    fitted = BetaGeo().fit(summary)
    interval = expected_purchases_interval(fitted, summary, 26, n_boot=40, seed=0)
    true_model = BetaGeo().fit(summary)
    true_model.params_ = pd.Series(truth)
    assert interval.lower < true_model.expected_purchases(26, summary).sum() < interval.upper
    assert interval.level == 0.95 and interval.n_boot == 40 and len(interval.draws) == 40


def test_intervals_work_for_every_model():
    donors = donations()
    bgbb = BetaGeoBetaBinom().fit(donors)
    interval = expected_purchases_interval(bgbb, donors, 5, n_boot=10, seed=0)
    assert interval.lower < interval.estimate < interval.upper
    cdnow = cdnow_summary()
    gg = GammaGamma().fit(cdnow)
    for model in (ModifiedBetaGeo().fit(cdnow), ParetoNBD().fit(cdnow)):
        interval = clv_interval(model, gg, cdnow, n_boot=5, seed=0)
        assert interval.lower <= interval.upper
    with pytest.raises(ValueInputError, match="n_boot"):
        clv_interval(model, gg, cdnow, n_boot=1)


# --------------------------------------------------------------------------- any order log

_order_logs = st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "e"]), st.integers(0, 59),
                                 st.floats(0.01, 1000.0)), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None)
@given(log=_order_logs, cut=st.integers(0, 58), length=st.integers(1, 30))
def test_any_order_log_is_recounted_exactly(log, cut, length):
    start = pd.Timestamp("2026-01-01")
    orders = pd.DataFrame({"customer_id": [c for c, _, _ in log],
                           "ordered_at": [start + pd.Timedelta(days=d) for _, d, _ in log],
                           "amount": [a for _, _, a in log]})
    cal, end = start + pd.Timedelta(days=cut), start + pd.Timedelta(days=cut + length)
    if orders["ordered_at"].min() > cal:
        with pytest.raises(ValueInputError, match="no orders on or before calibration_end"):
            holdout_validation(orders, calibration_end=cal, observation_end=end, time_unit="D", models=[])
        return
    result = holdout_validation(orders, calibration_end=cal, observation_end=end, time_unit="D", models=[])
    c = result.customers
    for who, row in c.iterrows():
        mine = orders[orders["customer_id"] == who]
        days = set(mine["ordered_at"])
        held = {d for d in days if cal < d <= end}
        assert row["holdout_purchases"] == len(held)
        assert row["holdout_value"] == pytest.approx(mine.loc[mine["ordered_at"].isin(held), "amount"].sum())
        first = min(days)
        window = min(length, max((cal - orders["ordered_at"].min()).days, 1))
        recent = {d for d in days if cal - pd.Timedelta(days=window) < d <= cal and d > first}
        assert row["last_period"] == pytest.approx(len(recent) * length / window)
    assert set(c.index) == set(orders.loc[orders["ordered_at"] <= cal, "customer_id"])
    assert result.by_frequency["n_customers"].sum() == len(c)
    assert list(result.errors.index) == ["last_period", "mean_rate"]
