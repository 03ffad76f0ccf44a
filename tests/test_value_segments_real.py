"""RFM segment names never contradict the data (crmkit/value/rfm.py: SEGMENT_RULES, rfm_segments).

Two books as other tools export them (an account list and an order list, English headers, no
id columns, the tool's own status words), imported into a real SQLite store and read back with
``crm.orders()``:

* a B2B book where every account orders about monthly: the least recent fifth bought a few
  weeks ago (not "Lost"), and the accounts with the fewest orders have a year of them (not "New");
* a retail book where most customers bought once: a one-time buyer of 507 scores on 507.

Every customer's segment is checked against facts computed here from the orders themselves
(days since the last and the first purchase), and against the rule table: the customer's rule
holds and no earlier rule does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit import value
from crmkit.exceptions import ValueInputError
from crmkit.value.rfm import ACTIVE_DAYS, SEGMENT_RULES, describe_rules

AS_OF = pd.Timestamp("2026-06-30")
#: Names that say a customer buys now, and names that say a customer stopped.
BUYING_NOW = {"Champions", "Loyal", "New customers", "Potential loyalists", "Promising", "Need attention",
              "About to sleep"}
STOPPED = {"Can't lose them", "At risk", "Lost", "Hibernating"}


def _import(tmp_path: Path, orders: pd.DataFrame, name: str) -> pd.DataFrame:
    """Write the book the way a web shop / CRM exports it, import it, and read the orders back."""
    accounts = tmp_path / f"{name}_accounts.csv"
    pd.DataFrame({"Account": sorted(orders["customer"].unique()), "Country": "CN"}).to_csv(accounts, index=False)
    order_file = tmp_path / f"{name}_orders.csv"
    pd.DataFrame({"Account": orders["customer"], "Created at": orders["when"].dt.strftime("%Y-%m-%d %H:%M:%S"),
                  "Total": orders["amount"], "Status": orders["status"]}).to_csv(order_file, index=False)
    with crmkit.open(tmp_path / f"{name}.db") as crm:
        crm.import_file(accounts, table="customers", columns={"Account": ["name", "customer_id"]})
        crm.import_file(order_file, table="orders",
                        columns={"Account": "customer_id", "Created at": "ordered_at", "Total": "amount"})
        return crm.orders()


@pytest.fixture(scope="module")
def b2b_orders(tmp_path_factory):
    """240 accounts ordering every 25–35 days until the end of June 2026; 20 of them began in
    the last 90 days. Nobody has stopped."""
    rng = np.random.default_rng(11)
    rows = []
    for i in range(240):
        began = AS_OF - pd.Timedelta(days=int(rng.integers(15, 85) if i < 20 else rng.integers(400, 1100)))
        day = began + pd.Timedelta(hours=9)
        while day <= AS_OF:
            rows.append((f"Acme Trading {i:03d}", day, round(float(rng.gamma(3.0, 4000.0)), 2), "Closed Won"))
            day += pd.Timedelta(days=int(rng.integers(25, 36)))
        if rows[-1][1] < AS_OF - pd.Timedelta(days=40):  # keep every account buying into June
            rows.append((f"Acme Trading {i:03d}", AS_OF - pd.Timedelta(days=3), 1000.0, "Closed Won"))
    return _import(tmp_path_factory.mktemp("b2b"), pd.DataFrame(rows, columns=["customer", "when", "amount", "status"]),
                   "b2b")


@pytest.fixture(scope="module")
def retail_orders(tmp_path_factory):
    """800 shoppers over two years, two thirds of whom bought once; one of them bought once for 507."""
    rng = np.random.default_rng(5)
    rows = []
    for i in range(800):
        first = AS_OF - pd.Timedelta(days=int(rng.integers(0, 730)), hours=int(rng.integers(0, 12)))
        visits = 1 if i % 3 else int(rng.integers(2, 9))
        days = np.sort(rng.uniform(0, (AS_OF - first).days + 0.5, visits - 1))
        for when in [first, *(first + pd.to_timedelta(days, unit="D"))]:
            rows.append((f"shopper{i:04d}@example.com", when, round(float(rng.gamma(2.0, 40.0)), 2), "paid"))
    rows.append(("big.once@example.com", AS_OF - pd.Timedelta(days=200), 507.0, "paid"))
    return _import(tmp_path_factory.mktemp("retail"),
                   pd.DataFrame(rows, columns=["customer", "when", "amount", "status"]), "retail")


def _facts(orders: pd.DataFrame) -> pd.DataFrame:
    """Days since each customer's last and first purchase, straight from the orders."""
    days = orders["ordered_at"].dt.normalize()
    by = days.groupby(orders["customer_id"])
    out = pd.DataFrame({"since_last": (AS_OF - by.max()).dt.days, "since_first": (AS_OF - by.min()).dt.days,
                        "purchase_days": by.nunique(), "spent": orders.groupby("customer_id")["amount"].sum()})
    out["active"] = out["since_last"] <= ACTIVE_DAYS
    out["new"] = out["since_first"] <= ACTIVE_DAYS
    return out


def _holds(condition, row) -> bool:
    for key, bounds in condition.items():
        if key in ("active", "new"):
            if bool(row[key]) != bounds:
                return False
        elif not bounds[0] <= row[key] <= bounds[1]:
            return False
    return True


def _check_against_the_rule_table(segments: pd.DataFrame, facts: pd.DataFrame) -> None:
    """Each customer's rule holds on the facts computed from the orders; no earlier rule does."""
    rows = segments[["R", "F", "M", "segment"]].join(facts[["active", "new"]])
    names = [name for name, _, _ in SEGMENT_RULES]
    for customer, row in rows.iterrows():
        position = names.index(row["segment"])
        assert _holds(SEGMENT_RULES[position][2], row), (customer, row.to_dict())
        earlier = [names[i] for i in range(position) if _holds(SEGMENT_RULES[i][2], row)]
        assert not earlier, (customer, row["segment"], earlier)


