"""不宜访问时间: when a customer must not be visited, read from the forms' words and kept as one text.

The 区域 table of the forms has a column 不宜访问时间 ("周一上午", "周末", "12:00-14:00"). crmkit reads
such a cell into :class:`VisitTimes` (weekdays, each with the minutes of the day that are closed),
stores it as one canonical English text (``"Mon 08:00-12:00; Sat-Sun; daily 12:00-14:00"``, which
reads back to the same value) and writes it in Chinese for Chinese readers (``"周一上午；周末；
每天中午"``). The visit planner never proposes a visit that overlaps a closed time, and the store
refuses a planned visit that does (``rules.VisitTimeAllowed``).

What a cell may say, in any mix of Chinese and English, items separated by commas or semicolons:

- weekdays: 周一…周日 (星期一, 礼拜一, 周天), Mon…Sun (Monday …), ranges 周一至周三 / Mon-Wed, lists
  周一、周三 / Mon/Wed, and the groups 周末 / weekend, 工作日 / weekdays, 每天 / daily;
- times: the parts of the day (``PARTS_OF_DAY``: 上午 morning 08:00-12:00, 中午 noon 12:00-14:00,
  下午 afternoon 14:00-18:00, 晚上 evening 18:00-22:00, 全天 all day) and ranges of clock times
  (12:00-14:00, 9点-11点半, 下午2点-4点, 2pm-4pm);
- a weekday followed by times closes those times of that day (周一上午, Fri afternoon); weekdays
  alone close the whole day (周六); times alone close them every day (12:00-14:00);
- nothing to avoid: an empty cell, 无, 不限, none, "-".

>>> t = parse_visit_times("周一上午, 周末, 12:00-14:00")
>>> t.text()
'Mon 08:00-14:00; Tue-Fri 12:00-14:00; Sat-Sun'
>>> t.text("zh")
'周一08:00-14:00；周二至周五中午；周末'
>>> t.blocks(0, 9 * 60, 10 * 60), t.blocks(1, 9 * 60, 10 * 60)
(True, False)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .i18n import N_, translate, translate_in_context
from .values import is_missing

DAY_MINUTES = 24 * 60
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: The parts of the day the forms name, in minutes after midnight (end exclusive). 上午 ends at noon
#: and 中午 is the lunch break the forms ask reps to respect; 下午 and 晚上 are office afternoons and
#: evenings. Change them here: a stored text keeps the clock times, so old records do not move.
PARTS_OF_DAY = {"morning": (8 * 60, 12 * 60), "noon": (12 * 60, 14 * 60), "afternoon": (14 * 60, 18 * 60),
                "evening": (18 * 60, 22 * 60)}
# what a localised text calls the weekdays and the parts of the day (message ids of crmkit.i18n)
_DAY_LABELS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
_PART_LABELS = {"morning": N_("morning"), "noon": N_("noon"), "afternoon": N_("afternoon"),
                "evening": N_("evening")}
#: The working day a visit without a time of its own is judged against: it is refused only when
#: all of this is closed (a visit "some time on Monday" fits unless Monday is closed all day).
WORKING_HOURS = (8 * 60, 18 * 60)

_ALL_DAYS = frozenset(range(7))
# what an unreadable cell is told to write instead: the forms' own words, in both languages
_WEEKDAY_EXAMPLES = "周一…周日, 周末, 工作日, Mon-Sun, weekend"
_TIME_EXAMPLES = "上午, 中午, 下午, 晚上, morning, 12:00-14:00"
_NOTHING = {"无", "没有", "不限", "随时", "无限制", "none", "no", "n/a", "na", "-", "--", "/", "—"}

# one token per alternative; the scanner tries them in this order at each position
_DAY_ZH = r"(?:周|星期|礼拜|週)([一二三四五六日天])"
_DAY_EN = (r"(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|"
           r"sun(?:day)?)\b")
_CLOCK = r"(\d{1,2})(?:\s*[:.]\s*(\d{2})|\s*[点时](?:\s*(半|\d{1,2})\s*分?)?)?\s*(am|pm)?"
_TO = r"\s*(?:-|~|—|–|至|到|to)\s*"
_TOKENS = [
    ("clock_range", _CLOCK + _TO + _CLOCK),
    ("day_range", f"(?:{_DAY_ZH}|{_DAY_EN}){_TO}(?:{_DAY_ZH}|{_DAY_EN})"),
    ("day", f"{_DAY_ZH}|{_DAY_EN}"),
    ("group", r"(周末|週末|weekends?|工作日|平日|weekdays|每天|每日|天天|daily|every\s*day)"),
    ("part", r"(上午|早上|morning|\bam\b|中午|午休|午间|noon|lunch(?:\s*time)?|下午|afternoon|\bpm\b|晚上|傍晚|"
             r"evening|night|全天|整天|all\s*day|whole\s*day)"),
    ("every", r"每(?=\s*(?:周|星期|礼拜))|every(?=\s+\w)"),
    ("separator", r"[,;，；。\n|]+"),
    ("joiner", r"[、/&+]|和|及|与|以及|and\b|\s+"),
]
_CLOCK_RANGE = re.compile(_CLOCK + _TO + _CLOCK)
_SCANNER = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOKENS))
_ZH_DAY = {c: i for i, c in enumerate("一二三四五六")} | {"日": 6, "天": 6}
_PART_WORDS = {"上午": "morning", "早上": "morning", "morning": "morning", "am": "morning", "中午": "noon",
               "午休": "noon", "午间": "noon", "noon": "noon", "lunch": "noon", "lunchtime": "noon",
               "下午": "afternoon", "afternoon": "afternoon", "pm": "afternoon", "晚上": "evening", "傍晚": "evening",
               "evening": "evening", "night": "evening"}


class VisitTimesError(ValueError):
    """A 不宜访问时间 that cannot be read; the message names the part that could not be read."""


@dataclass(frozen=True)
class VisitTimes:
    """The closed times of a week: for each weekday (0 = Monday), merged (start, end) minute ranges."""

    days: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7

    def __bool__(self) -> bool:
        return any(self.days)

    def blocks(self, weekday: int, start: int, end: int) -> bool:
        """Whether a visit on ``weekday`` from minute ``start`` to ``end`` overlaps a closed time."""
        return any(s < end and start < e for s, e in self.days[weekday])

    def closed_all_day(self, weekday: int, hours: tuple[int, int] = WORKING_HOURS) -> bool:
        """Whether the whole working day (``WORKING_HOURS``) of ``weekday`` is closed."""
        return any(s <= hours[0] and hours[1] <= e for s, e in self.days[weekday])

    def text(self, lang: str = "en") -> str:
        """The canonical text ("en", what the store keeps), or the text in ``lang`` through the
        catalog ("zh": 周一上午；周末); each reads back to the same value."""
        if lang != "en":
            return _localised(self, lang)
        clauses = []
        for days, ranges in _groups(self.days):
            times = " ".join(_range_en(r) for r in ranges if r != (0, DAY_MINUTES))
            clauses.append(" ".join(p for p in (_days_en(days, bool(times)), times) if p))
        return "; ".join(clauses)

    def __str__(self) -> str:
        return self.text()


def parse_visit_times(value, lang: str = "en") -> VisitTimes:
    """Read a 不宜访问时间 cell; an empty or "无" cell is no closed time. Raises VisitTimesError
    (its message in ``lang``) naming the part that cannot be read."""
    if is_missing(value):
        return VisitTimes()
    return _parse(str(value), lang)


def canonical_visit_times(value, lang: str = "en") -> str | None:
    """The text the store keeps for a cell (None: nothing closed); VisitTimesError when unreadable."""
    times = parse_visit_times(value, lang)
    return times.text() if times else None


def parse_clock(value, lang: str = "en") -> int:
    """A time of day ("9:30", "09:30:00", "9点半", "2pm") -> minutes after midnight; VisitTimesError."""
    text = _normalise(str(value))
    text = re.sub(r"^(\d{1,2}:\d{2}):00$", r"\1", text)  # a spreadsheet's 09:30:00
    m = re.fullmatch(_CLOCK, text)
    minute = _clock_minutes(m.groups()) if m else None
    if minute is None or minute >= DAY_MINUTES:
        raise VisitTimesError(translate("{value} is not a time of day: write it like 09:30", lang, value=repr(value)))
    return minute


def canonical_clock(value, lang: str = "en") -> str:
    """The text the store keeps for a time of day: "09:30"; VisitTimesError when unreadable."""
    return clock_text(parse_clock(value, lang))


def clock_text(minute: int) -> str:
    """Minutes after midnight as the store writes a time: "09:30"."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


