"""Why a customer got its rating: the rules that fired, in words, in Chinese or English.

>>> for line in explain(result, "000123", lang="en"):     # doctest: +SKIP
...     print(line)
000123 华信科技: rating C.
- Paid on time (within 7 days of the due date): 62% of the amount due, below 70% -> at most C
- ...
Suggested credit limit 24,000.00: 1 month(s) of average monthly billing (24,000.00).

Each line is built from the row's own measures and the rules the assessment used
(``result.attrs["rules"]``), so it states the numbers the rating was decided on.
"""

from __future__ import annotations

import pandas as pd

from ..i18n import translate
from ..language import one_lang
from ..schema import CREDIT_FACT_ASPECTS
from .rating import NO_LIMIT, NO_SETTLEMENTS, NONE_RECENT, NOTHING_DUE, ZERO_LIMIT
from .rules import ASPECT_LABELS, COLLECTION_LABELS, DEFAULT_RULES, CreditRules, on_time_code, utilisation_code


def explain(result: pd.DataFrame, customer_id, *, lang: str | None = None) -> list[str]:
    """The lines explaining ``customer_id``'s rating in ``result`` (from :func:`crmkit.credit.assess`),
    in ``lang``; default the language of the store assessed (``crmkit.language``)."""
    lang = one_lang(lang if lang is not None else result.attrs.get("lang"))
    cid = str(customer_id)
    if cid not in result.index:
        raise KeyError(f"customer {cid!r} is not in the assessment ({len(result)} customers)")
    row = result.loc[cid]
    rules: CreditRules = result.attrs.get("rules", DEFAULT_RULES)
    as_of = result.attrs.get("as_of")
    codes = [c for c in str(row["rating_rules"] or "").split(";") if c]
    who = f"{cid} {row['name']}" if "name" in row and pd.notna(row["name"]) else cid
    lines = [translate("{customer}: rating {rating}.", lang, customer=who, rating=row["rating"])
             if pd.notna(row["rating"]) else translate("{customer}: not rated.", lang, customer=who)]
    caps = _caps(rules)
    for code in codes:
        reason = _reason(code, row, rules, as_of, lang)
        if code in caps:
            lines.append(translate("- {reason} -> at most {cap}", lang, reason=reason, cap=caps[code]))
        else:
            lines.append(f"- {reason}")
    if not codes:
        lines.append(translate("- No rule fired: paid on time, within the limit, and no warning recorded.", lang))
    note = row["utilisation_note"]
    if pd.notna(note):
        lines.append(translate("Utilisation not judged: no credit limit recorded.", lang) if note == NO_LIMIT else
                     translate("Utilisation not judged: the credit limit is 0.", lang) if note == ZERO_LIMIT else
                     str(note))
    if pd.notna(row["suggested_limit"]):
        lines.append(translate("Suggested credit limit {limit}: {months:g} month(s) of average monthly billing "
                               "({monthly}).", lang, limit=_money(row["suggested_limit"]),
                               months=rules.limit_months[str(row["rating"])], monthly=_money(row["monthly_billing"])))
    return lines


def _caps(rules: CreditRules) -> dict[str, str]:
    caps = {f"collection_{s}": cap for s, cap in rules.collection_caps.items()}
    caps.update({on_time_code(c): cap for c, cap in zip(rules.on_time_cuts, rules.on_time_caps)})
    caps.update({utilisation_code(c): cap for c, cap in zip(rules.utilisation_cuts, rules.utilisation_caps)})
    caps.update(thin_history=rules.thin_history_cap, timing_unknown=rules.unknown_timing_cap, **rules.fact_caps)
    return caps


def _reason(code: str, row, rules: CreditRules, as_of, lang: str) -> str:
    day = f"{pd.Timestamp(as_of):%Y-%m-%d}" if as_of is not None else ""
    if code == NO_SETTLEMENTS:
        return translate("No settlement recorded by {day}: payment cannot be judged, so no rating and no suggested "
                         "limit", lang, day=day)
    if code == NONE_RECENT:
        return translate("No bill in the {days} days up to {day} and nothing overdue: no recent payment to judge, so "
                         "no rating and no suggested limit", lang, days=rules.window_days, day=day)
    if code == NOTHING_DUE:
        return translate("No bill had fallen due or been paid by {day}: nothing to judge yet, so no rating and no "
                         "suggested limit", lang, day=day)
    if code.startswith("collection_"):
        good, fair, poor = rules.collection_days
        return translate("Collection status {status}: the oldest unpaid bill is {oldest} days overdue and bills "
                         "were paid {late:.1f} days late on average (good up to {good} days, fair up to {fair}, poor "
                         "up to {poor})", lang, status=translate(COLLECTION_LABELS[code[len("collection_"):]], lang),
                         oldest=int(row["oldest_overdue_days"]), late=_number(row["days_late"]), good=good,
                         fair=fair, poor=poor)
    for cut in rules.on_time_cuts:
        if code == on_time_code(cut):
            return translate("Paid on time (within {grace} days of the due date): {share:.0%} of the amount due, "
                             "below {cut:.0%}", lang, grace=rules.grace_days, share=_number(row["on_time_share"]),
                             cut=cut)
    for cut in rules.utilisation_cuts:
        if code == utilisation_code(cut):
            return translate("Owes {owed} against a credit limit of {limit} ({share:.0%}), above {cut:.0%}", lang,
                             owed=_money(row["outstanding"]), limit=_money(row["credit_limit"]),
                             share=_number(row["utilisation"]), cut=cut)
    if code == "thin_history":
        return translate("Only {n} settlement(s) to judge, fewer than {least}", lang, n=int(row["settlements"]),
                         least=rules.min_settlements)
    if code == "timing_unknown":
        return translate("{n} paid bill(s) have no payment date (paid_at), so on-time payment cannot be judged",
                         lang, n=int(row["timing_unknown"]))
    if code in CREDIT_FACT_ASPECTS:
        day = f"{row[code + '_at']:%Y-%m-%d}"
        return translate("Warning recorded on {day}, {aspect}: {text}", lang, day=day,
                         aspect=translate(ASPECT_LABELS[code], lang), text=row[code])
    return code  # a code this version does not know (a result made by a newer crmkit)


def _money(value) -> str:
    return f"{float(value):,.2f}"


def _number(value) -> float:
    return float("nan") if pd.isna(value) else float(value)
