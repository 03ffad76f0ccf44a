"""Benchmark crmkit's value models (RFM summary, BG/NBD, Gamma-Gamma, CLV) against lifetimes.

    python bench/bench_value.py                              # 1M customers, ~2.7M orders
    python bench/bench_value.py --models new                 # Pareto/NBD, MBG/NBD, BG/BB fits only
    python bench/bench_value.py --customers 20000            # smoke test (< 1 min)
    python bench/bench_value.py --workdir /tmp/valuebench    # keep (and reuse) the order file
    python bench/bench_value.py --rfm-sizes 10000 30000 100000 300000 1000000   # RFM first calls only

What is measured (see bench/README.md): the same orders, simulated from a BG/NBD process with
Gamma-Gamma spends, go through the same four steps in crmkit and in lifetimes 0.11.3, each
step in a fresh Python process (this script with ``--step``) that reports its wall time and
its peak RSS (``getrusage(RUSAGE_SELF).ru_maxrss``):

* RFM summary: ``crmkit.value.rfm.rfm_summary`` / ``lifetimes.utils.summary_data_from_transaction_data``;
* BG/NBD fit: ``BetaGeo().fit(summary)`` / ``BetaGeoFitter().fit(frequency, recency, T)``;
* Gamma-Gamma fit: ``GammaGamma().fit(summary)`` / ``GammaGammaFitter().fit`` on the repeat buyers;
* 12-month CLV of every customer: ``customer_lifetime_value`` / ``GammaGammaFitter.customer_lifetime_value``;
* the whole crmkit pipeline (the four steps in one process), against a 3-second goal.
* ``--models new`` (or ``all``, the default): the fits of Pareto/NBD (``ParetoNBD`` /
  ``ParetoNBDFitter``) and MBG/NBD (``ModifiedBetaGeo`` / ``ModifiedBetaGeoFitter``) on the same
  RFM summary, and of BG/BB (``BetaGeoBetaBinom`` / ``BetaGeoBetaBinomFitter``) on a BG/BB
  summary of as many customers simulated over 10 opportunities; both libraries get one row per
  customer (crmkit collapses identical rows itself; lifetimes is given no weights).

Both libraries fit the same summary (crmkit's; the two summaries are compared cell by cell)
and score with their own fitted parameters; the parameters and their relative differences are
printed. A lifetimes step that does not finish within ``--lifetimes-timeout`` seconds is run
again on a subsample (``--subsample`` customers), and the table says so. The table is printed
and written as markdown to bench/out/value.md.

``--pipeline-repeats N`` runs only the whole crmkit pipeline on the ``--customers`` orders, N
times for crmkit and N times for a baseline crmkit (``--baseline``, as below), each run a fresh
process, interleaved: best and median wall and CPU seconds, the best run's steps, the load
average, and whether the two give the same total CLV. Written to bench/out/value_pipeline.md.

``--rfm-sizes N ...`` measures the RFM summary alone, at each size (customers; the same
simulation), as a user meets it: the **first call in a fresh process** (imports and the order
file's read are not timed), for crmkit, for a baseline crmkit (``--baseline``, default git
HEAD's crmkit/, taken with ``git archive``; or a folder holding a crmkit/, e.g. a worktree) and
for lifetimes' ``summary_data_from_transaction_data``. Each is repeated ``--rfm-repeats`` times
(default 3), interleaved (every repetition runs every size and library once, the order of the
libraries rotating), so that a loaded machine slows all alike. The table gives median seconds
and the median and worst of the per-repetition speed-ups against the 5× goal, with the load
average over each size's steps; the first repetition checks that the summaries agree. Written to
bench/out/value_rfm.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
harness.use_frozen_crmkit()  # steps import the copy of crmkit/ taken when the run started

OUT_DIR = HERE / "out"
AS_OF = "2025-12-31"       # the last day observed; first purchases fall in the three years before
START = "2023-01-01"
TRUTH = {"r": 0.45, "alpha": 70.0, "a": 0.8, "b": 2.5, "p": 6.0, "q": 4.0, "v": 300.0}  # days, yuan
BG_NAMES, GG_NAMES = ["r", "alpha", "a", "b"], ["p", "q", "v"]
GOAL_SPEEDUP, GOAL_PIPELINE_S, GOAL_PARAMS_REL = 5.0, 3.0, 1e-3
GOAL_PIPELINE_QUIET_S = 1.0  # issue 15: the pipeline at 1M under 1 s on a quiet machine


# =========================================================================== data


def generate_orders(path: Path, n_customers: int, seed: int) -> dict:
    """Orders of ``n_customers`` customers, simulated from BG/NBD with Gamma-Gamma spends (numpy only).

    First purchases are uniform over START..AS_OF (to the second); repeat purchases follow the
    BG/NBD process (``simulate_bgnbd`` gives each customer's count x and last purchase t_x;
    the other x-1 fall uniformly before t_x, as the events of a Poisson process do). Every
    order's amount is Gamma(p, ν) with ν ~ Gamma(q, v) per customer. Ids are text ("C0000001").
    """
    import numpy as np
    import pandas as pd

    from crmkit.value.bgnbd import simulate_bgnbd

    rng = np.random.default_rng(seed)
    t = TRUTH
    start = pd.Timestamp(START)
    end = pd.Timestamp(AS_OF) + pd.Timedelta(days=1)
    window_s = (end - start).total_seconds()
    first_s = np.floor(rng.uniform(0, window_s, n_customers))
    age_days = (window_s - first_s) / 86400.0
    summary = simulate_bgnbd(n_customers, t["r"], t["alpha"], t["a"], t["b"], age_days, seed=seed + 1)
    x = summary["frequency"].to_numpy()
    last = summary["recency"].to_numpy()

    owner = np.repeat(np.arange(n_customers), x)                      # one row per repeat purchase
    nth = np.arange(len(owner)) - np.repeat(np.cumsum(x) - x, x)      # 0..x-1 within a customer
    after = np.where(nth == x[owner] - 1, last[owner], rng.uniform(0, 1, len(owner)) * last[owner])
    customer = np.concatenate([np.arange(n_customers), owner])
    seconds = np.concatenate([first_s, first_s[owner] + np.floor(after * 86400.0)])
    nu = rng.gamma(t["q"], 1.0 / t["v"], n_customers)
    amount = np.round(rng.gamma(t["p"], 1.0 / nu[customer]), 2)
    amount = np.maximum(amount, 0.01)  # a 0.00 after rounding would be a free order

    ids = pd.Series(np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), 7))).astype("str")
    orders = pd.DataFrame({
        "customer_id": ids.to_numpy()[customer],
        "ordered_at": start + pd.to_timedelta(seconds, unit="s"),
        "amount": amount,
    }).sample(frac=1.0, random_state=seed).reset_index(drop=True)  # an order log is not sorted by customer
    path.parent.mkdir(parents=True, exist_ok=True)
    orders.to_parquet(path, index=False)
    return {"orders": len(orders), "customers": n_customers, "repeat_share": float((x > 0).mean())}


# =========================================================================== steps (child side)




def _quiet_lifetimes():
    import warnings

    # lifetimes sets a pandas option at import that pandas 3 deprecates (Pandas4Warning), and
    # its fitters warn about autograd/pandas internals; none of it concerns the timings.
    warnings.simplefilter("ignore")
    import lifetimes
    import lifetimes.utils

    return lifetimes


def _warm_crmkit() -> None:
    """Import what crmkit's models import lazily, before the clock starts.

    crmkit imports scipy inside its functions (so that ``import crmkit`` stays fast); lifetimes
    imports it at module import. Warming it here times both libraries' work, not their imports.
    """
    import scipy.optimize
    import scipy.special  # noqa: F401


def _read_summary(workdir: Path, subsample: int | None):
    import pandas as pd

    summary = pd.read_parquet(workdir / "summary.parquet")
    return summary.iloc[:subsample] if subsample else summary


def run_step(spec: dict) -> dict:
    """One measured step, in this (fresh) process. Returns seconds, rows, notes; peak RSS is added by main."""
    kind, workdir, sub = spec["kind"], Path(spec["workdir"]), spec.get("subsample")
    if kind == "generate":
        t0 = time.perf_counter()
        info = generate_orders(workdir / "orders.parquet", spec["customers"], spec["seed"])
        return {"seconds": time.perf_counter() - t0, "rows": info["orders"], "info": info}

    if kind == "noop":  # what importing the libraries alone costs: the floor under every peak
        import numpy  # noqa: F401
        import pandas  # noqa: F401
        import scipy.optimize
        import scipy.special  # noqa: F401

        import crmkit.value.lifetime_value  # noqa: F401
        _quiet_lifetimes()
        return {"seconds": None, "rows": None, "notes": "imports only (pandas, scipy, crmkit.value, lifetimes)"}

    if kind == "rfm_first":
        return _rfm_first_call(spec)

    if kind in ("crm_rfm", "lt_rfm", "crm_pipeline"):
        import pandas as pd

        orders = pd.read_parquet(workdir / "orders.parquet")
        if sub:
            keep = orders["customer_id"].isin(orders["customer_id"].drop_duplicates().iloc[:sub])
            orders = orders[keep].reset_index(drop=True)
        if kind == "lt_rfm":
            from_transactions = _quiet_lifetimes().utils.summary_data_from_transaction_data
            t0 = time.perf_counter()
            summary = from_transactions(orders, "customer_id", "ordered_at", monetary_value_col="amount",
                                        observation_period_end=AS_OF, freq="D")
            seconds = time.perf_counter() - t0
            summary.to_parquet(workdir / "summary_lifetimes.parquet")
            return {"seconds": seconds, "rows": len(orders), "notes": f"{len(summary):,} customers"}
        try:
            from crmkit.value.rfm import rfm_summary
        except ImportError as exc:
            return {"error": f"crmkit.value.rfm.rfm_summary is not available yet ({exc})"}
        if kind == "crm_rfm":
            t0 = time.perf_counter()
            summary = rfm_summary(orders, as_of=AS_OF, time_unit="D")
            seconds = time.perf_counter() - t0
            summary.to_parquet(workdir / "summary.parquet")
            return {"seconds": seconds, "rows": len(orders), "notes": f"{len(summary):,} customers"}

        import numpy as np

        from crmkit.value.bgnbd import BetaGeo
        from crmkit.value.gammagamma import GammaGamma
        from crmkit.value.lifetime_value import customer_lifetime_value

        _warm_crmkit()
        marks, cpu0 = [time.perf_counter()], time.process_time()
        summary = rfm_summary(orders, as_of=AS_OF, time_unit="D")
        marks.append(time.perf_counter())
        bg = BetaGeo().fit(summary)
        marks.append(time.perf_counter())
        gg = GammaGamma().fit(summary)
        marks.append(time.perf_counter())
        clv = customer_lifetime_value(bg, gg, summary, months=12, time_unit="D")
        marks.append(time.perf_counter())
        cpu = time.process_time() - cpu0
        parts = np.diff(marks)
        notes = "rfm {:.2f}s + BG/NBD {:.2f}s + Gamma-Gamma {:.2f}s + CLV {:.2f}s".format(*parts)
        notes += f"; CPU {cpu:.2f}s (all threads)"
        return {"seconds": marks[-1] - marks[0], "cpu_seconds": cpu, "parts": parts.tolist(), "rows": len(orders),
                "notes": notes + f"; total CLV {clv.sum():,.0f}", "clv_total": float(clv.sum())}

    summary = _read_summary(workdir, sub)
    if kind in ("crm_bg", "crm_gg", "crm_clv"):
        from crmkit.value.bgnbd import BetaGeo
        from crmkit.value.gammagamma import GammaGamma
        from crmkit.value.lifetime_value import customer_lifetime_value

        _warm_crmkit()
        if kind == "crm_clv":
            bg, gg = BetaGeo().fit(summary), GammaGamma().fit(summary)  # not timed
            t0 = time.perf_counter()
            clv = customer_lifetime_value(bg, gg, summary, months=12, time_unit="D")
            seconds = time.perf_counter() - t0
            # lifetimes' month is 30 days, crmkit's 30.4375: the comparison uses lifetimes' month
            same_month = customer_lifetime_value(bg, gg, summary, months=12, periods_per_month=30.0)
            same_month.to_frame().to_parquet(workdir / "clv_crmkit_30d.parquet")
            return {"seconds": seconds, "rows": len(summary), "notes": f"total {clv.sum():,.0f}"}
        model = BetaGeo() if kind == "crm_bg" else GammaGamma()
        t0 = time.perf_counter()
        model.fit(summary)
        seconds = time.perf_counter() - t0
        notes = f"{model.n_patterns_:,} distinct patterns of {model.n_customers_:,} customers, {model.n_iter_} Newton steps"
        return {"seconds": seconds, "rows": len(summary), "notes": notes,
                "params": model.params_.to_dict(), "se": model.summary_["se(coef)"].to_dict()}

    if kind in ("lt_bg", "lt_gg", "lt_clv"):
        import pandas as pd

        lt = _quiet_lifetimes()
        # crmkit's summary: its repeat_mean_value is lifetimes' monetary_value
        f, r, T, m = (summary[c] for c in ("frequency", "recency", "T", "repeat_mean_value"))
        if kind == "lt_bg":
            t0 = time.perf_counter()
            fitter = lt.BetaGeoFitter().fit(f, r, T)
            return {"seconds": time.perf_counter() - t0, "rows": len(summary),
                    "params": fitter.params_.to_dict(), "se": fitter.summary["se(coef)"].to_dict()}
        if kind == "lt_gg":
            buyers = summary[f > 0]
            t0 = time.perf_counter()
            fitter = lt.GammaGammaFitter().fit(buyers["frequency"], buyers["repeat_mean_value"])
            return {"seconds": time.perf_counter() - t0, "rows": len(summary),
                    "notes": f"fitted on the {len(buyers):,} repeat buyers, as lifetimes requires",
                    "params": fitter.params_.to_dict(), "se": fitter.summary["se(coef)"].to_dict()}
        # CLV from lifetimes' own fitted parameters (passed in by the driver; fitting is not timed)
        bg, gg = lt.BetaGeoFitter(), lt.GammaGammaFitter()
        bg.params_ = pd.Series(spec["bg_params"])[BG_NAMES]
        bg.predict = bg.conditional_expected_number_of_purchases_up_to_time  # what BetaGeoFitter.fit sets
        gg.params_ = pd.Series(spec["gg_params"])[GG_NAMES]
        t0 = time.perf_counter()
        clv = gg.customer_lifetime_value(bg, f, r, T, m, time=12, discount_rate=0.01, freq="D")
        seconds = time.perf_counter() - t0
        clv.to_frame("clv").to_parquet(workdir / "clv_lifetimes.parquet")
        return {"seconds": seconds, "rows": len(summary), "notes": f"total {clv.sum():,.0f}"}

    if kind.removesuffix("_sub") in NEW_MODEL_STEPS:
        return _new_model_step(kind.removesuffix("_sub"), workdir, sub, spec)

    raise ValueError(f"unknown step kind {kind!r}")


def _rfm_first_call(spec: dict) -> dict:
    """The first RFM summary of a fresh process (crmkit's or lifetimes'), timed alone."""
    import pandas as pd

    orders = pd.read_parquet(spec["orders"])
    if spec["library"] == "lifetimes":
        from_transactions = _quiet_lifetimes().utils.summary_data_from_transaction_data
        t0, c0 = time.perf_counter(), time.process_time()
        summary = from_transactions(orders, "customer_id", "ordered_at", monetary_value_col="amount",
                                    observation_period_end=AS_OF, freq="D")
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        summary = summary.rename(columns={"monetary_value": "repeat_mean_value"})
    else:
        from crmkit.value.rfm import rfm_summary

        t0, c0 = time.perf_counter(), time.process_time()
        summary = rfm_summary(orders, as_of=AS_OF, time_unit="D")
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if spec.get("keep"):  # (after the clock) for the driver to compare the libraries' summaries
        summary.to_parquet(spec["keep"])
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": len(orders), "customers": len(summary)}


# =========================================================================== the models beyond BG/NBD

#: BG/BB data: 1M (by default) customers simulated from BG/BB over this many opportunities.
BGBB_TRUTH = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
BGBB_PERIODS = 10
PNBD_NAMES, MBG_NAMES, BGBB_NAMES = ["r", "alpha", "s", "beta"], ["r", "alpha", "a", "b"], list(BGBB_TRUTH)
#: step kind -> (crmkit class path, lifetimes fitter, parameter names, data)
NEW_MODEL_STEPS = {
    "crm_pnbd": ("crmkit.value.paretonbd:ParetoNBD", None, PNBD_NAMES, "rfm"),
    "lt_pnbd": (None, "ParetoNBDFitter", PNBD_NAMES, "rfm"),
    "crm_mbg": ("crmkit.value.mbgnbd:ModifiedBetaGeo", None, MBG_NAMES, "rfm"),
    "lt_mbg": (None, "ModifiedBetaGeoFitter", MBG_NAMES, "rfm"),
    "crm_bgbb": ("crmkit.value.bgbb:BetaGeoBetaBinom", None, BGBB_NAMES, "bgbb"),
    "lt_bgbb": (None, "BetaGeoBetaBinomFitter", BGBB_NAMES, "bgbb"),
}


def _bgbb_summary(workdir: Path, customers: int, seed: int, subsample: int | None):
    """The BG/BB summary (frequency, recency, n_periods), simulated once and kept in ``workdir``."""
    import pandas as pd

    path = workdir / f"bgbb_{customers}_{seed}.parquet"
    if not path.exists():
        from crmkit.value.bgbb import simulate_bgbb

        simulate_bgbb(customers, n_periods=BGBB_PERIODS, seed=seed, **BGBB_TRUTH).to_parquet(path)
    summary = pd.read_parquet(path)
    return summary.iloc[:subsample] if subsample else summary


def _new_model_step(kind: str, workdir: Path, sub: int | None, spec: dict) -> dict:
    """Fit one of Pareto/NBD, MBG/NBD, BG/BB with crmkit or lifetimes on the same per-customer
    summary (crmkit's RFM summary of the orders, or the simulated BG/BB summary); only the fit is timed."""
    import importlib

    ours, theirs, names, data = NEW_MODEL_STEPS[kind]
    if data == "rfm":
        summary = _read_summary(workdir, sub)
    else:
        summary = _bgbb_summary(workdir, spec["customers"], spec["seed"], sub)
    if ours:
        module, cls = ours.split(":")
        model = getattr(importlib.import_module(module), cls)()
        _warm_crmkit()
        t0 = time.perf_counter()
        model.fit(summary) if data == "bgbb" else model.fit(summary, time_unit="D")
        seconds = time.perf_counter() - t0
        notes = (f"{model.n_patterns_:,} distinct patterns of {model.n_customers_:,} customers, "
                 f"{model.n_iter_} Newton steps")
        return {"seconds": seconds, "rows": len(summary), "notes": notes, "params": model.params_.to_dict(),
                "se": model.summary_["se(coef)"].to_dict()}
    lt = _quiet_lifetimes()
    fitter = getattr(lt, theirs)()
    if data == "bgbb":
        args = (summary["frequency"], summary["recency"], summary["n_periods"])
    else:
        args = (summary["frequency"], summary["recency"], summary["T"])
    t0 = time.perf_counter()
    fitter.fit(*args)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": len(summary), "params": fitter.params_[names].to_dict()}




# =========================================================================== driver (parent side)








def machine() -> list[str]:
    import numpy
    import pandas
    import scipy

    try:
        import lifetimes
        lt_version = lifetimes.__version__
    except Exception as exc:  # noqa: BLE001 - reported, not fatal: the crmkit side still runs
        lt_version = f"not importable ({type(exc).__name__})"
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "crmkit"], capture_output=True,
                               text=True, check=False).stdout.strip()
    except OSError:
        commit, dirty = "?", ""
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f", {int(fh.readline().split()[1]) / 1024**2:.0f} GB RAM"
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    cpu = platform.processor() or platform.machine()
    return [
        f"{cpu}, {os.cpu_count()} CPUs{mem}, load average {load} at start",
        (f"Python {platform.python_version()}, numpy {numpy.__version__}, pandas {pandas.__version__}, "
         f"scipy {scipy.__version__}, lifetimes {lt_version}"),
        f"crmkit commit {commit}{' + uncommitted changes' if dirty else ''}",
    ]


