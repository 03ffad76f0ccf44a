"""The credit assessment (附表五 客户业绩统计及信用评估表), one row per customer.

>>> result = assess(crm, as_of="2026-10-31")                  # doctest: +SKIP
>>> result[["sales_4q", "on_time_share", "collection_status", "rating", "suggested_limit"]]   # doctest: +SKIP

:func:`assess` reads through the store, so a store opened for a rep assesses that rep's book
only; :func:`assess_tables` does the same work on DataFrames (crmkit's column names).
"""

from __future__ import annotations

import pandas as pd

from ..language import one_lang
from ..quarters import complete_quarters, quarter_label, quarter_sums
from ..timeframe import default_as_of, end_of, resolve_as_of
from .facts import active_warnings
from .payments import SETTLEMENT_COLUMNS, payment_behaviour
from .rating import collection_status, rate, utilisation
from .rules import DEFAULT_RULES, CreditRules

CUSTOMER_COLUMNS = ["name", "region", "owner", "payment_terms", "credit_limit"]
ORDER_COLUMNS = ["customer_id", "ordered_at", "amount"]
FACT_COLUMNS = ["customer_id", "recorded_at", "business_performance", "financial_condition", "bankruptcy_signs",
                "cleared_at"]

# what a customer without a settlement has: no bill judged, nothing owed (a real zero)
_ZERO_WITHOUT_SETTLEMENTS = ("settlements", "billed", "timing_unknown", "open_items", "outstanding", "overdue",
                             "oldest_overdue_days")


def assess(crm, *, as_of=None, rules: CreditRules | None = None, quarters: int = 4) -> pd.DataFrame:
    """Assess the credit of every customer the store's user sees, as of a day.

    ``as_of``: a calendar day (``crmkit.timeframe``; default the store's data date): orders,
    settlements and credit facts dated after it are not read. ``rules``: a :class:`CreditRules`
    (default ``DEFAULT_RULES``). ``quarters``: how many complete quarters of sales to show.
    Returns what :func:`assess_tables` returns.
    """
    day = resolve_as_of(as_of, crm)
    end = end_of(day)
    first = complete_quarters(day, quarters)[0].start_time
    customers = crm.customers(columns=CUSTOMER_COLUMNS)
    orders = crm.orders(columns=ORDER_COLUMNS, start=first, end=end)
    settlements = crm.settlements(columns=SETTLEMENT_COLUMNS, end=end)
    facts = crm.read("credit_facts", columns=FACT_COLUMNS, end=end)
    result = assess_tables(customers, orders, settlements, facts, as_of=day, rules=rules, quarters=quarters)
    result.attrs["lang"] = one_lang(None, crm)   # what explain() speaks unless told: the store's language
    return result


def assess_tables(customers: pd.DataFrame, orders: pd.DataFrame, settlements: pd.DataFrame,
                  credit_facts: pd.DataFrame | None = None, *, as_of=None, rules: CreditRules | None = None,
                  quarters: int = 4) -> pd.DataFrame:
    """The credit assessment of ``customers`` (every one, prospects too), indexed by customer_id.

    Columns (typed): ``name``, ``region``, ``owner``, ``payment_terms``; ``sales_<quarter>`` for
    each of the last ``quarters`` complete quarters (e.g. ``sales_2026Q3``) and ``sales_total``;
    the payment measures of :mod:`crmkit.credit.payments` (``settlements``, ``billed``,
    ``days_to_pay``, ``days_late``, ``on_time_share``, ``timing_unknown``, ``open_items``,
    ``outstanding``, ``overdue``, ``oldest_overdue_days``); ``credit_limit``, ``utilisation``
    (owed ÷ limit) and ``utilisation_note`` (why it is NaN: ``no_credit_limit``,
    ``zero_credit_limit``); ``collection_status`` (good/fair/poor/very_bad: 良好/一般/较差/极坏);
    ``rating`` (A–D, NA when not rated), ``rating_rules`` (the codes of the rules that fired,
    worst first), ``monthly_billing`` and ``suggested_limit``; ``at_risk`` (危险客户: an active
    warning is recorded) with each aspect's newest warning and its day, and ``risk_since``.

    ``attrs``: ``as_of``, ``rules`` (the :class:`CreditRules` used) and ``quarters`` (labels).
    Every amount is in the store's currency and every threshold a share or a number of days, so
    the ratings do not depend on the currency unit.
    """
    rules = DEFAULT_RULES if rules is None else rules
    if not isinstance(rules, CreditRules):
        raise TypeError(f"rules must be a crmkit.credit.CreditRules, not {type(rules).__name__}")
    if as_of is None:
        day = default_as_of({"orders": orders, "settlements": settlements})
    else:
        day = resolve_as_of(as_of, None)
    index = pd.Index(customers["customer_id"].astype(str), name="customer_id")
    if not index.is_unique:
        raise ValueError(f"customer ids repeat in customers: {sorted(set(index[index.duplicated()]))[:10]}")
    out = pd.DataFrame(index=index)
    for col in ("name", "region", "owner", "payment_terms"):
        if col in customers:
            out[col] = customers[col].to_numpy()
    out = out.astype({c: customers[c].dtype for c in out.columns})

    periods = complete_quarters(day, quarters)
    labels = [quarter_label(p) for p in periods]
    sums = quarter_sums(orders, periods, key="customer_id", date="ordered_at", values=["amount"])["amount"]
    wide = sums.unstack("quarter").reindex(index=index, columns=periods)
    for period, label in zip(periods, labels):
        out[f"sales_{label}"] = wide[period].fillna(0.0).astype("Float64")
    out["sales_total"] = out[[f"sales_{label}" for label in labels]].sum(axis=1).astype("Float64")

    pay = payment_behaviour(settlements, day, rules).reindex(index)
    any_settlement = pay["settlements"].notna().to_numpy()  # billed at least once by as_of
    for col in pay.columns:
        out[col] = pay[col].fillna(0) if col in _ZERO_WITHOUT_SETTLEMENTS else pay[col]
    limit = customers.set_index(index)["credit_limit"].astype("Float64") if "credit_limit" in customers else \
        pd.Series(pd.NA, index=index, dtype="Float64")
    out["credit_limit"] = limit
    out["utilisation"], out["utilisation_note"] = utilisation(out["outstanding"], limit)
    out["collection_status"] = collection_status(out["oldest_overdue_days"], out["days_late"], out["settlements"],
                                                 rules)
    warnings = active_warnings(credit_facts, day).reindex(index)
    measures = out.join(warnings).assign(any_settlement=any_settlement)
    out = out.join(rate(measures, rules))
    out["at_risk"] = warnings["warnings"].fillna(0).gt(0).astype("boolean")
    out = out.join(warnings.drop(columns="warnings"))
    out = out.drop(columns=["billing_months"])
    out.attrs.update(as_of=day, rules=rules, quarters=labels)
    return out
