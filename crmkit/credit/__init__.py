"""Credit assessment (附表五 客户业绩统计及信用评估表) and at-risk customers (危险客户统计表).

>>> from crmkit import credit
>>> result = credit.assess(crm, as_of="2026-10-31")             # doctest: +SKIP
>>> result[["sales_total", "on_time_share", "collection_status", "rating", "suggested_limit", "at_risk"]]
>>> credit.explain(result, "000123", lang="en")                   # the rules that fired, in words
>>> credit.assess(crm, rules=credit.CreditRules(grace_days=3))    # your own thresholds
>>> credit.CreditRules().rule_table("zh")                         # the rule table, in Chinese

Per customer: sales by quarter, how they pay (days to pay, share paid on time, what they owe
against their credit limit), the collection status 良好/一般/较差/极坏, a rating A–D from a rule
table you can change, a suggested credit limit, and whether a warning about their business,
finances or signs of bankruptcy is recorded (``credit_facts``). A store opened for a rep
assesses that rep's book only. Modules: ``rules`` (the thresholds and why), ``payments`` (the
measures), ``facts`` (the warnings), ``rating`` (the rules applied), ``assess``, ``explain``.
"""

from .assess import assess, assess_tables
from .explain import explain
from .facts import active_warnings
from .payments import payment_behaviour
from .rules import COLLECTION_STATUSES, DEFAULT_RULES, RATINGS, CreditRules

__all__ = ["assess", "assess_tables", "explain", "CreditRules", "DEFAULT_RULES", "RATINGS", "COLLECTION_STATUSES",
           "payment_behaviour", "active_warnings"]
