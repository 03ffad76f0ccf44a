"""Likelihood to close: O/A/B/C grades, leak-free features, a calibrated model, follow-up plans.

>>> from crmkit import close
>>> X = close.opportunity_features(crm, as_of="2026-09-30")      # one row per card open at the end of that day
>>> result = close.backtest(crm, cutoff="2026-07-31")            # crmkit vs the reps' grades vs Odoo-style NB
>>> scored = close.score_open_opportunities(crm)                  # probability and O/A/B/C of each open card
>>> close.explain(scored.model, close.model_inputs(scored.features).head())  # the factors behind them
>>> close.followups(crm, as_of="2026-09-30")                     # who to contact, overdue first
>>> close.lost_analysis(crm, start="2026-01-01")                 # 意向客户流失分析

``as_of`` (and a backtest's ``cutoff``) is a calendar day, keyword-only: what is dated on or
before it is known (``crmkit.timeframe``); by default the store's data date.

Modules: ``grades``, ``features``, ``model``, ``screening`` (id-like and leaking columns),
``placeholders`` ("Select", "请选择" as empty cells), ``baselines`` (the reps' grade, Odoo-style
naive Bayes), ``metrics``, ``backtest``, ``scoring``, ``explain``, ``followups``, ``lost``, ``plots``.
"""

from typing import TYPE_CHECKING

from .._lazy import attach
from .backtest import BacktestResult, backtest, model_inputs, training_snapshots, won_within
from .explain import explain
from .features import features_from_tables, opportunity_features
from .followups import DEFAULT_CADENCE, followups, plan_followups
from .grades import DEFAULT_BANDS, grade
from .lost import lost_analysis
from .metrics import calibration_table, expected_calibration_error, lift_by_grade
from .plots import plot_calibration, plot_grade_distribution, plot_lift_by_grade
from .scoring import Scored, score_open_opportunities

# The two modules that import scikit-learn load on first use, so that the report, the lead
# board's first paint and anyone needing only grades or features do not wait for it. (A name
# like its module's, ``backtest``, cannot be lazy: ``attach`` explains why and refuses it.)
__getattr__, __dir__ = attach(__name__, {
    "model": ["CloseLikelihoodModel", "fit_from_frame"],
    "baselines": ["HandGradeBaseline", "OdooNaiveBayes"],
})

if TYPE_CHECKING:
    from .baselines import HandGradeBaseline, OdooNaiveBayes
    from .model import CloseLikelihoodModel, fit_from_frame

__all__ = [
    "grade", "DEFAULT_BANDS", "opportunity_features", "features_from_tables",
    "CloseLikelihoodModel", "fit_from_frame", "explain",
    "score_open_opportunities", "Scored",
    "backtest", "BacktestResult", "training_snapshots", "won_within", "model_inputs",
    "OdooNaiveBayes", "HandGradeBaseline",
    "expected_calibration_error", "calibration_table", "lift_by_grade",
    "followups", "plan_followups", "DEFAULT_CADENCE", "lost_analysis",
    "plot_calibration", "plot_lift_by_grade", "plot_grade_distribution",
]
