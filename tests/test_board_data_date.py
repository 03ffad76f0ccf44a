"""The lead board and `crmkit app` on historical stores (issue 11): they open on the store's data
date, not today (no "3664 days overdue", no red "the outcome has only one class"), and the board's
date picker re-reads the cards as they stood at the end of the chosen day.

Two real stores whose data end in 2016: a demo store generated to end on 2016-06-30, and a CRM
export of 2014-2016 imported from CSV files with English headers and the tool's own words, whose
last year holds only cards still open (so a model must learn from the years before).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit import close, demo
from crmkit.exceptions import AsOfError

pytest.importorskip("ipywidgets")
pytest.importorskip("ipydatagrid")

from crmkit.cli import _parser  # noqa: E402
from crmkit.widgets import command  # noqa: E402
from crmkit.widgets.app import app_layout  # noqa: E402
from crmkit.widgets.board import LeadBoard  # noqa: E402

DATA_DATE = pd.Timestamp("2016-06-30")
PAST = dt.date(2016, 3, 31)
# A board counting from today makes cards at least this overdue (the "3664 days overdue" of the
# issue); on the data date none is, as no history here is that long.
YEARS_LATE = (pd.Timestamp.today().normalize() - DATA_DATE).days


@pytest.fixture(scope="module")
def demo_2016(tmp_path_factory):
    crm = crmkit.open(tmp_path_factory.mktemp("demo2016") / "crm.db", user="tester")
    demo.load_into(crm, demo.generate(n_customers=150, seed=8, end=DATA_DATE.date()))
    yield crm
    crm.close()


def write_export(folder) -> dict:
    """A 2014-2016 CRM export: accounts, opportunities (won or lost by mid-2015, those opened since
    still open) and visits up to 2016-06-30. Returns the files' paths."""
    rng = np.random.default_rng(16)
    accounts = [f"Account {i:03d} Ltd" for i in range(60)]
    pd.DataFrame({"Account Name": accounts}).to_csv(folder / "Accounts.csv", index=False)
    early = pd.Timestamp("2014-01-02") + pd.to_timedelta(np.sort(rng.integers(0, 480, 90)), unit="D")
    late = pd.Timestamp("2015-07-01") + pd.to_timedelta(np.sort(rng.integers(0, 360, 30)), unit="D")
    created = early.append(late)
    n = len(created)
    stage = rng.choice(["Contacted", "Quoted", "Proposal", "Negotiation"], n)
    won = rng.random(n) < np.where(np.isin(stage, ["Proposal", "Negotiation"]), 0.7, 0.25)
    closed = created + pd.to_timedelta(rng.integers(5, 60, n), unit="D")
    is_early = np.arange(n) < len(early)
    opportunities = pd.DataFrame({
        "Account Name": rng.choice(accounts, n), "Opportunity Name": [f"Deal {i}" for i in range(n)],
        "Stage": stage, "Amount": np.round(rng.lognormal(10, 0.5, n), -2), "Created Date": created.strftime("%Y-%m-%d"),
        "Close Date": np.where(is_early, closed.strftime("%Y-%m-%d"), ""),
        "Status": np.where(is_early, np.where(won, "Won", "Lost"), "Open"),
        "Owner": rng.choice(["Ann Lee", "Bo Chen", "Cai Wu"], n),
    })
    opportunities.to_csv(folder / "Opportunities.csv", index=False)
    visits = pd.DataFrame({
        "Account Name": rng.choice(accounts, 400),
        "Date": (pd.Timestamp("2014-01-02") + pd.to_timedelta(rng.integers(0, 910, 400), unit="D"))
        .strftime("%Y-%m-%d"),
        "Type": rng.choice(["Visit", "Phone", "Email"], 400),
    })
    visits.loc[0, "Date"] = DATA_DATE.strftime("%Y-%m-%d")   # the last thing recorded
    visits.to_csv(folder / "Visits.csv", index=False)
    return {"customers": folder / "Accounts.csv", "opportunities": folder / "Opportunities.csv",
            "interactions": folder / "Visits.csv"}


