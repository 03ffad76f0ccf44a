"""The lead board (crmkit/widgets/board.py): open cards with grades and overdue flags, follow-ups
written to the store (SQLite and PostgreSQL), conflicts shown and never overwritten, model scoring."""

from __future__ import annotations

import pandas as pd
import pytest

import crmkit
from crmkit import demo

pytest.importorskip("ipywidgets")
pytest.importorskip("ipydatagrid")

from crmkit.widgets.board import LeadBoard  # noqa: E402

AS_OF = pd.Timestamp("2026-11-01")  # a day: the board plans for it, contacts logged on it count


def _fill(crm, n_customers=250, seed=4):
    data = demo.generate(n_customers=n_customers, seed=seed)
    demo.load_into(crm, data)
    return crm


@pytest.fixture(scope="module")
def sqlite_crm(tmp_path_factory):
    crm = crmkit.open(f"sqlite:///{tmp_path_factory.mktemp('board') / 'crm.db'}", user="tester")
    yield _fill(crm)
    crm.close()


@pytest.fixture
def filled_store(store):
    """A demo store on each backend (small, so PostgreSQL stays cheap)."""
    return _fill(store, n_customers=120, seed=6)


def _plant_cards(crm):
    """Two grade-O cards of a new customer: one last contacted 5 days before AS_OF (cadence 2
    days: 3 days overdue), the other's customer contacted the day before (due tomorrow)."""
    late = crm.add("customers", {"name": "逾期测试客户", "region": "华东", "owner": "测试员"})
    fresh = crm.add("customers", {"name": "按时测试客户", "region": "华东", "owner": "测试员"})
    crm.add("interactions", {"customer_id": late["customer_id"], "occurred_at": "2026-10-27 15:00",
                             "channel": "phone", "rep": "测试员"})
    crm.add("interactions", {"customer_id": fresh["customer_id"], "occurred_at": "2026-10-31 10:00",
                             "channel": "visit", "rep": "测试员"})
    cards = []
    for customer in (late, fresh):
        cards.append(crm.add("opportunities", {
            "customer_id": customer["customer_id"], "title": "测试项目", "stage": "quoted", "intent_grade": "O",
            "created_at": "2026-10-01", "status": "open", "rep": "测试员"})["opportunity_id"])
    return cards


def test_rows_are_the_open_cards_with_their_grades(sqlite_crm):
    board = LeadBoard(sqlite_crm, as_of=AS_OF, scoring="off")
    opps = sqlite_crm.opportunities()
    open_now = opps[(opps["status"].astype(object) == "open") & (opps["created_at"] <= AS_OF)]
    assert set(board.rows.index) == set(open_now["opportunity_id"]) and len(board.rows) > 10
    recorded = open_now.set_index("opportunity_id")["intent_grade"].astype(object)
    assert (board.rows["intent_grade"].astype(object) == recorded.loc[board.rows.index]).all()
    # not scored: the plan follows the reps' grades, and the table is ordered O, A, B, C
    assert (board.rows["grade"].astype(object) == recorded.loc[board.rows.index].fillna("C")).all()
    assert board.rows["grade"].cat.codes.is_monotonic_increasing
    assert board.rows["probability"].isna().all()
    assert len(board.grid.data) == len(board.rows) and "逾期" in board.grid.data.columns


def test_a_planted_overdue_card_is_flagged(tmp_path):
    crm = _fill(crmkit.open(f"sqlite:///{tmp_path / 'crm.db'}", user="tester"), n_customers=60)
    late, fresh = _plant_cards(crm)
    board = LeadBoard(crm, as_of=AS_OF, scoring="off")
    assert bool(board.plan.loc[late, "overdue"]) and board.plan.loc[late, "days_overdue"] == 3
    assert board.plan.loc[late, "next_due"] == pd.Timestamp("2026-10-29")
    assert not board.plan.loc[fresh, "overdue"] and board.plan.loc[fresh, "next_due"] == pd.Timestamp("2026-11-02")
    board.rep.value = "测试员"
    assert set(board.rows.index) == {late, fresh}
    board.overdue_only.value = True
    assert list(board.rows.index) == [late]
    assert "⚠" in board.card.options[0][0] and board.card.value == late
    crm.close()


