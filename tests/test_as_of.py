"""One meaning of ``as_of`` (crmkit/timeframe.py) across value, close, the widgets, the report and
the demo: a calendar day, inclusive, keyword-only, defaulting to the data date."""

from __future__ import annotations

import datetime as dt
import inspect

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit import close, demo, value
from crmkit.exceptions import AsOfError
from crmkit.reports import content
from crmkit.timeframe import as_of_day, default_as_of, end_of, resolve_as_of

AS_OF = "2026-06-30"  # mid-history: the demo store holds four months of later records


# ----------------------------------------------------------------------------- the convention itself


@pytest.mark.parametrize("given", ["2026-06-30", "2026-06-30 00:00", dt.date(2026, 6, 30), dt.datetime(2026, 6, 30),
                                   pd.Timestamp("2026-06-30"), np.datetime64("2026-06-30"),
                                   pd.Timestamp("2026-06-30", tz="Asia/Shanghai")])
def test_a_day_may_be_given_any_usual_way(given):
    assert as_of_day(given) == pd.Timestamp("2026-06-30")
    assert end_of(given) == pd.Timestamp("2026-07-01")


@pytest.mark.parametrize("given", ["2026-06-30 14:00", dt.datetime(2026, 6, 30, 0, 0, 1),
                                   pd.Timestamp("2026-06-30 23:59:59.999")])
def test_a_time_of_day_is_refused_with_a_message_saying_as_of_is_a_day(given):
    with pytest.raises(AsOfError, match="time of day.*as_of is a calendar day") as err:
        as_of_day(given)
    assert isinstance(err.value, ValueError) and err.value.name == "as_of" and err.value.value == given


@pytest.mark.parametrize("given", [None, "", "not a date", pd.NaT])
def test_a_missing_or_unreadable_day_is_refused(given):
    with pytest.raises(AsOfError):
        as_of_day(given, name="since")


def test_the_default_is_the_newest_activity_of_frames_and_today_only_without_any():
    orders = pd.DataFrame({"ordered_at": pd.to_datetime(["2025-01-05 09:00", "2025-03-09 17:30", None])})
    assert default_as_of(orders) == default_as_of(orders["ordered_at"]) == pd.Timestamp("2025-03-09")
    tables = {"orders": orders, "interactions": pd.DataFrame({"occurred_at": pd.to_datetime(["2025-04-01 10:00"])}),
              "customers": pd.DataFrame({"created_at": pd.to_datetime(["2025-12-31"])})}  # not an activity
    assert default_as_of(tables) == pd.Timestamp("2025-04-01")
    assert resolve_as_of(None, tables) == pd.Timestamp("2025-04-01")
    assert resolve_as_of("2025-02-01", tables) == pd.Timestamp("2025-02-01")
    today = pd.Timestamp.today().normalize()
    assert default_as_of(orders.iloc[:0]) == today and default_as_of({}) == today


# ----------------------------------------------------------------------------- a demo store


@pytest.fixture(scope="module")
def historical(tmp_path_factory):
    """A demo store whose history ends 2025-12-31, so its data date is certainly not today."""
    data = demo.generate(n_customers=300, seed=21, end="2025-12-31", years=1.5)
    crm = crmkit.open(tmp_path_factory.mktemp("asof") / "hist.db", user="tester")
    demo.load_into(crm, data)
    yield crm, data
    crm.close()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    data = demo.generate(n_customers=400, seed=17)
    url = f"sqlite:///{tmp_path_factory.mktemp('asof') / 'crm.db'}"
    crm = crmkit.open(url, user="tester")
    demo.load_into(crm, data, history=False)
    yield crm, url
    crm.close()


def test_the_same_orders_and_day_give_the_same_segments_in_value_the_explorer_and_the_report(demo_store):
    pytest.importorskip("ipydatagrid")
    from crmkit.widgets.explorer import SegmentExplorer, segment_customers

    crm, url = demo_store
    orders = crm.orders()
    assert (orders["ordered_at"] >= end_of(AS_OF)).sum() > 50  # later orders exist, and must not count
    in_value = value.rfm_segments(value.rfm_summary(orders, as_of=AS_OF))["segment"].value_counts()
    in_value = in_value[in_value > 0].sort_index()

    explorer = SegmentExplorer(crm, lang="en", as_of=AS_OF)
    in_explorer = explorer.segments["segment"].astype(object).value_counts().sort_index()
    function = segment_customers(orders, as_of=AS_OF, lang="en")["segment"].astype(object).value_counts().sort_index()

    month = content.load_month(url, "2026-06")
    assert month.as_of == pd.Timestamp(AS_OF)
    in_report = content.segments(month).data["segments"].sort_index()

    assert in_value.sum() > 100
    for other in (in_explorer, function, in_report):
        assert other.to_dict() == in_value.to_dict()


