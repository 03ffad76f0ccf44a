"""BG/NBD: how many purchases each customer will make, and whether they are still a customer.

The beta-geometric/NBD model of Fader, Hardie & Lee (2005), "'Counting Your Customers' the
Easy Way: An Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275-284. While
alive, a customer buys at a Poisson rate λ ~ Gamma(r, α); after every repeat purchase they
leave for good with probability p ~ Beta(a, b). ``BetaGeo`` fits r, α, a and b by maximum
likelihood to the summary ``crmkit.value.rfm.rfm_summary`` returns, and predicts from them.

What the value models share (the estimator protocol, checking a summary, the Newton fit and
its standard errors) is in ``_fitting``.
"""

from __future__ import annotations

import itertools
import os
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import ConvergenceError, ModelInputError, NoChurnWarning
from ._fitting import (
    _blockwise,
    _check_settings,
    _collapse,
    _Estimator,
    _fit_log_params,
    _objective_in_logs,
    _patterns,
    _require_repeat_buyers,
    _sorted_distinct,
    _summary_columns,
    _summary_frame,
    softplus_terms,
)
from .units import model_and_summary_units, periods, summary_unit

#: A last iterate whose mean dropout probability a / (a + b) is below this was heading for the
#: no-churn boundary: the limit model without dropout is fitted and compared.
_NO_CHURN = 1e-3

# =========================================================================== BG/NBD


@dataclass(frozen=True)
class _Patterns:
    """A summary collapsed to distinct patterns, in fit units (T rescaled so max T is 1)."""

    n: float               # customers in all
    T0: np.ndarray         # customers without repeat purchases: distinct T ...
    w0: np.ndarray         # ... and how many customers have each
    x1: np.ndarray         # repeat buyers: distinct (x, t_x, T) ...
    tx1: np.ndarray
    T1: np.ndarray
    w1: np.ndarray         # ... and their counts
    ux: np.ndarray         # distinct frequencies > 0 ...
    wx: np.ndarray         # ... and how many customers have each
    ix1: np.ndarray        # position in ux of each repeat pattern's x

    @classmethod
    def build(cls, x, tx, T, scale):
        zero, repeat = x == 0, x > 0
        # collapsed before rescaling: whole days pack into one integer per customer (_patterns)
        (T0,), w0 = _collapse(T[zero])
        (x1, tx1, T1), w1 = _collapse(x[repeat], tx[repeat], T[repeat])
        T0 *= scale
        tx1 *= scale
        T1 *= scale
        ux, ix1 = _sorted_distinct(x1)
        wx = np.bincount(ix1, weights=w1, minlength=len(ux))
        return cls(float(len(x)), T0, w0, x1, tx1, T1, w1, ux, wx, ix1)


