"""Which language crmkit speaks, and in which currency a store counts: decided in one place.

Every place a person reads crmkit (widgets and the app, ``close.explain``, import problems, the
command line, the reports) takes ``lang=``; left out, the language is, in this order:

1. the store's setting (``crmkit init --lang en --currency USD``, or ``crm.configure(lang="en")``),
   so a team gets one language whoever opens the store and wherever;
2. the locale of the process (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as gettext reads them):
   ``zh_CN.UTF-8`` -> Chinese, ``en_US.UTF-8`` -> English, any other language -> English;
3. where neither says anything (no store at hand, a ``C``/``POSIX`` locale as on servers and in
   containers), the place's own default, the one it always had: Chinese forms, widgets and
   explanations (the forms are Chinese), the bilingual report, English command-line messages.

>>> resolve_lang("en", fallback="zh")
'en'
>>> locale_lang({"LANG": "zh_CN.UTF-8"}), locale_lang({"LANG": "de_DE.UTF-8"}), locale_lang({"LANG": "C.UTF-8"})
('zh', 'en', None)
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .exceptions import ValueInputError
from .i18n import BILINGUAL, LANGS

#: What a store's language setting (and a report) may be: a language, or both at once.
SETTING_LANGS = (*LANGS, BILINGUAL)
#: What money is in when nobody says (the demo's and the Chinese forms' yuan).
DEFAULT_CURRENCY = "CNY"
# gettext's order: the first of these that is set decides
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def locale_lang(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the process's locale asks for: "zh", "en", or None for a locale that names
    no language (C, POSIX, unset)."""
    environ = os.environ if environ is None else environ
    value = next((environ[v] for v in _LOCALE_VARIABLES if environ.get(v)), "")
    language = value.split(".")[0].split("@")[0].split("_")[0].lower()
    if language in ("", "c", "posix"):
        return None
    return "zh" if language == "zh" else "en"  # English is the nearest crmkit has to any other


def resolve_lang(lang: str | None, crm=None, *, fallback: str, allowed: tuple[str, ...] = SETTING_LANGS) -> str:
    """``lang`` if given, else the store's setting, else the locale's language, else ``fallback``.

    ``allowed`` is what the caller can render; "zh+en" (a store's setting, or the report's
    language for the command's messages) gives Chinese to a place that cannot show both.
    """
    if lang is None:
        stored = crm.settings().get("lang") if crm is not None else None
        lang = stored or locale_lang() or fallback
    if lang == BILINGUAL and BILINGUAL not in allowed:
        lang = "zh"   # the bilingual look's running text is Chinese
    return check_setting_lang(lang, allowed)


def one_lang(lang: str | None, crm=None) -> str:
    """The language of a place that shows one (widgets, the app, charts, ``close.explain``):
    :func:`resolve_lang` with Chinese as the fallback, "zh+en" read as Chinese."""
    return resolve_lang(lang, crm, fallback="zh", allowed=LANGS)


def check_setting_lang(lang, allowed: tuple[str, ...] = SETTING_LANGS) -> str:
    if lang not in allowed:
        choices = " or ".join(repr(a) for a in allowed)
        raise ValueInputError(f"must be {choices}, not {lang!r}", "lang")
    return lang


def check_currency(currency) -> str:
    """``currency`` as an upper-case ISO 4217 code Babel knows, else ValueInputError naming it."""
    from babel.numbers import get_currency_name

    code = str(currency).strip().upper()
    if len(code) != 3 or not code.isalpha() or get_currency_name(code, locale="en_US") == code:
        raise ValueInputError(f"unknown currency {currency!r}: give an ISO 4217 code such as CNY, USD or EUR",
                              "currency")
    return code
