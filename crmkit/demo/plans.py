"""Account plans (客户计划工作表) for the demo's key customers, made from the demo data itself.

Each key customer (``documents.key_customers``: the biggest buyers) gets a plan for the calendar
year of the data's last day, written by its owner a week before the year began: SWOT items naming
its main product and a competitor it met, two SMART goals with their POP strategies, four quarterly
milestones (those due by the last day done, one of them late, one missed), and six KPIs whose
weights sum to 100%: five computed from the records (sales, gross margin, visits, the open
pipeline, on-time payment) with targets set from the year before, and one judged by hand.

Everything is a function of the data set (no random draws), so the same seed gives the same plans.

>>> tables = plan_tables(data.tables, data.as_of)      # {"account_plans": ..., "plan_kpis": ...}
"""

from __future__ import annotations

import pandas as pd

from .documents import KEY_CUSTOMERS

#: The KPIs of each plan: (name, metric, weight in per cent, unit); targets are set per customer.
_KPIS = (
    ("年度销售额", "sales", 35, "元"),
    ("年度毛利", "gross_margin", 20, "元"),
    ("拜访次数", "visits", 15, "次"),
    ("在谈商机金额", "open_pipeline", 10, "元"),
    ("按时付款比例", "on_time_payment_share", 10, "%"),
    ("客户满意度评分", None, 10, "分"),
)
_STRENGTHS = ("与采购负责人关系稳定，合作{years}年", "{product}交付及时、质量口碑好", "本地有服务团队，响应快")
_WEAKNESSES = ("价格高于{competitor}约5%", "只覆盖客户总部，分公司尚未开发", "高层拜访少，决策链了解不足")
_OPPORTUNITIES = ("客户明年扩建，{product}需求预计增加", "集中采购改革，供应商数量将压缩", "新项目需要整体解决方案")
_THREATS = ("{competitor}低价抢单", "客户资金周期拉长，回款可能变慢")
_STRATEGIES = ("以服务和交付优势巩固{product}份额", "借扩建机会推整体方案，提高单客销售额")


def plan_tables(tables: dict[str, pd.DataFrame], as_of, n: int = KEY_CUSTOMERS) -> dict[str, pd.DataFrame]:
    """The plans of the ``n`` biggest buyers and their parts, one frame per table (canonical columns
    still to be put in schema order by the caller)."""
    as_of = pd.Timestamp(as_of)
    orders = tables["orders"]
    totals = orders.groupby("customer_id")["amount"].sum().reset_index()
    keys = totals.sort_values(["amount", "customer_id"], ascending=[False, True], kind="stable")["customer_id"].head(n)
    customers = tables["customers"].set_index("customer_id")
    start = pd.Timestamp(year=as_of.year, month=1, day=1)
    end = pd.Timestamp(year=as_of.year, month=12, day=31)
    rows: dict[str, list[dict]] = {"account_plans": [], "plan_swot": [], "plan_goals": [], "plan_milestones": [],
                                   "plan_kpis": []}
    for number, cid in enumerate(keys, start=1):
        customer = customers.loc[cid]
        plan_id = f"AP{number:06d}"
        mine = orders[orders["customer_id"] == cid]
        before = mine[(mine["ordered_at"] >= start - pd.DateOffset(years=1)) & (mine["ordered_at"] < start)]
        words = {"product": _main_product(mine), "competitor": _competitor(tables["opportunities"], cid),
                 "years": max(1, as_of.year - pd.Timestamp(customer["created_at"]).year)}
        rep = customer["owner"]
        rows["account_plans"].append({
            "plan_id": plan_id, "customer_id": cid, "title": f"{customer['name']} {as_of.year}年客户计划",
            "rep": rep, "department": f"{customer['region']}销售部", "written_at": start - pd.Timedelta(days=7),
            "period_start": start, "period_end": end, "status": "active",
            "value_statement": f"为客户提供稳定的{words['product']}供应和本地服务，降低其采购和运维成本",
            "contact_plan": "每月拜访采购负责人一次；每季度与客户高层会面一次；内部每两周同步一次进展",
            "needs": f"扩建带来的{words['product']}增量需求；分公司统一采购；更长的账期",
            "notes": None,
        })
        for kind, pool in (("strength", _STRENGTHS), ("weakness", _WEAKNESSES), ("opportunity", _OPPORTUNITIES),
                           ("threat", _THREATS), ("strategy", _STRATEGIES)):
            for i, text in enumerate(pool[:2] if number % 2 else pool[-2:]):
                code = f"{kind[0]}{kind[-1]}".upper()  # ST strength, SY strategy …
                rows["plan_swot"].append({"item_id": f"SW{number:04d}{code}{i + 1}", "plan_id": plan_id,
                                          "kind": kind, "text": text.format(**words)})
        last_sales = float(before["amount"].sum())
        goals = _goals(plan_id, number, words, last_sales, as_of.year)
        rows["plan_goals"] += goals
        rows["plan_milestones"] += _milestones(plan_id, number, goals, rep, start, as_of)
        rows["plan_kpis"] += _kpis(plan_id, number, goals, before, last_sales)
    return {name: pd.DataFrame(found) for name, found in rows.items()}


