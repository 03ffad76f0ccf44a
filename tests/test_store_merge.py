"""Merging duplicate customers, deleting a customer with its records, and what a deleted
customer's records do in the reads, the lead board and the monthly report.

Every test runs on a real store (SQLite, and PostgreSQL where the fixture reaches one).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import crmkit
from crmkit import cli, demo, schema
from crmkit.exceptions import (ConflictError, ParameterError, RecordNotFoundError, RecordsAttachedError)
from crmkit.reports import content
from crmkit.schema import TABLES
from crmkit.widgets.board import open_cards

CHILD_TABLES = ("contacts", "interactions", "opportunities", "orders", "settlements", "complaints", "profile")


def _child(table: str, customer: str, n: int, key: str = "生日", contact: str | None = None) -> dict:
    """A small valid record of ``table`` for ``customer`` (``n`` makes it distinct)."""
    day = pd.Timestamp("2026-01-01") + pd.Timedelta(days=n % 200)
    return {
        "contacts": {"customer_id": customer, "name": f"联系人{n}"},
        "interactions": {"customer_id": customer, "occurred_at": f"{day:%Y-%m-%d} 10:00", "channel": "visit",
                         "rep": "张伟"},
        "opportunities": {"customer_id": customer, "created_at": f"{day:%Y-%m-%d}", "status": "open",
                          "stage": "quoted", "rep": "张伟", "title": f"项目{n}"},
        "orders": {"customer_id": customer, "ordered_at": f"{day:%Y-%m-%d}", "amount": 100.0 + n},
        "settlements": {"customer_id": customer, "settled_at": f"{day:%Y-%m-%d}", "receivable": 100.0 + n,
                        "received": 50.0},
        "complaints": {"customer_id": customer, "received_at": f"{day:%Y-%m-%d} 09:00", "category": "交付延迟"},
        "profile": {"customer_id": customer, "contact_id": contact, "key": key, "value": f"值{n}"},
    }[table]


def _everything(crm) -> dict[str, pd.DataFrame]:
    """Every record of every table (deleted ones and sensitive facts too), by id, and the history."""
    tables = {name: crm.read(name, include_deleted=True, include_sensitive=True).set_index(t.id_column)
              for name, t in TABLES.items()}
    return {**tables, "history": crm.history(include_sensitive=True)}


def _assert_unchanged(before: dict, after: dict) -> None:
    for name in before:
        pd.testing.assert_frame_equal(after[name], before[name], check_like=False, obj=name)


# ---------------------------------------------------------------- the property

_KEYS = ("生日", "Birthday", "爱好", "hobbies", "健康状况", "昵称")


@st.composite
def _scenario(draw):
    n_drop = draw(st.integers(1, 3))
    ids = ["K", *(f"D{i}" for i in range(1, n_drop + 1)), "O1", "O2"]
    customers = [{"customer_id": c, "name": f"客户{c}",
                  "phone": draw(st.sampled_from([None, f"1380000{i:04d}"])),
                  "region": draw(st.sampled_from([None, "华东", "华北"])),
                  "email": draw(st.sampled_from([None, f"{c.lower()}@example.cn"]))}
                 for i, c in enumerate(ids)]
    # profile facts and the merged customers come up more often: that is where facts collide
    tables, owners = st.sampled_from(CHILD_TABLES + ("profile",) * 4), st.sampled_from(ids + ["K", "D1"] * 2)
    records = draw(st.lists(st.tuples(tables, owners, st.booleans(), st.sampled_from(_KEYS), st.booleans()),
                            max_size=22))
    return ids[1:1 + n_drop], customers, records


def _canonical(key: str) -> str:
    """The fact a key names: spellings of one harmless key are one (the test's own reading of the list)."""
    norm = schema.profile_key_norm(key)
    for fact in schema.HARMLESS_PROFILE_KEYS:
        if norm in {schema.profile_key_norm(k) for k in fact}:
            return fact[0]
    return norm


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenario())
def test_merge_moves_every_child_record_to_keep_and_changes_nothing_else(scenario):
    drops, customers, records = scenario
    with tempfile.TemporaryDirectory() as folder, crmkit.open(Path(folder) / "crm.db", user="tester") as crm:
        crm.import_frame(pd.DataFrame(customers), "customers")
        contacts: dict[str, str] = {}
        for n, (table, owner, deleted, key, with_contact) in enumerate(records):
            contact = contacts.get(owner) if table == "profile" and with_contact else None
            rec = crm.add(table, _child(table, owner, n, key=key, contact=contact))
            if table == "contacts":
                contacts.setdefault(owner, rec["contact_id"])
            if deleted:
                crm.delete(table, rec[TABLES[table].id_column])
        before, counts = _everything(crm), crm.counts(include_deleted=True)

        result = crm.merge("customers", keep="K", drop=drops, by="merger")
        after = _everything(crm)

        assert crm.counts(include_deleted=True) == counts  # nothing made, nothing lost
        merged = {"K", *drops}
        for name in CHILD_TABLES:
            b, a = before[name], after[name]
            assert set(a.index) == set(b.index), name
            moved = b.index[b["customer_id"].isin(drops).to_numpy()]
            assert (a.loc[b.index[b["customer_id"].isin(merged).to_numpy()], "customer_id"] == "K").all()
            assert result.moved.get(name, 0) == len(moved)
            untouched = b.index.difference(moved)
            pd.testing.assert_frame_equal(a.loc[untouched], b.loc[untouched], obj=f"{name}, not moved")
            steps = 1 + pd.Series(moved.isin(list(result.retired)), index=moved)  # moved, then retired
            assert (a.loc[moved, "version"] == b.loc[moved, "version"] + steps).all()
            same = [c for c in b.columns if c not in ("customer_id", "version", "deleted_at")]
            pd.testing.assert_frame_equal(a.loc[moved, same], b.loc[moved, same], obj=f"{name}, moved")
            newly_deleted = moved[(a.loc[moved, "deleted_at"].notna() & b.loc[moved, "deleted_at"].isna()).to_numpy()]
            assert sorted(newly_deleted) == (sorted(result.retired) if name == "profile" else [])

        # one live fact per person and key on K: the kept customer's own first, else the first drop's
        facts, old = after["profile"], before["profile"]
        live_on_k = facts[(facts["customer_id"] == "K") & facts["deleted_at"].isna()]
        origin = old.loc[live_on_k.index, "customer_id"]
        groups = pd.DataFrame({"contact": live_on_k["contact_id"].fillna(""),
                               "key": live_on_k["key"].map(_canonical), "from_drop": origin.isin(drops)})
        for _, g in groups.groupby(["contact", "key"]):
            assert g["from_drop"].sum() <= 1 and (g["from_drop"].sum() == 0 or len(g) == 1)
        for fact, kept in result.retired.items():
            assert old.loc[fact, "customer_id"] in drops and old.loc[fact, "deleted_at"] is pd.NaT
            assert _canonical(old.loc[fact, "key"]) == _canonical(old.loc[kept, "key"])

        # customers: K live with its blanks filled from the first drop that has a value; drops deleted
        cb, ca = before["customers"], after["customers"]
        assert ca.loc[drops, "deleted_at"].notna().all() and pd.isna(ca.loc["K", "deleted_at"])
        pd.testing.assert_frame_equal(ca.loc[["O1", "O2"]], cb.loc[["O1", "O2"]])
        assert ca.loc["K", "version"] == cb.loc["K", "version"] + 1
        for column in ("phone", "region", "email"):
            given = [cb.loc[c, column] for c in ["K", *drops] if not pd.isna(cb.loc[c, column])]
            expected = given[0] if given else None
            assert (None if pd.isna(ca.loc["K", column]) else ca.loc["K", column]) == expected, column

        # history: everything before is still there; the merge's rows are signed and share a batch
        h_before, h_after = before["history"], after["history"]
        pd.testing.assert_frame_equal(h_after.head(len(h_before)), h_before)
        new = h_after.iloc[len(h_before):]
        assert set(new["changed_by"]) == {"merger"} and new["batch"].nunique() == 1
        moves = new[new["field"] == "customer_id"]
        assert len(moves) == sum(result.moved.values())
        assert set(moves["old_value"]) <= set(drops) and set(moves["new_value"]) <= {"K"}
        marks = new[(new["table_name"] == "customers")].set_index("record_id")
        assert sorted(marks.query("field == 'merged_into'").index) == sorted(drops)
        assert set(marks.query("field == 'merged_into'")["new_value"]) == {"K"}
        assert sorted(marks.query("field == 'merged_from'")["new_value"]) == sorted(drops)
        for rid in drops:  # each dropped customer's own history is kept under its id
            assert len(crm.history("customers", rid)) == len(h_before.query("record_id == @rid")) + 1


