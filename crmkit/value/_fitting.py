"""What the value models share: the scikit-learn parameter protocol, checking a summary
frame, collapsing identical customers, and the Newton fit of log-parameters with its
standard errors. ``bgnbd`` and ``gammagamma`` build on it."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from ..exceptions import ConvergenceError, ModelInputError
from .money import LIFETIMES_MONETARY_COLUMN, REPEAT_MEAN_COLUMN, repeat_mean_source

#: Fewer repeat buyers than this and the dropout (a, b) or spend (p, q, v) parameters rest
#: on a handful of people: the fit refuses rather than return numbers nobody should use.
MIN_REPEAT_BUYERS = 10

# A fitted parameter this far from 1 (in the rescaled units the fit works in) means the
# likelihood kept improving towards a boundary (e.g. no heterogeneity left to estimate).
_RUNOFF = np.log(1e6)
# Beyond this, a parameter whose log is uncertain by more than ±1 has run off too.
_FAR = np.log(1e3)

_SUMMARY_HINT = "build the summary with crmkit.value.rfm.rfm_summary(orders)"


# =========================================================================== shared machinery


class _Estimator:
    """The scikit-learn estimator protocol (get_params, set_params, tags, repr, fitted check).

    Written out rather than inherited from ``sklearn.base.BaseEstimator`` so that importing
    the value models does not import scikit-learn (0.5-1 s); ``sklearn.base.clone``,
    ``check_is_fitted`` and ``get_tags`` work on it all the same.
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        return [p.name for p in inspect.signature(cls.__init__).parameters.values()
                if p.name != "self" and p.kind == p.KEYWORD_ONLY]

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's keyword arguments, as scikit-learn expects."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set constructor arguments; returns self."""
        names = self._param_names()
        for name, value in params.items():
            if name not in names:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}; "
                                 f"its parameters are: {', '.join(names)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults.get(k)]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "params_")

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags  # only when scikit-learn asks, so it is loaded

        # BaseEstimator's defaults; the input is a summary frame, not a feature matrix.
        tags = Tags(estimator_type=None, target_tags=TargetTags(required=False))
        tags.input_tags.two_d_array = False
        return tags

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            from sklearn.exceptions import NotFittedError  # only on this error path: sklearn is slow to import

            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call "
                                 f"{type(self).__name__}().fit(summary) first")


def _summary_columns(summary, model: str, columns: tuple[str, ...], monetary: bool = False) -> dict[str, np.ndarray]:
    """The summary's columns as float arrays, after every check a fit or a prediction needs.

    ``columns`` are crmkit's names. ``repeat_mean_value`` is read from lifetimes' name
    ``monetary_value`` when the summary has only that (a lifetimes summary: the same figure,
    the mean of the repeat purchases); a summary with both must hold the same values in them.
    The arrays are keyed by crmkit's names; errors name the column the summary has.

    Checks: a DataFrame with the columns; numbers, no NaN/inf, none negative; whole
    frequencies; recency <= T; recency 0 without repeat purchases; and, with ``monetary``,
    repeat_mean_value > 0 for repeat buyers (customers without repeat purchases may hold 0 or
    NaN there: their first purchase is not part of the spend model). Raises ModelInputError
    naming the column and the customers at fault.
    """
    if not isinstance(summary, pd.DataFrame):
        raise ModelInputError(model, f"expected a DataFrame with columns {', '.join(columns)}, "
                                     f"got {type(summary).__name__}", hint=_SUMMARY_HINT)
    source = {c: repeat_mean_source(summary) if c == REPEAT_MEAN_COLUMN else c for c in columns}
    for c in columns:
        if source[c] not in summary.columns:
            have = ", ".join(map(str, summary.columns)) or "none"
            also = (f" or lifetimes' name for it, {LIFETIMES_MONETARY_COLUMN!r}" if c == REPEAT_MEAN_COLUMN else "")
            raise ModelInputError(model, f"the summary has no column {c!r}{also} (it has: {have})", column=c,
                                  hint=_SUMMARY_HINT)
    if len(summary) == 0:
        raise ModelInputError(model, "the summary has no customers", hint=_SUMMARY_HINT)

    def numbers(c: str) -> np.ndarray:
        s = summary[c]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            raise ModelInputError(model, f"{c} must be numeric, not {s.dtype}", column=c)
        return s.to_numpy(dtype="float64", na_value=np.nan)

    values = {c: numbers(source[c]) for c in columns}

    def refuse(mask, column, reason, hint=""):
        if mask.any():
            raise ModelInputError(model, reason, column=column, customers=summary.index[mask], hint=hint)

    x = values["frequency"]
    repeat = x > 0
    if REPEAT_MEAN_COLUMN in values and LIFETIMES_MONETARY_COLUMN in summary.columns \
            and source[REPEAT_MEAN_COLUMN] == REPEAT_MEAN_COLUMN:
        refuse(_disagree(values[REPEAT_MEAN_COLUMN], numbers(LIFETIMES_MONETARY_COLUMN), repeat),
               LIFETIMES_MONETARY_COLUMN,
               f"the summary has both {REPEAT_MEAN_COLUMN!r} and lifetimes' {LIFETIMES_MONETARY_COLUMN!r}, which "
               "name the same figure (the mean of the repeat purchases), and they differ",
               f"keep one of them: if {LIFETIMES_MONETARY_COLUMN} means something else here (e.g. the mean of "
               f"all purchases), rename or drop it; {REPEAT_MEAN_COLUMN} is what rfm_summary computes")
    for c, v in values.items():
        relevant = repeat if c == REPEAT_MEAN_COLUMN else True  # no spend is modelled for one-off buyers
        refuse(~np.isfinite(v) & relevant, source[c], "missing or infinite values")
        refuse((v < 0) & relevant, source[c], "negative values")
    refuse(x != np.floor(x), "frequency", "frequency must count repeat purchases (whole numbers)")
    if "recency" in values:
        rec = values["recency"]
        if "T" in values:
            refuse(rec > values["T"], "recency", "recency is greater than T",
                   "recency runs from the first to the last purchase and T from the first purchase to "
                   "the end of the period, so T >= recency: was as_of before some purchases?")
        refuse((x == 0) & (rec != 0), "recency", "recency is not 0 for customers without repeat purchases",
               "recency is the time from the first to the last purchase: 0 when frequency is 0")
    if monetary:
        m = source[REPEAT_MEAN_COLUMN]
        refuse(repeat & (values[REPEAT_MEAN_COLUMN] <= 0), m, f"{m} must be > 0 for customers with repeat purchases",
               "the Gamma-Gamma model needs a positive mean spend per repeat purchase: drop refunds and "
               "zero-value orders before the summary, or leave those customers out")
    return values


