"""How good were our forecasts (预测准不准): last quarter's forecasts against what happened.

The quarter is the three months ending with the report's month (``data.quarter_start`` to its
end); everything forecast was known on the day before it began, and nothing after that day was
used to make the forecast.

* Purchases: BG/NBD (the model of the CLV section) fitted on the orders up to the day before the
  quarter forecasts each customer's purchases (purchase days) in the quarter
  (``crmkit.value.holdout_validation``). Compared with what each did: in total, per customer
  (mean absolute error) and by how many repeat purchases customers had made before (0, 1, …, 7+),
  beside the naive forecast "as many as in the quarter before" (holdout's "last period").
* Grades: the intent cards open when the quarter began, with the O/A/B/C grade the rep had given
  them then (rebuilt from the store's history, as the funnel does), against the share won within
  30 days (what a grade promises: O over 75 % within a month, A over 50 %, B over 25 %, C less)
  and by the quarter's end. A grade is called off only when its cards' 95 % range (Wilson) lies
  outside the grade's band, so a handful of cards never condemns a grade. The close-likelihood
  model is not refitted for this (its training takes 10-50 s, a report's whole budget);
  ``crmkit.close.backtest(crm, cutoff=...)`` grades it the same way, without seeing the future.

A book with too few repeat buyers, no orders before the quarter, or too few open cards when it
began leaves the part out and says why.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from ... import value
from ...close.grades import DEFAULT_BANDS
from ...exceptions import CrmkitError, NoChurnWarning
from ...i18n import N_, translate
from . import colours
from .cards import GRADES, UNGRADED, month_cards_at
from .lifetime import MIN_REPEAT_BUYERS
from .section import Figure, Section, Table, section
from .segments import buyer_orders

#: Customers are grouped by their repeat purchases before the quarter, the last group open-ended.
TOP_FREQUENCY = 7
#: The purchase model and the naive forecast beside it (names of ``holdout_validation``'s columns).
MODEL, NAIVE = "BetaGeo", "last_period"
#: How close the total must come to count as right, and as roughly right.
TRUSTED_ERROR, ROUGH_ERROR = 0.10, 0.25
#: What a grade promises: won within this many days (the form's "within a month", the close model's horizon).
GRADE_HORIZON_DAYS = 30
#: Fewer cards open when the quarter began and the grades are not judged.
MIN_OPEN_CARDS = 20
#: The band of the chance to close each grade promises: O [0.75, 1], A [0.50, 0.75), B [0.25, 0.50), C below.
BANDS = {"O": (DEFAULT_BANDS["O"], 1.0), "A": (DEFAULT_BANDS["A"], DEFAULT_BANDS["O"]),
         "B": (DEFAULT_BANDS["B"], DEFAULT_BANDS["A"]), "C": (0.0, DEFAULT_BANDS["B"])}
# verdicts of a grade (shown translated)
AS_GRADED, TOO_HIGH, TOO_LOW = N_("as graded"), N_("won less often"), N_("won more often")


def calibration_end(data) -> pd.Timestamp:
    """The day before the quarter: the last day the forecasts may see (an ``as_of``)."""
    return data.quarter_start - pd.Timedelta(days=1)


def purchase_check(data) -> tuple[dict | None, str | None]:
    """Last quarter's purchase forecast against what happened: a dict of the numbers (see the
    section's ``data["purchases"]``), or None and the reason in the report's language."""
    say = data.prose
    cutoff = calibration_end(data)
    orders = buyer_orders(data)
    if not (orders["ordered_at"] < data.quarter_start).any():
        return None, translate("There are no orders before the quarter began ({day}), so there is no purchase "
                               "forecast to check.", say, day=cutoff.strftime("%Y-%m-%d"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoChurnWarning)  # the CLV section says it in words
            result = value.holdout_validation(orders, calibration_end=cutoff, observation_end=data.as_of,
                                              time_unit="W", models=[value.BetaGeo()])
    except (CrmkitError, ValueError) as error:
        return None, translate("The orders cannot be used for a purchase forecast ({reason}), so this part is left "
                               "out.", say, reason=str(error))
    customers = result.customers
    repeat = int((customers["frequency"] > 0).sum())
    if repeat < MIN_REPEAT_BUYERS:
        return None, translate("Only {n} customer(s) had bought more than once before the quarter; at least {need} "
                               "are needed to fit the purchase model, so the purchase forecast is not checked.", say,
                               n=repeat, need=MIN_REPEAT_BUYERS)
    if MODEL in result.failures:
        error = result.failures[MODEL]
        return None, translate("The purchase model (BG/NBD) cannot be fitted to the orders before the quarter "
                               "({reason}), so the purchase forecast is not checked.", say,
                               reason=getattr(error, "reason", str(error)))
    group = customers["frequency"].clip(upper=TOP_FREQUENCY).astype(int)
    by_frequency = customers.groupby(group).agg(customers=("frequency", "size"), forecast=(MODEL, "sum"),
                                                actual=("holdout_purchases", "sum"), naive=(NAIVE, "sum"))
    by_frequency.index.name = "frequency"
    errors = result.errors
    return {
        "calibration_end": cutoff, "customers": len(customers),
        "forecast": float(errors.loc[MODEL, "predicted"]), "actual": int(errors.loc[MODEL, "actual"]),
        "naive": float(errors.loc[NAIVE, "predicted"]),
        "error": float(errors.loc[MODEL, "total_error"]),
        "mae": float(errors.loc[MODEL, "mae"]), "naive_mae": float(errors.loc[NAIVE, "mae"]),
        "by_frequency": by_frequency, "per_customer": customers[["frequency", "holdout_purchases", MODEL, NAIVE]],
    }, None


def wilson(won: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval of a share ``won / n`` (95 % by default); (nan, nan) for n = 0.
    Unlike p ± z·se it stays inside [0, 1] and holds up for a handful of cards."""
    if n == 0:
        return math.nan, math.nan
    p = won / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # none or all won: the bound is exactly 0 or 1 (rounding would put it a hair inside, above the share)
    return (0.0 if won == 0 else max(0.0, centre - half)), (1.0 if won == n else min(1.0, centre + half))


