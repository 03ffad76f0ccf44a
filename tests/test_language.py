"""One language switch: lang= where given, else the store's setting, else the locale, else each
place's own default; and the store's currency (crmkit.language, crmkit.store.settings)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import crmkit
from crmkit import cli, language
from crmkit.exceptions import AccessDeniedError, ImportValidationError, ValueInputError
from crmkit.widgets import EntryForms, RecordEditor

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.mark.parametrize("environ, expected", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "zh_TW.Big5"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"), ({"LANG": "C.UTF-8"}, None), ({"LANG": "POSIX"}, None), ({}, None),
    ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),        # gettext's order: LC_ALL first
    ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_ALL": "", "LANG": "zh_CN.UTF-8@pinyin"}, "zh"),
])
def test_the_locale_names_a_language_or_nothing(environ, expected):
    assert language.locale_lang(environ) == expected


def test_a_store_says_nothing_until_an_admin_sets_its_language_and_currency(store):
    assert store.settings()["lang"] is None and store.currency == "CNY"
    settings = store.configure(lang="en", currency="usd")
    assert (settings["lang"], settings["currency"], settings["set_by"]) == ("en", "USD", "tester")
    assert pd.Timestamp(settings["set_at"]) <= pd.Timestamp.now()
    with crmkit.open(store.url) as again:                  # kept in the store, for whoever opens it
        assert (again.lang, again.currency) == ("en", "USD")
    store.configure(currency="EUR")                         # one at a time: the other stays
    assert (store.lang, store.currency) == ("en", "EUR")


@pytest.mark.parametrize("bad, column", [({"lang": "fr"}, "lang"), ({"lang": "zh+en", "currency": "XYZ"}, "currency"),
                                         ({"currency": "dollars"}, "currency")])
def test_a_bad_setting_is_refused_with_the_choices_and_nothing_is_written(store, bad, column):
    with pytest.raises(ValueInputError) as err:
        store.configure(**bad)
    assert err.value.column == column
    assert store.settings() == {"lang": None, "currency": None, "set_by": None, "set_at": None}


def test_only_an_admin_changes_the_settings(store):
    store.add_user("li", "rep-password-1", role="rep", rep="李娜")
    with crmkit.open(store.url, user="li") as rep:
        with pytest.raises(AccessDeniedError):
            rep.configure(lang="en")
        assert rep.lang == "zh"                              # reading them is for everyone
    assert store.settings()["lang"] is None


def test_the_order_is_argument_then_store_then_locale_then_the_places_own(store, monkeypatch):
    assert language.resolve_lang(None, store, fallback="zh") == "zh"       # C locale, nothing set
    assert language.resolve_lang(None, store, fallback="en") == "en"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert language.resolve_lang(None, store, fallback="zh") == "en"       # the locale
    store.configure(lang="zh")
    assert language.resolve_lang(None, store, fallback="en") == "zh"       # the store beats the locale
    assert language.resolve_lang("en", store, fallback="zh") == "en"       # an argument beats both
    store.configure(lang="zh+en")
    assert language.resolve_lang(None, store, fallback="zh") == "zh+en"    # a report shows both …
    assert language.one_lang(None, store) == "zh"                          # … a form its Chinese


def test_widgets_speak_the_stores_language_unless_told(store, monkeypatch):
    store.configure(lang="en")
    forms = EntryForms(store)
    assert forms.lang == "en" and not CJK.search(forms.forms["customers"].save_button.description)
    assert RecordEditor(store).lang == "en"
    assert EntryForms(store, lang="zh").lang == "zh"
    store.configure(lang="zh")
    monkeypatch.setenv("LANG", "en_US.UTF-8")                # the store's Chinese wins over the locale
    assert CJK.search(EntryForms(store).forms["customers"].save_button.description)


def test_import_problems_speak_the_stores_language(store, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("客户编号,客户名称,客户级别\n001,华信科技,Q\n", encoding="utf-8")
    with pytest.raises(ImportValidationError) as english:
        store.import_file(path, "customers")                # the command line's English by default
    store.configure(lang="zh")
    with pytest.raises(ImportValidationError) as chinese:
        store.import_file(path, "customers")
    # the allowed values keep the form's own words (A级) in both: a file may write either
    english, chinese = english.value.report.problems[0].reason, chinese.value.report.problems[0].reason
    assert english.startswith("unknown value_grade 'Q'; allowed:")
    assert CJK.search(chinese.split("A级")[0]) and "unknown" not in chinese
    assert store.counts()["customers"] == 0


def test_crmkit_init_sets_them_and_every_command_follows(sqlite_url, tmp_path, capsys):
    assert cli.main(["init", "--db", sqlite_url, "--lang", "zh", "--currency", "CNY"]) == 0
    said = capsys.readouterr().out
    assert "语言：zh" in said and "币种：CNY" in said and "客户档案" in said
    assert cli.main(["user", "list", "--db", sqlite_url]) == 0
    assert capsys.readouterr().out.strip() == "没有账户"
    assert cli.main(["init", "--db", sqlite_url, "--lang", "en"]) == 0
    said = capsys.readouterr().out
    assert "language: en (set by" in said and not CJK.search(said)
    assert cli.main(["export", "customers", str(tmp_path / "c.csv"), "--db", sqlite_url]) == 0
    assert open(tmp_path / "c.csv", encoding="utf-8-sig").readline().startswith("customer_id,name,")  # not 客户编号


def test_an_unknown_language_on_the_command_line_is_refused_before_anything_runs(sqlite_url, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["init", "--db", sqlite_url, "--lang", "fr"])
    assert exit_.value.code == 2 and "invalid choice: 'fr'" in capsys.readouterr().err


def test_the_command_lines_errors_speak_the_language_too(sqlite_url, tmp_path, capsys, monkeypatch):
    assert cli.main(["init", "--db", sqlite_url, "--lang", "zh"]) == 0
    capsys.readouterr()
    assert cli.main(["import", str(tmp_path / "nothere.csv"), "--table", "customers", "--db", sqlite_url]) == 1
    assert "错误：" in (said := capsys.readouterr().err) and "文件不存在" in said
    assert cli.main(["import", str(tmp_path / "nothere.csv"), "--table", "customers", "--db", sqlite_url,
                     "--lang", "en"]) == 1
    assert "error: " in (said := capsys.readouterr().err) and "no such file" in said
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")          # no store to ask: the locale decides
    assert cli.main(["init", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"]) == 1
    assert "无法打开数据库" in capsys.readouterr().err


def test_an_error_says_in_either_language_what_was_refused(store):
    store.add_user("li", "rep-password-1", role="rep", rep="李娜")
    with crmkit.open(store.url, user="li") as rep, pytest.raises(AccessDeniedError) as err:
        rep.configure(currency="USD")
    assert str(err.value) == err.value.describe("en") == "li may not change the store's settings: only an admin may"
    assert err.value.describe("zh") == "li 不能修改数据库设置：只有管理员可以"