# --------------------------------------------------------------------------- reading


@lru_cache(maxsize=4096)  # a column holds a few distinct texts many times over
def _parse(raw: str, lang: str) -> VisitTimes:
    text = _normalise(raw)
    if text in _NOTHING or not text:
        return VisitTimes()
    closed: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    days: set[int] = set()
    ranges: list[tuple[int, int]] = []
    pending_part: str | None = None  # 下午 right before 2点-4点 makes them afternoon hours

    def close_clause():
        nonlocal days, ranges
        if days or ranges:
            for d in days or _ALL_DAYS:
                closed[d].extend(ranges or [(0, DAY_MINUTES)])
        days, ranges = set(), []

    pos = 0
    while pos < len(text):
        m = _SCANNER.match(text, pos)
        if not m or m.end() == pos:
            raise _unreadable(raw, text[pos:], lang)
        kind, token = m.lastgroup, m.group(0)
        pos = m.end()
        before, pending_part = pending_part, None
        if kind == "joiner" and not token.strip():
            pending_part = before  # 下午 2点-4点: a space keeps the part with the clock times
        elif kind in ("day", "day_range", "group"):
            if ranges:  # a weekday after times starts the next item: 周一上午、周三下午
                close_clause()
            days |= _days_of(kind, token)
        elif kind == "part":
            part = _part_of(token)
            ranges.append(PARTS_OF_DAY[part] if part else (0, DAY_MINUTES))
            pending_part = part
        elif kind == "clock_range":
            span = _clock_range(token, before)
            if span is None:
                raise _unreadable(raw, token, lang)
            if span[0] >= span[1]:
                raise VisitTimesError(translate(
                    "{value}: {range} ends before it starts; write a range within one day, like 12:00-14:00",
                    lang, value=repr(raw), range=token.strip()))
            if before is not None and ranges and ranges[-1] == PARTS_OF_DAY[before]:
                ranges.pop()  # 下午2点-4点: the clock times say which part of the afternoon
            ranges.append(span)
        elif kind == "separator":
            close_clause()
    close_clause()
    return VisitTimes(tuple(_merged(c) for c in closed))


