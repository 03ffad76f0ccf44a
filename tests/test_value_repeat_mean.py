"""The two money columns of an RFM summary under names that say what they are
(crmkit/value/money.py, rfm.py, _fitting.py, gammagamma.py, lifetime_value.py, clusters.py,
plots.py, widgets/explorer.py).

``repeat_mean_value`` is the mean of the repeat purchases (lifetimes' ``monetary_value``), the
Gamma-Gamma input; ``total_value`` is what a customer spent. The book here is a web shop's
export (English headers, no id columns, its own status words) imported into a real SQLite
store: 600 shoppers who buy and drop out as the BG/NBD model assumes (about half bought once),
and 25 one-time big buyers (gift orders of 500–900).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmkit
from crmkit import value
from crmkit.exceptions import ModelInputError, ValueInputError
from crmkit.value.clusters import rfm_features
from crmkit.value.money import REPEAT_MEAN, REPEAT_MEAN_COLUMN

AS_OF = pd.Timestamp("2026-06-30")
GIFTS = [f"gift{j:02d}@example.com" for j in range(25)]


def _lifetimes_utils():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifetimes' import-time pandas warnings
        return pytest.importorskip("lifetimes.utils", reason="lifetimes (test extra) is not installed")


def _import_shop(folder: Path, rows: list[tuple]) -> crmkit.Store:
    """Write the book as a web shop exports it and import it into a new store."""
    orders = pd.DataFrame(rows, columns=["customer", "when", "amount", "status"])
    accounts = folder / "accounts.csv"
    pd.DataFrame({"Account": sorted(orders["customer"].unique()), "Country": "CN"}).to_csv(accounts, index=False)
    order_file = folder / "orders.csv"
    pd.DataFrame({"Account": orders["customer"], "Created at": orders["when"].dt.strftime("%Y-%m-%d %H:%M:%S"),
                  "Total": orders["amount"], "Status": orders["status"]}).to_csv(order_file, index=False)
    crm = crmkit.open(folder / "crm.db", user="tester")
    crm.import_file(accounts, table="customers", columns={"Account": ["name", "customer_id"]})
    crm.import_file(order_file, table="orders",
                    columns={"Account": "customer_id", "Created at": "ordered_at", "Total": "amount"})
    return crm


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """Two years of a shop: each shopper buys at a rate of their own and may drop out after each
    purchase (so the purchase model has something to fit), spending around a mean of their own;
    25 one-time gift buyers spent 500–900 each."""
    rng = np.random.default_rng(21)
    rows = []
    for i in range(600):
        name = f"shopper{i:04d}@example.com"
        when = AS_OF - pd.Timedelta(days=int(rng.integers(0, 730)), hours=int(rng.integers(0, 12)))
        rate, dropout, spend = rng.gamma(0.6, 1 / 60), rng.beta(1.0, 3.0), rng.gamma(3.0, 1 / 0.03)
        while when <= AS_OF:
            rows.append((name, when, round(float(rng.gamma(4.0, spend / 4)), 2), "paid"))
            if rng.uniform() < dropout:
                break
            when += pd.Timedelta(days=float(rng.exponential(1 / rate)))
    for name in GIFTS:
        rows.append((name, AS_OF - pd.Timedelta(days=int(rng.integers(5, 400))),
                     round(float(rng.uniform(500, 900)), 2), "paid"))
    crm = _import_shop(tmp_path_factory.mktemp("shop"), rows)
    yield crm
    crm.close()


@pytest.fixture(scope="module")
def orders(shop):
    return shop.orders()


@pytest.fixture(scope="module")
def summary(orders):
    return value.rfm_summary(orders, as_of=AS_OF)


@pytest.fixture(scope="module")
def lifetimes_summary(orders):
    """The same orders summarised by lifetimes: ``monetary_value``, no ``total_value``, no attrs."""
    utils = _lifetimes_utils()
    frame = pd.DataFrame({"customer_id": orders["customer_id"].astype(str), "ordered_at": orders["ordered_at"],
                          "amount": orders["amount"].astype("float64")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = utils.summary_data_from_transaction_data(frame, "customer_id", "ordered_at", "amount",
                                                          observation_period_end=AS_OF, freq="D")
    theirs.index = theirs.index.astype(str)
    return theirs.sort_index()


# ----------------------------------------------------------------------------- the summary


def test_the_summary_names_the_repeat_mean_for_what_it_is(summary, orders):
    assert list(summary.columns) == ["frequency", "recency", "T", "repeat_mean_value", "total_value"]
    assert "monetary_value" not in summary.columns
    assert summary.attrs[REPEAT_MEAN_COLUMN] == REPEAT_MEAN and "monetary_value" not in summary.attrs
    assert value.rfm.REPEAT_MEAN == REPEAT_MEAN  # where the convention was read from before
    # the repeat mean, from the orders: purchase days after the first, their amounts averaged
    by_day = orders.assign(day=orders["ordered_at"].dt.normalize()).groupby(
        ["customer_id", "day"], observed=True)["amount"].sum().astype(float)
    repeats = by_day.groupby(level=0).apply(lambda s: s.iloc[1:].mean() if len(s) > 1 else 0.0)
    np.testing.assert_allclose(summary["repeat_mean_value"], repeats.reindex(summary.index), rtol=1e-12)
    assert (summary.loc[GIFTS, "repeat_mean_value"] == 0).all() and (summary.loc[GIFTS, "total_value"] > 500).all()


# ----------------------------------------------------------------------------- lifetimes' name


def test_a_lifetimes_summary_fits_and_scores_as_it_is(summary, lifetimes_summary):
    theirs = lifetimes_summary
    assert "monetary_value" in theirs.columns and "repeat_mean_value" not in theirs.columns
    ours = summary.set_axis(summary.index.astype(str))
    gg, gg_theirs = value.GammaGamma().fit(ours), value.GammaGamma().fit(theirs)
    np.testing.assert_allclose(gg_theirs.params_, gg.params_, rtol=1e-8)
    assert gg_theirs.n_customers_ == gg.n_customers_ == int((ours["frequency"] > 0).sum())
    np.testing.assert_allclose(gg.expected_average_order_value(theirs), gg.expected_average_order_value(ours),
                               rtol=1e-10)
    bg = value.BetaGeo().fit(ours)
    clv_ours = value.customer_lifetime_value(bg, gg, ours)
    clv_theirs = value.customer_lifetime_value(bg, gg_theirs, theirs, time_unit="D")
    np.testing.assert_allclose(clv_theirs, clv_ours.reindex(theirs.index), rtol=1e-8)
    assert clv_ours.sum() > 0


def test_lifetimes_name_is_read_as_the_repeat_mean_not_the_total(summary):
    """A crmkit summary under lifetimes' name gives the same model; the total under that name
    does not (the models read the column as lifetimes defines it, whatever it holds)."""
    renamed = summary.drop(columns="total_value").rename(columns={"repeat_mean_value": "monetary_value"})
    gg = value.GammaGamma().fit(summary)
    pd.testing.assert_series_equal(value.GammaGamma().fit(renamed).params_, gg.params_)
    total_as_monetary = summary.drop(columns="repeat_mean_value").rename(columns={"total_value": "monetary_value"})
    assert not np.allclose(value.GammaGamma().fit(total_as_monetary).params_, gg.params_, rtol=1e-3)


def test_errors_name_the_column_the_summary_has(summary):
    renamed = summary.rename(columns={"repeat_mean_value": "monetary_value"})
    repeat = renamed.index[renamed["frequency"] > 0][:2]
    bad = renamed.copy()
    bad.loc[repeat, "monetary_value"] = 0.0
    with pytest.raises(ModelInputError, match="monetary_value must be > 0") as info:
        value.GammaGamma().fit(bad)
    assert info.value.column == "monetary_value" and info.value.customers == list(repeat)
    with pytest.raises(ModelInputError, match="'repeat_mean_value' or lifetimes' name for it, 'monetary_value'"):
        value.GammaGamma().fit(summary.drop(columns="repeat_mean_value"))


def test_both_names_holding_different_values_is_an_error(summary):
    gg = value.GammaGamma().fit(summary)
    bg = value.BetaGeo().fit(summary)
    # a user's own "monetary_value": the mean of all purchases, the first included
    mean_of_all = summary["total_value"] / (summary["frequency"] + 1)
    both = summary.assign(monetary_value=mean_of_all)
    differ = both.index[~np.isclose(both["monetary_value"], both["repeat_mean_value"])]
    assert len(differ) > 100
    for call in (lambda: value.GammaGamma().fit(both), lambda: gg.expected_average_order_value(both),
                 lambda: value.customer_lifetime_value(bg, gg, both)):
        with pytest.raises(ModelInputError, match="both 'repeat_mean_value' and lifetimes' 'monetary_value'") as info:
            call()
        assert info.value.column == "monetary_value"
        assert info.value.customers == list(differ)


def test_both_names_holding_the_same_values_are_accepted(summary, lifetimes_summary):
    """A crmkit summary joined with lifetimes' (same orders): the two columns agree up to rounding."""
    joined = summary.set_axis(summary.index.astype(str)).join(lifetimes_summary[["monetary_value"]])
    joined.attrs = dict(summary.attrs)  # join drops attrs
    np.testing.assert_allclose(joined["monetary_value"], joined["repeat_mean_value"], rtol=1e-9)
    gg = value.GammaGamma().fit(joined)
    pd.testing.assert_series_equal(gg.params_, value.GammaGamma().fit(summary).params_)
    value.customer_lifetime_value(value.BetaGeo().fit(joined), gg, joined)


