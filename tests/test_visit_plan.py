"""The visit plan (附表二 客户拜访计划): the planner's constraints on hypothesis-generated calendars, and
the saved plan as a record table of the store (import from the form's headers, the 不宜访问时间 rule,
the rep's book, history, export), on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.exceptions import AccessDeniedError, ImportValidationError, RecordValidationError
from crmkit.visit_times import clock_text, parse_clock, parse_visit_times
from crmkit.visits import PlanSettings, due_customers, plan_tables
from crmkit.visits.week import monday

WEEK = pd.Timestamp("2026-11-02")  # a Monday
REPS = ("张伟", "李娜")
CLOSED_TEXTS = (None, None, "周一上午", "周末", "12:00-14:00", "工作日", "周二至周四下午", "周五全天", "每天 9:00-11:00",
                "Mon-Fri 09:00-16:00", "周三 10:00-10:30")


def _frames(rows, *, with_orders=True):
    """customers, interactions, opportunities, orders from generated rows."""
    customers = pd.DataFrame({
        "customer_id": [f"{i:04d}" for i in range(len(rows))],
        "name": [f"客户{i}" for i in range(len(rows))],
        "owner": [r["owner"] for r in rows],
        "value_grade": [r["grade"] for r in rows],
        "region": [r["region"] for r in rows],
        "address": [f"{r['region']}市{'东西'[i % 2]}区人民路{i}号" for i, r in enumerate(rows)],
        "no_visit_times": [parse_visit_times(r["closed"]).text() or None for r in rows],
        "status": "active",
        "created_at": WEEK - pd.Timedelta(days=400),
    })
    contacts = [(f"{i:04d}", WEEK - pd.Timedelta(days=r["contact_days"]) + pd.Timedelta(hours=10),
                 None if r["follow_up"] is None else WEEK + pd.Timedelta(days=r["follow_up"]))
                for i, r in enumerate(rows) if r["contact_days"] is not None]
    interactions = pd.DataFrame(contacts, columns=["customer_id", "occurred_at", "next_date"])
    interactions["next_date"] = pd.to_datetime(interactions["next_date"])
    opportunities = pd.DataFrame({
        "customer_id": [f"{i:04d}" for i, r in enumerate(rows) if r["intent"]],
        "intent_grade": [r["intent"] for r in rows if r["intent"]], "status": "open",
        "created_at": WEEK - pd.Timedelta(days=30)})
    orders = pd.DataFrame({"customer_id": [f"{i:04d}" for i in range(len(rows))],
                           "ordered_at": WEEK - pd.Timedelta(days=20),
                           "amount": [float(r["sales"]) for r in rows]})
    return customers, interactions, opportunities, orders if with_orders else orders.iloc[:0]


customer_rows = st.fixed_dictionaries({
    "owner": st.sampled_from(REPS),
    "grade": st.sampled_from(["A", "B", "C", "D", "E", None]),
    "region": st.sampled_from(["杭州", "宁波", "温州"]),
    "closed": st.sampled_from(CLOSED_TEXTS),
    "contact_days": st.one_of(st.none(), st.integers(0, 200)),
    "follow_up": st.one_of(st.none(), st.integers(-30, 8)),
    "intent": st.sampled_from([None, None, "O", "A", "B", "C"]),
    "sales": st.integers(0, 50_000),
})
plan_settings = st.builds(
    PlanSettings,
    visits_per_day=st.integers(1, 4),
    workdays=st.lists(st.integers(0, 6), min_size=1, max_size=5, unique=True).map(tuple),
    value_cadence=st.fixed_dictionaries({"A": st.integers(1, 30), "C": st.integers(10, 90)}),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(customer_rows, min_size=1, max_size=30), rules=plan_settings)
def test_the_plan_keeps_every_constraint_on_any_calendar(rows, rules):
    customers, interactions, opportunities, orders = _frames(rows)
    plan = plan_tables(customers, interactions, opportunities, orders, week=WEEK, settings=rules)
    due = due_customers(customers, interactions, opportunities, orders, week=WEEK, settings=rules)
    starts = rules.slot_starts()
    days = {WEEK + pd.Timedelta(days=d) for d in rules.workdays}
    owner = customers.set_index("customer_id")["owner"]
    closed = customers.set_index("customer_id")["no_visit_times"]

    # only the week's working days, on the slots, each customer once, only due customers of the rep's own book
    assert set(plan["day"]) <= days and set(plan["time"]) <= {clock_text(s) for s in starts}
    assert plan["customer_id"].is_unique and set(plan["customer_id"]) <= set(due.index)
    assert (plan["customer_id"].map(owner) == plan["rep"]).all()
    # never over a day's capacity, never two visits at once
    per_day = plan.groupby(["rep", "day"]).size()
    assert per_day.empty or per_day.max() <= rules.visits_per_day
    assert not plan.duplicated(["rep", "day", "time"]).any()
    # never in a customer's 不宜访问时间
    for visit in plan.itertuples():
        start = parse_clock(visit.time)
        times = parse_visit_times(closed[visit.customer_id])
        assert not times.blocks(visit.day.weekday(), start, start + rules.visit_minutes), visit

    taken = {(v.rep, v.day, v.time): v.priority for v in plan.itertuples()}
    planned = set(plan["customer_id"])
    for cid, d in due[~due.index.isin(planned)].iterrows():
        times = parse_visit_times(closed[cid])
        for day in days:
            for s in starts:
                open_to_it = not times.blocks(day.weekday(), s, s + rules.visit_minutes)
                # left out only when every slot open to it went to someone: with room, it would be planned ...
                assert not open_to_it or (d["rep"], day, clock_text(s)) in taken
                # ... and only to someone at least as urgent, unless that slot was closed to it anyway
                if open_to_it:
                    assert taken[(d["rep"], day, clock_text(s))] < d["priority"]
    # every overdue customer ranks before every customer merely due this week
    for _, mine in due.groupby("rep"):
        late, soon = mine[mine["overdue"].astype(bool)], mine[~mine["overdue"].astype(bool)]
        if len(late) and len(soon):
            assert late["priority"].max() < soon["priority"].min()


def test_overdue_customers_fill_a_short_week_before_customers_due_later():
    rows = [dict(owner="张伟", grade="A", region="杭州", closed=None, contact_days=60, follow_up=None, intent=None,
                 sales=0) for _ in range(3)]
    rows += [dict(owner="张伟", grade="E", region="杭州", closed=None, contact_days=5, follow_up=3, intent="O",
                  sales=90_000) for _ in range(3)]  # due on Thursday, a better grade, more sales: still later
    customers, interactions, opportunities, orders = _frames(rows)
    plan = plan_tables(customers, interactions, opportunities, orders, week=WEEK,
                       settings=PlanSettings(visits_per_day=1, workdays=(0, 1, 2)))
    assert sorted(plan["customer_id"]) == ["0000", "0001", "0002"]
    assert plan["reason"].str.contains("days overdue").all()


def test_a_customer_closed_on_monday_morning_is_planned_elsewhere_and_one_closed_all_week_not_at_all():
    rows = [dict(owner="张伟", grade="A", region="杭州", closed=c, contact_days=60, follow_up=None, intent=None,
                 sales=0) for c in ("周一上午", "每天")]
    customers, interactions, opportunities, orders = _frames(rows)
    plan = plan_tables(customers, interactions, opportunities, orders, week=WEEK,
                       settings=PlanSettings(visits_per_day=4, workdays=(0,)))
    assert plan[["customer_id", "time"]].values.tolist() == [["0000", "14:00"]]
    assert plan.attrs["due"] == 2 and plan.attrs["unplanned"] == 1


def test_a_days_visits_keep_to_one_area():
    rows = [dict(owner="张伟", grade="A", region=r, closed=None, contact_days=60 - i, follow_up=None, intent=None,
                 sales=0) for i, r in enumerate(["杭州", "宁波", "杭州", "宁波", "杭州", "宁波"])]
    customers, interactions, opportunities, orders = _frames(rows)
    customers["address"] = customers["region"] + "市东区人民路1号"
    plan = plan_tables(customers, interactions, opportunities, orders, week=WEEK,
                       settings=PlanSettings(visits_per_day=3, workdays=(0, 1)))
    assert plan.groupby("day")["area"].nunique().tolist() == [1, 1]


def test_the_plan_is_typed_and_its_reasons_speak_the_language():
    rows = [dict(owner="张伟", grade="B", region="杭州", closed=None, contact_days=40, follow_up=None, intent=None,
                 sales=10)]
    customers, interactions, opportunities, orders = _frames(rows)
    en = plan_tables(customers, interactions, opportunities, orders, week=WEEK, lang="en")
    zh = plan_tables(customers, interactions, opportunities, orders, week=WEEK, lang="zh")
    assert en["reason"].iloc[0] == "value grade B: last contact 40 days ago, a visit every 30 days; 10 days overdue"
    assert zh["reason"].iloc[0] == "B 级客户：上次联系在 40 天前，应每 30 天拜访一次；已超期 10 天"
    assert str(en["day"].dtype) == "datetime64[ns]" and str(en["time"].dtype) == "string"
    assert str(en["priority"].dtype) == "Int64" and isinstance(en["value_grade"].dtype, pd.CategoricalDtype)
    assert en.attrs["week"] == WEEK


def test_the_settings_refuse_what_cannot_be_planned():
    with pytest.raises(ValueError, match="grades are"):
        PlanSettings(value_cadence={"Z": 3})
    with pytest.raises(ValueError, match="do not fit in a day"):
        PlanSettings(visits_per_day=30)
    assert PlanSettings().slot_starts() == (540, 600, 660, 840, 900, 960)
    assert monday("2026-W45") == monday("2026-11-06") == WEEK


# --------------------------------------------------------------------------- the saved plan, in the store


@pytest.fixture
def book(store):
    """Two reps' customers; 000002 must not be visited on Monday mornings."""
    store.import_frame(pd.DataFrame({
        "customer_id": ["000001", "000002", "000003"], "name": ["华信科技", "东方贸易", "<b>北方</b>"],
        "owner": ["张伟", "张伟", "李娜"], "value_grade": ["A", "B", "A"], "region": ["华东", "华东", "华北"],
        "no_visit_times": [None, "周一上午", None], "status": "active", "created_at": "2026-01-05"}), "customers")
    store.import_frame(pd.DataFrame({
        "customer_id": ["000001", "000002", "000003"], "occurred_at": ["2026-09-01 10:00"] * 3,
        "channel": "visit", "rep": ["张伟", "张伟", "李娜"]}), "interactions")
    return store