def _normalise(text: str) -> str:
    # full-width digits, colons and tildes (１２：００～１４：００) read as their ASCII forms
    return unicodedata.normalize("NFKC", text).strip().lower()


def _unreadable(raw: str, rest: str, lang: str) -> VisitTimesError:
    part = re.split(r"[,;，；、\s]", rest.strip(), maxsplit=1)[0] or rest.strip()
    return VisitTimesError(translate(
        "cannot read {part} in {value}: write weekdays ({weekdays}) and/or times ({times}), items separated by "
        "commas", lang, part=repr(part), value=repr(raw), weekdays=_WEEKDAY_EXAMPLES, times=_TIME_EXAMPLES))


def _days_of(kind: str, token: str) -> set[int]:
    if kind == "group":
        word = token.replace(" ", "")
        if word in ("周末", "週末", "weekend", "weekends"):
            return {5, 6}
        if word in ("工作日", "平日", "weekdays"):
            return set(range(5))
        return set(_ALL_DAYS)
    found = [_weekday(zh or en) for zh, en in re.findall(f"{_DAY_ZH}|{_DAY_EN}", token)]
    if kind == "day_range":
        first, last = found
        return set(range(first, last + 1)) if first <= last else set(range(first, 7)) | set(range(0, last + 1))
    return {found[0]}


