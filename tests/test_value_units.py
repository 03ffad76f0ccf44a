"""Units and conventions travel with the data (crmkit/value/units.py and the models that read it).

What is proven here, on CDNOW's own order file and on books shaped like other tools' exports:

* a summary carries its time unit (``attrs["time_unit"]``); BG/NBD, its predictions and CLV read
  it and convert, refuse a unit that contradicts it, and refuse to guess when it is lost;
  the CDNOW 12-month CLV is the same number from a weekly and a daily summary;
* a property (hypothesis): the unit survives every model call and what pandas users do to a
  summary (copy, row selection, sort, column selection, concat, pickle); where pandas drops it
  (merge, CSV), the models raise instead of guessing;
* BG/NBD fits a book where nobody churns (the boundary, agreeing with lifetimes), and the
  monthly report's CLV section states the real reason when it cannot use a model;
* Gamma-Gamma bounds stay inside (0, ∞); value grades without margins weigh what is there
  and say so; errors name order ids, not row positions.
"""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmkit
from crmkit import value
from crmkit.exceptions import ConvergenceError, ModelInputError, NoChurnWarning, ValueInputError, ValueWeightsWarning
from crmkit.value.units import TIME_UNITS

AS_OF = "2026-06-30"


def _lifetimes():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its import-time pandas option under pandas 3
        lifetimes = pytest.importorskip("lifetimes", reason="lifetimes (test extra) is not installed")
        import lifetimes.datasets  # noqa: F401
    return lifetimes


@pytest.fixture(scope="module")
def cdnow_orders():
    """CDNOW_sample.txt as lifetimes ships it: 2,357 customers' CD orders (id, date, amount)."""
    lifetimes = _lifetimes()
    path = Path(lifetimes.datasets.__file__).parent / "CDNOW_sample.txt"
    raw = pd.read_csv(path, sep=r"\s+", header=None, names=["customer_id", "_", "date", "cds", "amount"],
                      dtype={"customer_id": str, "date": str})
    return pd.DataFrame({"customer_id": raw["customer_id"],
                         "ordered_at": pd.to_datetime(raw["date"], format="%Y%m%d"), "amount": raw["amount"]})


def _no_churn_orders(n: int = 1000, seed: int = 4, r: float = 0.7, alpha: float = 20.0) -> pd.DataFrame:
    """Customers who never stop buying: each buys at a Poisson rate λ ~ Gamma(r, α) a day from a
    first purchase 30–1000 days before AS_OF (the same book as bench/value_units.py)."""
    rng = np.random.default_rng(seed)
    last = pd.Timestamp(AS_OF)
    ids, dates = [], []
    for i in range(n):
        age = int(rng.integers(30, 1000))
        rate = rng.gamma(r, 1 / alpha)
        offsets = np.r_[0, np.sort(rng.uniform(0, age, rng.poisson(rate * age))).astype(int)]
        ids += [f"C{i:05d}"] * len(offsets)
        dates += list(last - pd.to_timedelta(age - offsets, unit="D"))
    amounts = np.round(rng.gamma(4.0, 25.0, len(ids)), 2)
    return pd.DataFrame({"customer_id": ids, "ordered_at": dates, "amount": amounts})


def _export(tmp_path: Path, orders: pd.DataFrame, name: str) -> tuple[Path, Path]:
    """The book as another tool exports it: an account list and an order list, English headers,
    no id columns, the tool's own status words and a column crmkit does not know."""
    accounts = tmp_path / f"{name}_accounts.csv"
    pd.DataFrame({"Account": sorted(orders["customer_id"].unique()), "City": "Shanghai"}).to_csv(accounts, index=False)
    order_file = tmp_path / f"{name}_orders.csv"
    pd.DataFrame({"Account": orders["customer_id"],
                  "Created at": (orders["ordered_at"] + pd.Timedelta(hours=10)).dt.strftime("%Y-%m-%d %H:%M:%S"),
                  "Total": orders["amount"], "Financial Status": "paid"}).to_csv(order_file, index=False)
    return accounts, order_file