# ---------------------------------------------------------------- one transaction


@pytest.fixture
def two_duplicates(store):
    store.import_frame(pd.DataFrame({"customer_id": ["K", "D1", "D2"], "name": ["华信科技", "华信科技有限公司", "华信"],
                                     "phone": [None, "13800000001", "13800000002"]}), "customers")
    for n, table in enumerate(CHILD_TABLES[1:-1]):
        store.add(table, _child(table, "D1", n))
        store.add(table, _child(table, "D2", n + 10))
    return store


def test_merge_on_either_backend(two_duplicates):
    crm = two_duplicates
    mine = crm.add("profile", _child("profile", "K", 1, key="生日"))
    repeated = crm.add("profile", _child("profile", "D1", 2, key="Birthday"))
    own = crm.add("profile", _child("profile", "D2", 3, key="爱好"))
    result = crm.merge("customers", keep="K", drop=["D1", "D2"], by="alice")
    assert result.moved == {"interactions": 2, "opportunities": 2, "orders": 2, "settlements": 2, "complaints": 2,
                            "profile": 2}
    assert result.filled == {"phone": "13800000001"} and list(result.retired) == [repeated["fact_id"]]
    assert set(crm.orders()["customer_id"]) == {"K"} and len(crm.orders()) == 2
    assert sorted(crm.profile("K")["fact_id"]) == sorted([mine["fact_id"], own["fact_id"]])
    assert crm.history("profile", repeated["fact_id"])["field"].tolist()[-2:] == ["customer_id", "duplicate_of"]
    assert crm.customers()["customer_id"].tolist() == ["K"]
    assert crm.get("customers", "K")["phone"] == "13800000001"
    assert "merged D1, D2 into K" in str(result) and "已将 D1, D2 合并到 K" in result.describe("zh")


