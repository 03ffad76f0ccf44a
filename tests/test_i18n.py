"""crmkit.i18n: every user-facing text comes from one catalog, in one shape, and the catalog is complete."""

from __future__ import annotations

import ast
import doctest
import re
import string
from pathlib import Path

import pytest

import crmkit
from crmkit import i18n, schema
from crmkit.exceptions import ValueInputError
from crmkit.i18n import (N_, check_lang, choice_label, choice_labels, column_label, table_label, translate,
                         translate_in_context)
from crmkit.locale import catalogs

PACKAGE = Path(crmkit.__file__).parent
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")

# Where Chinese may sit beside English: the catalog's module, schema.py (the labels of record
# fields and enum values, with the records they describe) and the demo data's word pools (names
# and pinyin of made-up people: data, not labels).
ALLOWED = {PACKAGE / "i18n.py", PACKAGE / "schema.py"}
ALLOWED_DIRS = {PACKAGE / "demo"}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if p not in ALLOWED and not any(d in p.parents for d in ALLOWED_DIRS))


def _is_str(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _name(func) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _used_message_ids() -> dict[str | tuple[str, str], list[str]]:
    """Every message id the code writes literally -> where: ``translate("…")``,
    ``translate_in_context("ctx", "…")`` and ``N_("…")``: read here independently of Babel's
    extractor, so a text the extractor misses (inside an f-string, say) is caught."""
    used: dict = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name, args = _name(node.func), node.args
            key = None
            if name in ("translate", "N_", "_translated") and args and _is_str(args[0]):
                key = args[0].value
            elif name == "translate_in_context" and len(args) >= 2 and _is_str(args[0]) and _is_str(args[1]):
                key = (args[0].value, args[1].value)
            if key is not None:
                used.setdefault(key, []).append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return used


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# ----------------------------------------------------------------------------- one source


def _translation_tables(path: Path, root: Path = PACKAGE) -> list[str]:
    """Places in ``path`` that hold their own Chinese and English for the same thing."""
    found = []

    def pair(node) -> bool:  # ("中文", "English")
        if not (isinstance(node, ast.Tuple) and len(node.elts) == 2 and all(map(_is_str, node.elts))):
            return False
        a, b = (e.value for e in node.elts)
        return bool(CJK.search(a)) != bool(CJK.search(b)) and bool(LATIN.search(a + b))

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if k is not None and _is_str(k)]
            if {"zh", "en"} <= set(keys):
                found.append(f"{where}: a dict keyed 'zh' and 'en'")
            elif len(node.values) >= 2 and all(map(pair, node.values)):
                found.append(f"{where}: a dict of (Chinese, English) pairs")
            elif (len(node.values) >= 3 and len(keys) == len(node.keys)
                  and all(LATIN.search(k) and not CJK.search(k) for k in keys)
                  and all(_is_str(v) and CJK.search(v.value) for v in node.values)):
                found.append(f"{where}: a dict of English keys and Chinese labels")
        elif isinstance(node, ast.IfExp) and _is_str(node.body) and _is_str(node.orelse):
            texts = (node.body.value, node.orelse.value)
            if "lang" in ast.unparse(node.test) and sum(bool(CJK.search(t)) for t in texts) == 1:
                found.append(f"{where}: a Chinese-or-English choice on lang")
    return found


def test_no_module_outside_i18n_keeps_its_own_translations():
    found = [place for path in _modules() for place in _translation_tables(path)]
    assert not found, "translations belong in crmkit/locale/zh/LC_MESSAGES/crmkit.po (through crmkit.i18n):\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    'TEXT = {"zh": {"save": "保存"}, "en": {"save": "Save"}}',
    'LABELS = {"save": ("保存", "Save"), "undo": ("撤销", "Undo")}',
    'STATUS = {"open": "待处理", "closed": "已关闭", "resolved": "已解决"}',
    'word = "保存" if lang == "zh" else "Save"',
])
def test_the_one_source_check_sees_each_shape_of_table(tmp_path, source):
    path = tmp_path / "module.py"
    path.write_text(source + "\n", encoding="utf-8")
    assert _translation_tables(path, root=tmp_path)


# ----------------------------------------------------------------------------- the catalog


@pytest.fixture(scope="module")
def extracted():
    return catalogs.extract()


@pytest.fixture(scope="module")
def chinese():
    return catalogs.read("zh")


def _key(message):
    return (message.context, message.id) if message.context else message.id


def test_babel_extracts_every_text_the_code_marks(extracted):
    # a translate() call inside an f-string is invisible to the extractor, hence untranslated
    found = {_key(m) for m in extracted if m.id}
    missed = {k: v for k, v in _used_message_ids().items() if k not in found}
    assert not missed, "write these message ids outside f-strings:\n" + "\n".join(f"{k!r} ({v})" for k, v in
                                                                                  missed.items())


def test_every_text_the_code_uses_has_chinese(extracted):
    problems = catalogs.check("zh", extracted)
    assert not problems.untranslated, ("untranslated (python -m crmkit.locale update, then fill in "
                                       "crmkit/locale/zh/LC_MESSAGES/crmkit.po):\n" + "\n".join(problems.untranslated))


def test_the_catalog_holds_no_text_the_code_does_not_use(extracted):
    assert not catalogs.check("zh", extracted).unused


def test_the_shipped_mo_is_compiled_from_the_po(extracted):
    assert not catalogs.check("zh", extracted).stale_mo, "run: python -m crmkit.locale compile"