def _part_of(token: str) -> str | None:
    """The part of the day a word names; None for the whole day (全天, all day)."""
    return _PART_WORDS.get(re.sub(r"\s+", "", token))


def _weekday(word: str) -> int:
    return _ZH_DAY[word] if word in _ZH_DAY else [w.lower() for w in WEEKDAYS].index(word[:3])


def _clock_range(token: str, part: str | None) -> tuple[int, int] | None:
    groups = _CLOCK_RANGE.fullmatch(token.strip()).groups()
    start, end = _clock_minutes(groups[0:4]), _clock_minutes(groups[4:8])
    if start is None or end is None or end > DAY_MINUTES:
        return None
    if part in ("afternoon", "evening"):  # 下午2点 is 14:00
        start, end = (t + 720 if t < 720 else t for t in (start, end))
    elif groups[7] == "pm" and groups[3] is None and start < 720 and start + 720 < end:
        start += 720  # 2-4pm
    return start, end


def _clock_minutes(parts) -> int | None:
    hour, minute, zh_minute, am_pm = parts
    h = int(hour)
    m = 30 if zh_minute == "半" else int(zh_minute or minute or 0)
    if am_pm == "pm" and h < 12:
        h += 12
    elif am_pm == "am" and h == 12:
        h = 0
    if h > 24 or m > 59 or (h == 24 and m):
        return None
    return h * 60 + m


def _merged(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[list[int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return tuple((s, e) for s, e in out)


# --------------------------------------------------------------------------- writing


def _groups(days):
    """Weekdays with the same closed times, in the order of their first weekday."""
    seen: dict[tuple, list[int]] = {}
    for d, ranges in enumerate(days):
        if ranges:
            seen.setdefault(ranges, []).append(d)
    return sorted(((tuple(ds), r) for r, ds in seen.items()), key=lambda g: g[0][0])


def _runs(days: tuple[int, ...]) -> list[tuple[int, int]]:
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][1] + 1:
            runs[-1][1] = d
        else:
            runs.append([d, d])
    return [(a, b) for a, b in runs]


def _days_en(days: tuple[int, ...], has_times: bool) -> str:
    if len(days) == 7:
        return "daily" if has_times else "Mon-Sun"
    return "/".join(WEEKDAYS[a] if a == b else f"{WEEKDAYS[a]}-{WEEKDAYS[b]}" for a, b in _runs(days))


def weekday_label(weekday: int, lang: str) -> str:
    """A weekday as ``lang`` writes it: Mon, 周一."""
    return translate(_DAY_LABELS[weekday], lang)


def _localised(times: VisitTimes, lang: str) -> str:
    # each text spelled out where it is used, so that the catalog's extractor finds it
    comma = translate_in_context("closed times", ", ", lang)
    clauses = []
    for days, ranges in _groups(times.days):
        if len(days) == 7:
            named = translate_in_context("closed times", "daily", lang)
        elif days == (5, 6):
            named = translate_in_context("closed times", "weekend", lang)
        elif days == (0, 1, 2, 3, 4):
            named = translate_in_context("closed times", "weekdays", lang)
        else:
            named = comma.join(weekday_label(a, lang) if a == b else translate_in_context(
                "closed times", "{first} to {last}", lang, first=weekday_label(a, lang), last=weekday_label(b, lang))
                for a, b in _runs(days))
        if ranges == ((0, DAY_MINUTES),):
            clauses.append(named)
        else:
            spans = comma.join(_range_label(r, lang) for r in ranges)
            clauses.append(named + spans)  # as the forms write it, 周一上午: English reads the canonical text
    return translate_in_context("closed times", "; ", lang).join(clauses)


def _range_label(r: tuple[int, int], lang: str) -> str:
    for part, span in PARTS_OF_DAY.items():
        if span == r:
            return translate(_PART_LABELS[part], lang)
    return _range_en(r)


def _range_en(r: tuple[int, int]) -> str:
    return f"{clock_text(r[0])}-{clock_text(r[1])}"


