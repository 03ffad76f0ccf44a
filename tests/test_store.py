"""The store on SQLite and PostgreSQL: typed reads, SQL filters, versioned edits, history, privacy."""

from __future__ import annotations

import multiprocessing as mp

import pandas as pd
import pytest

import crmkit
from crmkit.exceptions import ConflictError, DuplicateIdError, RecordNotFoundError, RecordValidationError
from crmkit.schema import TABLES

CUSTOMERS = pd.DataFrame({
    "customer_id": ["001", "002", "003", "O'Brien"],
    "name": ["华信科技有限公司", "东方贸易", "北辰物流", "O'Brien Ltd"],
    "value_grade": ["A", "B", "C", "A"],
    "region": ["华东", "华北", "华东", "华南"],
    "owner": ["张伟", "李娜", "张伟", "王芳"],
    "phone": ["13800000001", "13800000002", None, "13800000004"],
    "created_at": pd.to_datetime(["2023-01-05", "2023-02-01", "2024-06-30", "2025-01-01"]),
    "credit_limit": [10000.5, None, 0.0, 250.25],
})
VISITS = pd.DataFrame({
    "interaction_id": ["I1", "I2", "I3", "I4", "I5"],
    "customer_id": ["001", "001", "002", None, "003"],
    "occurred_at": pd.to_datetime(["2024-01-01 09:30:00", "2024-01-31 23:59:59", "2024-02-01 00:00:00",
                                   "2024-01-15 10:00:00", "2024-03-01 12:00:00"]),
    "channel": ["visit", "phone", "walk_in", "walk_in", "call_in"],
    "rep": ["张伟", "张伟", "李娜", "李娜", "张伟"],
    "left_contact": [None, None, True, False, True],
})


@pytest.fixture
def filled(store):
    store.import_frame(CUSTOMERS, "customers")
    store.import_frame(VISITS, "interactions")
    return store


def test_reads_have_the_schema_dtypes_and_keep_ids_as_text(filled):
    customers = filled.customers()
    for name, col in TABLES["customers"].by_name.items():
        assert str(customers[name].dtype) == str(col.dtype), name
    assert customers["customer_id"].tolist() == ["001", "002", "003", "O'Brien"]
    assert customers["created_at"].tolist() == list(CUSTOMERS["created_at"])
    assert customers["credit_limit"].isna().tolist() == [False, True, False, False]
    assert customers.loc[0, "credit_limit"] == 10000.5
    visits = filled.interactions()
    assert str(visits["occurred_at"].dtype) == "datetime64[ns]"
    assert visits.set_index("interaction_id").loc["I2", "occurred_at"] == pd.Timestamp("2024-01-31 23:59:59")
    assert list(visits["channel"].cat.categories) == list(TABLES["interactions"]["channel"].choices)
    assert visits["left_contact"].dtype == "boolean"
    assert visits["version"].tolist() == [1] * 5


def test_every_table_reads_back_even_when_empty(store):
    for name in TABLES:
        frame = store.read(name)
        assert frame.empty and list(frame.columns) == [*TABLES[name].column_names, "version"], name


def test_date_filter_is_start_inclusive_end_exclusive(filled):
    january = filled.interactions(start="2024-01-01", end="2024-02-01")
    assert sorted(january["interaction_id"]) == ["I1", "I2", "I4"]


def test_filters_by_customer_rep_and_region(filled):
    assert sorted(filled.interactions(customer="001")["interaction_id"]) == ["I1", "I2"]
    assert sorted(filled.interactions(customer=["002", "003"])["interaction_id"]) == ["I3", "I5"]
    assert sorted(filled.interactions(rep="李娜")["interaction_id"]) == ["I3", "I4"]
    assert sorted(filled.interactions(region="华东")["interaction_id"]) == ["I1", "I2", "I5"]
    assert sorted(filled.customers(region=["华北", "华南"])["customer_id"]) == ["002", "O'Brien"]
    assert filled.customers(rep="张伟")["customer_id"].tolist() == ["001", "003"]


def test_filter_values_are_bound_parameters_not_sql(filled):
    assert filled.customers(customer="O'Brien")["name"].tolist() == ["O'Brien Ltd"]
    assert filled.customers(customer="x' OR '1'='1").empty
    filled.customers(region="'; DROP TABLE customers; --")
    assert len(filled.customers()) == 4