def _disagree(ours: np.ndarray, theirs: np.ndarray, repeat: np.ndarray) -> np.ndarray:
    """Customers whose two repeat-purchase means differ beyond rounding (relative 1e-9: a
    mean computed as sum / count in another order differs in the last bits). For customers
    without repeat purchases 0 and NaN both say "none" (lifetimes writes 0, a user may leave
    NaN), so they agree."""
    ours, theirs = ours.copy(), theirs.copy()
    for v in (ours, theirs):
        v[~repeat & np.isnan(v)] = 0.0
    same = np.isclose(ours, theirs, rtol=1e-9, atol=0.0) | (np.isnan(ours) & np.isnan(theirs))
    return ~same


def _check_settings(model: _Estimator) -> tuple[float, float, int]:
    """penalizer_coef, tol and max_iter, checked at fit time (scikit-learn's place for it)."""
    penalizer, tol, max_iter = model.penalizer_coef, model.tol, model.max_iter
    if not (np.isfinite(penalizer) and penalizer >= 0):
        raise ValueError(f"penalizer_coef must be a number >= 0, got {penalizer!r}")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a number > 0, got {tol!r}")
    if int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"max_iter must be a whole number >= 1, got {max_iter!r}")
    return float(penalizer), float(tol), int(max_iter)


def _require_repeat_buyers(model: str, x: np.ndarray) -> None:
    n = int(np.count_nonzero(x > 0))
    if n < MIN_REPEAT_BUYERS:
        raise ModelInputError(model, f"only {n} customer(s) have repeat purchases (frequency > 0); at least "
                                     f"{MIN_REPEAT_BUYERS} are needed to fit", column="frequency",
                              hint="use a longer period of orders, or more customers")


def _patterns(*columns: np.ndarray) -> tuple[np.ndarray, int]:
    """A code per row, equal for rows equal in every column, and the number of codes.

    Hash-based (``pd.factorize``): a few passes over the data, not a sort. Codes number the
    distinct rows in the order they first appear.
    """
    if len(columns) > 1:
        packed = _pack_whole_numbers(columns)
        if packed is not None:  # one factorization of one integer per row, not one per column
            return _renumber(packed)
    code, span = None, 1
    for col in columns:
        c, uniques = pd.factorize(col)
        if code is None:
            code, span = c.astype(np.int64), len(uniques)
            continue
        if span * len(uniques) >= 2**62:  # the combined code would overflow: renumber first
            code, span = _renumber(code)
        code, span = code * len(uniques) + c, span * len(uniques)
    return _renumber(code) if len(columns) > 1 else (code, span)