def test_a_merge_that_fails_halfway_changes_nothing(two_duplicates):
    """The database refuses the move of the complaints, after the visits, cards, orders and
    settlements have moved: the whole merge is rolled back."""
    crm = two_duplicates
    db = crm._db  # a trigger, as a DBA might add one: the only way to make the database itself fail
    if crm.backend == "sqlite":
        db.execute("CREATE TRIGGER refuse BEFORE UPDATE ON complaints BEGIN SELECT RAISE(ABORT, 'refused'); END")
    else:
        db.execute("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ "
                   "LANGUAGE plpgsql")
        db.execute("CREATE TRIGGER refuse BEFORE UPDATE ON complaints FOR EACH ROW EXECUTE FUNCTION refuse()")
    before, state = _everything(crm), crm.state()
    with pytest.raises(Exception, match="refused"):
        crm.merge("customers", keep="K", drop=["D1", "D2"])
    assert crm.state() == state
    _assert_unchanged(before, _everything(crm))


def test_a_missing_drop_or_a_version_conflict_changes_nothing(two_duplicates):
    crm = two_duplicates
    before = _everything(crm)
    with pytest.raises(RecordNotFoundError, match="nobody"):
        crm.merge("customers", keep="K", drop=["D1", "nobody"])
    d2 = crm.get("customers", "D2")
    with pytest.raises(ConflictError):
        crm.merge("customers", keep="K", drop=["D1", "D2"], expected_versions={"D2": d2["version"] - 1})
    _assert_unchanged(before, _everything(crm))
    result = crm.merge("customers", keep="K", drop=["D1", "D2"], expected_versions={"K": 1, "D2": d2["version"]})
    assert result.dropped == ["D1", "D2"]
    with pytest.raises(RecordNotFoundError):  # a dropped customer is deleted: it cannot be merged again
        crm.merge("customers", keep="K", drop=["D1"])


def test_merge_refuses_arguments_that_make_no_sense(two_duplicates):
    crm = two_duplicates
    for bad in ([], ["K"], ["D1", "D1"]):
        with pytest.raises(ParameterError, match="drop"):
            crm.merge("customers", keep="K", drop=bad)
    with pytest.raises(ParameterError, match="nothing to merge"):
        crm.merge("orders", keep="S1", drop=["S2"])


