"""Score the opportunities open now: train on the past snapshots, predict, grade.

>>> scored = score_open_opportunities(crm, as_of="2026-10-31")
>>> scored.table[["probability", "grade", "intent_grade"]].head()
>>> close.explain(scored.model, close.model_inputs(scored.features).head(10))
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import signing
from ..exceptions import ValueInputError
from ..timeframe import resolve_as_of
from .backtest import finally_won, model_inputs, training_snapshots
from .features import features_from_tables
from .grades import grade

# Bumped when a fitted model gains or changes attributes, so a cached older one is refitted.
# 2: screened columns (dropped_columns_, separation_), lang_, booster_ for raw_score.
MODEL_FORMAT = 2

log = logging.getLogger(__name__)


@dataclass
class Scored:
    """``as_of``: the day scored (a calendar day, see ``crmkit.timeframe``); ``table``: one row per
    opportunity open at its end (customer, rep, stage, hand grade, probability, grade);
    ``features``: what the model saw; ``model``: the fitted CloseLikelihoodModel (None when no
    card was open, so there was nothing to score)."""

    as_of: pd.Timestamp
    table: pd.DataFrame
    features: pd.DataFrame = field(repr=False)
    model: object = field(repr=False)


def score_open_opportunities(crm, *, as_of=None, horizon_days: int = 30, history_days: int = 365,
                             every_days: int = 28, tables=None, stage_history=None,
                             cache_dir: str | os.PathLike | None = None) -> Scored:
    """Probability that each opportunity open at the end of the ``as_of`` day is won within the
    next ``horizon_days`` days.

    ``as_of`` is a calendar day (``crmkit.timeframe``); it defaults to the store's data date,
    the day of its last recorded activity (with ``tables`` and no store: their newest activity).
    The model learns from snapshots of the ``history_days`` up to ``as_of``, with only the
    outcomes known by its end; when those hold a single outcome (a historical store whose last
    year has no card won in time, or none that was not), it learns from the whole history
    before ``as_of`` instead. With no card open, nothing is fitted: the table is empty. With no
    history holding both outcomes, ``ValueInputError`` (its ``column`` is "history").

    With ``cache_dir`` (e.g. ``crmkit.store.cache_dir()``), the fitted model is kept there and
    reused while the store is unchanged (same :meth:`~crmkit.Store.last_change`), the date and
    the settings are the same: the training is most of the time (about 17 s at 100k cards), and
    every visitor of the web app would otherwise pay it again. The open cards are always scored
    afresh. Each cached file is signed with this installation's key (``crmkit.signing``), and a file
    whose signature does not verify (one crmkit did not write) is never unpickled: it is refitted.
    """
    from .model import CloseLikelihoodModel

    if tables is None:
        tables = {name: crm.read(name) for name in ("opportunities", "interactions", "customers", "orders")}
        stage_history = crm.history("opportunities")
    as_of = resolve_as_of(as_of, crm if crm is not None else tables)
    features = features_from_tables(tables, as_of=as_of, stage_history=stage_history)
    table = features[[c for c in ("customer_id", "rep", "stage", "intent_grade", "expected_amount",
                                  "days_since_contact") if c in features]].copy()
    if features.empty:  # nothing to score, so no model to fit (a store without cards has no history either)
        table["probability"] = pd.Series(dtype=float)
        table["grade"] = grade(table["probability"])
        return Scored(as_of, table, features, None)
    cached = None
    if cache_dir is not None:
        key = _cache_key(crm, as_of, horizon_days, history_days, every_days)
        cached = Path(cache_dir) / f"close_model_{key}.pkl"
    model = _load(cached)
    if model is None:
        X_train, y_train = _training(tables, stage_history, as_of, horizon_days, history_days, every_days)
        model = CloseLikelihoodModel(horizon_days=horizon_days, random_state=0)
        model.fit(model_inputs(X_train), y_train.to_numpy().astype(int))
        # a column filled in only when deals close gives the final outcome away: warn before scoring
        model.screen_outcome(model_inputs(X_train), finally_won(tables["opportunities"], X_train.index, by=as_of))
        _save(model, cached)
    table["probability"] = model.predict_proba(model_inputs(features))[:, 1]
    table["grade"] = grade(table["probability"])
    return Scored(as_of, table.sort_values("probability", ascending=False), features, model)


def _training(tables, stage_history, as_of: pd.Timestamp, horizon_days: int, history_days: int,
              every_days: int) -> tuple[pd.DataFrame, pd.Series]:
    """Snapshots of the ``history_days`` before ``as_of``, or of all the history when those
    show only one outcome: the model needs won and not-won cards to learn from."""
    def snapshots(start):
        try:
            X, y = training_snapshots(tables, stage_history, start=start, cutoff=as_of, horizon_days=horizon_days,
                                      every_days=every_days)
        except ValueError:  # no card open on any snapshot day
            return None, None
        return (X, y) if y.nunique() == 2 else (None, None)

    start = as_of - pd.Timedelta(days=history_days)
    X, y = snapshots(start)
    created = pd.to_datetime(tables["opportunities"]["created_at"])
    first = created[created < start].min()
    if X is None and pd.notna(first):
        X, y = snapshots(first.normalize())
    if X is None:
        raise ValueInputError(f"among the cards open before {as_of:%Y-%m-%d}, none was won within {horizon_days} "
                              "days, or none was not: nothing to learn the close model from", "history")
    return X, y


def _cache_key(crm, as_of: pd.Timestamp, horizon_days: int, history_days: int, every_days: int) -> str:
    from .. import __version__

    what = {"store": crm.url, "last_change": crm.last_change(), "as_of": as_of.isoformat(), "horizon": horizon_days,
            "history": history_days, "every": every_days, "crmkit": __version__, "model": MODEL_FORMAT,
            "book": _book_of(crm)}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:20]


def _book_of(crm) -> str:
    """Which records the model learns from: a store opened for a rep or a manager reads their book
    only, so their model is another model than the whole store's, and each gets its own cache entry
    (otherwise a rep's scores would depend on whether an admin had opened the board first). The
    book is named by its customers and cards, so a manager's changes with the team's members."""
    account = crm.account
    if account is None or account.is_admin:
        return "all"
    ids = "\n".join([*crm.ids("customers"), "", *crm.ids("opportunities")])
    return hashlib.sha256(ids.encode()).hexdigest()[:20]


def _load(path: Path | None):
    """The model cached at ``path``, if crmkit wrote it (``crmkit.signing``); else None, to refit.

    The signature is checked before a byte is unpickled: a file crmkit did not sign, or signed
    under another name or with another installation's key, is never loaded.
    """
    if path is None or not path.exists():
        return None
    payload = signing.verified(path.read_bytes(), path.name)
    if payload is None:
        log.warning("crmkit ignores the cached model %s: crmkit did not sign it; the model is fitted again", path)
        return None
    try:
        return pickle.loads(payload)  # noqa: S301 - signed by this installation, see crmkit.signing
    except Exception:  # noqa: BLE001 - an outdated cache file is refitted, not fatal
        return None


def _save(model, path: Path | None) -> None:
    if path is None:
        return
    blob = signing.sign(pickle.dumps(model), path.name)
    if blob is None:  # no usable signing key: an unsigned file would never be loaded, so don't write one
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # written aside, then renamed: a reader never sees half a file, and two writers don't clash
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.stem, suffix=".tmp", delete=False) as f:
        f.write(blob)
    os.replace(f.name, path)
