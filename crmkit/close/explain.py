"""Why a lead scores what it scores, in words a rep understands.

For every lead and every input column, ``explain`` puts the column back to the typical lead's
value (the training median, or the most frequent category) and measures how much the predicted
probability moves: a factor that lifts this lead above typical shows as "+12%", one that drags it
down as "−15%". Works with any fitted model that has ``predict_proba``; ``CloseLikelihoodModel``
carries the typical lead in ``reference_values_``, other models take ``reference=`` leads.

It speaks the model's language (``CloseLikelihoodModel.lang_``: English for an English lead list)
unless ``lang=`` says otherwise. A form placeholder ("Select", "请选择") reads as an empty field,
never as a value (``crmkit.close.placeholders``).

A lead at 99 % or more (1 % or less) is *saturated*: putting one factor back to typical barely
moves a probability that sure, so the factors are ranked by the model's score before
calibration (``CloseLikelihoodModel.raw_score``; the log-odds for other models) and the lead's
``summary`` says it in words a rep can act on: "Almost certain to close (100%): the strongest
signs are …", or "Almost no chance to close by the model (0%): held back most by …; it would
change with …" (the typical lead's values of those factors).

>>> from crmkit.close.explain import explain                     # doctest: +SKIP
>>> explain(model, leads.head(2), top=3)                          # doctest: +SKIP
   lead  rank       feature value reference  effect                 text
0  L001     1         stage   quoted  contacted   0.08   已报价阶段 (+8%)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..exceptions import ValueInputError
from ..i18n import N_, choice_label, translate
from ..language import one_lang
from ..schema import INTERACTIONS, OPPORTUNITIES
from .placeholders import blank_out, is_missing_text

__all__ = ["explain", "FEATURE_LABELS"]

#: Known feature names → the English phrase (a message id of ``crmkit.i18n``); {v} is the lead's value.
FEATURE_LABELS = {
    "stage": N_("stage: {v}"),
    "intent_grade": N_("intent grade {v}"),
    "days_since_contact": N_("{v} days since last contact"),
    "days_since_last_contact": N_("{v} days since last contact"),
    "days_since_created": N_("created {v} days ago"),
    "age_days": N_("open for {v} days"),
    "days_in_stage": N_("{v} days in the current stage"),
    "days_to_expected_close": N_("{v} days to expected close"),
    "visits_7d": N_("{v} visits in the last 7 days"),
    "visits_30d": N_("{v} visits in the last 30 days"),
    "visits_90d": N_("{v} visits in the last 90 days"),
    "contacts_7d": N_("{v} follow-ups in the last 7 days"),
    "contacts_30d": N_("{v} follow-ups in the last 30 days"),
    "interactions_30d": N_("{v} interactions in the last 30 days"),
    "followups": N_("{v} follow-ups so far"),
    "n_interactions": N_("{v} interactions so far"),
    "expected_amount": N_("expected amount {v}"),
    "competitor": N_("competitor: {v}"),
    "has_competitor": N_("has a competitor: {v}"),
    "source": N_("source: {v}"),
    "channel": N_("channel: {v}"),
    "product": N_("product: {v}"),
    "rep": N_("rep: {v}"),
    "region": N_("region: {v}"),
    "left_contact": N_("left contact details: {v}"),
    "prior_orders": N_("{v} earlier orders"),
    # the names crmkit.close.features gives its columns
    "contacts_90d": N_("{v} follow-ups in the last 90 days"),
    "contacts_since_open": N_("{v} follow-ups since the card was opened"),
    "competitor_present": N_("has a competitor: {v}"),
    "obstacle": N_("obstacle: {v}"),
    "customer_type": N_("customer type: {v}"),
    "customer_age_days": N_("a customer for {v} days"),
    "orders_count": N_("{v} earlier orders"),
    "revenue": N_("revenue so far {v}"),
    "revenue_365d": N_("revenue in the last year {v}"),
    "days_since_last_order": N_("{v} days since the last order"),
    "prior_opportunities": N_("{v} earlier opportunities"),
    "prior_won": N_("{v} earlier opportunities won"),
    "prior_lost": N_("{v} earlier opportunities lost"),
    "prior_win_rate": N_("earlier win rate {v}"),
    "stage_index": N_("stage number {v}"),
}

# Stage and channel values read as the forms write them (in Chinese; English shows the value as stored).
_LABELLED = (OPPORTUNITIES["stage"], INTERACTIONS["channel"])
_CHANNEL = INTERACTIONS["channel"]
#: At or beyond this distance from 0 or 1 a probability is saturated (see the module's text).
SATURATED = 0.01
# Smaller moves than these are noise to a rep: half a point of probability, or (saturated
# leads) a twentieth of a unit of log-odds.
_NOISE = 0.005
_RAW_NOISE = 0.05


def _is_missing(value) -> bool:
    return (value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
            or is_missing_text(value))


def _show(value, lang: str) -> str:
    if _is_missing(value):
        return translate("missing", lang)
    if isinstance(value, (bool, np.bool_)):
        return translate("yes", lang) if value else translate("no", lang)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(round(value))) if abs(value - round(value)) < 1e-9 or abs(value) >= 10 else f"{value:.1f}"
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    text = str(value)
    if lang == "zh":
        for column in _LABELLED:
            if text in column.choices:
                return choice_label(column, text, lang)
    return text


def _channel(value: str, lang: str) -> str:
    """A channel inside a phrase: 来店 in Chinese, "walk-in" in English."""
    return choice_label(_CHANNEL, value, lang) if lang == "zh" else value.replace("_", "-")


def _phrase(feature: str, lang: str) -> tuple[str, dict] | None:
    """The phrase (message id) for a feature and its fields besides {v}; per-channel counts and
    shares are named after their channel."""
    if feature in FEATURE_LABELS:
        return FEATURE_LABELS[feature], {}
    found = re.fullmatch(r"share_(\w+)", feature)
    if found and found.group(1) in _CHANNEL.choices:
        return N_("share of {channel}s in 90 days {v}"), {"channel": _channel(found.group(1), lang)}
    found = re.fullmatch(r"(\w+)_(\d+)d", feature)
    if found and found.group(1) in _CHANNEL.choices:
        channel, days = found.groups()
        return N_("{v} {channel}s in the last {days} days"), {"channel": _channel(channel, lang), "days": days}
    return None


def _factor(feature: str, value, lang: str) -> str:
    """A feature and its value in words: "30天未联系", "stage: contract", "Lead Origin = API"."""
    shown = _show(value, lang)
    if feature.startswith("share_") and isinstance(value, (float, np.floating)) and not np.isnan(value):
        shown = f"{value:.0%}"
    phrase = _phrase(feature, lang)
    if phrase is None or _is_missing(value):  # "空天未联系" reads wrong: say the field is empty instead
        return f"{feature} = {shown}"
    msgid, fields = phrase
    return translate(msgid, lang, v=shown, **fields)


def _label(feature: str, value, effect: float, lang: str) -> str:
    sign = "+" if effect >= 0 else "−"      # a real minus sign, as on the forms
    return f"{_factor(feature, value, lang)} ({sign}{abs(effect) * 100:.0f}%)"


def _references(model, X: pd.DataFrame, reference) -> pd.Series:
    if reference is None:
        stored = getattr(model, "reference_values_", None)
        if stored is not None:
            return stored
        reference = X
    if isinstance(reference, pd.Series):
        return reference
    if not isinstance(reference, pd.DataFrame):
        raise ValueInputError("reference must be leads (a DataFrame) or one typical lead (a Series)", "reference")
    values = {}
    for column in reference.columns:
        col = reference[column]
        if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
            if not pd.api.types.is_bool_dtype(col.dtype) and not pd.api.types.is_datetime64_any_dtype(col.dtype):
                col = blank_out(col)      # a placeholder is never the typical value
            mode = col.dropna().mode()
            values[column] = mode.iloc[0] if len(mode) else None
        else:
            values[column] = col.median()
    return pd.Series(values, dtype=object)


def _raw(model, X: pd.DataFrame) -> np.ndarray:
    """The model's score before calibration: ``raw_score`` when it has one, else the log-odds."""
    if callable(getattr(model, "raw_score", None)) and hasattr(model, "booster_"):
        return model.raw_score(X)
    p = np.clip(model.predict_proba(X)[:, 1], 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _saturated_summary(p: float, high: bool, factors: list[tuple[str, object, object]], lang: str) -> str:
    """What a rep can do with a lead the model is sure about: the signs behind it, and for a lost
    cause what would change it (``factors``: feature, the lead's value, the typical value)."""
    sep = translate("; ", lang)
    if not factors:
        msgid = (N_("Almost certain to close ({p:.0%}): no single factor stands out, it is all of them together.")
                 if high else
                 N_("Almost no chance to close by the model ({p:.0%}): no single factor stands out, it is all of "
                    "them together."))
        return translate(msgid, lang, p=p)
    signs = sep.join(_factor(f, v, lang) for f, v, _ in factors)
    if high:
        return translate("Almost certain to close ({p:.0%}): the strongest signs are {signs}.", lang, p=p, signs=signs)
    changes = sep.join(_factor(f, r, lang) for f, _, r in factors)
    return translate("Almost no chance to close by the model ({p:.0%}): held back most by {signs}. It would "
                     "change with {changes}, as a typical lead has it.", lang, p=p, signs=signs, changes=changes)


def explain(model, X: pd.DataFrame, top: int = 3, lang: str | None = None, reference=None) -> pd.DataFrame:
    """The ``top`` factors that most raise or lower each lead's probability to close, in words.

    Parameters
    ----------
    model : a fitted classifier with ``predict_proba`` (column 1 = won), e.g. ``CloseLikelihoodModel``
    X : the leads to explain (a DataFrame with the model's columns); not mutated
    top : how many factors per lead, the largest moves first (factors that move nothing are left out)
    lang : "zh" or "en"; default the model's language (``model.lang_``), else as
        ``crmkit.language`` decides (the locale's, else "zh")
    reference : the typical lead (a Series) or leads to take it from (medians / most frequent);
        default ``model.reference_values_``, else ``X`` itself

    Returns
    -------
    DataFrame, one row per lead and factor: lead (X's index label), rank, probability (the lead's),
    feature, value, reference, effect (probability minus the probability with the reference value,
    so positive raises), text (e.g. "已报价阶段 (+8%)", "30天未联系 (−15%)") and summary (the
    lead in one sentence: its chance to close, or for a saturated lead the signs behind it and
    what would change it). A saturated lead's factors are those that push it furthest towards
    its end before calibration; one with none gets a single row of rank 0 carrying its summary.
    """
    lang = one_lang(lang if lang is not None else getattr(model, "lang_", None))
    if not isinstance(X, pd.DataFrame):
        raise ValueInputError("explain needs the leads as a DataFrame", "X")
    columns = ["lead", "rank", "probability", "feature", "value", "reference", "effect", "text", "summary"]
    if len(X) == 0:
        return pd.DataFrame(columns=columns)
    refs = _references(model, X, reference)
    used = [c for c in X.columns if c in refs.index]
    base = model.predict_proba(X)[:, 1]
    saturated = (base >= 1 - SATURATED) | (base <= SATURATED)
    sure = X[saturated]
    raw_base = _raw(model, sure) if len(sure) else None
    effects = np.zeros((len(X), len(used)))
    raw_effects = np.zeros((len(sure), len(used)))
    for j, column in enumerate(used):
        swapped = X.copy()
        ref = refs[column]
        if isinstance(X[column].dtype, pd.CategoricalDtype) and ref not in X[column].cat.categories:
            swapped[column] = swapped[column].astype(object)
        swapped[column] = ref if not pd.api.types.is_datetime64_any_dtype(X[column].dtype) else pd.Timestamp(ref)
        effects[:, j] = base - model.predict_proba(swapped)[:, 1]
        if len(sure):
            raw_effects[:, j] = raw_base - _raw(model, swapped[saturated])
    rows = []
    k = 0  # position among the saturated leads
    for i, lead in enumerate(X.index):
        if saturated[i]:
            high = base[i] >= 1 - SATURATED
            push = raw_effects[k] if high else -raw_effects[k]   # towards the end the lead sits at
            k += 1
            chosen = [j for j in np.argsort(-push, kind="stable") if push[j] >= _RAW_NOISE][:top]
            factors = [(used[j], X.iloc[i][used[j]], refs[used[j]]) for j in chosen]
            summary = _saturated_summary(base[i], high, factors, lang)
            if not chosen:
                rows.append((lead, 0, base[i], None, None, None, np.nan, summary, summary))
            for rank, j in enumerate(chosen, start=1):
                value = X.iloc[i][used[j]]
                text = _label(used[j], value, effects[i, j], lang) if abs(effects[i, j]) >= _NOISE \
                    else _factor(used[j], value, lang)
                rows.append((lead, rank, base[i], used[j], value, refs[used[j]], effects[i, j], text, summary))
            continue
        summary = translate("{p:.0%} chance to close", lang, p=base[i])
        order = np.argsort(-np.abs(effects[i]), kind="stable")
        rank = 0
        for j in order:
            if rank >= top or abs(effects[i, j]) < _NOISE:   # under half a point is noise to a rep
                break
            rank += 1
            value = X.iloc[i][used[j]]
            rows.append((lead, rank, base[i], used[j], value, refs[used[j]], effects[i, j],
                         _label(used[j], value, effects[i, j], lang), summary))
    return pd.DataFrame(rows, columns=columns)
