"""Score the opportunities open now: train on the past snapshots, predict, grade.

>>> scored = score_open_opportunities(crm, as_of="2026-11-01")
>>> scored.table[["probability", "grade", "intent_grade"]].head()
>>> close.explain(scored.model, close.model_inputs(scored.features).head(10))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .backtest import model_inputs, training_snapshots
from .features import features_from_tables
from .grades import grade


@dataclass
class Scored:
    """``table``: one row per open opportunity (customer, rep, stage, hand grade, probability,
    grade); ``features``: what the model saw; ``model``: the fitted CloseLikelihoodModel."""

    as_of: pd.Timestamp
    table: pd.DataFrame
    features: pd.DataFrame = field(repr=False)
    model: object = field(repr=False)


def score_open_opportunities(crm, as_of=None, *, horizon_days: int = 30, history_days: int = 365,
                             every_days: int = 28, tables=None, stage_history=None) -> Scored:
    """Probability that each opportunity open at ``as_of`` is won within ``horizon_days``.

    The model learns from snapshots of the ``history_days`` before ``as_of`` (only outcomes
    known by then). ``as_of`` defaults to the day after the last interaction in the store.
    """
    from .model import CloseLikelihoodModel

    if tables is None:
        tables = {name: crm.read(name) for name in ("opportunities", "interactions", "customers", "orders")}
        stage_history = crm.history("opportunities")
    if as_of is None:
        as_of = pd.to_datetime(tables["interactions"]["occurred_at"]).max().normalize() + pd.Timedelta(days=1)
    as_of = pd.Timestamp(as_of)
    X_train, y_train = training_snapshots(tables, stage_history, start=as_of - pd.Timedelta(days=history_days),
                                          cutoff=as_of, horizon_days=horizon_days, every_days=every_days)
    model = CloseLikelihoodModel(horizon_days=horizon_days, random_state=0)
    model.fit(model_inputs(X_train), y_train.to_numpy().astype(int))
    features = features_from_tables(tables, as_of, stage_history)
    table = features[[c for c in ("customer_id", "rep", "stage", "intent_grade", "expected_amount",
                                  "days_since_contact") if c in features]].copy()
    if len(features):
        table["probability"] = model.predict_proba(model_inputs(features))[:, 1]
    else:
        table["probability"] = pd.Series(dtype=float)
    table["grade"] = grade(table["probability"])
    return Scored(as_of, table.sort_values("probability", ascending=False), features, model)