@st.composite
def _edits(draw, n_repeat: int, n_one_off: int):
    changed = draw(st.sets(st.integers(0, n_repeat - 1), max_size=6))
    factors = [draw(st.sampled_from([0.5, 0.999, 1.001, 2.0, 0.0, np.nan])) for _ in changed]
    blanked = draw(st.sets(st.integers(0, n_one_off - 1), max_size=10))  # one-off buyers: 0 -> NaN
    return sorted(changed), factors, sorted(blanked)


@pytest.fixture(scope="module")
def small_summary(summary):
    return summary.iloc[::3].copy()


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_the_customers_whose_two_means_differ_are_exactly_those_named(small_summary, data):
    s = small_summary
    repeat = s.index[s["frequency"] > 0]
    one_off = s.index[s["frequency"] == 0]
    changed, factors, blanked = data.draw(_edits(len(repeat), len(one_off)))
    monetary = s["repeat_mean_value"].copy()
    for i, factor in zip(changed, factors):
        monetary[repeat[i]] = monetary[repeat[i]] * factor
    monetary[one_off[blanked]] = np.nan  # "no repeat purchases" written as NaN instead of 0: agrees
    both = s.assign(monetary_value=monetary)
    if changed:
        with pytest.raises(ModelInputError, match="they differ") as info:
            value.GammaGamma().fit(both)
        assert info.value.customers == [c for c in s.index if c in set(repeat[changed])]
    else:
        pd.testing.assert_series_equal(value.GammaGamma().fit(both).params_, value.GammaGamma().fit(s).params_)


