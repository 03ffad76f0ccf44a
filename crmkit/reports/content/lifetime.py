"""Customer lifetime value outlook (客户终身价值): BG/NBD + Gamma-Gamma fitted on the orders up
to the month's end, 12 months ahead at 1 % a month (``crmkit.value``; about a second at 1M).

The book's total is stated with a 95 % interval: ``crmkit.value.clv_interval``, a bootstrap over
customers (both models refitted on each resample of the customers, seeded, so the report
reproduces byte for byte). It covers the uncertainty of the models' parameters, which are
estimated from these customers, not changes in how customers behave. Each refit costs about
as much as the fits themselves, so a big book gets fewer draws (``interval_draws``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ... import value
from ...exceptions import ConvergenceError, CrmkitError, ModelInputError, NoChurnWarning
from ...i18n import N_, translate
from . import colours
from .section import Figure, Section, Table, section
from ...value.money import REPEAT_MEAN_COLUMN
from ...value.rfm import SUMMARY_COLUMNS
from .segments import buyer_orders, month_end_segments, segment_labels

#: CLV horizon (months) and monthly discount rate.
HORIZON_MONTHS = 12
DISCOUNT_RATE = 0.01
TOP = 10
#: The interval of the book's value: its level, the bootstrap's seed, and its draws for a book of
#: up to ``FULL_DRAWS_UP_TO`` customers; a bigger book gets ``DRAW_BUDGET // customers`` draws
#: (at least ``MIN_DRAWS``): about 3 s on this project's machine whatever the size (a draw costs
#: ~1.8 µs a customer), the bounds a little rougher where the range is narrow anyway.
INTERVAL_LEVEL = 0.95
INTERVAL_SEED = 0
FULL_DRAWS, FULL_DRAWS_UP_TO, DRAW_BUDGET, MIN_DRAWS = 100, 20_000, 2_000_000, 20
#: Fewer repeat buyers than this and the section does not fit the models (a report's outlook
#: should not rest on a handful of people).
MIN_REPEAT_BUYERS = 20


def interval_draws(n_customers: int) -> int:
    """Bootstrap draws of the book's value interval for a book of ``n_customers`` (see above)."""
    if n_customers <= FULL_DRAWS_UP_TO:
        return FULL_DRAWS
    return max(MIN_DRAWS, DRAW_BUDGET // n_customers)


def lifetime_values(data) -> tuple[pd.DataFrame | None, list[str], tuple | None]:
    """CLV, P(alive) and RFM segment per buyer at the month's end, the notes the section
    shows about the models (in the report's language): why there are no values (too few repeat buyers, a fit
    that failed and how), or how they were made (the no-churn boundary); and the fitted
    ``(bg, gg, summary)`` (None without values)."""
    say = data.prose
    segments = month_end_segments(data)
    summary = segments[list(SUMMARY_COLUMNS)]  # keeps attrs: the summary's time unit
    repeat = summary[(summary["frequency"] > 0) & (summary[REPEAT_MEAN_COLUMN] > 0)]
    if len(repeat) < MIN_REPEAT_BUYERS:
        return None, [translate("Only {n} customer(s) bought more than once by the month's end; at least {need} are "
                                "needed to fit the purchase and spend models, so this section is left out.", say,
                                n=len(repeat), need=MIN_REPEAT_BUYERS)], None
    notes = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoChurnWarning)  # said in the section's own words below
            bg = value.BetaGeo().fit(summary)
    except ConvergenceError as error:
        return None, [translate("The purchase model (BG/NBD) cannot be fitted to these orders ({reason}), so this "
                                "section is left out.", say, reason=error.reason)], None
    except (CrmkitError, ValueError) as error:
        return None, [translate("The orders cannot be used for the purchase model ({reason}), so this section is "
                                "left out.", say, reason=str(error))], None
    if bg.no_churn_:
        notes.append(translate("No customer in these orders shows signs of having stopped buying, so the purchase "
                               "model is fitted at its no-churn limit: every customer counts as still active, and "
                               "the outlook rests on each customer's buying rate alone.", say))
    try:
        gg = value.GammaGamma().fit(repeat)
    except ConvergenceError as error:
        if error.params.get("q", np.inf) <= 1:
            return None, [translate("Spend per order differs so much between customers that the spend model "
                                    "(Gamma-Gamma) has no finite mean (look for bulk or test orders), so this "
                                    "section is left out.", say)], None
        return None, [translate("The spend model (Gamma-Gamma) cannot be fitted to these orders ({reason}), so "
                                "this section is left out.", say, reason=error.reason)], None
    except (ModelInputError, CrmkitError, ValueError) as error:
        return None, [translate("The orders cannot be used for the spend model ({reason}), so this section is left "
                                "out.", say, reason=str(error))], None
    out = pd.DataFrame(index=summary.index)
    out["clv"] = value.customer_lifetime_value(bg, gg, summary, months=HORIZON_MONTHS, discount_rate=DISCOUNT_RATE)
    out["p_alive"] = bg.probability_alive(summary)
    out["segment"] = segments["segment"].astype(object)
    return out, notes, (bg, gg, summary)


