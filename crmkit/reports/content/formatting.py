"""Numbers as the report writes them: thousands separators, money, percentages, changes.

>>> yuan(1234567.8), count(12345), percent(0.1234), change(120, 100)
('¥1,234,568', '12,345', '12.3%', '+20.0%')

A report in another language or currency formats through :class:`Numbers`, which knows both
(money by Babel, for the language's locale):

>>> Numbers("en", "USD").money(1234567.8), Numbers("zh", "CNY").money(2125500)
('$1,234,568', '¥2,125,500')
>>> money(1234567.4, "EUR", "de_DE")
'1.234.567\xa0€'
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass

import pandas as pd

from ...i18n import BILINGUAL, LANGS, translate
from ...language import DEFAULT_CURRENCY, check_currency  # noqa: F401 - the report's names for them

#: The languages a report takes: crmkit's languages, and both at once (today's look).
REPORT_LANGS = (BILINGUAL, *LANGS)
#: Babel's locale of an English report (a Chinese or bilingual one writes money as zh_CN does).
ENGLISH_LOCALE, CHINESE_LOCALE = "en_US", "zh_CN"


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def count(value) -> str:
    """12345 → "12,345"."""
    return "—" if _missing(value) else f"{int(round(float(value))):,}"


def yuan(value) -> str:
    """1234567.8 → "¥1,234,568" (whole yuan: a monthly report needs no fen)."""
    return money(value, "CNY", CHINESE_LOCALE)


def percent(value, digits: int = 1) -> str:
    """0.1234 → "12.3%"; missing (e.g. a rate of nothing) → "—"."""
    return "—" if _missing(value) else f"{float(value) * 100:.{digits}f}%"


def ratio(part, whole) -> float:
    """part / whole, or NaN when whole is 0 (a rate of nothing is not 0%)."""
    return float(part) / float(whole) if whole else math.nan


def change(now, before) -> str:
    """The relative change from ``before`` to ``now``: "+20.0%", "-5.0%", "—" when before is 0."""
    if _missing(now) or _missing(before) or float(before) == 0:
        return "—"
    return f"{(float(now) - float(before)) / abs(float(before)) * 100:+.1f}%"


def month_label(ts: pd.Timestamp, lang: str = "zh") -> str:
    """Timestamp("2026-10-01") → "2026年10月" ("zh"), "October 2026" ("en")."""
    name = f"{ts:%B}" if lang == "en" else translate("month {n}", lang, n=ts.month)
    return translate("{month_name} {year}", lang, month_name=name, year=ts.year)


def plot_label(value) -> str:
    """A value from the records as a chart label: phone numbers and e-mails masked, and "$"
    escaped so matplotlib never reads a customer's text as math (an unbalanced "$" would
    stop the report)."""
    from .privacy import scrub

    return scrub("—" if _missing(value) else str(value)).replace("$", r"\$")


# ----------------------------------------------------------------------------- language and currency


def prose_lang(lang: str) -> str:
    """The language of sentences, table headers and charts for a report in ``lang``: "zh+en"
    labels sections and tables in both languages but writes its sentences once, in Chinese
    (the look of the report before it spoke English; a sentence twice would double the page)."""
    return "zh" if lang == BILINGUAL else lang


@functools.lru_cache(maxsize=32)
def _money_format(locale: str):
    """The parsed locale and its currency pattern without decimals (a monthly report needs no
    cents), parsed once: parsing costs ~100 µs a value."""
    from babel import Locale

    parsed = Locale.parse(locale)
    pattern = copy.copy(parsed.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return parsed, pattern


def money(value, currency: str = DEFAULT_CURRENCY, locale: str = "zh_CN") -> str:
    """``value`` in whole ``currency`` units as ``locale`` writes money; missing → "—"."""
    if _missing(value):
        return "—"
    parsed, pattern = _money_format(locale)
    return pattern.apply(float(value), parsed, currency=currency, currency_digits=False)


@dataclass(frozen=True)
class Numbers:
    """The number formats of one report: ``lang`` (a :data:`REPORT_LANGS` value) picks the locale
    and the big-number units, ``currency`` the money. Section functions call these as they call
    the module's functions (``fmt.count``, ``fmt.money`` …)."""

    lang: str = BILINGUAL
    currency: str = DEFAULT_CURRENCY

    @property
    def locale(self) -> str:
        return ENGLISH_LOCALE if self.lang == "en" else CHINESE_LOCALE

    count = staticmethod(count)
    percent = staticmethod(percent)
    change = staticmethod(change)
    ratio = staticmethod(ratio)
    plot_label = staticmethod(plot_label)

    def money(self, value) -> str:
        """1234567.8 → "¥1,234,568" (CNY, Chinese), "$1,234,568" (USD, English)."""
        return money(value, self.currency, self.locale)

    def days(self, value) -> str:
        """2.25 → "2.3 天" / "2.3 days"."""
        return "—" if _missing(value) else translate("{n:.1f} days", prose_lang(self.lang), n=float(value))

    def month_label(self, ts: pd.Timestamp) -> str:
        """Timestamp("2026-10-01") → "2026年10月" / "October 2026"."""
        return month_label(ts, prose_lang(self.lang))

    def money_range(self, estimate, lower, upper) -> str:
        """An amount with its range, in the language's big units: "CN¥35.0M (CN¥33.0–37.5M)" in
        English, "¥3,496万（¥3,299–3,749万）" in Chinese; just the amount when a bound is missing.

        The unit follows the estimate (K, M, B in English; 万, 亿 in Chinese), and the digits
        are enough for three significant figures and for the range's width to show (at most three
        decimals): a narrow range of a big book reads "CN¥1.660B (CN¥1.647–1.670B)", not
        "CN¥1.7B (CN¥1.6–1.7B)".
        """
        from babel.numbers import get_currency_symbol

        if _missing(estimate):
            return "—"
        divisor, unit = self._big_unit(abs(float(estimate)))
        symbol = get_currency_symbol(self.currency, locale=self.locale)
        shown = abs(float(estimate)) / divisor
        digits = max(0, 2 - math.floor(math.log10(shown))) if shown > 0 else 0
        ranged = not (_missing(lower) or _missing(upper))
        if ranged and upper > lower:
            # decimals enough for about four steps across the range
            digits = max(digits, math.ceil(-math.log10((float(upper) - float(lower)) / divisor / 4)))
        digits = min(digits, 3)

        def number(value) -> str:
            return f"{float(value) / divisor:,.{digits}f}"

        head = f"{symbol}{number(estimate)}{unit}"
        if not ranged:
            return head
        low, high = symbol + number(lower), number(upper) + unit
        return translate("{estimate} ({lower}–{upper})", prose_lang(self.lang), estimate=head, lower=low, upper=high)

    def _big_unit(self, size: float) -> tuple[float, str]:
        """(divisor, suffix) of an amount of ``size`` in words of the language: K/M/B, 万/亿."""
        if prose_lang(self.lang) == "en":
            for divisor, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
                if size >= divisor:
                    return divisor, unit
            return 1.0, ""
        say = prose_lang(self.lang)
        if size >= 1e8:
            return 1e8, translate("100 million", say)
        return (1e4, translate("10 thousand", say)) if size >= 1e4 else (1.0, "")

    def money_unit(self, largest: float) -> tuple[float, str]:
        """The unit a chart's money axis counts in, for values up to ``largest``: (divisor, unit name).

        Chinese counts in 万 (10⁴) and 亿 (10⁸), English in K and M; "万元" for yuan, "万 US$" or
        "$K" for other currencies, as the locale writes the currency's symbol.
        """
        from babel.numbers import get_currency_symbol

        symbol = get_currency_symbol(self.currency, locale=self.locale)
        if prose_lang(self.lang) == "en":
            divisor, unit = (1e6, "M") if abs(largest) >= 1e6 else (1e3, "K")
            return divisor, f"{symbol}{unit}"
        say = prose_lang(self.lang)
        if abs(largest) >= 1e8:
            return 1e8, (translate("100 million yuan", say) if self.currency == "CNY"
                         else translate("100 million {symbol}", say, symbol=symbol))
        return 1e4, (translate("10 thousand yuan", say) if self.currency == "CNY"
                     else translate("10 thousand {symbol}", say, symbol=symbol))


class ReportLanguage:
    """``prose`` and ``fmt`` of a report's data (month, week or quarter, account page), which holds
    ``lang`` and ``currency``."""

    lang: str
    currency: str

    @property
    def prose(self) -> str:
        """The language of the report's sentences, table headers and charts (``prose_lang``)."""
        return prose_lang(self.lang)

    @property
    def fmt(self) -> Numbers:
        """How this report writes numbers and money (its language's locale, its currency)."""
        return Numbers(self.lang, self.currency)