def _one_customer_store(path):
    crm = crmkit.open(path, user="tester")
    c = crm.add("customers", {"name": "华信科技", "created_at": "2025-01-01"})["customer_id"]
    crm.add("opportunities", {"customer_id": c, "title": "旧项目", "stage": "quoted", "intent_grade": "A",
                              "created_at": "2026-01-10", "status": "open"})
    return crm, c


def test_an_order_on_the_as_of_day_counts_and_one_the_day_after_does_not(tmp_path):
    crm, c = _one_customer_store(tmp_path / "x.db")
    crm.add("orders", {"customer_id": c, "ordered_at": "2026-03-01 10:00", "amount": 100})
    crm.add("orders", {"customer_id": c, "ordered_at": "2026-03-31 23:30", "amount": 10})  # on as_of, late
    crm.add("orders", {"customer_id": c, "ordered_at": "2026-04-01 00:00", "amount": 1})   # the next midnight
    orders = crm.orders()

    summary = value.rfm_summary(orders, as_of="2026-03-31")
    assert summary.loc[c, "frequency"] == 1 and summary.loc[c, "T"] == 30.0
    assert value.rfm_summary(orders, as_of="2026-04-01").loc[c, "frequency"] == 2
    assert value.value_grades(orders, as_of="2026-03-31", weights={"amount": 1.0}).loc[c, "amount"] == 110.0
    assert value.abc(orders, as_of="2026-03-31").loc[c, "value"] == 110.0
    moves = value.segment_migration(orders, since="2026-03-30", as_of="2026-03-31", method="abc")
    assert int(moves.to_numpy().sum()) == 1 and int(moves.loc["New/none"].sum()) == 0

    day = close.opportunity_features(crm, as_of="2026-03-31")
    assert day["orders_count"].tolist() == [1 + 1] and day["revenue"].tolist() == [110.0]
    assert day["days_since_last_order"].tolist() == [0]
    assert close.opportunity_features(crm, as_of="2026-04-01")["orders_count"].tolist() == [3]
    crm.close()


def test_close_features_count_contacts_and_cards_of_the_as_of_day(tmp_path):
    crm, c = _one_customer_store(tmp_path / "x.db")
    crm.add("interactions", {"customer_id": c, "occurred_at": "2026-03-31 18:00", "channel": "phone"})
    crm.add("opportunities", {"customer_id": c, "title": "当天", "stage": "contacted", "created_at": "2026-03-31",
                              "status": "open"})
    crm.add("opportunities", {"customer_id": c, "title": "次日", "stage": "contacted", "created_at": "2026-04-01",
                              "status": "open"})
    X = close.opportunity_features(crm, as_of="2026-03-31")
    assert len(X) == 2 and sorted(X["age_days"].tolist()) == [0, 80]  # opened on as_of: open, 0 days old
    assert X["days_since_contact"].tolist() == [0, 0] and X["contacts_7d"].tolist() == [1, 1]
    before = close.opportunity_features(crm, as_of="2026-03-30")
    assert len(before) == 1 and before["contacts_7d"].tolist() == [0] and before["days_since_contact"].isna().all()
    plan = close.followups(crm, as_of="2026-03-31")
    assert not plan["overdue"].any()  # contacted that very day
    crm.close()


def test_time_of_day_is_refused_everywhere(demo_store):
    crm, _ = demo_store
    orders = crm.orders()
    calls = [
        lambda: value.rfm_summary(orders, as_of="2026-06-30 14:00"),
        lambda: value.value_grades(orders, as_of="2026-06-30 14:00"),
        lambda: value.segment_migration(orders, since="2026-05-31 08:00", as_of=AS_OF),
        lambda: close.opportunity_features(crm, as_of="2026-06-30 14:00"),
        lambda: close.backtest(crm, cutoff="2026-06-30 14:00"),
    ]
    for call in calls:
        with pytest.raises(AsOfError, match="calendar day"):
            call()


def _keyword_only_as_of():
    from crmkit.widgets.board import open_cards
    from crmkit.widgets.explorer import segment_customers

    return [value.rfm_summary, value.value_grades, value.abc, value.segment_migration, close.opportunity_features,
            close.features_from_tables, close.score_open_opportunities, close.followups, close.plan_followups,
            close.won_within, segment_customers, open_cards, demo.true_close_probability, demo.opportunity_state]