def test_logging_a_follow_up_adds_an_interaction_and_updates_the_card(filled_store):
    crm = filled_store
    board = LeadBoard(crm, as_of=AS_OF, scoring="off")
    oid = board.rows.index[-1]
    card = crm.get("opportunities", oid)
    before = len(crm.interactions(customer=card["customer_id"]))
    new_grade = "A" if card["intent_grade"] != "A" else "B"

    board.card.value = oid
    board.channel.value = "visit"
    board.result.value = "客户同意下周看样品"
    board.new_grade.value = new_grade
    board.log_button.click()

    assert board.banner.message == "" and board.conflict.layout.display == "none"
    assert oid in board.status.value and "✔" in board.status.value
    stored = crm.get("opportunities", oid)
    assert stored["intent_grade"] == new_grade and stored["version"] == card["version"] + 1
    visits = crm.interactions(customer=card["customer_id"])
    assert len(visits) == before + 1
    added = visits.sort_values("occurred_at").iloc[-1]
    assert added["channel"] == "visit" and added["result"] == "客户同意下周看样品"
    assert oid in added["purpose"]
    # the board now counts the follow-up: contacted now, so not overdue, and it knows the new version
    assert not board.plan.loc[oid, "overdue"] and board.plan.loc[oid, "version"] == stored["version"]
    assert crm.history("opportunities", oid)["field"].tolist()[-1] == "intent_grade"


def test_a_conflict_is_shown_and_nothing_is_overwritten(filled_store):
    crm = filled_store
    board = LeadBoard(crm, as_of=AS_OF, scoring="off")
    oid = board.rows.index[0]
    card = crm.get("opportunities", oid)
    crm.update("opportunities", oid, {"intent_grade": "C", "title": "别人改过"}, expected_version=card["version"])
    visits_before = len(crm.interactions(customer=card["customer_id"]))

    board.card.value = oid
    board.new_grade.value = "O"
    board.log_button.click()

    assert board.conflict.layout.display is None and oid in board.conflict.value
    assert "刷新" in board.conflict.value and board.status.value == ""
    stored = crm.get("opportunities", oid)
    assert stored["intent_grade"] == "C" and stored["title"] == "别人改过"
    assert len(crm.interactions(customer=card["customer_id"])) == visits_before  # no half-logged follow-up

    board.refresh_button.click()  # after a refresh the same follow-up goes through
    assert board.conflict.layout.display == "none"
    board.card.value = oid
    board.new_grade.value = "O"
    board.log_button.click()
    assert crm.get("opportunities", oid)["intent_grade"] == "O" and board.conflict.layout.display == "none"


def test_a_callback_error_shows_in_the_banner(sqlite_crm):
    board = LeadBoard(sqlite_crm, as_of=AS_OF, scoring="off")
    oid = board.rows.index[0]
    card = sqlite_crm.get("opportunities", oid)
    sqlite_crm.delete("opportunities", oid)  # gone behind the board's back
    try:
        board.card.value = oid
        board.log_button.click()
        assert oid in board.banner.message and board.banner.layout.display is None
        assert board.status.value == ""
    finally:
        sqlite_crm.restore("opportunities", oid)
    assert sqlite_crm.get("opportunities", oid)["version"] == card["version"] + 2


def test_model_scoring_adds_probabilities_and_model_grades(sqlite_crm):
    board = LeadBoard(sqlite_crm, as_of=AS_OF, scoring="background")
    assert board.wait_scored(timeout=180), board.banner.message
    p = board.plan["probability"]
    assert p.notna().all() and ((p > 0) & (p < 1)).all()
    expected = crmkit.close.grade(p).astype(object)
    assert (board.plan["grade"].astype(object) == expected).all()
    assert "模型评分完成" in board.scoring_status.value and board.banner.message == ""
    shown = board.grid.data["成交概率"]
    assert shown.str.fullmatch(r"\d{1,3}%").all() and shown.iloc[0] == f"{board.rows['probability'].iloc[0]:.0%}"


def test_bad_arguments_are_refused(sqlite_crm):
    with pytest.raises(ValueError, match="scoring"):
        LeadBoard(sqlite_crm, scoring="sometimes")
    with pytest.raises(ValueError, match="lang"):
        LeadBoard(sqlite_crm, lang="fr", scoring="off")


def test_an_empty_store_opens_an_empty_board(tmp_path):
    with crmkit.open(f"sqlite:///{tmp_path / 'empty.db'}") as crm:
        board = LeadBoard(crm, scoring="now")
        assert board.banner.message == "" and len(board.rows) == 0 and board.card.options == ()
        assert "没有符合条件的意向卡" in board.summary.value and board.scored is None


def test_a_second_board_the_same_day_reuses_the_fitted_scores(sqlite_crm):
    first = LeadBoard(sqlite_crm, as_of=AS_OF, scoring="now")
    assert first.scored is not None, first.banner.message
    second = LeadBoard(sqlite_crm, as_of=AS_OF.date(), scoring="now")  # the same day, given as a date
    assert second.scored is first.scored and second.scoring_seconds < 1
    assert second.plan["probability"].notna().all()
