"""Backtest: train on what was known by a cutoff day, score what came after, beside two baselines.

>>> result = backtest(crm, cutoff="2026-07-31")
>>> print(result)                     # AUC, Brier, calibration error per model; lift per grade
>>> result.predictions.head()         # one row per opportunity open at the cutoff

``cutoff`` is the last day the model may see, a calendar day read as every ``as_of`` in crmkit
(``crmkit.timeframe``): what is dated on or before it is known. Training rows are snapshots:
every ``every_days`` days (default 28, about the 30-day horizon, so one card's snapshots rarely
share an outcome window) from ``start`` until ``cutoff - horizon_days``, each open opportunity's
features as of that day and whether it was won within the following ``horizon_days``. All those
outcomes are known by the end of the cutoff day. The test rows are the opportunities open at the
end of the cutoff day, labelled by what happened in the ``horizon_days`` after it.
The baselines are the grade the reps assigned by hand (at its form probability) and a
naive-Bayes frequency model built the way Odoo CRM's predictive lead scoring builds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..timeframe import as_of_day, end_of
from .features import features_from_tables

# Features that describe the moment rather than the lead: left out so the model learns from
# the situation of a card, not from the calendar.
_NOT_FEATURES = ("customer_id", "last_contact_at")
# Fields the Odoo-style baseline counts won/lost frequencies over (its stage, team, source,
# country and tag fields, in crmkit's terms).
ODOO_FIELDS = ("stage", "rep", "source", "region", "product", "competitor_present")


@dataclass
class BacktestResult:
    """What ``backtest`` measured. ``metrics`` has one row per model; ``predictions`` one row
    per opportunity open at the cutoff, with the outcome and every model's probability."""

    cutoff: pd.Timestamp
    horizon_days: int
    metrics: pd.DataFrame
    calibration: dict[str, pd.DataFrame]
    lift: dict[str, pd.DataFrame]
    predictions: pd.DataFrame
    model: object = field(repr=False)
    n_train: int = 0

    def __str__(self) -> str:
        head = (f"backtest at {self.cutoff:%Y-%m-%d}: trained on {self.n_train:,} snapshots before it, "
                f"scored {len(self.predictions):,} open opportunities on closing within {self.horizon_days} days")
        return head + "\n" + self.metrics.round(4).to_string()


def training_snapshots(tables: dict[str, pd.DataFrame], stage_history: pd.DataFrame | None, *, start, cutoff,
                       horizon_days: int = 30, every_days: int = 28) -> tuple[pd.DataFrame, pd.Series]:
    """Features of the cards open at each snapshot day, and whether each was won within the horizon.

    Snapshot days (each an ``as_of``: the cards as they stood at its end) run from ``start`` to
    ``cutoff - horizon_days``, so every outcome is known by the end of the ``cutoff`` day; both
    are calendar days. Rows are indexed by (as_of, opportunity_id).
    """
    start = as_of_day(start, name="start")
    cutoff = as_of_day(cutoff, name="cutoff")
    last = cutoff - pd.Timedelta(days=horizon_days)
    days = pd.date_range(start, last, freq=f"{every_days}D")
    frames, outcomes = [], []
    for day in days:
        X = features_from_tables(tables, as_of=day, stage_history=stage_history)
        if X.empty:
            continue
        frames.append(X.assign(as_of=day).set_index("as_of", append=True).reorder_levels(["as_of", X.index.name]))
        outcomes.append(won_within(tables["opportunities"], X.index, as_of=day, horizon_days=horizon_days)
                        .set_axis(frames[-1].index))
    if not frames:
        raise ValueError(f"no opportunity was open between {start:%Y-%m-%d} and {last:%Y-%m-%d}")
    return pd.concat(frames), pd.concat(outcomes)


def won_within(opportunities: pd.DataFrame, ids, *, as_of, horizon_days: int = 30) -> pd.Series:
    """Whether each opportunity in ``ids`` was won after the ``as_of`` day and within ``horizon_days``
    days of it (closed on one of the days ``as_of + 1`` … ``as_of + horizon_days``)."""
    opp = opportunities.set_index("opportunity_id").reindex(pd.Index(ids))
    start = end_of(as_of)
    closed = pd.to_datetime(opp["closed_at"])
    won = (opp["status"].astype(object) == "won") & (closed >= start) & (closed < start + pd.Timedelta(days=horizon_days))
    return won.fillna(False).astype(bool).rename("won")