def test_add_update_delete_and_history(store):
    added = store.add("customers", {"customer_id": "100", "name": "新客户", "value_grade": "B级", "created_at": "2026/1/5"},
                      by="alice")
    assert added["version"] == 1 and added["value_grade"] == "B"
    assert pd.Timestamp(added["created_at"]) == pd.Timestamp("2026-01-05")
    updated = store.update("customers", "100", {"value_grade": "A", "phone": "13911112222"},
                           expected_version=1, by="bob")
    assert updated["version"] == 2 and updated["value_grade"] == "A"
    store.delete("customers", "100", expected_version=2, by="carol")
    assert store.customers().empty
    assert store.customers(include_deleted=True)["customer_id"].tolist() == ["100"]
    with pytest.raises(RecordNotFoundError):
        store.get("customers", "100")

    h = store.history("customers", "100")
    assert h["op"].tolist() == ["insert", "update", "update", "delete"]
    assert h["changed_by"].tolist() == ["alice", "bob", "bob", "carol"]
    changes = h[h["op"] == "update"].set_index("field")
    assert changes.loc["value_grade", "old_value"] == "B" and changes.loc["value_grade", "new_value"] == "A"
    assert pd.isna(changes.loc["phone", "old_value"]) and changes.loc["phone", "new_value"] == "13911112222"

    restored = store.restore("customers", "100", by="dave")
    assert restored["value_grade"] == "A" and store.history("customers", "100")["op"].iloc[-1] == "restore"


def test_add_generates_an_id_and_rejects_duplicates_and_bad_fields(store):
    rec = store.add("customers", {"name": "无编号客户"})
    assert rec["customer_id"].startswith("C") and rec["version"] == 1
    with pytest.raises(DuplicateIdError):
        store.add("customers", {"customer_id": rec["customer_id"], "name": "again"})
    with pytest.raises(RecordValidationError) as err:
        store.add("customers", {"customer_id": "200", "name": "", "value_grade": "Q", "credit_limit": -5})
    fields = {p.column for p in err.value.problems}
    assert fields == {"name", "value_grade", "credit_limit"}
    with pytest.raises(RecordValidationError, match="unknown customer"):
        store.add("interactions", {"customer_id": "nobody", "occurred_at": "2024-01-01", "channel": "visit"})
    assert store.counts()["customers"] == 1 and store.counts()["interactions"] == 0


def test_update_against_a_stale_version_raises_a_conflict_naming_both_values(filled):
    row = filled.get("customers", "001")
    filled.update("customers", "001", {"phone": "13900000000"}, expected_version=row["version"], by="alice")
    with pytest.raises(ConflictError) as err:
        filled.update("customers", "001", {"phone": "13700000000"}, expected_version=row["version"], by="bob")
    e = err.value
    assert (e.expected_version, e.current_version) == (1, 2)
    assert e.fields["phone"] == ("13900000000", "13700000000")
    assert "13900000000" in str(e) and "13700000000" in str(e)
    assert filled.get("customers", "001")["phone"] == "13900000000"  # bob's edit did not land


def test_update_of_a_deleted_record_is_a_conflict(filled):
    filled.delete("customers", "002", cascade=True)  # its visit goes with it
    with pytest.raises(ConflictError) as err:
        filled.update("customers", "002", {"name": "x"}, expected_version=1)
    assert err.value.deleted


def _increment_credit(url: str, n: int, who: str, queue) -> None:
    crm = crmkit.open(url, user=who)
    conflicts = 0
    for _ in range(n):
        while True:
            row = crm.get("customers", "001")
            try:
                crm.update("customers", "001", {"credit_limit": row["credit_limit"] + 1},
                           expected_version=row["version"])
                break
            except ConflictError:
                conflicts += 1
    crm.close()
    queue.put(conflicts)


def test_two_processes_editing_at_once_lose_no_edit(filled, store_url):
    n = 40
    start = filled.get("customers", "001")["credit_limit"]
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_increment_credit, args=(store_url, n, f"p{i}", queue)) for i in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    after = filled.get("customers", "001")
    assert after["credit_limit"] == start + 2 * n
    assert after["version"] == 1 + 2 * n
    updates = filled.history("customers", "001").query("op == 'update'")
    assert len(updates) == 2 * n
    assert set(updates["changed_by"]) == {"p0", "p1"}


def test_sensitive_profile_facts_only_when_asked(filled):
    filled.import_frame(pd.DataFrame({
        "customer_id": ["001", "001", "001", "002"],
        "section": ["personal", "personal", "interests", "personal"],
        "key": ["昵称", "健康状况", "兴趣爱好", "宗教信仰"],
        "value": ["老王", "高血压", "高尔夫", "佛教"],
        "sensitive": [None, None, None, True],
    }), "profile")
    plain = filled.profile()
    assert sorted(plain["key"]) == ["兴趣爱好", "昵称"]
    everything = filled.profile(include_sensitive=True)
    assert sorted(everything["key"]) == ["健康状况", "兴趣爱好", "宗教信仰", "昵称"]
    assert everything.set_index("key").loc["健康状况", "sensitive"]
    assert filled.profile("002").empty

    health = everything.set_index("key").loc["健康状况"]
    filled.update("profile", health["fact_id"], {"value": "已康复"}, expected_version=health["version"])
    change = filled.history("profile", health["fact_id"]).query("op == 'update'")
    assert change[["old_value", "new_value"]].values.tolist() == [["***", "***"]]
    change = filled.history("profile", health["fact_id"], include_sensitive=True).query("op == 'update'")
    assert change[["old_value", "new_value"]].values.tolist() == [["高血压", "已康复"]]

    added = filled.add("profile", {"customer_id": "001", "key": "宗教信仰", "value": "无"})
    assert added["sensitive"]
    hobby = everything.set_index("key").loc["兴趣爱好"]
    renamed = filled.update("profile", hobby["fact_id"], {"key": "政党"}, expected_version=hobby["version"])
    assert renamed["sensitive"] and "政党" not in set(filled.profile()["key"])


