"""Segment customers by value: RFM, value grades, ABC, clusters, lifetime value.

Everything works on plain DataFrames (orders with ``customer_id``, ``ordered_at``, ``amount``
and, for profit, ``gross_margin``), whether they come from ``crm.orders()`` or elsewhere.

>>> from crmkit import value
>>> summary = value.rfm_summary(orders, as_of="2026-10-31", time_unit="W")  # frequency, recency, T, repeat_mean_value, total_value
>>> summary.attrs["time_unit"]                                          # the unit travels with the summary
'W'
>>> segments = value.rfm_segments(summary)                              # R, F, M, rfm_score, segment
>>> bg = value.BetaGeo().fit(summary)
>>> gg = value.GammaGamma().fit(summary[summary["frequency"] > 0])
>>> clv = value.customer_lifetime_value(bg, gg, summary, months=12)
>>> grades = value.value_grades(orders, clv=clv)                        # score and A–E value_grade

``as_of`` is a calendar day everywhere, keyword-only: orders dated on or before it count (see
``crmkit.timeframe``); without it, the day of the newest order.

Units and conventions travel with the data: ``rfm_summary`` writes its time unit into
``summary.attrs["time_unit"]``; the models remember the unit they were fitted in
(``bg.time_unit_``), convert summaries in another unit, and refuse to guess where pandas
dropped it (``crmkit.value.units``). Money comes in two columns (``crmkit.value.money``):
``repeat_mean_value``, the mean of the repeat purchases that Gamma-Gamma reads (lifetimes'
``monetary_value``, which the models accept in a lifetimes summary), and ``total_value``, all
purchases, which RFM's M and the k-means clusters use.

Modules: ``units`` (time units of a summary), ``money`` (the summary's money columns), ``rfm``
(summary and RFM segments), ``grades`` (value grades, ABC), ``bgnbd`` and ``gammagamma`` (the
models; ``paretonbd``, ``mbgnbd`` and ``bgbb`` for Pareto/NBD, MBG/NBD and discrete-time BG/BB,
``opportunities`` for BG/BB's per-period summary of an order log),
``holdout`` and ``holdout_plots`` (calibration/holdout validation, ``select_model``), ``intervals``
(bootstrap intervals of CLV and expected purchases), ``lifetime_value`` (CLV), ``clusters``
(k-means), ``migration`` (segment moves between two dates), ``plots``.
"""

from .bgbb import BetaGeoBetaBinom
from .bgnbd import BetaGeo
from .clusters import ClusterResult, choose_k, kmeans_segments
from .gammagamma import GammaGamma
from .grades import abc, grade_from_score, value_grades
from .holdout import HoldoutResult, ModelChoice, holdout_validation, select_model
from .holdout_plots import plot_holdout_by_frequency, plot_holdout_tracking
from .intervals import Interval, clv_interval, expected_purchases_interval
from .lifetime_value import customer_lifetime_value
from .mbgnbd import ModifiedBetaGeo
from .opportunities import PERIODS, opportunity_summary
from .migration import segment_migration
from .paretonbd import ParetoNBD
from .plots import (
                    plot_frequency_recency_matrix,
                    plot_migration,
                    plot_pareto,
                    plot_probability_alive_matrix,
                    plot_segment_sizes,
)
from .rfm import SEGMENT_RULES, describe_rules, rfm_segments, rfm_summary

__all__ = [
    "rfm_summary", "rfm_segments", "SEGMENT_RULES", "describe_rules",
    "value_grades", "grade_from_score", "abc",
    "BetaGeo", "GammaGamma", "customer_lifetime_value",
    "ParetoNBD", "ModifiedBetaGeo", "BetaGeoBetaBinom", "opportunity_summary", "PERIODS",
    "holdout_validation", "select_model", "HoldoutResult", "ModelChoice",
    "plot_holdout_by_frequency", "plot_holdout_tracking",
    "clv_interval", "expected_purchases_interval", "Interval",
    "kmeans_segments", "choose_k", "ClusterResult",
    "segment_migration",
    "plot_frequency_recency_matrix", "plot_probability_alive_matrix", "plot_segment_sizes",
    "plot_migration", "plot_pareto",
]