def grade_check(data) -> tuple[pd.DataFrame | None, str | None]:
    """The cards open when the quarter began, by the grade they had then: ``cards``, ``won``
    (within ``GRADE_HORIZON_DAYS``), ``won_quarter`` (by the quarter's end), ``share``, its
    Wilson ``low``/``high``, the grade's band ``band_low``/``band_high`` and the ``verdict``;
    or None and the reason in the report's language."""
    say = data.prose
    begins = data.quarter_start
    cards = month_cards_at(data, begins)
    is_open = (cards["state"] == "open").to_numpy()
    if is_open.sum() < MIN_OPEN_CARDS:
        return None, translate("Only {n} intent card(s) were open when the quarter began; at least {need} are "
                               "needed to judge the grades, so this part is left out.", say,
                               n=int(is_open.sum()), need=MIN_OPEN_CARDS)
    cards = cards[is_open]
    status = data.opportunities.loc[cards.index, "status"].astype(object)
    closed = pd.to_datetime(cards["closed_at"])
    won_after = (status == "won") & (closed >= begins)
    won = won_after & (closed < begins + pd.Timedelta(days=GRADE_HORIZON_DAYS))
    won_quarter = won_after & (closed < data.end)
    rows = []
    for grade in (*GRADES, UNGRADED):
        mine = (cards["grade"] == grade).to_numpy()
        n, k = int(mine.sum()), int(won[mine].sum())
        if grade == UNGRADED and n == 0:
            continue
        low, high = wilson(k, n)
        band_low, band_high = BANDS.get(grade, (math.nan, math.nan))
        verdict = (None if n == 0 or grade == UNGRADED else TOO_HIGH if high < band_low
                   else TOO_LOW if low > band_high else AS_GRADED)
        rows.append({"grade": grade, "cards": n, "won": k, "won_quarter": int(won_quarter[mine].sum()),
                     "share": k / n if n else math.nan, "low": low, "high": high, "band_low": band_low,
                     "band_high": band_high, "verdict": verdict})
    return pd.DataFrame(rows).set_index("grade"), None


def _grade(grade: str, say: str) -> str:
    return translate("grade {g}", say, g=grade) if grade in GRADES else translate(grade, say)


def _band(grade: str, fmt, say: str) -> str:
    """What a grade promises, in words: "over 75%", "50%–75%", "under 25%"."""
    if grade not in BANDS:
        return "—"
    low, high = BANDS[grade]
    if high >= 1.0:
        return translate("over {p}", say, p=fmt.percent(low, 0))
    if low <= 0.0:
        return translate("under {p}", say, p=fmt.percent(high, 0))
    return translate("{low}–{high}", say, low=fmt.percent(low, 0), high=fmt.percent(high, 0))


