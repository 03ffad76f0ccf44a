"""Likelihood to close: a calibrated classifier that takes any lead table.

``CloseLikelihoodModel`` learns P(won within ``horizon_days``) from a DataFrame of lead attributes
as it comes out of a CRM export — numbers, text categories, dates, missing cells — and returns
calibrated probabilities from ``predict_proba``. Text columns become categories (rare ones pooled,
unseen ones at predict time treated as missing, form placeholders such as "Select" read as
missing: ``crmkit.close.placeholders``), date columns become ages in days, empty columns are
dropped; every such decision is written to ``notes_``.

Before fitting, the model screens the columns (``crmkit.close.screening``): id-like columns (a
lead number, a uuid) are left out, listed in ``dropped_columns_`` with the reason and reported
with an ``IdColumnsWarning``; a column that alone separates won from lost almost perfectly (a
final amount filled in only for closed deals) raises a ``LeakageWarning`` naming it, at fit
time, so before any score is shown. Messages speak ``lang``: given, or read from the leads
(Chinese when their column names or texts are Chinese, else English); ``crmkit.close.explain``
speaks it too.

The engine is scikit-learn's ``HistGradientBoostingClassifier`` with native categorical splits,
wrapped in ``CalibratedClassifierCV`` (isotonic for large tables, sigmoid for small ones) so that
a predicted 30 % closes about 30 % of the time.

>>> import numpy as np, pandas as pd
>>> from crmkit.close.model import CloseLikelihoodModel, fit_from_frame
>>> rng = np.random.default_rng(0)
>>> leads = pd.DataFrame({"stage": rng.choice(["quoted", "contacted"], 200), "visits_30d": rng.poisson(2, 200)})
>>> leads["converted"] = (rng.random(200) < np.where(leads["stage"] == "quoted", 0.6, 0.2)).astype(int)
>>> model = fit_from_frame(leads, outcome="converted")
>>> model.predict_proba(leads.drop(columns="converted")).shape
(200, 2)
>>> model.lang_
'en'
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..exceptions import IdColumnsWarning, LeakageWarning, ValueInputError
from ..i18n import N_, check_lang, translate
from .placeholders import blank_out
from .screening import id_reason, separation

__all__ = ["CloseLikelihoodModel", "fit_from_frame", "guess_lang"]

_DATE_LIKE = re.compile(r"^\s*\d{4}[-/.年]\d{1,2}([-/.月]\d{1,2})?")
_CJK = re.compile(r"[\u3400-\u9fff]")
# The leak check needs this many leads of the rarer outcome: with fewer, chance alone splits them.
LEAK_MIN_CLASS = 10
# ... and reads at most this many (drawn at random): an AUC near 0.98 is measured to about ±0.002
# on them, and a million training rows would otherwise cost half a minute of ranking.
LEAK_SAMPLE = 20_000


def guess_lang(frame: pd.DataFrame) -> str:
    """"zh" when the leads' column names or text cells are Chinese, else "en"."""
    if any(_CJK.search(str(c)) for c in frame.columns):
        return "zh"
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_datetime64_any_dtype(col.dtype):
            continue
        sample = col.dropna().astype(str).head(200)
        if sample.str.contains(_CJK).any():
            return "zh"
    return "en"


