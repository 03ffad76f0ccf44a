"""How fast the widgets answer on a big store: the server-side time of each user action.

    python bench/bench_widgets.py                        # 100k customers (+ the demo's interactions, orders, cards)
    python bench/bench_widgets.py --customers 5000       # smoke test
    python bench/bench_widgets.py --workdir /tmp/wbench  # keep (and reuse) the store

What is timed is the Python side of a user action in the kernel, as in JupyterLab or Voila:
the callback, the store queries and the widget state it sends (the DataGrid's data is
serialised; the comm is ipywidgets' stand-in, so no browser time is counted).

* editor open: ``RecordEditor(crm)`` (customers) with its first page;
* editor search: ``editor.search(text)``;
* editor save: ``editor.edit(id, "phone", value)`` + ``editor.save()`` (one versioned update);
* explorer update (filter): a region chosen -> table and charts recomputed;
* explorer update (as-of): a new as-of date -> RFM segments recomputed, then table and charts;
* explorer open, value-grade and k-means method changes, board open (reps' grades) and the
  board's model scoring, for reference.

Each step runs in a fresh process on a frozen copy of crmkit (see harness.py); "cold" is the
first call in that process (widget modules already imported), "median" the median of the
repeats after it. Goal from issue 5: each of the first five under 200 ms.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import harness

harness.use_frozen_crmkit()

OUT = Path(__file__).resolve().parent / "out"
GOAL_MS = 200.0
REPEATS = 7


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _series(calls) -> dict:
    """Time each call; the first is the cold one, the median is over the rest."""
    times = [_timed(c) for c in calls]
    rest = times[1:] or times
    return {"cold_ms": times[0], "median_ms": statistics.median(rest), "n": len(rest)}


def run_step(spec: dict) -> dict:
    import crmkit

    url = spec["url"]
    kind = spec["kind"]
    if kind == "build":
        from crmkit import demo

        t = time.perf_counter()
        data = demo.generate(n_customers=spec["customers"], seed=1)
        with crmkit.open(url, user="bench") as crm:
            demo.load_into(crm, data)
            counts = crm.counts()
        return {"counts": counts, "seconds": time.perf_counter() - t}

    t = time.perf_counter()
    import ipydatagrid  # noqa: F401
    import ipywidgets  # noqa: F401

    import crmkit.close  # noqa: F401  (what the board's first plan imports)
    import crmkit.widgets.editor  # noqa: F401

    imports_ms = (time.perf_counter() - t) * 1000
    crm = crmkit.open(url, user="bench")
    out: dict = {"imports_ms": imports_ms}

    if kind == "editor":
        from crmkit.widgets.editor import RecordEditor

        out["editor open"] = _series([lambda: RecordEditor(crm)] * (REPEATS + 1))
        editor = RecordEditor(crm)
        customers = crm.read("customers", columns=["name"]).sample(REPEATS + 1, random_state=0)
        words = [name[2:4] for name in customers["name"]]  # part of a company name, as a user types it
        out["editor search"] = _series([lambda q=q: editor.search(q) for q in words])
        editor.search("")
        ids = list(editor.page_ids[: REPEATS + 1])

        def save(i, rid):
            editor.edit(rid, "phone", f"1390000{i:04d}")
            editor.save()

        out["editor save"] = _series([lambda i=i, rid=rid: save(i, rid) for i, rid in enumerate(ids)])
        assert not editor.pending, "the saves did not go through"
        # The usual way without crmkit's editor: every customer into one editable grid.
        from ipydatagrid import DataGrid

        out["baseline: DataGrid(crm.customers()) open"] = _series(
            [lambda: DataGrid(crm.customers(), editable=True)] * 3)
        frame = crm.customers()
        out["baseline: str.contains search + new grid data"] = _series(
            [lambda q=q: DataGrid(frame[frame["name"].str.contains(q, regex=False, na=False)]) for q in words[:4]])
    elif kind == "explorer":
        from crmkit.widgets.explorer import SegmentExplorer

        holder = {}
        out["explorer open"] = {"cold_ms": _timed(lambda: holder.setdefault("e", SegmentExplorer(crm)))}
        e = holder["e"]
        regions = [v for _, v in e.region.options][1:] + ["__all__"]
        calls = [lambda r=r: setattr(e.region, "value", r) for r in (regions * 2)[: REPEATS + 1]]
        out["explorer update (filter)"] = _series(calls)
        assert not e.banner.message, e.banner.message
        import datetime as dt

        last = e.as_of.value
        days = [last - dt.timedelta(days=30 * (i + 1)) for i in range(REPEATS + 1)]
        out["explorer update (as-of)"] = _series([lambda d=d: setattr(e.as_of, "value", d) for d in days])
        # how much of that is crmkit.value's rfm_summary + rfm_segments (+ the revenue sum)
        from crmkit.widgets.explorer import segment_customers

        earlier = [last - dt.timedelta(days=30 * (i + 1) + 7) for i in range(REPEATS + 1)]
        out["  of which segment_customers (crmkit.value)"] = _series(
            [lambda d=d: segment_customers(e._orders, as_of=d) for d in earlier])
        out["explorer update (method: value grades)"] = {"cold_ms": _timed(lambda: setattr(e.method, "value", "value"))}
        out["explorer update (method: k-means)"] = {"cold_ms": _timed(lambda: setattr(e.method, "value", "kmeans"))}
        out["rows"] = len(e.segments)
        assert not e.banner.message, e.banner.message
    elif kind == "board":
        from crmkit.widgets.board import LeadBoard

        out["board open (reps' grades)"] = _series([lambda: LeadBoard(crm, scoring="off")] * 4)
        import tempfile

        from crmkit.widgets import board as board_module

        with tempfile.TemporaryDirectory() as cache:
            board = LeadBoard(crm, scoring="off", cache_dir=cache)
            out["rows"] = len(board.plan)
            out["board scoring (close model, background)"] = {"cold_ms": _timed(board._score)}
            board_module._SCORED.clear()  # a new kernel (another Voila visitor): only the disk cache is left
            again = LeadBoard(crm, scoring="off", cache_dir=cache)
            out["board scoring, model from the day's cache"] = {"cold_ms": _timed(again._score)}
    else:
        raise ValueError(kind)
    crm.close()
    return out


GOALS = ("editor open", "editor search", "editor save", "explorer update (filter)", "explorer update (as-of)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--workdir", type=Path, help="keep the store here (reused when the size matches)")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step:
        harness.run_child(run_step, args.step)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        digest = harness.freeze_crmkit(Path(tmp) / "src")
        db = work / f"widgets_{args.customers}.db"
        url = f"sqlite:///{db}"
        if not db.exists():
            built = harness.spawn(__file__, {"kind": "build", "url": url, "customers": args.customers}, 3600)
            if "error" in built:
                print(built["error"])
                return 1
        results = {k: harness.spawn(__file__, {"kind": k, "url": url}, 1800) for k in ("editor", "explorer", "board")}
    import crmkit

    with crmkit.open(url) as crm:
        counts = crm.counts()
    lines = [f"# crmkit widget benchmark (crmkit sources {digest}, python {platform.python_version()})", "",
             f"SQLite store: {counts['customers']:,} customers, {counts['interactions']:,} interactions, "
             f"{counts['orders']:,} orders, {counts['opportunities']:,} opportunities.", "",
             "| action | cold ms | median ms (n) | goal | |", "|---|---:|---:|---:|---|"]
    ok = True
    for kind, r in results.items():
        if "error" in r:
            lines.append(f"| {kind} | | | | {r['error']} |")
            ok = False
            continue
        for name, m in r.items():
            if not isinstance(m, dict):
                continue
            median = f"{m['median_ms']:.0f} ({m['n']})" if "median_ms" in m else ""
            worst = m.get("median_ms", m["cold_ms"])
            goal = f"{GOAL_MS:.0f}" if name in GOALS else ""
            verdict = ("ok" if worst < GOAL_MS else "MISSED") if name in GOALS else ""
            ok &= verdict != "MISSED"
            lines.append(f"| {name} | {m['cold_ms']:.0f} | {median} | {goal} | {verdict} |")
    lines += ["", "Widget modules (ipywidgets, ipydatagrid, crmkit.widgets, crmkit.close) import once per kernel, "
              "before the cold call: "
              + ", ".join(f"{k} {r['imports_ms']:.0f} ms" for k, r in results.items() if "imports_ms" in r) + ".",
              f"Explorer: {results['explorer'].get('rows', 0):,} customers segmented; board: "
              f"{results['board'].get('rows', 0):,} open cards."]
    text = "\n".join(lines)
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "widgets.md").write_text(text + "\n")
    print(json.dumps({k: {n: m for n, m in r.items()} for k, r in results.items()}, default=str), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
