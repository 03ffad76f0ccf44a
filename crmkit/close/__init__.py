"""Likelihood to close: O/A/B/C grades, leak-free features, a calibrated model, follow-up plans.

>>> from crmkit import close
>>> X = close.opportunity_features(crm, as_of="2026-10-01")      # one row per open opportunity
>>> result = close.backtest(crm, cutoff="2026-08-01")            # crmkit vs the reps' grades vs Odoo-style NB
>>> scored = close.score_open_opportunities(crm)                  # probability and O/A/B/C of each open card
>>> close.explain(scored.model, close.model_inputs(scored.features).head())  # the factors behind them
>>> close.followups(crm, as_of="2026-10-01")                     # who to contact, overdue first
>>> close.lost_analysis(crm, start="2026-01-01")                 # 意向客户流失分析

Modules: ``grades``, ``features``, ``model``, ``baselines`` (the reps' grade, Odoo-style naive
Bayes), ``metrics``, ``backtest``, ``scoring``, ``explain``, ``followups``, ``lost``, ``plots``.
"""

from importlib import import_module

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
# board's first paint and anyone needing only grades or features do not wait for it. (Only
# names unlike their module's can be lazy: importing a submodule sets the package attribute
# of its own name, which would hide a lazy function called, say, ``backtest``.)
_LAZY = {
    "CloseLikelihoodModel": "model", "fit_from_frame": "model",
    "HandGradeBaseline": "baselines", "OdooNaiveBayes": "baselines",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "grade", "DEFAULT_BANDS", "opportunity_features", "features_from_tables",
    "CloseLikelihoodModel", "fit_from_frame", "explain",
    "score_open_opportunities", "Scored", "backtest", "BacktestResult", "training_snapshots", "won_within", "model_inputs",
    "OdooNaiveBayes", "HandGradeBaseline",
    "expected_calibration_error", "calibration_table", "lift_by_grade",
    "followups", "plan_followups", "DEFAULT_CADENCE", "lost_analysis",
    "plot_calibration", "plot_lift_by_grade", "plot_grade_distribution",
]