class _LeadEncoder:
    """Turn a lead frame into a float matrix plus a categorical mask (learned once at fit time).

    Not an estimator of its own: it lives inside ``CloseLikelihoodModel.encoder_``.
    """

    def __init__(self, max_categories: int, id_share: float, lang: str = "en"):
        self.max_categories = max_categories
        self.id_share = id_share
        self.lang = lang

    # -- learning -------------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame) -> "_LeadEncoder":
        self.columns_ = []          # (name, kind, info) for every column kept
        self.notes_ = []
        self.dropped_ = {}          # column -> why it was left out (in self.lang)
        self.ids_ = {}              # the id-like ones among them
        self.reference_ = {}        # the "typical lead": median / most frequent value per column
        n = len(frame)
        stamps = []
        for name in frame.columns:
            col = frame[name]
            kind, values = self._kind(col)
            if values.notna().sum() == 0:
                self._drop(name, N_("every value is missing"))
                continue
            found = id_reason(name, kind, values)
            if found is not None:
                why = translate(found[0], self.lang, **found[1])
                self._drop(name, N_("looks like an id: {why}"), ids=True, why=why)
                continue
            if kind == "datetime":
                stamps.append(values.max())
            self.columns_.append([name, kind, values])
        self.datetime_reference_ = max(stamps) if stamps else None
        kept = []
        for name, kind, values in self.columns_:
            if kind == "numeric":
                info = None
                self.reference_[name] = float(values.median())
            elif kind == "datetime":
                info = self.datetime_reference_
                self.notes_.append(translate("{column}: dates turned into days before {day}", self.lang, column=name,
                                              day=str(info.date())))
                self.reference_[name] = values.dropna().sort_values().iloc[values.notna().sum() // 2]
            else:
                counts = values.value_counts()
                if len(counts) > 50 and len(counts) > self.id_share * n:
                    self._drop(name, N_("{n:,} different values: ids or free text"), ids=True, n=len(counts))
                    continue
                if len(counts) < 2 and values.isna().sum() == 0:
                    self._drop(name, N_("a single value everywhere"))
                    continue
                keep = list(counts.index[: self.max_categories - 1])
                if len(counts) > len(keep):
                    self.notes_.append(translate("{column}: {n:,} rare categories pooled as 'other'", self.lang,
                                                  column=name, n=len(counts) - len(keep)))
                info = (pd.Index(keep, dtype=object), len(keep) if len(counts) > len(keep) else None)
                self.reference_[name] = counts.index[0]
            kept.append((name, kind, info))
        self.columns_ = kept
        self.feature_names_ = [name for name, _, _ in kept]
        self.categorical_ = np.array([kind == "category" for _, kind, _ in kept], dtype=bool)
        return self

    def _drop(self, name: str, msgid: str, *, ids: bool = False, **fields) -> None:
        reason = translate(msgid, self.lang, **fields)
        self.dropped_[name] = reason
        if ids:
            self.ids_[name] = reason
        self.notes_.append(translate("{column}: left out ({reason})", self.lang, column=name, reason=reason))

    @staticmethod
    def _kind(col: pd.Series) -> tuple[str, pd.Series]:
        """'numeric', 'datetime' or 'category', and the column cleaned for that kind."""
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            return "datetime", col.dt.tz_convert(None).astype("datetime64[ns]")
        if pd.api.types.is_datetime64_any_dtype(col.dtype):
            return "datetime", col.astype("datetime64[ns]")
        if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
            return "numeric", pd.to_numeric(col, errors="coerce").astype(float)
        text = _clean_text(col)
        present = text.dropna()
        if len(present):
            sample = present.iloc[:500]
            # Exported CSVs carry numbers and dates as text: "1,234", "2024-03-01".
            as_number = pd.to_numeric(sample.str.replace(",", "", regex=False), errors="coerce")
            if as_number.notna().mean() >= 0.95:
                return "numeric", _to_numbers(text)
            if sample.str.match(_DATE_LIKE).mean() >= 0.95:
                dates = _to_dates(text)
                if dates.notna().sum() >= 0.95 * len(present):
                    return "datetime", dates
        return "category", text

    # -- applying -------------------------------------------------------------------------
    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.full((len(frame), len(self.columns_)), np.nan)
        for j, (name, kind, info) in enumerate(self.columns_):
            if name not in frame.columns:
                raise ValueInputError("column missing from the leads to score", name)
            col = frame[name]
            if kind == "numeric":
                if not (pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)):
                    col = _to_numbers(_clean_text(col))
                out[:, j] = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            elif kind == "datetime":
                if isinstance(col.dtype, pd.DatetimeTZDtype):
                    col = col.dt.tz_convert(None)
                dates = col.astype("datetime64[ns]") if pd.api.types.is_datetime64_any_dtype(col.dtype) \
                    else _to_dates(_clean_text(col))
                out[:, j] = ((info - dates) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
            else:
                known, other = info
                text = _clean_text(col)
                codes = known.get_indexer(text.fillna("\x00__missing__")).astype(float)
                # Unseen categories: the pooled 'other' code when there is one, else missing.
                codes[codes < 0] = np.nan if other is None else other
                codes[text.isna().to_numpy()] = np.nan
                out[:, j] = codes
        return out


def _clean_text(col: pd.Series) -> pd.Series:
    """Text stripped of blanks, with "nothing" ("", "NULL", "无") and form placeholders ("Select",
    "请选择") as missing: ``crmkit.close.placeholders`` holds the list."""
    text = blank_out(col)
    return text.astype(object).where(text.notna(), None)


def _to_numbers(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype(float)


def _to_dates(text: pd.Series) -> pd.Series:
    text = text.str.replace(r"[年月]", "-", regex=True).str.replace("日", "", regex=False)
    return pd.to_datetime(text, errors="coerce", format="mixed").astype("datetime64[ns]")


# From this many leads, calibrate on one held-out fifth instead of cross-validation folds.
HOLDOUT_FROM = 50_000


class CloseLikelihoodModel(ClassifierMixin, BaseEstimator):
    """Calibrated probability that a lead closes (is won) within ``horizon_days``.

    Parameters
    ----------
    horizon_days : int, default 30
        The window the outcome was measured over; stored for reports, the model does not use it.
    method : {"auto", "isotonic", "sigmoid", "none"}, default "auto"
        Calibration. "auto" picks isotonic from 5,000 training leads up, sigmoid below (isotonic
        needs about a thousand leads per calibration fold). "none" returns the booster as is.
    cv : int, default 5
        Folds for ``CalibratedClassifierCV``.
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization :
        Passed to ``HistGradientBoostingClassifier``.
    max_categories : int, default 64
        Text columns keep their most frequent ``max_categories - 1`` values; the rest are pooled.
    random_state : int or None, default 0
        Seed for the boosting's validation split and the calibration folds: by default the same
        data give the same model (and the lead board the same grades after a refit); None draws
        afresh on every fit.
    lang : "zh", "en" or None, default None
        The language of the warnings, ``notes_``, ``dropped_columns_`` and of
        ``crmkit.close.explain``. None: read from the leads at fit time (Chinese when their
        column names or texts are Chinese, else English), kept in ``lang_``.
    leak_threshold : float, default 0.98
        A column whose own AUC (by its values, or by whether it is filled in) reaches this raises
        a ``LeakageWarning`` at fit time; the column is kept (it may be known before the close),
        the warning asks a person to decide. Checked for a won/not-won outcome with at least
        ten leads of each.

    Attributes
    ----------
    classes_ : array of the outcome labels, e.g. ``[0, 1]``
    calibrated_ : the fitted ``CalibratedClassifierCV`` (or booster when ``method="none"``)
    calibration_method_ : str, the method actually used
    n_iter_ : int, boosting iterations of the final booster (early stopping from 10,000 leads up)
    feature_names_used_ : list of the input columns the model uses
    notes_ : list of str, what was dropped or converted and why
    dropped_columns_ : dict, each column left out -> why (ids, empty, a single value), in ``lang_``
    id_columns_ : list of the columns among them taken for ids (reported with an ``IdColumnsWarning``)
    separation_ : pd.Series, each used column's own AUC for the outcome (0.5 none … 1 perfect)
    leaking_columns_ : dict, the columns at or above ``leak_threshold`` -> their AUC
    lang_ : "zh" or "en", the language the model speaks
    reference_values_ : pd.Series, the typical lead (median / most frequent value per column),
        used by ``crmkit.close.explain``
    n_features_in_, feature_names_in_ : as in scikit-learn
    """

    def __init__(self, horizon_days=30, method="auto", cv=5, max_iter=200, learning_rate=0.1,
                 max_leaf_nodes=15, min_samples_leaf=40, l2_regularization=1.0, max_categories=64,
                 random_state=0, lang=None, leak_threshold=0.98):
        self.horizon_days = horizon_days
        self.method = method
        self.cv = cv
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_categories = max_categories
        self.random_state = random_state
        self.lang = lang
        self.leak_threshold = leak_threshold

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True        # DataFrames with text columns
        tags.input_tags.categorical = True
        return tags

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, X, y=None):
        """Learn from leads ``X`` and outcomes ``y`` (an array, or the name of a column of ``X``).

        Returns self.
        """
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.preprocessing import LabelEncoder

        if isinstance(y, str):
            if not isinstance(X, pd.DataFrame) or y not in X.columns:
                raise ValueInputError(f"outcome column {y!r} not found in the leads", y)
            X, y = X.drop(columns=y), X[y]
        if y is None:
            raise ValueInputError("CloseLikelihoodModel requires y to be passed, but the target y is None: "
                                  "give the outcome as an array or the name of a column", "y")
        if self.method not in ("auto", "isotonic", "sigmoid", "none"):
            raise ValueInputError(f"method must be auto, isotonic, sigmoid or none, not {self.method!r}", "method")
        frame = self._as_frame(X, y, reset=True)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        keep = ~pd.isna(y)
        if not keep.all():       # leads still open have no outcome yet: leave them out
            frame, y = frame.loc[keep], y[keep]
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueInputError(f"the outcome has only one class ({self.classes_[0]!r}); "
                                  "need both won and not-won leads", "y")
        codes = encoder.transform(y)

        self.lang_ = check_lang(self.lang) if self.lang is not None else guess_lang(frame)
        self.encoder_ = _LeadEncoder(self.max_categories, id_share=0.5, lang=self.lang_).fit(frame)
        self.notes_ = list(self.encoder_.notes_)
        self.dropped_columns_ = dict(self.encoder_.dropped_)
        self.id_columns_ = list(self.encoder_.ids_)
        if self.id_columns_:
            listed = translate("; ", self.lang_).join(f"{c} ({why})" for c, why in self.encoder_.ids_.items())
            warnings.warn(IdColumnsWarning(translate("Left out of the close model as ids: {columns}", self.lang_,
                                                     columns=listed), dict(self.encoder_.ids_)), stacklevel=2)
        self.feature_names_used_ = list(self.encoder_.feature_names_)
        self.reference_values_ = pd.Series(self.encoder_.reference_, dtype=object)
        matrix = self.encoder_.transform(frame)
        if matrix.shape[1] == 0:     # nothing usable: still predict the base rate
            matrix = np.zeros((len(frame), 1))
            self.notes_.append(translate("no usable column: the model predicts the overall close rate", self.lang_))
            categorical = np.array([False])
        else:
            categorical = self.encoder_.categorical_
        self._categorical_mask = categorical
        self._screen_for_leaks(matrix if self.feature_names_used_ else matrix[:, :0], categorical, codes)

        n = len(codes)
        min_class = np.bincount(codes).min()
        method = self.method
        if method == "auto":
            method = "isotonic" if n >= 5000 else "sigmoid"
        booster = self._booster(categorical)
        folds = min(self.cv, int(min_class))
        if method == "none" or folds < 2:
            if method != "none":
                self.notes_.append(translate("too few leads of one class to calibrate: probabilities not calibrated",
                                              self.lang_))
            method = "none"
            self.calibrated_ = booster.fit(matrix, codes)
        elif n >= HOLDOUT_FROM:
            # With this many leads one held-out fifth calibrates as well as cross-validation,
            # at a fifth of the cost: the booster is fitted once instead of cv + 1 times.
            from sklearn.frozen import FrozenEstimator
            from sklearn.model_selection import train_test_split

            fit_rows, cal_rows = train_test_split(np.arange(n), test_size=0.2, stratify=codes,
                                                  random_state=self.random_state)
            booster.fit(matrix[fit_rows], codes[fit_rows])
            self.calibrated_ = CalibratedClassifierCV(FrozenEstimator(booster), method=method).fit(
                matrix[cal_rows], codes[cal_rows])
            self.notes_.append(translate("calibrated on a held-out 20% ({n:,} leads)", self.lang_, n=len(cal_rows)))
        else:
            from sklearn.model_selection import StratifiedKFold

            splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
            self.calibrated_ = CalibratedClassifierCV(booster, method=method, cv=splitter, ensemble=False).fit(matrix, codes)
        self.calibration_method_ = method
        # the booster that scores: fitted in place, or (cross-validated calibration) its refit on all leads
        self.booster_ = booster if hasattr(booster, "n_iter_") else \
            self.calibrated_.calibrated_classifiers_[0].estimator
        self.n_iter_ = self.booster_.n_iter_
        return self

    def _screen_for_leaks(self, matrix: np.ndarray, categorical: np.ndarray, codes: np.ndarray) -> None:
        """Each column's own AUC for the training outcome; a warning for those that alone give it away."""
        self.separation_ = pd.Series(dtype=float)
        self.leaking_columns_ = {}
        if len(self.classes_) != 2:
            return
        self.separation_ = self._warn_of_leaks(matrix, categorical, codes, N_(
            "{column} alone separates won from lost leads almost perfectly ({how}, AUC {auc:.2f}): "
            "it is probably filled in only once the outcome is known. Leave it out of the leads "
            "unless it is known before a lead closes."))

    def screen_outcome(self, X, won) -> pd.Series:
        """Check the fitted model's columns against each lead's *final* outcome.

        A backtest or the lead board trains on "won within the horizon", which a column filled
        in only when a deal closes (a final amount) does not separate perfectly: deals won later
        dilute it. Against the final outcome (``won``: True, False, or missing for leads still
        open) such a column stands out. Warns (LeakageWarning) for each column at or above
        ``leak_threshold``, adds it to ``leaking_columns_`` and returns every column's AUC.
        """
        check_is_fitted(self, "calibrated_")
        won = pd.Series(np.asarray(won, dtype=object))
        known = won.notna().to_numpy()
        if not self.feature_names_used_ or not known.any():
            return pd.Series(dtype=float)
        matrix = self.encoder_.transform(self._as_frame(X))[known]
        codes = won[known].astype(bool).to_numpy().astype(int)
        return self._warn_of_leaks(matrix, self.encoder_.categorical_, codes, N_(
            "{column} alone tells the deals finally won from those lost ({how}, AUC {auc:.2f}) while they "
            "were still open: it is probably filled in only when a deal closes. Leave it out, or import "
            "it only for deals where it was known before they closed."))

    def _warn_of_leaks(self, matrix: np.ndarray, categorical: np.ndarray, codes: np.ndarray, message: str) -> pd.Series:
        """Each column's own AUC for the 0/1 ``codes``; a LeakageWarning (``message``) for those at
        or above ``leak_threshold``."""
        if np.bincount(codes, minlength=2).min() < LEAK_MIN_CLASS:
            return pd.Series(dtype=float)
        if len(codes) > LEAK_SAMPLE:
            rows = np.random.default_rng(0).choice(len(codes), LEAK_SAMPLE, replace=False)
            matrix, codes = matrix[rows], codes[rows]
        found = {name: separation(matrix[:, j], bool(categorical[j]), codes)
                 for j, name in enumerate(self.feature_names_used_)}
        for name, (auc, how) in found.items():
            if auc < self.leak_threshold:
                continue
            self.leaking_columns_[name] = max(auc, self.leaking_columns_.get(name, 0.0))
            how_text = translate(N_("by whether it is filled in") if how == "filled" else N_("by its values"),
                                 self.lang_)
            text = translate(message, self.lang_, column=name, how=how_text, auc=auc)
            warnings.warn(LeakageWarning(text, {name: auc}), stacklevel=3)
        return pd.Series({name: auc for name, (auc, _) in found.items()}, dtype=float)

    def _booster(self, categorical):
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf, l2_regularization=self.l2_regularization,
            categorical_features=categorical if categorical.any() else None,
            early_stopping="auto", random_state=self.random_state)

    def _as_frame(self, X, y=None, reset=False) -> pd.DataFrame:
        """Validate ``X`` the scikit-learn way and return it as a DataFrame."""
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, skip_check_array=True, reset=reset)
            if len(X) == 0:
                raise ValueInputError("no leads given (0 rows)", None)
            if reset and y is not None and len(y) != len(X):
                raise ValueInputError(f"{len(X)} leads but {len(y)} outcomes", "y")
            frame = X.copy(deep=False)
            frame.columns = [str(c) for c in frame.columns]
            return frame
        if reset and y is not None:
            X, _ = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype="numeric")
        else:
            X = validate_data(self, X, ensure_all_finite="allow-nan", dtype="numeric", reset=reset)
        return pd.DataFrame(np.asarray(X, dtype=float), columns=[f"x{i}" for i in range(X.shape[1])])

    # -- predicting -------------------------------------------------------------------------
    def _matrix(self, X) -> np.ndarray:
        check_is_fitted(self, "calibrated_")
        frame = self._as_frame(X)
        matrix = self.encoder_.transform(frame)
        return matrix if matrix.shape[1] else np.zeros((len(frame), 1))

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities, one column per class in ``classes_`` (column 1: won)."""
        matrix = self._matrix(X)
        return self.calibrated_.predict_proba(matrix)

    def raw_score(self, X) -> np.ndarray:
        """The booster's log-odds of winning before calibration, one per lead (won/not-won outcomes).

        Calibration maps it to ``predict_proba`` monotonically but may flatten the ends (isotonic
        calibration gives many leads exactly 0 or 1); this score still tells them apart, which is
        what ``crmkit.close.explain`` needs to say why a lead is nearly certain either way.
        """
        if len(getattr(self, "classes_", ())) != 2:
            raise ValueInputError("raw_score is for a won/not-won outcome (two classes)", "y")
        return np.asarray(self.booster_.decision_function(self._matrix(X)), dtype=float).ravel()

    def predict(self, X) -> np.ndarray:
        """The more likely outcome per lead (won when P(won) > 0.5 for a binary outcome)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


def fit_from_frame(frame: pd.DataFrame, outcome: str = "converted", **params) -> CloseLikelihoodModel:
    """Fit a ``CloseLikelihoodModel`` on an exported lead list: every column but ``outcome`` is a feature.

    Rows whose outcome is missing (leads still open) are left out. Does not mutate ``frame``.
    """
    return CloseLikelihoodModel(**params).fit(frame, outcome)
