"""Charts of a holdout validation: forecasts against actual purchases by calibration frequency,
and cumulative purchases period by period (the two figures of Fader, Hardie & Lee 2005).

As in ``crmkit.value.plots``: the result first, drawn on ``ax`` (a new figure when None), the
Axes returned, labels in Chinese by default (``lang="zh"``) or English.

>>> from crmkit.value.holdout import holdout_validation
>>> result = holdout_validation(orders, calibration_end="1997-09-30", observation_end="1998-06-30")  # doctest: +SKIP
>>> ax = plot_holdout_by_frequency(result)    # doctest: +SKIP
>>> ax = plot_holdout_tracking(result)        # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from ..exceptions import ValueInputError
from ..i18n import translate
from .holdout import BASELINES, PURCHASE_PERIODS, HoldoutResult, baseline_label
from .plots import _axes, _tidy


def _check(result) -> None:
    if not isinstance(result, HoldoutResult):
        raise ValueInputError(f"expected holdout_validation's result, got {type(result).__name__}", "result")


def plot_holdout_by_frequency(result: HoldoutResult, *, max_frequency: int = 7, baselines: bool = True,
                              ax=None, lang: str = "zh"):
    """Mean holdout purchases (for BG/BB: periods with a purchase) by calibration frequency:
    actual (bars) and each model's and, with ``baselines``, each naive forecast's mean
    (lines). Frequencies from ``max_frequency`` up are pooled into one last group ("7+"), customer-weighted, as in the paper's Figure 3.

    >>> ax = plot_holdout_by_frequency(result)    # doctest: +SKIP
    """
    _check(result)
    created = ax is None
    fig, ax = _axes(ax, lang)
    table = result.by_frequency
    columns = [c for c in table.columns if c not in ("n_customers",)]
    low = table[table.index < max_frequency]
    high = table[table.index >= max_frequency]
    rows = [low[columns].to_numpy()]
    labels = [str(int(f)) for f in low.index]
    if len(high):
        weights = high["n_customers"].to_numpy(dtype="float64")
        rows.append((weights @ high[columns].to_numpy()) / weights.sum())
        labels.append(f"{max_frequency}+")
    values = np.vstack(rows)
    positions = np.arange(len(labels))
    ax.bar(positions, values[:, 0], color="#CCCCCC", label=translate("Actual", lang))
    for j, name in enumerate(columns[1:], start=1):
        if name in BASELINES and not baselines:
            continue
        style = "--" if name in BASELINES else "-"
        ax.plot(positions, values[:, j], style, marker="o", label=baseline_label(name, lang))
    ax.set_xticks(positions, labels)
    if result.target == PURCHASE_PERIODS:  # BG/BB: what the axes count is periods with a purchase
        ax.set(title=translate("Holdout periods with a purchase by calibration frequency", lang),
               xlabel=translate("Periods with a purchase in the calibration period (after the first)", lang),
               ylabel=translate("Mean periods with a purchase in the holdout period", lang))
    else:
        ax.set(title=translate("Holdout purchases by calibration frequency", lang),
               xlabel=translate("Purchases in the calibration period (repeat)", lang),
               ylabel=translate("Mean purchases in the holdout period", lang))
    ax.legend(loc="upper left")
    _tidy(fig, created)
    return ax


def plot_holdout_tracking(result: HoldoutResult, *, ax=None, lang: str = "zh"):
    """Cumulative repeat purchases of the calibration cohort, actual and expected by each
    model, period by period, with a line where the holdout period begins.

    >>> ax = plot_holdout_tracking(result)        # doctest: +SKIP
    """
    _check(result)
    created = ax is None
    fig, ax = _axes(ax, lang)
    tracking = result.tracking
    ax.plot(tracking.index, tracking["actual"], color="#333333", linewidth=2.0, label=translate("Actual", lang))
    for name in tracking.columns:
        if name not in ("actual", "holdout"):
            ax.plot(tracking.index, tracking[name], "--", label=name)
    ax.axvline(result.calibration_end, color="#777777", linestyle=":", linewidth=1.0)
    ax.annotate(translate("holdout begins", lang), (result.calibration_end, 0), xytext=(4, 4),
                textcoords="offset points", fontsize=8, color="#555555")
    if result.target == PURCHASE_PERIODS:
        ax.set(title=translate("Cumulative repeat periods with a purchase: actual and forecast", lang),
               xlabel=translate("Period end", lang),
               ylabel=translate("Cumulative repeat periods with a purchase", lang))
    else:
        ax.set(title=translate("Cumulative repeat purchases: actual and forecast", lang),
               xlabel=translate("Period end", lang), ylabel=translate("Cumulative repeat purchases", lang))
    ax.legend(loc="upper left")
    fig.autofmt_xdate()
    _tidy(fig, created)
    return ax