def _pack_whole_numbers(columns) -> np.ndarray | None:
    """The columns packed into one int64 per row (equal rows, equal integers), or None unless
    every column holds whole numbers whose ranges fit together in 62 bits.

    Summaries in days hold whole frequencies, recencies and ages: packing them costs a few
    passes where hashing each column costs a factorization."""
    packed, span = None, 1
    for col in columns:
        if col.dtype.kind != "f" or not len(col):
            return None
        low, high = float(col.min()), float(col.max())
        if not (np.isfinite(low) and np.isfinite(high)) or high - low >= 2**31:
            return None
        whole = col - low
        as_int = whole.astype(np.int64)
        if not np.array_equal(as_int, whole):
            return None
        width = int(high - low) + 1
        if span * width >= 2**62:
            return None
        if packed is None:
            packed = as_int
        else:
            packed *= width
            packed += as_int
        span *= width
    return packed


def _sorted_distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` by hashing: the same two arrays, without
    sorting every row (only the distinct values are sorted)."""
    inverse, distinct = pd.factorize(values, sort=True)
    return np.asarray(distinct, dtype=values.dtype), inverse.astype(np.intp, copy=False)


def _renumber(code: np.ndarray) -> tuple[np.ndarray, int]:
    code, uniques = pd.factorize(code)
    return code.astype(np.int64), len(uniques)


def _collapse(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of ``columns`` and how many rows each stands for (the fit's weights)."""
    code, count = _patterns(*columns)
    weights = np.bincount(code, minlength=count).astype(np.float64)
    distinct = []
    for col in columns:
        rep = np.empty(count, dtype=np.float64)
        rep[code] = col  # every row of a pattern holds the same value: any write will do
        distinct.append(rep)
    return distinct, weights


# Rows per block when summing over patterns: a block's temporaries (64 KB each) stay in cache
# and in malloc's heap. Whole-column temporaries are mmap'd afresh by every call, and the page
# faults alone took half the time of a fit on a million customers.
_BLOCK = 8192


def _blockwise(terms, *columns: np.ndarray):
    """Sum, term by term, of ``terms(*block)`` over blocks of ``_BLOCK`` rows of ``columns``."""
    total = None
    for lo in range(0, len(columns[0]), _BLOCK):
        part = terms(*(c[lo:lo + _BLOCK] for c in columns))
        total = list(part) if total is None else [t + p for t, p in zip(total, part)]
    return total


def softplus_terms(r: float, alpha: float, a: float, bx: np.ndarray):
    """The A3 + softplus(u) part of the BG/NBD family's log-likelihood, with its gradient and
    Hessian in (r, alpha, a, b), as a function of one block of patterns for :func:`_blockwise`.
    ``bx`` is u's b term per distinct x (BG/NBD: b + x - 1, over repeat buyers; MBG/NBD: b + x,
    over everyone), looked up per pattern through ``ix``."""
    from scipy.special import expit

    ib_x, u0_x = 1.0 / bx, np.log(a) - np.log(bx)

    def terms(w, x, T, tx, ix):
        aT, aR = alpha + T, alpha + tx
        LT, LR = np.log(aT), np.log(aR)
        iT, iR = 1.0 / aT, 1.0 / aR
        k = r + x
        D = LT - LR
        ib = ib_x[ix]
        u = u0_x[ix] + k * D
        sig = expit(u)
        s1 = w * sig
        s2 = s1 * (1.0 - sig)
        e = iT - iR
        J = np.empty((4, len(w)))  # ∇u, one column per pattern
        J[0] = D
        np.multiply(k, e, out=J[1])
        J[2] = 1.0 / a
        np.negative(ib, out=J[3])
        # softplus(u) = u - ln σ(u): one log where np.logaddexp would take an exp and a log1p
        ll = w @ (u - np.log(sig) - k * LT)
        g = np.array([s1 @ D - w @ LT, s1 @ J[1] - w @ (k * iT), s1.sum() / a, -(s1 @ ib)])
        H = (J * s2) @ J.T
        H[0, 1] += s1 @ e - w @ iT
        H[1, 1] += w @ (k * iT * iT) - s1 @ (k * (iT * iT - iR * iR))
        H[2, 2] -= s1.sum() / a**2
        H[3, 3] += s1 @ (ib * ib)
        return ll, g, H

    return terms


def _fit_log_params(model: str, names: tuple[str, ...], objective, phi0: np.ndarray, n: float, tol: float,
                    max_iter: int, to_user, hint: str):
    """Minimise ``objective`` (mean negative log-likelihood + penalty) over log-parameters.

    ``objective(phi)`` returns (value, gradient, Hessian), all analytic. The optimiser is
    scipy's trust-region Newton ('trust-exact'): with the exact Hessian it needs a handful of
    iterations where L-BFGS-B needs dozens, and the Hessian is needed anyway for the standard
    errors. ``to_user(phi)`` turns fit-scale log-parameters into the user's parameters
    (a Series). Returns (phi, covariance of phi, optimiser result); raises ConvergenceError.
    """
    from scipy import optimize

    last: dict = {}

    def evaluate(phi):
        key = phi.tobytes()
        if last.get("key") != key:
            with np.errstate(all="ignore"):  # a trial step may overflow: it counts as +inf and is refused
                f, g, h = objective(phi)
            last.update(key=key, value=(f if np.isfinite(f) else np.inf, g, h))
        return last["value"]

    res = optimize.minimize(lambda p: evaluate(p)[0], phi0, jac=lambda p: evaluate(p)[1],
                            hess=lambda p: evaluate(p)[2], method="trust-exact",
                            options={"gtol": tol, "maxiter": max_iter})
    phi = res.x

    def fail(reason):
        params = to_user(phi) if np.all(np.isfinite(phi)) else None
        raise ConvergenceError(model, reason, None if params is None else params.to_dict(), hint)

    def ran_off(off):
        which = ", ".join(np.asarray(names)[off])
        fail(f"{which} ran off towards 0 or infinity (the likelihood keeps improving, or stays flat, that "
             f"way, so the data do not pin {'it' if off.sum() == 1 else 'them'} down)")

    f, g, h = evaluate(phi)
    off = np.abs(phi) > _RUNOFF
    if off.any():  # checked first: an optimiser chasing a boundary also stops with a vaguer message
        ran_off(off)
    gnorm = float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else np.inf
    # 'trust-exact' may stop on "a bad approximation" when rounding, not a poor model, blocks
    # the last step: accept that only when the gradient is already negligible.
    if not (res.success or gnorm <= 100 * tol):
        fail(f"the optimiser stopped after {res.nit} iterations: {res.message}")
    if not np.isfinite(f):
        fail("the log-likelihood is not finite at the last parameters")
    try:
        # Hessian of the total (not mean) objective: its inverse is the covariance of phi.
        root = np.linalg.inv(np.linalg.cholesky(h * n))
    except np.linalg.LinAlgError:
        fail("the likelihood is flat or curved the wrong way at the optimum (Hessian not positive "
             "definite), so the parameters are not identified")
    cov = root.T @ root
    # Stopped far out on a plateau (e.g. r = 2000 ± 5000: no heterogeneity left to measure):
    # a gradient below tol there is flatness, not an optimum.
    off = (np.abs(phi) > _FAR) & (np.sqrt(np.diag(cov)) > 1.0)
    if off.any():
        ran_off(off)
    return phi, cov, res


def _objective_in_logs(theta, ll, g, H, n, penalizer):
    """Mean negative log-likelihood + penalty, gradient and Hessian in log-parameters φ = ln θ.

    ``ll``, ``g`` and ``H`` are the total log-likelihood and its derivatives in θ. The penalty
    is lifetimes': penalizer · Σθ² on the fit-scale parameters, added to the mean.
    """
    # ∂/∂φ = θ ∂/∂θ, ∂²/∂φ² = θθᵀ ∘ H + diag(θ ∘ g)
    g_phi = theta * g
    H_phi = np.outer(theta, theta) * H + np.diag(g_phi)
    value = -ll / n + penalizer * np.sum(theta**2)
    grad = -g_phi / n + 2 * penalizer * theta**2
    hess = -H_phi / n + np.diag(4 * penalizer * theta**2)
    return value, grad, hess


def _summary_frame(params: pd.Series, cov_log: np.ndarray) -> pd.DataFrame:
    """coef, se(coef) and 95% bounds, lifetimes' columns.

    se is lifetimes' (delta method from log space: coef · se(ln coef)). The bounds are not
    coef ± 1.96 se, which for a skewed estimate leaves the parameter space (p = 6.25 ± 7 gave a
    lower bound of -7.4 on a small book): the parameters are positive and fitted in logs, where
    the likelihood is close to normal, so the interval is exp(ln coef ± 1.96 se(ln coef)),
    always inside (0, ∞) and equal to the symmetric one when se is small.
    """
    coef = params.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # a boundary fit's a = 0, b = inf: no se
        se_log = np.sqrt(np.diag(cov_log))
        z = 1.959963984540054 * se_log
        return pd.DataFrame({"coef": coef, "se(coef)": coef * se_log,
                             "lower 95% bound": coef * np.exp(-z), "upper 95% bound": coef * np.exp(z)},
                            index=params.index)
