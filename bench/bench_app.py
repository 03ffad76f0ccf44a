"""What `crmkit app` costs per logged-in session, and what culling gives back.

    python bench/bench_app.py                          # 1, 10 and 50 sessions (about 10 minutes)
    python bench/bench_app.py --sessions 1 10          # smoke test
    python bench/bench_app.py --customers 2000 --cull-idle 5

For each number of sessions N the real command (``python -m crmkit app``) serves a demo store
with the demo's accounts, and headless Chromium (Debian's, through Playwright) opens N sessions
one after the other, each in a browser context of its own (its own cookies), logged in as the
demo's accounts in turn. A session is: the login page, the login (the time from pressing
"log in" to the answer is the login time: argon2 and the store), then the app's page until its
first widget shows (the customer form): the time from pressing "log in" to that widget is the
time to first render. The page is then closed without ``beforeunload`` (as a browser that crashed or a
tab on a sleeping laptop: Voila is not told), so its kernel stays, and 50 sessions do not need
50 live browser pages. Memory is the summed RSS of the app's process tree (crmkit, Voila, the
kernels), read from /proc.

Two runs per N:
* baseline, ``--cull-idle 0`` (what crmkit app did before issue 12): memory after N sessions;
* culling, ``--cull-idle S`` (default 20 s, so the bench waits seconds, not the default 10
  minutes): memory after N sessions (kernels already culled while the pages opened are
  counted out: see the "kernels" column) and once every kernel is culled.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

harness.use_frozen_crmkit()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import browser_helpers as bh  # noqa: E402

from crmkit.widgets import process_tree  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
APP = ".crmkit-app .crmkit-form-customers"


def _tree_mb(pid: int) -> float:
    pids = [pid] + [p for p, _start in process_tree.descendants(pid)]
    return sum(process_tree.rss_bytes(p) for p in pids) / 2**20


def _kernels(pid: int) -> int:
    n = 0
    for p, _start in process_tree.descendants(pid):
        try:
            n += b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()
        except OSError:
            pass
    return n


def measure(browser, store_url: str, accounts: list[tuple[str, str]], workdir: Path, sessions: int,
            cull_idle: int) -> dict:
    port = bh.free_port()
    env = {**os.environ, **bh.jupyter_dirs(workdir / f"jupyter_{port}")}
    env.pop("CRMKIT_DB_URL", None)
    log = workdir / f"app_{port}.log"
    proc = bh.start_server([sys.executable, "-m", "crmkit", "app", "--db", store_url, "--port", str(port),
                            "--no-browser", "--cull-idle", str(cull_idle)], env=env, cwd=workdir, log=log)
    try:
        bh.wait_for_port(port, proc, log)
        idle_mb = _tree_mb(proc.pid)
        renders, logins = [], []
        for i in range(sessions):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            name, password = accounts[i % len(accounts)]
            page.goto(f"http://127.0.0.1:{port}/", timeout=300_000)
            page.fill(".crmkit-login input[name=name]", name)
            page.fill(".crmkit-login input[name=password]", password)
            t = time.perf_counter()
            with page.expect_response(lambda r: r.request.method == "POST" and "/login" in r.url):
                page.click(".crmkit-login button[type=submit]", no_wait_after=True)
            logins.append(time.perf_counter() - t)
            page.wait_for_selector(APP, timeout=300_000)
            renders.append(time.perf_counter() - t)
            context.close()   # no beforeunload: the kernel stays until culled (or its session ends)
        time.sleep(1)
        row = {"sessions": sessions, "cull_idle": cull_idle, "server_mb": idle_mb, "kernels": _kernels(proc.pid),
               "after_sessions_mb": _tree_mb(proc.pid), "render_first_s": renders[0],
               "render_median_s": statistics.median(renders), "render_max_s": max(renders),
               "login_median_s": statistics.median(logins), "login_max_s": max(logins)}
        if cull_idle:
            deadline = time.monotonic() + 10 * cull_idle + 60
            while _kernels(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.5)
            row["after_culling_mb"] = _tree_mb(proc.pid)
            row["kernels_left"] = _kernels(proc.pid)
        return row
    finally:
        bh.stop_server(proc)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--cull-idle", type=int, default=20,
                        help="the culling run's idle seconds (default 20: less culls a page's kernel on a "
                             "loaded machine before the page has connected to it)")
    parser.add_argument("--runs", nargs="+", choices=["baseline", "culling"], default=["baseline", "culling"])
    args = parser.parse_args(argv)
    if bh.skip_reason():
        print(f"cannot run: {bh.skip_reason()}")
        return 1
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="crmkit_bench_app_") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'crm.db'}"
        made = bh.fill_demo_store(url, n_customers=args.customers)
        accounts = [(name, password) for name, (password, _role, _team) in made.items()]
        rows = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=bh.CHROMIUM, args=bh.CHROMIUM_ARGS)
            for n in args.sessions:
                for cull in [0 if run == "baseline" else args.cull_idle for run in args.runs]:
                    rows.append(measure(browser, url, accounts, workdir, n, cull))
                    print(rows[-1], file=sys.stderr, flush=True)
            browser.close()
    lines = [f"# crmkit app: memory per logged-in session, login time and time to first render",
             "",
             f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; "
             f"demo store of {args.customers} customers; crmkit commit {_commit()}",
             "",
             "| sessions | run | kernels alive after the sessions | RSS idle server (MB) | RSS after the sessions (MB) "
             "| RSS once culled (MB) | login: median / max (s) | first render after login: first / median / max (s) |",
             "| ---: | --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in rows:
        run = "baseline (--cull-idle 0)" if not r["cull_idle"] else f"culling (--cull-idle {r['cull_idle']})"
        culled = f"{r['after_culling_mb']:.0f} ({r['kernels_left']} kernels left)" if r["cull_idle"] else "never"
        lines.append(f"| {r['sessions']} | {run} | {r['kernels']} | {r['server_mb']:.0f} | {r['after_sessions_mb']:.0f} "
                     f"| {culled} | {r['login_median_s']:.2f} / {r['login_max_s']:.2f} "
                     f"| {r['render_first_s']:.1f} / {r['render_median_s']:.1f} / {r['render_max_s']:.1f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "app.md").write_text(text)
    return 0


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
