"""Calibration/holdout validation of the purchase models, and choosing one by its holdout error.

Fit each model on the orders up to ``calibration_end``, forecast each customer's purchases in
(``calibration_end``, ``observation_end``], and compare with what they did, as Fader, Hardie &
Lee (2005) do for BG/NBD on CDNOW (their Figure 3 and Table 1): the conditional expectations
against the actual holdout purchases by calibration frequency, the cumulative purchases period
by period, and the error per customer. Two naive forecasts run beside the models, so a model
has to earn its place: each customer buys in the holdout what they bought in the last
calibration window of the same length ("last period"), and everyone buys at the book's mean
repeat rate ("mean rate").

Two kinds of model, two targets, never mixed in one validation:

* the continuous-time models (BG/NBD, Pareto/NBD, MBG/NBD) forecast *purchases* (purchase
  days) from the ``rfm_summary`` of the calibration period, in time units "D", "W", "M";
* BG/BB (``BetaGeoBetaBinom``) forecasts *periods with a purchase* from the per-period summary
  (``crmkit.value.opportunities``) of whole calendar periods "Y", "Q", "M", "W" or "D".

A customer who buys three times in a year made three purchases and one year with a purchase:
the two kinds of forecast are not in the same units, and no single number ranks them (turning
the continuous models' forecasts into periods with a purchase would need each model's whole
distribution of purchases within a period, not its mean). So ``holdout_validation`` and
``select_model`` refuse a list holding both kinds and say so; each kind is validated on its own
target, beside the same two naive forecasts measured in that target, and a model earns trust by
beating them.

>>> result = holdout_validation(orders, calibration_end="1997-09-30", observation_end="1998-06-30",
...                             time_unit="W")                          # doctest: +SKIP
>>> result.by_frequency                       # n_customers, actual, BetaGeo, ParetoNBD, ...  # doctest: +SKIP
>>> select_model(result).reason               # doctest: +SKIP
>>> yearly = holdout_validation(orders, calibration_end="2021-12-31", observation_end="2024-12-31",
...                             time_unit="Y")                          # BG/BB, periods with a purchase  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import ConvergenceError, ModelInputError, ValueInputError
from ..i18n import N_, check_lang, translate
from .opportunities import PERIOD_ATTR, PERIODS, PeriodClock, purchase_periods, summarise_periods
from .rfm import rfm_summary
from .units import TIME_UNITS, UNIT_ATTR

#: The naive forecasts every holdout result carries beside the models.
BASELINES = ("last_period", "mean_rate")

#: What a result's forecasts count: purchase days (continuous-time models) or periods with a
#: purchase (BG/BB).
PURCHASES, PURCHASE_PERIODS = "purchases", "purchase_periods"

_BASELINE_LABELS = {"last_period": N_("last period's count"), "mean_rate": N_("everyone at the mean rate")}


def baseline_label(name: str, lang: str = "zh") -> str:
    """A model's name as is, a baseline's in words (translated)."""
    return translate(_BASELINE_LABELS[name], lang) if name in _BASELINE_LABELS else name


@dataclass
class HoldoutResult:
    """What ``holdout_validation`` found.

    Every count below is of the result's ``target``: ``"purchases"`` (purchase days; orders on
    one day are one purchase) for the continuous-time models, ``"purchase_periods"`` (periods
    with at least one purchase) for BG/BB. Models, baselines and the actual figures of one
    result always count the same thing.

    Attributes
    ----------
    customers : pd.DataFrame
        The calibration summary with ``holdout_purchases`` (the target counted in the holdout:
        purchase days, or holdout periods with a purchase), ``holdout_value`` (the amounts
        bought in the holdout) and one column per model and baseline: its forecast of
        ``holdout_purchases``. Continuous: ``rfm_summary`` up to ``calibration_end``
        (frequency, recency, T, money). BG/BB: the per-period summary (``frequency`` periods
        with a purchase after the first, ``recency`` the last of them, ``n_periods``).
    by_frequency : pd.DataFrame
        One row per calibration frequency 0, 1, 2, … (those present): ``n_customers``,
        ``actual`` (mean ``holdout_purchases``) and each model's and baseline's mean forecast.
    tracking : pd.DataFrame
        Cumulative repeat purchases (or repeat periods with a purchase) of the calibration
        cohort at the end of each period (one time unit) from the first purchase to
        ``observation_end``: ``actual`` and each model's expectation for customers of its
        cohort (the unconditional E[X(t)] summed over customers by first purchase day, or by
        first period), and ``holdout`` (the period ends after ``calibration_end``).
    errors : pd.DataFrame
        Per model and baseline: ``mae`` and ``rmse`` per customer, ``predicted`` and
        ``actual`` holdout counts in total, ``total_error`` (predicted / actual - 1).
    models : dict
        The fitted models by name.
    failures : dict
        Models that could not be fitted on the calibration period, by name: the error.
    time_unit : str
        The summaries' unit ("D", "W", "M") or, for BG/BB, the period ("Y", "Q", "M", "W", "D").
    holdout_periods : float
        The holdout's length in ``time_unit`` (BG/BB: a whole number of periods).
    target : str
        ``"purchases"`` or ``"purchase_periods"`` (see above).
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
    target: str = PURCHASES


