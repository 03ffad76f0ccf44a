"""The demo's visit planning: 不宜访问时间 for some customers, and the saved visit plans (附表二 客户拜访
计划) of every rep for the last weeks of the history and the week after it.

A past week's plan holds the visits the reps made that week (``done``) and a few visits the planner
(``crmkit.visits``) proposed that they did not make (``missed``); the week after the history is the
planner's proposal (``planned``). The planner runs on the generated frames, a few milliseconds a week.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..visit_times import canonical_visit_times
from .dataset import DemoData

#: What the demo's customers ask (the share of customers with a 不宜访问时间, then the wordings, as
#: the forms write them; kept as crmkit's canonical text).
NO_VISIT_SHARE = 0.25
NO_VISIT_WORDINGS = ("周一上午", "周五下午", "周末", "12:00-14:00", "周一上午，周末", "工作日中午", "周三下午",
                     "周二、周四上午", "周五全天", "每天 12:00-13:30", "周一至周三 16:00-18:00", "下午")
#: How many weeks up to the end of the history get a saved plan (plus the week after it), and
#: how many proposed visits each rep missed in each of those weeks.
PLAN_WEEKS = 3
MISSED_PER_WEEK = 2
_ITEM_COLUMNS = ("rep", "day", "time", "minutes", "customer_id", "purpose")


def no_visit_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """The 不宜访问时间 of ``n`` customers (None for most)."""
    wordings = np.array([canonical_visit_times(w) for w in NO_VISIT_WORDINGS], dtype=object)
    chosen = wordings[rng.integers(0, len(wordings), n)]
    return np.where(rng.random(n) < NO_VISIT_SHARE, chosen, None)


def visit_plans_frame(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp) -> pd.DataFrame:
    """The saved plan items of every rep for the ``PLAN_WEEKS`` weeks up to ``as_of``'s week and the
    week after it (canonical visit_plans columns).

    A past week's plan holds the visits the rep made that week (planned ahead, so ``done``; those
    that fell in the customer's 不宜访问时间 were not planned) and the ``MISSED_PER_WEEK`` most
    urgent customers the planner proposed that the rep did not meet (``missed``). The week after
    the history is the planner's proposal, ``planned``.
    """
    from ..visits.planner import plan_tables
    from ..visits.week import monday

    last_monday = monday(as_of)
    frames = []
    for k in range(PLAN_WEEKS - 1, -1, -1):
        week = last_monday - pd.Timedelta(weeks=k)
        done = _visits_made(tables, week)
        proposed = _proposal(plan_tables, tables, week)
        taken = set(zip(done["rep"], done["day"], done["time"])) | set(zip(done["rep"], done["customer_id"]))
        free = np.array([(r, d, t) not in taken and (r, c) not in taken for r, d, t, c in
                         zip(proposed["rep"], proposed["day"], proposed["time"], proposed["customer_id"])], dtype=bool)
        past = (proposed["day"] <= as_of).to_numpy()
        missed = proposed[free & past].groupby("rep", sort=False).head(MISSED_PER_WEEK).assign(status="missed")
        frames += [done.assign(status="done"), missed]
    frames.append(_proposal(plan_tables, tables, last_monday + pd.Timedelta(weeks=1)).assign(status="planned"))
    items = pd.concat(frames, ignore_index=True).sort_values(["day", "rep", "time"], kind="stable")
    items.insert(0, "plan_item_id", [f"V{i:07d}" for i in range(1, len(items) + 1)])
    items["notes"] = None
    return items.reset_index(drop=True)


def _proposal(plan_tables, tables, week) -> pd.DataFrame:
    plan = plan_tables(tables["customers"], tables["interactions"], tables["opportunities"], tables["orders"],
                       week=week, lang="zh")
    return plan[list(_ITEM_COLUMNS)].astype(object)


def _visits_made(tables, week: pd.Timestamp) -> pd.DataFrame:
    """The reps' visits (拜访) of the working days of ``week``, as plan items on the hour, one per
    rep and hour, none in the customer's 不宜访问时间."""
    from ..visit_times import clock_text, parse_visit_times

    i = tables["interactions"]
    visits = i[(i["channel"] == "visit") & i["customer_id"].notna() & i["rep"].notna()
               & (i["occurred_at"] >= week) & (i["occurred_at"] < week + pd.Timedelta(days=5))]
    hour = visits["occurred_at"].dt.hour.clip(8, 17)
    items = pd.DataFrame({"rep": visits["rep"].astype(object), "day": visits["occurred_at"].dt.normalize(),
                          "time": [clock_text(60 * h) for h in hour], "minutes": 60,
                          "customer_id": visits["customer_id"].astype(object),
                          "purpose": visits["purpose"].astype(object) if "purpose" in visits else None})
    items = items.drop_duplicates(["rep", "day", "time"]).drop_duplicates(["rep", "customer_id", "day"])
    closed = tables["customers"].set_index("customer_id")["no_visit_times"].dropna().to_dict()
    ok = [not parse_visit_times(closed.get(c)).blocks(d.weekday(), 60 * int(t[:2]), 60 * int(t[:2]) + 60)
          for c, d, t in zip(items["customer_id"], items["day"], items["time"])]
    return items[np.array(ok, dtype=bool)]


def with_visit_plans(data: DemoData) -> DemoData:
    """``data`` with its ``visit_plans`` table."""
    data.tables["visit_plans"] = visit_plans_frame(data.tables, data.as_of)
    return data