def _baseline_source(baseline: str, tmp: Path) -> tuple[Path, str]:
    """The folder holding the baseline's crmkit/, and how the table names it: a folder as given,
    else a git revision of this checkout taken with ``git archive`` (nothing in the checkout changes)."""
    folder = Path(baseline)
    if (folder / "crmkit").is_dir():
        return folder, str(folder)
    dest = tmp / "baseline"
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", baseline, "crmkit"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", baseline], check=True,
                            capture_output=True, text=True).stdout.strip()
    return dest, f"git {baseline} ({commit})"


def rfm_first_calls(args, workdir: Path, tmp: Path, head: list[str]) -> int:
    """The ``--rfm-sizes`` table: first calls in fresh processes, interleaved repetitions."""
    import statistics

    import numpy as np
    import pandas as pd

    base_src, base_label = _baseline_source(args.baseline, tmp)
    print(f"baseline: {base_label}")
    files = {}
    for size in args.rfm_sizes:
        path = workdir / f"orders_{size}_{args.seed}.parquet"
        if not path.exists():
            print(f"generating {size:,} customers' orders ...", flush=True)
            res = harness.spawn(__file__, {"kind": "generate", "workdir": str(workdir), "customers": size,
                                           "seed": args.seed}, 3600)
            if "error" in res:
                print("data generation failed:", res["error"])
                return 1
            (workdir / "orders.parquet").rename(path)
        files[size] = path
    libraries = {"crmkit": None, "baseline": base_src}
    if not args.no_lifetimes:
        libraries["lifetimes"] = None
    seconds = {(size, lib): [] for size in args.rfm_sizes for lib in libraries}
    cpu = {(size, lib): [] for size in args.rfm_sizes for lib in libraries}
    loads = {size: [] for size in args.rfm_sizes}
    rows, errors = {}, {}
    for rep in range(args.rfm_repeats):
        names = list(libraries)
        names = names[rep % len(names):] + names[:rep % len(names)]  # who goes first rotates
        for size in args.rfm_sizes:
            for lib in names:
                keep = str(workdir / f"rfm_{size}_{lib}.parquet") if rep == 0 else None
                spec = {"kind": "rfm_first", "workdir": str(workdir), "orders": str(files[size]), "library": lib,
                        "keep": keep}
                loads[size].append(os.getloadavg()[0])
                res = harness.spawn(__file__, spec, args.lifetimes_timeout, src=libraries[lib])
                if "error" in res:
                    errors[(size, lib)] = res["error"]
                    continue
                seconds[(size, lib)].append(res["seconds"])
                cpu[(size, lib)].append(res["cpu_seconds"])
                rows[size] = res["rows"]
            print(f"  repetition {rep + 1}, {size:,} customers: " + ", ".join(
                f"{lib} {seconds[(size, lib)][-1]:.3f}s" for lib in names if seconds[(size, lib)]), flush=True)

    def agreement(size) -> str:
        try:
            ours = pd.read_parquet(workdir / f"rfm_{size}_crmkit.parquet")
            same = ours.equals(pd.read_parquet(workdir / f"rfm_{size}_baseline.parquet"))
            text = "identical to baseline" if same else "**differs from baseline**"
            if "lifetimes" in libraries:
                cols = ["frequency", "recency", "T", "repeat_mean_value"]
                theirs = pd.read_parquet(workdir / f"rfm_{size}_lifetimes.parquet").reindex(ours.index)
                diff = float(np.nanmax(np.abs(ours[cols].to_numpy(float) - theirs[cols].to_numpy(float))))
                text += f"; lifetimes max abs diff {diff:.2g}"
            return text
        except (OSError, KeyError, ValueError) as exc:
            return f"not compared ({type(exc).__name__})"

    def speedups(lib, size, times=seconds) -> list[float]:  # per repetition: its runs went side by side
        theirs, ours = times[(size, "lifetimes")], times[(size, lib)]
        return [t / o for t, o in zip(theirs, ours)] if len(theirs) == len(ours) else []

    def median_worst(ups) -> str:
        return f"{statistics.median(ups):.1f}× ({min(ups):.1f}×)" if ups else "—"

    table = ["| customers | orders | crmkit s | baseline s | lifetimes s | crmkit speed-up median (worst) | "
             "baseline speed-up median (worst) | goal ≥5× (worst) | crmkit CPU s | baseline CPU s | lifetimes CPU s | "
             "CPU speed-up crmkit (worst) | CPU speed-up baseline (worst) | load avg | summaries |",
             "|" + " ---: |" * 7 + " :---: |" + " ---: |" * 6 + " --- |"]
    for size in args.rfm_sizes:
        med = {lib: (statistics.median(seconds[(size, lib)]) if seconds[(size, lib)] else None) for lib in libraries}
        cpu_med = {lib: (statistics.median(cpu[(size, lib)]) if cpu[(size, lib)] else None) for lib in libraries}
        lt = "lifetimes" in libraries
        cells = [median_worst(speedups(lib, size) if lt else []) for lib in ("crmkit", "baseline")]
        cpu_cells = [median_worst(speedups(lib, size, cpu) if lt else []) for lib in ("crmkit", "baseline")]
        ups = speedups("crmkit", size) if "lifetimes" in libraries else []
        goal = ("✓" if min(ups) >= GOAL_SPEEDUP else "✗") if ups else "—"
        notes = "; ".join([agreement(size)] + [f"{lib}: {err}" for (s_, lib), err in errors.items() if s_ == size])
        table.append(f"| {size:,} | {rows.get(size, 0):,} | {_fmt_s(med['crmkit'])} | {_fmt_s(med['baseline'])} | "
                     f"{_fmt_s(med.get('lifetimes'))} | {cells[0]} | {cells[1]} | {goal} | "
                     f"{' | '.join(_fmt_s(cpu_med.get(lib)) for lib in ('crmkit', 'baseline', 'lifetimes'))} | "
                     f"{cpu_cells[0]} | {cpu_cells[1]} | {statistics.median(loads[size]):.2f} | {notes} |")
    md = ["# RFM summary, first call in a fresh process: crmkit against lifetimes", "", *[f"- {h}" for h in head],
          f"- baseline: {base_label}", f"- load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
          (f"- {args.rfm_repeats} repetitions, interleaved; seconds are medians; a speed-up is lifetimes' time "
           "over crmkit's in the same repetition (median and worst of the repetitions); load avg is the median "
           "1-minute load average when the size's steps started; CPU s is the call's process time (all threads), "
           "which a loaded machine inflates far less than the wall clock; the goal is judged on the wall clock"),
          "", *table, ""]
    text = "\n".join(md)
    print("\n" + text)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "value_rfm.md").write_text(text)
    print(f"written to {OUT_DIR / 'value_rfm.md'}")
    return 0