def _store(tmp_path: Path, orders: pd.DataFrame, name: str = "book") -> str:
    """A real SQLite store filled from the exported files; returns its URL."""
    accounts, order_file = _export(tmp_path, orders, name)
    url = f"sqlite:///{tmp_path / (name + '.db')}"
    with crmkit.open(url) as crm:
        crm.import_file(accounts, table="customers", columns={"Account": ["name", "customer_id"]})
        crm.import_file(order_file, table="orders",
                        columns={"Account": "customer_id", "Created at": "ordered_at", "Total": "amount"})
    return url


@pytest.fixture(scope="module")
def no_churn_store(tmp_path_factory):
    return _store(tmp_path_factory.mktemp("no_churn"), _no_churn_orders(), "no_churn")


@pytest.fixture(scope="module")
def no_churn_orders_from_store(no_churn_store):
    with crmkit.open(no_churn_store) as crm:
        return crm.orders()


# =========================================================================== the unit travels


def test_cdnow_clv_is_the_same_from_a_weekly_and_a_daily_summary(cdnow_orders):
    clv = {}
    for unit in ("W", "D"):
        summary = value.rfm_summary(cdnow_orders, as_of="1997-09-30", time_unit=unit)
        assert summary.attrs["time_unit"] == unit and len(summary) == 2357
        bg = value.BetaGeo().fit(summary)
        assert bg.time_unit_ == unit
        gg = value.GammaGamma().fit(summary[summary["frequency"] > 0])  # a row selection keeps the unit
        clv[unit] = value.customer_lifetime_value(bg, gg, summary, months=12, discount_rate=0.01)
    np.testing.assert_allclose(clv["W"], clv["D"], rtol=1e-6)
    assert clv["W"].mean() == pytest.approx(30.36, abs=0.005)  # the number
    # the bug: the weekly summary read as days gave 114.05; now saying so contradicts the summary
    weekly = value.rfm_summary(cdnow_orders, as_of="1997-09-30", time_unit="W")
    bg, gg = value.BetaGeo().fit(weekly), value.GammaGamma().fit(weekly)
    with pytest.raises(ModelInputError, match="time_unit='D' was given, but the summary says it is in weeks"):
        value.customer_lifetime_value(bg, gg, weekly, months=12, time_unit="D")


def test_a_summary_in_another_unit_is_converted_into_the_models(cdnow_orders):
    weekly = value.rfm_summary(cdnow_orders, as_of="1997-09-30", time_unit="W")
    daily = value.rfm_summary(cdnow_orders, as_of="1997-09-30", time_unit="D")
    monthly = value.rfm_summary(cdnow_orders, as_of="1997-09-30", time_unit="M")
    bg = value.BetaGeo().fit(weekly)
    gg = value.GammaGamma().fit(weekly)
    # P(alive) does not depend on the unit the customers are described in
    np.testing.assert_allclose(bg.probability_alive(daily), bg.probability_alive(weekly), rtol=1e-12)
    # t is in the summary's unit: 28 days of a daily summary are 4 weeks of the weekly one
    np.testing.assert_allclose(bg.expected_purchases(28, daily), bg.expected_purchases(4, weekly), rtol=1e-10)
    # or in t_unit, whatever the summary's unit
    one_month = bg.expected_purchases(1, weekly, t_unit="M")
    np.testing.assert_allclose(one_month, bg.expected_purchases(365.25 / 12 / 7, weekly), rtol=1e-12)
    np.testing.assert_allclose(bg.expected_purchases(1, monthly, t_unit="M"), one_month, rtol=1e-10)
    assert bg.expected_purchases_new_customer(7, t_unit="D") == pytest.approx(bg.expected_purchases_new_customer(1))
    np.testing.assert_allclose(value.customer_lifetime_value(bg, gg, daily),
                               value.customer_lifetime_value(bg, gg, weekly), rtol=1e-10)