def _names_agree_with_the_facts(segments: pd.DataFrame, facts: pd.DataFrame) -> None:
    seg = segments["segment"].astype(str)
    assert facts.loc[seg[seg.isin(BUYING_NOW)].index, "active"].all()
    assert not facts.loc[seg[seg.isin(STOPPED)].index, "active"].any()
    # "New customers" first bought within the window; a new customer is only ever given a
    # stronger name (Champions, Loyal) instead
    assert facts.loc[seg[seg == "New customers"].index, "new"].all()
    assert seg[facts.loc[seg.index, "new"]].isin({"New customers", "Champions", "Loyal"}).all()


def test_b2b_book_of_monthly_buyers_has_nobody_lost_and_nobody_new_with_a_year_of_orders(b2b_orders):
    summary = value.rfm_summary(b2b_orders, as_of=AS_OF, time_unit="W")  # any unit: names are in days
    segments = value.rfm_segments(summary)
    facts = _facts(b2b_orders).loc[segments.index]
    assert facts["since_last"].max() <= 40  # the book: everyone bought in the last period
    seg = segments["segment"].astype(str)
    # the scores are relative: a fifth still scores R = 1, and the fewest purchases F = 1 ...
    assert (segments["R"] == 1).sum() >= 30 and (segments["F"] == 1).any()
    # ... but no name says they stopped, and "New" is only for accounts that began this quarter
    assert not seg.isin(STOPPED).any()
    new = seg == "New customers"
    assert new.sum() >= 15 and facts.loc[new, "since_first"].max() <= ACTIVE_DAYS
    year_of_orders = facts["purchase_days"] >= 12
    assert (year_of_orders & (segments["F"] == 1)).any()  # the old table called these New (R5 F1) ...
    assert not seg[year_of_orders].eq("New customers").any()  # ... this one does not
    _names_agree_with_the_facts(segments, facts)
    _check_against_the_rule_table(segments, facts)
    # the same names from a daily summary of the same orders
    daily = value.rfm_segments(value.rfm_summary(b2b_orders, as_of=AS_OF, time_unit="D"))
    pd.testing.assert_series_equal(daily["segment"].astype(str), seg)


def test_retail_book_of_one_time_buyers_scores_money_on_every_purchase(retail_orders):
    summary = value.rfm_summary(retail_orders, as_of=AS_OF)
    segments = value.rfm_segments(summary)
    facts = _facts(retail_orders).loc[segments.index]
    assert (summary["frequency"] == 0).mean() > 0.6
    big = "big.once@example.com"
    assert summary.loc[big, "repeat_mean_value"] == 0  # the Gamma-Gamma convention: repeat purchases only
    assert summary.loc[big, "total_value"] == 507.0
    np.testing.assert_allclose(summary["total_value"], facts["spent"].astype(float), rtol=1e-12)
    assert (facts["spent"] < 507).mean() > 0.8  # 507 is among the top fifth of spenders ...
    assert segments.loc[big, "M"] == 5  # ... and scores so (it scored 1 on the repeat mean)
    one_timers = segments[summary["frequency"] == 0]
    assert one_timers["M"].nunique() == 5  # one-time buyers are told apart by what they spent
    seg = segments["segment"].astype(str)
    assert seg[big] in STOPPED  # 200 days without a purchase
    assert set(seg[facts["new"]]) <= {"New customers", "Champions", "Loyal"}
    _names_agree_with_the_facts(segments, facts)
    _check_against_the_rule_table(segments, facts)
    assert set(seg) >= {"New customers", "Lost", "Hibernating"}


def test_the_repeat_mean_scores_m_only_when_asked(retail_orders):
    summary = value.rfm_summary(retail_orders, as_of=AS_OF)
    lifetimes_like = summary.drop(columns="total_value")
    with pytest.raises(ValueInputError, match="one-time buyer of 507") as info:
        value.rfm_segments(lifetimes_like)
    assert info.value.column == "total_value"
    asked = value.rfm_segments(lifetimes_like, monetary_col="repeat_mean_value")
    assert asked.loc["big.once@example.com", "M"] == 1


def test_the_rule_table_states_each_names_conditions():
    table = describe_rules(active_days=60)
    assert list(table["segment"]) == [name for name, _, _ in SEGMENT_RULES]
    rules = dict(zip(table["segment"], table["conditions"]))
    assert rules["Lost"] == "no purchase in the last 60 days; R 1"
    assert rules["New customers"] == "first purchase in the last 60 days"
    assert rules["Champions"] == "bought in the last 60 days; R 4–5; F 4–5; M 4–5"
    zh = describe_rules(lang="zh")
    assert zh.loc[zh["segment"] == "Lost", "conditions"].item() == "最近 90 天内没有购买; R 1"
    assert zh.loc[zh["segment"] == "Lost", "label"].item() == "流失客户"


def test_active_days_is_a_setting(b2b_orders):
    summary = value.rfm_summary(b2b_orders, as_of=AS_OF)
    strict = value.rfm_segments(summary, active_days=7)
    facts = _facts(b2b_orders).loc[strict.index]
    assert (strict["active"] == (facts["since_last"] <= 7)).all()
    assert strict["segment"].astype(str).isin(STOPPED).any()  # a week's silence is enough, if you say so
    with pytest.raises(ValueInputError, match="active_days"):
        value.rfm_segments(summary, active_days=0)
