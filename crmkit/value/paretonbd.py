"""Pareto/NBD: repeat purchases and dropout in continuous time.

The model of Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are They and
What Will They Do Next?", *Management Science* 33(1), 1-24, in the form of Fader & Hardie,
"A Note on Deriving the Pareto/NBD Model and Related Expressions" (brucehardie.com, note 009),
which lifetimes' ``ParetoNBDFitter`` also follows. While alive, a customer buys at a Poisson
rate λ ~ Gamma(r, α); their lifetime is exponential with rate μ ~ Gamma(s, β). Unlike BG/NBD,
a customer can leave at any moment, not only right after a purchase.

The likelihood holds Gaussian hypergeometric functions ₂F₁ whose derivatives in their
parameters have no closed form, so the fit uses central finite differences of the exact
log-likelihood (``_counting.numeric_derivatives``) in the same trust-region Newton as BG/NBD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import ConvergenceError
from ._counting import _CountingModel, numeric_derivatives
from ._fitting import _blockwise, _collapse, _fit_log_params, _patterns, _sorted_distinct


#: Books larger than four times this are fitted from the fit of a sample of this many customers.
_WARM_START = 20_000


@dataclass(frozen=True)
class _ParetoPatterns:
    """A summary collapsed to distinct (x, t_x, T) in fit units, with the distinct (x, t_x)
    and (x, T) pairs on which the costly ₂F₁ terms depend."""

    n: float
    x: np.ndarray
    tx: np.ndarray
    T: np.ndarray
    w: np.ndarray
    ux: np.ndarray     # distinct x and their weights (the lnΓ terms)
    wx: np.ndarray
    rx: np.ndarray     # distinct (x, t_x): x, t_x, and each pattern's row
    rtx: np.ndarray
    rrow: np.ndarray
    Tx: np.ndarray     # distinct (x, T)
    TT: np.ndarray
    Trow: np.ndarray

    @classmethod
    def build(cls, x, tx, T, scale):
        # collapsed and paired before rescaling: whole days pack into one integer a row (_patterns)
        (x, tx, T), w = _collapse(x, tx, T)
        ux, ix = _sorted_distinct(x)
        wx = np.bincount(ix, weights=w, minlength=len(ux))

        def pairs(a, b):
            code, count = _patterns(a, b)
            ua, ub = np.empty(count), np.empty(count)
            ua[code], ub[code] = a, b
            return ua, ub * scale, code

        rx, rtx, rrow = pairs(x, tx)
        Tx, TT, Trow = pairs(x, T)
        return cls(float(w.sum()), x, tx * scale, T * scale, w, ux, wx, rx, rtx, rrow, Tx, TT, Trow)


def _log_hyp_term(r, alpha, s, beta, x, y):
    """ln[₂F₁(r+s+x, b; r+s+x+1; z) / (M+y)^(r+s+x)], z = |α-β| / (M+y), M = max(α, β),
    b = r+x when α < β, else s+1 (note 009, eqs. 19-20).

    ₂F₁ is taken in its Euler form (1-z)^(1-b) ₂F₁(1, r+s+x+1-b; r+s+x+1; z), which stays
    between 1 and 1/(1-z) where the plain series grows huge for large x; the plain form is
    the fallback where the first fails.
    """
    from scipy.special import hyp2f1

    big, small = max(alpha, beta), min(alpha, beta)
    b = r + x if alpha < beta else np.full_like(x, s + 1.0)
    rsx = r + s + x
    z = (big - small) / (big + y)
    with np.errstate(all="ignore"):
        log_f = (1.0 - b) * np.log1p(-z) + np.log(hyp2f1(1.0, rsx + 1.0 - b, rsx + 1.0, z))
        bad = ~np.isfinite(log_f)
        if bad.any():
            log_f[bad] = np.log(hyp2f1(rsx[bad], b[bad], rsx[bad] + 1.0, z[bad]))
    return log_f - rsx * np.log(big + y)


def _log_a0(r, alpha, s, beta, x, tx, T, tx_terms=None, T_terms=None):
    """ln A₀ = ln[F(t_x) - F(T)] (note 009, eq. 19), -inf where t_x = T; the difference of
    two logs is taken as ln F(t_x) + ln(-expm1(ln F(T) - ln F(t_x))), without cancellation."""
    lf_tx = _log_hyp_term(r, alpha, s, beta, x, tx) if tx_terms is None else tx_terms
    lf_T = _log_hyp_term(r, alpha, s, beta, x, T) if T_terms is None else T_terms
    with np.errstate(divide="ignore", invalid="ignore"):
        return lf_tx + np.log(-np.expm1(np.minimum(lf_T - lf_tx, 0.0)))


def _loglik_terms(r, alpha, s, beta, x, tx, T, log_a0):
    """Per customer: ln L (note 009, eq. 18) and the log-odds of "alive" against "gone"."""
    from scipy.special import gammaln

    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    gone = np.log(s) - np.log(r + s + x) + log_a0
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return common + np.logaddexp(alive, gone), alive - gone


def _pareto_objective(phi: np.ndarray, d: _ParetoPatterns, penalizer: float) -> float:
    """Mean negative log-likelihood (+ lifetimes' penalty on the fit-scale parameters).

    ``_loglik_terms`` summed over the patterns. Every term of (x, t_x) or of (x, T) alone, the
    ₂F₁ terms above all, is computed once per distinct pair (a few tens of thousands on a
    million customers in days), and the per-pattern rest block by block (``_blockwise``: the
    fit evaluates this 21 times a Newton step, and whole-column temporaries cost more in
    memory traffic than in arithmetic).
    """
    from scipy.special import gammaln

    r, alpha, s, beta = np.exp(phi)
    with np.errstate(all="ignore"):
        lf_tx = _log_hyp_term(r, alpha, s, beta, d.rx, d.rtx)
        lf_T = _log_hyp_term(r, alpha, s, beta, d.Tx, d.TT)
        alive_T = -(r + d.Tx) * np.log(alpha + d.TT) - s * np.log(beta + d.TT)
        gone_x = np.log(s) - np.log(r + s + d.rx)

        def terms(w, rrow, Trow):
            lt = lf_tx[rrow]
            # ln A₀ as _log_a0 takes it: ln F(t_x) + ln(-expm1(ln F(T) - ln F(t_x))), -inf where t_x = T
            log_a0 = np.minimum(lf_T[Trow] - lt, 0.0)
            np.log(-np.expm1(log_a0, out=log_a0), out=log_a0)
            log_a0 = lt + log_a0
            return (w @ np.logaddexp(alive_T[Trow], gone_x[rrow] + log_a0),)

        (total,) = _blockwise(terms, d.w, d.rrow, d.Trow)
    ll = d.wx @ gammaln(r + d.ux) + d.n * (r * np.log(alpha) + s * np.log(beta) - gammaln(r)) + total
    value = -ll / d.n + penalizer * float(np.sum(np.exp(2 * phi)))
    return float(value) if np.isfinite(value) else np.inf


class ParetoNBD(_CountingModel):
    """The Pareto/NBD model: expected purchases and the probability a customer is still active.

    Schmittlein, Morrison & Colombo (1987); Fader & Hardie's note 009. Each customer buys at a
    Poisson rate λ ~ Gamma(r, α) while alive and stays for an exponential time with rate
    μ ~ Gamma(s, β).

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        Weight of an L2 penalty ``penalizer_coef * (r² + α² + s² + β²)`` added to the mean
        negative log-likelihood, α and β in units where the oldest customer's T is 1.
    tol : float, default 1e-8
        Stop when the largest component of the (finite-difference) gradient of the mean
        negative log-likelihood in log-parameters is below this.
    max_iter : int, default 100
        Newton iterations allowed.

    Attributes
    ----------
    params_ : pd.Series
        r, alpha, s, beta (alpha and beta in ``time_unit_``).
    time_unit_ : str or None
        The unit of the summary fitted ("D", "W", "M"), None when it did not say.
    summary_ : pd.DataFrame
        ``coef``, ``se(coef)`` and 95% bounds, from the finite-difference Hessian (delta
        method from log-parameters, bounds exp(ln coef ± 1.96 se(ln coef))).
    log_likelihood_, n_customers_, n_patterns_, n_iter_
        As for ``BetaGeo``.

    Examples
    --------
    >>> from crmkit.value.paretonbd import ParetoNBD, simulate_paretonbd
    >>> summary = simulate_paretonbd(20_000, r=0.5, alpha=10.0, s=0.6, beta=12.0, T=39, seed=1)
    >>> summary.attrs["time_unit"] = "W"
    >>> pnbd = ParetoNBD().fit(summary)
    >>> pnbd.params_.round(1).tolist()  # r, alpha, s, beta: the truth within about one standard error
    [0.5, 9.6, 0.7, 15.7]
    >>> pnbd.summary_["se(coef)"].round(1).tolist()
    [0.0, 0.3, 0.1, 3.3]
    >>> pnbd.expected_purchases(10, summary).head(3).round(3).tolist()
    [0.03, 0.03, 0.427]
    >>> pnbd.probability_alive(summary).head(3).round(3).tolist()
    [0.323, 0.323, 0.888]
    """

    _NAME = "ParetoNBD"

    def _fit_scaled(self, x, tx, T, scale, penalizer, tol, max_iter):
        def to_user(phi):
            r, alpha, s, beta = np.exp(phi)
            return pd.Series([r, alpha / scale, s, beta / scale], index=["r", "alpha", "s", "beta"])

        # λ's mean at the observed repeat rate, the rest at 1 (fit units: T ≤ 1).
        rate = max(x.sum() / (T.sum() * scale), 1e-3)
        phi0 = np.array([0.0, -np.log(rate), 0.0, 0.0])
        if len(x) > 4 * _WARM_START:
            # Each Newton step costs 21 evaluations of the whole likelihood: start a large book
            # from the fit of a fixed random sample of it (same data, same start), which leaves
            # two or three steps to take on the whole.
            pick = np.random.default_rng(0).choice(len(x), _WARM_START, replace=False)
            if np.count_nonzero(x[pick]) >= 10:
                sample = _ParetoPatterns.build(x[pick], tx[pick], T[pick], scale)
                try:
                    phi0, _, _ = _fit_log_params(
                        self._NAME, ("r", "alpha", "s", "beta"),
                        lambda p: numeric_derivatives(lambda q: _pareto_objective(q, sample, penalizer), p), phi0,
                        sample.n, 1e-6, max_iter, to_user, self._hint())
                except ConvergenceError:
                    pass  # the whole book may still fit from the plain start
        d = _ParetoPatterns.build(x, tx, T, scale)
        phi, cov, res = _fit_log_params(
            self._NAME, ("r", "alpha", "s", "beta"),
            lambda p: numeric_derivatives(lambda q: _pareto_objective(q, d, penalizer), p), phi0, d.n, tol,
            max_iter, to_user, self._hint())
        # recency and T are densities' variables: rescaling time moved ln L by -x ln(scale)
        loglik = -_pareto_objective(phi, d, 0.0) * d.n + x.sum() * np.log(scale)
        return to_user(phi), cov, loglik, len(d.w), res.nit

    def _params(self):
        return self.params_[["r", "alpha", "s", "beta"]].to_numpy(dtype=np.float64)

    def _probability_alive(self, x, tx, T):
        """P(τ > T | x, t_x, T), note 009 eq. (36): 1 / (1 + s/(r+s+x) (α+T)^(r+x) (β+T)^s A₀)."""
        from scipy.special import expit

        r, alpha, s, beta = self._params()
        _, log_odds = _loglik_terms(r, alpha, s, beta, x, tx, T, _log_a0(r, alpha, s, beta, x, tx, T))
        return expit(log_odds)

    def _conditional_expected(self, x, tx, T, t):
        """E[Y(t) | x, t_x, T], note 009 eq. (41): P(alive) · (r+x)/(α+T) · (β+T)/(s-1) ·
        [1 - ((β+T)/(β+T+t))^(s-1)], with (β+T) ln(1 + t/(β+T)) at s = 1."""
        r, alpha, s, beta = self._params()
        return self._probability_alive(x, tx, T) * (r + x) / (alpha + T) * _lifetime_integral(s, beta + T, t)

    def _unconditional(self, times):
        """E[X(t)] for a new customer, note 009 eq. (27): (r/α) · β/(s-1) · [1 - (β/(β+t))^(s-1)]."""
        r, alpha, s, beta = self._params()
        return r / alpha * _lifetime_integral(s, beta, times)


def _lifetime_integral(s, b, t):
    """∫₀ᵗ (b/(b+u))^s du = b/(s-1) [1 - (b/(b+t))^(s-1)], the expected time alive in (0, t]
    (b ln(1 + t/b) at s = 1), without cancelling for small t or s near 1."""
    log_ratio = np.log1p(np.asarray(t, dtype=np.float64) / b)
    if abs(s - 1.0) < 1e-10:
        return b * log_ratio
    return b * -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)


def simulate_paretonbd(n: int, r: float, alpha: float, s: float, beta: float, T, seed=None) -> pd.DataFrame:
    """A summary (frequency, recency, T) drawn from the Pareto/NBD process itself, vectorised.

    λ ~ Gamma(r, rate α), μ ~ Gamma(s, rate β), lifetime τ ~ Exponential(μ); purchases in
    (0, min(τ, T)] number x ~ Poisson(λ min(τ, T)), and the last of x uniform times on that
    span, t_x = min(τ, T) · Beta(x, 1), is the recency. ``T`` is a number or one age per
    customer.

    >>> simulate_paretonbd(3, r=0.5, alpha=10.0, s=0.6, beta=12.0, T=39.0, seed=0).columns.tolist()
    ['frequency', 'recency', 'T']
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    alive_for = np.minimum(rng.exponential(1.0 / np.maximum(mu, 1e-300)), T)
    x = rng.poisson(lam * alive_for)
    seen = x > 0
    recency = np.zeros(n)
    recency[seen] = alive_for[seen] * rng.beta(x[seen], 1.0)
    index = pd.RangeIndex(n, name="customer_id")
    return pd.DataFrame({"frequency": x.astype(np.int64), "recency": recency, "T": T}, index=index)