def book_value_interval(models, say: str) -> tuple[object | None, str]:
    """``value.clv_interval`` of the book (an ``Interval``, or None when the resamples cannot be
    fitted) and the sentence that says how it was made, or why there is none."""
    bg, gg, summary = models
    draws = interval_draws(len(summary))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoChurnWarning)
            interval = value.clv_interval(bg, gg, summary, months=HORIZON_MONTHS, discount_rate=DISCOUNT_RATE,
                                          n_boot=draws, level=INTERVAL_LEVEL, seed=INTERVAL_SEED)
    except (CrmkitError, ValueError) as error:
        return None, translate("No range is given for the total: the models could not be refitted on resamples of "
                               "the customers ({reason}).", say, reason=getattr(error, "reason", str(error)))
    return interval, translate("The range is a {level:.0%} interval: both models were refitted on {draws} resamples "
                               "of the customers (a bootstrap, seed {seed}). It shows how far the total could be off "
                               "because the models are estimated from these customers; it does not cover changes in "
                               "how customers behave.", say, level=INTERVAL_LEVEL, draws=draws, seed=INTERVAL_SEED)


@section(N_("Customer lifetime value outlook"))
def clv(data) -> Section:
    """Expected value of every buyer over the next 12 months, by segment, and the top customers."""
    fmt, say = data.fmt, data.prose
    if buyer_orders(data).empty:
        values, notes = None, [translate("There are no orders by the month's end, so this section is left out.", say)]
    else:
        values, notes, models = lifetime_values(data)
    if values is None:
        return Section("", notes, data={"total": np.nan, "notes": notes, "interval": None})
    labels = segment_labels(say)
    total = float(values["clv"].sum())
    interval, how = book_value_interval(models, say)
    stated = (fmt.money_range(interval.estimate, interval.lower, interval.upper) if interval is not None
              else fmt.money_range(total, None, None))
    ranked = values.sort_values("clv", ascending=False)
    top_decile = ranked["clv"].head(max(len(ranked) // 10, 1)).sum()
    by_segment = values.groupby("segment").agg(customers=("clv", "size"), clv=("clv", "sum"), mean=("clv", "mean"),
                                               alive=("p_alive", "mean")).sort_values("clv", ascending=False)
    fading = int(((values["p_alive"] < 0.5) & (values["clv"] >= values["clv"].quantile(0.75))).sum())
    findings = [
        translate("{months}-month value of the book: {value}.", say, months=HORIZON_MONTHS, value=stated),
        translate("From their purchases up to the month's end, {n} customers are expected to be worth {total} over the "
                  "next {months} months (discounted {rate:.0%} a month); the top tenth of them hold {share}.", say,
                  n=fmt.count(len(values)), total=fmt.money(total), months=HORIZON_MONTHS, rate=DISCOUNT_RATE,
                  share=fmt.percent(fmt.ratio(top_decile, total))),
        translate("The segment expected to be worth most is {segment} ({value}, {mean} a customer).", say,
                  segment=labels.get(by_segment.index[0], by_segment.index[0]),
                  value=fmt.money(by_segment["clv"].iloc[0]), mean=fmt.money(by_segment["mean"].iloc[0])),
        (translate("{n} customers in the top quarter by expected value are less than 50 % likely to be still active: "
                   "call them first.", say, n=fmt.count(fading)) if fading
         else translate("Every customer in the top quarter by expected value is more than 50 % likely to be still "
                        "active.", say)),
        *notes,
        how,
    ]
    names = data.customers.set_index(data.customers["customer_id"].astype(str))
    top = ranked.head(TOP)
    ids = top.index.astype(str)
    top_table = pd.DataFrame({
        translate("customer ID", say): ids,
        translate("customer name", say): names["name"].reindex(ids).astype(object).to_numpy(),
        translate("value segment", say): [labels.get(s, s) for s in top["segment"]],
        translate("chance still active", say): [fmt.percent(v) for v in top["p_alive"]],
        translate("expected value, next {months} months", say, months=HORIZON_MONTHS): [fmt.money(v) for v in top["clv"]],
    })
    seg_table = pd.DataFrame({
        translate("value segment", say): [labels.get(s, s) for s in by_segment.index],
        translate("customers", say): [fmt.count(v) for v in by_segment["customers"]],
        translate("expected value", say): [fmt.money(v) for v in by_segment["clv"]],
        translate("per customer", say): [fmt.money(v) for v in by_segment["mean"]],
        translate("mean chance still active", say): [fmt.percent(v) for v in by_segment["alive"]],
    })
    divisor, unit = fmt.money_unit(float(by_segment["clv"].abs().max()))

    def draw(fig):
        ax = fig.subplots()
        shown = by_segment["clv"][::-1] / divisor
        ax.barh([labels.get(s, s) for s in shown.index], shown.to_numpy(),
                color=[colours.SEGMENT.get(s, "#c7c7c7") for s in shown.index])
        ax.set_xlabel(translate("expected value, next {months} months ({unit})", say, months=HORIZON_MONTHS, unit=unit))
        ax.set_title(translate("Expected value by segment", say))
        ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings, tables=[Table(translate("CLV by segment", data.lang), seg_table),
                                         Table(translate("top CLV", data.lang), top_table)],
                   figures=[Figure(translate("Expected value by segment", say), draw, height=3.0,
                                  left=1.1 if say != "en" else 1.45)],  # English names are longer
                   data={"total": total, "values": values, "by_segment": by_segment, "notes": notes,
                         "interval": interval})
