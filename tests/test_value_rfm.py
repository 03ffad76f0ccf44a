"""crmkit.value: the RFM summary and segments, value grades, ABC classes, clusters and migration."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit import demo
from crmkit.exceptions import ValueInputError, ValueWeightsWarning
from crmkit.value.clusters import choose_k, kmeans_segments, rfm_features
from crmkit.value.grades import DEFAULT_WEIGHTS, abc, grade_from_score, value_grades
from crmkit.value.migration import NEW_ROW, segment_migration
from crmkit.value.rfm import SEGMENT_RULES, TIME_UNITS, rfm_segments, rfm_summary

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def data():
    return demo.generate(n_customers=2000, seed=0)


@pytest.fixture(scope="module")
def orders(data):
    return data.tables["orders"]


@pytest.fixture(scope="module")
def store_orders(orders):
    """The demo orders with the dtypes ``crm.orders()`` returns (string ids, nullable floats)."""
    out = orders.copy()
    out["customer_id"] = out["customer_id"].astype(pd.StringDtype())
    out["ordered_at"] = out["ordered_at"].astype("datetime64[ns]")
    out["amount"] = out["amount"].astype("Float64")
    out["gross_margin"] = out["gross_margin"].astype("Float64")
    return out


def _orders(rows) -> pd.DataFrame:
    """Orders from (customer, timestamp text, amount[, margin]) tuples."""
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount", "gross_margin"][: len(rows[0])])
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"])
    return frame


# ----------------------------------------------------------------------------- rfm_summary


def _lifetimes_summary(orders, as_of, time_unit):
    utils = pytest.importorskip("lifetimes.utils", reason="lifetimes (a test-only reference) is not installed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifetimes' own pandas deprecation warnings
        # Our "W" and "M" are days rescaled (fractions kept), which lifetimes spells
        # freq="D" with freq_multiplier; its freq="M" cannot run on pandas >= 2.
        ref = utils.summary_data_from_transaction_data(
            orders, "customer_id", "ordered_at", "amount", observation_period_end=as_of,
            freq="D", freq_multiplier=TIME_UNITS[time_unit])
    ref.index = ref.index.astype(str)
    # lifetimes' monetary_value is the mean of the repeat purchases: crmkit's repeat_mean_value
    return ref.rename(columns={"monetary_value": "repeat_mean_value"}).sort_index()


@pytest.mark.parametrize("time_unit", ["D", "W", "M"])
@pytest.mark.parametrize("as_of", [None, "2024-09-15", "2025-06-30", "2026-10-31", "2027-03-01"])
def test_summary_agrees_with_lifetimes(orders, as_of, time_unit):
    ours = rfm_summary(orders, as_of=as_of, time_unit=time_unit)
    ref = _lifetimes_summary(orders, as_of, time_unit)
    assert len(ours) > 0 and ours.attrs["time_unit"] == time_unit
    ours = ours[list(ref.columns)].astype("float64")  # lifetimes' four; total_value is crmkit's own
    ours.index = ours.index.astype(str)
    pd.testing.assert_frame_equal(ours, ref, check_index_type=False, check_names=False, rtol=1e-10)


def test_summary_agrees_with_lifetimes_on_store_dtypes(store_orders):
    ours = rfm_summary(store_orders, as_of="2026-06-30")
    assert ours.index.dtype == pd.StringDtype()
    ref = _lifetimes_summary(store_orders.astype({"amount": "float64"}), "2026-06-30", "D")
    ours = ours[list(ref.columns)].astype("float64")
    ours.index = ours.index.astype(str)
    pd.testing.assert_frame_equal(ours, ref, check_index_type=False, check_names=False, rtol=1e-10)


def test_summary_by_hand():
    orders = _orders([
        ("a", "2026-01-01 09:00", 100.0),
        ("a", "2026-01-01 17:30", 20.0),   # same day: one purchase of 120
        ("a", "2026-01-08 10:00", 60.0),
        ("a", "2026-01-15 23:59", 30.0),
        ("b", "2026-01-10 12:00", 500.0),  # one purchase only
        ("c", "2026-02-01 08:00", 70.0),   # after as_of: ignored, c is not a customer yet
    ])
    days = rfm_summary(orders, as_of="2026-01-29")
    assert list(days.index) == ["a", "b"]
    assert days.loc["a"].to_dict() == {"frequency": 2, "recency": 14.0, "T": 28.0, "repeat_mean_value": 45.0,
                                       "total_value": 210.0}
    assert days.loc["b"].to_dict() == {"frequency": 0, "recency": 0.0, "T": 19.0, "repeat_mean_value": 0.0,
                                       "total_value": 500.0}
    assert days["frequency"].dtype == np.int64
    weeks = rfm_summary(orders, as_of="2026-01-29", time_unit="W")
    assert weeks.loc["b", "T"] == pytest.approx(19 / 7)  # fractions kept
    months = rfm_summary(orders, as_of="2026-01-29", time_unit="M")
    assert months.loc["a", "T"] == pytest.approx(28 / 30.4375)


def test_summary_counts_the_whole_as_of_day_and_defaults_to_the_last_order():
    orders = _orders([("a", "2026-03-01 08:00", 10.0), ("a", "2026-03-05 18:00", 30.0)])
    assert rfm_summary(orders, as_of="2026-03-05 00:00").loc["a", "frequency"] == 1
    assert rfm_summary(orders, as_of="2026-03-04").loc["a", "frequency"] == 0
    assert rfm_summary(orders).loc["a", "T"] == 4.0
    assert rfm_summary(orders, as_of="2026-02-28").empty


def test_summary_uses_the_given_column_names_and_does_not_mutate():
    orders = _orders([("x", "2026-01-01", 5.0), ("x", "2026-01-03", 7.0)]).rename(
        columns={"customer_id": "客户编号", "ordered_at": "交易日期", "amount": "金额"})
    before = orders.copy()
    s = rfm_summary(orders, customer_col="客户编号", date_col="交易日期", amount_col="金额")
    assert s.index.name == "客户编号" and s.loc["x", "repeat_mean_value"] == 7.0
    pd.testing.assert_frame_equal(orders, before)
    assert list(rfm_summary(orders, customer_col="客户编号", date_col="交易日期", amount_col=None).columns) == [
        "frequency", "recency", "T"]


@pytest.mark.parametrize("change, column", [
    (lambda o: o.drop(columns="amount"), "amount"),
    (lambda o: o.assign(amount=[1.0, None]), "amount"),
    (lambda o: o.assign(customer_id=["a", None]), "customer_id"),
    (lambda o: o.assign(ordered_at=[pd.Timestamp("2026-01-01"), pd.NaT]), "ordered_at"),
])
def test_summary_names_the_column_at_fault(change, column):
    orders = _orders([("a", "2026-01-01", 1.0), ("b", "2026-01-02", 2.0)])
    with pytest.raises(ValueInputError) as err:
        rfm_summary(change(orders))
    assert err.value.column == column and column in str(err.value)


def test_summary_rejects_an_unknown_time_unit():
    with pytest.raises(ValueInputError, match="time unit"):
        rfm_summary(_orders([("a", "2026-01-01", 1.0)]), time_unit="Y")


order_rows = st.lists(
    st.tuples(st.sampled_from(["001", "002", "003", "010"]), st.integers(0, 60), st.integers(0, 23),
              st.floats(-50, 1000, allow_nan=False).map(lambda v: round(v, 2))),
    min_size=1, max_size=40)


@FAST
@given(rows=order_rows, as_of=st.one_of(st.none(), st.integers(0, 70)), unit=st.sampled_from(["D", "W", "M"]))
def test_summary_properties_against_a_plain_python_count(rows, as_of, unit):
    start = pd.Timestamp("2026-01-01")
    orders = pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "ordered_at": [start + pd.Timedelta(days=r[1], hours=r[2]) for r in rows],
        "amount": [r[3] for r in rows],
    })
    end_day = max(r[1] for r in rows) if as_of is None else as_of
    s = rfm_summary(orders, as_of=None if as_of is None else start + pd.Timedelta(days=as_of), time_unit=unit)
    unit_days = TIME_UNITS[unit]
    expected = {}
    for cust in sorted({r[0] for r in rows}):
        by_day: dict[int, float] = {}
        for c, day, _, amount in rows:
            if c == cust and day <= end_day:
                by_day[day] = by_day.get(day, 0.0) + amount
        if not by_day:
            continue
        days = sorted(by_day)
        repeats = [by_day[d] for d in days[1:]]
        expected[cust] = (len(days) - 1, (days[-1] - days[0]) / unit_days, (end_day - days[0]) / unit_days,
                          float(np.mean(repeats)) if repeats else 0.0, sum(by_day.values()))
    assert list(s.index) == list(expected)
    for cust, (f, r, t, m, total) in expected.items():
        row = s.loc[cust]
        n_orders = sum(1 for c, day, _, _ in rows if c == cust and day <= end_day)
        assert row["frequency"] == f <= n_orders - 1
        assert 0 <= row["recency"] <= row["T"]
        assert row["recency"] == pytest.approx(r) and row["T"] == pytest.approx(t)
        assert row["repeat_mean_value"] == pytest.approx(m, abs=1e-9)
        assert row["total_value"] == pytest.approx(total, abs=1e-9)
    assert s.attrs["time_unit"] == unit


def _groupby_reference(orders: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """The summary in days, by a plain pandas groupby: per customer and day, then per customer."""
    kept = orders[orders["ordered_at"].dt.normalize() <= end]
    day = kept["ordered_at"].dt.normalize().rename("day")
    by_day = kept.groupby([kept["customer_id"].astype(object), day])["amount"].sum().reset_index()
    rows = {}
    for cust, g in by_day.groupby("customer_id", sort=True):
        days, values = g["day"].tolist(), g["amount"].tolist()
        rows[cust] = {"frequency": len(days) - 1, "recency": float((days[-1] - days[0]).days),
                      "T": float((end - days[0]).days),
                      "repeat_mean_value": float(np.mean(values[1:])) if len(days) > 1 else 0.0,
                      "total_value": float(np.sum(values))}
    return pd.DataFrame.from_dict(rows, orient="index")


# Ids that take each of the summary's paths: one width, few varying bits (packed and compacted);
# one width of 8 bytes with many varying bits (ranked by an argsort); several widths, non-ASCII
# text and integers (pandas' sorted factorization).
_id_kinds = {
    "digits": st.integers(0, 999).map(lambda i: f"{i:06d}"),
    "wide8": st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=8),
    "mixed": st.text(st.sampled_from("aZ0 -é客"), min_size=1, max_size=10),
    "ints": st.integers(-5, 10**12),
}


@FAST
@given(kind=st.sampled_from(sorted(_id_kinds)), data=st.data(), dtype=st.sampled_from(["object", "string"]),
       as_of=st.one_of(st.none(), st.integers(0, 4000)))
def test_summary_equals_a_plain_groupby_on_random_order_logs(kind, data, dtype, as_of):
    ids = data.draw(st.lists(_id_kinds[kind], min_size=1, max_size=12, unique=True))
    rows = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.integers(0, 4000), st.integers(0, 86399),
                                        st.floats(-100, 1e6, allow_nan=False).map(lambda v: round(v, 2))),
                              min_size=1, max_size=60))
    start = pd.Timestamp("2015-01-01")
    orders = pd.DataFrame({"customer_id": [r[0] for r in rows],
                           "ordered_at": [start + pd.Timedelta(days=r[1], seconds=r[2]) for r in rows],
                           "amount": [r[3] for r in rows]}).sample(frac=1.0, random_state=0)
    if kind != "ints":
        orders["customer_id"] = orders["customer_id"].astype(dtype)
    end = start + pd.Timedelta(days=max(r[1] for r in rows) if as_of is None else as_of)
    s = rfm_summary(orders, as_of=None if as_of is None else end, time_unit="D")
    expected = _groupby_reference(orders, end)
    assert list(s.index) == list(expected.index)  # sorted as Python sorts the ids
    if len(expected):
        assert (s["frequency"].to_numpy() == expected["frequency"].to_numpy()).all()
        assert (s[["recency", "T"]].to_numpy() == expected[["recency", "T"]].to_numpy()).all()
        for col in ("repeat_mean_value", "total_value"):
            np.testing.assert_allclose(s[col].to_numpy(), expected[col].to_numpy(), rtol=1e-12, atol=1e-6)
    assert list(s.columns) == ["frequency", "recency", "T", "repeat_mean_value", "total_value"]
    assert s["frequency"].dtype == np.int64 and s.index.name == "customer_id"


@FAST
@given(template=st.integers(0, 2**64 - 1), values=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=50),
       free=st.integers(0, 2**64 - 1))
def test_dropping_shared_bits_keeps_the_order_and_equality(template, values, free):
    from crmkit.value.rfm import _drop_shared_bits

    # values that share every bit outside ``free`` with ``template``
    v = np.array([(template & ~free) | (x & free) for x in values], dtype=np.uint64)
    packed, width = _drop_shared_bits(v)
    varying = int(np.bitwise_or.reduce(v)) & ~int(np.bitwise_and.reduce(v))
    assert width == bin(varying).count("1") <= bin(free).count("1")
    assert int(packed.max()) < 2**width or width == 0 and not packed.any()
    assert (np.argsort(packed, kind="stable") == np.argsort(v, kind="stable")).all()
    assert (np.unique(packed, return_inverse=True)[1] == np.unique(v, return_inverse=True)[1]).all()


@FAST
@given(rows=st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 9)), min_size=1, max_size=50))
def test_the_lexsort_fallback_orders_the_orders_as_the_packed_sort(rows):
    from crmkit.value.rfm import _sort_orders

    key = np.array([r[0] for r in rows], dtype=np.uint64)
    day = np.array([r[1] for r in rows], dtype=np.int64)
    positions = np.arange(len(rows))
    row_bits = (len(rows) - 1).bit_length()
    # (_sort_orders overwrites its day and row arrays: each call gets its own copies)
    packed_groups, packed_rows = _sort_orders(key.copy(), 41, day.copy(), 4, positions.copy(), row_bits)
    lex_groups, lex_rows = _sort_orders(key.copy(), 64, day.copy(), 4, positions.copy(), row_bits)  # too wide: lexsort
    assert (packed_rows == lex_rows).all()
    assert (packed_rows == np.lexsort((positions, day, key))).all()
    # the same runs of one (customer, day), and the same days
    assert ((packed_groups[1:] != packed_groups[:-1]) == (lex_groups[1:] != lex_groups[:-1])).all()
    assert ((packed_groups & np.uint64(15)) == (lex_groups & np.uint64(15))).all()


# ----------------------------------------------------------------------------- rfm_segments


def _summary(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frequency = rng.poisson(2, n)
    T = rng.uniform(10, 400, n).round()
    recency = np.where(frequency > 0, (T * rng.uniform(0, 1, n)).round(), 0.0)
    monetary = np.where(frequency > 0, rng.gamma(2, 300, n).round(2), 0.0)
    total = (monetary * frequency + rng.gamma(2, 300, n)).round(2)  # the first purchase counts in total_value
    summary = pd.DataFrame({"frequency": frequency, "recency": recency, "T": T, "repeat_mean_value": monetary,
                            "total_value": total}, index=pd.Index([f"{i:04d}" for i in range(n)], name="customer_id"))
    summary.attrs["time_unit"] = "D"  # as rfm_summary writes it
    return summary


def test_segments_by_hand():
    # ten customers, distinct values: the ranks 1..10 fall two to a quintile
    since_last = np.array([100.0, 90, 80, 70, 60, 50, 40, 30, 20, 10])
    T = np.array([100.0] + [400.0] * 9)  # a bought once, 100 days ago; the others began 400 days ago
    s = pd.DataFrame({
        "frequency": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        "recency": T - since_last,
        "T": T,
        "total_value": [9.0, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    }, index=pd.Index(list("abcdefghij"), name="customer_id"))
    seg = rfm_segments(s, time_unit="D")
    assert seg["F"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert seg["R"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]  # most recent buyers score 5
    assert seg["M"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert seg.loc["a", "rfm_score"] == "115" and seg.loc["j", "rfm_score"] == "551"
    # a: R1 F1 -> Lost; j: R5 F5 M1 -> Loyal (not Champions: M is low); e: R3 F3 -> Need attention
    assert seg.loc["a", "segment"] == "Lost" and seg.loc["a", "segment_zh"] == "流失客户"
    assert seg.loc["j", "segment"] == "Loyal" and seg.loc["e", "segment"] == "Need attention"
    assert list(seg.columns[:4]) == list(s.columns)


def test_segments_of_a_champion_and_a_lost_customer():
    s = pd.DataFrame({"frequency": [9, 0], "recency": [300.0, 0.0], "T": [301.0, 400.0],
                      "total_value": [9000.0, 50.0]}, index=pd.Index(["c1", "c2"], name="customer_id"))
    s.attrs["time_unit"] = "D"
    seg = rfm_segments(s)
    assert seg["segment"].tolist() == ["Champions", "Lost"]
    assert seg["segment_zh"].tolist() == ["重要价值客户", "流失客户"]


def test_default_rule_table_names_every_score_combination():
    names = [r[0] for r in SEGMENT_RULES]
    assert names == ["Champions", "Loyal", "New customers", "Potential loyalists", "Promising", "Need attention",
                     "About to sleep", "Can't lose them", "At risk", "Lost", "Hibernating"]
    from crmkit.value.rfm import _apply_rules

    # every score combination, active or not, new or not (a new customer is active)
    combos = [(*rfm, active, new) for rfm in itertools.product(range(1, 6), repeat=3)
              for active, new in ((True, True), (True, False), (False, False))]
    scores = pd.DataFrame(combos, columns=["R", "F", "M", "active", "new"])
    assert len(scores) == 375
    segment, _ = _apply_rules(scores, SEGMENT_RULES)
    assert "Other" not in segment.categories and len(set(segment)) == len(SEGMENT_RULES)


@FAST
@given(n=st.integers(1, 300), seed=st.integers(0, 10_000), ties=st.sampled_from(["first", "min"]))
def test_scores_are_1_to_5_and_independent_of_row_order(n, seed, ties):
    s = _summary(n, seed)
    seg = rfm_segments(s, ties=ties)
    for letter in "RFM":
        assert seg[letter].between(1, 5).all()
    assert (seg["rfm_score"] == seg["R"].astype(str) + seg["F"].astype(str) + seg["M"].astype(str)).all()
    shuffled = rfm_segments(s.sample(frac=1, random_state=seed), ties=ties).loc[s.index]
    pd.testing.assert_frame_equal(shuffled, seg)
    if ties == "first" and n >= 5:
        sizes = seg["F"].value_counts()
        assert sizes.max() - sizes.min() <= 1  # quintiles of ranks: equal groups
    if ties == "min":
        assert (seg.groupby("frequency")["F"].nunique() == 1).all()  # equal values, equal scores
    # higher values never score lower
    for letter, col in (("F", "frequency"), ("M", "total_value")):
        ordered = seg.sort_values([col, letter])
        assert ordered[letter].is_monotonic_increasing


def test_rule_table_can_be_overridden():
    s = _summary(200)
    rules = [
        ("VIP", "贵宾", {"F": (5, 5), "M": (4, 5)}),
        ("Recent", "近期客户", lambda scores: scores["R"] >= 4),
    ]
    seg = rfm_segments(s, rules=rules)
    assert list(seg["segment"].cat.categories) == ["VIP", "Recent", "Other"]
    vip = (seg["F"] == 5) & (seg["M"] >= 4)
    assert (seg.loc[vip, "segment"] == "VIP").all() and (seg.loc[vip, "segment_zh"] == "贵宾").all()
    recent = ~vip & (seg["R"] >= 4)
    assert (seg.loc[recent, "segment"] == "Recent").all()
    assert (seg.loc[~vip & ~recent, "segment_zh"] == "其他").all()


@pytest.mark.parametrize("rules", [
    [("A", "甲", {"X": (1, 2)})],
    [("A", "甲", {"R": (0, 2)})],
    [("A", "甲", {"R": (4, 2)})],
    [("A", "甲", {}), ("A", "乙", {})],
    [("A", "甲")],
])
def test_bad_rule_tables_are_refused(rules):
    with pytest.raises(ValueInputError) as err:
        rfm_segments(_summary(20), rules=rules)
    assert err.value.column == "rules"


def test_segments_on_demo_data(orders, data):
    seg = rfm_segments(rfm_summary(orders, as_of=data.as_of))
    assert set(seg["segment"].cat.categories) == {r[0] for r in SEGMENT_RULES}
    means = seg.groupby("segment", observed=True)[["frequency", "repeat_mean_value"]].mean()
    # champions buy more often and spend more per purchase than the lost
    assert means.loc["Champions", "frequency"] > 3 * means.loc["Lost", "frequency"]
    assert means.loc["Champions", "repeat_mean_value"] > means.loc["Lost", "repeat_mean_value"]


# ----------------------------------------------------------------------------- value grades


def test_value_grades_by_hand():
    orders = _orders([
        ("a", "2025-01-10", 1000.0, 100.0),  # more than a year before as_of: not potential
        ("a", "2026-03-01", 100.0, 10.0),
        ("b", "2026-02-01", 300.0, 150.0),
        ("c", "2026-03-10", 50.0, 5.0),
        ("c", "2026-05-01", 999.0, 999.0),   # after as_of: ignored
    ])
    g = value_grades(orders, as_of="2026-03-31")
    assert g.loc["a", "amount"] == 1100.0 and g.loc["a", "profit"] == 110.0 and g.loc["a", "potential"] == 100.0
    assert g["amount_score"].tolist() == [100.0, 50.0, 0.0]
    assert g["profit_score"].tolist() == [50.0, 100.0, 0.0]
    assert g["potential_score"].tolist() == [50.0, 100.0, 0.0]
    # a: 0.4*100 + 0.3*50 + 0.3*50 = 70 -> B;  b: 0.4*50 + 0.3*100 + 0.3*100 = 80 -> A;  c: 0 -> E
    assert g["score"].tolist() == pytest.approx([70.0, 80.0, 0.0])
    assert g["value_grade"].tolist() == ["B", "A", "E"]
    assert g["value_grade"].dtype == pd.CategoricalDtype(list("ABCDE"))


def test_value_grades_use_a_given_clv_and_configurable_cuts():
    orders = _orders([("a", "2026-01-01", 100.0, 10.0), ("b", "2026-01-01", 200.0, 20.0)])
    clv = pd.Series({"a": 5000.0, "b": 10.0, "zz": 1.0})  # extra customers are ignored
    g = value_grades(orders, clv=clv, weights={"potential": 1.0}, cuts=(90, 70, 50, 30))
    assert g["potential"].tolist() == [5000.0, 10.0]
    assert g["value_grade"].tolist() == ["A", "E"]
    g2 = value_grades(orders, clv=clv.rename("clv").to_frame(), weights={"potential": 1.0})
    pd.testing.assert_frame_equal(g2, value_grades(orders, clv=clv, weights={"potential": 1.0}))
    with pytest.raises(ValueInputError, match="no CLV") as err:
        value_grades(orders, clv=pd.Series({"a": 1.0}))
    assert err.value.rows == ["b"]


@pytest.mark.parametrize("weights", [{"amount": 0.5, "profit": 0.4}, {"amount": 0.7, "profit": 0.7},
                                     {"amount": -0.2, "profit": 1.2}, {"revenue": 1.0}])
def test_weights_must_be_known_non_negative_and_sum_to_one(weights):
    orders = _orders([("a", "2026-01-01", 100.0, 10.0)])
    with pytest.raises(ValueInputError) as err:
        value_grades(orders, weights=weights)
    assert err.value.column == "weights"


@pytest.mark.parametrize("cuts", [(80, 60, 40), (60, 80, 40, 20), (120, 60, 40, 20), {"A": 80, "B": 60}])
def test_cuts_must_fall_from_a_to_d(cuts):
    with pytest.raises(ValueInputError) as err:
        grade_from_score(pd.Series([50.0]), cuts)
    assert err.value.column == "cuts"


def test_profit_is_only_needed_when_it_weighs(store_orders):
    no_margin = store_orders.drop(columns="gross_margin")
    # explicit weights that give profit a share need the margins
    with pytest.raises(ValueInputError, match="gross_margin"):
        value_grades(no_margin, weights={"amount": 0.4, "profit": 0.3, "potential": 0.3})
    g = value_grades(no_margin, weights={"amount": 0.5, "potential": 0.5})
    assert g["profit"].isna().all() and g["value_grade"].notna().all()
    # default weights: the score weighs what is there (tests/test_value_units.py covers it)
    with pytest.warns(ValueWeightsWarning):
        assert value_grades(no_margin)["value_grade"].notna().all()


@FAST
@given(scores=st.lists(st.floats(0, 100), min_size=1, max_size=50))
def test_grades_never_improve_as_the_score_falls(scores):
    grades = grade_from_score(pd.Series(scores))
    ranked = sorted(zip(scores, grades.astype(str)), key=lambda p: -p[0])
    codes = ["ABCDE".index(g) for _, g in ranked]
    assert codes == sorted(codes)


def test_value_grades_on_demo_data(store_orders, data):
    before = store_orders.copy()
    g = value_grades(store_orders, as_of=data.as_of)
    pd.testing.assert_frame_equal(store_orders, before)
    assert len(g) == store_orders["customer_id"].nunique()
    assert g["score"].between(0, 100).all()
    for part in ("amount", "profit", "potential"):
        assert g[f"{part}_score"].between(0, 100).all()
    assert g["score"].to_numpy() == pytest.approx(sum(DEFAULT_WEIGHTS[p] * g[f"{p}_score"] for p in DEFAULT_WEIGHTS))
    by_grade = g.groupby("value_grade", observed=True)["amount"].median()
    assert by_grade.is_monotonic_decreasing and by_grade.index.tolist() == list("ABCDE")


# ----------------------------------------------------------------------------- abc


def test_abc_by_hand():
    out = abc(pd.Series({"d": 4.0, "b": 20.0, "a": 70.0, "c": 6.0, "e": -3.0}))
    assert out.index.tolist() == ["a", "b", "c", "d", "e"]
    assert out["cum_share"].tolist() == pytest.approx([0.70, 0.90, 0.96, 1.0, 1.0])
    assert out["abc_class"].tolist() == ["A", "A", "B", "C", "C"]
    assert out["cum_customer_share"].tolist() == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert out["rank"].tolist() == [1, 2, 3, 4, 5]


def test_abc_exactly_reached_share_closes_the_class():
    out = abc(pd.Series({"a": 80.0, "b": 15.0, "c": 5.0}))
    assert out["abc_class"].tolist() == ["A", "B", "C"]


def test_abc_from_orders_equals_abc_from_revenue(orders):
    by_orders = abc(orders)
    revenue = orders.groupby("customer_id")["amount"].sum()
    pd.testing.assert_frame_equal(by_orders, abc(revenue), check_names=False)
    a = by_orders[by_orders["abc_class"] == "A"]
    assert a["share"].sum() >= 0.8 > a["share"].sum() - a["share"].iloc[-1]
    assert 0.05 < len(a) / len(by_orders) < 0.6  # a Pareto-like few buy most


@FAST
@given(values=st.lists(st.integers(0, 50).map(float), min_size=1, max_size=60).filter(lambda v: sum(v) > 0),
       seed=st.integers(0, 1000))
def test_abc_shares_are_monotone_and_ties_deterministic(values, seed):
    series = pd.Series(values, index=[f"c{i:02d}" for i in range(len(values))])
    out = abc(series)
    assert out["cum_share"].is_monotonic_increasing and out["cum_share"].iloc[-1] == pytest.approx(1.0)
    assert out["value"].is_monotonic_decreasing
    assert out["abc_class"].astype(str).tolist() == sorted(out["abc_class"].astype(str))
    shuffled = abc(series.sample(frac=1, random_state=seed))
    pd.testing.assert_frame_equal(shuffled, out)
    # A is the smallest top set that reaches 80 %
    n_a = int((out["abc_class"] == "A").sum())
    assert out["cum_share"].iloc[n_a - 1] >= 0.8 - 1e-12
    if n_a > 1:
        assert out["cum_share"].iloc[n_a - 2] < 0.8


def test_abc_refuses_bad_shares_and_no_revenue():
    with pytest.raises(ValueInputError, match="shares"):
        abc(pd.Series({"a": 1.0}), shares=(0.95, 0.8))
    with pytest.raises(ValueInputError, match="not positive"):
        abc(pd.Series({"a": 0.0, "b": -1.0}))


# ----------------------------------------------------------------------------- clusters


@pytest.fixture(scope="module")
def demo_summary(orders, data):
    return rfm_summary(orders, as_of=data.as_of)


def test_kmeans_is_deterministic_and_its_silhouette_is_a_silhouette(demo_summary):
    first = kmeans_segments(demo_summary, k=4, random_state=0)
    again = kmeans_segments(demo_summary, k=4, random_state=0)
    assert -1 <= first.silhouette <= 1 and first.silhouette == again.silhouette
    pd.testing.assert_frame_equal(first.segments, again.segments)
    assert first.segments.index.equals(demo_summary.index)
    assert sorted(first.segments["cluster"].unique()) == [0, 1, 2, 3]
    assert first.profiles["size"].sum() == len(demo_summary)
    assert first.profiles["cluster_name"].is_unique
    # cluster 0 is the most valuable: buys more often and spends more than the last one
    top, bottom = first.profiles.iloc[0], first.profiles.iloc[-1]
    assert top["frequency"] > bottom["frequency"] and top["total_value"] > bottom["total_value"]


def test_kmeans_names_follow_the_centres(demo_summary):
    result = kmeans_segments(demo_summary, k=3)
    z = result.profiles[["z_log_days_since_last", "z_log_frequency", "z_log_total_value"]]
    for (_, row), name in zip(z.iterrows(), result.profiles["cluster_name_zh"]):
        important = row["z_log_total_value"] > 0
        assert name.startswith("重要" if important else "一般")


def test_choose_k_gives_a_silhouette_per_k(demo_summary):
    table = choose_k(demo_summary, ks=[2, 3, 5])
    assert table.index.tolist() == [2, 3, 5]
    assert table["silhouette"].between(-1, 1).all()
    assert table["inertia"].is_monotonic_decreasing


def test_kmeans_refuses_too_few_customers():
    with pytest.raises(ValueInputError, match="clusters need more"):
        kmeans_segments(_summary(3), k=4)
    assert rfm_features(_summary(3)).shape == (3, 3)


# ----------------------------------------------------------------------------- migration


@pytest.mark.parametrize("method", ["rfm", "value_grade", "abc"])
def test_migration_counts_every_customer_once(orders, method):
    m = segment_migration(orders, since="2025-11-01", as_of="2026-10-31", method=method)
    bought_by_end = orders.loc[orders["ordered_at"] < "2026-11-01", "customer_id"].nunique()
    bought_by_start = orders.loc[orders["ordered_at"] < "2025-11-02", "customer_id"].nunique()
    assert int(m.to_numpy().sum()) == bought_by_end
    assert int(m.loc[NEW_ROW].sum()) == bought_by_end - bought_by_start
    assert m.index[-1] == NEW_ROW and m.index.name == "from" and m.columns.name == "to"


@pytest.mark.parametrize("method", ["rfm", "value_grade", "abc"])
def test_migration_over_no_time_stays_on_the_diagonal(orders, method):
    m = segment_migration(orders, since="2026-06-30", as_of="2026-06-30", method=method)
    square = m.drop(index=NEW_ROW)
    assert m.loc[NEW_ROW].sum() == 0
    assert int(np.trace(square.to_numpy())) == int(m.to_numpy().sum())


def test_migration_by_hand():
    orders = _orders([
        ("a", "2026-01-05", 10.0), ("b", "2026-01-20", 300.0),
        ("a", "2026-03-01", 500.0), ("c", "2026-03-10", 50.0),
    ])
    m = segment_migration(orders, since="2026-01-31", as_of="2026-03-31", method="abc")
    # January (total 310): b is A; a has 97 % above it, so C.
    # March (total 860): a 510 is A, b 300 has 59 % above it (A), c 50 has 94 % above it (B).
    assert m.loc["A", "A"] == 1 and m.loc["C", "A"] == 1 and m.loc[NEW_ROW, "B"] == 1
    assert int(m.to_numpy().sum()) == 3


def test_migration_refuses_reversed_dates_and_unknown_methods(orders):
    with pytest.raises(ValueInputError, match="after"):
        segment_migration(orders, since="2026-06-30", as_of="2026-01-01")
    with pytest.raises(ValueInputError, match="method"):
        segment_migration(orders, since="2026-01-01", as_of="2026-06-30", method="clv")