def test_a_summary_without_a_unit_is_accepted_only_where_no_time_is_converted(cdnow_orders):
    lifetimes = _lifetimes()
    # lifetimes' own summary (weeks): no attrs, so no stated unit
    theirs = lifetimes.datasets.load_cdnow_summary_data_with_monetary_value()
    assert "time_unit" not in theirs.attrs
    bg, gg = value.BetaGeo().fit(theirs), value.GammaGamma().fit(theirs)
    assert bg.time_unit_ is None
    bg.probability_alive(theirs)  # numbers in, numbers out: no unit needed
    with pytest.raises(ModelInputError, match="neither the summary nor the model says") as info:
        value.customer_lifetime_value(bg, gg, theirs, months=12)
    assert "time_unit=" in str(info.value)
    assert value.customer_lifetime_value(bg, gg, theirs, months=12, time_unit="W").mean() == pytest.approx(
        30.36, abs=0.005)
    # a unit given at fit time is remembered
    assert value.BetaGeo().fit(theirs, time_unit="W").time_unit_ == "W"


def test_a_lost_unit_is_refused_not_guessed(cdnow_orders, tmp_path):
    weekly = value.rfm_summary(cdnow_orders, as_of="1997-09-30", time_unit="W")
    bg = value.BetaGeo().fit(weekly)
    extra = pd.DataFrame({"region": "east"}, index=weekly.index)
    merged = weekly.merge(extra, left_index=True, right_index=True)
    path = tmp_path / "summary.csv"
    weekly.to_csv(path)
    from_csv = pd.read_csv(path, index_col="customer_id", dtype={"customer_id": str})
    for lost in (merged, weekly.join(extra), from_csv):
        assert "time_unit" not in lost.attrs  # pandas drops it here...
        with pytest.raises(ModelInputError, match="does not say its time unit, and the model was fitted in weeks"):
            bg.expected_purchases(4, lost)  # ...so the model refuses rather than guess
        np.testing.assert_allclose(bg.expected_purchases(4, lost, time_unit="W"), bg.expected_purchases(4, weekly))
        with pytest.raises(ModelInputError, match="fitted in weeks"):
            bg.probability_alive(lost)


def test_unknown_units_are_refused(cdnow_orders):
    weekly = value.rfm_summary(cdnow_orders, as_of="1997-09-30", time_unit="W")
    bg = value.BetaGeo().fit(weekly)
    with pytest.raises(ModelInputError, match="unknown t_unit 'Y'"):
        bg.expected_purchases(1, weekly, t_unit="Y")
    bad = weekly.copy()
    bad.attrs["time_unit"] = "fortnight"
    with pytest.raises(ModelInputError, match="fortnight"):
        value.BetaGeo().fit(bad)


# ----------------------------------------------------------------------------- the property

def _pickled(s):
    return pickle.loads(pickle.dumps(s))


# what pandas users do to a summary; each keeps ``attrs``
KEEPING = {
    "copy": lambda s: s.copy(),
    "loc rows": lambda s: s.loc[s["T"] > s["T"].median()],
    "boolean rows": lambda s: s[s["frequency"] >= 0],
    "iloc": lambda s: s.iloc[::2],
    "sort_values": lambda s: s.sort_values(["T", "recency"], ascending=False),
    "head": lambda s: s.head(300),
    "columns": lambda s: s[["frequency", "recency", "T", "repeat_mean_value", "total_value"]],
    "assign": lambda s: s.assign(segment="x"),
    "concat of one unit": lambda s: pd.concat([s.iloc[:200], s.iloc[200:]]),
    "pickle": _pickled,
    "reset and set index": lambda s: s.reset_index().set_index("customer_id"),
}
# and what drops it
DROPPING = {
    "merge": lambda s: s.merge(pd.DataFrame({"z": 1}, index=s.index), left_index=True, right_index=True),
    "rebuilt from arrays": lambda s: pd.DataFrame(s.to_numpy(), index=s.index, columns=s.columns),
    "concat of two units": lambda s: pd.concat([s, _other_unit(s)]),
}


def _other_unit(s):
    out = s.iloc[:5].copy()
    out.attrs["time_unit"] = "D" if s.attrs["time_unit"] != "D" else "W"
    return out