def pipeline_runs(args, workdir: Path, tmp: Path, head: list[str], info: dict) -> int:
    """The ``--pipeline-repeats`` table: the whole crmkit pipeline, each run a fresh process,
    crmkit and the baseline interleaved (who goes first alternates); best and median."""
    import statistics

    base_src, base_label = _baseline_source(args.baseline, tmp)
    print(f"baseline: {base_label}")
    runs: dict[str, list[dict]] = {"crmkit": [], "baseline": []}
    for rep in range(args.pipeline_repeats):
        order = ["crmkit", "baseline"] if rep % 2 == 0 else ["baseline", "crmkit"]
        for lib in order:
            load = os.getloadavg()[0]
            res = harness.spawn(__file__, {"kind": "crm_pipeline", "workdir": str(workdir)}, 900,
                                src=base_src if lib == "baseline" else None)
            res["load"] = load
            runs[lib].append(res)
            print(f"  repetition {rep + 1}, {lib}: " + (res.get("error") or
                  f"{res['seconds']:.3f}s (CPU {res.get('cpu_seconds', float('nan')):.3f}s), load {load:.2f}"),
                  flush=True)
    steps = ("rfm", "BG/NBD", "Gamma-Gamma", "CLV")
    table = ["| crmkit | runs | best s | median s | best CPU s | median CPU s | best run's steps (s) | load avg "
             "(median) | total CLV |", "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"]
    totals = {}
    for lib, label in (("baseline", base_label), ("crmkit", "this checkout")):
        ok = [r for r in runs[lib] if "seconds" in r]
        if not ok:
            table.append(f"| {label} | 0 | — | — | — | — | {runs[lib][0].get('error', '') if runs[lib] else ''} | — | — |")
            continue
        best = min(ok, key=lambda r: r["seconds"])
        cpus = [r["cpu_seconds"] for r in ok if r.get("cpu_seconds") is not None]
        parts = ", ".join(f"{n} {v:.3f}" for n, v in zip(steps, best.get("parts", [])))
        totals[lib] = best.get("clv_total")
        table.append(f"| {label} | {len(ok)} | {best['seconds']:.3f} | {statistics.median(r['seconds'] for r in ok):.3f} | "
                     f"{_fmt_s(min(cpus) if cpus else None)} | {_fmt_s(statistics.median(cpus) if cpus else None)} | "
                     f"{parts} | {statistics.median(r['load'] for r in ok):.2f} | {best.get('clv_total', 0):,.6f} |")
    same = totals.get("crmkit") is not None and totals.get("crmkit") == totals.get("baseline")
    md = ["# The whole crmkit pipeline (RFM summary → BG/NBD → Gamma-Gamma → 12-month CLV), fresh processes", "",
          *[f"- {h}" for h in head], f"- baseline: {base_label}",
          f"- load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
          (f"- data: {info['orders']:,} orders of {info['customers']:,} customers; {args.pipeline_repeats} runs each, "
           "interleaved; CPU s is the process time of the four steps (all threads), which a loaded machine inflates "
           f"far less than the wall clock; goal: under {GOAL_PIPELINE_QUIET_S:g} s on a quiet machine"),
          f"- total CLV {'identical' if same else '**differs**'} between the two", "", *table, ""]
    text = "\n".join(md)
    print("\n" + text)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "value_pipeline.md").write_text(text)
    print(f"written to {OUT_DIR / 'value_pipeline.md'}")
    return 0