def test_the_check_finds_an_untranslated_an_unused_and_a_stale_entry(tmp_path, monkeypatch, extracted):
    # the same check on a copy of the catalog with one of each fault: it can fail
    from babel.messages.catalog import Catalog

    catalog = catalogs.read("zh")
    catalog.delete("Save")
    catalog.add("Save", "")                                   # untranslated
    catalog.add("A text no code writes", "没有代码用的文字")   # unused
    monkeypatch.setattr(catalogs, "LOCALE_DIR", tmp_path)
    catalogs.write("zh", catalog)
    catalogs.mo_path("zh").write_bytes(b"")                    # not compiled from this .po
    problems = catalogs.check("zh", extracted)
    assert problems.untranslated == ["'Save'"] and problems.unused == ["'A text no code writes'"]
    assert problems.stale_mo and bool(problems) and isinstance(catalog, Catalog)


def test_every_entry_keeps_its_fields_and_is_chinese(chinese):
    entries = [m for m in chinese if m.id]
    assert len(entries) > 500
    for message in entries:
        assert CJK.search(message.string), f"{_key(message)!r} has no Chinese"
        assert _fields(message.string) == _fields(message.id), f"{_key(message)!r}: the Chinese must fill the same fields"
        assert ("python-brace-format" in message.flags) == ("{" in message.id)


def test_english_is_complete_by_construction_no_message_id_holds_chinese(extracted):
    # English is the source language: every message id is the English a user reads, so an
    # English page can show Chinese only where the data holds it
    chinese_ids = [_key(m) for m in extracted if m.id and CJK.search(m.id + (m.context or ""))]
    assert not chinese_ids


def test_the_maintainer_command_checks_the_catalog():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "crmkit.locale", "check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_context_tells_apart_one_english_word_read_two_ways():
    assert translate("Grade", "zh") == "有望度等级"
    assert translate_in_context("plan grade", "Grade", "zh") == "级别"
    assert translate_in_context("intent grade", "Grade", "zh") == "有望度"
    assert {translate_in_context(c, "Grade", "en") for c in ("plan grade", "intent grade")} == {"Grade"}


# ----------------------------------------------------------------------------- translate


def test_english_is_the_message_id_and_chinese_comes_from_the_catalog():
    assert translate("Save", "en") == "Save"
    assert translate("Save", "zh") == "保存"
    assert translate("Save", "zh+en") == "保存 · Save"


def test_a_text_without_chinese_reads_in_english():
    assert translate("A sentence nobody translated, {n} times", "zh", n=2) == "A sentence nobody translated, 2 times"
    assert translate("A sentence nobody translated", "zh+en") == "A sentence nobody translated"
    assert translate_in_context("nowhere", "Save", "zh") == "Save"   # a context is part of the id


def test_fields_are_filled_with_their_formats_in_both_languages():
    assert translate("{n:,} open cards, {late:,} overdue", "en", n=12345, late=7) == "12,345 open cards, 7 overdue"
    assert translate("{n:,} open cards, {late:,} overdue", "zh", n=12345, late=7) == \
        "12,345 张跟进中的意向卡, 其中 7 张逾期"
    assert translate("Overall close rate {r:.0%}", "zh", r=0.256) == "整体成交率 26%"
    assert translate("Class {c}", "zh", c="A") == "A类"
    assert translate("rows {first}–{last} of {total}", "zh+en", first=1, last=2, total=3) == \
        "第 1–2 条，共 3 条 · rows 1–2 of 3"
    with pytest.raises(KeyError):
        translate("saved {n} record(s)", "zh", m=1)


def test_an_unknown_language_is_refused_with_the_choices():
    with pytest.raises(ValueInputError, match="'zh'.*'en'") as err:
        translate("Save", "fr")
    assert err.value.column == "lang"
    with pytest.raises(ValueError, match="lang"):
        check_lang("zh+en")                    # rendered already, switched on by the language issue
    assert check_lang("en") == "en" and i18n.LANGS == ("zh", "en")
    with pytest.raises(ValueInputError):
        column_label(schema.CUSTOMERS["owner"], "de")


def test_n_marks_a_text_and_returns_it():
    assert N_("rep") == "rep"


# ----------------------------------------------------------------------------- schema labels


def test_field_table_and_enum_labels_come_from_the_schema():
    owner, channel = schema.CUSTOMERS["owner"], schema.INTERACTIONS["channel"]
    assert column_label(owner, "zh") == owner.zh == "业务负责人"
    assert column_label(owner, "en") == "Owner"
    assert column_label(owner, "zh+en") == "业务负责人 · Owner"
    assert table_label(schema.CUSTOMERS, "zh") == "客户档案" and table_label(schema.CUSTOMERS, "en") == "Customers"
    assert choice_label(channel, "walk_in", "zh") == "来店" and choice_label(channel, "walk_in", "en") == "walk in"
    assert choice_label(channel, "carrier pigeon", "zh") == "carrier pigeon"   # not in the schema: as it is
    assert choice_labels(channel, "zh") == schema.CHANNELS
    assert list(choice_labels(schema.OPPORTUNITIES["stage"], "en")) == list(schema.STAGES)


def test_the_examples_in_the_docstrings_hold():
    assert doctest.testmod(i18n).failed == 0


# ----------------------------------------------------------------------------- the texts users see


def test_default_segment_names_take_their_chinese_from_the_catalog():
    from crmkit.value import clusters, migration, rfm

    first_two = [(name, zh) for name, zh, _ in rfm.SEGMENT_RULES[:2]]
    assert first_two == [("Champions", "重要价值客户"), ("Loyal", "忠诚客户")]
    assert rfm.OTHER_SEGMENT == ("Other", "其他")
    assert all(translate(name, "zh") != name for name in clusters.CLUSTER_NAMES.values())
    labels = migration.migration_labels("abc")
    assert labels == {"A": "A类", "B": "B类", "C": "C类", "New/none": "新增（此前未购买）"}
    assert migration.migration_labels("value_grade")["B"] == schema.VALUE_GRADES["B"]