def _default_models(time_unit: str):
    from .bgbb import BetaGeoBetaBinom
    from .bgnbd import BetaGeo
    from .mbgnbd import ModifiedBetaGeo
    from .paretonbd import ParetoNBD

    if time_unit not in TIME_UNITS:  # years and quarters are BG/BB's periods only
        return [BetaGeoBetaBinom()]
    return [BetaGeo(), ParetoNBD(), ModifiedBetaGeo()]


def counts_periods(model) -> bool:
    """Whether ``model`` forecasts periods with a purchase (BG/BB) rather than purchases."""
    return bool(getattr(model, "_DISCRETE", False))


def _check_models(models: list, time_unit: str) -> bool:
    """True when the models count periods with a purchase, False when they count purchases;
    a ValueInputError when they mix the two, or when the time unit fits neither."""
    if not models:  # baselines only: the time unit says which target
        if time_unit in TIME_UNITS or time_unit in PERIODS:
            return time_unit not in TIME_UNITS
        raise ValueInputError(f"unknown time unit {time_unit!r}; use one of {', '.join(TIME_UNITS)} or, for periods "
                              f"with a purchase, {', '.join(PERIODS)}", "time_unit")
    discrete = [type(m).__name__ for m in models if counts_periods(m)]
    continuous = [type(m).__name__ for m in models if not counts_periods(m)]
    if discrete and continuous:
        raise ValueInputError(
            f"{', '.join(discrete)} forecast(s) periods with a purchase (discrete opportunities), {', '.join(continuous)} "
            "purchases in continuous time: their errors are not in the same units, so one validation cannot rank "
            "them (a customer who buys three times in a year made three purchases and one year with a purchase). "
            "Validate them separately, e.g. models=[BetaGeoBetaBinom()] with time_unit='Y' and the others with "
            "time_unit='W', and compare each with the naive forecasts that both results carry", "models")
    if discrete:
        if time_unit not in PERIODS:
            raise ValueInputError(f"unknown time unit {time_unit!r} for {', '.join(discrete)}; use a period: "
                                  f"{', '.join(PERIODS)} ({', '.join(PERIODS.values())})", "time_unit")
        return True
    if time_unit not in TIME_UNITS:
        also = (f" ({time_unit!r} is a period of BG/BB's: models=[BetaGeoBetaBinom()] counts periods with a purchase)"
                if time_unit in PERIODS else "")
        raise ValueInputError(f"unknown time unit {time_unit!r}; use one of {', '.join(TIME_UNITS)}{also}", "time_unit")
    return False


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
        Calendar days (inclusive); orders after ``observation_end`` are ignored. For BG/BB
        both must be the last day of a period (e.g. 31 December for "Y"; for "W" the same
        weekday): the error says which day would do.
    time_unit : str, default "W"
        Continuous-time models: "D", "W" or "M", the unit of the summaries and of the
        tracking periods. BG/BB: the period that makes an opportunity, "Y", "Q", "M"
        (calendar years, quarters, months), "W" (weeks ending on ``calibration_end``'s
        weekday) or "D".
    models : list, optional
        Unfitted estimators with ``fit(summary)`` and ``expected_purchases(t, summary)``,
        all continuous-time or all BG/BB (see the module's docstring: a mix is refused).
        Default: ``BetaGeo()``, ``ParetoNBD()``, ``ModifiedBetaGeo()``; for "Y" and "Q",
        ``BetaGeoBetaBinom()``. Each is fitted on a clone, keyed by its class name. A model
        that cannot be fitted is left out and its error kept in ``failures``.

    The cohort is the customers who bought by ``calibration_end``; customers whose first
    purchase falls in the holdout are not forecast (the models forecast known customers).

    What is compared with what (``HoldoutResult.target``):

    * continuous-time models: purchase days. Calibration: ``rfm_summary`` (frequency =
      repeat purchase days). Holdout: purchase days in (calibration_end, observation_end].
      Forecast: ``expected_purchases(holdout length, summary)``. Baselines: the repeat purchase
      days of the last calibration window as long as the holdout (scaled when the calibration
      is shorter), and the book's repeat purchases per unit of observed time × the holdout.
    * BG/BB: periods with a purchase. Calibration: ``frequency`` = periods with a purchase
      after the first purchase's period, ``recency`` = the last of them, ``n_periods`` =
      periods after the first up to ``calibration_end``. Holdout: how many of the m holdout
      periods hold a purchase (0 … m). Forecast: ``expected_purchases(m, summary)``.
      Baselines: the periods with a purchase among the last min(m, calibration length)
      periods (not counting the first purchase's), scaled to m, and the book's share of
      periods with a purchase (Σ frequency / Σ n_periods) × m. ``by_frequency``, ``errors``
      and ``tracking`` then all count periods with a purchase, actual and forecast alike.

    Returns
    -------
    HoldoutResult

    Raises
    ------
    ValueInputError
        The dates are not in order (or, for BG/BB, do not end periods), the models mix the
        two kinds, the time unit fits neither, or the orders cannot be summarised (a missing
        column, a bad date or amount: the error names it).
    """
    start, end = _day(calibration_end, "calibration_end"), _day(observation_end, "observation_end")
    if end <= start:
        raise ValueInputError(f"observation_end ({end.date()}) must be after calibration_end ({start.date()})",
                              "observation_end")
    if not isinstance(time_unit, str):
        raise ValueInputError(f"unknown time unit {time_unit!r}", "time_unit")
    models = _default_models(time_unit) if models is None else list(models)
    discrete = _check_models(models, time_unit)
    amount = amount_col if amount_col and amount_col in orders.columns else None
    prepare = _periods_data if discrete else _days_data
    data = prepare(orders, start, end, time_unit, customer_col, date_col, amount)

    customers, calibration = data.customers, data.calibration
    fitted, failures, forecasts = _fit_and_forecast(models, calibration, data.horizon)
    forecasts.update(data.baselines)
    for name, values in forecasts.items():
        customers[name] = values
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

    tracking = data.tracking(fitted)
    return HoldoutResult(customers, by_frequency, tracking, errors, fitted, failures, start, end, time_unit,
                         data.horizon, PURCHASE_PERIODS if discrete else PURCHASES)


def _fit_and_forecast(models: list, calibration: pd.DataFrame, horizon):
    """Each model fitted on a clone (by class name) and its forecast; failures kept by name."""
    from sklearn.base import clone

    fitted, failures, forecasts = {}, {}, {}
    for model in models:
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
    return fitted, failures, forecasts


@dataclass
class _Prepared:
    """What a validation needs of the orders: the calibration summary the models fit, the
    customers' frame (the summary and the holdout counts), the holdout's length in the
    summary's unit, the naive forecasts, and the tracking table for the fitted models."""

    calibration: pd.DataFrame
    customers: pd.DataFrame
    horizon: float
    baselines: dict
    tracking: object  # fitted models -> DataFrame


def _days_data(orders, start, end, time_unit, customer_col, date_col, amount) -> _Prepared:
    """Purchase days: the continuous-time models' target."""
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
    customers.attrs[UNIT_ATTR] = time_unit

    # the naive forecasts: the last calibration window of the holdout's length, and the mean rate
    first_day = per_day.groupby("customer")["day"].transform("min")
    window_days = min(horizon_days, max((start - per_day["day"].min()).days, 1))
    recent = per_day[(per_day["day"] > start - pd.Timedelta(days=window_days)) & (per_day["day"] <= start)
                     & (per_day["day"] > first_day)]
    last = recent.groupby("customer").size().reindex(customers.index, fill_value=0).to_numpy()
    # (no time observed at all, everyone's first purchase on calibration_end: no rate to go by, 0)
    observed = calibration["T"].sum()
    rate = calibration["frequency"].sum() / observed if observed > 0 else 0.0
    baselines = {"last_period": last * (horizon_days / window_days),
                 "mean_rate": np.full(len(customers), rate * horizon)}
    return _Prepared(calibration, customers, horizon, baselines,
                     lambda fitted: _tracking(per_day, fitted, start, end, unit_days))


def _periods_data(orders, start, end, period, customer_col, date_col, amount) -> _Prepared:
    """Periods with a purchase: BG/BB's target."""
    clock = PeriodClock.ending_on(start, period, "calibration_end")
    m = clock.require_end(end, "observation_end")
    per_period = purchase_periods(orders, clock, through=m, customer_col=customer_col, date_col=date_col,
                                  amount_col=amount)
    summary = summarise_periods(per_period, 0)
    if summary.empty:
        raise ValueInputError(f"no orders on or before calibration_end ({start.date()})", date_col)
    per_period = per_period[per_period["customer"].isin(summary.index)]
    first = summary["first_period"]
    calibration = summary.drop(columns="first_period").rename_axis(customer_col)
    calibration.attrs[PERIOD_ATTR] = period

    customers = calibration.copy()
    in_holdout = per_period[per_period["period"] > 0]
    customers["holdout_purchases"] = in_holdout.groupby("customer").size().reindex(customers.index, fill_value=0)
    if amount:
        customers["holdout_value"] = in_holdout.groupby("customer")["amount"].sum().reindex(customers.index,
                                                                                            fill_value=0.0)

    # the naive forecasts in periods with a purchase: the last min(m, calibration length) periods
    # (the first purchase's own period left out), and the book's share of periods with one
    window = min(m, max(-int(first.min()), 1))
    after_first = per_period["period"].to_numpy() > first.reindex(per_period["customer"]).to_numpy()
    recent = per_period[after_first & (per_period["period"] > -window) & (per_period["period"] <= 0)]
    last = recent.groupby("customer").size().reindex(customers.index, fill_value=0).to_numpy()
    opportunities = calibration["n_periods"].sum()
    share = calibration["frequency"].sum() / opportunities if opportunities > 0 else 0.0
    baselines = {"last_period": last * (m / window), "mean_rate": np.full(len(customers), share * m)}
    return _Prepared(calibration, customers, m, baselines,
                     lambda fitted: _period_tracking(per_period, first, fitted, clock, m))


def _period_tracking(per_period: pd.DataFrame, first: pd.Series, fitted: dict, clock: PeriodClock,
                     m: int) -> pd.DataFrame:
    """Cumulative repeat periods with a purchase at the end of each period, actual and expected
    per model (E[X(n)] of each cohort of first period, n periods after it)."""
    origin = int(first.min())
    ends = np.arange(origin + 1, m + 1)                                  # period numbers
    after_first = per_period["period"].to_numpy() > first.reindex(per_period["customer"]).to_numpy()
    repeat_periods = np.sort(per_period["period"].to_numpy()[after_first])
    table = {"actual": np.searchsorted(repeat_periods, ends, side="right").astype("float64")}
    cohort, cohort_size = np.unique(first.to_numpy(), return_counts=True)
    ages = ends[None, :] - cohort[:, None]                                # periods since each cohort's first
    for name, model in fitted.items():
        expected = np.zeros(ages.shape)
        alive = ages > 0
        expected[alive] = model.expected_purchases_new_customer(ages[alive])
        table[name] = cohort_size @ expected
    out = pd.DataFrame(table, index=pd.DatetimeIndex(clock.end_of(ends), name="period_end"))
    out["holdout"] = ends > 0
    return out


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
    ``holdout_args`` are its keywords). ``metric`` is "mae" or "rmse" (per customer), in the
    result's target: purchases for the continuous-time models, periods with a purchase for
    BG/BB. The two are never ranked together: ``holdout_validation`` refuses models of both
    kinds in one list (its module's docstring says why), so a choice is always among models
    forecasting the same thing.
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
    if result.target == PURCHASE_PERIODS and len(models) > 1:
        reason = translate("{best} forecasts the holdout period best: {metric} {value:.3f} periods with a purchase "
                           "per customer, against {runner_up} {runner_value:.3f}; its total is off by "
                           "{total_error:+.1%}.", lang, runner_up=models[1], runner_value=table.loc[models[1], metric],
                           **fields)
    elif result.target == PURCHASE_PERIODS:
        reason = translate("{best} is the only model fitted: {metric} {value:.3f} periods with a purchase per "
                           "customer in the holdout period; its total is off by {total_error:+.1%}.", lang, **fields)
    elif len(models) > 1:
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
