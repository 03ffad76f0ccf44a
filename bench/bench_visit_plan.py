"""The visit plan at scale: ``crmkit.visits.plan_tables`` for 20 reps × 5,000 customers against a
per-customer Python loop.

```bash
python bench/bench_visit_plan.py                      # 20 reps × 5,000 customers (100k; about two minutes)
python bench/bench_visit_plan.py --customers 5000     # smoke test
python bench/bench_visit_plan.py --store              # + crm.visit_plan on a SQLite store (loading takes minutes)
```

Data: ``crmkit.demo.generate(N, seed)`` (its customers with 不宜访问时间, interactions with follow-up
dates, open cards, orders), the customers dealt to ``--reps`` reps in turn. Steps, each the best of
``--repeat`` runs on the same frames, planning the week after the data's last day for every rep:

* **crmkit** ``visits.plan_tables``: who is due, vectorised over the whole book (one sort of the
  interactions, one groupby per measure, each distinct 不宜访问时间 read once), then the greedy
  placement per rep over the (days × slots) grid;
* **baseline** the way one writes it by hand: the interactions, cards and orders split by customer
  once (``groupby``), then a Python loop over the customers computing each one's last contact,
  follow-up, cadence, due date and score, then per rep a loop over the due customers reading each
  one's 不宜访问时间 and trying every slot. It implements the same rules; the table says whether
  both plans are the same visits at the same times (they must be, or the comparison means nothing).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crmkit import demo  # noqa: E402
from crmkit.visit_times import clock_text, parse_visit_times  # noqa: E402
from crmkit.visits import DEFAULT_SETTINGS, plan_tables  # noqa: E402
from crmkit.visits.due import areas  # noqa: E402
from crmkit.visits.week import monday  # noqa: E402

INTENT_RANK = {"O": 0, "A": 1, "B": 2, "C": 3}


def naive(customers, interactions, opportunities, orders, week, settings=DEFAULT_SETTINGS) -> pd.DataFrame:
    """The same plan, one customer at a time."""
    start = monday(week)
    last_day = start + pd.Timedelta(days=max(settings.workdays))
    known = interactions[interactions["customer_id"].notna() & (interactions["occurred_at"] < start)]
    contacts = dict(tuple(known.groupby("customer_id")))
    open_cards = opportunities[opportunities["status"].astype(object).eq("open") & opportunities["intent_grade"].notna()
                               & (opportunities["created_at"] < start)]
    cards = dict(tuple(open_cards.groupby("customer_id")))
    window = orders[(orders["ordered_at"] < start) & (orders["ordered_at"] >= start - pd.Timedelta(days=settings.sales_days))]
    bought = window.groupby("customer_id")["amount"].sum().to_dict()
    area_of = dict(zip(customers["customer_id"], areas(customers)))
    due = []
    for c in customers.itertuples():
        if pd.isna(c.owner):
            continue
        mine = contacts.get(c.customer_id)
        last = follow = None
        if mine is not None:
            latest = mine.sort_values("occurred_at", kind="stable").iloc[-1]
            last, follow = latest["occurred_at"], latest["next_date"]
            follow = None if pd.isna(follow) else pd.Timestamp(follow)
        grade = None
        if c.customer_id in cards:
            grade = min(cards[c.customer_id]["intent_grade"].astype(object), key=INTENT_RANK.get)
        cadences = []
        on_cadence = pd.isna(c.status) or c.status in settings.cadence_statuses
        if on_cadence and pd.notna(c.value_grade) and settings.value_cadence.get(c.value_grade) is not None:
            cadences.append(settings.value_cadence[c.value_grade])
        if grade is not None:
            cadences.append(settings.intent_cadence[grade])
        contact_due = None
        if cadences:
            base = last.normalize() if last is not None else (c.created_at if pd.notna(c.created_at) else start)
            contact_due = base + pd.Timedelta(days=min(cadences))
        dates = [d for d in (follow, contact_due) if d is not None]
        if not dates or min(dates) > last_day:
            continue
        due_date = min(dates)
        late = (start - due_date).days
        score = ((1000.0 if late > 0 and settings.overdue_first else 0.0) + min(max(late, 0), settings.overdue_points_cap)
                 + settings.intent_points.get(grade, 0) + settings.value_points.get(c.value_grade, 0))
        due.append({"customer_id": c.customer_id, "rep": c.owner, "score": score, "sales": bought.get(c.customer_id, 0.0),
                    "closed": c.no_visit_times, "area": area_of[c.customer_id]})
    due = pd.DataFrame(due)
    share = due["sales"].where(due["sales"] > 0).groupby(due["rep"]).rank(pct=True).fillna(0)
    due["score"] += settings.sales_points * share
    days = [start + pd.Timedelta(days=d) for d in settings.workdays]
    starts = settings.slot_starts()
    plan = []
    for rep, mine in due.sort_values(["rep", "score", "customer_id"], ascending=[True, False, True]).groupby("rep"):
        free = {(d, s) for d in range(len(days)) for s in range(len(starts))}
        areas_on, cities_on = [set() for _ in days], [set() for _ in days]
        for r in mine.itertuples():
            if not free:
                break
            times = parse_visit_times(r.closed)
            open_slots = sorted((d, s) for d, s in free
                                if not times.blocks(days[d].weekday(), starts[s], starts[s] + settings.visit_minutes))
            if not open_slots:
                continue
            city = r.area.split("市", 1)[0] if "市" in r.area else r.area
            d = min({d for d, _ in open_slots},
                    key=lambda i: (r.area not in areas_on[i], city not in cities_on[i], len(areas_on[i]), i))
            s = min(s for dd, s in open_slots if dd == d)
            free.discard((d, s))
            areas_on[d].add(r.area)
            cities_on[d].add(city)
            plan.append((rep, days[d], clock_text(starts[s]), r.customer_id))
    return pd.DataFrame(plan, columns=["rep", "day", "time", "customer_id"])


def best_of(repeat: int, fn):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--store", action="store_true", help="also time crm.visit_plan on a SQLite store")
    args = ap.parse_args()

    t0 = time.perf_counter()
    data = demo.generate(args.customers, seed=args.seed)
    t = data.tables
    reps = np.array([f"业务员{i + 1:02d}" for i in range(args.reps)], dtype=object)
    customers = t["customers"].assign(owner=reps[np.arange(len(t["customers"])) % args.reps])
    week = monday(data.as_of) + pd.Timedelta(days=7)
    print(f"data: {len(customers):,} customers, {args.reps} reps, {len(t['interactions']):,} interactions, "
          f"{len(t['opportunities']):,} cards, {len(t['orders']):,} orders; generated in {time.perf_counter() - t0:.0f} s; "
          f"week {week:%Y-%m-%d}")

    fast_s, fast = best_of(args.repeat, lambda: plan_tables(customers, t["interactions"], t["opportunities"],
                                                           t["orders"], week=week))
    slow_s, slow = best_of(1, lambda: naive(customers, t["interactions"], t["opportunities"], t["orders"], week))
    key = ["rep", "day", "time", "customer_id"]
    same = fast[key].astype(str).sort_values(key).values.tolist() == slow[key].astype(str).sort_values(key).values.tolist()
    rows = [("crmkit `visits.plan_tables` (frames)", fast_s, ""),
            ("baseline per-customer Python loop", slow_s, f"crmkit {slow_s / fast_s:.0f}× faster")]
    if args.store:
        import crmkit

        with tempfile.TemporaryDirectory() as folder:
            crm = crmkit.open(Path(folder) / "crm.db")
            for name in ("customers", "interactions", "opportunities", "orders"):
                crm.import_frame(customers if name == "customers" else t[name], name)
            one_s, _ = best_of(args.repeat, lambda: crm.visit_plan(rep=reps[0], week=week))
            all_s, _ = best_of(args.repeat, lambda: crm.visit_plan(week=week))
            rows += [("`crm.visit_plan(rep=…)` on SQLite, reads included", one_s, "one rep's book"),
                     ("`crm.visit_plan()` on SQLite, every rep", all_s, "")]
            crm.close()
    print(f"\nvisits planned: {len(fast):,} (of {fast.attrs['due']:,} customers due); "
          f"the baseline plans the same visits at the same times: {'yes' if same else 'NO'}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}; best of {args.repeat} (baseline: 1 run)\n")
    print("| | seconds | |\n|---|---:|---|")
    for name, seconds, note in rows:
        print(f"| {name} | {seconds:.2f} | {note} |")


if __name__ == "__main__":
    main()