def import_export(crm, files: dict) -> None:
    crm.import_file(files["customers"], table="customers", columns={"Account Name": ["name", "customer_id"]})
    crm.import_file(files["opportunities"], table="opportunities",
                    columns={"Account Name": "customer_id", "Opportunity Name": "title", "Amount": "expected_amount",
                             "Created Date": "created_at", "Close Date": "closed_at", "Owner": "rep"})
    crm.import_file(files["interactions"], table="interactions",
                    columns={"Account Name": "customer_id", "Date": "occurred_at", "Type": "channel"})


@pytest.fixture(scope="module")
def export_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export2016")
    with crmkit.open(folder / "crm.db") as crm:
        import_export(crm, write_export(folder))
    return folder / "crm.db"


# ----------------------------------------------------------------------------- the data date


def test_a_historical_store_opens_on_its_data_date(demo_2016):
    board = LeadBoard(demo_2016, lang="en", scoring="off")
    assert demo_2016.data_date() == DATA_DATE and board.as_of == DATA_DATE
    assert board.as_of_picker.value == DATA_DATE.date() and board.banner.message == ""
    assert len(board.rows) > 10 and board.plan["days_overdue"].max() < YEARS_LATE


def test_the_export_s_last_year_alone_has_nothing_to_learn_from(export_path):
    # what made the red banner: the year before the data date holds only cards still open
    with crmkit.open(export_path) as crm:
        tables = {t: crm.read(t) for t in ("opportunities", "interactions", "customers", "orders")}
        _, y = close.training_snapshots(tables, crm.history("opportunities"), start=DATA_DATE - pd.Timedelta(days=365),
                                        cutoff=DATA_DATE, horizon_days=30)
        assert y.nunique() == 1
        scored = close.score_open_opportunities(crm)     # learns from the years before instead
    assert scored.as_of == DATA_DATE and len(scored.table) == 30
    assert scored.table["probability"].between(0, 1).all() and scored.table["probability"].nunique() > 1


def test_crmkit_app_opens_the_board_on_the_data_date(export_path, tmp_path, monkeypatch):
    # `crmkit app --db crm.db` started in the store's folder, the notebook run where Voila runs it
    monkeypatch.chdir(export_path.parent)
    env = command.app_environment(_parser().parse_args(["app", "--db", export_path.name, "--lang", "en"]))
    state = _run_app_notebook(env)
    assert state["as_of"] == "2016-06-30" and state["banner"] == ""
    assert state["scored"] and "Scored by the close model" in state["scoring"]
    assert state["cards"] == 30 and state["max_days_overdue"] < YEARS_LATE


def test_crmkit_app_as_of_picks_the_board_s_day(export_path, monkeypatch):
    monkeypatch.chdir(export_path.parent)
    env = command.app_environment(_parser().parse_args(["app", "--db", export_path.name, "--as-of", "2016-03-31"]))
    assert env[command.AS_OF_ENV] == "2016-03-31"
    state = _run_app_notebook(env, scoring=False)
    assert state["as_of"] == "2016-03-31" and state["banner"] == ""
    with pytest.raises(AsOfError, match="as_of"):
        command.app_environment(_parser().parse_args(["app", "--as-of", "2016-13-01"]))
    assert command.AS_OF_ENV not in command.app_environment(_parser().parse_args(["app"]),
                                                            base={command.AS_OF_ENV: "2016-01-01"})


def _run_app_notebook(env: dict, scoring: bool = True) -> dict:
    """The app notebook's own code, run in the folder and environment Voila gives its kernel,
    as the admin account the server would name for a logged-in page."""
    from crmkit.app_server import ACCOUNT_ENV

    with crmkit.open(env["CRMKIT_DB_URL"]) as crm:
        if crm.account_of("board-admin") is None:
            crm.add_user("board-admin", "board-admin-password", role="admin")
    env = {**env, ACCOUNT_ENV: "board-admin"}
    cell = "\n".join(c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                     for c in json.loads(command.APP_NOTEBOOK.read_text(encoding="utf-8"))["cells"]
                     if c["cell_type"] == "code")
    probe = f"""
tab = _
board = tab.children[1]
board.wait_scored(600) if {scoring} else None
import json
print(json.dumps({{"as_of": f"{{board.as_of:%Y-%m-%d}}", "banner": board.banner.message,
                  "scored": board.scored is not None, "scoring": board.scoring_status.value, "cards": len(board.plan),
                  "max_days_overdue": int(board.plan["days_overdue"].max())}}))
"""
    # the notebook's last line is its display value: bind it to _ as IPython would
    lines = cell.rstrip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("app_layout("))
    code = "\n".join(lines[:start]) + "\n_ = " + "\n".join(lines[start:]) + "\n" + probe
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=str(command.APP_NOTEBOOK.parent),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- the date picker


