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
from ..fonts import LANGS, axes_for
from .metrics import GRADES, calibration_table, expected_calibration_error, lift_by_grade

__all__ = ["plot_calibration", "plot_lift_by_grade", "plot_grade_distribution", "GRADE_COLORS"]

#: One colour per grade, hot to cold: O red, A orange, B blue, C grey.
GRADE_COLORS = {"O": "#d62728", "A": "#ff7f0e", "B": "#1f77b4", "C": "#9e9e9e"}

_TEXT = {
    "cal_title": ("预测概率校准（ECE = {e:.3f}）", "Calibration of predicted probabilities (ECE = {e:.3f})"),
    "cal_x": ("预测成交概率", "Predicted probability to close"),
    "cal_y": ("实际成交比例", "Observed close rate"),
    "perfect": ("完全校准", "Perfectly calibrated"),
    "model": ("模型", "Model"),
    "leads": ("线索数", "Leads"),
    "lift_title": ("各有望度等级的成交率与提升度", "Close rate and lift by grade"),
    "grade": ("有望度等级", "Grade"),
    "close_rate": ("成交率（%）", "Close rate (%)"),
    "overall": ("整体成交率 {r:.0%}", "Overall close rate {r:.0%}"),
    "bar": ("{r:.0%}｜提升 {l:.1f}倍\n{n} 条", "{r:.0%} | lift {l:.1f}x\n{n} leads"),
    "dist_title": ("各月有望度等级分布", "Grade distribution by month"),
    "month": ("月份", "Month"),
    "count": ("线索数", "Leads"),
    "share": ("占比（%）", "Share (%)"),
}


def _t(key: str, lang: str, **kw) -> str:
    return _TEXT[key][LANGS.index(lang)].format(**kw)



def plot_calibration(y, p, ax=None, lang: str = "zh", bins: int = 10):
    """Reliability diagram: observed close rate against mean predicted probability per bin.

    Points on the diagonal are well calibrated; marker size follows the number of leads, and a
    faint histogram at the bottom shows where the predictions fall. Returns the Axes.
    """
    table = calibration_table(y, p, bins)
    ece = expected_calibration_error(y, p, bins)
    fig, ax, created = axes_for(ax, lang)
    ax.plot([0, 1], [0, 1], linestyle="--", color="#777777", label=_t("perfect", lang))
    sizes = 20 + 200 * table["leads"] / table["leads"].max()
    ax.plot(table["predicted"], table["observed"], color="#1f77b4", marker="o", markersize=0, label=_t("model", lang))
    ax.scatter(table["predicted"], table["observed"], s=sizes, color="#1f77b4", zorder=3)
    share = table["leads"] / table["leads"].sum()
    ax.bar(table["lower"], share * 0.25, width=1.0 / bins, align="edge", color="#1f77b4", alpha=0.15,
           label=_t("leads", lang))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(_t("cal_x", lang))
    ax.set_ylabel(_t("cal_y", lang))
    ax.set_title(_t("cal_title", lang, e=ece))
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
            ax.annotate(_t("bar", lang, r=row["close_rate"], l=row["lift"], n=int(row["leads"])),
                        (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                        fontsize=9, xytext=(0, 2), textcoords="offset points")
    ax.axhline(overall * 100, color="#444444", linestyle="--", label=_t("overall", lang, r=overall))
    ax.set_ylim(0, max(100.0, float(rates.max()) * 1.25))
    ax.set_xlabel(_t("grade", lang))
    ax.set_ylabel(_t("close_rate", lang))
    ax.set_title(_t("lift_title", lang))
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
    ax.set_xlabel(_t("month", lang))
    ax.set_ylabel(_t("share" if normalize else "count", lang))
    ax.set_title(_t("dist_title", lang))
    ax.legend(title=_t("grade", lang), loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if created:
        fig.tight_layout()
    return ax