def _goals(plan_id: str, number: int, words: dict, last_sales: float, year: int) -> list[dict]:
    target = _round(last_sales * 1.15)
    return [
        {"goal_id": f"G{number:04d}1", "plan_id": plan_id, "seq": 1, "title": "提升年度销售额",
         "specific": f"把{words['product']}之外的产品也卖进客户", "measurable": f"年度销售额达到 {target:,.0f} 元",
         "ambitious": "比上年增长15%", "realistic": "客户扩建，需求确有增量", "time_bound": f"{year}年12月31日前",
         "pop_strategy": "先以老产品的服务口碑争取试用，再用整体方案报价"},
        {"goal_id": f"G{number:04d}2", "plan_id": plan_id, "seq": 2, "title": "改善回款",
         "specific": "按合同账期回款", "measurable": "按时付款比例不低于95%",
         "ambitious": "上年仅约八成按时", "realistic": "已与财务约定月底对账", "time_bound": f"{year}年内每月",
         "pop_strategy": "每月对账，逾期当周由销售经理上门沟通"},
    ]


def _milestones(plan_id: str, number: int, goals: list[dict], rep, start: pd.Timestamp, as_of) -> list[dict]:
    made = []
    titles = ("完成客户高层拜访", "分公司试点订单", "整体方案报价", "年度合同续签")
    for q, title in enumerate(titles):
        due = start + pd.DateOffset(months=3 * (q + 1)) - pd.Timedelta(days=1)
        done = None
        if due <= as_of and q != 1:  # the second quarter's milestone was missed; the first came a week late
            done = due + pd.Timedelta(days=7 if q == 0 else -5)
        made.append({"milestone_id": f"M{number:04d}{q + 1}", "plan_id": plan_id,
                     "goal_id": goals[0 if q != 1 else 1]["goal_id"], "title": title, "due_date": due,
                     "owner": rep, "done_at": done, "notes": None})
    return made


def _kpis(plan_id: str, number: int, goals: list[dict], before: pd.DataFrame, last_sales: float) -> list[dict]:
    targets = {"sales": _round(last_sales * 1.15), "gross_margin": _round(float(before["gross_margin"].sum()) * 1.15),
               "visits": 12.0, "open_pipeline": _round(max(last_sales * 0.3, 10_000)),
               "on_time_payment_share": 95.0, None: 90.0}
    return [{"kpi_id": f"KP{number:04d}{i + 1}", "plan_id": plan_id,
             "goal_id": goals[1 if metric == "on_time_payment_share" else 0]["goal_id"], "name": name,
             "metric": metric, "target": targets[metric], "weight": float(weight), "unit": unit, "notes": None}
            for i, (name, metric, weight, unit) in enumerate(_KPIS)]


def _main_product(orders: pd.DataFrame) -> str:
    counts = orders.groupby("product", observed=True)["amount"].sum().sort_values(ascending=False, kind="stable")
    return str(counts.index[0]) if len(counts) else "产品"


def _competitor(opportunities: pd.DataFrame, cid: str) -> str:
    met = opportunities.loc[opportunities["customer_id"] == cid, "competitor"].dropna()
    return str(met.iloc[0]) if len(met) else "本地经销商"


def _round(amount: float) -> float:
    """To the nearest 10,000 (a target people write), at least 10,000."""
    return float(max(round(amount / 10_000), 1) * 10_000)
