"""crmkit.visit_times: 不宜访问时间 read from the forms' Chinese and from English, kept as one canonical
text that reads back to the same value (in English and in Chinese), and refused with the part that
cannot be read; on customers, through an import, an edit and an export."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.exceptions import ImportValidationError, RecordValidationError
from crmkit.visit_times import (DAY_MINUTES, VisitTimes, VisitTimesError, canonical_visit_times, parse_clock,
                                parse_visit_times)

MORNING, NOON, AFTERNOON = (480, 720), (720, 840), (840, 1080)
WHOLE = (0, DAY_MINUTES)


def closed(**days) -> VisitTimes:
    """VisitTimes from weekday names: closed(mon=[MORNING], sat=[WHOLE])."""
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return VisitTimes(tuple(tuple(days.get(n, ())) for n in names))


@pytest.mark.parametrize("text, expected", [
    ("周一上午", closed(mon=[MORNING])),
    ("星期一 上午", closed(mon=[MORNING])),
    ("Monday morning", closed(mon=[MORNING])),
    ("周末", closed(sat=[WHOLE], sun=[WHOLE])),
    ("weekends", closed(sat=[WHOLE], sun=[WHOLE])),
    ("12:00-14:00", closed(**{d: [NOON] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})),
    ("１２：００～１４：００", closed(**{d: [NOON] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})),
    ("工作日中午", closed(**{d: [NOON] for d in ("mon", "tue", "wed", "thu", "fri")})),
    ("周一至周三 16:00-18:00", closed(mon=[(960, 1080)], tue=[(960, 1080)], wed=[(960, 1080)])),
    ("Mon-Wed 4pm-6pm", closed(mon=[(960, 1080)], tue=[(960, 1080)], wed=[(960, 1080)])),
    ("周一、周三上午", closed(mon=[MORNING], wed=[MORNING])),
    ("周一上午、周三下午", closed(mon=[MORNING], wed=[AFTERNOON])),
    ("每周三下午2点-4点", closed(wed=[(840, 960)])),
    ("周二 9点-11点半", closed(tue=[(540, 690)])),
    ("周五全天；周一上午", closed(mon=[MORNING], fri=[WHOLE])),
    ("周五至周一", closed(mon=[WHOLE], fri=[WHOLE], sat=[WHOLE], sun=[WHOLE])),
    ("周一上午, 12:00-14:00", closed(mon=[(480, 840)], **{d: [NOON] for d in ("tue", "wed", "thu", "fri", "sat",
                                                                               "sun")})),
    ("无", VisitTimes()),
    ("none", VisitTimes()),
    ("", VisitTimes()),
])
def test_the_forms_words_and_english_read_to_closed_minutes(text, expected):
    assert parse_visit_times(text) == expected


def test_the_canonical_text_and_the_chinese_one_read_back_to_the_same_value():
    times = parse_visit_times("周一上午, 周末, 12:00-14:00")
    assert times.text() == "Mon 08:00-14:00; Tue-Fri 12:00-14:00; Sat-Sun"
    assert times.text("zh") == "周一08:00-14:00；周二至周五中午；周末"
    assert parse_visit_times(times.text()) == times == parse_visit_times(times.text("zh"))
    assert canonical_visit_times("无") is None and canonical_visit_times("周日") == "Sun"


week_days = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 47), st.integers(1, 48)), max_size=6)


@settings(max_examples=150, deadline=None)
@given(spans=week_days)
def test_any_closed_week_reads_back_from_both_of_its_texts(spans):
    days = [[] for _ in range(7)]
    for day, start, length in spans:
        days[day].append((start * 30, min(DAY_MINUTES, (start + length) * 30)))
    text = "; ".join(f"{('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')[d]} "
                     f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"
                     for d, ranges in enumerate(days) for s, e in ranges)
    times = parse_visit_times(text)
    for d, ranges in enumerate(days):  # closed exactly where a range was given, open elsewhere
        for minute in range(0, DAY_MINUTES, 30):
            assert times.blocks(d, minute, minute + 30) == any(s <= minute < e for s, e in ranges)
    assert parse_visit_times(times.text()) == times == parse_visit_times(times.text("zh"))


@pytest.mark.parametrize("text, part", [
    ("周八上午", "'周八上午'"), ("sometimes", "'sometimes'"), ("周一上午，有空再说", "'有空再说'"),
    ("25:00-26:00", "'25:00-26:00'"),
])
def test_an_unreadable_cell_names_the_part_it_cannot_read(text, part):
    with pytest.raises(VisitTimesError, match="cannot read") as err:
        parse_visit_times(text)
    assert part in str(err.value) and repr(text) in str(err.value)
    with pytest.raises(VisitTimesError, match="无法识别"):
        parse_visit_times(text, "zh")


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(VisitTimesError, match="14:00-12:00 ends before it starts"):
        parse_visit_times("14:00-12:00")


def test_a_visit_overlapping_a_closed_time_is_blocked_and_one_beside_it_is_not():
    times = parse_visit_times("12:00-14:00")
    assert times.blocks(2, 11 * 60 + 30, 12 * 60 + 30) and not times.blocks(2, 11 * 60, 12 * 60)
    assert not times.blocks(2, 14 * 60, 15 * 60)
    assert parse_visit_times("周六").closed_all_day(5) and not times.closed_all_day(5)


def test_clock_times():
    assert [parse_clock(t) for t in ("9:30", "09:30:00", "9点半", "2pm", "14点")] == [570, 570, 570, 840, 840]
    with pytest.raises(VisitTimesError, match="not a time of day"):
        parse_clock("下班后")


# --------------------------------------------------------------------------- on customers, in the store


def test_an_import_from_the_forms_headers_keeps_the_canonical_text(store):
    frame = pd.DataFrame({"客户编号": ["001", "002", "003"], "客户名称": ["甲公司", "乙公司", "丙公司"],
                          "不宜访问时间": ["周一上午，周末", "12:00-14:00", None]})
    store.import_frame(frame, "customers")
    got = store.customers().set_index("customer_id")["no_visit_times"]
    assert (got["001"], got["002"]) == ("Mon 08:00-12:00; Sat-Sun", "daily 12:00-14:00") and pd.isna(got["003"])


def test_an_unreadable_cell_fails_the_import_naming_row_column_and_value_and_writes_nothing(store, tmp_path):
    path = tmp_path / "客户.csv"
    path.write_text("客户编号,客户名称,不宜访问时间\n001,甲公司,周一上午\n002,乙公司,周八下午\n", encoding="utf-8")
    before = store.state()
    with pytest.raises(ImportValidationError) as err:
        store.import_file(path, "customers")
    [problem] = err.value.report.errors
    assert (problem.row, problem.column, problem.value, problem.code) == (3, "不宜访问时间", "周八下午",
                                                                          "bad_visit_times")
    assert "cannot read '周八下午'" in problem.reason
    assert store.state() == before


def test_an_edit_is_read_and_checked_and_kept_in_the_history(store):
    store.add("customers", {"customer_id": "001", "name": "甲公司"})
    row = store.update("customers", "001", {"no_visit_times": "星期五下午"}, expected_version=1)
    assert row["no_visit_times"] == "Fri 14:00-18:00"
    with pytest.raises(RecordValidationError, match="cannot read"):
        store.update("customers", "001", {"no_visit_times": "下雨天"}, expected_version=2)
    history = store.history("customers", "001")
    assert history.query("field == 'no_visit_times'")["new_value"].tolist() == ["Fri 14:00-18:00"]


def test_the_chinese_export_writes_the_forms_words_and_reads_back_the_same(store, tmp_path):
    store.import_frame(pd.DataFrame({"customer_id": ["001", "002"], "name": ["甲", "乙"],
                                     "no_visit_times": ["周一上午, 周末", "工作日 12:00-13:30"]}), "customers")
    path = store.export("customers", tmp_path / "客户.xlsx", lang="zh")
    cells = pd.read_excel(path, dtype=str, engine="openpyxl").set_index("客户编号")["不宜访问时间"]
    assert cells.to_dict() == {"001": "周一上午；周末", "002": "工作日12:00-13:30"}
    before = store.customers()["no_visit_times"].tolist()
    report = store.import_file(path, "customers")
    assert report.unchanged == 2 and store.customers()["no_visit_times"].tolist() == before
