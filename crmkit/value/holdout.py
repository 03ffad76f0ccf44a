"""Calibration/holdout validation of the purchase models, and choosing one by its holdout error.

Fit each model on the orders up to ``calibration_end``, forecast each customer's purchases in
(``calibration_end``, ``observation_end``], and compare with what they did, as Fader, Hardie &
Lee (2005) do for BG/NBD on CDNOW (their Figure 3 and Table 1): the conditional expectations
against the actual holdout purchases by calibration frequency, the cumulative purchases period
by period, and the error per customer. Two naive forecasts run beside the models, so a model
has to earn its place: each customer buys in the holdout what they bought in the last
calibration window of the same length ("last period"), and everyone buys at the book's mean
repeat rate ("mean rate").

>>> result = holdout_validation(orders, calibration_end="1997-09-30", observation_end="1998-06-30",
...                             time_unit="W")                          # doctest: +SKIP
>>> result.by_frequency                       # n_customers, actual, BetaGeo, ParetoNBD, ...  # doctest: +SKIP
>>> select_model(result).reason               # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import ConvergenceError, ModelInputError, ValueInputError
from ..i18n import N_, check_lang, translate
from .rfm import rfm_summary
from .units import TIME_UNITS, UNIT_ATTR

#: The naive forecasts every holdout result carries beside the models.
BASELINES = ("last_period", "mean_rate")

_BASELINE_LABELS = {"last_period": N_("last period's count"), "mean_rate": N_("everyone at the mean rate")}


def baseline_label(name: str, lang: str = "zh") -> str:
    """A model's name as is, a baseline's in words (translated)."""
    return translate(_BASELINE_LABELS[name], lang) if name in _BASELINE_LABELS else name


@dataclass
class HoldoutResult:
    """What ``holdout_validation`` found.

    Attributes
    ----------
    customers : pd.DataFrame
        The calibration summary (``rfm_summary`` up to ``calibration_end``) with
        ``holdout_purchases`` (purchase days in the holdout), ``holdout_value`` (their amounts)
        and one column per model and baseline: its forecast of ``holdout_purchases``.
    by_frequency : pd.DataFrame
        One row per calibration frequency 0, 1, 2, … (those present): ``n_customers``,
        ``actual`` (mean holdout purchases) and each model's and baseline's mean forecast.
    tracking : pd.DataFrame
        Cumulative repeat purchases of the calibration cohort at the end of each period (one
        time unit) from the first purchase to ``observation_end``: ``actual`` and each model's
        expectation for customers of its cohort (the unconditional E[X(t)] summed over
        customers by first-purchase day), and ``holdout`` (the period ends after
        ``calibration_end``).
    errors : pd.DataFrame
        Per model and baseline: ``mae`` and ``rmse`` per customer, ``predicted`` and
        ``actual`` holdout purchases in total, ``total_error`` (predicted / actual - 1).
    models : dict
        The fitted models by name.
    failures : dict
        Models that could not be fitted on the calibration period, by name: the error.
    """

    customers: pd.DataFrame
    by_frequency: pd.DataFrame
    tracking: pd.DataFrame
    errors: pd.DataFrame
    models: dict
    failures: dict = field(default_factory=dict)
    calibration_end: pd.Timestamp | None = None
    observation_end: pd.Timestamp | None = None
    time_unit: str = "W"
    holdout_periods: float = 0.0


def _default_models():
    from .bgnbd import BetaGeo
    from .mbgnbd import ModifiedBetaGeo
    from .paretonbd import ParetoNBD

    return [BetaGeo(), ParetoNBD(), ModifiedBetaGeo()]


def _day(value, name: str) -> pd.Timestamp:
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueInputError(f"{name} must be a date, not {value!r}", name) from exc
    if pd.isna(day):
        raise ValueInputError(f"{name} must be a date, not {value!r}", name)
    return day.normalize()


def holdout_validation(orders: pd.DataFrame, *, calibration_end, observation_end, time_unit: str = "W",
                       models=None, customer_col: str = "customer_id", date_col: str = "ordered_at",
                       amount_col: str | None = "amount") -> HoldoutResult:
    """Fit ``models`` on the orders up to ``calibration_end`` and grade their forecasts of the
    purchases in (``calibration_end``, ``observation_end``].

    Parameters
    ----------
    orders : pd.DataFrame
        One row per order: ``customer_col``, ``date_col`` and (optionally) ``amount_col``, as
        for ``rfm_summary``; orders on one day are one purchase. Not modified.
    calibration_end, observation_end : date
        Calendar days (inclusive); orders after ``observation_end`` are ignored.
    time_unit : {"D", "W", "M"}, default "W"
        The unit of the summaries and of the tracking periods.
    models : list, optional
        Unfitted estimators with ``fit(summary)`` and ``expected_purchases(t, summary)``
        (default: ``BetaGeo()``, ``ParetoNBD()``, ``ModifiedBetaGeo()``). Each is fitted on a
        clone, keyed by its class name. A model that cannot be fitted is left out and its
        error kept in ``failures``.

    The cohort is the customers who bought by ``calibration_end``; customers whose first
    purchase falls in the holdout are not forecast (the models forecast known customers).

    Returns
    -------
    HoldoutResult

    Raises
    ------
    ValueInputError
        The dates are not in order, or the orders cannot be summarised (a missing column, a
        bad date or amount: the error names it).
    """
    from sklearn.base import clone

    start, end = _day(calibration_end, "calibration_end"), _day(observation_end, "observation_end")
    if end <= start:
        raise ValueInputError(f"observation_end ({end.date()}) must be after calibration_end ({start.date()})",
                              "observation_end")
    if time_unit not in TIME_UNITS:
        raise ValueInputError(f"unknown time unit {time_unit!r}; use one of {', '.join(TIME_UNITS)}", "time_unit")
    amount = amount_col if amount_col and amount_col in orders.columns else None
    calibration = rfm_summary(orders, as_of=start, time_unit=time_unit, customer_col=customer_col,
                              date_col=date_col, amount_col=amount)
    if calibration.empty:
        raise ValueInputError(f"no orders on or before calibration_end ({start.date()})", date_col)
    unit_days = TIME_UNITS[time_unit]
    horizon_days = (end - start).days
    horizon = horizon_days / unit_days

    days = pd.to_datetime(orders[date_col]).dt.normalize()
    ids = orders[customer_col]
    purchases = pd.DataFrame({"customer": ids.to_numpy(), "day": days.to_numpy()})
    if amount:
        purchases["amount"] = pd.to_numeric(orders[amount], errors="coerce").to_numpy(dtype="float64")
    purchases = purchases[purchases["day"] <= end]
    purchases = purchases[purchases["customer"].isin(calibration.index)]
    per_day = purchases.groupby(["customer", "day"], sort=True).agg(
        **({"amount": ("amount", "sum")} if amount else {"n": ("day", "size")})).reset_index()

    customers = calibration.copy()
    in_holdout = per_day[per_day["day"] > start]
    customers["holdout_purchases"] = in_holdout.groupby("customer").size().reindex(customers.index, fill_value=0)
    if amount:
        customers["holdout_value"] = in_holdout.groupby("customer")["amount"].sum().reindex(customers.index,
                                                                                            fill_value=0.0)

    fitted, failures, forecasts = {}, {}, {}
    for model in (_default_models() if models is None else list(models)):
        name = type(model).__name__
        while name in fitted or name in failures:
            name += "'"
        try:
            m = clone(model).fit(calibration)
        except (ConvergenceError, ModelInputError) as error:
            failures[name] = error
            continue
        fitted[name] = m
        forecasts[name] = m.expected_purchases(horizon, calibration).to_numpy()

    # the naive forecasts: the last calibration window of the holdout's length, and the mean rate
    first_day = per_day.groupby("customer")["day"].transform("min")
    window_days = min(horizon_days, max((start - per_day["day"].min()).days, 1))
    recent = per_day[(per_day["day"] > start - pd.Timedelta(days=window_days)) & (per_day["day"] <= start)
                     & (per_day["day"] > first_day)]
    last = recent.groupby("customer").size().reindex(customers.index, fill_value=0).to_numpy()
    forecasts["last_period"] = last * (horizon_days / window_days)
    # (no time observed at all, everyone's first purchase on calibration_end: no rate to go by, 0)
    observed = calibration["T"].sum()
    rate = calibration["frequency"].sum() / observed if observed > 0 else 0.0
    forecasts["mean_rate"] = np.full(len(customers), rate * horizon)

    for name, values in forecasts.items():
        customers[name] = values
    customers.attrs[UNIT_ATTR] = time_unit
    actual = customers["holdout_purchases"].to_numpy(dtype="float64")

    grouped = customers.groupby("frequency")
    by_frequency = pd.DataFrame({"n_customers": grouped.size(), "actual": grouped["holdout_purchases"].mean()})
    for name in forecasts:
        by_frequency[name] = grouped[name].mean()
    by_frequency.index.name = "frequency"

    rows = {}
    for name, values in forecasts.items():
        err = values - actual
        rows[name] = {"mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(np.mean(err**2))),
                      "predicted": float(values.sum()), "actual": float(actual.sum()),
                      "total_error": float(values.sum() / actual.sum() - 1) if actual.sum() else np.nan}
    errors = pd.DataFrame.from_dict(rows, orient="index")
    errors.index.name = "model"

    tracking = _tracking(per_day, fitted, start, end, unit_days)
    return HoldoutResult(customers, by_frequency, tracking, errors, fitted, failures, start, end, time_unit, horizon)


def _tracking(per_day: pd.DataFrame, fitted: dict, start, end, unit_days: float) -> pd.DataFrame:
    """Cumulative repeat purchases at the end of each period, actual and expected per model."""
    origin = per_day["day"].min()
    n_periods = int(np.floor((end - origin).days / unit_days))
    ends = np.arange(1, n_periods + 1) * unit_days                       # days since origin
    day_number = (per_day["day"] - origin).dt.days.to_numpy()
    first = per_day.groupby("customer")["day"].transform("min")
    repeat_days = np.sort(day_number[per_day["day"].to_numpy() > first.to_numpy()])
    actual = np.searchsorted(repeat_days, ends, side="right").astype("float64")

    first_days = (per_day.groupby("customer")["day"].min() - origin).dt.days.to_numpy()
    cohort_day, cohort_size = np.unique(first_days, return_counts=True)
    ages = ends[None, :] - cohort_day[:, None]                           # days since each cohort's first purchase
    table = {"actual": actual}
    for name, model in fitted.items():
        expected = np.zeros_like(ages)
        alive = ages > 0
        unit = getattr(model, "time_unit_", None)
        scale = unit_days / TIME_UNITS[unit] if unit else 1.0
        # ages are in days; the model counts in its own unit
        expected[alive] = model.expected_purchases_new_customer(ages[alive] / unit_days * scale)
        table[name] = cohort_size @ expected
    index = pd.DatetimeIndex(origin + pd.to_timedelta(np.floor(ends), unit="D"), name="period_end")
    out = pd.DataFrame(table, index=index)
    out["holdout"] = out.index > start
    return out


@dataclass
class ModelChoice:
    """``select_model``'s answer: the ``best`` model's name, the ``metric`` it was chosen by,
    the ``table`` of holdout errors (best first) and the ``reason`` in words."""

    best: str
    metric: str
    table: pd.DataFrame
    reason: str


def select_model(result, *, metric: str = "mae", lang: str = "zh", **holdout_args) -> ModelChoice:
    """The model with the smallest holdout error, and why, in a sentence.

    ``result`` is a ``HoldoutResult``, or the orders to run ``holdout_validation`` on (then
    ``holdout_args`` are its keywords). ``metric`` is "mae" or "rmse" (per customer).
    Baselines are never chosen, but the sentence says how the best model compares with the
    better of them, and says so plainly when no model beats it.

    Raises ValueInputError for an unknown metric, or when no model could be fitted.
    """
    check_lang(lang)
    if metric not in ("mae", "rmse"):
        raise ValueInputError(f"metric must be 'mae' or 'rmse', not {metric!r}", "metric")
    if not isinstance(result, HoldoutResult):
        result = holdout_validation(result, **holdout_args)
    table = result.errors.sort_values(metric)
    models = [m for m in table.index if m not in BASELINES]
    if not models:
        failed = "; ".join(f"{k}: {v}" for k, v in result.failures.items()) or "none given"
        raise ValueInputError(f"no model could be fitted on the calibration period ({failed})", "models")
    best = models[0]
    baseline = min(BASELINES, key=lambda b: table.loc[b, metric])
    fields = {"best": best, "metric": metric.upper(), "value": table.loc[best, metric],
              "baseline": baseline_label(baseline, lang), "baseline_value": table.loc[baseline, metric],
              "total_error": table.loc[best, "total_error"]}
    if len(models) > 1:
        reason = translate("{best} forecasts the holdout period best: {metric} {value:.3f} purchases per customer, "
                           "against {runner_up} {runner_value:.3f}; its total is off by {total_error:+.1%}.", lang,
                           runner_up=models[1], runner_value=table.loc[models[1], metric], **fields)
    else:
        reason = translate("{best} is the only model fitted: {metric} {value:.3f} purchases per customer in the "
                           "holdout period; its total is off by {total_error:+.1%}.", lang, **fields)
    if table.loc[best, metric] < table.loc[baseline, metric]:
        reason += " " + translate("The better naive forecast ({baseline}) scores {baseline_value:.3f}.", lang, **fields)
    else:
        reason += " " + translate("No model beats the naive forecast ({baseline}, {baseline_value:.3f}): do not "
                                  "trust the model's forecasts for this book.", lang, **fields)
    return ModelChoice(best, metric, table, reason)