def _bgnbd_objective(phi: np.ndarray, d: _Patterns, penalizer: float):
    """Mean negative log-likelihood (+ penalty), its gradient and Hessian in log-parameters.

    The likelihood of one customer is eq. (6) of Fader, Hardie & Lee (2005); in the form of
    Fader & Hardie's note on implementing the model in Excel (brucehardie.com, note 004),
    ln L = A1 + A2 + ln(e^A3 + [x > 0] e^A4), rewritten here with u = A4 - A3 as

        ln L = A1 + A2 + A3 + [x > 0] softplus(u)

        A1 = lnΓ(r+x) - lnΓ(r) + r ln α               A3 = -(r+x) ln(α+T)
        A2 = lnΓ(a+b) + lnΓ(b+x) - lnΓ(b) - lnΓ(a+b+x)
        u  = ln a - ln(b+x-1) + (r+x) [ln(α+T) - ln(α+t_x)]

    Derivatives are taken by hand: those of A1 and A2 depend on x alone and are summed over
    the distinct frequencies; the rest are sums over the distinct (x, t_x, T) patterns. With
    σ = expit(u), the Hessian of softplus(u) is σ ∇²u + σ(1-σ) ∇u ∇uᵀ.
    """
    from scipy.special import digamma, gammaln, polygamma

    theta = np.exp(phi)
    r, alpha, a, b = theta
    n, ux, wx = d.n, d.ux, d.wx
    g = np.zeros(4)
    H = np.zeros((4, 4))

    # -- terms of x alone (A1, A2); x = 0 adds nothing to them but r ln α
    ll = n * r * np.log(alpha) + wx @ (gammaln(r + ux) - gammaln(r) + gammaln(a + b) + gammaln(b + ux)
                                       - gammaln(b) - gammaln(a + b + ux))
    dab = digamma(a + b) - digamma(a + b + ux)
    g += [wx @ (digamma(r + ux) - digamma(r)) + n * np.log(alpha), n * r / alpha,
          wx @ dab, wx @ (dab + digamma(b + ux) - digamma(b))]
    tab = polygamma(1, a + b) - polygamma(1, a + b + ux)
    H[0, 0] = wx @ (polygamma(1, r + ux) - polygamma(1, r))
    H[0, 1] = n / alpha
    H[1, 1] = -n * r / alpha**2
    H[2, 2] = H[2, 3] = wx @ tab
    H[3, 3] = wx @ (tab + polygamma(1, b + ux) - polygamma(1, b))

    # -- customers without repeat purchases: A3 = -r ln(α+T)
    w0 = d.w0
    iT0 = 1.0 / (alpha + d.T0)
    lT0 = w0 @ np.log(alpha + d.T0)
    ll -= r * lT0
    g[0] -= lT0
    g[1] -= r * (w0 @ iT0)
    H[0, 1] -= w0 @ iT0
    H[1, 1] += r * (w0 @ (iT0 * iT0))

    # -- repeat buyers: A3 + softplus(u) with u's b + x - 1, block by block
    repeat_terms = softplus_terms(r, alpha, a, b + ux - 1.0)
    ll_1, g_1, H_1 = _blockwise(repeat_terms, d.w1, d.x1, d.T1, d.tx1, d.ix1)
    ll += ll_1
    g += g_1
    H += H_1

    return _objective_in_logs(theta, ll, g, np.triu(H) + np.triu(H, 1).T, n, penalizer)


def _nbd_objective(phi: np.ndarray, d: _Patterns, penalizer: float):
    """The BG/NBD objective at its no-churn limit (a → 0, or b → ∞ with a/(a+b) → 0): nobody
    drops out, and the model is the NBD, Poisson purchases at a Gamma(r, α) rate.

    Each customer's ln L tends to A1 + A3 = lnΓ(r+x) - lnΓ(r) + r ln α - (r+x) ln(α+T) (A2 and
    the softplus term vanish), the same constants as ``_bgnbd_objective``, so the two values
    compare directly. Derivatives in (r, α) by hand.
    """
    from scipy.special import digamma, gammaln, polygamma

    theta = np.exp(phi)
    r, alpha = theta
    n, ux, wx = d.n, d.ux, d.wx
    # every customer: x and T, the one-off buyers with x = 0
    x = np.r_[np.zeros(len(d.w0)), d.x1]
    T = np.r_[d.T0, d.T1]
    w = np.r_[d.w0, d.w1]
    iT = 1.0 / (alpha + T)
    LT = np.log(alpha + T)
    ll = wx @ (gammaln(r + ux) - gammaln(r)) + n * r * np.log(alpha) - w @ ((r + x) * LT)
    g = np.array([wx @ (digamma(r + ux) - digamma(r)) + n * np.log(alpha) - w @ LT,
                  n * r / alpha - w @ ((r + x) * iT)])
    H = np.array([[wx @ (polygamma(1, r + ux) - polygamma(1, r)), n / alpha - w @ iT],
                  [n / alpha - w @ iT, -n * r / alpha**2 + w @ ((r + x) * iT * iT)]])
    return _objective_in_logs(theta, ll, g, H, n, penalizer)


