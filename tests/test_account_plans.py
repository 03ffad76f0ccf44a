"""Account plans (客户计划工作表): the plan and its parts as records, the rules a plan answers to
(KPI weights sum to 100%, a SMART goal has its five parts), history, export, a rep's book, and
the KPIs' actuals against a recomputation from the raw frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit import plan_metrics
from crmkit.exceptions import AccessDeniedError, ImportValidationError, RecordNotFoundError, RecordValidationError

GOAL = {"title": "提升份额", "specific": "卖进新产品线", "measurable": "销售额 200 万", "ambitious": "增长 15%",
        "realistic": "客户扩建", "time_bound": "2026 年底前"}


@pytest.fixture
def crm(store):
    store.add("customers", {"customer_id": "C1", "name": "华信科技", "owner": "李娜", "region": "华东"})
    store.add("customers", {"customer_id": "C2", "name": "东方贸易", "owner": "张伟", "region": "华北"})
    store.add("account_plans", {"plan_id": "AP1", "customer_id": "C1", "period_start": "2026-01-01",
                                "period_end": "2026-12-31", "title": "2026 计划", "rep": "李娜"})
    store.add("account_plans", {"plan_id": "AP2", "customer_id": "C2", "period_start": "2026-01-01",
                                "period_end": "2026-12-31", "rep": "张伟"})
    return store


def test_parts_import_from_the_forms_chinese_headers(crm, tmp_path):
    path = tmp_path / "kpi.csv"
    pd.DataFrame({"计划编号": ["AP1", "AP1"], "关键业绩指标": ["年度销售额", "拜访次数"], "计算指标": ["销售额", "拜访次数"],
                  "目标值": ["2,000,000", "24"], "权重": ["60%", "40％"]}).to_csv(path, index=False, encoding="gb18030")
    report = crm.import_file(path, "关键业绩指标")
    assert (report.inserted, report.problems) == (2, [])
    kpis = crm.read("plan_kpis").set_index("name")
    assert kpis.loc["年度销售额", "weight"] == 60 and kpis.loc["拜访次数", "weight"] == 40
    assert kpis.loc["拜访次数", "metric"] == "visits" and kpis.loc["年度销售额", "target"] == 2_000_000

    goals = tmp_path / "goals.csv"
    pd.DataFrame({"计划编号": ["AP1"], "长期目标/SMART目标": ["提升份额"], "具体的": ["a"], "可衡量的": ["b"],
                  "雄心勃勃的": ["c"], "现实可行的": ["d"], "有时限的": ["e"], "POP策略": ["f"]}).to_csv(goals, index=False)
    assert crm.import_file(goals, "SMART目标").inserted == 1
    swot = tmp_path / "swot.csv"
    pd.DataFrame({"计划编号": ["AP1", "AP1"], "类别": ["优势", "T"], "内容": ["关系稳定", "低价竞争"]}).to_csv(swot, index=False)
    assert crm.import_file(swot, "SWOT").inserted == 2
    assert sorted(crm.read("plan_swot")["kind"].astype(str)) == ["strength", "threat"]
    assert crm.account_plan("AP1").goals["ambitious"].tolist() == ["c"]


def test_weights_that_do_not_sum_to_100_are_refused_with_the_sum(crm):
    before = crm.state()
    frame = pd.DataFrame({"plan_id": ["AP1", "AP1", "AP2"], "name": ["销售额", "毛利", "拜访"],
                          "target": [1.0, 1.0, 1.0], "weight": [50, 30, 100]})
    with pytest.raises(ImportValidationError) as err:
        crm.import_frame(frame, "plan_kpis")
    problems = err.value.report.errors
    assert [(p.row, p.code) for p in problems] == [(2, "weights_total"), (3, "weights_total")]  # AP2's row is fine
    assert "plan 'AP1' sum to 80%, not 100%" in problems[0].reason and problems[0].value == 80
    assert crm.state() == before  # nothing written

    with pytest.raises(RecordValidationError, match=r"plan 'AP1' sum to 70%"):
        crm.add("plan_kpis", {"plan_id": "AP1", "name": "销售额", "target": 1, "weight": 70})
    saved = crm.save_plan_part("plan_kpis", "AP1", [{"name": "销售额", "target": 1, "weight": 70},
                                                   {"name": "毛利", "target": 1, "weight": 30}])
    rows = saved.set_index("name")
    with pytest.raises(RecordValidationError, match=r"sum to 90%, not 100%"):
        crm.update("plan_kpis", rows.loc["毛利", "kpi_id"], {"weight": 20}, expected_version=1)
    with pytest.raises(RecordValidationError, match=r"sum to 70%"):
        crm.delete("plan_kpis", rows.loc["毛利", "kpi_id"])
    [problem] = crm.check("plan_kpis", {"weight": 40}, record_id=rows.loc["毛利", "kpi_id"])
    assert (problem.code, problem.value) == ("weights_total", 110)
    with pytest.raises(RecordValidationError, match=r"sum to 1%, not 100%.*written as fractions"):
        crm.save_plan_part("plan_kpis", "AP1", [{"name": "销售额", "target": 1, "weight": 0.7},
                                               {"name": "毛利", "target": 1, "weight": 0.3}])
    assert sorted(crm.read("plan_kpis", where={"plan_id": "AP1"})["weight"]) == [30, 70]  # the refused save left them
    # moving 10 points between two KPIs is two changes that are only valid together
    moved = crm.save_plan_part("plan_kpis", "AP1", [{"kpi_id": rows.loc["销售额", "kpi_id"], "weight": 60},
                                                   {"kpi_id": rows.loc["毛利", "kpi_id"], "weight": 40}])
    assert sorted(moved["weight"]) == [40, 60]


def test_a_smart_goal_missing_any_of_its_five_parts_is_refused(crm):
    for part in ("specific", "measurable", "ambitious", "realistic", "time_bound"):
        goal = {**GOAL, "plan_id": "AP1", part: None}
        with pytest.raises(RecordValidationError) as err:
            crm.add("plan_goals", goal)
        assert [(p.column, p.code) for p in err.value.problems] == [(part, "required")]
    before = crm.state()
    with pytest.raises(RecordValidationError, match="time_bound"):  # a whole plan with one bad goal: nothing
        crm.save_account_plan({"customer_id": "C1", "period_start": "2027-01-01", "period_end": "2027-12-31"},
                              goals=[{**GOAL, "time_bound": " "}])
    assert crm.state() == before
    assert crm.add("plan_goals", {**GOAL, "plan_id": "AP1"})["time_bound"] == GOAL["time_bound"]


def test_a_plan_ends_after_it_starts_and_names_a_plan_that_exists(crm):
    with pytest.raises(RecordValidationError, match="ends before it starts"):
        crm.add("account_plans", {"customer_id": "C1", "period_start": "2026-06-01", "period_end": "2026-01-01"})
    with pytest.raises(RecordValidationError, match="unknown account_plan 'NOPE'"):
        crm.add("plan_swot", {"plan_id": "NOPE", "kind": "strength", "text": "x"})


def test_history_export_round_trip_and_a_whole_plan(crm, tmp_path):
    plan = crm.save_account_plan({"plan_id": "AP1", "needs": "更长账期"}, goals=[{**GOAL, "goal_id": "G1"}],
                                 swot=[{"kind": "opportunity", "text": "扩建"}],
                                 milestones=[{"title": "高层拜访", "due_date": "2026-03-31", "owner": "李娜",
                                              "goal_id": "G1"}],
                                 kpis=[{"kpi_id": "K1", "name": "销售额", "metric": "sales", "target": 100, "weight": 100}])
    assert (plan.plan["needs"], len(plan.goals), len(plan.swot), len(plan.milestones)) == ("更长账期", 1, 1, 1)
    crm.save_plan_part("plan_kpis", "AP1", [{"kpi_id": "K1", "target": 200, "weight": 100, "version": 1}],
                       by="李娜")
    changes = crm.history("plan_kpis", "K1")
    assert changes[["op", "field", "old_value", "new_value", "changed_by"]].iloc[-1].tolist() == \
        ["update", "target", "100.0", "200.0", "李娜"]
    assert crm.history("account_plans", "AP1")["field"].dropna().tolist() == ["needs"]

    for table in ("account_plans", "plan_goals", "plan_kpis"):
        path = crm.export(table, tmp_path / f"{table}.xlsx", lang="zh")
        again = crm.import_file(path, table)
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, again.rows_read), table
    header = pd.read_excel(tmp_path / "plan_goals.xlsx").columns.tolist()
    assert {"具体的", "可衡量的", "雄心勃勃的", "现实可行的", "有时限的"} <= set(header)


def test_a_rep_sees_and_edits_the_plans_of_their_own_book_only(crm):
    crm.add_user("li", "password-1", role="rep", rep="李娜")
    crm.save_plan_part("plan_kpis", "AP2", [{"name": "x", "target": 1, "weight": 100}])
    crm.save_plan_part("plan_swot", "AP2", [{"kind": "threat", "text": "张伟的客户"}])
    crm.save_plan_part("plan_swot", "AP1", [{"kind": "strength", "text": "李娜的客户"}])
    li = crmkit.open(crm.url, user="li")
    try:
        assert li.account_plans()["plan_id"].tolist() == ["AP1"]
        assert li.read("plan_swot")["text"].tolist() == ["李娜的客户"] and li.read("plan_kpis").empty
        with pytest.raises(RecordNotFoundError):
            li.account_plan("AP2")
        with pytest.raises((RecordNotFoundError, AccessDeniedError)):
            li.save_plan_part("plan_swot", "AP2", [])
        item = li.read("plan_swot").iloc[0]
        assert li.update("plan_swot", item["item_id"], {"text": "改过"}, expected_version=1)["text"] == "改过"
        with pytest.raises(AccessDeniedError):  # nor may a rep move a plan to a customer of another book
            li.update("account_plans", "AP1", {"customer_id": "C2"}, expected_version=1)
    finally:
        li.close()
    assert len(crm.read("plan_swot", customer="C2")) == 1 and len(crm.read("plan_swot", region="华东")) == 1


def test_deleting_the_customer_takes_the_plan_and_its_parts_out_of_the_reads(crm):
    crm.save_plan_part("plan_kpis", "AP1", [{"name": "x", "target": 1, "weight": 100}])
    crm.delete("customers", "C1", cascade=True)
    assert crm.read("plan_kpis").empty and crm.account_plans()["plan_id"].tolist() == ["AP2"]
    crm.restore("customers", "C1", cascade=True)
    assert len(crm.read("plan_kpis")) == 1


# --------------------------------------------------------------------------- KPI actuals


def test_kpi_actuals_agree_with_a_recomputation_from_the_raw_frames(store):
    rng = np.random.default_rng(3)
    customers = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["甲", "乙"]})
    days = pd.Timestamp("2025-10-01") + pd.to_timedelta(rng.integers(0, 500, 60), unit="D")
    orders = pd.DataFrame({"order_id": [f"S{i}" for i in range(60)], "customer_id": rng.choice(["C1", "C2"], 60),
                           "ordered_at": days, "amount": rng.uniform(100, 1000, 60).round(2),
                           "gross_margin": rng.uniform(10, 100, 60).round(2)})
    visits = pd.DataFrame({"interaction_id": [f"I{i}" for i in range(40)], "customer_id": rng.choice(["C1", "C2"], 40),
                           "occurred_at": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 400, 40), "D"),
                           "channel": rng.choice(["visit", "phone"], 40)})
    cards = pd.DataFrame({"opportunity_id": ["O1", "O2", "O3", "O4"], "customer_id": ["C1", "C1", "C1", "C2"],
                          "created_at": pd.to_datetime(["2026-02-01", "2026-03-01", "2026-11-20", "2026-01-05"]),
                          "status": ["open", "won", "open", "lost"],
                          "closed_at": pd.to_datetime([None, "2026-12-01", None, "2026-04-01"]),
                          "expected_amount": [1000.0, 500.0, 700.0, 300.0]})
    settlements = pd.DataFrame({"settlement_id": ["R1", "R2", "R3"], "customer_id": ["C1", "C1", "C1"],
                                "settled_at": pd.to_datetime(["2026-02-01", "2026-05-01", "2025-12-01"]),
                                "receivable": [100.0, 300.0, 50.0], "received": [100.0, 300.0, 50.0],
                                "due_date": pd.to_datetime(["2026-03-01", "2026-06-01", "2026-01-01"]),
                                "paid_at": pd.to_datetime(["2026-02-20", "2026-07-15", "2025-12-20"])})
    for name, frame in (("customers", customers), ("orders", orders), ("interactions", visits),
                        ("opportunities", cards), ("settlements", settlements)):
        store.import_frame(frame, name)
    store.import_frame(pd.DataFrame({"plan_id": ["P1", "P2"], "customer_id": ["C1", "C2"],
                                     "period_start": ["2026-01-01", "2026-03-01"],
                                     "period_end": ["2026-12-31", "2026-09-30"]}), "account_plans")
    metrics = list(plan_metrics.METRICS) + [None]
    store.import_frame(pd.DataFrame({"plan_id": ["P1"] * 7, "name": [str(m) for m in metrics], "metric": metrics,
                                     "target": [1000.0] * 7, "weight": [10, 10, 10, 20, 20, 20, 10]}), "plan_kpis")
    store.import_frame(pd.DataFrame({"plan_id": ["P2", "P2"], "name": ["s", "v"], "metric": ["sales", "visits"],
                                     "target": [500.0, 4.0], "weight": [50, 50]}), "plan_kpis")
    as_of = pd.Timestamp("2026-10-31")
    got = plan_metrics.kpi_actuals(store, as_of="2026-10-31").set_index(["plan_id", "name"])

    def expected(cid, start, end, metric):
        until = min(end, as_of) + pd.Timedelta(days=1)
        o = orders[(orders.customer_id == cid) & (orders.ordered_at >= start) & (orders.ordered_at < until)]
        if metric == "sales":
            return o.amount.sum()
        if metric == "gross_margin":
            return o.gross_margin.sum()
        if metric == "orders":
            return len(o)
        if metric == "visits":
            v = visits[(visits.customer_id == cid) & (visits.channel == "visit")]
            return len(v[(v.occurred_at >= start) & (v.occurred_at < until)])
        if metric == "open_pipeline":  # O1 open; O2 closed after as_of (open then); O3 created after
            return 1000.0 + 500.0 if cid == "C1" else 0.0
        if metric == "on_time_payment_share":  # R1 on time, R2 late; R3 billed before the period
            return 100 * 100 / 400
    for metric in plan_metrics.METRICS:
        assert got.loc[("P1", metric), "actual"] == pytest.approx(
            expected("C1", pd.Timestamp("2026-01-01"), pd.Timestamp("2026-12-31"), metric)), metric
    assert pd.isna(got.loc[("P1", "None"), "actual"])
    assert got.loc[("P2", "s"), "actual"] == pytest.approx(
        expected("C2", pd.Timestamp("2026-03-01"), pd.Timestamp("2026-09-30"), "sales"))
    row = got.loc[("P2", "v")]
    assert row["progress"] == pytest.approx(row["actual"] / 4 * 100)
    assert row["score"] == pytest.approx(min(row["progress"], 100) * 0.5)
    assert str(got.loc[("P2", "v"), "period_until"].date()) == "2026-09-30"


def test_the_plan_editor_shows_the_weights_sum_and_saves_the_plan_with_its_parts_together(crm):
    import datetime

    from crmkit.widgets import AccountPlanEditor

    editor = AccountPlanEditor(crm, customer_id="C1", lang="en")
    editor.fields["period_start"].value = datetime.date(2027, 1, 1)
    editor.fields["period_end"].value = datetime.date(2027, 12, 31)
    editor.parts["plan_goals"].add_row(GOAL)
    kpis = editor.parts["plan_kpis"]
    kpis.add_row({"name": "销售额", "metric": "sales", "target": 1000, "weight": "60%"})
    kpis.add_row({"name": "拜访", "metric": "visits", "target": 12, "weight": 30})
    assert editor.weights_total() == 90 and "weights sum to 90%" in kpis.note.value
    before = crm.state()
    assert editor.save() is None and "sum to 90%, not 100%" in editor.status
    assert crm.state() == before  # neither the plan nor its goal was written
    kpis.rows[1]["fields"]["weight"].input.value = "40"
    saved = editor.save()
    assert saved is not None and sorted(saved.kpis["weight"]) == [40, 60] and len(saved.goals) == 1
    again = AccountPlanEditor(crm, plan_id=saved.plan_id, lang="zh")  # a stored plan opens with its parts
    assert len(again.parts["plan_kpis"].rows) == 2 and again.weights_total() == 100
