"""What the continuous-time purchase models beyond BG/NBD share (Pareto/NBD, MBG/NBD): reading
and checking a (frequency, recency, T) summary with its time unit, rescaling time for the fit,
the prediction methods with their unit handling, and finite-difference derivatives for a
likelihood whose analytic derivatives do not exist in closed form (Pareto/NBD's ₂F₁ terms).

``BetaGeo`` (``bgnbd``) predates this module and keeps its own copy of the same contract; the
models here follow it method for method, so ``customer_lifetime_value``, the plots and
``holdout_validation`` take any of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import ModelInputError
from ._fitting import _check_settings, _Estimator, _require_repeat_buyers, _summary_columns, _summary_frame
from .units import model_and_summary_units, periods, summary_unit

_COLUMNS = ("frequency", "recency", "T")


def numeric_derivatives(f, phi: np.ndarray, h: float = 1e-4):
    """f(phi), its gradient and Hessian by central differences (step ``h`` in log-parameters).

    With f a mean log-likelihood of order one computed to ~1e-15, the gradient is exact to
    ~1e-8 (h² truncation) and the Hessian to ~1e-7 (rounding over h²): enough for Newton steps
    and for standard errors to three or more digits. The mixed second differences reuse the
    one-step points: H_ij = [f(+i+j) + f(-i-j) - f(+i) - f(-i) - f(+j) - f(-j) + 2 f0] / (2h²),
    so the whole costs 1 + 2k + k(k-1) evaluations (21 for four parameters).
    """
    k = len(phi)
    f0 = f(phi)
    g, H = np.empty(k), np.empty((k, k))
    e = np.eye(k) * h
    plus = [f(phi + e[i]) for i in range(k)]
    minus = [f(phi - e[i]) for i in range(k)]
    for i in range(k):
        g[i] = (plus[i] - minus[i]) / (2 * h)
        H[i, i] = (plus[i] - 2 * f0 + minus[i]) / h**2
        for j in range(i):
            both = f(phi + e[i] + e[j]) + f(phi - e[i] - e[j])
            H[i, j] = H[j, i] = (both - plus[i] - minus[i] - plus[j] - minus[j] + 2 * f0) / (2 * h * h)
    return f0, g, H


class _CountingModel(_Estimator):
    """A fitted model of repeat purchases in continuous time, scored on (frequency, recency, T).

    Subclasses set ``_NAME`` and implement ``_fit_scaled(x, tx, T, scale, penalizer, tol,
    max_iter)`` (returning params Series, covariance of log-parameters, log-likelihood in the
    summary's unit, patterns, iterations), ``_probability_alive(x, tx, T)``,
    ``_conditional_expected(x, tx, T, t)`` and ``_unconditional(times)``, all in the model's
    time unit.
    """

    _NAME = "model"

    def __init__(self, *, penalizer_coef: float = 0.0, tol: float = 1e-8, max_iter: int = 100):
        self.penalizer_coef = penalizer_coef
        self.tol = tol
        self.max_iter = max_iter

    # ----------------------------------------------------------------- fitting

    def fit(self, summary: pd.DataFrame, y=None, *, time_unit: str | None = None):
        """Fit the model by maximum likelihood to ``summary``; returns self.

        ``summary`` has one row per customer with ``frequency``, ``recency`` and ``T`` in one
        time unit (``rfm_summary``'s result, or a lifetimes summary with ``time_unit=``); it is
        not modified. ``time_unit`` is the summary's unit when its ``attrs`` do not say; it is
        remembered as ``time_unit_``.

        Raises ModelInputError for a missing or bad column (named, with the customers at
        fault), fewer than ``MIN_REPEAT_BUYERS`` repeat buyers or no observed time;
        ConvergenceError when the optimiser fails or parameters run off (the message says
        what to try).
        """
        penalizer, tol, max_iter = _check_settings(self)
        cols = _summary_columns(summary, self._NAME, _COLUMNS)
        unit = summary_unit(summary, time_unit, self._NAME)
        x, tx, T = cols["frequency"], cols["recency"], cols["T"]
        _require_repeat_buyers(self._NAME, x)
        if T.max() <= 0:
            raise ModelInputError(self._NAME, "every customer has T = 0: no time was observed after the first "
                                  "purchases", column="T", hint="use an as_of after the first purchases")
        # Fit in units where the oldest customer's T is 1, as lifetimes does: parameters of
        # order one whatever the time unit, and lifetimes' meaning of penalizer_coef.
        scale = 1.0 / T.max()
        params, cov, loglik, n_patterns, n_iter = self._fit_scaled(x, tx, T, scale, penalizer, tol, max_iter)
        self.params_ = params
        self.summary_ = _summary_frame(params, cov)
        self.log_likelihood_ = float(loglik)
        self.time_unit_ = unit
        self.n_customers_ = len(x)
        self.n_patterns_ = int(n_patterns)
        self.n_iter_ = int(n_iter)
        return self

    def _hint(self) -> str:
        return (f"a penalizer_coef (e.g. {self._NAME}(penalizer_coef=0.01)), a larger max_iter, or more customers "
                "and a longer period; check for a few customers with extreme frequencies (fit units are already "
                "rescaled, so changing the time unit will not help)")

    # ----------------------------------------------------------------- predictions

    def _arrays(self, summary, time_unit=None):
        """frequency, recency and T in the model's unit, the model's unit and the conversion factor."""
        self._check_fitted()
        cols = _summary_columns(summary, self._NAME, _COLUMNS)
        unit, factor = model_and_summary_units(getattr(self, "time_unit_", None), summary, time_unit, self._NAME)
        return cols["frequency"], cols["recency"] * factor, cols["T"] * factor, unit, factor

    def _horizon(self, t, summary, t_unit, time_unit, factor):
        unit = summary_unit(summary, time_unit, self._NAME) or getattr(self, "time_unit_", None)
        return float(periods(float(t), t_unit, unit, self._NAME)) * factor

    def expected_purchases(self, t: float, summary: pd.DataFrame, *, t_unit: str | None = None,
                           time_unit: str | None = None) -> pd.Series:
        """Expected purchases in the next ``t`` periods of each customer in ``summary``,
        given their history (counting that they may have left).

        ``t`` is in ``t_unit`` ("D", "W", "M"), or without it in the summary's unit; a summary
        in another unit than the model's is converted (``crmkit.value.units``); ``time_unit``
        is the summary's unit when its ``attrs`` do not say. Returns ``expected_purchases``
        indexed like ``summary``.
        """
        x, tx, T, _unit, factor = self._arrays(summary, time_unit)
        horizon = self._horizon(t, summary, t_unit, time_unit, factor)
        out = self._conditional_expected(x, tx, T, horizon)
        return pd.Series(out, index=summary.index, name="expected_purchases")

    def probability_alive(self, summary: pd.DataFrame, *, time_unit: str | None = None) -> pd.Series:
        """Probability that each customer in ``summary`` is still a customer at the end of the
        period. Returns ``probability_alive`` indexed like ``summary``."""
        x, tx, T, _unit, _factor = self._arrays(summary, time_unit)
        return pd.Series(self._probability_alive(x, tx, T), index=summary.index, name="probability_alive")

    def expected_purchases_new_customer(self, t, *, t_unit: str | None = None):
        """Expected repeat purchases in the first ``t`` periods after a new customer's first
        purchase (``t`` a number or array, in ``t_unit`` or the model's ``time_unit_``)."""
        self._check_fitted()
        times = np.atleast_1d(np.asarray(t, dtype=np.float64))
        times = np.asarray(periods(times, t_unit, getattr(self, "time_unit_", None), self._NAME), dtype=np.float64)
        out = self._unconditional(times)
        return float(out[0]) if np.ndim(t) == 0 else out.reshape(np.shape(t))

    def _expected_table(self, x, tx, T, times) -> np.ndarray:
        """Conditional expected purchases for each customer (rows) and horizon (columns)."""
        return np.column_stack([self._conditional_expected(x, tx, T, float(t)) for t in times]) \
            if len(times) else np.zeros((len(x), 0))

    # lifetimes' names, with crmkit's arguments (the summary frame, not three arrays)
    def conditional_expected_number_of_purchases_up_to_time(self, t, summary, **kwargs):
        """lifetimes' name for ``expected_purchases``."""
        return self.expected_purchases(t, summary, **kwargs)

    def conditional_probability_alive(self, summary, **kwargs):
        """lifetimes' name for ``probability_alive``."""
        return self.probability_alive(summary, **kwargs)

    def expected_number_of_purchases_up_to_time(self, t, **kwargs):
        """lifetimes' name for ``expected_purchases_new_customer``."""
        return self.expected_purchases_new_customer(t, **kwargs)
