"""Do readers and editors stay responsive while a big import writes? Baseline and crmkit, same run.

    python bench/bench_import_readers.py                  # 100k customers + 200k visits stored, 1M visits imported
    python bench/bench_import_readers.py --smoke          # 5k + 10k stored, 60k imported (about a minute)
    python bench/bench_import_readers.py --backends postgresql --pg-url postgresql+psycopg://user@host/db
    python bench/bench_import_readers.py --scenarios merge

Each run measures two crmkit versions on the same data: ``baseline`` is ``crmkit/`` as committed
at git HEAD (``git archive HEAD crmkit``), ``crmkit`` the working tree, frozen when the run starts.
For each backend, version and scenario, a fresh store (a schema of its own on PostgreSQL, dropped
at the end; a file in a temp folder on SQLite) is loaded with customers (and, in the ``merge``
scenario, some visits), then one process imports the big frame of new visits with
``crm.import_frame`` while a reader process loops over ``crm.get`` / ``crm.search`` / ``crm.read``
/ ``crm.count`` of customers and interactions and ``crm.history`` of one record, and an editor
process loops over edits (``crm.get`` then ``crm.update``, as the record editor saves) of a customer
and of a stored visit. Every call's latency is
recorded; the table shows the calls that overlapped the import's write (its transaction).

Scenarios: ``merge`` imports into a table that already holds rows (staging table + set-based
merge); ``empty`` is a first load of the table (COPY straight into it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
harness.use_frozen_crmkit()  # the roles import the crmkit copy their version points at

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
OUT_DIR = HERE / "out"
REGIONS = ["华东", "华北", "华南", "西南", "东北", "西北", "华中"]
REPS = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强"]


# =========================================================================== data


def customers_frame(n: int, seed: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ids = [f"{i:06d}" for i in range(1, n + 1)]
    return pd.DataFrame({
        "customer_id": ids,
        "name": [f"客户{i}号" for i in range(1, n + 1)],
        "region": rng.choice(REGIONS, n),
        "owner": rng.choice(REPS, n),
        "phone": [f"138{i:08d}" for i in range(1, n + 1)],
        "created_at": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D"),
    })


def interactions_frame(first: int, n: int, n_customers: int, seed: int):
    """Visits ``first`` … ``first + n - 1``, in shuffled order (as files come), to random customers."""
    import numpy as np
    import pandas as pd

    from crmkit.schema import CHANNELS

    rng = np.random.default_rng(seed)
    numbers = rng.permutation(np.arange(first, first + n))
    return pd.DataFrame({
        "interaction_id": [f"V{i:09d}" for i in numbers],
        "customer_id": [f"{i:06d}" for i in rng.integers(1, n_customers + 1, n)],
        "occurred_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, n), unit="s"),
        "channel": rng.choice(list(CHANNELS), n),
        "rep": rng.choice(REPS, n),
        "notes": [f"第{i}次跟进" for i in numbers],
    })


# =========================================================================== roles (child processes)


def role_prepare(spec: dict) -> dict:
    """Fill the store: customers, and the visits already there in the ``merge`` scenario."""
    import crmkit

    with crmkit.open(spec["url"]) as crm:
        crm.import_frame(customers_frame(spec["customers"], spec["seed"]), "customers")
        if spec["stored"]:
            crm.import_frame(interactions_frame(1, spec["stored"], spec["customers"], spec["seed"] + 1), "interactions")
        return {"counts": crm.counts()}


def role_import(spec: dict) -> dict:
    """Build the frame, say ready, wait for the go, import it; time the whole call and its write."""
    import crmkit
    import crmkit.store.imports as imports

    frame = interactions_frame(spec["stored"] + 1, spec["new"], spec["customers"], spec["seed"] + 2)
    write = {}
    merge_frame = imports.merge_frame

    def timed_merge(*args, **kwargs):  # the part that runs inside the import's transaction
        write["start"] = time.time()
        try:
            return merge_frame(*args, **kwargs)
        finally:
            write["merged"] = time.time()

    imports.merge_frame = timed_merge
    sync = Path(spec["sync"])
    with crmkit.open(spec["url"]) as crm:
        crm.count("interactions")  # connected and warm
        (sync / "import.ready").touch()
        _wait_for(sync / "go")
        start = time.time()
        report = crm.import_frame(frame, "interactions")
        end = time.time()  # the commit is done when import_frame returns
        return {"start": start, "write_start": write["start"], "end": end, "inserted": report.inserted,
                "crmkit": crmkit.__file__, "counts": crm.counts()}


def role_reader(spec: dict) -> dict:
    """Loop over the reads a sales team makes, until told to stop; every call timed."""
    import random

    import crmkit

    rnd = random.Random(spec["seed"])
    stored_visits = [f"V{i:09d}" for i in range(1, spec["stored"] + 1)]
    customer = lambda: f"{rnd.randint(1, spec['customers']):06d}"  # noqa: E731
    ops = {
        "get customer": lambda crm: crm.get("customers", customer()),
        "search customers": lambda crm: crm.search("customers", f"客户{rnd.randint(1, 999)}", limit=20),
        "count customers": lambda crm: crm.count("customers", region=rnd.choice(REGIONS)),
        "visits of a customer": lambda crm: crm.read("interactions", customer=customer()),
        "count visits": lambda crm: crm.count("interactions", rep=rnd.choice(REPS), start="2026-06-01"),
        "history of a customer": lambda crm: crm.history("customers", customer()),
    }
    if stored_visits:
        ops["get visit"] = lambda crm: crm.get("interactions", rnd.choice(stored_visits))
    return _loop(spec, ops, pause=0.1)  # about ten reads a second: a busy team, not a flood


def role_editor(spec: dict) -> dict:
    """Loop over small edits (a customer's notes, a stored visit's notes), until told to stop."""
    import random

    import crmkit

    rnd = random.Random(spec["seed"] + 7)
    # the last customers are the editor's own: the reader's gets do not care, nothing else writes them
    own = [f"{i:06d}" for i in range(spec["customers"] - 20, spec["customers"] + 1)]
    counter = iter(range(10**9))

    def edit(crm, table, record_id):  # what the record editor does: read the record, save a change
        row = crm.get(table, record_id)
        crm.update(table, record_id, {"notes": f"edit {next(counter)}"}, expected_version=row["version"])

    ops = {"update customer": lambda crm: edit(crm, "customers", rnd.choice(own))}
    if spec["stored"]:
        ops["update visit"] = lambda crm: edit(crm, "interactions", f"V{rnd.randint(1, spec['stored']):09d}")
    return _loop(spec, ops, pause=0.2)


def _loop(spec: dict, ops: dict, pause: float) -> dict:
    import crmkit

    sync = Path(spec["sync"])
    calls = []
    names = list(ops)
    with crmkit.open(spec["url"]) as crm:
        for name in names:  # warm: the first call of each kind pays for imports and plans
            ops[name](crm)
        (sync / f"{spec['role']}.ready").touch()
        i = 0
        while not (sync / "stop").exists():
            name = names[i % len(names)]
            i += 1
            t0 = time.time()
            try:
                ops[name](crm)
                error = None
            except Exception as exc:  # a failed call is a result too (e.g. SQLite's "database is locked")
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
            calls.append({"op": name, "start": t0, "end": time.time(), "error": error})
            if pause:
                time.sleep(pause)
    return {"calls": calls}


def _wait_for(path: Path, timeout: float = 3600) -> None:
    deadline = time.time() + timeout
    while not path.exists():
        if time.time() > deadline:
            raise TimeoutError(f"nobody created {path}")
        time.sleep(0.02)


ROLES = {"prepare": role_prepare, "import": role_import, "reader": role_reader, "editor": role_editor}


# =========================================================================== driver


class Versions:
    """The two copies of crmkit/ the run compares: git HEAD's and the working tree's."""

    def __init__(self, tmp: Path):
        base = tmp / "baseline"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", "crmkit"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=True,
                                capture_output=True, text=True).stdout.strip()
        new = tmp / "crmkit"
        digest = harness.freeze_crmkit(new)
        self.sources = {"baseline": base, "crmkit": new}
        self.labels = {"baseline": f"git HEAD {commit}", "crmkit": f"working tree {digest}"}


def start_role(role: str, spec: dict, src: Path, out: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONHASHSEED="0", CRMKIT_BENCH_SRC=str(src))
    spec = dict(spec, role=role, out=str(out))
    return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--role", json.dumps(spec)], env=env)


def finish_role(proc: subprocess.Popen, out: Path, timeout: float) -> dict:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"a role timed out after {timeout:.0f}s")
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"a role failed (exit {proc.returncode}); its traceback is above")
    return json.loads(out.read_text())


def run_case(spec: dict, src: Path, work: Path, alone: bool) -> dict:
    """One store, one import, with a reader and an editor running along (unless ``alone``)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    spec = dict(spec, sync=str(work))
    prep = finish_role(start_role("prepare", spec, src, work / "prepare.json"), work / "prepare.json", 3600)
    importer = start_role("import", spec, src, work / "import.json")
    _wait_for(work / "import.ready")
    if not alone:
        reader = start_role("reader", spec, src, work / "reader.json")
        editor = start_role("editor", spec, src, work / "editor.json")
        _wait_for(work / "reader.ready")
        _wait_for(work / "editor.ready")
        time.sleep(1.0)  # a second of calls before the import: the quiet latencies
    (work / "go").touch()
    result = finish_role(importer, work / "import.json", 3600)
    reads = edits = []
    if not alone:
        time.sleep(0.5)
        (work / "stop").touch()
        reads = finish_role(reader, work / "reader.json", 600)["calls"]
        edits = finish_role(editor, work / "editor.json", 600)["calls"]
    window = (result["write_start"], result["end"])
    return {"prepare": prep, "import": result, "reads": _during(reads, window), "edits": _during(edits, window),
            "reads_before": [c for c in reads if c["end"] < result["start"]]}


