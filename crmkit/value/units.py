"""Time units that travel with a summary: which unit a summary's recency and T are in, read
from the frame itself (``summary.attrs["time_unit"]``), checked against what the caller says,
and converted where a model and a summary differ.

``rfm_summary(orders, time_unit="W")`` writes the unit into the summary's ``attrs``; pandas
keeps ``attrs`` through the things people do to a summary (``copy``, ``.loc``/boolean row
selection, column selection, ``sort_values``, ``head``, ``assign``, ``concat`` of summaries in
one unit, pickle and parquet), and drops it through ``merge``/``join``, ``concat`` of summaries
in different units, CSV files and rebuilding a frame from arrays. A summary that has lost it
(or never had it: lifetimes' ``summary_data_from_transaction_data``, the CDNOW sample) has no
known unit. crmkit never guesses one where it converts time:

* a model fitted on a summary with a unit (``BetaGeo.time_unit_``) refuses a summary without
  one unless the call says ``time_unit=``;
* a summary with a unit given to a model fitted in another is converted into the model's unit;
* ``customer_lifetime_value`` and ``rfm_segments``, which turn months or days into the
  summary's unit, need a unit from the summary, the model or ``time_unit=``;
* a ``time_unit=`` that contradicts the summary's own unit is an error, never a preference.

A model fitted on a summary without a unit (``time_unit_`` None) works, as in lifetimes, in
whatever single unit the summaries it scores are in.
"""

from __future__ import annotations

import pandas as pd

from ..exceptions import ModelInputError

#: Length of one time unit in days. A month is the mean Gregorian month, 365.25 / 12 days.
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}

#: Where a summary keeps its time unit.
UNIT_ATTR = "time_unit"

_UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months"}


def unit_name(unit: str | None) -> str:
    """'days', 'weeks', 'months', or 'no stated unit'."""
    return _UNIT_NAMES.get(unit, "no stated unit") if unit else "no stated unit"


def check_unit(unit, model: str, argument: str = "time_unit") -> str | None:
    """``unit`` if it is one of ``TIME_UNITS`` (or None), else a ModelInputError naming them."""
    if unit is None or (isinstance(unit, str) and unit in TIME_UNITS):
        return unit
    raise ModelInputError(model, f"unknown {argument} {unit!r}; use one of {', '.join(TIME_UNITS)} "
                                 "(days, weeks, months)", column=argument)


def summary_unit(summary: pd.DataFrame, time_unit: str | None, model: str) -> str | None:
    """The unit ``summary`` is in: its ``attrs["time_unit"]``, or ``time_unit`` when it has none.

    Raises ModelInputError when both are given and differ (a weekly summary called daily).
    """
    told = check_unit(time_unit, model)
    own = summary.attrs.get(UNIT_ATTR) if isinstance(summary, pd.DataFrame) else None
    if own is not None:
        check_unit(own, model, f'attrs["{UNIT_ATTR}"]')
        if told is not None and told != own:
            raise ModelInputError(
                model, f"time_unit={told!r} was given, but the summary says it is in {unit_name(own)} "
                       f'(attrs["{UNIT_ATTR}"] = {own!r})', column=UNIT_ATTR,
                hint="leave time_unit out (the summary's own unit is used), or rebuild the summary with "
                     f"rfm_summary(orders, time_unit={told!r})")
        return own
    return told


def model_and_summary_units(model_unit: str | None, summary: pd.DataFrame, time_unit: str | None,
                            model: str) -> tuple[str | None, float]:
    """The unit a fitted model scores ``summary`` in, and the factor taking the summary's times
    into it (multiply recency and T by it).

    The model's unit wins: a summary in another known unit is converted. A model with a unit
    refuses a summary whose unit is unknown (it lost ``attrs`` on the way, e.g. through a merge);
    a model without a unit takes the summary's.
    """
    own = summary_unit(summary, time_unit, model)
    if model_unit is None:
        return own, 1.0
    if own is None:
        raise ModelInputError(
            model, f"the summary does not say its time unit, and the model was fitted in {unit_name(model_unit)}: "
                   f'its attrs["{UNIT_ATTR}"] is missing (merge, join, concat of different units, a CSV '
                   "round trip or a frame rebuilt from arrays drop it)", column=UNIT_ATTR,
            hint=f"pass time_unit= with the summary's unit (e.g. time_unit={model_unit!r}), or set "
                 f'summary.attrs["{UNIT_ATTR}"]')
    return model_unit, TIME_UNITS[own] / TIME_UNITS[model_unit]


def periods(t, t_unit: str | None, unit: str | None, model: str) -> float:
    """``t`` (in ``t_unit``, or already in ``unit`` when ``t_unit`` is None) in periods of ``unit``."""
    check_unit(t_unit, model, "t_unit")
    if t_unit is None or t_unit == unit:
        return t
    if unit is None:
        raise ModelInputError(model, f"t_unit={t_unit!r} was given, but neither the summary nor the model says "
                                     "which time unit it is in, so t cannot be converted", column=UNIT_ATTR,
                              hint="pass time_unit= with the summary's unit, or give t in the summary's unit")
    return t * TIME_UNITS[t_unit] / TIME_UNITS[unit]