def test_the_date_picker_reads_the_cards_as_they_stood_that_day(demo_2016):
    crm = demo_2016
    board = LeadBoard(crm, lang="en", scoring="off")
    board.as_of_picker.value = PAST
    assert board.as_of == pd.Timestamp(PAST) and board.banner.message == ""
    then = close.opportunity_features(crm, as_of=PAST)
    assert set(board.plan.index) == set(then.index)
    # cards open that day but won or lost since are on the board, at the stage they had then
    now = crm.opportunities().set_index("opportunity_id")
    closed_since = [oid for oid in then.index if now.loc[oid, "status"] != "open"]
    assert closed_since
    assert (board.plan.loc[then.index, "stage"].astype(str) == then["stage"].astype(str)).all()
    assert (board.plan.loc[then.index, "intent_grade"].astype(object).fillna("") ==
            then["intent_grade"].astype(object).fillna("")).all()
    assert board.plan["days_overdue"].max() < YEARS_LATE
    board.as_of_picker.value = None            # cleared: back to the data date
    assert board.as_of == DATA_DATE and board.as_of_picker.value == DATA_DATE.date()
    assert set(board.plan.index) == set(close.opportunity_features(crm).index)


def test_a_card_closed_since_the_picked_day_takes_no_follow_up(demo_2016):
    crm = demo_2016
    board = LeadBoard(crm, lang="en", scoring="off")
    board.set_as_of(PAST)
    now = crm.opportunities().set_index("opportunity_id")
    oid = next(o for o in board.plan.index if now.loc[o, "status"] != "open")
    before = (len(crm.interactions()), crm.get("opportunities", oid)["version"])
    board.card.value = oid
    board.log_button.click()
    assert oid in board.banner.message and "open cards" in board.banner.message
    assert (len(crm.interactions()), crm.get("opportunities", oid)["version"]) == before


def test_picking_a_day_scores_the_cards_of_that_day(export_path):
    with crmkit.open(export_path) as crm:
        board = LeadBoard(crm, lang="en", scoring="now")
        assert board.scored is not None and board.banner.message == "", board.banner.message
        board.set_as_of("2016-03-31")
        assert board.scored is not None and board.scored.as_of == pd.Timestamp("2016-03-31")
        assert set(board.scored.table.index) == set(board.plan.index)
        assert board.plan["probability"].notna().all() and board.banner.message == ""


def test_a_follow_up_logged_today_keeps_a_historical_board_on_its_day(tmp_path):
    crm = crmkit.open(tmp_path / "crm.db", user="tester")
    demo.load_into(crm, demo.generate(n_customers=60, seed=9, end=DATA_DATE.date()), history=False)
    day = crm.data_date()
    board = LeadBoard(crm, lang="en", scoring="off")
    assert board.as_of == day and day.year == 2016
    others = board.plan["days_overdue"].copy()
    oid = board.rows.index[0]
    board.log_followup(oid, channel="phone", result="called back")
    assert board.as_of == day and board.as_of_picker.value == day.date()
    assert (board.plan["days_overdue"].drop(oid) == others.drop(oid)).all()
    assert board.plan.loc[oid, "days_overdue"] == 0
    crm.close()


def test_a_store_with_no_outcome_yet_is_not_scored_and_says_so_calmly(tmp_path):
    folder = tmp_path
    files = write_export(folder)
    cards = pd.read_csv(files["opportunities"])
    cards.assign(Status="Open", **{"Close Date": ""}).to_csv(files["opportunities"], index=False)
    with crmkit.open(folder / "crm.db") as crm:
        import_export(crm, files)
        board = LeadBoard(crm, lang="en", scoring="now")
        assert board.banner.message == "" and board.scored is None
        assert "Not scored: the cards before 2016-06-30 show no outcome" in board.scoring_status.value
        assert len(board.rows) == len(cards)