def test_crmkit_merge_on_the_command_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    with crmkit.open(url) as crm:
        crm.import_frame(pd.DataFrame({"customer_id": ["A", "B"], "name": ["甲", "甲公司"]}), "customers")
        crm.add("orders", _child("orders", "B", 1))
    assert cli.main(["merge", "A", "B", "--db", url, "--by", "carol", "--lang", "zh"]) == 0
    assert "已将 B 合并到 A" in capsys.readouterr().out
    with crmkit.open(url) as crm:
        assert crm.orders()["customer_id"].tolist() == ["A"]
        assert crm.history("customers", "B")["changed_by"].iloc[-1] == "carol"
    assert cli.main(["merge", "A", "nobody", "--db", url]) == 1
    assert "nobody" in capsys.readouterr().err


# ---------------------------------------------------------------- deleting a customer with records


def test_deleting_a_customer_with_records_asks_for_a_merge_or_a_cascade(two_duplicates):
    crm = two_duplicates
    before = _everything(crm)
    with pytest.raises(RecordsAttachedError) as err:
        crm.delete("customers", "D1")
    assert err.value.records == {"interactions": 1, "opportunities": 1, "orders": 1, "settlements": 1,
                                 "complaints": 1}
    assert "merge" in str(err.value) and "cascade=True" in str(err.value) and "1 orders" in str(err.value)
    _assert_unchanged(before, _everything(crm))
    crm.delete("customers", "K")  # no records: deleted as before


def test_cascade_deletes_the_records_and_restore_brings_back_only_those(two_duplicates):
    crm = two_duplicates
    earlier = crm.orders(customer="D1")["order_id"].iloc[0]
    crm.delete("orders", earlier)  # deleted on its own, before the customer
    assert crm.delete("customers", "D1", cascade=True, by="bob") == {
        "interactions": 1, "opportunities": 1, "settlements": 1, "complaints": 1}
    assert crm.count("interactions", customer="D1") == 0 and crm.count("interactions", customer="D2") == 1
    gone = crm.history(since=pd.Timestamp.now().floor("D")).query("op == 'delete' and changed_by == 'bob'")
    assert sorted(gone["table_name"]) == sorted(["customers", "interactions", "opportunities", "settlements",
                                                 "complaints"])
    assert gone["batch"].nunique() == 1

    restored = crm.restore("customers", "D1", cascade=True, by="bob")
    assert restored["customer_id"] == "D1"
    for table in ("interactions", "opportunities", "settlements", "complaints"):
        assert crm.count(table, customer="D1") == 1, table
    assert crm.count("orders", customer="D1") == 0  # deleted before, by itself: stays deleted
    crm.delete("customers", "D2", cascade=True)
    crm.restore("customers", "D2")  # without cascade: the customer only
    assert crm.count("orders", customer="D2") == 0


# ---------------------------------------------------------------- a deleted customer's records in the reads


def test_a_deleted_customers_records_leave_every_read(store, tmp_path):
    store.import_frame(pd.DataFrame({"customer_id": ["A", "B"], "name": ["甲", "乙"]}), "customers")
    store.delete("customers", "B")
    # another tool's export arrives later, still naming B: written, with a warning
    visits = tmp_path / "visits.csv"
    pd.DataFrame({"customer_id": ["A", "B", None], "occurred_at": ["2026-03-01 10:00"] * 3,
                  "channel": ["visit", "phone", "walk_in"], "rep": ["张伟"] * 3}).to_csv(visits, index=False)
    report = store.import_file(visits, table="interactions")
    assert report.inserted == 3 and [p.value for p in report.problems] == ["B"]
    shown = store.interactions()
    assert sorted(shown["customer_id"].fillna("(anonymous walk-in)")) == ["(anonymous walk-in)", "A"]
    assert store.count("interactions") == 2 and store.count("interactions", include_deleted=True) == 3
    assert store.distinct("interactions", "channel").to_dict() == {"visit": 1, "walk_in": 1}
    assert len(store.interactions(include_deleted=True)) == 3
    assert store.search("interactions", "乙").empty
    store.restore("customers", "B")
    assert store.count("interactions") == 3