def chance_spread(forecast: float) -> float:
    """How far the actual total may fall from a right forecast by chance alone: two standard
    deviations of a Poisson count (customers buy independently; their purchases vary at least as
    much as a Poisson count, so this is the least a small book swings)."""
    return 2.0 * math.sqrt(max(forecast, 0.0))


def _purchase_findings(p: dict, data) -> list[str]:
    fmt, say = data.fmt, data.prose
    fields = {"error": fmt.percent(abs(p["error"]), 0), "mae": f"{p['mae']:.2f}", "naive": f"{p['naive_mae']:.2f}",
              "chance": fmt.count(chance_spread(p["forecast"]))}
    if p["actual"] == 0:
        verdict = translate("The customers forecast made no purchase last quarter, so the purchase forecast cannot "
                            "be graded.", say)
    elif abs(p["error"]) <= TRUSTED_ERROR and p["mae"] <= p["naive_mae"]:
        verdict = translate("Purchase forecasts were within {error} of what happened last quarter, and closer for "
                            "each customer than the naive forecast: trust them.", say, **fields)
    elif abs(p["error"]) <= TRUSTED_ERROR:
        verdict = translate("Purchase forecasts were within {error} of what happened last quarter in total, but for "
                            "single customers no closer than the naive forecast: trust the totals, not the figure "
                            "of one customer.", say, **fields)
    elif abs(p["actual"] - p["forecast"]) <= chance_spread(p["forecast"]):
        verdict = translate("Purchase forecasts were off by {error} last quarter, no more than chance alone gives on "
                            "a book this size (about ±{chance} purchases): trust them, but expect swings of that "
                            "size.", say, **fields)
    elif abs(p["error"]) <= ROUGH_ERROR:
        verdict = translate("Purchase forecasts were off by {error} last quarter: use them as a rough guide only.",
                            say, **fields)
    else:
        verdict = translate("Purchase forecasts were off by {error} last quarter: do not rely on them for this book.",
                            say, **fields)
    return [
        verdict,
        translate("Fitted on the orders up to {day}, the purchase model expected {forecast} purchases in the quarter "
                  "from the {n} customers who had bought by then; they made {actual}.", say,
                  day=p["calibration_end"].strftime("%Y-%m-%d"), forecast=fmt.count(p["forecast"]),
                  n=fmt.count(p["customers"]), actual=fmt.count(p["actual"])),
        translate("Per customer the forecast was off by {mae} purchases on average; the naive forecast (as many as "
                  "in the quarter before) by {naive}.", say, **fields),
    ]


def _grade_findings(g: pd.DataFrame, data) -> list[str]:
    fmt, say = data.fmt, data.prose
    judged = g[g["verdict"].notna()]
    off = judged[judged["verdict"] != AS_GRADED]
    if off.empty:
        verdict = translate("The reps' O/A/B/C grades matched how often cards were won within a month: trust them.",
                            say)
    else:
        verdict = translate("Do not take the reps' grades at face value: within a month, {grades}.", say,
                            grades=translate(", ", say).join(
                                translate("{grade} cards were won {share} of the time (the grade says {band})", say,
                                          grade=_grade(grade, say), share=fmt.percent(row.share, 0),
                                          band=_band(grade, fmt, say))
                                for grade, row in off.iterrows()))
    n, won, quarter = int(g["cards"].sum()), int(g["won"].sum()), int(g["won_quarter"].sum())
    return [verdict,
            translate("{n} intent cards were open when the quarter began ({day}); {won} of them ({share}) were won "
                      "within {days} days, {quarter} by the quarter's end.", say, n=fmt.count(n),
                      day=data.quarter_start.strftime("%Y-%m-%d"), won=fmt.count(won), share=fmt.percent(fmt.ratio(won, n)),
                      days=GRADE_HORIZON_DAYS, quarter=fmt.count(quarter))]