def _loglik_with_churn(r: float, alpha: float, a: float, b: float, d: _Patterns) -> float:
    """Total BG/NBD log-likelihood (fit units) that stays exact where a and b are huge.

    Near the no-churn boundary the optimiser leaves a and b at 1e10 or more, where
    lnΓ(a+b) - lnΓ(a+b+x) cancels to noise. For whole x that difference is the finite sum
    A2 = Σ_{j<x} ln((b+j) / (a+b+j)) = Σ log1p(-a / (a+b+j)), computed here term by term.
    """
    from scipy.special import log_expit

    with np.errstate(all="ignore"):
        ll = -_nbd_objective(np.log([r, alpha]), d, 0.0)[0] * d.n  # A1 + A3
        j = np.arange(int(d.ux.max()) if len(d.ux) else 0, dtype=np.float64)
        a2 = np.cumsum(np.log1p(-a / (a + b + j)))
        ll += d.wx @ a2[d.ux.astype(np.int64) - 1]
        u = (np.log(a) - np.log(b + d.x1 - 1.0) + (r + d.x1) * (np.log(alpha + d.T1) - np.log(alpha + d.tx1)))
        ll += d.w1 @ -log_expit(-u)  # softplus(u)
    return float(ll)


class BetaGeo(_Estimator):
    """The BG/NBD model: expected purchases and the probability a customer is still active.

    Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way", *Marketing Science*
    24(2). Each customer buys at a Poisson rate λ ~ Gamma(r, α) while alive, and after each
    repeat purchase leaves for good with probability p ~ Beta(a, b).

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        Weight of an L2 penalty ``penalizer_coef * (r² + α² + a² + b²)`` added to the mean
        negative log-likelihood, as in lifetimes (with α in units where the oldest customer's
        T is 1, as lifetimes rescales, so a penalised fit agrees with lifetimes' and does not
        depend on the time unit). Try 0.001-0.1 when a fit does not converge.
    tol : float, default 1e-8
        Stop when the norm of the gradient of the mean negative log-likelihood (per customer,
        in log-parameters) is below this.
    max_iter : int, default 100
        Newton iterations allowed.

    Attributes
    ----------
    params_ : pd.Series
        r, alpha, a, b (alpha in ``time_unit_``). At the no-churn boundary a = 0 and b = inf.
    time_unit_ : str or None
        The unit of the summary it was fitted on ("D", "W", "M"; see ``crmkit.value.units``),
        None when that summary did not say. Predictions convert summaries in another unit.
    no_churn_ : bool
        True when the data show no churn: the likelihood is highest at the boundary where
        nobody drops out (a → 0 or b → ∞), and the fit is that limit, the NBD model (r, α)
        with P(alive) = 1 for everyone. A ``NoChurnWarning`` says so at fit time.
    note_ : str or None
        Why the fit is not the usual interior optimum (the no-churn boundary), else None.
    summary_ : pd.DataFrame
        ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound`` per parameter;
        standard errors from the inverse of the analytic Hessian of the negative
        log-likelihood at the optimum (delta method from log-parameters, like lifetimes);
        the bounds are exp(ln coef ± 1.96 se(ln coef)), so they stay inside (0, ∞). At the
        boundary, a and b have no standard error (NaN).
    log_likelihood_ : float
        Log-likelihood of the summary at ``params_`` (in the summary's time unit; the penalty
        is not included).
    n_customers_ : int
        Customers fitted.
    n_patterns_ : int
        Distinct (frequency, recency, T) rows the likelihood was summed over.
    n_iter_ : int
        Newton iterations used.

    Examples
    --------
    >>> from crmkit.value.bgnbd import BetaGeo, simulate_bgnbd
    >>> summary = simulate_bgnbd(20_000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=52, seed=1)
    >>> summary.head(3)  # doctest: +NORMALIZE_WHITESPACE
                 frequency    recency     T
    customer_id
    0                    1  23.271024  52.0
    1                   19  51.150863  52.0
    2                    0   0.000000  52.0
    >>> bg = BetaGeo().fit(summary)
    >>> bg.params_.round(2).tolist()  # r, alpha, a, b: close to the truth
    [0.25, 4.02, 0.8, 2.36]
    >>> bg.expected_purchases(10, summary).head(3).round(3).tolist()
    [0.118, 3.072, 0.044]
    >>> bg.probability_alive(summary).head(3).round(3).tolist()
    [0.546, 0.95, 1.0]
    """

    def __init__(self, *, penalizer_coef: float = 0.0, tol: float = 1e-8, max_iter: int = 100):
        self.penalizer_coef = penalizer_coef
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, summary: pd.DataFrame, y=None, *, time_unit: str | None = None) -> BetaGeo:
        """Fit r, α, a, b by maximum likelihood to ``summary``; returns self.

        Parameters
        ----------
        summary : pd.DataFrame
            One row per customer with ``frequency`` (repeat purchases), ``recency`` (first to
            last purchase) and ``T`` (first purchase to the end of the period), in any one
            time unit, fractions kept: ``crmkit.value.rfm.rfm_summary``'s result. Not modified.
        y : None
            Ignored (scikit-learn's signature).
        time_unit : {"D", "W", "M"}, optional
            The summary's unit when its ``attrs["time_unit"]`` does not say (a summary built by
            lifetimes); an error when it contradicts ``attrs``. Remembered as ``time_unit_``.

        When the data show no churn (the likelihood rises all the way to the boundary where
        nobody drops out), the fit is that boundary: ``no_churn_`` is True, ``note_`` says so,
        a ``NoChurnWarning`` is given, and predictions are the NBD model's.

        Raises
        ------
        ModelInputError
            A column is missing or holds NaN, negative or inconsistent values (recency > T,
            fractional frequency, recency without repeat purchases), fewer than
            ``MIN_REPEAT_BUYERS`` customers have repeat purchases, or ``time_unit``
            contradicts the summary's own.
        ConvergenceError
            The optimiser failed, or parameters other than the churn ones ran off towards 0 or
            infinity (e.g. r: purchases more regular than any mix of Poisson buyers).
        """
        penalizer, tol, max_iter = _check_settings(self)
        cols = _summary_columns(summary, "BetaGeo", ("frequency", "recency", "T"))
        unit = summary_unit(summary, time_unit, "BetaGeo")
        x, tx, T = cols["frequency"], cols["recency"], cols["T"]
        _require_repeat_buyers("BetaGeo", x)
        if T.max() <= 0:
            raise ModelInputError("BetaGeo", "every customer has T = 0: no time was observed after the first "
                                  "purchases", column="T", hint="use an as_of after the first purchases")
        # Fit in units where the oldest customer's T is 1 (as lifetimes does): parameters of
        # order one whatever the time unit, and lifetimes' meaning of penalizer_coef.
        scale = 1.0 / T.max()
        d = _Patterns.build(x, tx, T, scale)

        def to_user(phi):
            theta = np.exp(phi)
            return pd.Series([theta[0], theta[1] / scale, theta[2], theta[3]], index=["r", "alpha", "a", "b"])

        # Start from λ's mean matching the observed repeat rate, the rest at 1.
        rate = max(x.sum() / (T.sum() * scale), 1e-3)
        phi0 = np.array([0.0, -np.log(rate), 0.0, 0.0])
        hint = ("a penalizer_coef (e.g. BetaGeo(penalizer_coef=0.01)), a larger max_iter, or more customers "
                "and a longer period; check for a few customers with extreme frequencies (fit units are "
                "already rescaled, so changing the time unit will not help)")
        try:
            phi, cov, res = _fit_log_params(
                "BetaGeo", ("r", "alpha", "a", "b"), lambda p: _bgnbd_objective(p, d, penalizer), phi0, d.n,
                tol, max_iter, to_user, hint=hint)
        except ConvergenceError as error:
            phi, cov, res = self._no_churn_fit(error, d, scale, penalizer, tol, max_iter, hint)
            value = _nbd_objective(phi[:2], d, 0.0)[0]
            self.no_churn_ = True
            self.note_ = ("the data show no churn: the likelihood is highest where nobody drops out (a -> 0, "
                          "b -> inf), so the fit is that limit, the NBD model of purchases without dropout "
                          "(P(alive) = 1 for everyone)")
            warnings.warn(NoChurnWarning(f"BetaGeo: {self.note_}; see bg.note_"), stacklevel=2)
        else:
            value = _bgnbd_objective(phi, d, 0.0)[0]
            self.no_churn_ = False
            self.note_ = None
        self.params_ = to_user(phi)
        self.summary_ = _summary_frame(self.params_, cov)
        # The likelihood is a density in t_x: rescaling time by `scale` moved it by -x ln(scale).
        self.log_likelihood_ = float(-value * d.n + x.sum() * np.log(scale))
        self.time_unit_ = unit
        self.n_customers_ = len(x)
        self.n_patterns_ = int(len(d.w0) + len(d.w1))
        self.n_iter_ = int(res.nit)
        return self

    @staticmethod
    def _no_churn_fit(error: ConvergenceError, d: _Patterns, scale: float, penalizer: float, tol: float,
                      max_iter: int, hint: str):
        """The no-churn boundary fit, when the BG/NBD fit was heading there; else ``error`` again.

        The optimiser only takes steps that raise the likelihood, so a last iterate with a
        vanishing mean dropout a/(a+b) means the likelihood rises towards the boundary. The
        boundary is taken when the limit model (NBD) fits and its likelihood is at least that
        of the last iterate; the returned log-parameters hold a = 0 and b = inf, and the
        covariance has NaN for them.
        """
        last = error.params
        if not last or last["a"] / (last["a"] + last["b"]) >= _NO_CHURN:
            raise error
        phi0 = np.log([last["r"], last["alpha"] * scale])
        try:
            phi2, cov2, res = _fit_log_params(
                "BetaGeo", ("r", "alpha"), lambda p: _nbd_objective(p, d, penalizer), phi0, d.n, tol, max_iter,
                lambda p: pd.Series(np.exp(p) / [1.0, scale], index=["r", "alpha"]), hint=hint)
        except ConvergenceError as nbd_error:
            raise ConvergenceError(
                "BetaGeo", "the data show no churn (the likelihood is highest where nobody drops out), and even "
                f"without dropout the purchase rates cannot be fitted: {nbd_error.reason}", nbd_error.params,
                "purchases this regular (everyone buying on a schedule) leave no spread of buying rates to "
                "estimate; forecast from each customer's own rate instead") from error
        # Is churn distinguishable from none? A likelihood-ratio test of the last iterate against
        # the limit, at the usual 5 % (χ² with one degree of freedom: the dropout probability).
        gain = _loglik_with_churn(last["r"], last["alpha"] * scale, last["a"], last["b"], d) \
            + _nbd_objective(phi2, d, 0.0)[0] * d.n
        if 2.0 * gain > 3.841458820694124:
            raise error  # the data do show some dropout: not the no-churn boundary
        phi = np.r_[phi2, -np.inf, np.inf]
        cov = np.full((4, 4), np.nan)
        cov[:2, :2] = cov2
        return phi, cov, res

    # ----------------------------------------------------------------- predictions

    def _arrays(self, summary, time_unit=None):
        """frequency, recency and T in the model's unit, and the unit the summary is scored in."""
        self._check_fitted()
        cols = _summary_columns(summary, "BetaGeo", ("frequency", "recency", "T"))
        unit, factor = model_and_summary_units(getattr(self, "time_unit_", None), summary, time_unit, "BetaGeo")
        return cols["frequency"], cols["recency"] * factor, cols["T"] * factor, unit, factor

    def expected_purchases(self, t: float, summary: pd.DataFrame, *, t_unit: str | None = None,
                           time_unit: str | None = None) -> pd.Series:
        """Expected purchases in the next ``t`` periods of each customer in ``summary``.

        Eq. (10) of Fader, Hardie & Lee (2005), E[Y(t) | X = x, t_x, T]: the purchases a
        customer with this history makes in (T, T + t], counting that they may have left.

        Parameters
        ----------
        t : float
            Length of the forecast, in ``t_unit``; without it, in the summary's time unit.
        summary : pd.DataFrame
            frequency, recency, T per customer (as for ``fit``); not modified. A summary in
            another unit than the model's is converted (``crmkit.value.units``).
        t_unit : {"D", "W", "M"}, optional
            The unit of ``t``: ``expected_purchases(1, summary, t_unit="M")`` is next month's
            purchases whatever unit the summary and the model are in.
        time_unit : {"D", "W", "M"}, optional
            The summary's unit when its ``attrs`` do not say; an error when it contradicts them.

        Returns
        -------
        pd.Series
            ``expected_purchases``, indexed like ``summary``.
        """
        x, tx, T, unit, factor = self._arrays(summary, time_unit)
        summary_unit_ = summary_unit(summary, time_unit, "BetaGeo") or unit
        horizon = float(periods(float(t), t_unit, summary_unit_, "BetaGeo")) * factor
        r, alpha, a, b = self.params_.to_numpy()
        table, row = _expected_if_alive(r, alpha, a, b, x, T, [horizon])
        out = table[row, 0] * _p_alive(r, alpha, a, b, x, tx, T)
        return pd.Series(out, index=summary.index, name="expected_purchases")

    def probability_alive(self, summary: pd.DataFrame, *, time_unit: str | None = None) -> pd.Series:
        """Probability that each customer in ``summary`` is still active at the end of the period.

        P(τ > T | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) · ((α + T) / (α + t_x))^(r+x)),
        the reciprocal of eq. (10)'s denominator in Fader, Hardie & Lee (2005); derived in
        Fader, Hardie & Lee, "Computing P(alive) Using the BG/NBD Model" (brucehardie.com,
        note 021). Customers without repeat purchases get 1: in the BG/NBD a customer can only
        leave right after a repeat purchase. At the no-churn boundary everyone gets 1.
        ``time_unit`` as for ``expected_purchases``.

        Returns
        -------
        pd.Series
            ``probability_alive``, indexed like ``summary``.
        """
        x, tx, T, _unit, _factor = self._arrays(summary, time_unit)
        r, alpha, a, b = self.params_.to_numpy()
        return pd.Series(_p_alive(r, alpha, a, b, x, tx, T), index=summary.index, name="probability_alive")

    def expected_purchases_new_customer(self, t, *, t_unit: str | None = None):
        """Expected repeat purchases in the first ``t`` periods of a new customer.

        Eq. (9) of Fader, Hardie & Lee (2005), E[X(t)] = (a+b-1)/(a-1) ·
        [1 - (α/(α+t))^r ₂F₁(r, b; a+b-1; t/(α+t))]; r t / α at the no-churn boundary.

        Parameters
        ----------
        t : float or array-like
            Time(s) since the first purchase, in ``t_unit``, or without it in the model's
            ``time_unit_``.
        t_unit : {"D", "W", "M"}, optional
            The unit of ``t`` (the model must know its own unit to convert).

        Returns
        -------
        float or np.ndarray
            One expectation per ``t``.
        """
        self._check_fitted()
        r, alpha, a, b = self.params_.to_numpy()
        times = np.atleast_1d(np.asarray(t, dtype=np.float64))
        times = np.asarray(periods(times, t_unit, getattr(self, "time_unit_", None), "BetaGeo"), dtype=np.float64)
        out = _expected_if_alive(r, alpha, a, b, np.zeros(1), np.zeros(1), times)[0][0]
        return float(out[0]) if np.ndim(t) == 0 else out.reshape(np.shape(t))

    # lifetimes' names, with crmkit's arguments (the summary frame, not three arrays)
    conditional_expected_number_of_purchases_up_to_time = expected_purchases
    conditional_probability_alive = probability_alive
    expected_number_of_purchases_up_to_time = expected_purchases_new_customer