def test_the_lead_board_leaves_out_a_deleted_customers_cards(store, tmp_path):
    store.import_frame(pd.DataFrame({"customer_id": ["A", "B"], "name": ["甲", "乙"]}), "customers")
    cards = tmp_path / "cards.csv"
    pd.DataFrame({"customer_id": ["A", "B", "B"], "title": ["扩容", "新线", "备件"],
                  "stage": ["quoted", "proposal", "contacted"], "status": ["open", "open", "open"],
                  "created_at": ["2026-05-01", "2026-05-02", "2026-05-03"], "rep": ["张伟", "李娜", "李娜"]}
                 ).to_csv(cards, index=False)
    store.import_file(cards, table="opportunities")
    as_of = "2026-06-30"
    assert sorted(open_cards(store, as_of=as_of)["customer_id"]) == ["A", "B", "B"]
    with pytest.raises(RecordsAttachedError):
        store.delete("customers", "B")
    store.delete("customers", "B", cascade=True)
    assert open_cards(store, as_of=as_of)["customer_id"].tolist() == ["A"]
    # a card of B brought back on its own is a live card of a deleted customer: still off the board
    one = store.opportunities(customer="B", include_deleted=True)["opportunity_id"].iloc[0]
    store.restore("opportunities", one)
    assert open_cards(store, as_of=as_of)["customer_id"].tolist() == ["A"]
    store.restore("customers", "B", cascade=True)
    assert sorted(open_cards(store, as_of=as_of)["customer_id"]) == ["A", "B", "B"]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('merge-report') / 'crm.db'}"
    data = demo.generate(n_customers=300, seed=5)
    with crmkit.open(url, user="tester") as crm:
        demo.load_into(crm, data, history=False)
    month = f"{(data.as_of.replace(day=1) - pd.Timedelta(days=1)):%Y-%m}"
    return url, month


def test_the_reports_rankings_leave_out_deleted_customers(demo_url):
    url, month = demo_url
    data = content.load_month(url, month)
    top = content.segments(data).data["top"].index.astype(str).tolist()
    risky = content.receivables(data).data["risky"].index.astype(str).tolist()
    assert top and risky
    best, worst = top[0], next(c for c in risky if c != top[0])
    with crmkit.open(url, user="tester") as crm:
        crm.delete("customers", best, cascade=True)
        # the other is deleted, then its orders and settlements come back on their own
        crm.delete("customers", worst, cascade=True)
        for table in ("orders", "settlements"):
            t = TABLES[table]
            for rid in crm.read(table, customer=worst, include_deleted=True)[t.id_column]:
                crm.restore(table, rid)
        assert crm.count("settlements", customer=worst) == 0  # hidden with their customer
    after = content.load_month(url, month)
    assert best not in set(content.segments(after).data["top"].index.astype(str))
    assert worst not in set(content.receivables(after).data["risky"].index.astype(str))
    assert best not in set(content.clv(after).data["values"].index.astype(str))
    assert {best, worst}.isdisjoint(set(after.orders["customer_id"].astype(str)))


def test_two_contacts_of_one_customer_merge_the_same_way(store):
    store.import_frame(pd.DataFrame({"customer_id": ["A", "B"], "name": ["甲", "乙"]}), "customers")
    keep = store.add("contacts", {"customer_id": "A", "name": "张三"})["contact_id"]
    twin = store.add("contacts", {"customer_id": "A", "name": "张三", "phone": "13800000000"})["contact_id"]
    elsewhere = store.add("contacts", {"customer_id": "B", "name": "张三"})["contact_id"]
    store.add("profile", _child("profile", "A", 1, key="生日", contact=keep))
    repeated = store.add("profile", _child("profile", "A", 2, key="birthday", contact=twin))["fact_id"]
    hobby = store.add("profile", _child("profile", "A", 3, key="爱好", contact=twin))["fact_id"]
    with pytest.raises(RecordsAttachedError, match="2 profile"):
        store.delete("contacts", twin)
    with pytest.raises(ParameterError, match="another customer"):
        store.merge("contacts", keep=keep, drop=[elsewhere])
    result = store.merge("contacts", keep=keep, drop=twin)
    assert result.moved == {"profile": 2} and list(result.retired) == [repeated]
    assert result.filled == {"phone": "13800000000"}
    assert set(store.profile()["contact_id"]) == {keep} and hobby in set(store.profile()["fact_id"])
    assert sorted(store.contacts()["contact_id"]) == sorted([keep, elsewhere])