def _during(calls: list[dict], window: tuple[float, float]) -> list[dict]:
    """The calls that overlapped the window (started before it ended and ended after it began)."""
    return [c for c in calls if c["start"] < window[1] and c["end"] > window[0]]


def _quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def summarize(name: str, case: dict) -> dict:
    imp = case["import"]
    ok_reads = [c["end"] - c["start"] for c in case["reads"] if not c["error"]]
    ok_edits = [c["end"] - c["start"] for c in case["edits"] if not c["error"]]
    worst = max(case["reads"], key=lambda c: c["end"] - c["start"], default=None)
    before = [c["end"] - c["start"] for c in case["reads_before"] if not c["error"]]
    return {
        "case": name,
        "import s": imp["end"] - imp["start"],
        "write s": imp["end"] - imp["write_start"],
        "reads": len(case["reads"]),
        "read p50 ms": 1000 * _quantile(ok_reads, 0.5),
        "read p99 ms": 1000 * _quantile(ok_reads, 0.99),
        "read max ms": 1000 * max(ok_reads, default=float("nan")),
        "slowest read": worst["op"] if worst else "",
        "edits": len(case["edits"]),
        "edit max ms": 1000 * max(ok_edits, default=float("nan")),
        "failed": sum(bool(c["error"]) for c in case["reads"] + case["edits"]),
        "quiet read max ms": 1000 * max(before, default=float("nan")),
        "errors": sorted({c["error"] for c in case["reads"] + case["edits"] if c["error"]}),
    }