# ----------------------------------------------------------------------------- money in clusters and RFM


def test_a_one_time_big_buyer_clusters_with_the_big_spenders(summary):
    features = rfm_features(summary)
    assert list(features.columns) == ["log_days_since_last", "log_frequency", "log_total_value"]
    np.testing.assert_allclose(features["log_total_value"], np.log1p(summary["total_value"]))
    money = features["log_total_value"]
    result = value.kmeans_segments(summary, k=4)
    profiles = result.profiles
    assert "total_value" in profiles.columns and "monetary_value" not in profiles.columns
    assert (summary.loc[GIFTS, "frequency"] == 0).all()
    for gift in GIFTS:
        assert (money < money[gift]).mean() > 0.8  # each among the top fifth on money
    # k-means weighs recency too (a recent gift may sit with the new small buyers), but most
    # gifts land in clusters whose centre is above average on money: the "Important" ones
    clusters = result.segments.loc[GIFTS, "cluster"]
    rich = profiles.loc[clusters, "z_log_total_value"].to_numpy() > 0
    assert rich.mean() >= 0.8
    names = result.segments.loc[GIFTS]
    assert names["cluster_name"].astype(str).str.startswith("Important").to_numpy().tolist() == rich.tolist()
    assert names["cluster_name_zh"].astype(str).str.startswith("重要").to_numpy().tolist() == rich.tolist()
    assert (profiles.loc[clusters[rich], "total_value"] > summary["total_value"].mean()).all()
    # on the repeat mean (the old money), every one of them sat with the smallest spenders
    old = value.kmeans_segments(summary.assign(total_value=summary["repeat_mean_value"]), k=4)
    assert not old.profiles.loc[old.segments.loc[GIFTS, "cluster"], "z_log_total_value"].gt(0).any()


