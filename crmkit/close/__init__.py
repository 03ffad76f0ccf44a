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

# Each public name and the module it lives in. They load on first use, so that a caller who
# needs one light piece (the grade bands, the lost-prospect tables) does not pay for
# scikit-learn, which the model modules import.
_LAZY = {
    "backtest": "backtest", "BacktestResult": "backtest", "model_inputs": "backtest",
    "training_snapshots": "backtest", "won_within": "backtest",
    "HandGradeBaseline": "baselines", "OdooNaiveBayes": "baselines",
    "explain": "explain",
    "features_from_tables": "features", "opportunity_features": "features",
    "DEFAULT_CADENCE": "followups", "followups": "followups", "plan_followups": "followups",
    "DEFAULT_BANDS": "grades", "grade": "grades",
    "lost_analysis": "lost",
    "calibration_table": "metrics", "expected_calibration_error": "metrics", "lift_by_grade": "metrics",
    "CloseLikelihoodModel": "model", "fit_from_frame": "model",
    "plot_calibration": "plots", "plot_grade_distribution": "plots", "plot_lift_by_grade": "plots",
    "Scored": "scoring", "score_open_opportunities": "scoring",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # look it up once
        return value
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
