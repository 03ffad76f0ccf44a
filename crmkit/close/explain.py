"""Why a lead scores what it scores, in words a rep understands.

For every lead and every input column, ``explain`` puts the column back to the typical lead's
value (the training median, or the most frequent category) and measures how much the predicted
probability moves: a factor that lifts this lead above typical shows as "+12%", one that drags it
down as "−15%". Works with any fitted model that has ``predict_proba``; ``CloseLikelihoodModel``
carries the typical lead in ``reference_values_``, other models take ``reference=`` leads.

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
from ..schema import CHANNELS, STAGES

__all__ = ["explain", "FEATURE_LABELS", "VALUE_LABELS"]

# Stage and channel names as the forms write them (from the schema, the one source of labels).
VALUE_LABELS = {**STAGES, **CHANNELS}

#: Known feature names → (Chinese, English) phrase templates; {v} is the lead's value.
FEATURE_LABELS = {
    "stage": ("{v}阶段", "stage: {v}"),
    "intent_grade": ("有望度 {v}", "intent grade {v}"),
    "days_since_contact": ("{v}天未联系", "{v} days since last contact"),
    "days_since_last_contact": ("{v}天未联系", "{v} days since last contact"),
    "days_since_created": ("建档{v}天", "created {v} days ago"),
    "age_days": ("跟进了{v}天", "open for {v} days"),
    "days_in_stage": ("在当前阶段{v}天", "{v} days in the current stage"),
    "days_to_expected_close": ("距预计成交{v}天", "{v} days to expected close"),
    "visits_7d": ("最近7天拜访{v}次", "{v} visits in the last 7 days"),
    "visits_30d": ("最近30天拜访{v}次", "{v} visits in the last 30 days"),
    "visits_90d": ("最近90天拜访{v}次", "{v} visits in the last 90 days"),
    "contacts_7d": ("最近7天跟进{v}次", "{v} follow-ups in the last 7 days"),
    "contacts_30d": ("最近30天跟进{v}次", "{v} follow-ups in the last 30 days"),
    "interactions_30d": ("最近30天互动{v}次", "{v} interactions in the last 30 days"),
    "followups": ("累计跟进{v}次", "{v} follow-ups so far"),
    "n_interactions": ("累计互动{v}次", "{v} interactions so far"),
    "expected_amount": ("预计金额 {v}", "expected amount {v}"),
    "competitor": ("竞争对手：{v}", "competitor: {v}"),
    "has_competitor": ("有竞争对手：{v}", "has a competitor: {v}"),
    "source": ("来源：{v}", "source: {v}"),
    "channel": ("渠道：{v}", "channel: {v}"),
    "product": ("意向产品：{v}", "product: {v}"),
    "rep": ("销售顾问：{v}", "rep: {v}"),
    "region": ("地区：{v}", "region: {v}"),
    "left_contact": ("已留资：{v}", "left contact details: {v}"),
    "prior_orders": ("以往成交{v}次", "{v} earlier orders"),
    # the names crmkit.close.features gives its columns
    "contacts_90d": ("最近90天跟进{v}次", "{v} follow-ups in the last 90 days"),
    "contacts_since_open": ("建卡以来跟进{v}次", "{v} follow-ups since the card was opened"),
    "competitor_present": ("有竞争对手：{v}", "has a competitor: {v}"),
    "obstacle": ("合作障碍：{v}", "obstacle: {v}"),
    "customer_type": ("客户类型：{v}", "customer type: {v}"),
    "customer_age_days": ("成为客户{v}天", "a customer for {v} days"),
    "orders_count": ("以往成交{v}次", "{v} earlier orders"),
    "revenue": ("累计成交金额 {v}", "revenue so far {v}"),
    "revenue_365d": ("近一年成交金额 {v}", "revenue in the last year {v}"),
    "days_since_last_order": ("{v}天未下单", "{v} days since the last order"),
    "prior_opportunities": ("以往商机{v}个", "{v} earlier opportunities"),
    "prior_won": ("以往赢单{v}个", "{v} earlier opportunities won"),
    "prior_lost": ("以往丢单{v}个", "{v} earlier opportunities lost"),
    "prior_win_rate": ("以往赢单率 {v}", "earlier win rate {v}"),
    "stage_index": ("阶段序号 {v}", "stage number {v}"),
}


def _show(value, lang: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "空" if lang == "zh" else "missing"
    if isinstance(value, (bool, np.bool_)):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(round(value))) if abs(value - round(value)) < 1e-9 or abs(value) >= 10 else f"{value:.1f}"
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    text = str(value)
    return VALUE_LABELS.get(text, text) if lang == "zh" else text


def _template(feature: str) -> tuple[str, str] | None:
    """The phrase for a feature; per-channel counts and shares are named after their channel."""
    if feature in FEATURE_LABELS:
        return FEATURE_LABELS[feature]
    found = re.fullmatch(r"share_(\w+)", feature)
    if found and found.group(1) in CHANNELS:
        ch = found.group(1)
        return (f"近90天{CHANNELS[ch]}占比 {{v}}", f"share of {ch.replace('_', '-')}s in 90 days {{v}}")
    found = re.fullmatch(r"(\w+)_(\d+)d", feature)
    if found and found.group(1) in CHANNELS:
        ch, days = found.groups()
        return (f"最近{days}天{CHANNELS[ch]}{{v}}次", f"{{v}} {ch.replace('_', '-')}s in the last {days} days")
    return None


def _label(feature: str, value, effect: float, lang: str) -> str:
    shown = _show(value, lang)
    if feature.startswith("share_") and isinstance(value, (float, np.floating)) and not np.isnan(value):
        shown = f"{value:.0%}"
    template = _template(feature)
    if shown in ("空", "missing"):
        template = None         # "空天未联系" reads wrong: say the field is empty instead
    phrase = template[0 if lang == "zh" else 1].format(v=shown) if template else f"{feature} = {shown}"
    sign = "+" if effect >= 0 else "−"      # a real minus sign, as on the forms
    return f"{phrase} ({sign}{abs(effect) * 100:.0f}%)"


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
            mode = col.dropna().mode()
            values[column] = mode.iloc[0] if len(mode) else None
        else:
            values[column] = col.median()
    return pd.Series(values, dtype=object)


def explain(model, X: pd.DataFrame, top: int = 3, lang: str = "zh", reference=None) -> pd.DataFrame:
    """The ``top`` factors that most raise or lower each lead's probability to close, in words.

    Parameters
    ----------
    model : a fitted classifier with ``predict_proba`` (column 1 = won), e.g. ``CloseLikelihoodModel``
    X : the leads to explain (a DataFrame with the model's columns); not mutated
    top : how many factors per lead, the largest moves first (factors that move nothing are left out)
    lang : "zh" (default) or "en"
    reference : the typical lead (a Series) or leads to take it from (medians / most frequent);
        default ``model.reference_values_``, else ``X`` itself

    Returns
    -------
    DataFrame, one row per lead and factor: lead (X's index label), rank, probability (the lead's),
    feature, value, reference, effect (probability minus the probability with the reference value,
    so positive raises), text (e.g. "已报价阶段 (+8%)", "30天未联系 (−15%)").
    """
    if lang not in ("zh", "en"):
        raise ValueInputError(f"lang must be 'zh' or 'en', not {lang!r}", "lang")
    if not isinstance(X, pd.DataFrame):
        raise ValueInputError("explain needs the leads as a DataFrame", "X")
    columns = ["lead", "rank", "probability", "feature", "value", "reference", "effect", "text"]
    if len(X) == 0:
        return pd.DataFrame(columns=columns)
    refs = _references(model, X, reference)
    used = [c for c in X.columns if c in refs.index]
    base = model.predict_proba(X)[:, 1]
    effects = np.zeros((len(X), len(used)))
    for j, column in enumerate(used):
        swapped = X.copy()
        ref = refs[column]
        if isinstance(X[column].dtype, pd.CategoricalDtype) and ref not in X[column].cat.categories:
            swapped[column] = swapped[column].astype(object)
        swapped[column] = ref if not pd.api.types.is_datetime64_any_dtype(X[column].dtype) else pd.Timestamp(ref)
        effects[:, j] = base - model.predict_proba(swapped)[:, 1]
    rows = []
    for i, lead in enumerate(X.index):
        order = np.argsort(-np.abs(effects[i]), kind="stable")
        rank = 0
        for j in order:
            if rank >= top or abs(effects[i, j]) < 0.005:   # under half a point is noise to a rep
                break
            rank += 1
            value = X.iloc[i][used[j]]
            rows.append((lead, rank, base[i], used[j], value, refs[used[j]], effects[i, j],
                         _label(used[j], value, effects[i, j], lang)))
    return pd.DataFrame(rows, columns=columns)
