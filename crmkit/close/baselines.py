"""Baselines the close model must beat: Odoo's predictive lead scoring and the reps' own hand grade.

``OdooNaiveBayes`` rebuilds the probability Odoo CRM's "Predictive Lead Scoring" shows on a lead,
following odoo/odoo ``addons/crm/models/crm_lead.py``: ``_pls_update_frequency_table`` (won/lost
counts per field value, +0.1 each "to avoid zero frequency issues"; tags only with ≥ 50 closed
leads; a won lead counts for every stage, a lost one for its stage and the stages before),
``_pls_get_won_lost_total_count`` (the prior: the won and lost counts of the first stage) and
``_pls_get_naive_bayes_probabilities`` (S(won) = P(won) × Π count_won(value) / total_won(field),
the same for lost; probability = S(won) / (S(won) + S(lost)); the stage divides by the overall
won/lost counts, other fields by their own totals; unset values and values never seen are skipped).

``HandGradeBaseline`` turns the intent card's O/A/B/C (有望度) into a probability: the form's band
midpoints, or the close rate each grade really had in the training leads.

>>> import pandas as pd
>>> from crmkit.close.baselines import OdooNaiveBayes
>>> leads = pd.DataFrame({"source": ["a", "a", "a", "b", "b"], "won": [1, 1, 0, 0, 0]})
>>> round(OdooNaiveBayes(fields=["source"]).fit(leads, "won").predict_proba(leads[:1])[0, 1], 4)
0.6529
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ..exceptions import ValueInputError

__all__ = ["OdooNaiveBayes", "HandGradeBaseline", "STAGE_ORDER", "FORM_GRADE_PROBABILITY"]

#: crmkit's opportunity stages, earliest first (DOMAIN.md).
STAGE_ORDER = ("contacted", "quoted", "proposal", "negotiation", "contract")
#: The intent card's bands as probabilities: the middle of O (75–100 %), A, B; C at the form's "under 10 %".
FORM_GRADE_PROBABILITY = {"O": 0.875, "A": 0.625, "B": 0.375, "C": 0.10}


def _frame_and_outcome(X, y):
    if isinstance(y, str):
        if not isinstance(X, pd.DataFrame) or y not in X.columns:
            raise ValueInputError(f"outcome column {y!r} not found in the leads", y)
        X, y = X.drop(columns=y), X[y]
    if not isinstance(X, pd.DataFrame):
        raise ValueInputError("the leads must be a DataFrame with named columns", "X")
    if y is None:
        raise ValueInputError("fit needs the outcome (1 = won, 0 = lost)", "y")
    y = pd.Series(np.asarray(y).ravel(), index=X.index)
    keep = y.notna()
    X, y = X.loc[keep], y[keep]
    values = set(pd.unique(y))
    if not values <= {0, 1}:  # True and False compare equal to 1 and 0
        raise ValueInputError(f"the outcome must be 1 (won) or 0 (lost), found {sorted(map(str, values))[:5]}", "y")
    return X, y.astype(int)


def _present(value) -> bool:
    """Odoo keeps a field/value couple only when the value is set."""
    return not (value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA
                or (isinstance(value, str) and not value.strip()))


def _tags_of(value) -> list:
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [t for t in value if _present(t)]
    if not _present(value):
        return []
    return [t.strip() for t in str(value).replace("；", ";").replace("，", ",").replace(";", ",").split(",")
            if t.strip()]


class OdooNaiveBayes(ClassifierMixin, BaseEstimator):
    """Odoo CRM's predictive lead scoring, on a lead DataFrame.

    Parameters
    ----------
    fields : list of str or None
        Columns to build frequency tables on (Odoo's ``crm.pls_fields``, e.g. source, country,
        rep). None: every text/categorical column except ``stage_field`` and ``tag_field``.
    stage_field : str or None, default "stage"
        The stage column (Odoo always uses ``stage_id``); skipped when absent from the frame.
    stage_order : sequence or None
        Stages earliest first, for Odoo's cumulative stage counts. None: ``STAGE_ORDER`` when every
        stage seen is one of crmkit's stages, else the stage is counted like any other field.
    tag_field : str or None
        A column of tags (lists, or text split on commas/semicolons).
    min_tag_count : int, default 50
        Odoo keeps a tag only when at least this many closed leads carry it.
    smoothing : float, default 0.1
        Added to every won and lost count (Odoo: "should be +1 but it weights too much on small recordset").

    Attributes
    ----------
    classes_ : array([0, 1])
    frequencies_ : DataFrame with columns field, value, won, lost (smoothed counts)
    won_count_, lost_count_ : the prior counts (first stage's, or all closed leads + smoothing)
    fields_ : the fields used, stage first

    Differences from Odoo: one table for all teams (Odoo builds one per sales team and falls back
    to all teams); a lead with no stage gets the prior instead of 0 %.
    """

    def __init__(self, fields=None, stage_field="stage", stage_order=None, tag_field=None,
                 min_tag_count=50, smoothing=0.1):
        self.fields = fields
        self.stage_field = stage_field
        self.stage_order = stage_order
        self.tag_field = tag_field
        self.min_tag_count = min_tag_count
        self.smoothing = smoothing

    def fit(self, X, y=None):
        """Count won and lost closed leads per field value. ``y`` may be a column name of ``X``."""
        X, y = _frame_and_outcome(X, y)
        s = float(self.smoothing)
        stage = self.stage_field if self.stage_field in X.columns else None
        skip = {stage, self.tag_field}
        if self.fields is None:
            fields = [c for c in X.columns if c not in skip and not pd.api.types.is_numeric_dtype(X[c].dtype)
                      and not pd.api.types.is_datetime64_any_dtype(X[c].dtype)]
        else:
            missing = [f for f in self.fields if f not in X.columns]
            if missing:
                raise ValueInputError(f"fields not in the leads: {missing}", missing[0])
            fields = [f for f in self.fields if f not in skip]
        rows = []
        won = y.to_numpy() == 1
        order = None
        if stage is not None:
            seen = [v for v in pd.unique(X[stage]) if _present(v)]
            candidate = list(self.stage_order) if self.stage_order is not None else list(STAGE_ORDER)
            if seen and set(seen) <= set(candidate):
                order = [v for v in candidate]
            elif self.stage_order is not None:
                raise ValueInputError(f"stages not in stage_order: {sorted(set(map(str, seen)) - set(map(str, candidate)))[:5]}",
                                      stage)
        self.stage_order_ = order
        if stage is not None and order is not None:
            rank = {v: i for i, v in enumerate(order)}
            at = X[stage].map(lambda v: rank.get(v, -1) if _present(v) else -1).to_numpy()
            has = at >= 0
            for i, value in enumerate(order):
                # a won lead passed every stage; a lost one reached its own stage and those before it
                w = int((has & won).sum())
                l_ = int((has & ~won & (at >= i)).sum())
                rows.append((stage, value, w + s, l_ + s))
            self.won_count_, self.lost_count_ = rows[0][2], rows[0][3]
        else:
            self.won_count_, self.lost_count_ = won.sum() + s, (~won).sum() + s
            if stage is not None:
                fields = [stage] + fields
        for field in fields:
            table = pd.crosstab(X[field].map(lambda v: v if _present(v) else None).dropna(), y[X[field].map(_present)])
            for value, counts in table.iterrows():
                rows.append((field, value, counts.get(1, 0) + s, counts.get(0, 0) + s))
        if self.tag_field is not None:
            if self.tag_field not in X.columns:
                raise ValueInputError("tag_field not in the leads", self.tag_field)
            tags = X[self.tag_field].map(_tags_of).explode().dropna()
            table = pd.crosstab(tags, y.loc[tags.index])
            for value, counts in table.iterrows():
                if counts.get(1, 0) + counts.get(0, 0) >= self.min_tag_count:
                    rows.append((self.tag_field, value, counts.get(1, 0) + s, counts.get(0, 0) + s))
        self.frequencies_ = pd.DataFrame(rows, columns=["field", "value", "won", "lost"])
        self.fields_ = ([stage] if stage is not None and order is not None else []) + fields \
            + ([self.tag_field] if self.tag_field is not None else [])
        self.classes_ = np.array([0, 1])
        self._stage_used = stage if order is not None else None
        return self

    def predict_proba(self, X) -> np.ndarray:
        """[P(lost), P(won)] per lead, Odoo's naive-Bayes score."""
        check_is_fitted(self, "frequencies_")
        if not isinstance(X, pd.DataFrame):
            raise ValueInputError("the leads must be a DataFrame with named columns", "X")
        log_won = np.full(len(X), np.log(self.won_count_ / (self.won_count_ + self.lost_count_)))
        log_lost = np.full(len(X), np.log(self.lost_count_ / (self.won_count_ + self.lost_count_)))
        for field, table in self.frequencies_.groupby("field", sort=False):
            if field not in X.columns:
                continue
            if field == self._stage_used:
                total_won, total_lost = self.won_count_, self.lost_count_
            else:
                total_won, total_lost = table["won"].sum(), table["lost"].sum()
            lw = pd.Series(np.log(table["won"].to_numpy() / total_won), index=table["value"].to_numpy())
            ll = pd.Series(np.log(table["lost"].to_numpy() / total_lost), index=table["value"].to_numpy())
            if field == self.tag_field:
                tags = X[field].reset_index(drop=True).map(_tags_of).explode()
                log_won += tags.map(lw).fillna(0.0).groupby(level=0).sum().reindex(range(len(X)), fill_value=0).to_numpy()
                log_lost += tags.map(ll).fillna(0.0).groupby(level=0).sum().reindex(range(len(X)), fill_value=0).to_numpy()
            else:
                # unset values and values never seen in training are skipped, as in Odoo
                log_won += X[field].map(lw).fillna(0.0).to_numpy(dtype=float)
                log_lost += X[field].map(ll).fillna(0.0).to_numpy(dtype=float)
        p_won = 1.0 / (1.0 + np.exp(log_lost - log_won))
        return np.column_stack([1.0 - p_won, p_won])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


class HandGradeBaseline(ClassifierMixin, BaseEstimator):
    """The reps' own O/A/B/C intent grade as a probability.

    Parameters
    ----------
    column : str, default "intent_grade"
    mode : {"form", "observed"}
        "form": ``FORM_GRADE_PROBABILITY`` (O 0.875, A 0.625, B 0.375, C 0.10).
        "observed": each grade's close rate in the training leads.
    Leads without a (known) grade get the overall training close rate.

    Attributes
    ----------
    classes_ : array([0, 1]); probabilities_ : Series grade → P(won); base_rate_ : float
    """

    def __init__(self, column="intent_grade", mode="form"):
        self.column = column
        self.mode = mode

    def fit(self, X, y=None):
        X, y = _frame_and_outcome(X, y)
        if self.column not in X.columns:
            raise ValueInputError("grade column not in the leads", self.column)
        if self.mode not in ("form", "observed"):
            raise ValueInputError(f"mode must be 'form' or 'observed', not {self.mode!r}", "mode")
        self.base_rate_ = float(y.mean())
        if self.mode == "form":
            self.probabilities_ = pd.Series(FORM_GRADE_PROBABILITY, name="p_won")
        else:
            grades = X[self.column].astype("string").str.strip().str.upper()
            rates = y.groupby(grades.to_numpy()).mean()
            self.probabilities_ = rates.reindex(list(FORM_GRADE_PROBABILITY)).fillna(self.base_rate_).rename("p_won")
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "probabilities_")
        grades = X[self.column].astype("string").str.strip().str.upper()
        p = grades.map(self.probabilities_).astype(float).fillna(self.base_rate_).to_numpy()
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)