@pytest.fixture(scope="module")
def unit_summaries(cdnow_orders):
    """CDNOW (with churn) summarised in each unit, with the reference fit and predictions."""
    out = {}
    for unit in TIME_UNITS:
        s = value.rfm_summary(cdnow_orders, as_of="1997-09-30", time_unit=unit)
        bg = value.BetaGeo().fit(s)
        gg = value.GammaGamma().fit(s)
        out[unit] = (s, bg, gg, bg.expected_purchases(1, s, t_unit="M"), value.customer_lifetime_value(bg, gg, s))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unit=st.sampled_from(list(TIME_UNITS)), op=st.sampled_from(list(KEEPING)),
       refit=st.booleans())
def test_property_the_unit_survives_every_model_call(unit_summaries, unit, op, refit):
    summary, bg, gg, month_ref, clv_ref = unit_summaries[unit]
    changed = KEEPING[op](summary)
    assert changed.attrs["time_unit"] == unit
    if refit:  # fit on the changed summary: the model remembers the unit
        fitted = value.BetaGeo().fit(changed)
        assert fitted.time_unit_ == unit
    # predictions and CLV on the changed summary: the reference numbers for those customers
    ids = changed.index
    np.testing.assert_allclose(bg.expected_purchases(1, changed, t_unit="M"), month_ref.loc[ids], rtol=1e-10)
    np.testing.assert_allclose(value.customer_lifetime_value(bg, gg, changed), clv_ref.loc[ids], rtol=1e-10)
    # and the same numbers from a model fitted in any other unit
    for other in TIME_UNITS:
        _, bg_other, gg_other, _, _ = unit_summaries[other]
        np.testing.assert_allclose(value.customer_lifetime_value(bg_other, gg_other, changed), clv_ref.loc[ids],
                                   rtol=1e-5)
    # the segments read the unit too: a customer's days since the last purchase are days
    days = value.rfm_segments(changed)["active"]
    np.testing.assert_array_equal(days, ((changed["T"] - changed["recency"]) * TIME_UNITS[unit]).round(6) <= 90)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unit=st.sampled_from(list(TIME_UNITS)), op=st.sampled_from(list(DROPPING)))
def test_property_where_pandas_drops_the_unit_the_models_refuse(unit_summaries, unit, op):
    summary, bg, gg, _, clv_ref = unit_summaries[unit]
    changed = DROPPING[op](summary)
    assert "time_unit" not in changed.attrs
    with pytest.raises(ModelInputError, match="does not say its time unit"):
        value.customer_lifetime_value(bg, gg, changed)
    with pytest.raises(ValueInputError, match="time unit"):
        value.rfm_segments(changed)
    if op != "concat of two units":  # told the unit, the models go on
        np.testing.assert_allclose(value.customer_lifetime_value(bg, gg, changed, time_unit=unit),
                                   clv_ref.loc[changed.index], rtol=1e-10)


# =========================================================================== no churn