def test_as_of_and_its_companions_are_keyword_only():
    pytest.importorskip("ipydatagrid")
    for function in _keyword_only_as_of():
        kind = inspect.signature(function).parameters["as_of"].kind
        assert kind is inspect.Parameter.KEYWORD_ONLY, function.__qualname__
    assert inspect.signature(value.segment_migration).parameters["since"].kind is inspect.Parameter.KEYWORD_ONLY
    for function, name in ((close.backtest, "cutoff"), (close.training_snapshots, "cutoff")):
        assert inspect.signature(function).parameters[name].kind is inspect.Parameter.KEYWORD_ONLY


def test_a_positional_as_of_raises_type_error(demo_store):
    from crmkit.widgets.explorer import segment_customers

    crm, _ = demo_store
    orders = crm.orders()
    for call in (lambda: value.rfm_summary(orders, AS_OF), lambda: value.segment_migration(orders, "2026-05-31", AS_OF),
                 lambda: close.opportunity_features(crm, AS_OF), lambda: close.followups(crm, AS_OF),
                 lambda: close.score_open_opportunities(crm, AS_OF), lambda: close.backtest(crm, AS_OF),
                 lambda: segment_customers(orders, AS_OF)):
        with pytest.raises(TypeError):
            call()


# ----------------------------------------------------------------------------- stores without interactions


def _partial_store(path, tables):
    data = demo.generate(n_customers=150, seed=8, end="2025-12-31", years=1.5)
    crm = crmkit.open(path, user="tester")
    for name in tables:
        crm.import_frame(data.tables[name], name)
    return crm


@pytest.mark.parametrize("tables", [("customers",), ("customers", "orders")], ids=["customers", "customers+orders"])
def test_a_store_without_interactions_scores_builds_features_and_reports(tmp_path, tables):
    crm = _partial_store(tmp_path / "x.db", tables)
    data_date = crm.data_date()
    scored = close.score_open_opportunities(crm)
    assert scored.table.empty and scored.model is None
    assert scored.as_of == (data_date if data_date is not None else pd.Timestamp.today().normalize())
    assert close.opportunity_features(crm).empty and close.followups(crm).empty
    month = content.load_month(crm.url, "2025-12")
    for section in content.SECTIONS:
        section(month)  # no error, whatever the section finds to say
    crm.close()


def test_a_store_with_cards_but_no_interactions_scores_its_open_cards(tmp_path):
    crm = _partial_store(tmp_path / "x.db", ("customers", "orders", "opportunities"))
    assert len(crm.interactions()) == 0
    scored = close.score_open_opportunities(crm)  # was: 'NaTType' object has no attribute 'normalize'
    assert scored.as_of == crm.data_date() != pd.Timestamp.today().normalize()  # the data date, not today
    assert len(scored.table) > 0
    assert scored.table["probability"].between(0, 1).all()
    assert scored.table["days_since_contact"].isna().all()
    crm.close()


# ----------------------------------------------------------------------------- the default: the data date


def test_a_missing_as_of_is_the_stores_data_date_not_today(historical):
    crm, data = historical
    day = crm.data_date()
    assert day == data.as_of == pd.Timestamp("2025-12-31") != pd.Timestamp.today().normalize()
    pd.testing.assert_frame_equal(close.opportunity_features(crm), close.opportunity_features(crm, as_of=day))
    pd.testing.assert_frame_equal(close.followups(crm), close.followups(crm, as_of=day))
    orders = crm.orders()
    newest = orders["ordered_at"].max().normalize()
    pd.testing.assert_frame_equal(value.rfm_summary(orders), value.rfm_summary(orders, as_of=newest))
    pd.testing.assert_series_equal(demo.true_close_probability(data), demo.true_close_probability(data, as_of=day))


def test_the_widgets_default_to_the_stores_data_date(historical):
    pytest.importorskip("ipydatagrid")
    from crmkit.widgets.board import LeadBoard
    from crmkit.widgets.explorer import SegmentExplorer

    crm, _ = historical
    day = crm.data_date()
    assert SegmentExplorer(crm).as_of.value == day.date()
    board = LeadBoard(crm, scoring="off")
    assert board.as_of == day and board.banner.message == "" and not board.plan.empty
    pd.testing.assert_frame_equal(board.plan, LeadBoard(crm, as_of=day, scoring="off").plan)

