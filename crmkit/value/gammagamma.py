"""Gamma-Gamma: how much each customer spends per purchase, shrunk towards the population.

The spend model of Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis", *Journal of Marketing Research* 42(4), 415-430, as set out in Fader &
Hardie, "The Gamma-Gamma Model of Monetary Value" (brucehardie.com, note 025). A customer's
purchase values are Gamma(p, ν) with ν ~ Gamma(q, v) across customers; only the mean of the
repeat purchases, m_x over x of them, is used. ``GammaGamma`` fits p, q, v by maximum
likelihood and predicts each customer's expected average order value, the monetary input of
``crmkit.value.lifetime_value.customer_lifetime_value``.

The spend input is the summary's ``repeat_mean_value`` (``rfm_summary``'s name for m_x); a
lifetimes summary's ``monetary_value``, the same figure under lifetimes' name, is read where
``repeat_mean_value`` is missing (``crmkit.value.money``).

The model assumes spend per purchase does not depend on how often a customer buys: check that
frequency and repeat_mean_value of the repeat buyers are not strongly correlated before using it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import ConvergenceError
from ._fitting import (
    _blockwise,
    _check_settings,
    _collapse,
    _Estimator,
    _fit_log_params,
    _objective_in_logs,
    _require_repeat_buyers,
    _sorted_distinct,
    _summary_columns,
    _summary_frame,
)
from .money import REPEAT_MEAN_COLUMN


@dataclass(frozen=True)
class _Spends:
    """Repeat buyers collapsed to distinct (x, m), m rescaled so its mean is 1."""

    n: float            # repeat buyers
    x: np.ndarray       # distinct (x, m) ...
    m: np.ndarray
    w: np.ndarray       # ... and how many customers have each
    ux: np.ndarray      # distinct x ...
    wx: np.ndarray      # ... and how many customers have each
    sum_x_log_xm: float  # Σ w x ln(x m): constant, part of ∂/∂p
    sum_log_m: float

    @classmethod
    def build(cls, x, m):
        (x, m), w = _collapse(x, m)
        ux, inverse = _sorted_distinct(x)
        wx = np.bincount(inverse, weights=w, minlength=len(ux))
        return cls(float(w.sum()), x, m, w, ux, wx, float(w @ (x * np.log(x * m))), float(w @ np.log(m)))


def _gammagamma_objective(phi: np.ndarray, d: _Spends, penalizer: float):
    """Mean negative log-likelihood (+ penalty), its gradient and Hessian in log-parameters.

    The density of a repeat buyer's mean spend m over x purchases (note 025, as lifetimes'
    ``GammaGammaFitter``):

        ln f = lnΓ(px+q) - lnΓ(px) - lnΓ(q) + q ln v + (px-1) ln m + px ln x - (px+q) ln(xm+v)

    Derivatives by hand; the digamma and trigamma terms depend on x alone and are summed over
    the distinct frequencies, the rest over the distinct (x, m) pairs.
    """
    from scipy.special import digamma, gammaln, polygamma

    theta = np.exp(phi)
    p, q, v = theta
    n, ux, wx = d.n, d.ux, d.wx
    pq = p * ux + q

    def row_terms(w, x, m):
        y = x * m + v
        Ly, iy = np.log(y), 1.0 / y
        wx_ = w * x
        return w @ Ly, wx_ @ Ly, w @ iy, wx_ @ iy, w @ (iy * iy), wx_ @ (iy * iy)

    wLy, wxLy, wiy, wxiy, wiy2, wxiy2 = _blockwise(row_terms, d.w, d.x, d.m)

    ll = (wx @ (gammaln(pq) - gammaln(p * ux)) - n * gammaln(q) + n * q * np.log(v) - d.sum_log_m
          + p * d.sum_x_log_xm - p * wxLy - q * wLy)
    g = np.array([wx @ (ux * (digamma(pq) - digamma(p * ux))) + d.sum_x_log_xm - wxLy,
                  wx @ (digamma(pq) - digamma(q)) + n * np.log(v) - wLy,
                  n * q / v - p * wxiy - q * wiy])
    t_pq = polygamma(1, pq)
    H = np.array([
        [wx @ (ux * ux * (t_pq - polygamma(1, p * ux))), wx @ (ux * t_pq), -wxiy],
        [0.0, wx @ t_pq - n * polygamma(1, q), n / v - wiy],
        [0.0, 0.0, -n * q / v**2 + p * wxiy2 + q * wiy2],
    ])
    return _objective_in_logs(theta, ll, g, np.triu(H) + np.triu(H, 1).T, n, penalizer)


class GammaGamma(_Estimator):
    """The Gamma-Gamma spend model: expected average order value per customer.

    Fader, Hardie & Lee (2005), "RFM and CLV", *JMR* 42(4); note 025 on brucehardie.com.
    Purchase values of a customer are Gamma(p, ν), ν ~ Gamma(q, v) across customers; the
    population's mean spend per purchase is p v / (q - 1).

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        Weight of an L2 penalty ``penalizer_coef * (p² + q² + v²)`` added to the mean negative
        log-likelihood, with v in units where the repeat buyers' mean spend is 1 (lifetimes
        does not rescale money, so a penalised fit differs from lifetimes'; the rescaling
        makes the penalty mean the same in yuan and in cents).
    tol : float, default 1e-8
        Stop when the norm of the gradient of the mean negative log-likelihood (per repeat
        buyer, in log-parameters) is below this.
    max_iter : int, default 100
        Newton iterations allowed.

    Attributes
    ----------
    params_ : pd.Series
        p, q, v (v in the summary's money unit).
    summary_ : pd.DataFrame
        ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound``; standard errors from
        the inverse of the analytic Hessian of the negative log-likelihood at the optimum.
    log_likelihood_ : float
        Log-likelihood of the repeat buyers' mean spends (in the summary's money unit; the
        penalty is not included).
    n_customers_ : int
        Customers fitted: those with repeat purchases (the others carry no spend information).
    n_patterns_ : int
        Distinct (frequency, repeat_mean_value) rows the likelihood was summed over.
    n_iter_ : int
        Newton iterations used.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmkit.value.gammagamma import GammaGamma, simulate_spend
    >>> freq = pd.Series([1, 2, 5, 0] * 5_000)
    >>> summary = simulate_spend(freq, p=6.0, q=4.0, v=15.0, seed=1)
    >>> gg = GammaGamma().fit(summary)
    >>> summary.head(4)
       frequency  repeat_mean_value
    0          1          17.616059
    1          2          11.307296
    2          5          18.643250
    3          0           0.000000
    >>> gg.params_.round(1).tolist()  # p, q, v
    [6.2, 3.9, 14.0]
    >>> gg.expected_average_order_value(summary).head(4).round(2).tolist()
    [21.63, 14.88, 19.63, 30.31]
    """

    def __init__(self, *, penalizer_coef: float = 0.0, tol: float = 1e-8, max_iter: int = 100):
        self.penalizer_coef = penalizer_coef
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, summary: pd.DataFrame, y=None) -> GammaGamma:
        """Fit p, q, v by maximum likelihood to the repeat buyers in ``summary``; returns self.

        Parameters
        ----------
        summary : pd.DataFrame
            One row per customer with ``frequency`` (repeat purchases) and
            ``repeat_mean_value`` (mean value of the repeat purchases, the first purchase left
            out), as ``crmkit.value.rfm.rfm_summary`` returns. A lifetimes summary
            (``summary_data_from_transaction_data``, the CDNOW sample) works as it is: its
            ``monetary_value`` is read as lifetimes defines it, the same mean of the repeat
            purchases. A frame with both columns must hold the same values in them. Customers
            with frequency 0 are skipped (their repeat mean may be 0 or NaN). Not modified.
        y : None
            Ignored (scikit-learn's signature).

        Raises
        ------
        ModelInputError
            A column is missing or holds NaN/negative values, a repeat buyer's repeat mean is
            <= 0, ``repeat_mean_value`` and ``monetary_value`` are both there and differ, or
            fewer than ``MIN_REPEAT_BUYERS`` repeat buyers.
        ConvergenceError
            The optimiser failed, parameters ran off towards 0 or infinity, or q <= 1 (then the
            mean spend has no finite expectation and nothing can be predicted).
        """
        penalizer, tol, max_iter = _check_settings(self)
        cols = _summary_columns(summary, "GammaGamma", ("frequency", REPEAT_MEAN_COLUMN), monetary=True)
        x, m = cols["frequency"], cols[REPEAT_MEAN_COLUMN]
        _require_repeat_buyers("GammaGamma", x)
        repeat = x > 0
        x, m = x[repeat], m[repeat]
        # Fit with the mean spend as the money unit: parameters of order one in any currency.
        scale = 1.0 / m.mean()
        d = _Spends.build(x, m * scale)
        hint = ("a penalizer_coef (e.g. GammaGamma(penalizer_coef=0.01)), a larger max_iter, or more repeat "
                "buyers; look for extreme repeat_mean_value outliers (bulk or test orders)")

        def to_user(phi):
            theta = np.exp(phi)
            return pd.Series([theta[0], theta[1], theta[2] / scale], index=["p", "q", "v"])

        # Start at a population mean spend of 1 (the rescaled mean): p = 1, q = 2, v = 1.
        phi0 = np.array([0.0, np.log(2.0), 0.0])
        phi, cov, res = _fit_log_params("GammaGamma", ("p", "q", "v"),
                                        lambda ph: _gammagamma_objective(ph, d, penalizer), phi0, d.n,
                                        tol, max_iter, to_user, hint)
        params = to_user(phi)
        if params["q"] <= 1:
            raise ConvergenceError(
                "GammaGamma", f"q = {params['q']:.3g} <= 1: spends this spread out have no finite mean under the "
                "model, so no expected order value can be computed", params.to_dict(),
                "look for extreme repeat_mean_value outliers (bulk or test orders) and leave them out, or use the "
                "customers' observed mean spends instead of this model")
        self.params_ = params
        self.summary_ = _summary_frame(params, cov)
        value = _gammagamma_objective(phi, d, 0.0)[0]
        # m is a density variable: rescaling money by `scale` moved each log-density by -ln(scale).
        self.log_likelihood_ = float(-value * d.n + d.n * np.log(scale))
        self.n_customers_ = int(d.n)
        self.n_patterns_ = len(d.w)
        self.n_iter_ = int(res.nit)
        return self

    def expected_average_order_value(self, summary: pd.DataFrame) -> pd.Series:
        """Expected mean value of each customer's future purchases.

        Eq. (5) of note 025 (Fader & Hardie, "The Gamma-Gamma Model of Monetary Value"),
        E[M | p, q, v, m_x, x] = p (v + x m_x) / (p x + q - 1): a weighted average of the
        population mean p v / (q - 1) and the customer's own mean m_x, the own mean weighing
        more the more repeat purchases there are. Customers without repeat purchases get the
        population mean. The expectation is of whatever ``repeat_mean_value`` holds (revenue,
        or margin for profit), as lifetimes' ``conditional_expected_average_profit``. As in
        ``fit``, a lifetimes summary's ``monetary_value`` is read where ``repeat_mean_value``
        is missing, and a frame with both that differ is refused.

        Returns
        -------
        pd.Series
            ``expected_average_order_value``, indexed like ``summary``.
        """
        self._check_fitted()
        cols = _summary_columns(summary, "GammaGamma", ("frequency", REPEAT_MEAN_COLUMN), monetary=True)
        x, m = cols["frequency"], cols[REPEAT_MEAN_COLUMN]
        p, q, v = self.params_.to_numpy()
        own = np.where(x > 0, m, 0.0)  # one-off buyers' repeat mean (0 or NaN) carries no weight
        return pd.Series(p * (v + x * own) / (p * x + q - 1.0), index=summary.index,
                         name="expected_average_order_value")

    # lifetimes' name, with crmkit's argument (the summary frame)
    conditional_expected_average_profit = expected_average_order_value


def simulate_spend(frequency: pd.Series, p: float, q: float, v: float, seed=None) -> pd.DataFrame:
    """``frequency`` with a ``repeat_mean_value`` drawn from the Gamma-Gamma model, vectorised.

    Each customer gets ν ~ Gamma(q, rate v); the sum of x purchase values, each Gamma(p, rate ν),
    is Gamma(px, rate ν), and repeat_mean_value is that sum over x (0 where x = 0).

    >>> simulate_spend(pd.Series([0, 3]), p=6.0, q=4.0, v=15.0, seed=0).columns.tolist()
    ['frequency', 'repeat_mean_value']
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=np.float64)
    nu = rng.gamma(q, 1.0 / v, len(x))
    total = rng.gamma(np.maximum(p * x, 1e-300), 1.0 / nu)
    money = np.where(x > 0, total / np.maximum(x, 1.0), 0.0)
    index = frequency.index if isinstance(frequency, pd.Series) else pd.RangeIndex(len(x), name="customer_id")
    return pd.DataFrame({"frequency": x.astype(np.int64), REPEAT_MEAN_COLUMN: money}, index=index)
