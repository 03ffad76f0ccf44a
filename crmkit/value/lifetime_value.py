"""Customer lifetime value: BG/NBD purchases × Gamma-Gamma order value, discounted monthly.

(Pareto/NBD and MBG/NBD purchases work the same way; ``crmkit.value.intervals`` adds bootstrap
intervals.)

Follows lifetimes' ``customer_lifetime_value`` (the discounted-cash-flow form of Fader, Hardie &
Lee 2005, "RFM and CLV", *JMR* 42(4)): for each month k = 1..months, the purchases the BG/NBD
model expects in that month (eq. 10 of "Counting Your Customers the Easy Way", differenced
between the end and the start of the month) times the order value the Gamma-Gamma model
expects, divided by (1 + discount_rate)^k, summed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import ModelInputError
from ._counting import _CountingModel
from ._fitting import _summary_columns
from .bgnbd import BetaGeo, _expected_if_alive, _p_alive
from .gammagamma import GammaGamma
from .money import REPEAT_MEAN_COLUMN
from .units import TIME_UNITS, UNIT_ATTR, check_unit, model_and_summary_units


def customer_lifetime_value(
    bg: BetaGeo,
    gg: GammaGamma,
    summary: pd.DataFrame,
    months: int = 12,
    discount_rate: float = 0.01,
    time_unit: str | None = None,
    periods_per_month: float | None = None,
) -> pd.Series:
    """Discounted value of each customer's purchases over the next ``months`` months.

    CLV = Σ_{k=1..months} E[purchases in month k] · E[order value] / (1 + discount_rate)^k,
    with E[purchases in month k] = E[Y(k·m)] - E[Y((k-1)·m)] from ``bg`` (eq. 10 of Fader,
    Hardie & Lee 2005, m the periods in a month) and E[order value] from
    ``gg.expected_average_order_value`` (eq. 5 of note 025). The result is in the unit of
    ``repeat_mean_value`` (revenue, or margin for a profit CLV).

    Months become periods of the model's time unit, with crmkit's month of 365.25 / 12 =
    30.4375 days (``crmkit.value.units.TIME_UNITS``): 30.4375 for days, 4.348 for weeks, 1 for
    months. The units come with the data: the summary's ``attrs["time_unit"]`` (set by
    ``rfm_summary``) and the model's ``bg.time_unit_``; a summary in another unit than the
    model's is converted, so the same orders give the same CLV whichever unit they were
    summarised in. Where neither says a unit (a summary built by lifetimes, a model fitted on
    one), pass ``time_unit=``: crmkit does not guess, because reading weeks as days (or days
    as weeks) changes every CLV several times over.

    Parameters
    ----------
    bg : BetaGeo, ParetoNBD or ModifiedBetaGeo
        Fitted; its ``time_unit_`` is the unit the forecast is made in. (The name is BG/NBD's,
        kept for existing calls; any continuous-time purchase model of ``crmkit.value`` works.)
    gg : GammaGamma
        Fitted on the same money unit as ``summary``'s repeat_mean_value.
    summary : pd.DataFrame
        frequency, recency, T, repeat_mean_value per customer, as ``rfm_summary`` returns; not
        modified. A lifetimes summary works as it is: its ``monetary_value`` is read as
        lifetimes defines it, the mean of the repeat purchases (what ``repeat_mean_value``
        holds); a frame with both columns must hold the same values in them.
    months : int, default 12
        Horizon in months.
    discount_rate : float, default 0.01
        Monthly discount rate (0.01 is about 12.7% a year).
    time_unit : {"D", "W", "M"}, optional
        The summary's unit when its ``attrs`` do not say; an error when it contradicts them.
        lifetimes counts 30 days or 4.345 weeks to a month instead; pass ``periods_per_month``
        to match it exactly.
    periods_per_month : float, optional
        Periods of the model's unit in a month; overrides the month above (e.g. 30 to
        reproduce lifetimes with daily data, or 720 for a summary in hours).

    Returns
    -------
    pd.Series
        ``clv``, indexed like ``summary``.

    Raises
    ------
    ModelInputError
        The summary's unit is unknown (and neither ``time_unit`` nor ``periods_per_month``
        is given), contradicts ``time_unit``, or the summary lost its unit while the model
        has one; or a column is missing or bad (``repeat_mean_value`` and ``monetary_value``
        both there and different, too).

    Examples
    --------
    >>> from crmkit.value.bgnbd import BetaGeo, simulate_bgnbd
    >>> from crmkit.value.gammagamma import GammaGamma, simulate_spend
    >>> summary = simulate_bgnbd(20_000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=52, seed=1)
    >>> summary["repeat_mean_value"] = simulate_spend(summary["frequency"], p=6, q=4, v=15, seed=1)["repeat_mean_value"]
    >>> summary.attrs["time_unit"] = "W"      # what rfm_summary(orders, time_unit="W") writes
    >>> bg, gg = BetaGeo().fit(summary), GammaGamma().fit(summary)
    >>> bg.time_unit_
    'W'
    >>> clv = customer_lifetime_value(bg, gg, summary, months=12)
    >>> clv.head(3).round(2).tolist()
    [10.96, 219.11, 5.92]
    """
    for model, kind, names in ((bg, (BetaGeo, _CountingModel), "BetaGeo, ParetoNBD or ModifiedBetaGeo"),
                               (gg, (GammaGamma,), "GammaGamma")):
        if not isinstance(model, kind):
            also = ("; BG/BB counts opportunities, not time: multiply its expected_purchases(n, summary) by the "
                    "order value instead" if type(model).__name__ == "BetaGeoBetaBinom" else "")
            raise TypeError(f"expected a fitted {names}, got {type(model).__name__}{also}")
        model._check_fitted()
    if int(months) != months or months < 0:
        raise ValueError(f"months must be a whole number >= 0, got {months!r}")
    if not discount_rate > -1:
        raise ValueError(f"discount_rate must be > -1, got {discount_rate!r}")
    check_unit(time_unit, "customer_lifetime_value")
    cols = _summary_columns(summary, "customer_lifetime_value", ("frequency", "recency", "T", REPEAT_MEAN_COLUMN),
                            monetary=True)
    unit, factor = model_and_summary_units(getattr(bg, "time_unit_", None), summary, time_unit,
                                           "customer_lifetime_value")
    if periods_per_month is None:
        if unit is None:
            raise ModelInputError(
                "customer_lifetime_value", "neither the summary nor the model says which time unit recency and T "
                f'are in (no attrs["{UNIT_ATTR}"]: a summary not built by rfm_summary, e.g. by lifetimes), so '
                "months cannot be turned into periods", column=UNIT_ATTR,
                hint="pass time_unit='D', 'W' or 'M' (or periods_per_month=), or build the summary with "
                     "crmkit.value.rfm_summary(orders, time_unit=...)")
        periods_per_month = TIME_UNITS["M"] / TIME_UNITS[unit]
    if not periods_per_month > 0:
        raise ValueError(f"periods_per_month must be > 0, got {periods_per_month!r}")

    x, tx, T = cols["frequency"], cols["recency"] * factor, cols["T"] * factor
    order_value = gg.expected_average_order_value(summary).to_numpy()
    if months == 0:
        return pd.Series(0.0, index=summary.index, name="clv")

    ends = periods_per_month * np.arange(1, months + 1)
    discounts = (1.0 + discount_rate) ** -np.arange(1, months + 1, dtype=np.float64)
    if not isinstance(bg, BetaGeo):  # Pareto/NBD, MBG/NBD: their conditional expectations, month by month
        per_month = np.diff(bg._expected_table(x, tx, T, ends), axis=1, prepend=0.0)
        return pd.Series(order_value * (per_month @ discounts), index=summary.index, name="clv")
    r, alpha, a, b = bg.params_.to_numpy()
    cumulative, row = _expected_if_alive(r, alpha, a, b, x, T, ends)
    per_month = np.diff(cumulative, axis=1, prepend=0.0)  # expectations are cumulative in t
    discounted = per_month @ discounts
    clv = order_value * _p_alive(r, alpha, a, b, x, tx, T) * discounted[row]
    return pd.Series(clv, index=summary.index, name="clv")
