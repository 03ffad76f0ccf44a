"""Likelihood to close at scale: feature building, fitting and scoring times.

    python bench/bench_close.py                      # demo data with ~100k opportunities, ~1.4M interactions
    python bench/bench_close.py --customers 20000    # smaller

Steps (each in a fresh process, see harness.py), on the demo generator's data:
* features: ``features_from_tables`` for the opportunities open at one date (what scoring needs);
* training set + fit: snapshots every 28 days over the year before the cutoff, then
  ``CloseLikelihoodModel.fit`` (what a backtest or a nightly refit does);
* scoring: ``predict_proba`` on 100,000 leads (the open cards' features, repeated to 100k rows).
Goals from the issue: features + fit under 20 s, scoring 100k leads under 1 s.
"""

from __future__ import annotations

import argparse
import json
import pickle
import platform
import sys
import tempfile
import time
from pathlib import Path

import harness

harness.use_frozen_crmkit()

OUT = Path(__file__).resolve().parent / "out"
CUTOFF = "2026-06-30"  # an as_of: the cards as they stood at the end of that day


def run_step(spec: dict) -> dict:
    import pandas as pd

    work = Path(spec["work"])
    if spec["kind"] == "generate":
        from crmkit import demo

        data = demo.generate(n_customers=spec["customers"], seed=1)
        tables = {k: data.tables[k] for k in ("opportunities", "interactions", "customers", "orders")}
        history = demo.stage_changes(data).assign(op="update")
        (work / "data.pkl").write_bytes(pickle.dumps((tables, history)))
        return {"opportunities": len(tables["opportunities"]), "interactions": len(tables["interactions"])}
    tables, history = pickle.loads((work / "data.pkl").read_bytes())
    from crmkit import close

    if spec["kind"] == "features":
        t = time.perf_counter()
        X = close.features_from_tables(tables, as_of=CUTOFF, stage_history=history)
        return {"seconds": time.perf_counter() - t, "rows": len(X)}
    if spec["kind"] == "fit":
        t = time.perf_counter()
        X, y = close.training_snapshots(tables, history, start=pd.Timestamp(CUTOFF) - pd.Timedelta(days=365),
                                        cutoff=CUTOFF, horizon_days=30, every_days=28)
        built = time.perf_counter() - t
        model = close.CloseLikelihoodModel(random_state=0).fit(close.model_inputs(X), y.to_numpy().astype(int))
        total = time.perf_counter() - t
        (work / "model.pkl").write_bytes(pickle.dumps(model))
        return {"seconds": total, "rows": len(X), "notes": f"snapshots {built:.1f}s + fit {total - built:.1f}s"}
    if spec["kind"] == "score":
        model = pickle.loads((work / "model.pkl").read_bytes())
        X = close.model_inputs(close.features_from_tables(tables, as_of=CUTOFF, stage_history=history))
        leads = X.iloc[[i % len(X) for i in range(100_000)]]
        model.predict_proba(leads.head(100))  # first call pays for imports, not for scoring
        t = time.perf_counter()
        p = model.predict_proba(leads)[:, 1]
        return {"seconds": time.perf_counter() - t, "rows": len(p)}
    raise ValueError(spec["kind"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=130_000, help="demo customers (130k gives ~100k opportunities)")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step:
        harness.run_child(run_step, args.step)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        digest = harness.freeze_crmkit(Path(tmp) / "src")
        base = {"work": tmp}
        made = harness.spawn(__file__, {**base, "kind": "generate", "customers": args.customers}, 1800)
        if "error" in made:
            print(made["error"])
            return 1
        rows = {k: harness.spawn(__file__, {**base, "kind": k}, 1800) for k in ("features", "fit", "score")}
    lines = [f"# crmkit close-likelihood benchmark (crmkit sources {digest}, python {platform.python_version()})", "",
             f"Demo data: {made['opportunities']:,} opportunities, {made['interactions']:,} interactions; cutoff {CUTOFF}.",
             "", "| step | rows | seconds | peak MB | notes |", "|---|---:|---:|---:|---|"]
    for name, r in rows.items():
        if "error" in r:
            lines.append(f"| {name} | | | | {r['error']} |")
        else:
            lines.append(f"| {name} | {r['rows']:,} | {r['seconds']:.2f} | {r['peak_mb']:.0f} | {r.get('notes', '')} |")
    ok = all("error" not in r for r in rows.values())
    if ok:
        fit_total = rows["features"]["seconds"] + rows["fit"]["seconds"]
        lines += ["", f"- features + fit: {fit_total:.1f} s (goal < 20 s: {'ok' if fit_total < 20 else 'MISSED'})",
                  f"- scoring 100,000 leads: {rows['score']['seconds']:.2f} s "
                  f"(goal < 1 s: {'ok' if rows['score']['seconds'] < 1 else 'MISSED'})"]
    text = "\n".join(lines)
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "close.md").write_text(text + "\n")
    print(json.dumps({k: v.get("seconds") for k, v in rows.items()}), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