def test_import_from_the_forms_headers(book, tmp_path):
    path = tmp_path / "客户拜访计划.csv"
    path.write_text("客户拜访计划\n业务员,拜访日期,拜访时间,客户编号,拜访目的,状态\n"
                    "张伟,2026/11/2,9点半,000001,回访,计划\n张伟,2026-11-03,14:00,000002,报价,已完成\n",
                    encoding="gbk")
    report = book.import_file(path, "客户拜访计划")
    assert report.inserted == 2
    plan = book.visit_plans(rep="张伟", week="2026-11-02").sort_values("day")
    assert plan["time"].tolist() == ["09:30", "14:00"] and plan["status"].tolist() == ["planned", "done"]
    assert plan["day"].tolist() == [pd.Timestamp("2026-11-02"), pd.Timestamp("2026-11-03")]


def test_an_import_planning_a_visit_in_a_closed_time_names_the_row_and_writes_nothing(book, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("业务员,拜访日期,拜访时间,客户编号\n张伟,2026-11-02,15:00,000002\n张伟,2026-11-02,10:00,000002\n",
                    encoding="utf-8")
    before = book.state()
    with pytest.raises(ImportValidationError) as err:
        book.import_file(path, "visit_plans")
    [problem] = err.value.report.errors
    assert (problem.row, problem.column, problem.code) == (3, "拜访日期", "no_visit_time")
    assert "must not be visited Mon 08:00-12:00" in problem.reason
    assert book.state() == before


def test_a_visit_moved_into_a_closed_time_is_refused_and_one_done_there_is_kept(book):
    item = book.add("visit_plans", {"rep": "张伟", "day": "2026-11-02", "time": "14:00", "customer_id": "000002"})
    with pytest.raises(RecordValidationError) as err:
        book.update("visit_plans", item["plan_item_id"], {"time": "11:30"}, expected_version=1)
    assert [p.code for p in err.value.problems] == ["no_visit_time"]
    assert book.get("visit_plans", item["plan_item_id"])["time"] == "14:00"
    # a visit that happened there anyway is a record, not a plan: it is kept
    done = book.update("visit_plans", item["plan_item_id"], {"time": "11:30", "status": "done"}, expected_version=1)
    assert done["time"] == "11:30" and done["status"] == "done"


def test_save_a_proposed_plan_then_move_and_drop_visits_with_the_history_signed(book):
    proposal = book.visit_plan(rep="张伟", week=WEEK, lang="en")
    assert set(proposal["customer_id"]) == {"000001", "000002"}
    assert proposal.set_index("customer_id").loc["000002", "time"] != "09:00"  # not on Monday morning
    saved = book.save_visit_plan(proposal, rep="张伟", week=WEEK, by="张伟")
    assert len(saved) == 2 and set(saved["status"]) == {"planned"}
    assert set(saved["purpose"]) == set(proposal["purpose"])

    edited = saved.copy()
    first = edited.index[edited["customer_id"] == "000001"][0]
    edited.loc[first, "time"] = "16:00"
    edited = edited[edited["customer_id"] != "000002"]  # dropped: cancelled, not deleted
    after = book.save_visit_plan(edited, rep="张伟", week=WEEK, by="张伟").set_index("customer_id")
    assert after.loc["000001", "time"] == "16:00" and after.loc["000002", "status"] == "cancelled"
    moved = book.history("visit_plans", after.loc["000001", "plan_item_id"])
    assert moved["op"].tolist() == ["insert", "update"] and moved["new_value"].iloc[-1] == "16:00"
    assert set(moved["changed_by"]) == {"张伟"}


def test_one_bad_item_in_a_saved_plan_writes_nothing(book):
    plan = pd.DataFrame({"day": ["2026-11-03", "2026-11-02", "2026-11-20"], "time": ["10:00", "09:00", "10:00"],
                         "customer_id": ["000001", "000002", "000001"]})
    before = book.state()
    with pytest.raises(RecordValidationError) as err:
        book.save_visit_plan(plan, rep="张伟", week=WEEK)
    codes = sorted((p.row, p.code) for p in err.value.problems)
    assert codes == [(2, "no_visit_time"), (3, "outside_week")]
    assert "item 2: customer 000002 must not be visited" in str(err.value)
    assert book.state() == before


def test_a_rep_plans_only_their_own_book(book):
    book.add_user("zw", "secret-pass-1", role="rep", rep="张伟")
    import crmkit

    with crmkit.open(book.url, user="zw") as mine:
        assert set(mine.visit_plan(week=WEEK)["customer_id"]) == {"000001", "000002"}
        plan = pd.DataFrame({"day": ["2026-11-03"], "time": ["10:00"], "customer_id": ["000003"]})
        with pytest.raises(RecordValidationError, match="not in the book"):
            mine.save_visit_plan(plan, week=WEEK)
        with pytest.raises(AccessDeniedError):
            mine.add("visit_plans", {"rep": "张伟", "day": "2026-11-03", "time": "10:00", "customer_id": "000003"})
        assert book.visit_plans().empty


def test_export_and_import_again_changes_nothing(book, tmp_path):
    book.save_visit_plan(book.visit_plan(rep="张伟", week=WEEK, lang="zh"), rep="张伟", week=WEEK)
    stored = book.visit_plans()
    for lang, name in (("zh", "拜访计划.xlsx"), ("en", "visit_plans.csv")):
        path = book.export("visit_plans", tmp_path / name, lang=lang)
        report = book.import_file(path, "visit_plans")
        assert (report.inserted, report.updated, report.unchanged) == (0, 0, len(stored))
    pd.testing.assert_frame_equal(book.visit_plans(), stored)


# --------------------------------------------------------------------------- the work log


def test_the_work_log_settles_the_days_plan_from_the_days_contacts(book):
    book.import_frame(pd.DataFrame({
        "plan_item_id": ["V1", "V2", "V3", "V4"], "rep": ["张伟", "张伟", "张伟", "李娜"],
        "day": ["2026-11-03"] * 4, "time": ["09:00", "10:00", "14:00", "09:00"],
        "customer_id": ["000001", "000002", "000001", "000003"], "status": ["planned", "planned", "cancelled",
                                                                             "planned"],
        "purpose": ["回访", "报价", "送样", "拜访"]}), "visit_plans")
    book.import_frame(pd.DataFrame({
        "interaction_id": ["I1", "I2", "I3"], "customer_id": ["000001", "000003", "000003"],
        "occurred_at": ["2026-11-03 09:20", "2026-11-03 15:00", "2026-11-04 09:00"], "channel": ["visit", "phone",
                                                                                                  "visit"],
        "rep": ["张伟", "张伟", "李娜"], "result": ["签单意向", "<script>x</script>", None]}), "interactions")
    log = book.work_log(rep="张伟", day="2026-11-03", lang="en")
    rows = log.set_index(log["plan_item_id"].fillna(log["interaction_id"]))["status"].astype(str).to_dict()
    assert rows == {"V1": "done", "I2": "unplanned", "V2": "missed", "V3": "cancelled"}
    assert log.loc[log["plan_item_id"] == "V1", "interaction_id"].tolist() == ["I1"]
    # 李娜's visit was on the next day: missed on the 3rd (her own log)
    other = book.work_log(rep="李娜", day="2026-11-03")
    assert other["status"].astype(str).tolist() == ["missed"]

    from crmkit.visits import summary, work_log_html

    assert summary(log) == {"contacts": 2, "planned": 2, "done": 1, "missed": 1, "unplanned": 1, "cancelled": 1}
    html = work_log_html(book.work_log(day="2026-11-03", lang="zh"))
    assert "业务工作日志" in html and "业务员" in html and "部门主管" in html
    assert html.count("<section>") == 2 and "page-break-after:always" in html
    assert "&lt;script&gt;" in html and "<script>" not in html and "&lt;b&gt;北方" in html
    assert "计划外" in html and "未完成" in html and "已完成" in html
    english = work_log_html(log, lang="en")
    assert "Work log" in english and "1 of 2 planned visit(s) done, 1 missed" in english


def test_a_day_after_the_data_date_is_still_planned(book):
    book.add("visit_plans", {"rep": "张伟", "day": "2026-11-03", "time": "10:00", "customer_id": "000001"})
    log = book.work_log(rep="张伟", day="2026-11-03")
    assert log["status"].astype(str).tolist() == ["planned"]
    assert np.array_equal(log.columns, ["rep", "day", "time", "customer_id", "customer", "channel", "purpose",
                                        "result", "next_step", "next_date", "planned_time", "plan_item_id",
                                        "interaction_id", "status"])
