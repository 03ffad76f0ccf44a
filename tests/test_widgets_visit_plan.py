"""The visit plan widget: the rep sees the proposal (or the saved plan), moves, removes and adds visits,
a move into a 不宜访问时间 is refused with the reason shown, and a save goes through the store. Real
stores, no browser."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from crmkit.widgets import VisitPlanner  # noqa: E402

WEEK = "2026-11-02"


@pytest.fixture
def crm(store):
    store.import_frame(pd.DataFrame({
        "customer_id": ["000001", "000002", "000003"], "name": ["华信科技", "东方贸易", "南方物流"],
        "owner": "张伟", "value_grade": ["A", "B", "C"], "region": "华东",
        "no_visit_times": [None, "周一上午", "周末"], "status": "active",
        "created_at": ["2026-01-05", "2026-01-05", "2026-10-20"]}), "customers")  # 000003 is new: not due yet
    store.import_frame(pd.DataFrame({"customer_id": ["000001", "000002"], "occurred_at": "2026-09-01 10:00",
                                     "channel": "visit", "rep": "张伟"}), "interactions")
    return store


def test_the_proposal_is_shown_and_a_move_into_a_closed_time_is_refused_with_the_reason(crm):
    planner = VisitPlanner(crm, rep="张伟", week=WEEK, lang="zh", by="张伟")
    assert planner.source == "proposed" and set(planner.items["customer_id"]) == {"000001", "000002"}
    assert "东方贸易" in planner.table.value and "周一上午" in planner.table.value  # its 不宜访问时间, in Chinese
    index = int(planner.items.index[planner.items["customer_id"] == "000002"][0])
    before = planner.items.loc[index, ["day", "time"]].tolist()
    planner.choice.value = index
    planner.day.value, planner.time.value = "2026-11-02", "10:00"
    planner.move_button.click()
    assert "东方贸易 (000002) 的不宜访问时间为 周一上午：不能安排在 周一 11-02 10:00" in planner.banner.message
    assert planner.banner.layout.display is None
    assert planner.items.loc[index, ["day", "time"]].tolist() == before
    planner.day.value, planner.time.value = "2026-11-04", "15:00"
    planner.move_button.click()
    assert planner.banner.message == "" and planner.items.loc[index, "time"] == "15:00"
    assert "已将 东方贸易 (000002) 调整到 周三 11-04 15:00" in planner.status_line.value


def test_add_remove_and_save_through_the_store_with_the_history(crm):
    planner = VisitPlanner(crm, rep="张伟", week=WEEK, lang="en", by="张伟")
    planner.customer.value, planner.day.value, planner.time.value = "000003", "2026-11-05", "11:00"
    planner.add_button.click()
    assert planner.banner.message == "" and "000003" in set(planner.items["customer_id"])
    planner.customer.value = "999999"
    planner.add_button.click()
    assert planner.banner.message == "no customer 999999 in your book"
    taken = planner.items.iloc[0]
    planner.customer.value, planner.day.value, planner.time.value = "000003", taken["day"].strftime("%Y-%m-%d"), \
        taken["time"]
    planner.add_button.click()
    assert "is taken by" in planner.banner.message

    planner.save_button.click()
    assert planner.source == "saved" and planner.banner.message == ""
    saved = crm.visit_plans(rep="张伟", week=WEEK)
    assert set(saved["customer_id"]) == {"000001", "000002", "000003"} and set(saved["status"]) == {"planned"}
    assert planner.status_line.value == "saved the plan: 3 visit(s)"

    planner.choice.value = int(planner.items.index[planner.items["customer_id"] == "000001"][0])
    planner.remove_button.click()
    planner.save()
    dropped = crm.visit_plans(rep="张伟", week=WEEK).set_index("customer_id").loc["000001"]
    assert dropped["status"] == "cancelled"
    assert crm.history("visit_plans", dropped["plan_item_id"])["new_value"].tolist()[-1] == "cancelled"
    again = VisitPlanner(crm, rep="张伟", week=WEEK, lang="en")
    assert again.source == "saved" and set(again.items["customer_id"]) == {"000002", "000003"}
