"""How good are close probabilities: calibration (ECE, reliability table), ranking (AUC), Brier, lift per grade.

>>> import numpy as np
>>> from crmkit.close.metrics import expected_calibration_error
>>> round(expected_calibration_error([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2]), 3)
0.15
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import ValueInputError

__all__ = ["expected_calibration_error", "calibration_table", "lift_by_grade", "auc", "brier",
           "score_summary", "GRADES"]

GRADES = ("O", "A", "B", "C")
_BANDS = {"O": 0.75, "A": 0.50, "B": 0.25}


def _outcome_and_probability(y, p) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float)
    if p.ndim == 2 and p.shape[1] == 2:     # predict_proba output: keep P(won)
        p = p[:, 1]
    p = p.ravel()
    if len(y) != len(p):
        raise ValueInputError(f"{len(y)} outcomes but {len(p)} probabilities", "p")
    if len(y) == 0:
        raise ValueInputError("no leads given", "y")
    keep = ~(np.isnan(y) | np.isnan(p))
    y, p = y[keep], p[keep]
    if not np.isin(y, (0, 1)).all():
        raise ValueInputError("the outcome must be 0/1 (or False/True)", "y")
    if ((p < 0) | (p > 1)).any():
        raise ValueInputError("probabilities must lie between 0 and 1", "p")
    return y, p


def calibration_table(y, p, bins: int = 10) -> pd.DataFrame:
    """Leads per equal-width probability bin with their mean prediction and observed close rate.

    Columns: lower, upper, leads, predicted (mean probability), observed (close rate),
    gap (observed − predicted). Empty bins are left out.
    """
    y, p = _outcome_and_probability(y, p)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    frame = pd.DataFrame({"bin": which, "y": y, "p": p})
    grouped = frame.groupby("bin").agg(leads=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"))
    grouped.insert(0, "lower", edges[grouped.index])
    grouped.insert(1, "upper", edges[grouped.index + 1])
    grouped["gap"] = grouped["observed"] - grouped["predicted"]
    return grouped


def expected_calibration_error(y, p, bins: int = 10) -> float:
    """Mean |observed close rate − mean predicted probability| over equal-width bins, weighted by leads.

    0 is perfect calibration; a model whose "70 %" leads close 60 % of the time adds 0.10 × their share.
    """
    table = calibration_table(y, p, bins)
    return float((table["gap"].abs() * table["leads"]).sum() / table["leads"].sum())


def auc(y, p) -> float:
    """Area under the ROC curve: the chance a won lead is scored above a lost one."""
    from sklearn.metrics import roc_auc_score

    y, p = _outcome_and_probability(y, p)
    return float(roc_auc_score(y, p))


def brier(y, p) -> float:
    """Mean squared error of the probabilities (lower is better)."""
    from sklearn.metrics import brier_score_loss

    y, p = _outcome_and_probability(y, p)
    return float(brier_score_loss(y, p))


def score_summary(y, p, bins: int = 10) -> pd.Series:
    """AUC, Brier score, log loss, ECE, the mean prediction and the observed close rate, as one Series."""
    from sklearn.metrics import log_loss

    y, p = _outcome_and_probability(y, p)
    return pd.Series({"auc": auc(y, p), "brier": brier(y, p),
                      "log_loss": float(log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1])),
                      "ece": expected_calibration_error(y, p, bins), "mean_predicted": float(p.mean()),
                      "close_rate": float(y.mean()), "leads": len(y)})


def _grades(p) -> pd.Series:
    """O/A/B/C per probability: crmkit.close.grades.grade when present, else the form's bands here."""
    try:
        from .grades import grade
    except ImportError:  # the grades module is optional for this one
        grade = None
    if grade is not None:
        return pd.Series(np.asarray(grade(pd.Series(p)), dtype=object))
    p = np.asarray(p, dtype=float)
    labels = np.select([p >= _BANDS["O"], p >= _BANDS["A"], p >= _BANDS["B"]], ["O", "A", "B"], "C")
    return pd.Series(np.where(np.isnan(p), None, labels), dtype=object)


def lift_by_grade(y, p_or_grades) -> pd.DataFrame:
    """Close rate and lift per grade O/A/B/C.

    ``p_or_grades`` is either probabilities (graded O ≥ 0.75, A ≥ 0.50, B ≥ 0.25, C below) or the
    grades themselves (e.g. the reps' intent_grade). Returns a frame indexed O, A, B, C with
    leads, won, share (of leads), close_rate, lift (close rate ÷ overall close rate) and, for
    probabilities, mean_predicted. Grades with no leads show 0 leads and NaN rates.
    """
    y = pd.Series(np.asarray(y, dtype=float).ravel())
    values = pd.Series(np.asarray(p_or_grades).ravel() if not isinstance(p_or_grades, pd.Series)
                       else p_or_grades.to_numpy())
    if len(values) != len(y):
        raise ValueInputError(f"{len(y)} outcomes but {len(values)} grades/probabilities", "p_or_grades")
    numeric = pd.api.types.is_numeric_dtype(values.dtype)
    grades = _grades(values.astype(float).to_numpy()) if numeric else values.astype(object).str.strip().str.upper()
    frame = pd.DataFrame({"grade": grades.to_numpy(), "y": y.to_numpy()})
    if numeric:
        frame["p"] = values.astype(float).to_numpy()
    frame = frame.dropna(subset=["grade", "y"])
    unknown = sorted(set(frame["grade"]) - set(GRADES))
    if unknown:
        raise ValueInputError(f"grades must be O, A, B or C, found {unknown[:5]}", "p_or_grades")
    overall = frame["y"].mean()
    out = frame.groupby("grade").agg(leads=("y", "size"), won=("y", "sum")).reindex(list(GRADES))
    out["leads"] = out["leads"].fillna(0).astype(int)
    out["won"] = out["won"].fillna(0).astype(int)
    out["share"] = out["leads"] / max(len(frame), 1)
    out["close_rate"] = out["won"] / out["leads"].where(out["leads"] > 0)
    out["lift"] = out["close_rate"] / overall if overall > 0 else np.nan
    if numeric:
        out["mean_predicted"] = frame.groupby("grade")["p"].mean().reindex(list(GRADES))
    out.index.name = "grade"
    return out
