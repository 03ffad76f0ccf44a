"""What the account one-pager reads and works out for one customer (``load_account``).

The customer's record, its newest account plan with its parts and the KPIs' actuals
(``crmkit.plan_metrics``), its orders by quarter, recent interactions and open cards, and its
value: the grade on its record, the value assessment's grade (``value.value_grades`` over every
customer) and its 12-month CLV (BG/NBD + Gamma-Gamma fitted on every customer's orders up to
``as_of``: one account's orders are too few to fit a model on). Everything is read through the
store, as of ``as_of`` (default: the store's data date). No sensitive profile fact is read.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import pandas as pd

from .. import plan_metrics, value
from ..exceptions import CrmkitError, NoChurnWarning, ReportParameterError
from ..timeframe import end_of, resolve_as_of
from .content.formatting import DEFAULT_CURRENCY, REPORT_LANGS, ReportLanguage, check_currency
from .content.section import timed

#: The CLV horizon (months) and monthly discount rate, as the monthly report uses them.
HORIZON_MONTHS, DISCOUNT_RATE = 12, 0.01
#: Quarters of order history shown, interactions listed.
QUARTERS, RECENT_INTERACTIONS = 8, 4
#: Fewer repeat buyers in the store than this and no CLV is given (as in the monthly report).
MIN_REPEAT_BUYERS = 20


@dataclass
class AccountData(ReportLanguage):
    """One account as the one-pager shows it (frames typed as ``crm.read`` returns them)."""

    customer_id: str
    as_of: pd.Timestamp
    customer: dict
    plan: dict | None
    swot: pd.DataFrame
    goals: pd.DataFrame
    milestones: pd.DataFrame
    kpis: pd.DataFrame  # the plan's KPIs with actual, progress and score (plan_metrics)
    orders: pd.DataFrame
    interactions: pd.DataFrame
    opportunities: pd.DataFrame
    contacts: pd.DataFrame
    assessed_grade: str | None = None
    clv: float | None = None
    clv_note: str = ""
    show_personal_data: bool = False
    lang: str = "zh+en"
    currency: str = DEFAULT_CURRENCY
    timings: dict = field(default_factory=dict)

    @property
    def open_cards(self) -> pd.DataFrame:
        o = self.opportunities
        return o[o["status"].astype(object) == "open"].sort_values(["expected_close", "opportunity_id"])

    @property
    def plan_score(self) -> float | None:
        """The plan's score (per cent of the KPI weights attained), None without a computed KPI."""
        if self.kpis.empty or self.kpis["score"].isna().all():
            return None
        return float(plan_metrics.plan_scores(self.kpis).iloc[0])


def load_account(db_url: str | None, customer_id: str, *, as_of=None, show_personal_data: bool = False,
                 lang: str = "zh+en", currency: str = DEFAULT_CURRENCY) -> AccountData:
    """Read and work out what the one-pager of ``customer_id`` shows (see the module's text).

    Raises ReportParameterError for an unknown customer (or one outside the user's book)."""
    from ..exceptions import RecordNotFoundError
    from ..store import open as open_store

    if lang not in REPORT_LANGS:
        raise ReportParameterError("lang", lang, f"one of {', '.join(REPORT_LANGS)}")
    currency = check_currency(currency)
    timings: dict[str, float] = {}
    with timed(timings, "queries"), open_store(db_url) as crm:
        try:
            customer = crm.get("customers", customer_id)
        except RecordNotFoundError:
            raise ReportParameterError("customer", customer_id, "no such customer in the store") from None
        day = resolve_as_of(as_of, crm)
        until = end_of(day)
        mine = {"customer": customer_id, "end": until}
        plans = crm.account_plans(customer=customer_id, start=None, end=until)
        plan = _newest(plans)
        parts = crm.account_plan(plan["plan_id"]) if plan is not None else None
        kpis = (plan_metrics.kpi_actuals(crm, plan=plan["plan_id"], as_of=day) if plan is not None
                else crm.read("plan_kpis", where={"plan_id": None}))
        data = AccountData(
            customer_id=customer_id, as_of=day, customer=customer, plan=plan,
            swot=parts.swot if parts else crm.read("plan_swot", where={"plan_id": None}),
            goals=parts.goals if parts else crm.read("plan_goals", where={"plan_id": None}),
            milestones=parts.milestones if parts else crm.read("plan_milestones", where={"plan_id": None}),
            kpis=kpis,
            orders=crm.read("orders", **mine),
            interactions=crm.read("interactions", **mine),
            opportunities=crm.read("opportunities", **mine),
            contacts=crm.read("contacts", customer=customer_id),
            show_personal_data=bool(show_personal_data), lang=lang, currency=currency, timings=timings,
        )
        all_orders = crm.read("orders", columns=["customer_id", "ordered_at", "amount", "gross_margin"], end=until)
    with timed(timings, "analysis"):
        data.assessed_grade, data.clv, data.clv_note = _value(all_orders, customer_id, day, data.prose)
    return data


def _newest(plans: pd.DataFrame) -> dict | None:
    """The plan to show: the newest active one, else the newest of any status."""
    if plans.empty:
        return None
    active = plans[plans["status"].astype(object) == "active"]
    chosen = (active if len(active) else plans).sort_values(["period_start", "plan_id"]).iloc[-1]
    return {k: (None if pd.isna(v) else v) for k, v in chosen.items()}


def _value(orders: pd.DataFrame, customer_id: str, day: pd.Timestamp, say: str) -> tuple[str | None, float | None, str]:
    """The account's assessed value grade and 12-month CLV among every customer's, and a note on the CLV."""
    from ..i18n import translate

    orders = orders[orders["customer_id"].notna() & orders["amount"].notna()]
    if customer_id not in set(orders["customer_id"]):
        return None, None, translate("No orders yet: no value grade and no lifetime value.", say)
    summary = value.rfm_summary(orders, as_of=day)
    repeat = summary[(summary["frequency"] > 0) & (summary["repeat_mean_value"] > 0)]
    clv, note = None, ""
    if len(repeat) < MIN_REPEAT_BUYERS:
        note = translate("Too few repeat buyers in the store to fit the lifetime value models.", say)
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NoChurnWarning)
                bg = value.BetaGeo().fit(summary)
                gg = value.GammaGamma().fit(repeat)
            values = value.customer_lifetime_value(bg, gg, summary, months=HORIZON_MONTHS, discount_rate=DISCOUNT_RATE)
            clv = float(values.loc[customer_id])
            note = translate("Expected value of the next {months} months (BG/NBD and Gamma-Gamma fitted on every "
                             "customer's orders, discounted {rate:.0%} a month).", say, months=HORIZON_MONTHS,
                             rate=DISCOUNT_RATE)
        except (CrmkitError, ValueError) as error:
            note = translate("The lifetime value models could not be fitted ({reason}).", say,
                             reason=getattr(error, "reason", str(error)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a store without margins: the grade says how it weighed
        grades = value.value_grades(orders, as_of=day)
    grade = grades["value_grade"].astype(object).get(customer_id)
    return (None if pd.isna(grade) else str(grade)), clv, note
