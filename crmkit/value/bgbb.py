"""BG/BB: repeat transactions when customers can only buy at discrete occasions.

The beta-geometric/beta-Bernoulli model of Fader, Hardie & Shang (2010), "Customer-Base
Analysis in a Discrete-Time Noncontractual Setting", *Marketing Science* 29(6), 1086-1108, as
lifetimes' ``BetaGeoBetaBinomFitter``. For yearly events, campaigns, seasons or donation
drives: at each of n opportunities an alive customer transacts with probability
p ~ Beta(α, β), and before each opportunity after the first they leave for good with
probability θ ~ Beta(γ, δ).

The summary has one row per customer: ``frequency`` (opportunities with a transaction, the
first one left out), ``recency`` (the opportunity of the last transaction, 0 without any) and
``n_periods`` (the opportunities after the first transaction), as lifetimes names them. The
likelihood is a log-sum of beta functions; its gradient and Hessian are analytic (digamma and
trigamma terms of each summand, combined as for a mixture).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import ModelInputError
from ._fitting import (
    _check_settings,
    _collapse,
    _Estimator,
    _fit_log_params,
    _objective_in_logs,
    _require_repeat_buyers,
    _summary_columns,
    _summary_frame,
)

_NAME = "BetaGeoBetaBinom"
_COLUMNS = ("frequency", "recency", "n_periods")
_HINT = ("build the summary with one row per customer: frequency = opportunities with a transaction after the "
         "first, recency = the opportunity of the last one (0 without), n_periods = opportunities observed after "
         "the first transaction")


@dataclass(frozen=True)
class _Occasions:
    """Distinct (x, t_x, n) patterns and, per pattern, the summands of the likelihood.

    Summand k of a pattern is lnB(α+x, β+m_k) + lnB(γ+e_k, δ+d_k): k = 0 is "alive through
    all n opportunities" (m = n-x, e = 0, d = n), k = 1 + i "gone just before opportunity
    t_x + i + 1" for i = 0..n-t_x-1 (m = t_x-x+i, e = 1, d = t_x+i). Rows are padded to the
    longest pattern; ``used`` marks the real summands.
    """

    n: float
    w: np.ndarray
    x: np.ndarray        # per pattern
    m: np.ndarray        # per pattern and summand
    e: np.ndarray
    dd: np.ndarray
    used: np.ndarray

    @classmethod
    def build(cls, x, tx, n_periods):
        (x, tx, nn), w = _collapse(x, tx, n_periods)
        width = int((nn - tx).max()) + 1
        i = np.arange(width - 1, dtype=np.float64)[None, :]
        m = np.column_stack([nn - x, tx[:, None] - x[:, None] + i])
        dd = np.column_stack([nn, tx[:, None] + i])
        e = np.zeros_like(m)
        e[:, 1:] = 1.0
        used = np.column_stack([np.ones(len(x), dtype=bool), i < (nn - tx)[:, None]])
        return cls(float(w.sum()), w, x, m, e, dd, used)


def _bgbb_objective(phi: np.ndarray, d: _Occasions, penalizer: float):
    """Mean negative log-likelihood (+ penalty), its gradient and Hessian in log-parameters.

    ln L = -lnB(α,β) - lnB(γ,δ) + ln Σ_k exp(ℓ_k) (Fader, Hardie & Shang 2010, eq. 5), with
    ℓ_k = lnB(α+x, β+m_k) + lnB(γ+e_k, δ+d_k). With π_k the softmax weights of the ℓ_k,
    ∇ ln Σ = Σ π_k ∇ℓ_k and ∇² ln Σ = Σ π_k (∇²ℓ_k + ∇ℓ_k ∇ℓ_kᵀ) - (∇ ln Σ)(∇ ln Σ)ᵀ; each
    ∇ℓ_k is a difference of digammas, each ∇²ℓ_k of trigammas.
    """
    from scipy.special import betaln, digamma, polygamma

    theta = np.exp(phi)
    al, be, ga, de = theta
    x = d.x[:, None]
    a1, b1 = al + x, be + d.m
    g1, d1 = ga + d.e, de + d.dd
    sa, sg = a1 + b1, g1 + d1
    with np.errstate(invalid="ignore"):
        terms = np.where(d.used, betaln(a1, b1) + betaln(g1, d1), -np.inf)
    top = terms.max(axis=1, keepdims=True)
    ex = np.exp(terms - top)
    total = ex.sum(axis=1, keepdims=True)
    pi = ex / total                                               # softmax weights, 0 for padding
    log_sum = top[:, 0] + np.log(total[:, 0])

    psi_sa, psi_sg = digamma(sa), digamma(sg)
    grads = np.stack([np.broadcast_to(digamma(a1) - psi_sa, pi.shape), digamma(b1) - psi_sa,
                      digamma(g1) - psi_sg, digamma(d1) - psi_sg])        # (4, patterns, summands)
    grads = np.where(d.used, grads, 0.0)
    t_sa, t_sg = polygamma(1, sa), polygamma(1, sg)
    hess_terms = np.zeros((4, 4) + pi.shape)
    hess_terms[0, 0] = polygamma(1, a1) - t_sa
    hess_terms[1, 1] = polygamma(1, b1) - t_sa
    hess_terms[0, 1] = hess_terms[1, 0] = -t_sa
    hess_terms[2, 2] = polygamma(1, g1) - t_sg
    hess_terms[3, 3] = polygamma(1, d1) - t_sg
    hess_terms[2, 3] = hess_terms[3, 2] = -t_sg
    hess_terms = np.where(d.used, hess_terms, 0.0)

    wp = d.w[:, None] * pi                                        # customers × weights
    g_pat = np.einsum("kps,ps->kp", grads, pi)                    # ∇ ln Σ per pattern
    H = (np.einsum("klps,ps->kl", hess_terms, wp) + np.einsum("kps,lps,ps->kl", grads, grads, wp)
         - np.einsum("kp,lp,p->kl", g_pat, g_pat, d.w))
    g = g_pat @ d.w

    # the normalising constants, the same for every customer
    n = d.n
    ll = d.w @ log_sum - n * (betaln(al, be) + betaln(ga, de))
    dab, dgd = digamma(al + be), digamma(ga + de)
    g -= n * np.array([digamma(al) - dab, digamma(be) - dab, digamma(ga) - dgd, digamma(de) - dgd])
    tab, tgd = polygamma(1, al + be), polygamma(1, ga + de)
    H -= n * np.array([[polygamma(1, al) - tab, -tab, 0, 0], [-tab, polygamma(1, be) - tab, 0, 0],
                       [0, 0, polygamma(1, ga) - tgd, -tgd], [0, 0, -tgd, polygamma(1, de) - tgd]])
    return _objective_in_logs(theta, ll, g, H, n, penalizer)


class BetaGeoBetaBinom(_Estimator):
    """The BG/BB model: transactions at discrete opportunities, with dropout between them.

    Fader, Hardie & Shang (2010), *Marketing Science* 29(6); lifetimes'
    ``BetaGeoBetaBinomFitter``. At each opportunity an alive customer transacts with
    probability p ~ Beta(alpha, beta); before each later opportunity they leave with
    probability θ ~ Beta(gamma, delta).

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        Weight of an L2 penalty ``penalizer_coef * (α² + β² + γ² + δ²)`` added to the mean
        negative log-likelihood (lifetimes' penalty).
    tol : float, default 1e-8
        Stop when the gradient of the mean negative log-likelihood (log-parameters) is below this.
    max_iter : int, default 100
        Newton iterations allowed.

    Attributes
    ----------
    params_ : pd.Series
        alpha, beta, gamma, delta.
    summary_ : pd.DataFrame
        ``coef``, ``se(coef)`` and 95% bounds, from the analytic Hessian.
    time_unit_ : None
        Opportunities are counted, not timed: predictions take numbers of opportunities.
    log_likelihood_, n_customers_, n_patterns_, n_iter_
        As for ``BetaGeo``.

    Examples
    --------
    >>> from crmkit.value.bgbb import BetaGeoBetaBinom, simulate_bgbb
    >>> summary = simulate_bgbb(20_000, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, n_periods=6, seed=2)
    >>> summary.head(3).values.tolist()  # frequency, recency, n_periods
    [[2, 5, 6], [6, 6, 6], [4, 6, 6]]
    >>> bgbb = BetaGeoBetaBinom().fit(summary)
    >>> bgbb.params_.round(2).tolist()  # alpha, beta, gamma, delta: close to the truth
    [1.26, 0.78, 0.63, 2.65]
    >>> bgbb.expected_purchases(5, summary).head(3).round(2).tolist()   # in the next 5 opportunities
    [1.47, 3.76, 2.73]
    """

    #: Counts periods with a purchase at discrete opportunities, not purchases in time
    #: (``holdout_validation`` validates it on that target, never beside the continuous models).
    _DISCRETE = True

    def __init__(self, *, penalizer_coef: float = 0.0, tol: float = 1e-8, max_iter: int = 100):
        self.penalizer_coef = penalizer_coef
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, summary: pd.DataFrame, y=None) -> BetaGeoBetaBinom:
        """Fit alpha, beta, gamma, delta by maximum likelihood; returns self.

        ``summary``: one row per customer with whole ``frequency``, ``recency`` and
        ``n_periods`` (see the module's docstring); not modified.

        Raises ModelInputError (column missing, not whole, negative, frequency > recency,
        recency > n_periods, fewer than ``MIN_REPEAT_BUYERS`` repeat buyers) or
        ConvergenceError (with what to try).
        """
        penalizer, tol, max_iter = _check_settings(self)
        x, tx, nn = _occasion_columns(summary)
        _require_repeat_buyers(_NAME, x)
        d = _Occasions.build(x, tx, nn)

        def to_user(phi):
            return pd.Series(np.exp(phi), index=["alpha", "beta", "gamma", "delta"])

        phi0 = np.zeros(4)
        hint = (f"a penalizer_coef (e.g. {_NAME}(penalizer_coef=0.01)), a larger max_iter, or more customers; with "
                "very few opportunities (n_periods 1-2) dropout and buying cannot be told apart")
        phi, cov, res = _fit_log_params(_NAME, ("alpha", "beta", "gamma", "delta"),
                                        lambda p: _bgbb_objective(p, d, penalizer), phi0, d.n, tol, max_iter,
                                        to_user, hint)
        self.params_ = to_user(phi)
        self.summary_ = _summary_frame(self.params_, cov)
        self.log_likelihood_ = float(-_bgbb_objective(phi, d, 0.0)[0] * d.n)
        self.time_unit_ = None
        self.n_customers_ = len(x)
        self.n_patterns_ = len(d.w)
        self.n_iter_ = int(res.nit)
        return self

    # ----------------------------------------------------------------- predictions

    def _loglik(self, x, tx, nn):
        al, be, ga, de = self.params_.to_numpy(dtype=np.float64)
        d = _Occasions.build(x, tx, nn)
        code = _pattern_rows(x, tx, nn)
        from scipy.special import betaln, logsumexp

        with np.errstate(invalid="ignore"):
            terms = np.where(d.used, betaln(al + d.x[:, None], be + d.m) + betaln(ga + d.e, de + d.dd), -np.inf)
        per_pattern = logsumexp(terms, axis=1) - betaln(al, be) - betaln(ga, de)
        return per_pattern[code]

    def probability_alive(self, summary: pd.DataFrame, *, periods_ahead: int = 0) -> pd.Series:
        """P(alive at opportunity n + ``periods_ahead`` | x, t_x, n) (Fader, Hardie & Shang 2010,
        eq. 11): B(α+x, β+n-x)/B(α,β) · B(γ, δ+n+m)/B(γ,δ) / L(x, t_x, n)."""
        from scipy.special import betaln

        self._check_fitted()
        x, tx, nn = _occasion_columns(summary)
        al, be, ga, de = self.params_.to_numpy(dtype=np.float64)
        log_p = (betaln(al + x, be + nn - x) - betaln(al, be) + betaln(ga, de + nn + periods_ahead)
                 - betaln(ga, de) - self._loglik(x, tx, nn))
        return pd.Series(np.exp(log_p), index=summary.index, name="probability_alive")

    def expected_purchases(self, t: int, summary: pd.DataFrame) -> pd.Series:
        """Expected transactions in the next ``t`` opportunities (Fader, Hardie & Shang 2010, eq. 13):

        1/L · B(α+x+1, β+n-x)/B(α,β) · δ/(γ-1) · Γ(γ+δ)/Γ(1+δ) ·
        [Γ(1+δ+n)/Γ(γ+δ+n) - Γ(1+δ+n+t)/Γ(γ+δ+n+t)].
        """
        from scipy.special import betaln, gammaln

        self._check_fitted()
        x, tx, nn = _occasion_columns(summary)
        al, be, ga, de = self.params_.to_numpy(dtype=np.float64)
        head = (betaln(al + x + 1, be + nn - x) - betaln(al, be) + gammaln(ga + de) - gammaln(1 + de)
                - self._loglik(x, tx, nn))
        diff = _gamma_ratio_difference(ga, de, nn, float(t))
        return pd.Series(np.exp(head) * de / (ga - 1.0) * diff, index=summary.index, name="expected_purchases")

    def expected_purchases_new_customer(self, n):
        """E[X(n)], expected transactions in the first ``n`` opportunities of a new customer
        (Fader, Hardie & Shang 2010, eq. 8): α/(α+β) · δ/(γ-1) · [1 - Γ(γ+δ)Γ(1+δ+n) / (Γ(γ+δ+n)Γ(1+δ))]."""
        from scipy.special import gammaln

        self._check_fitted()
        al, be, ga, de = self.params_.to_numpy(dtype=np.float64)
        nn = np.asarray(n, dtype=np.float64)
        ratio = np.exp(gammaln(ga + de) + gammaln(1 + de + nn) - gammaln(ga + de + nn) - gammaln(1 + de))
        out = al / (al + be) * de / (ga - 1.0) * (1.0 - ratio)
        return float(out) if np.ndim(n) == 0 else out

    # lifetimes' names, with crmkit's arguments
    def conditional_expected_number_of_purchases_up_to_time(self, t, summary):
        """lifetimes' name for ``expected_purchases``."""
        return self.expected_purchases(t, summary)


def _gamma_ratio_difference(ga, de, nn, t):
    """Γ(1+δ+n)/Γ(γ+δ+n) - Γ(1+δ+n+t)/Γ(γ+δ+n+t), as the first ratio times -expm1(log ratio)."""
    from scipy.special import gammaln

    first = gammaln(1 + de + nn) - gammaln(ga + de + nn)
    second = gammaln(1 + de + nn + t) - gammaln(ga + de + nn + t)
    return np.exp(first) * -np.expm1(second - first)


def _pattern_rows(x, tx, nn) -> np.ndarray:
    """Each customer's row among the distinct patterns, in ``_Occasions.build``'s order."""
    from ._fitting import _patterns

    return _patterns(x, tx, nn)[0]


def _occasion_columns(summary):
    """frequency, recency, n_periods as float arrays, after the checks a discrete summary needs."""
    cols = _summary_columns(summary, _NAME, _COLUMNS)
    x, tx, nn = cols["frequency"], cols["recency"], cols["n_periods"]

    def refuse(mask, column, reason):
        if mask.any():
            raise ModelInputError(_NAME, reason, column=column, customers=summary.index[mask], hint=_HINT)

    refuse(tx != np.floor(tx), "recency", "recency must be a whole number of opportunities")
    refuse(nn != np.floor(nn), "n_periods", "n_periods must be a whole number of opportunities")
    refuse(x > tx, "frequency", "frequency is greater than recency (more transactions than opportunities up "
                                "to the last one)")
    refuse(tx > nn, "recency", "recency is greater than n_periods (a transaction after the last opportunity)")
    return x, tx, nn


def simulate_bgbb(n: int, alpha: float, beta: float, gamma: float, delta: float, n_periods, seed=None) -> pd.DataFrame:
    """A summary (frequency, recency, n_periods) drawn from the BG/BB process itself.

    p ~ Beta(α, β), θ ~ Beta(γ, δ); the customer is alive at opportunities 1..D-1 with
    D ~ Geometric(θ) and, while alive, transacts at each with probability p. Vectorised over
    customers, a loop over opportunities. ``n_periods`` is a number or one count per customer.

    >>> simulate_bgbb(3, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, n_periods=6, seed=0).columns.tolist()
    ['frequency', 'recency', 'n_periods']
    """
    rng = np.random.default_rng(seed)
    nn = np.broadcast_to(np.asarray(n_periods, dtype=np.int64), (n,)).copy()
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    alive_through = np.minimum(rng.geometric(theta) - 1, nn)
    x = np.zeros(n, dtype=np.int64)
    tx = np.zeros(n, dtype=np.int64)
    for t in range(1, int(nn.max()) + 1 if n else 1):
        buys = (t <= alive_through) & (rng.random(n) < p)
        x += buys
        tx[buys] = t
    index = pd.RangeIndex(n, name="customer_id")
    return pd.DataFrame({"frequency": x, "recency": tx, "n_periods": nn}, index=index)
