"""Every text a user reads, in English or Chinese, from one place.

The English text is the message id, as in gettext: code writes ``translate("Save", lang)`` and a
user reads "Save" or "保存". The Chinese of every such text is in one gettext catalog,
``crmkit/locale/zh/LC_MESSAGES/crmkit.po``, compiled to the ``crmkit.mo`` beside it that the
standard ``gettext`` module reads here; Babel extracts the texts from the code and compiles the
catalog (``python -m crmkit.locale update``, see :mod:`crmkit.locale.catalogs`). A text with no
Chinese there falls back to its English. Labels of record fields and enum values are not
repeated in the catalog: they stay in ``crmkit.schema`` with the records they describe
(``Column.zh``, ``Column.choices``), and :func:`column_label`, :func:`table_label` and
:func:`choice_label` read them, so a new field or enum value is still one edit in schema.py.

>>> translate("Save", "zh")
'保存'
>>> translate("saved {n} record(s)", "en", n=3)
'saved 3 record(s)'
>>> from crmkit import schema
>>> choice_label(schema.INTERACTIONS["channel"], "walk_in", "zh"), column_label(schema.CUSTOMERS["owner"], "en")
('来店', 'Owner')

Languages: ``"zh"`` (Chinese, the default everywhere) and ``"en"``. ``"zh+en"`` renders both,
"保存 · Save", for teams that want bilingual labels; widgets and charts accept it once it joins
:data:`LANGS`.

Texts held as data (a table's column headers, the phrases of ``close.explain``) are marked with
:func:`N_` where they are written, so Babel's extractor finds every message id. A message id
must be a literal (not an f-string) for the same reason.
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from .exceptions import ValueInputError

if TYPE_CHECKING:
    from .schema import Column, Table

__all__ = ["LANGS", "BILINGUAL", "check_lang", "translate", "translate_in_context", "N_",
           "column_label", "table_label", "choice_label", "choice_labels"]

#: The languages ``lang=`` takes in widgets, charts and ``close.explain``.
LANGS = ("zh", "en")
#: Both languages in one label, Chinese first: "保存 · Save".
BILINGUAL = "zh+en"
_SEPARATOR = " · "


def check_lang(lang: str) -> str:
    """``lang`` if crmkit speaks it, else ``ValueInputError`` naming the choices."""
    if lang not in LANGS:
        raise _unknown(lang)
    return lang


def _unknown(lang) -> ValueInputError:
    return ValueInputError(f"must be 'zh' (Chinese) or 'en' (English), not {lang!r}", "lang")


def translate(msgid: str, lang: str, /, **fields) -> str:
    """``msgid`` (the English text) in ``lang``, with ``fields`` filled in (``str.format``).

    A text the Chinese catalog lacks reads in English.

    >>> translate("{n:,} rows exported", "zh", n=1200)
    '已导出 1,200 行'
    """
    # gettext("") is the catalog's header: an empty text stays empty
    return _render(_chinese().gettext(msgid) if msgid else msgid, msgid, lang, fields)


def translate_in_context(context: str, msgid: str, lang: str, /, **fields) -> str:
    """Like :func:`translate`, for an English text that reads two ways in Chinese: ``context``
    says which (gettext's ``pgettext``).

    >>> translate_in_context("plan grade", "Grade", "zh"), translate_in_context("intent grade", "Grade", "zh")
    ('级别', '有望度')
    """
    return _render(_chinese().pgettext(context, msgid), msgid, lang, fields)


def N_(msgid: str) -> str:  # gettext's name for it, which extractors (Babel, xgettext) know
    """Mark ``msgid`` as a text to translate where it is kept as data; returns it unchanged.

    >>> HEADERS = {"rep": N_("rep")}          # translated where shown: translate(HEADERS["rep"], lang)
    """
    return msgid


@cache
def _chinese() -> gettext.GNUTranslations:
    """The compiled Chinese catalog, read once from the package (a wheel or a checkout alike).
    An untranslated text comes back as its message id, the English."""
    mo = resources.files("crmkit.locale").joinpath("zh", "LC_MESSAGES", "crmkit.mo")
    with mo.open("rb") as f:
        return gettext.GNUTranslations(f)


def _render(chinese: str, english: str, lang: str, fields: dict) -> str:
    if lang == "en":
        text = english
    elif lang == "zh":
        text = chinese
    elif lang == BILINGUAL:
        return _both(_render(chinese, english, "zh", fields), _render(chinese, english, "en", fields))
    else:
        raise _unknown(lang)
    return text.format(**fields) if fields else text


def _both(zh: str, en: str) -> str:
    return zh if zh == en else f"{zh}{_SEPARATOR}{en}"


# ----------------------------------------------------------------------------- schema labels


def column_label(column: Column, lang: str) -> str:
    """A field's label: the form's Chinese header, or the English name spelled for people.

    >>> from crmkit import schema
    >>> column_label(schema.INTERACTIONS["next_date"], "zh"), column_label(schema.INTERACTIONS["next_date"], "en")
    ('下次跟进日期', 'Next date')
    """
    return _pick(column.zh, column.name.replace("_", " ").capitalize(), lang)


def table_label(table: Table, lang: str, *, short: bool = False) -> str:
    """A table's name: the form's Chinese title (客户档案), or "Customers"; ``short``: the form's
    short name where it has one (意向卡 for 意向客户跟踪卡)."""
    return _pick((short and table.short_zh) or table.zh, table.name.capitalize(), lang)


def choice_label(column: Column, value: str, lang: str) -> str:
    """How an enum value reads: 来店 in Chinese, "walk in" in English."""
    return _pick((column.choices or {}).get(value, value), value.replace("_", " "), lang)


def choice_labels(column: Column, lang: str) -> dict[str, str]:
    """Every value of an enum column -> its label, in the schema's order (for dropdowns)."""
    return {value: choice_label(column, value, lang) for value in column.choices or {}}


def _pick(zh: str, en: str, lang: str) -> str:
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    if lang == BILINGUAL:
        return _both(zh, en)
    raise _unknown(lang)