def _fmt_s(x) -> str:
    return "—" if x is None else (f"{x:.3f}" if x < 10 else f"{x:.1f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--workdir", type=Path, help="keep the order file here (reused when size and seed match)")
    ap.add_argument("--lifetimes-timeout", type=float, default=300.0,
                    help="seconds a lifetimes step may take on the full data before it runs on a subsample")
    ap.add_argument("--subsample", type=int, default=100_000, help="customers for a lifetimes step that timed out")
    ap.add_argument("--no-lifetimes", action="store_true", help="crmkit steps only")
    ap.add_argument("--models", choices=["all", "classic", "new"], default="all",
                    help="classic: RFM, BG/NBD, Gamma-Gamma, CLV; new: Pareto/NBD, MBG/NBD, BG/BB fits; all: both")
    ap.add_argument("--rfm-sizes", type=int, nargs="+", metavar="N",
                    help="only the RFM summary's first call, at these numbers of customers (see above)")
    ap.add_argument("--rfm-repeats", type=int, default=3, help="repetitions of each first call (--rfm-sizes)")
    ap.add_argument("--baseline", default="HEAD",
                    help="what crmkit is compared with in --rfm-sizes: a git revision, or a folder holding crmkit/")
    ap.add_argument("--pipeline-repeats", type=int, metavar="N",
                    help="only the whole crmkit pipeline, N fresh processes each for crmkit and --baseline, "
                         "interleaved: best and median (see above)")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step:
        harness.run_child(run_step, args.step)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="crmkit-valuebench-"))
    workdir = args.workdir or tmp
    workdir.mkdir(parents=True, exist_ok=True)
    digest = harness.freeze_crmkit(tmp / "src")
    head = machine() + [f"crmkit sources digest {digest} (the steps import this snapshot)"]
    for line in head:
        print(line)
    if args.rfm_sizes:
        status = rfm_first_calls(args, workdir, tmp, head)
        shutil.rmtree(tmp, ignore_errors=True)
        return status

    stamp = workdir / "orders.json"
    wanted = {"customers": args.customers, "seed": args.seed, "truth": TRUTH}
    base = {"workdir": str(workdir)}
    if stamp.exists() and json.loads(stamp.read_text()).get("wanted") == wanted and (workdir / "orders.parquet").exists():
        info = json.loads(stamp.read_text())["info"]
        print(f"reusing {workdir / 'orders.parquet'}")
    else:
        print(f"generating {args.customers:,} customers' orders ...", flush=True)
        res = harness.spawn(__file__, {**base, "kind": "generate", "customers": args.customers, "seed": args.seed}, 3600)
        if "error" in res:
            print("data generation failed:", res["error"])
            return 1
        info = res["info"]
        stamp.write_text(json.dumps({"wanted": wanted, "info": info}))
    print(f"{info['orders']:,} orders of {info['customers']:,} customers "
          f"({info['repeat_share']:.0%} with repeat purchases)")

    if args.pipeline_repeats:
        status = pipeline_runs(args, workdir, tmp, head, info)
        shutil.rmtree(tmp, ignore_errors=True)
        return status

    results: dict[str, dict] = {}

    def step(name, kind, timeout=900.0, fallback=False, **extra):
        print(f"  {name} ...", end=" ", flush=True)
        res = harness.spawn(__file__, {**base, "kind": kind, **extra}, timeout)
        if res.get("timeout") and fallback:
            print(f"no result within {timeout:.0f}s; again on {args.subsample:,} customers ...", end=" ", flush=True)
            full = res["error"]
            res = harness.spawn(__file__, {**base, "kind": kind, "subsample": args.subsample, **extra}, 3600)
            res["subsample_note"] = (f"lifetimes on the full data: {full}; its time here is for the first "
                                     f"{args.subsample:,} customers only (no full-data time extrapolated or claimed)")
        print(res.get("error") or f"{_fmt_s(res.get('seconds'))}s, peak {res.get('peak_mb', 0):.0f} MB")
        results[kind] = res
        return res

    step("startup (imports only)", "noop")
    classic, new = args.models in ("all", "classic"), args.models in ("all", "new")
    pairs = [("RFM summary", "crm_rfm", "lt_rfm"), ("BG/NBD fit", "crm_bg", "lt_bg"),
             ("Gamma-Gamma fit", "crm_gg", "lt_gg"), ("12-month CLV, every customer", "crm_clv", "lt_clv")]
    new_pairs = [("Pareto/NBD fit", "crm_pnbd", "lt_pnbd"), ("MBG/NBD fit", "crm_mbg", "lt_mbg"),
                 (f"BG/BB fit ({BGBB_PERIODS} opportunities, simulated)", "crm_bgbb", "lt_bgbb")]
    if not classic:
        pairs = []
        step("crmkit RFM summary (the input of the Pareto/NBD and MBG/NBD fits)", "crm_rfm")
    for title, ours, theirs in pairs:
        step(f"crmkit {title}", ours)
        if args.no_lifetimes:
            continue
        extra = {}
        if theirs == "lt_clv":
            if "params" not in results.get("lt_bg", {}) or "params" not in results.get("lt_gg", {}):
                results[theirs] = {"error": "lifetimes' fits failed, no parameters to score with"}
                continue
            extra = {"bg_params": results["lt_bg"]["params"], "gg_params": results["lt_gg"]["params"]}
            if results["lt_bg"].get("subsample_note") or results["lt_gg"].get("subsample_note"):
                extra["subsample"] = args.subsample
        step(f"lifetimes {title}", theirs, timeout=args.lifetimes_timeout, fallback=True, **extra)
    if classic:
        step("crmkit whole pipeline (RFM → BG/NBD → Gamma-Gamma → CLV, one process)", "crm_pipeline")
    for title, ours, theirs in new_pairs if new else []:
        data = {"customers": args.customers, "seed": args.seed}
        step(f"crmkit {title}", ours, **data)
        if not args.no_lifetimes:
            step(f"lifetimes {title}", theirs, timeout=args.lifetimes_timeout, fallback=True, **data)
            if results[theirs].get("subsample_note") and "params" in results[theirs]:
                # parameters compare only on the same customers: crmkit again, on lifetimes' subsample
                step(f"crmkit {title}, on the same {args.subsample:,} customers", ours + "_sub",
                     subsample=args.subsample, **data)
    if new:
        pairs = pairs + new_pairs

    # ---- comparisons
    import numpy as np
    import pandas as pd

    notes_extra: dict[str, str] = {}
    if (workdir / "summary_lifetimes.parquet").exists() and (workdir / "summary.parquet").exists():
        # the columns both make, lifetimes' monetary_value under crmkit's name (total_value is crmkit's own)
        ours = pd.read_parquet(workdir / "summary.parquet")[["frequency", "recency", "T", "repeat_mean_value"]]
        theirs = pd.read_parquet(workdir / "summary_lifetimes.parquet").rename(
            columns={"monetary_value": "repeat_mean_value"}).reindex(ours.index)
        diff = float(np.nanmax(np.abs(ours.to_numpy(float) - theirs[ours.columns].to_numpy(float))))
        notes_extra["lt_rfm"] = f"same summary as crmkit's: max abs difference {diff:.2g}"
    if (workdir / "clv_lifetimes.parquet").exists() and (workdir / "clv_crmkit_30d.parquet").exists():
        theirs = pd.read_parquet(workdir / "clv_lifetimes.parquet")["clv"]
        ours = pd.read_parquet(workdir / "clv_crmkit_30d.parquet")["clv"].reindex(theirs.index)
        rel = float(np.max(np.abs(ours / theirs - 1)[theirs > 1e-9]))
        notes_extra["lt_clv"] = f"max relative difference from crmkit (30-day month): {rel:.1e}"

    table = ["| step | crmkit s | lifetimes s | speed-up | crmkit peak MB | lifetimes peak MB | notes |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    noop = results.get("noop", {})
    table.append(f"| startup (imports only) | — | — | — | {noop.get('peak_mb', 0):.0f} | (same process) | "
                 f"{noop.get('notes', noop.get('error', ''))} |")
    verdicts = []
    for title, ours, theirs in pairs:
        a, b = results.get(ours, {}), results.get(theirs, {})
        sa, sb = a.get("seconds"), b.get("seconds")
        speed = "—"
        if sa and sb and not b.get("subsample_note"):
            speed = f"{sb / sa:.1f}×"
            verdicts.append((title, sb / sa))
        elif sa and sb and results.get(ours + "_sub", {}).get("seconds"):
            same = results[ours + "_sub"]["seconds"]  # crmkit timed on lifetimes' subsample too
            speed = f"{sb / same:.1f}× (both on the subsample)"
            verdicts.append((title + " (subsample)", sb / same))
            notes_extra[theirs] = f"crmkit on the same subsample: {_fmt_s(same)} s"
        elif sa and sb:
            speed = f"({sb / sa:.1f}× vs subsample)"
        notes = "; ".join(x for x in (a.get("error"), a.get("notes"), b.get("error"), b.get("subsample_note"),
                                      b.get("notes"), notes_extra.get(theirs)) if x)
        table.append(f"| {title} | {_fmt_s(sa)} | {_fmt_s(sb)} | {speed} | {a.get('peak_mb', 0):.0f} | "
                     f"{b.get('peak_mb', 0):.0f} | {notes} |")
    pipe = results.get("crm_pipeline", {})
    if classic:
        table.append(f"| **whole crmkit pipeline** | **{_fmt_s(pipe.get('seconds'))}** | — | — | "
                     f"{pipe.get('peak_mb', 0):.0f} | — | {pipe.get('notes', pipe.get('error', ''))} |")

    params = ["| parameter | truth | crmkit | ± se | lifetimes | relative difference |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    worst = 0.0
    fits = [("crm_bg", "lt_bg", BG_NAMES, TRUTH), ("crm_gg", "lt_gg", GG_NAMES, TRUTH)] if classic else []
    if new:  # Pareto/NBD and MBG/NBD on BG/NBD data have no true values; BG/BB's data are its own
        for ours, theirs, names, truth in [("crm_pnbd", "lt_pnbd", PNBD_NAMES, {}),
                                           ("crm_mbg", "lt_mbg", MBG_NAMES, {}),
                                           ("crm_bgbb", "lt_bgbb", BGBB_NAMES, BGBB_TRUTH)]:
            fits.append((ours, theirs, names, truth))
            if ours + "_sub" in results:
                fits.append((ours + "_sub", theirs, names, truth))
    for ours, theirs, names, truth in fits:
        a, b = results.get(ours, {}), results.get(theirs, {})
        if len(fits) > 2:
            same = f", both on the first {args.subsample:,} customers" if ours.endswith("_sub") else ""
            params.append(f"| *{ours[4:].removesuffix('_sub')}{same}* | | | | | |")
        for k in names:
            pa, pb = a.get("params", {}).get(k), b.get("params", {}).get(k)
            rel = abs(pa / pb - 1) if pa is not None and pb is not None else None
            on_same = not b.get("subsample_note") or ours.endswith("_sub")
            if rel is not None and on_same:
                worst = max(worst, rel)
            se = a.get("se", {}).get(k)
            params.append(f"| {k} | {'—' if k not in truth else f'{truth[k]:g}'} | "
                          f"{pa if pa is None else f'{pa:.6g}'} | "
                          f"{'—' if se is None else f'{se:.3g}'} | {pb if pb is None else f'{pb:.6g}'} | "
                          f"{'—' if rel is None else f'{rel:.1e}'}"
                          f"{'' if on_same else ' (lifetimes on subsample)'} |")

    goals = [f"- every step ≥ {GOAL_SPEEDUP:g}× faster than lifetimes: "
             + ", ".join(f"{t} {s:.1f}× {'✓' if s >= GOAL_SPEEDUP else '✗'}" for t, s in verdicts)]
    if pipe.get("seconds"):
        ok = pipe["seconds"] < GOAL_PIPELINE_S
        goals.append(f"- whole pipeline < {GOAL_PIPELINE_S:g} s: {pipe['seconds']:.2f} s {'✓' if ok else '✗'}")
    if not args.no_lifetimes:
        goals.append(f"- parameters within {GOAL_PARAMS_REL:g} relative of lifetimes: worst {worst:.1e} "
                     f"{'✓' if worst <= GOAL_PARAMS_REL else '✗'}")
    end_load = " ".join(f"{x:.2f}" for x in os.getloadavg())

    md = ["# Value models: crmkit against lifetimes", "", *[f"- {h}" for h in head],
          f"- load average at end: {end_load}",
          (f"- data: {info['orders']:,} orders of {info['customers']:,} customers, simulated from BG/NBD "
           f"(r={TRUTH['r']}, α={TRUTH['alpha']} days, a={TRUTH['a']}, b={TRUTH['b']}) with Gamma-Gamma "
           f"amounts (p={TRUTH['p']}, q={TRUTH['q']}, v={TRUTH['v']}); summary in days as of {AS_OF}"),
          "", "## Steps (each in a fresh process; peak = ru_maxrss of that process)", "", *table,
          "", "## Parameters (both fitted on crmkit's summary)", "", *params, "", "## Goals", "", *goals, ""]
    text = "\n".join(md)
    print("\n" + text)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "value.md").write_text(text)
    print(f"written to {OUT_DIR / 'value.md'}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