def test_bgnbd_fits_a_book_where_nobody_churns_and_agrees_with_lifetimes(no_churn_orders_from_store):
    lifetimes = _lifetimes()
    summary = value.rfm_summary(no_churn_orders_from_store, as_of=AS_OF, time_unit="W")
    assert (summary["frequency"] == 0).sum() > 50  # one-time buyers too
    with pytest.warns(NoChurnWarning, match="no churn"):
        bg = value.BetaGeo().fit(summary)
    assert bg.no_churn_ and "no churn" in bg.note_
    assert bg.params_["a"] == 0 and np.isinf(bg.params_["b"])
    f, r, T = summary["frequency"], summary["recency"], summary["T"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theirs = lifetimes.BetaGeoFitter().fit(f, r, T)
        except lifetimes.utils.ConvergenceError:
            # from its default start lifetimes' optimizer may give up on this boundary (it depends
            # on its autograd and scipy versions): started nearer, it stops at b ~ 1e43, where its own
            # predictions overflow, so only its parameters can be compared
            theirs = lifetimes.BetaGeoFitter().fit(f, r, T, initial_params=[0.5, 5.0, 0.01, 100.0])
    # lifetimes stops where the chance to drop out after a purchase, a / (a + b), is nil: the same limit
    assert theirs.params_["a"] / (theirs.params_["a"] + theirs.params_["b"]) < 1e-6
    np.testing.assert_allclose(bg.params_[["r", "alpha"]], theirs.params_[["r", "alpha"]], rtol=1e-5)
    # lifetimes' predictions at b ~ 1e43 overflow or come out negative: compared only where they compute
    for t in ((1.0, 4.0, 26.0) if theirs.params_["b"] < 1e30 else ()):
        np.testing.assert_allclose(bg.expected_purchases(t, summary),
                                   theirs.conditional_expected_number_of_purchases_up_to_time(t, f, r, T), rtol=1e-5)
    if theirs.params_["b"] < 1e30:
        np.testing.assert_allclose(bg.probability_alive(summary), theirs.conditional_probability_alive(f, r, T),
                                   rtol=1e-8)
        np.testing.assert_allclose(bg.expected_purchases_new_customer(np.array([4.0, 52.0])),
                                   theirs.expected_number_of_purchases_up_to_time(np.array([4.0, 52.0])), rtol=1e-5)
    else:   # nobody churns: everyone is alive
        np.testing.assert_allclose(bg.probability_alive(summary), 1.0)
    # finite, sensible predictions: the limit model is NBD, (r + x) / (α + T) purchases a week
    expected = (bg.params_["r"] + f) / (bg.params_["alpha"] + T)
    np.testing.assert_allclose(bg.expected_purchases(1, summary), expected, rtol=1e-12)
    gg = value.GammaGamma().fit(summary)
    clv = value.customer_lifetime_value(bg, gg, summary)
    assert np.isfinite(clv).all() and (clv > 0).all()
    # the summary: r and α with standard errors and bounds inside (0, inf); a and b have none
    assert (bg.summary_.loc[["r", "alpha"], "lower 95% bound"] > 0).all()
    assert bg.summary_.loc[["a", "b"], "se(coef)"].isna().all()
    # the daily summary of the same book gives the same boundary fit
    with pytest.warns(NoChurnWarning):
        daily = value.BetaGeo().fit(value.rfm_summary(no_churn_orders_from_store, as_of=AS_OF))
    assert daily.params_["r"] == pytest.approx(bg.params_["r"], rel=1e-6)
    assert daily.params_["alpha"] == pytest.approx(bg.params_["alpha"] * 7, rel=1e-6)


def test_a_book_with_churn_is_not_taken_for_the_boundary(cdnow_orders):
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoChurnWarning)
        bg = value.BetaGeo().fit(value.rfm_summary(cdnow_orders, as_of="1997-09-30", time_unit="W"))
    assert not bg.no_churn_ and bg.note_ is None and 0 < bg.params_["a"] < 10


