"""Charts of close likelihood: reliability diagram, close rate and lift per grade, grades over time.

Each function takes the data first, draws on ``ax`` (a new figure when None) and returns the
Axes. Labels are Chinese by default (``lang="zh"``) or English (``lang="en"``); a CJK font is set
up with ``crmkit.fonts.use_cjk_font``. Grades keep one colour everywhere (``GRADE_COLORS``).

>>> from crmkit.close.plots import plot_calibration     # doctest: +SKIP
>>> ax = plot_calibration(y_test, model.predict_proba(X_test)[:, 1])   # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import ValueInputError
from ..fonts import axes_for
from ..i18n import translate
from .metrics import GRADES, calibration_table, expected_calibration_error, lift_by_grade

__all__ = ["plot_calibration", "plot_lift_by_grade", "plot_grade_distribution", "GRADE_COLORS"]

#: One colour per grade, hot to cold: O red, A orange, B blue, C grey.
GRADE_COLORS = {"O": "#d62728", "A": "#ff7f0e", "B": "#1f77b4", "C": "#9e9e9e"}


def plot_calibration(y, p, ax=None, lang: str = "zh", bins: int = 10):
    """Reliability diagram: observed close rate against mean predicted probability per bin.

    Points on the diagonal are well calibrated; marker size follows the number of leads, and a
    faint histogram at the bottom shows where the predictions fall. Returns the Axes.
    """
    table = calibration_table(y, p, bins)
    ece = expected_calibration_error(y, p, bins)
    fig, ax, created = axes_for(ax, lang)
    ax.plot([0, 1], [0, 1], linestyle="--", color="#777777", label=translate("Perfectly calibrated", lang))
    sizes = 20 + 200 * table["leads"] / table["leads"].max()
    ax.plot(table["predicted"], table["observed"], color="#1f77b4", marker="o", markersize=0,
            label=translate("Model", lang))
    ax.scatter(table["predicted"], table["observed"], s=sizes, color="#1f77b4", zorder=3)
    share = table["leads"] / table["leads"].sum()
    ax.bar(table["lower"], share * 0.25, width=1.0 / bins, align="edge", color="#1f77b4", alpha=0.15,
           label=translate("Leads", lang))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(translate("Predicted probability to close", lang))
    ax.set_ylabel(translate("Observed close rate", lang))
    ax.set_title(translate("Calibration of predicted probabilities (ECE = {e:.3f})", lang, e=ece))
    ax.legend(loc="upper left")
    if created:
        fig.tight_layout()
    return ax


def plot_lift_by_grade(y, p, ax=None, lang: str = "zh"):
    """Bars of the close rate per grade O/A/B/C with lift labels and the overall close rate.

    ``p`` is probabilities or the grades themselves (see ``lift_by_grade``). Returns the Axes.
    """
    table = lift_by_grade(y, p)
    overall = float(table["won"].sum() / max(table["leads"].sum(), 1))
    fig, ax, created = axes_for(ax, lang)
    rates = table["close_rate"].fillna(0) * 100
    bars = ax.bar(list(GRADES), rates, color=[GRADE_COLORS[g] for g in GRADES])
    for bar, (_, row) in zip(bars, table.iterrows()):
        if row["leads"] > 0:
            ax.annotate(translate("{r:.0%} | lift {l:.1f}x\n{n} leads", lang, r=row["close_rate"], l=row["lift"],
                                  n=int(row["leads"])),
                        (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                        fontsize=9, xytext=(0, 2), textcoords="offset points")
    ax.axhline(overall * 100, color="#444444", linestyle="--",
               label=translate("Overall close rate {r:.0%}", lang, r=overall))
    ax.set_ylim(0, max(100.0, float(rates.max()) * 1.25))
    ax.set_xlabel(translate("Grade", lang))
    ax.set_ylabel(translate("Close rate (%)", lang))
    ax.set_title(translate("Close rate and lift by grade", lang))
    ax.legend(loc="upper right")
    if created:
        fig.tight_layout()
    return ax


def _pick(frame: pd.DataFrame, given, test, what: str) -> str:
    if given is not None:
        if given not in frame.columns:
            raise ValueInputError(f"{what} column not in the frame", given)
        return given
    found = [c for c in frame.columns if test(frame[c])]
    if not found:
        raise ValueInputError(f"no {what} column found; name it with {what}=", what)
    return found[0]


def plot_grade_distribution(frame: pd.DataFrame, ax=None, lang: str = "zh", date=None, grade=None,
                            normalize: bool = False):
    """Leads per grade per month, stacked O (bottom) to C (top).

    ``frame`` holds a date column and a grade column (O/A/B/C letters, or probabilities which are
    graded); by default the first datetime column and a column named like "grade" are used.
    ``normalize=True`` shows each month's shares instead of counts. Returns the Axes.
    """
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise ValueInputError("need a non-empty frame of dates and grades", "frame")
    date = _pick(frame, date, lambda c: pd.api.types.is_datetime64_any_dtype(c.dtype), "date")
    grade = _pick(frame, grade, lambda c: "grade" in str(c.name).lower() or "等级" in str(c.name), "grade")
    values = frame[grade]
    if pd.api.types.is_numeric_dtype(values.dtype):
        from .metrics import _grades

        grades = _grades(values.to_numpy(dtype=float)).to_numpy()
    else:
        grades = values.astype("string").str.strip().str.upper().to_numpy(dtype=object, na_value=None)
    dates = pd.to_datetime(frame[date], errors="coerce")
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_convert(None)
    data = pd.DataFrame({"month": dates.dt.to_period("M"), "grade": grades}).dropna()
    data = data[data["grade"].isin(GRADES)]
    counts = pd.crosstab(data["month"], data["grade"]).reindex(columns=list(GRADES), fill_value=0).sort_index()
    if normalize:
        counts = counts.div(counts.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0) * 100
    fig, ax, created = axes_for(ax, lang, figsize=(max(8, 0.5 * len(counts) + 4), 5))
    x = np.arange(len(counts))
    bottom = np.zeros(len(counts))
    for g in GRADES:
        ax.bar(x, counts[g].to_numpy(), bottom=bottom, color=GRADE_COLORS[g], label=g, width=0.8)
        bottom += counts[g].to_numpy()
    ax.set_xticks(x)
    ax.set_xticklabels([str(m) for m in counts.index], rotation=45 if len(counts) > 6 else 0, ha="right"
                       if len(counts) > 6 else "center")
    ax.set_xlabel(translate("Month", lang))
    ax.set_ylabel(translate("Share (%)", lang) if normalize else translate("Leads", lang))
    ax.set_title(translate("Grade distribution by month", lang))
    ax.legend(title=translate("Grade", lang), loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if created:
        fig.tight_layout()
    return ax