def test_opening_an_older_store_adds_the_columns_the_schema_gained(store_url):
    crm = crmkit.open(store_url)
    crm.import_frame(CUSTOMERS, "customers")
    crm._db.execute("ALTER TABLE customers DROP COLUMN tags")  # as a store made before `tags` existed
    assert "tags" not in crmkit.store.ddl._existing_columns(crm._db, "customers")
    crm.close()
    crm = crmkit.open(store_url)
    customers = crm.customers()
    assert "tags" in customers and customers["tags"].isna().all() and len(customers) == 4
    crm.close()


def test_unreachable_server_gives_a_clear_error():
    with pytest.raises(crmkit.exceptions.StoreConnectionError, match="cannot open the store"):
        crmkit.open("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_a_file_referring_to_a_deleted_customer_gets_a_warning_not_silence(filled):
    filled.delete("customers", "002", cascade=True)
    report = filled.import_frame(pd.DataFrame({"customer_id": ["002"], "occurred_at": ["2024-05-01 10:00"],
                                               "channel": ["visit"]}), "interactions")
    assert report.inserted == 1
    assert [(p.severity, p.value) for p in report.problems] == [("warning", "002")]
    assert "deleted" in report.problems[0].reason


def test_an_empty_filter_list_matches_nothing(filled):
    assert filled.interactions(customer=[]).empty and filled.customers(region=[]).empty


def test_an_update_is_checked_as_part_of_the_record_it_changes(filled):
    c = filled.get("customers", "001")
    cleared = filled.update("customers", "001", {"phone": ""}, expected_version=c["version"])
    assert cleared["phone"] is None and cleared["version"] == c["version"] + 1
    with pytest.raises(RecordValidationError, match="missing name"):
        filled.update("customers", "001", {"name": None}, expected_version=cleared["version"])
    assert filled.get("customers", "001")["name"] == "华信科技有限公司"

    s = filled.add("settlements", {"customer_id": "001", "settled_at": "2024-01-01", "receivable": 1000, "received": 800})
    assert s["outstanding"] == 200
    s = filled.update("settlements", s["settlement_id"], {"received": 950}, expected_version=s["version"])
    assert s["outstanding"] == 50  # follows the new amount
    with pytest.raises(RecordValidationError, match="≠ outstanding"):
        filled.update("settlements", s["settlement_id"], {"outstanding": 7}, expected_version=s["version"])

    k = filled.add("complaints", {"customer_id": "001", "received_at": "2024-02-01", "content": "延迟"})
    with pytest.raises(RecordValidationError, match="resolved before"):
        filled.update("complaints", k["complaint_id"], {"resolved_at": "2024-01-15"}, expected_version=k["version"])
    done = filled.update("complaints", k["complaint_id"], {"resolved_at": "2024-02-03"}, expected_version=k["version"])
    assert done["resolved_at"] == pd.Timestamp("2024-02-03")


def test_check_reports_problems_and_writes_nothing(filled):
    before = filled.counts()
    problems = filled.check("interactions", {"customer_id": "999", "occurred_at": "not a date", "channel": "来店"})
    assert {p.column for p in problems} == {"occurred_at"}  # a bad field first; references once the fields parse
    problems = filled.check("interactions", {"customer_id": "999", "occurred_at": "2024-01-01", "channel": "来店"})
    assert [(p.column, p.value) for p in problems] == [("customer_id", "999")]
    assert filled.check("customers", {"name": "新客户"}) == []
    assert [p.column for p in filled.check("customers", {"name": ""}, record_id="002")] == ["name"]
    assert filled.check("customers", {"region": "西南"}, record_id="002") == []
    assert filled.counts() == before and filled.get("customers", "002")["region"] == "华北"


def test_phones_and_emails_are_checked_on_entry(filled):
    problems = filled.check("customers", {"name": "新客户", "phone": "打我电话", "email": "no-at-sign"})
    assert {p.column for p in problems} == {"phone", "email"}
    with pytest.raises(RecordValidationError, match="not a phone number"):
        filled.update("customers", "002", {"phone": "12"}, expected_version=filled.get("customers", "002")["version"])


@pytest.mark.postgres
def test_connection_options_with_spaces_reach_postgresql(pg_url):
    # libpq reads "+" as a plus, not a space: the options must be written with %20
    url = f"{pg_url}&application_name=crm%20kit%20test"
    with crmkit.open(url.replace("options=-csearch_path%3D", "options=-c%20lock_timeout%3D1500%20-csearch_path%3D")) as crm:
        assert crm._db.scalar("SELECT current_setting('lock_timeout')") == "1500ms"
        assert crm._db.scalar("SELECT current_setting('application_name')") == "crm kit test"