def finally_won(opportunities: pd.DataFrame, ids, *, by) -> pd.Series:
    """Each card's final outcome as known at the end of the ``by`` day: True (won), False (lost),
    missing while it is still open (or closed later). ``ids`` may repeat (one row per snapshot),
    or be a MultiIndex whose last level is the opportunity id."""
    ids = ids if isinstance(ids, pd.Index) else pd.Index(ids)  # pd.Index() would flatten a MultiIndex to tuples
    opp_ids = ids.get_level_values(-1)
    opp = opportunities.set_index("opportunity_id")
    status = opp["status"].astype(object).reindex(opp_ids).to_numpy()
    closed = pd.to_datetime(opp["closed_at"]).reindex(opp_ids).to_numpy()
    known = pd.notna(closed) & (closed < end_of(by).to_datetime64()) & pd.Series(status).isin(["won", "lost"]).to_numpy()
    return pd.Series(np.where(known, status == "won", None), index=ids, dtype=object, name="finally_won")


def model_inputs(features: pd.DataFrame) -> pd.DataFrame:
    """The feature frame as the model takes it: without ids and absolute dates."""
    drop = [c for c in features.columns if c in _NOT_FEATURES or pd.api.types.is_datetime64_any_dtype(features[c])]
    return features.drop(columns=drop)


def backtest(crm, *, cutoff, horizon_days: int = 30, start=None, every_days: int = 28,
             model=None, tables: dict[str, pd.DataFrame] | None = None,
             stage_history: pd.DataFrame | None = None) -> BacktestResult:
    """Train on what was known by the ``cutoff`` day, score the cards open at its end, compare
    with the baselines.

    ``crm`` is a store (or None when ``tables`` and ``stage_history`` are given). ``cutoff`` and
    ``start`` are calendar days (``crmkit.timeframe``); ``start``, the first snapshot day,
    defaults to one year before the cutoff. ``model`` defaults to a fresh
    ``CloseLikelihoodModel(horizon_days=horizon_days, random_state=0)``.
    """
    from .baselines import HandGradeBaseline, OdooNaiveBayes
    from .metrics import auc, brier, calibration_table, expected_calibration_error, lift_by_grade
    from .model import CloseLikelihoodModel

    cutoff = as_of_day(cutoff, name="cutoff")
    if tables is None:
        tables = {name: crm.read(name) for name in ("opportunities", "interactions", "customers", "orders")}
        stage_history = crm.history("opportunities")
    start = as_of_day(start, name="start") if start is not None else cutoff - pd.Timedelta(days=365)
    X_train, y_train = training_snapshots(tables, stage_history, start=start, cutoff=cutoff,
                                          horizon_days=horizon_days, every_days=every_days)
    X_test = features_from_tables(tables, as_of=cutoff, stage_history=stage_history)
    if X_test.empty:
        raise ValueError(f"no opportunity was open at {cutoff:%Y-%m-%d}")
    y_test = won_within(tables["opportunities"], X_test.index, as_of=cutoff, horizon_days=horizon_days)

    # a fixed seed: the same store and cutoff give the same numbers in every run
    model = model if model is not None else CloseLikelihoodModel(horizon_days=horizon_days, random_state=0)
    odoo_fields = [f for f in ODOO_FIELDS if f in X_train.columns]
    candidates = {
        "crmkit": model,
        "odoo_naive_bayes": OdooNaiveBayes(fields=odoo_fields),
        "hand_grade": HandGradeBaseline(),
    }
    train_in, test_in = model_inputs(X_train), model_inputs(X_test)
    probabilities = {}
    for name, estimator in candidates.items():
        estimator.fit(train_in, y_train.to_numpy().astype(int))
        probabilities[name] = estimator.predict_proba(test_in)[:, 1]
    if hasattr(model, "screen_outcome"):  # a column filled in only when deals close: warn before any score
        model.screen_outcome(train_in, finally_won(tables["opportunities"], X_train.index, by=cutoff))

    y = y_test.to_numpy().astype(int)
    rows, calibration, lift = {}, {}, {}
    for name, p in probabilities.items():
        rows[name] = {"auc": auc(y, p) if 0 < y.sum() < len(y) else np.nan, "brier": brier(y, p),
                      "ece": expected_calibration_error(y, p), "mean_probability": float(np.mean(p))}
        calibration[name] = calibration_table(y, p)
        lift[name] = lift_by_grade(y, p)
    metrics = pd.DataFrame(rows).T
    metrics["close_rate"] = float(y.mean())
    metrics["n"] = len(y)
    predictions = pd.DataFrame({"won": y_test, **{f"p_{k}": v for k, v in probabilities.items()}},
                               index=X_test.index)
    predictions.insert(0, "customer_id", X_test["customer_id"])
    return BacktestResult(cutoff, horizon_days, metrics, calibration, lift, predictions, model, len(y_train))