def test_too_regular_buyers_without_churn_get_the_real_reason():
    # every account orders every 30 days, like clockwork: no churn, and no spread of rates either
    rng = np.random.default_rng(1)
    rows = []
    for i in range(300):
        start = pd.Timestamp(AS_OF) - pd.Timedelta(days=int(rng.integers(200, 1000)))
        rows += [(f"A{i:03d}", d, 100.0) for d in pd.date_range(start, AS_OF, freq="30D")]
    summary = value.rfm_summary(pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"]), time_unit="D")
    with pytest.raises(ConvergenceError, match="the data show no churn") as info:
        value.BetaGeo().fit(summary)
    assert "penalizer_coef=0.01" not in info.value.hint and "regular" in info.value.hint


# =========================================================================== the report says why


def test_the_reports_clv_section_states_the_real_reason(no_churn_store, tmp_path):
    from crmkit.reports import content

    data = content.load_month(no_churn_store, "2026-06")
    section = content.clv(data)
    notes = section.data["notes"]
    assert len(notes) == 1 and "没有流失" in notes[0] and notes[0] in section.findings
    assert section.data["values"]["p_alive"].eq(1.0).all() and section.data["total"] > 0

    # a book with three repeat buyers: the section says how many there are and how many are needed
    few = pd.DataFrame({"customer_id": ["A", "A", "B", "B", "C", "C", "D", "E"],
                        "ordered_at": pd.to_datetime(["2026-01-05", "2026-03-05", "2026-02-01", "2026-05-01",
                                                      "2026-04-01", "2026-06-01", "2026-06-02", "2026-06-03"]),
                        "amount": [100.0, 120, 80, 90, 300, 310, 507, 20]})
    url = _store(tmp_path, few, "few")
    section = content.clv(content.load_month(url, "2026-06"))
    assert section.findings == ["到月末只有 3 位客户有复购，拟合购买与消费金额模型至少需要 20 位，本节从略。"]


# =========================================================================== Gamma-Gamma bounds


def test_gammagamma_bounds_stay_inside_the_parameter_space(cdnow_orders):
    summary = value.rfm_summary(cdnow_orders, as_of="1997-09-30", time_unit="W")
    buyers = summary[summary["frequency"] > 0]
    small = buyers.iloc[::12]  # a small book: ~ 65 repeat buyers
    gg = value.GammaGamma().fit(small)
    table = gg.summary_
    symmetric_low = table["coef"] - 1.959963984540054 * table["se(coef)"]
    assert (symmetric_low < 0).any()  # coef ± 1.96 se would leave the parameter space here
    assert (table["lower 95% bound"] > 0).all() and np.isfinite(table["upper 95% bound"]).all()
    assert (table["lower 95% bound"] < table["coef"]).all() and (table["coef"] < table["upper 95% bound"]).all()
    # on log scale: the bounds sit symmetrically around ln(coef)
    np.testing.assert_allclose(np.log(table["coef"]) - np.log(table["lower 95% bound"]),
                               np.log(table["upper 95% bound"]) - np.log(table["coef"]), rtol=1e-10)


# =========================================================================== value grades


def test_value_grades_without_margins_weigh_what_is_there_and_say_so(no_churn_orders_from_store):
    orders = no_churn_orders_from_store.drop(columns="gross_margin")
    with pytest.warns(ValueWeightsWarning, match="no gross_margin") as caught:
        grades = value.value_grades(orders, as_of=AS_OF)
    weights = caught[0].message.weights
    assert weights == pytest.approx({"amount": 0.4 / 0.7, "profit": 0.0, "potential": 0.3 / 0.7})
    assert grades.attrs["weights"] == weights
    np.testing.assert_allclose(grades["score"], weights["amount"] * grades["amount_score"]
                               + weights["potential"] * grades["potential_score"], rtol=1e-12)
    assert grades["profit"].isna().all() and grades["value_grade"].notna().all()
    assert grades["score"].max() > 95  # the best customers still reach the top
    # the store's own orders have the column, but empty (an export without margins): the same
    with pytest.warns(ValueWeightsWarning):
        same = value.value_grades(no_churn_orders_from_store, as_of=AS_OF)
    pd.testing.assert_series_equal(same["score"], grades["score"])


def test_errors_name_order_ids_not_row_positions(no_churn_orders_from_store):
    orders = no_churn_orders_from_store.copy()
    broken = orders.index[[3, 700]]
    orders.loc[broken, "amount"] = pd.NA
    ids = list(orders.loc[broken, "order_id"])
    for call in (lambda: value.value_grades(orders, as_of=AS_OF, weights={"amount": 1.0}),
                 lambda: value.rfm_summary(orders, as_of=AS_OF),
                 lambda: value.abc(orders)):
        with pytest.raises(ValueInputError) as info:
            call()
        assert info.value.rows == ids and all(repr(i) in str(info.value) for i in ids)
    # without an order id column, the customer ids
    no_ids = orders.drop(columns="order_id").reset_index(drop=True)
    with pytest.raises(ValueInputError) as info:
        value.rfm_summary(no_ids, as_of=AS_OF)
    assert info.value.rows == list(orders.loc[broken, "customer_id"]) and "customer ids" in info.value.reason
