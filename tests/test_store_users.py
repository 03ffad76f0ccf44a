"""Accounts, roles and record rules, enforced in the store (SQLite and PostgreSQL): what each
user reads on every read path, what they may write, who a change is signed by, and the CLI."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import crmkit
from crmkit.cli import main
from crmkit.exceptions import AccessDeniedError, AuthenticationError, ParameterError, RecordNotFoundError

PASSWORD = "correct horse battery"

# Three reps (two in team east, one in west), a manager of east, an admin; customers of each rep,
# with visits, cards, orders, settlements, complaints, contacts, profile facts, and a walk-in
# without a customer.
REPS = {"alice": ("张伟", "east"), "bob": ("李娜", "east"), "carol": ("王芳", "west")}
OWNER_OF = {"C1": "张伟", "C2": "李娜", "C3": "王芳"}
PHONE_OF = {"C1": "13812345678", "C2": "13987654321", "C3": "13711112222"}


def _fill(url: str) -> None:
    with crmkit.open(url) as crm:
        for name, (rep, team) in REPS.items():
            crm.add_user(name, PASSWORD, role="rep", rep=rep, team=team)
        crm.add_user("maria", PASSWORD, role="manager", rep="马经理", team="east")
        crm.add_user("root", PASSWORD, role="admin")
        for cid, owner in OWNER_OF.items():
            crm.add("customers", {"customer_id": cid, "name": f"客户{cid}", "owner": owner, "region": "华东",
                                  "phone": PHONE_OF[cid], "created_at": "2026-01-05"})
            crm.add("contacts", {"contact_id": f"P{cid}", "customer_id": cid, "name": f"联系人{cid}"})
            crm.add("interactions", {"interaction_id": f"I{cid}", "customer_id": cid, "occurred_at": "2026-02-01",
                                     "channel": "visit", "rep": owner})
            crm.add("opportunities", {"opportunity_id": f"O{cid}", "customer_id": cid, "created_at": "2026-02-02",
                                      "status": "open", "stage": "contacted", "rep": owner})
            crm.add("orders", {"order_id": f"S{cid}", "customer_id": cid, "ordered_at": "2026-03-01",
                               "amount": 100.0, "rep": owner})
            crm.add("settlements", {"settlement_id": f"R{cid}", "customer_id": cid, "settled_at": "2026-03-02",
                                    "receivable": 100.0, "received": 40.0, "handler": owner})
            crm.add("complaints", {"complaint_id": f"Q{cid}", "customer_id": cid, "received_at": "2026-03-03",
                                   "category": "质量", "handler": owner, "status": "open"})
            crm.add("profile", {"fact_id": f"F{cid}", "customer_id": cid, "key": "爱好", "value": "钓鱼"})
        # a walk-in without a customer, logged by bob: it follows its own rep
        crm.add("interactions", {"interaction_id": "IWALK", "occurred_at": "2026-02-03", "channel": "walk_in",
                                 "rep": "李娜"})


@pytest.fixture
def filled_url(store_url):
    _fill(store_url)
    return store_url


def _as(url, name):
    """The store opened for ``name`` the way the app does: after checking the password."""
    with crmkit.open(url) as crm:
        user = crm.authenticate(name, PASSWORD)
    return crmkit.open(url, user=user)


# What each user's book holds: customers by id (their records follow them) and the walk-in.
SEES = {
    "alice": ({"C1"}, False),
    "bob": ({"C2"}, True),
    "carol": ({"C3"}, False),
    "maria": ({"C1", "C2"}, True),   # the team east: alice's and bob's
    "root": ({"C1", "C2", "C3"}, True),
}
CHILDREN = {"contacts": "P", "interactions": "I", "opportunities": "O", "orders": "S", "settlements": "R",
            "complaints": "Q", "profile": "F"}


def _expected_ids(table: str, customers: set[str], walk_in: bool) -> list[str]:
    if table == "customers":
        ids = set(customers)
    else:
        ids = {CHILDREN[table] + c for c in customers}
        if table == "interactions" and walk_in:
            ids.add("IWALK")
    return sorted(ids)


@pytest.mark.parametrize("name", list(SEES))
def test_every_read_path_shows_only_the_users_book(filled_url, name):
    customers, walk_in = SEES[name]
    with _as(filled_url, name) as crm:
        for table in ["customers", *CHILDREN]:
            expected = _expected_ids(table, customers, walk_in)
            id_col = crmkit.schema.table(table).id_column
            assert sorted(crm.read(table)[id_col]) == expected, table
            assert crm.ids(table) == expected, table
            assert crm.count(table) == len(expected), table
            assert sorted(crm.search(table, "")[id_col]) == expected, table
        # search by text the other customers hold too
        assert sorted(crm.search("customers", "客户")["customer_id"]) == sorted(customers)
        assert set(crm.distinct("customers", "owner").index) == {OWNER_OF[c] for c in customers}
        assert crm.counts()["orders"] == len(customers)
        assert sorted(crm.profile()["fact_id"]) == sorted("F" + c for c in customers)
        # the newest order date is that of the orders they see; another table's filter cannot widen it
        assert crm.latest("orders") == pd.Timestamp("2026-03-01")
        assert crm.count("orders", customer=["C1", "C2", "C3"]) == len(customers)
        # history: only the rows of records in the book
        history = crm.history()
        seen_customers = set(history.loc[history["table_name"] == "customers", "record_id"])
        assert seen_customers == customers
        for other in {"C1", "C2", "C3"} - customers:
            with pytest.raises(RecordNotFoundError):
                crm.get("customers", other)
            assert crm.history("customers", other).empty
            assert crm.history("orders", "S" + other).empty


@pytest.mark.parametrize("name", ["alice", "maria"])
def test_an_export_holds_only_the_users_book(filled_url, tmp_path, name):
    with _as(filled_url, name) as crm:
        path = crm.export("customers", tmp_path / "out.csv", lang="en")
    text = path.read_text(encoding="utf-8-sig")
    for cid, _ in OWNER_OF.items():
        assert (cid in text) == (cid in SEES[name][0])


def test_a_rep_cannot_write_another_reps_records(filled_url):
    with _as(filled_url, "alice") as crm:
        before = crm.state()
        for table, rid in [("customers", "C2"), ("orders", "SC2"), ("opportunities", "OC3"), ("interactions", "IWALK")]:
            with pytest.raises(AccessDeniedError):
                crm.update(table, rid, {}, expected_version=1)
            with pytest.raises(AccessDeniedError):
                crm.delete(table, rid, cascade=True)
        # a new record for another rep's customer, and handing their own customer away
        with pytest.raises(AccessDeniedError):
            crm.add("interactions", {"customer_id": "C2", "occurred_at": "2026-04-01", "channel": "visit"})
        with pytest.raises(AccessDeniedError):
            crm.add("customers", {"name": "新客户", "owner": "李娜"})
        with pytest.raises(AccessDeniedError):
            crm.update("customers", "C1", {"owner": "李娜"}, expected_version=1)
        assert crm.state() == before
        # their own records they may change
        row = crm.update("customers", "C1", {"name": "华信"}, expected_version=1)
        assert row["version"] == 2
        crm.add("interactions", {"customer_id": "C1", "occurred_at": "2026-04-01", "channel": "visit"})
    with crmkit.open(filled_url) as crm:  # nothing of the refused writes reached the store
        assert crm.get("customers", "C2")["version"] == 1
        assert crm.get("customers", "C1")["owner"] == "张伟"
        assert crm.count("interactions", customer="C2") == 1


def test_a_manager_writes_their_teams_records_only(filled_url):
    with _as(filled_url, "maria") as crm:
        crm.update("orders", "SC2", {"amount": 120.0}, expected_version=1)
        crm.update("customers", "C1", {"owner": "李娜"}, expected_version=1)  # a handover within the team
        with pytest.raises(AccessDeniedError):
            crm.update("orders", "SC3", {"amount": 120.0}, expected_version=1)
        with pytest.raises(AccessDeniedError):
            crm.update("customers", "C2", {"owner": "王芳"}, expected_version=1)  # out of the team
    with _as(filled_url, "bob") as crm:  # the handed-over customer came with its records
        assert sorted(crm.customers()["customer_id"]) == ["C1", "C2"]
        assert sorted(crm.orders()["order_id"]) == ["SC1", "SC2"]


def test_changes_are_signed_by_the_user_and_by_cannot_be_forged(filled_url):
    with _as(filled_url, "alice") as crm:
        assert crm.user == "alice"
        with pytest.raises(AttributeError):
            crm.user = "root"  # fixed when the store was opened
        with pytest.raises(ParameterError):
            crm.update("customers", "C1", {"name": "甲"}, expected_version=1, by="root")
        with pytest.raises(ParameterError):
            crm.add("interactions", {"customer_id": "C1", "occurred_at": "2026-04-01", "channel": "visit"}, by="bob")
        crm.update("customers", "C1", {"name": "乙"}, expected_version=1)
        crm.update("customers", "C1", {"name": "丙"}, expected_version=2, by="alice")  # their own name is fine
        history = crm.history("customers", "C1")
    updates = history[history["op"] == "update"]
    assert list(updates["new_value"]) == ["乙", "丙"]
    assert set(updates["changed_by"]) == {"alice"}
    with _as(filled_url, "root") as crm:  # an admin may sign for someone (a correction on their behalf)
        crm.update("customers", "C1", {"name": "丁"}, expected_version=3, by="alice (by root)")
        assert crm.history("customers", "C1")["changed_by"].iloc[-1] == "alice (by root)"


def test_back_dating_imports_and_merges_are_an_admins(filled_url, tmp_path):
    rows = pd.DataFrame({"table_name": ["opportunities"], "record_id": ["OC1"], "op": ["update"], "field": ["stage"],
                         "old_value": ["contacted"], "new_value": ["quoted"], "changed_at": ["2025-01-01"],
                         "changed_by": ["张伟"]})
    file = tmp_path / "customers.csv"
    file.write_text("Name,Owner\nNew Co,张伟\n", encoding="utf-8")
    for name in ("alice", "maria"):
        with _as(filled_url, name) as crm:
            with pytest.raises(AccessDeniedError):
                crm.import_history(rows)
            with pytest.raises(AccessDeniedError):
                crm.import_file(file, "customers", columns={"Name": "name", "Owner": "owner"})
            with pytest.raises(AccessDeniedError):
                crm.merge("customers", keep="C1", drop=["C2"])
            with pytest.raises(AccessDeniedError):
                crm.add_user("mallory", PASSWORD, role="admin")
    with _as(filled_url, "root") as crm:
        assert crm.import_history(rows) == 1
        back = crm.history("opportunities", "OC1", fields="stage")
        assert back["changed_at"].iloc[0] == pd.Timestamp("2025-01-01")
        assert crm.import_file(file, "customers", columns={"Name": "name", "Owner": "owner"}).inserted == 1
    # the back-dated rows are logged as an import by the admin
    with crmkit.open(filled_url) as crm:
        log = crm.import_log()
    back_dated = log[log["table_name"] == "history"]
    assert list(zip(back_dated["imported_by"], back_dated["inserted"])) == [("root", 1)]


def test_search_does_not_read_masked_phone_digits(filled_url):
    # maria sees C1 and C2 (her team's) but owns neither: their phones are shown masked to her
    with _as(filled_url, "maria") as crm:
        assert crm.search("customers", "13812").empty
        assert crm.count("customers", "5678") == 0
        assert list(crm.search("customers", PHONE_OF["C1"])["customer_id"]) == ["C1"]  # the whole number
        assert crm.search("customers", PHONE_OF["C3"]).empty  # not in her book at all
    with _as(filled_url, "alice") as crm:  # her own customer's phone she is shown, digits and all
        assert list(crm.search("customers", "13812")["customer_id"]) == ["C1"]
        assert crm.search("customers", "139876").empty
    with _as(filled_url, "root") as crm:
        assert list(crm.search("customers", "139876")["customer_id"]) == ["C2"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cid=st.sampled_from(sorted(PHONE_OF)), start=st.integers(0, 9), length=st.integers(1, 10))
def test_no_part_of_a_hidden_phone_finds_its_customer(hidden_phone_store, cid, start, length):
    part = PHONE_OF[cid][start:start + length]
    with _as(hidden_phone_store, "maria") as crm:
        found = set(crm.search("customers", part)["customer_id"])
    # a customer found by a part of its number: only when the part is the whole number, or the
    # part also spells the customer's id or name ("1" is in "客户C1")
    if cid in found and part != PHONE_OF[cid]:
        assert part in cid or part in f"客户{cid}"


@pytest.fixture(scope="module")
def hidden_phone_store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('phones') / 'crm.db'}"
    _fill(url)
    return url


def test_authentication(filled_url):
    with crmkit.open(filled_url) as crm:
        user = crm.authenticate("alice", PASSWORD)
        assert (user.role, user.rep, user.team) == ("rep", "张伟", "east")
        for name, password in [("alice", "wrong password"), ("nobody", PASSWORD), ("alice", "")]:
            with pytest.raises(AuthenticationError) as err:
                crm.authenticate(name, password)
            assert str(err.value) == "unknown user, wrong password or disabled account"  # no name told apart
        crm.set_password("alice", "a new password")
        with pytest.raises(AuthenticationError):
            crm.authenticate("alice", PASSWORD)
        assert crm.authenticate("alice", "a new password").name == "alice"
        crm.disable_user("alice")
        with pytest.raises(AuthenticationError):
            crm.authenticate("alice", "a new password")
        with pytest.raises(ParameterError):
            crm.add_user("short", "1234567", role="rep")
    with pytest.raises(AuthenticationError):  # a disabled account opens nothing, by name or object
        crmkit.open(filled_url, user="alice")
    with pytest.raises(AuthenticationError):
        crmkit.open(filled_url, user=user)


def test_a_user_object_counts_for_its_name_only(filled_url):
    # a User built by hand with another role gets the role the store holds
    forged = crmkit.store.accounts.User("carol", "admin", "张伟", "east")
    with crmkit.open(filled_url, user=forged) as crm:
        assert crm.account.role == "rep"
        assert sorted(crm.customers()["customer_id"]) == ["C3"]
    with pytest.raises(AuthenticationError):
        crmkit.open(filled_url, user=crmkit.store.accounts.User("ghost", "admin", "x"))


def test_a_notebook_opened_with_an_account_name_follows_its_rules(filled_url):
    with crmkit.open(filled_url, user="bob") as crm:
        assert sorted(crm.customers()["customer_id"]) == ["C2"]
    # a name without an account only signs changes, as before accounts existed: the whole store
    with crmkit.open(filled_url, user="tester") as crm:
        assert crm.account is None
        assert len(crm.customers()) == 3


def test_accounts_stay_out_of_reads_and_exports(filled_url):
    with crmkit.open(filled_url) as crm:
        assert "crmkit_users" not in crm.counts()
        listed = crm.users()
        assert list(listed["name"]) == ["alice", "bob", "carol", "maria", "root"]
        assert not any("hash" in c for c in listed.columns)


def test_only_a_hash_of_the_password_is_stored(tmp_path):
    path = tmp_path / "crm.db"
    secret = "Zebra-Quartz-7391"
    with crmkit.open(path) as crm:
        crm.add_user("dora", secret, role="rep")
        crm.set_password("dora", secret + "!")
        assert crm.authenticate("dora", secret + "!").name == "dora"
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("crm.db"))
    assert secret.encode() not in data
    assert b"$argon2id$" in data


def _cli(args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crmkit", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_cli_user_add_list_disable_passwd(tmp_path):
    db = str(tmp_path / "crm.db")
    out = _cli(["init", "--db", db])
    assert out.returncode == 0 and "crmkit user add NAME --role admin" in out.stdout
    out = _cli(["user", "add", "boss", "--role", "admin", "--db", db], stdin="first-pass-123\n")
    assert out.returncode == 0, out.stderr
    out = _cli(["user", "add", "li", "--role", "rep", "--rep", "李娜", "--team", "east", "--db", db],
               stdin="li-pass-4567\n")
    assert out.returncode == 0, out.stderr
    assert "no admin account yet" not in _cli(["init", "--db", db]).stdout
    listing = _cli(["user", "list", "--db", db]).stdout
    assert "boss" in listing and "李娜" in listing and "east" in listing
    assert "li-pass-4567" not in listing and "argon2" not in listing
    # the password never comes from argv
    out = _cli(["user", "add", "eve", "--role", "rep", "--password", "in-argv-123", "--db", db])
    assert out.returncode != 0 and "command line" in out.stderr
    assert _cli(["user", "passwd", "li", "--password", "in-argv-123", "--db", db]).returncode != 0
    assert _cli(["user", "passwd", "li", "--db", db], stdin="li-new-pass-89\n").returncode == 0
    assert _cli(["user", "disable", "boss", "--db", db]).returncode == 0
    with crmkit.open(db) as crm:
        assert list(crm.users()["name"]) == ["boss", "li"]
        assert crm.account_of("eve") is None
        assert crm.authenticate("li", "li-new-pass-89").rep == "李娜"
        with pytest.raises(AuthenticationError):
            crm.authenticate("boss", "first-pass-123")
    assert b"li-new-pass-89" not in Path(db).read_bytes()