def markdown(rows: list[dict]) -> str:
    cols = ["case", "import s", "write s", "reads", "read p50 ms", "read p99 ms", "read max ms", "slowest read",
            "edits", "edit max ms", "failed", "quiet read max ms"]

    def cell(v):
        return f"{v:.1f}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


class PgSchemas:
    """A schema of its own for each store, dropped at the end."""

    def __init__(self, url: str):
        import sqlalchemy as sa

        self.url, self.names, self.engine = url, [], sa.create_engine(url)
        with self.engine.connect() as conn:
            self.version = conn.execute(sa.text("SHOW server_version")).scalar()

    def new(self, purpose: str) -> str:
        import sqlalchemy as sa

        name = f"crmkit_bench_readers_{uuid.uuid4().hex[:8]}_{purpose}"
        with self.engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {name}"))
        self.names.append(name)
        return sa.engine.make_url(self.url).update_query_dict({"options": f"-csearch_path={name}"}) \
            .render_as_string(hide_password=False)

    def drop_all(self) -> None:
        import sqlalchemy as sa

        with self.engine.begin() as conn:
            for name in self.names:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        self.names.clear()
        self.engine.dispose()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--stored", type=int, default=200_000, help="visits already stored (merge scenario)")
    ap.add_argument("--new", type=int, default=1_000_000, help="visits imported while the others read")
    ap.add_argument("--smoke", action="store_true", help="5k customers, 10k stored, 60k imported")
    ap.add_argument("--backends", nargs="+", default=["postgresql", "sqlite"], choices=["postgresql", "sqlite"])
    ap.add_argument("--scenarios", nargs="+", default=["merge", "empty"], choices=["merge", "empty"])
    ap.add_argument("--versions", nargs="+", default=["baseline", "crmkit"], choices=["baseline", "crmkit"])
    ap.add_argument("--pg-url", default=os.environ.get("CRMKIT_BENCH_PG_URL", DEFAULT_PG_URL))
    ap.add_argument("--alone", action="store_true",
                    help="the imports without reader and editor (their CPU time slows the import on a small machine)")
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--role", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.role:
        spec = json.loads(args.role)
        result = ROLES[spec["role"]](spec)
        Path(spec["out"]).write_text(json.dumps(result))
        return 0
    if args.smoke:
        args.customers, args.stored, args.new = 5_000, 10_000, 60_000

    OUT_DIR.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="crmkit_bench_readers_"))
    versions = Versions(tmp)
    print(f"versions: baseline = {versions.labels['baseline']}, crmkit = {versions.labels['crmkit']}")
    print(f"sizes: {args.customers} customers; merge: {args.stored} visits stored, {args.new} imported; "
          f"empty: {args.new} imported into no visits. CPUs {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")
    rows, notes = [], []
    pg = None
    try:
        for backend in args.backends:
            if backend == "postgresql":
                try:
                    pg = PgSchemas(args.pg_url)
                except Exception as exc:  # noqa: BLE001 - no server: say so, go on with SQLite
                    print(f"PostgreSQL was skipped: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                    continue
                notes.append(f"PostgreSQL {pg.version}")
            for scenario in args.scenarios:
                for version in args.versions:
                    name = f"{backend} {scenario} {version}" + (" alone" if args.alone else "")
                    print(f"... {name}", flush=True)
                    url = pg.new(f"{scenario}_{version}") if backend == "postgresql" \
                        else f"sqlite:///{tmp / f'{scenario}_{version}.db'}"
                    spec = {"url": url, "customers": args.customers, "new": args.new, "seed": args.seed,
                            "stored": args.stored if scenario == "merge" else 0}
                    case = run_case(spec, versions.sources[version], tmp / "work", args.alone)
                    row = summarize(name, case)
                    rows.append(row)
                    print(markdown([row]).splitlines()[-1], flush=True)
                    if row["errors"]:
                        notes.append(f"{name}: failed calls: {'; '.join(row['errors'])}")
            if pg is not None and backend == "postgresql":
                pg.drop_all()
                pg = None
    finally:
        if pg is not None:
            pg.drop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    table = markdown(rows)
    legend = ("import s: the whole crm.import_frame call (checking + write); write s: its transaction; reads/edits: "
              "calls that overlapped the write; read/edit latencies in ms (failed calls left out, counted in "
              "`failed`); quiet read max: the slowest read in the second before the import started.")
    text = "\n".join([f"baseline = {versions.labels['baseline']}, crmkit = {versions.labels['crmkit']}; "
                      f"{args.customers} customers, {args.stored} visits stored (merge), {args.new} imported",
                      "", table, "", legend, *(f"- {n}" for n in notes)])
    print()
    print(text)
    (OUT_DIR / ("import_readers_alone.md" if args.alone else "import_readers.md")).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