def _p_alive(r, alpha, a, b, x, tx, T) -> np.ndarray:
    from scipy.special import expit

    if a == 0.0 or np.isinf(b):  # the no-churn limit: nobody leaves
        return np.ones(len(x))
    with np.errstate(divide="ignore"):  # b + x - 1 is 0 only where x = 0 and b = 1; masked below
        log_odds_gone = (np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx)))
    return np.where(x > 0, expit(-log_odds_gone), 1.0)


def _expected_if_alive(r, alpha, a, b, x, T, times) -> tuple[np.ndarray, np.ndarray]:
    """E[purchases in (T, T+t] | alive, x, T] per distinct (x, T) (rows) and t (columns).

    Returns the table and, per customer, its row. This is eq. (10) of Fader, Hardie & Lee
    (2005) without the denominator (that one is 1 / P(alive)):
    (a+b+x-1)/(a-1) · (1 - G), G = ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x-1; z),
    z = t/(α+T+t). G is computed as (1-z)^(a-1) ₂F₁(a+b-1-r, a-1; a+b+x-1; z), its Euler
    transform: the same number, but it stays near 1 where the first form multiplies a huge
    ₂F₁ by a tiny power. ₂F₁ is the costly part and depends on (x, T) alone, hence the table.
    """
    from scipy.special import hyp2f1

    code, count = _patterns(x, T)
    ux, uT = np.empty(count), np.empty(count)
    ux[code], uT[code] = x, T
    if a == 0.0 or np.isinf(b):
        # the no-churn limit: nobody leaves, and a customer's rate given (x, T) is
        # Gamma(r + x, α + T), so the expected purchases in t are (r + x) t / (α + T)
        return ((r + ux) / (alpha + uT))[:, None] * np.asarray(times, dtype=np.float64)[None, :], code
    c = a + b + ux - 1.0
    table = np.empty((count, len(times)))

    def fill(rows: slice) -> None:
        xs, Ts, cs = ux[rows], uT[rows], c[rows]
        with np.errstate(all="ignore"):
            for j, t in enumerate(times):
                z = t / (alpha + Ts + t)
                log1mz = np.log1p(-z)
                log_g = (a - 1.0) * log1mz + np.log(hyp2f1(a + b - 1.0 - r, a - 1.0, cs, z))
                bad = ~np.isfinite(log_g)
                if bad.any():  # the untransformed form, where the first one fails
                    log_g[bad] = ((r + xs[bad]) * log1mz[bad]
                                  + np.log(hyp2f1(r + xs[bad], b + xs[bad], cs[bad], z[bad])))
                table[rows, j] = -np.expm1(log_g)  # 1 - G, without cancelling when t is small

    # ₂F₁ costs ~0.1 µs a value and releases the GIL: large tables are split across cores.
    workers = min(os.cpu_count() or 1, count * len(times) // 500_000)
    if workers > 1:
        from concurrent.futures import ThreadPoolExecutor

        bounds = np.linspace(0, count, workers + 1).astype(int)
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(fill, [slice(lo, hi) for lo, hi in itertools.pairwise(bounds)]))
    else:
        fill(slice(None))
    table *= (c / (a - 1.0))[:, None]
    return table, code


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, T, seed=None) -> pd.DataFrame:
    """A summary (frequency, recency, T) drawn from the BG/NBD process itself, vectorised.

    Each customer gets λ ~ Gamma(r, rate α) and p ~ Beta(a, b); the repeat purchase at which
    they leave is J ~ Geometric(p); purchase events in (0, T] number N ~ Poisson(λT), of
    which x = min(N, J) are seen; the x-th of N uniform event times, t_x = T · Beta(x, N-x+1),
    is the recency. ``T`` is a number or one age per customer. Useful to test a fit and to
    see what the parameters mean.

    >>> simulate_bgnbd(3, r=0.5, alpha=2.0, a=1.0, b=3.0, T=10.0, seed=0).columns.tolist()
    ['frequency', 'recency', 'T']
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    leaves_at = rng.geometric(p)
    events = rng.poisson(lam * T)
    x = np.minimum(events, leaves_at)
    seen = x > 0
    recency = np.zeros(n)
    recency[seen] = T[seen] * rng.beta(x[seen], events[seen] - x[seen] + 1)
    index = pd.RangeIndex(n, name="customer_id")
    return pd.DataFrame({"frequency": x.astype(np.int64), "recency": recency, "T": T}, index=index)
