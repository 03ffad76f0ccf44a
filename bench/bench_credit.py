"""Credit assessment at scale: ``crmkit.credit`` against the usual pandas groupby/apply.

```bash
python bench/bench_credit.py                     # 100k demo customers (about a minute in all)
python bench/bench_credit.py --customers 5000    # smoke test
python bench/bench_credit.py --store             # + credit.assess(crm) on a SQLite store (loading takes minutes)
```

Data: ``crmkit.demo.generate(N, seed)`` (customers, orders, settlements with payment days, credit
facts). Steps, each the best of ``--repeat`` runs on the same frames:

* **crmkit** ``credit.assess_tables(customers, orders, settlements, credit_facts, as_of=...)``:
  vectorised (numpy over all settlements, one groupby-sum per measure);
* **baseline** the way one writes it by hand in pandas: ``settlements.groupby("customer_id")
  .apply(measures)`` with a Python function per customer, the same for the facts, quarterly sales
  by ``groupby([customer, quarter]).sum().unstack()``, and a Python function per row for the
  rating. It implements the same default rules; the table reports how many ratings, statuses
  and suggested limits agree (all of them, or the comparison would be meaningless);
* with ``--store``: the demo loaded into a SQLite store, then ``credit.assess(crm)`` (the reads
  included) and ``sales_power.analyse(crm)``.
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

from crmkit import credit, demo, sales_power  # noqa: E402
from crmkit.credit.rules import DEFAULT_RULES  # noqa: E402
from crmkit.quarters import complete_quarters  # noqa: E402

NOTHING = {"无", "没有", "暂无", "无异常", "正常", "良好", "-", "—", "/", "none", "n/a", "no", "ok"}


def naive(customers, orders, settlements, facts, as_of, rules=DEFAULT_RULES) -> pd.DataFrame:
    """The same assessment, as one writes it with groupby/apply and a function per customer."""
    as_of = pd.Timestamp(as_of)
    window_start = as_of - pd.Timedelta(days=rules.window_days - 1)

    def measures(g: pd.DataFrame) -> pd.Series:
        judged_n = 0
        late_w = weight = on_time_w = 0.0
        billed = 0.0
        first = None
        outstanding = overdue = 0.0
        oldest = 0.0
        for r in g.itertuples():
            due = r.due_date if pd.notna(r.due_date) else r.settled_at
            owed = r.receivable if pd.notna(r.paid_at) and r.paid_at > as_of else (
                r.outstanding if pd.notna(r.outstanding) else r.receivable - (r.received or 0))
            if owed <= rules.settled_below * abs(r.receivable):
                owed = 0.0
            paid = owed == 0.0
            in_window = r.settled_at >= window_start
            if in_window:
                billed += r.receivable
                first = r.settled_at if first is None else min(first, r.settled_at)
            late = max((r.paid_at - due).days, 0) if paid and pd.notna(r.paid_at) else (
                None if paid else max((as_of - due).days, 0))
            if not paid:
                outstanding += owed
                if due < as_of:
                    overdue += owed
                    oldest = max(oldest, late)
            if (in_window and (paid or due < as_of)) or (not paid and due < as_of):
                judged_n += 1
                if late is not None:
                    late_w += late * r.receivable
                    weight += r.receivable
                    on_time_w += r.receivable if late <= rules.grace_days else 0.0
        months = 1.0
        if first is not None:
            months = min(max((as_of - first).days + 1, 365.25 / 12), rules.window_days) / (365.25 / 12)
        return pd.Series({"settlements": judged_n, "billed": billed, "months": months, "outstanding": outstanding,
                          "overdue": overdue, "oldest": oldest, "days_late": late_w / weight if weight else np.nan,
                          "on_time_share": on_time_w / weight if weight else np.nan})

    s = settlements[settlements["settled_at"] <= as_of]
    pay = s.groupby("customer_id").apply(measures, include_groups=False)

    live = facts[(facts["recorded_at"] <= as_of) & (facts["cleared_at"].isna() | (facts["cleared_at"] > as_of))]

    def warnings(g: pd.DataFrame) -> pd.Series:
        out = {}
        for aspect in ("business_performance", "financial_condition", "bankruptcy_signs"):
            said = g[aspect].dropna().map(str.strip)
            said = said[(said != "") & ~said.str.lower().isin(NOTHING)]
            out[aspect] = len(said) > 0
        return pd.Series(out)

    warn = live.groupby("customer_id").apply(warnings, include_groups=False)

    quarters = complete_quarters(as_of, 4)
    o = orders[(orders["ordered_at"] >= quarters[0].start_time) & (orders["ordered_at"] <= quarters[-1].end_time)]
    sales = o.groupby(["customer_id", o["ordered_at"].dt.to_period("Q")])["amount"].sum().unstack(fill_value=0)

    table = customers.set_index("customer_id")[["credit_limit"]].join(pay).join(warn).join(sales)

    def rate(r) -> pd.Series:
        if pd.isna(r["settlements"]) or r["settlements"] == 0:
            return pd.Series({"rating": None, "status": None, "limit": np.nan})
        worst = max(r["oldest"], 0 if pd.isna(r["days_late"]) else r["days_late"])
        good, fair, poor = rules.collection_days
        status = "good" if worst <= good else "fair" if worst <= fair else "poor" if worst <= poor else "very_bad"
        caps = [0]
        if status != "good":
            caps.append("ABCD".index(rules.collection_caps[status]))
        for cut, cap in zip(rules.on_time_cuts, rules.on_time_caps):
            if pd.notna(r["on_time_share"]) and r["on_time_share"] < cut:
                caps.append("ABCD".index(cap))
        limit = r["credit_limit"]
        if pd.notna(limit) and limit > 0:
            for cut, cap in zip(rules.utilisation_cuts, rules.utilisation_caps):
                if r["outstanding"] / limit > cut:
                    caps.append("ABCD".index(cap))
        if r["settlements"] < rules.min_settlements:
            caps.append("ABCD".index(rules.thin_history_cap))
        if pd.isna(r["on_time_share"]):
            caps.append("ABCD".index(rules.unknown_timing_cap))
        for aspect, cap in rules.fact_caps.items():
            if r.get(aspect) is True:
                caps.append("ABCD".index(cap))
        rating = "ABCD"[max(caps)]
        return pd.Series({"rating": rating, "status": status,
                          "limit": rules.limit_months[rating] * r["billed"] / r["months"]})

    return table.join(table.apply(rate, axis=1))


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline-repeat", type=int, default=1, help="the baseline is slow: once by default")
    ap.add_argument("--store", action="store_true", help="also time credit.assess(crm) on a SQLite store")
    args = ap.parse_args(argv)

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; "
          f"python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}")
    t = time.perf_counter()
    data = demo.generate(args.customers, seed=args.seed)
    t_gen = time.perf_counter() - t
    tb = data.tables
    sizes = {name: len(tb[name]) for name in ("customers", "orders", "settlements", "credit_facts")}
    print(f"demo data: {sizes} (generated in {t_gen:.1f} s), as_of {data.as_of:%Y-%m-%d}")

    rows = []
    t_crm, ours = best_of(args.repeat, lambda: credit.assess_tables(tb["customers"], tb["orders"], tb["settlements"],
                                                                     tb["credit_facts"], as_of=data.as_of))
    rows.append(("crmkit `credit.assess_tables`", t_crm, ""))
    t_sp, _ = best_of(args.repeat, lambda: sales_power.analyse_tables(tb["customers"], tb["orders"], as_of=data.as_of))
    rows.append(("crmkit `sales_power.analyse_tables`", t_sp, ""))
    t_base, theirs = best_of(args.baseline_repeat, lambda: naive(tb["customers"], tb["orders"], tb["settlements"],
                                                                 tb["credit_facts"], data.as_of))
    theirs = theirs.reindex(ours.index)
    same_rating = (ours["rating"].astype(object).fillna("-") == theirs["rating"].fillna("-")).mean()
    same_status = (ours["collection_status"].astype(object).fillna("-") == theirs["status"].fillna("-")).mean()
    limits = np.isclose(ours["suggested_limit"].astype(float), theirs["limit"].astype(float), rtol=1e-9,
                        equal_nan=True).mean()
    rows.append(("baseline groupby/apply", t_base,
                 f"{t_base / t_crm:.0f}× slower; same rating {same_rating:.2%}, status {same_status:.2%}, "
                 f"limit {limits:.2%}"))

    if args.store:
        import crmkit

        with tempfile.TemporaryDirectory() as tmp:
            crm = crmkit.open(f"sqlite:///{tmp}/crm.db", user="bench")
            t = time.perf_counter()
            demo.load_into(crm, data, by="bench", history=False)
            rows.append(("(loading the demo into SQLite)", time.perf_counter() - t, "not part of the assessment"))
            t_store, _ = best_of(args.repeat, lambda: credit.assess(crm, as_of=data.as_of))
            rows.append(("crmkit `credit.assess(crm)`, SQLite, reads included", t_store, ""))
            t_store_sp, _ = best_of(args.repeat, lambda: sales_power.analyse(crm, as_of=data.as_of))
            rows.append(("crmkit `sales_power.analyse(crm)`, SQLite", t_store_sp, ""))
            crm.close()

    lines = [f"credit assessment, {args.customers:,} customers ({sizes['settlements']:,} settlements, "
             f"{sizes['orders']:,} orders), best of {args.repeat}", "",
             "| step | seconds | notes |", "|---|---:|---|"]
    lines += [f"| {name} | {sec:.2f} | {note} |" for name, sec, note in rows]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "credit.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