def test_clusters_and_rfm_refuse_a_summary_without_the_total(lifetimes_summary, summary):
    for frame, has in ((lifetimes_summary, "monetary_value"), (summary.drop(columns="total_value"),
                                                               "repeat_mean_value")):
        with pytest.raises(ValueInputError, match=f"its {has} is the mean of the repeat purchases") as info:
            value.kmeans_segments(frame, k=3)
        assert info.value.column == "total_value"
        with pytest.raises(ValueInputError, match=f"monetary_col='{has}'") as info:
            value.rfm_segments(frame, time_unit="D")
        assert info.value.column == "total_value"
    # asked for, the repeat mean scores M: every one-time buyer scores the lowest
    asked = value.rfm_segments(lifetimes_summary, time_unit="D", monetary_col="monetary_value")
    assert (asked.loc[GIFTS, "M"] == 1).all()
    assert (value.rfm_segments(summary).loc[GIFTS, "M"] == 5).all()


def test_the_segment_chart_shares_what_customers_spent(summary):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    segments = value.rfm_segments(summary)
    try:
        ax = value.plot_segment_sizes(segments, lang="en")
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["Share of customers", "Share of value"]
        shares = [b.get_width() for b in ax.containers[1]]
        by_segment = summary["total_value"].groupby(segments["segment"].astype(object)).sum()
        shown = [t.get_text() for t in ax.get_yticklabels()]
        np.testing.assert_allclose(shares, by_segment.reindex(shown) / by_segment.sum() * 100)
        # a frame with only lifetimes' repeat mean: the share of repeat-purchase value, labelled so
        lifetimes_like = segments.drop(columns="total_value").rename(columns={"repeat_mean_value": "monetary_value"})
        ax = value.plot_segment_sizes(lifetimes_like, lang="en")
        assert [t.get_text() for t in ax.get_legend().get_texts()][1] == "Share of repeat-purchase value"
        repeat_value = (segments["frequency"] * segments["repeat_mean_value"]).groupby(
            segments["segment"].astype(object)).sum()
        np.testing.assert_allclose([b.get_width() for b in ax.containers[1]],
                                   repeat_value.reindex(shown) / repeat_value.sum() * 100)
    finally:
        plt.close("all")


# ----------------------------------------------------------------------------- the explorer


def test_the_explorer_shows_and_exports_the_repeat_mean(shop, orders, summary, tmp_path):
    pytest.importorskip("ipywidgets")
    pytest.importorskip("ipydatagrid")
    from crmkit.widgets.explorer import SegmentExplorer, segment_customers

    table = segment_customers(orders, as_of=AS_OF)
    assert "monetary_value" not in table.columns
    np.testing.assert_allclose(table["repeat_mean_value"], summary["repeat_mean_value"].reindex(table.index))
    explorer = SegmentExplorer(shop, as_of=AS_OF.date())
    path = explorer.export(tmp_path / "out")
    back = pd.read_excel(path, dtype={"客户编号": str}, engine="openpyxl").set_index("客户编号")
    assert "平均复购金额" in back.columns
    np.testing.assert_allclose(back["平均复购金额"].astype(float),
                               summary["repeat_mean_value"].reindex(back.index).astype(float), rtol=1e-9)


def test_a_deleted_customers_orders_leave_the_explorer(tmp_path):
    """What the explorer's comment says: every segmented customer has a row, because a deleted
    customer's orders leave the reads with it."""
    pytest.importorskip("ipywidgets")
    pytest.importorskip("ipydatagrid")
    from crmkit.widgets.explorer import SegmentExplorer

    rng = np.random.default_rng(4)
    rows = [(f"buyer{i:02d}@example.com", AS_OF - pd.Timedelta(days=int(d)), round(float(rng.gamma(2, 50)), 2),
             "paid") for i in range(40) for d in rng.choice(300, size=1 + i % 4, replace=False)]
    crm = _import_shop(tmp_path, rows)
    try:
        gone = "buyer07@example.com"
        assert gone in set(SegmentExplorer(crm, as_of=AS_OF.date()).selection["customer_id"])
        crm.delete("customers", gone, cascade=True)
        explorer = SegmentExplorer(crm, as_of=AS_OF.date())
        assert gone not in set(explorer.segments.index) | set(explorer.selection["customer_id"])
        assert len(explorer.selection) == len(explorer.segments) == 39
        kept = [r for r in rows if r[0] != gone]
        assert explorer.selection["revenue"].sum() == pytest.approx(sum(r[2] for r in kept))
    finally:
        crm.close()