@section(N_("How good were our forecasts"))
def forecast_accuracy(data) -> Section:
    """Last quarter's purchase forecast and the reps' grades, against what happened."""
    fmt, say = data.fmt, data.prose
    purchases, purchase_note = purchase_check(data)
    grades, grade_note = grade_check(data)
    notes = [n for n in (purchase_note, grade_note) if n]
    findings = [*(_purchase_findings(purchases, data) if purchases else []),
                *(_grade_findings(grades, data) if grades is not None else []), *notes]
    shown = {"purchases": purchases, "grades": grades, "notes": notes}
    if purchases is None and grades is None:
        return Section("", findings, data=shown)
    tables = []
    if purchases:
        f = purchases["by_frequency"]
        tables.append(Table(translate("purchases last quarter, by repeat purchases before it", data.lang), pd.DataFrame({
            translate("repeat purchases before", say): [f"{k}+" if k == TOP_FREQUENCY else str(k) for k in f.index],
            translate("customers", say): [fmt.count(v) for v in f["customers"]],
            translate("forecast", say): [fmt.count(v) for v in f["forecast"]],
            translate("actual", say): [fmt.count(v) for v in f["actual"]],
            translate("naive forecast", say): [fmt.count(v) for v in f["naive"]],
        }), note=translate("Purchases are days with an order. The naive forecast: as many as in the quarter before.",
                           say)))
    if grades is not None:
        tables.append(Table(translate("intent cards open when the quarter began, by the grade they had", data.lang),
                            pd.DataFrame({
            # "grade O" in one piece: a narrow first column would break it in two
            translate("grade", say): [_grade(g, say).replace(" ", "\u00a0") for g in grades.index],
            translate("cards", say): [fmt.count(v) for v in grades["cards"]],
            translate("the grade says", say): [_band(g, fmt, say) for g in grades.index],
            translate("won in {days} days", say, days=GRADE_HORIZON_DAYS): [fmt.percent(v, 0) for v in grades["share"]],
            translate("95% range", say): [translate("{low}–{high}", say, low=fmt.percent(lo, 0), high=fmt.percent(hi, 0))
                                         if n else "—" for lo, hi, n in zip(grades["low"], grades["high"], grades["cards"])],
            translate("won by quarter end", say): [fmt.percent(fmt.ratio(v, n), 0)
                                                  for v, n in zip(grades["won_quarter"], grades["cards"])],
            translate("verdict", say): [translate(v, say) if v else "—" for v in grades["verdict"]],
        }), note=translate("A grade is called off only when the whole 95% range of its cards lies outside what the grade "
                           "says.", say)))

    def draw(fig):
        axes = list(np.atleast_1d(fig.subplots(1, int(bool(purchases)) + int(grades is not None))))
        if purchases:
            _draw_purchases(axes.pop(0), purchases["by_frequency"], say)
        if grades is not None:
            _draw_grades(axes.pop(0), grades, say)

    figure = Figure(translate("Forecasts against what happened", say), draw, height=3.0, left=0.6, wspace=0.35)
    return Section("", findings, tables=tables, figures=[figure], data=shown)


def _draw_purchases(ax, f: pd.DataFrame, say: str) -> None:
    """Purchases per customer in the quarter by repeat purchases before it: actual bars, the
    forecast and the naive forecast as points."""
    x = np.arange(len(f))
    per = f[["forecast", "actual", "naive"]].div(f["customers"], axis=0)
    ax.bar(x, per["actual"], color="#c6dbef", label=translate("actual", say))
    ax.plot(x, per["forecast"], "o-", color=colours.PLAIN, label=translate("forecast", say))
    ax.plot(x, per["naive"], "s--", color="#999999", markersize=4, label=translate("naive forecast", say))
    ax.set_xticks(x, [f"{k}+" if k == TOP_FREQUENCY else str(k) for k in f.index])
    ax.set_xlabel(translate("repeat purchases before the quarter", say))
    ax.set_ylabel(translate("purchases per customer", say))
    ax.set_title(translate("Purchases last quarter", say))
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)


def _draw_grades(ax, g: pd.DataFrame, say: str) -> None:
    """Share won within the horizon per grade (with its 95 % range) over the band the grade promises."""
    g = g[g["cards"] > 0]
    x = np.arange(len(g))
    for i, grade in enumerate(g.index):
        if grade in BANDS:
            low, high = BANDS[grade]
            ax.fill_between([i - 0.4, i + 0.4], low, high, color="#e0e0e0", linewidth=0)
    share = g["share"].to_numpy()
    ax.bar(x, share, width=0.5, color=[colours.INTENT.get(k, "#c7c7c7") for k in g.index],
           yerr=np.clip([share - g["low"].to_numpy(), g["high"].to_numpy() - share], 0.0, None), capsize=3,
           ecolor="#555555")
    ax.set_xticks(x, [_grade(k, say) for k in g.index])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_ylabel(translate("won within {days} days", say, days=GRADE_HORIZON_DAYS))
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="#e0e0e0", label=translate("what the grade says", say))], frameon=False,
              fontsize=8, loc="upper right")
    ax.set_title(translate("Grades against what happened", say))
    ax.spines[["top", "right"]].set_visible(False)
