"""Benchmark crmkit's store against plain pandas + SQL on the same data, in the same run.

    python bench/bench_store.py                                   # 100k customers, 1M interactions
    python bench/bench_store.py --customers 2000 --interactions 20000   # smoke test (< 1 min)
    python bench/bench_store.py --backends sqlite --repeat 1
    python bench/bench_store.py --pg-url postgresql+psycopg://user@host:5432/db
    python bench/bench_store.py --profile                          # + cProfile of the crmkit imports

What is measured (see bench/README.md):

* import: ``crm.import_file`` of customers.csv then interactions.csv into an empty store,
  against two baselines on the same files: ``pd.read_csv(path, dtype=str)`` followed by
  ``DataFrame.to_sql(method=None, chunksize=...)`` (SQLAlchemy), or by ADBC
  ``cursor.adbc_ingest`` of ``pa.Table.from_pandas(df)``; both into a plain new table.
  Then the same files are imported again (the idempotent re-import: 0 inserted).
* read: ``crm.<table>()`` for every table against ``pd.read_sql("SELECT * FROM <table>", engine)``
  on the same database (best of ``--repeat`` runs).
* every step runs in a fresh Python process (this script with ``--step``), which reports its
  wall time and its peak RSS (``getrusage(RUSAGE_SELF).ru_maxrss``), so steps do not
  pollute each other's memory figures.

The table is printed and written as markdown to bench/out/store.md.
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
import uuid
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
harness.use_frozen_crmkit()  # steps import the copy of crmkit/ taken when the run started

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
OUT_DIR = HERE / "out"
TABLE_ORDER = ("customers", "contacts", "interactions", "opportunities", "orders", "settlements",
               "complaints", "profile")


# =========================================================================== data


def generate_data(folder: Path, n_customers: int, n_interactions: int, seed: int = 20240501) -> dict[str, Path]:
    """customers.csv and interactions.csv with the forms' Chinese headers, realistic-ish values."""
    import numpy as np
    import pandas as pd

    from crmkit.schema import TABLES

    rng = np.random.default_rng(seed)
    C, V = TABLES["customers"], TABLES["interactions"]  # V: visits

    def pick(options, n, p=None):
        options = np.asarray(options, dtype=object)
        return pd.Series(options[rng.choice(len(options), size=n, p=p)], dtype="str")

    def digits(n, width, low=0):
        return pd.Series(rng.integers(low, 10 ** width, size=n)).astype(str).str.zfill(width)

    def blank(s: pd.Series, share: float) -> pd.Series:
        return s.where(rng.random(len(s)) >= share, "")

    surnames = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程")
    given = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然子轩梓涵欣怡")
    cities = ["上海", "北京", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安", "重庆", "天津",
              "长沙", "郑州", "青岛", "宁波", "厦门", "合肥", "沈阳", "昆明"]
    words = list("华东鑫盛泰恒达通宏远金信利源丰润瑞祥安隆兴博腾飞凯佳明创新科")
    trades = ["贸易", "科技", "电子", "机械", "食品", "建材", "物流", "医药", "服饰",
              "汽车服务", "信息技术", "文化传媒"]
    suffixes = ["有限公司", "股份有限公司", "商行", "经营部", "有限责任公司"]
    roads = ["人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "黄河路", "新华路", "延安路", "南京路"]
    regions = ["华东", "华南", "华北", "华中", "西南", "西北", "东北"]
    reps = [s + g for s, g in zip(surnames[:30], given[::-1][:30])]

    def person(n):
        one = pick(surnames, n) + pick(given, n)
        two = one + pick(given, n)
        return two.where(rng.random(n) < 0.6, one)

    def dates(n, start="2021-01-01", end="2025-12-31", with_time=True, formats=None):
        lo, hi = pd.Timestamp(start).value // 10**9, pd.Timestamp(end).value // 10**9
        ts = pd.to_datetime(rng.integers(lo, hi, size=n), unit="s").floor("min")
        y, m, d = (pd.Series(a).astype(str) for a in (ts.year, ts.month, ts.day))
        H, M = pd.Series(ts.hour).astype(str), pd.Series(ts.minute).astype(str).str.zfill(2)
        m2, d2, H2 = m.str.zfill(2), d.str.zfill(2), H.str.zfill(2)
        if with_time:
            variants = [y + "/" + m + "/" + d + " " + H + ":" + M,                     # 2023/1/5 10:30
                        y + "-" + m2 + "-" + d2 + " " + H2 + ":" + M + ":00",          # 2023-01-05 10:30:00
                        y + "-" + m2 + "-" + d2,                                       # 2023-01-05
                        y + "年" + m + "月" + d + "日 " + H + ":" + M]                  # 2023年1月5日 10:30
            p = [0.4, 0.4, 0.1, 0.1]
        else:
            variants = [y + "/" + m + "/" + d, y + "-" + m2 + "-" + d2,
                        y + "年" + m + "月" + d + "日", y + "." + m + "." + d]
            p = [0.4, 0.4, 0.1, 0.1]
        which = rng.choice(len(variants), size=n, p=p)
        out = variants[0].copy()
        for k in range(1, len(variants)):
            out = out.where(which != k, variants[k])
        return out

    def amounts(n, low, high, share_blank=0.0):
        v = np.round(np.exp(rng.uniform(np.log(low), np.log(high), size=n)), -2)
        plain = pd.Series(v.astype(np.int64)).astype(str)
        fancy = pd.Series([f"{x:,.2f}" for x in v], dtype="str") if n <= 200_000 else plain + ".00"
        return blank(plain.where(rng.random(n) < 0.7, fancy), share_blank)

    # ---- customers
    n = n_customers
    width = max(6, len(str(n)))
    ids = pd.Series(rng.permutation(np.arange(1, n + 1))).astype(str).str.zfill(width)
    company = pick(cities, n) + pick(words, n) + pick(words, n) + pick(trades, n) + pick(suffixes, n)
    names = company.where(rng.random(n) < 0.7, person(n))
    letters = rng.integers(65, 91, size=(n, 4), dtype=np.uint8)
    mnemonic = pd.Series(letters.view("S4").ravel()).str.decode("ascii").astype("str")
    phone = pick(["13", "15", "17", "18", "19"], n) + digits(n, 9)
    email = blank(mnemonic.str.lower() + digits(n, 3) + pick(["@qq.com", "@163.com", "@126.com", "@sina.com"], n), 0.5)
    address = pick(cities, n) + "市" + pick(["浦东新区", "朝阳区", "天河区", "南山区", "西湖区", "鼓楼区"], n) + \
        pick(roads, n) + pd.Series(rng.integers(1, 999, size=n)).astype(str) + "号"
    cust = pd.DataFrame({
        C["customer_id"].zh: ids,
        C["name"].zh: names,
        C["mnemonic"].zh: mnemonic,
        C["customer_type"].zh: pick(["客户", "合作伙伴", "供应商"], n, [0.85, 0.1, 0.05]),
        C["value_grade"].zh: pick(["A级", "B级", "C级", "D级", "E级", "B"], n, [0.1, 0.2, 0.3, 0.2, 0.1, 0.1]),
        C["region"].zh: pick(regions, n),
        C["owner"].zh: pick(reps, n),
        C["phone"].zh: phone,
        C["email"].zh: email,
        C["address"].zh: blank(address, 0.2),
        C["source"].zh: blank(pick(["展会", "转介绍", "网络推广", "电话营销", "老客户", "广告"], n), 0.3),
        C["status"].zh: pick(["活跃", "正常", "休眠", "流失"], n, [0.5, 0.2, 0.2, 0.1]),
        C["created_at"].zh: dates(n, "2015-01-01", "2025-06-30", with_time=False),
        C["industry"].zh: pick(["批发", "零售", "制造", "服务", "餐饮", "IT"], n),
        C["org_form"].zh: pick(["有限责任公司", "股份有限公司", "个体工商户", "合伙企业"], n),
        C["registered_capital"].zh: amounts(n, 1e5, 5e7, 0.3),
        C["tax_id"].zh: blank("91" + digits(n, 8) + digits(n, 7) + pick(list("ABCDEFGHJKLMNPQRTUWXY"), n), 0.4),
        C["legal_rep"].zh: blank(person(n), 0.3),
        C["payment_terms"].zh: blank(pick(["月结30天", "月结60天", "货到付款", "预付款", "现结"], n), 0.3),
        C["credit_limit"].zh: amounts(n, 1e4, 2e6, 0.5),
        C["tags"].zh: blank(pick(["重点客户", "老客户,大客户", "新客户", "VIP", "价格敏感"], n), 0.6),
        C["notes"].zh: blank(pick(["节假日不接电话", "需开增值税专票", "老板亲自对接", "请走采购流程"], n), 0.9),
    })

    # ---- interactions
    m = n_interactions
    iw = max(7, len(str(m)))
    # a few customers get many of the visits, as in real logs: 30% go to 5% of them
    who = np.where(rng.random(m) < 0.3, rng.integers(0, max(1, n // 20), size=m), rng.integers(0, n, size=m))
    cust_ids = pd.Series(ids.to_numpy()[who], dtype="str")
    inter = pd.DataFrame({
        V["interaction_id"].zh: pd.Series(np.arange(1, m + 1)).astype(str).str.zfill(iw),
        V["customer_id"].zh: cust_ids,
        V["occurred_at"].zh: dates(m, "2022-01-01", "2025-12-31"),
        V["channel"].zh: pick(["拜访", "电话", "来店", "来电", "微信", "邮件", "活动", "上门拜访", "电话拜访"], m,
                              [0.25, 0.25, 0.1, 0.1, 0.15, 0.05, 0.02, 0.05, 0.03]),
        V["rep"].zh: pick(reps, m),
        V["purpose"].zh: pick(["产品介绍", "回访", "催款", "报价", "签约", "售后服务", "需求调研"], m),
        V["result"].zh: blank(pick(["有意向", "需再跟进", "已成交", "无意向", "待定", "客户不在"], m), 0.1),
        V["next_step"].zh: blank(pick(["下周回访", "发送报价单", "安排演示", "寄样品", "邀请参加活动"], m), 0.4),
        V["next_date"].zh: blank(dates(m, "2022-01-01", "2026-03-31", with_time=False), 0.6),
        V["left_contact"].zh: blank(pick(["是", "否"], m), 0.3),
        V["notes"].zh: blank(pick(["客户比较忙", "对价格有疑虑", "要求提供案例", "竞争对手也在接触", "决策人出差"], m),
                              0.85),
    })

    folder.mkdir(parents=True, exist_ok=True)
    paths = {"customers": folder / "customers.csv", "interactions": folder / "interactions.csv"}
    cust.to_csv(paths["customers"], index=False, encoding="utf-8")
    inter.to_csv(paths["interactions"], index=False, encoding="utf-8")
    return paths


# =========================================================================== steps (child side)




def run_step(spec: dict) -> dict:
    """One measured step, in this (fresh) process. Returns seconds, rows, notes; peak RSS is added by main."""
    kind = spec["kind"]
    if kind == "generate":
        t0 = time.perf_counter()
        generate_data(Path(spec["folder"]), spec["customers"], spec["interactions"], spec["seed"])
        return {"seconds": time.perf_counter() - t0, "rows": spec["customers"] + spec["interactions"], "notes": ""}
    if kind == "noop":  # what importing the libraries alone costs
        import adbc_driver_postgresql.dbapi  # noqa: F401
        import adbc_driver_sqlite.dbapi  # noqa: F401
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
        import sqlalchemy  # noqa: F401

        import crmkit
        where = Path(crmkit.__file__).parent
        if os.environ.get("CRMKIT_BENCH_SRC") and not where.is_relative_to(os.environ["CRMKIT_BENCH_SRC"]):
            raise RuntimeError(f"crmkit came from {where}, not from the run's snapshot")
        return {"seconds": None, "rows": None, "notes": "imports only (crmkit, pandas, pyarrow, SQLAlchemy, ADBC)"}

    if kind in ("crm_import", "crm_profile"):
        import crmkit

        t0 = time.perf_counter()
        crm = crmkit.open(spec["url"])
        t_open = time.perf_counter() - t0
        prof, sql_times = None, []
        if kind == "crm_profile":
            import cProfile

            sql_times = _time_sql_statements()
            prof = cProfile.Profile()
            prof.enable()
        t0 = time.perf_counter()
        rep = crm.import_file(spec["path"], table=spec["table"])
        seconds = time.perf_counter() - t0
        if prof is not None:
            prof.disable()
            _write_profile(prof, Path(spec["profile_out"]), sql_times)
        crm.close()
        notes = f"{rep.inserted} inserted, {rep.updated} updated, {rep.unchanged} unchanged"
        if rep.problems:
            notes += f", {len(rep.errors)} errors, {len(rep.warnings)} warnings"
        notes += f"; open() {t_open:.2f}s not counted"
        if prof is not None:
            notes += f"; profiled (slower), see {Path(spec['profile_out']).name}"
        return {"seconds": seconds, "rows": rep.rows_read, "notes": notes,
                "counts": {"inserted": rep.inserted, "updated": rep.updated, "unchanged": rep.unchanged}}

    if kind in ("base_tosql", "base_adbc"):
        import pandas as pd
        import pyarrow as pa
        import sqlalchemy as sa

        if spec["backend"] == "sqlite":
            import adbc_driver_sqlite.dbapi as driver
        else:
            import adbc_driver_postgresql.dbapi as driver

        t0 = time.perf_counter()  # the libraries are imported: time only the work
        df = pd.read_csv(spec["path"], dtype=str)
        t_csv = time.perf_counter() - t0
        t1 = time.perf_counter()
        if kind == "base_tosql":
            engine = sa.create_engine(spec["url"])
            df.to_sql(spec["table"], engine, if_exists="fail", index=False, method=None,
                      chunksize=spec["chunksize"])
            engine.dispose()
            how = f"to_sql(chunksize={spec['chunksize']})"
        else:
            data = pa.Table.from_pandas(df, preserve_index=False)
            with driver.connect(spec["adbc_target"]) as conn:
                with conn.cursor() as cur:
                    cur.adbc_ingest(spec["table"], data, mode="create")
                conn.commit()
            how = "from_pandas + adbc_ingest"
        t_write = time.perf_counter() - t1
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "rows": len(df),
                "notes": f"read_csv {t_csv:.2f}s + {how} {t_write:.2f}s"}

    if kind in ("crm_read", "base_read_sql"):
        # one table, or several empty ones (their peak memory is the startup figure anyway)
        if kind == "crm_read":
            import crmkit

            crm = crmkit.open(spec["url"])
            def read(t):  # crm.customers(), crm.interactions(), …
                return getattr(crm, t)()

            done = crm.close
        else:
            import pandas as pd
            import sqlalchemy as sa

            engine = sa.create_engine(spec["url"])
            def read(t):
                return pd.read_sql(f"SELECT * FROM {t}", engine)

            done = engine.dispose
        items = []
        for table in spec["tables"]:
            times, rows = [], 0
            for _ in range(spec["repeat"]):
                t0 = time.perf_counter()
                df = read(table)
                times.append(time.perf_counter() - t0)
                rows = len(df)
                del df
            notes = f"best of {len(times)} (first {times[0]:.3f}s)" if len(times) > 1 else ""
            if len(spec["tables"]) > 1:
                notes += f"; one process for {len(spec['tables'])} empty tables"
            items.append({"table": table, "seconds": min(times), "rows": rows, "notes": notes.lstrip("; ")})
        done()
        return {"items": items}

    raise ValueError(f"unknown step kind {kind!r}")


def _time_sql_statements() -> list:
    """Time every SQL statement crmkit sends (wrapping the store's ``Connection``, if it has that shape)."""
    times: list = []
    try:
        from crmkit.store import connection as db
    except ImportError:
        try:
            from crmkit import db  # crmkit before the store became a package
        except ImportError:
            return times
    for name in ("execute", "scalar", "arrow", "rows"):
        orig = getattr(db.Connection, name, None)
        if orig is None:
            continue

        def timed(self, sql, *a, _orig=orig, _name=name, **kw):
            t0 = time.perf_counter()
            try:
                return _orig(self, sql, *a, **kw)
            finally:
                times.append((time.perf_counter() - t0, _name, " ".join(str(sql).split())))

        setattr(db.Connection, name, timed)
    return times


def _write_profile(prof, out: Path, sql_times=()) -> None:
    """Top functions by own time and by cumulative time, who calls the costliest ones, slowest SQL."""
    import io
    import pstats
    import sysconfig

    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    if sql_times:
        total = sum(t for t, *_ in sql_times)
        buf.write(f"===== SQL statements: {len(sql_times)}, {total:.2f}s in all; slowest =====\n")
        for t, name, sql in sorted(sql_times, reverse=True)[:15]:
            buf.write(f"{t:8.3f}s  {name:<7} {sql[:200]}\n")
        buf.write("\n")
    stats = pstats.Stats(prof, stream=buf)
    for order in ("tottime", "cumulative"):
        buf.write(f"===== sorted by {order} =====\n")
        stats.sort_stats(order).print_stats(40)
    buf.write("===== callers of the 12 functions with the most own time =====\n")
    stats.sort_stats("tottime").print_callers(12)
    text = buf.getvalue()
    # shorter paths: site-packages/… and crmkit/… (the run's copy of crmkit reads as crmkit/)
    for prefix in (sysconfig.get_paths()["purelib"] + "/", sysconfig.get_paths()["stdlib"] + "/",
                   os.environ.get("CRMKIT_BENCH_SRC", str(ROOT)) + "/"):
        text = text.replace(prefix, "")
    out.write_text(text)




# =========================================================================== driver (parent side)








class Backend:
    """Where each store lives: the crmkit store and one plain target per baseline."""

    def __init__(self, name: str, tmp: Path, pg_url: str | None = None):
        self.name = name
        self.tmp = tmp
        self.pg_url = pg_url
        self.schemas: list[str] = []
        self.run_id = uuid.uuid4().hex[:8]

    def target(self, purpose: str) -> tuple[str, str]:
        """(SQLAlchemy URL, ADBC target) of an empty database for ``purpose``."""
        if self.name == "sqlite":
            path = self.tmp / f"{self.name}_{purpose}.db"
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
                leftover.unlink(missing_ok=True)  # a kept --workdir: start from an empty file again
            return f"sqlite:///{path}", str(path)
        import sqlalchemy as sa

        schema = f"crmkit_bench_{self.run_id}_{purpose}"
        engine = sa.create_engine(self.pg_url)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        self.schemas.append(schema)
        url = sa.engine.make_url(self.pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
        adbc = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return url.render_as_string(hide_password=False), adbc

    def cleanup(self) -> None:
        if not self.schemas:
            return
        import sqlalchemy as sa

        engine = sa.create_engine(self.pg_url)
        with engine.begin() as conn:
            for schema in self.schemas:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
        self.schemas.clear()


def pg_check(url: str) -> tuple[str | None, str | None]:
    """(server version, None) or (None, why it cannot be used)."""
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version")).scalar()
        engine.dispose()
        return str(version), None
    except Exception as exc:  # noqa: BLE001 - any failure: skip PostgreSQL and say why
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return None, f"{type(exc).__name__}: {first}"


def _safe(url: str) -> str:
    """A URL fit to print: without its password."""
    try:
        import sqlalchemy as sa

        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - best effort
        return "<the --pg-url>"


def machine_info() -> list[tuple[str, str]]:
    # versions from the installed metadata: the driver process stays lean (see spawn)
    import sqlite3
    from importlib.metadata import version

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    def v(pkg):
        try:
            return version(pkg)
        except Exception:  # noqa: BLE001 - best effort
            return "?"

    return [
        ("cpus", f"{os.cpu_count()} ({usable} usable) {cpu}"),
        ("load average at start", _load()),
        ("memory", mem or "?"),
        ("os", platform.platform()),
        ("python", platform.python_version()),
        ("pandas", v("pandas")),
        ("numpy", v("numpy")),
        ("pyarrow", v("pyarrow")),
        ("sqlalchemy", v("sqlalchemy")),
        ("adbc drivers", f"sqlite {v('adbc-driver-sqlite')}, postgresql {v('adbc-driver-postgresql')}"),
        ("psycopg", v("psycopg")),
        ("sqlite library", sqlite3.sqlite_version),
        ("crmkit", f"{v('crmkit')} at {_git_rev()}"),
    ]


def _load() -> str:
    """Other work on the machine skews every figure: say how busy it was."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"
    except OSError:
        return "?"


def _git_rev() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=False, capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "crmkit"], check=False,
                               capture_output=True,
                               text=True, timeout=10).stdout.strip()
        return (rev or "?") + (" + uncommitted or untracked files in crmkit/" if dirty else "")
    except Exception:  # noqa: BLE001 - best effort
        return "?"


# --------------------------------------------------------------------------- formatting


def _fmt_s(x):
    return "" if x is None else f"{x:.3f}" if x < 10 else f"{x:.2f}"


def _fmt_rate(rows, seconds):
    if not rows or not seconds:
        return ""
    r = rows / seconds
    return f"{r / 1e6:.2f}M" if r >= 1e6 else f"{r / 1e3:.1f}k" if r >= 1e3 else f"{r:.0f}"


def text_table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def md_table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    def esc(c):
        return str(c).replace("|", "\\|")

    out = ["| " + " | ".join(headers) + " |",
           "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# --------------------------------------------------------------------------- the run


def prepare_data(folder: Path, args, log) -> dict[str, Path]:
    """The CSV files, generated in a child process (so this one stays small), or reused from --workdir."""
    paths = {"customers": folder / "customers.csv", "interactions": folder / "interactions.csv"}
    stamp = folder / "params.json"
    params = {"customers": args.customers, "interactions": args.interactions, "seed": args.seed}
    if stamp.exists() and json.loads(stamp.read_text()) == params and all(p.exists() for p in paths.values()):
        log(f"reusing the data in {folder}")
        return paths
    res = harness.spawn(__file__, {"kind": "generate", "folder": str(folder), **params}, args.step_timeout)
    if "error" in res:
        raise SystemExit(f"could not generate the data: {res['error']}")
    stamp.write_text(json.dumps(params))
    log(f"generated the data in {res['seconds']:.1f}s")
    return paths


def measure_backend(b: Backend, paths: dict[str, Path], args, results: list[dict], log) -> None:
    def step(label: str, method: str, table: str | None, spec: dict) -> dict:
        spec = {"backend": b.name, **spec}
        log(f"[{b.name}] {label:<10} {method:<24} {table or '':<14} …")
        t0 = time.perf_counter()
        res = harness.spawn(__file__, spec, args.step_timeout)
        res.update(backend=b.name, step=label, method=method, table=table or "")
        if label == "re-import" and "counts" in res:
            c = res["counts"]
            ok = c["inserted"] == 0 and c["updated"] == 0 and c["unchanged"] == res["rows"]
            res["notes"] = ("idempotent: ok; " if ok else "NOT IDEMPOTENT; ") + res["notes"]
        if "items" in res:  # several tables read in one process: one row each
            for item in res.pop("items"):
                results.append({**res, **item})
        else:
            results.append(res)
        if "error" in res:
            log(f"    FAILED: {res['error']}")
        else:
            log(f"    {_fmt_s(res.get('seconds')) or '-'} s, peak {res['peak_mb']:.0f} MB "
                f"({time.perf_counter() - t0:.1f}s with process start)")
        return res

    step("startup", "python + imports", None, {"kind": "noop"})

    crm_url, _ = b.target("crmkit")
    for table in ("customers", "interactions"):
        step("import", "crmkit import_file", table, {"kind": "crm_import", "url": crm_url, "path": str(paths[table]),
                                                     "table": table})
    for table in ("customers", "interactions"):
        step("re-import", "crmkit import_file", table, {"kind": "crm_import", "url": crm_url,
                                                        "path": str(paths[table]), "table": table})

    for kind, method in (("base_tosql", "read_csv+to_sql"), ("base_adbc", "read_csv+adbc_ingest")):
        url, adbc = b.target(kind.split("_")[1])
        for table in ("customers", "interactions"):
            step("import", method, table, {"kind": kind, "url": url, "adbc_target": adbc, "path": str(paths[table]),
                                           "table": table, "chunksize": args.chunksize})

    filled = ["customers", "interactions"]
    empty = [t for t in TABLE_ORDER if t not in filled]
    for tables in ([[t] for t in filled] + [empty]):
        label = tables[0] if len(tables) == 1 else f"{len(tables)} others"
        for kind, method in (("crm_read", "crmkit crm.<table>()"), ("base_read_sql", "pandas.read_sql")):
            step("read", method, label, {"kind": kind, "url": crm_url, "tables": tables, "repeat": args.repeat})

    if args.profile:
        prof_url, _ = b.target("profile")
        step("profile", "crmkit import_file", "customers", {"kind": "crm_import", "url": prof_url,
                                                            "path": str(paths["customers"]), "table": "customers"})
        for label, suffix in (("profile", ""), ("profile", "_reimport")):
            out = OUT_DIR / f"profile_{b.name}_interactions{suffix}.txt"
            step(label, "crmkit (cProfile)" + (" again" if suffix else ""), "interactions",
                 {"kind": "crm_profile", "url": prof_url, "path": str(paths["interactions"]), "table": "interactions",
                  "profile_out": str(out)})


def summarise(results: list[dict], backends: list[str]):
    """Import ratios (crmkit / faster baseline; goal <= 3) and read speed-ups (read_sql / crmkit; goal >= 2)."""
    def find(backend, step, method, table):
        for r in results:
            key = (r["backend"], r["step"], r["method"], r["table"])
            if "error" not in r and key == (backend, step, method, table):
                return r
        return None

    imports, reads = [], []
    for b in backends:
        totals = {"crm": 0.0, "tosql": 0.0, "adbc": 0.0}
        complete = True
        for table in ("customers", "interactions"):
            crm = find(b, "import", "crmkit import_file", table)
            tosql = find(b, "import", "read_csv+to_sql", table)
            adbc = find(b, "import", "read_csv+adbc_ingest", table)
            if not (crm and tosql and adbc):
                complete = False
                continue
            totals["crm"] += crm["seconds"]
            totals["tosql"] += tosql["seconds"]
            totals["adbc"] += adbc["seconds"]
            best_name, best = min((("to_sql", tosql["seconds"]), ("adbc_ingest", adbc["seconds"])), key=lambda x: x[1])
            imports.append([b, table, crm["rows"], crm["seconds"], tosql["seconds"], adbc["seconds"], best_name,
                            crm["seconds"] / best])
        if complete:
            best_name, best = min((("to_sql", totals["tosql"]), ("adbc_ingest", totals["adbc"])), key=lambda x: x[1])
            imports.append([b, "both files", None, totals["crm"], totals["tosql"], totals["adbc"], best_name,
                            totals["crm"] / best])
        for table in TABLE_ORDER:
            crm = find(b, "read", "crmkit crm.<table>()", table)
            base = find(b, "read", "pandas.read_sql", table)
            if crm and base:
                reads.append([b, table, crm["rows"], crm["seconds"], base["seconds"], base["seconds"] / crm["seconds"],
                              crm["peak_mb"], base["peak_mb"]])
    return imports, reads


def render(results, backends, info, args, skipped: dict[str, str], data_note: str) -> tuple[str, str]:
    headers = ["backend", "step", "table", "method", "rows", "seconds", "rows/s", "peak MB", "notes"]
    rows = []
    for r in results:
        if "error" in r:
            rows.append([r["backend"], r["step"], r["table"], r["method"], "", "", "", "",
                         "FAILED: " + r["error"][:120]])
            continue
        rows.append([r["backend"], r["step"], r["table"], r["method"], "" if r["rows"] is None else f"{r['rows']:,}",
                     _fmt_s(r["seconds"]), _fmt_rate(r["rows"], r["seconds"]), f"{r['peak_mb']:.0f}", r["notes"]])
    right = {4, 5, 6, 7}

    imports, reads = summarise(results, backends)
    ih = ["backend", "file", "rows", "crmkit s", "to_sql s", "adbc s", "faster baseline",
          "crmkit / baseline (goal <= 3x)"]
    irows = [[b, t, "" if n is None else f"{n:,}", _fmt_s(c), _fmt_s(s), _fmt_s(a), best,
              f"{ratio:.2f}x {'ok' if ratio <= 3 else 'MISSED'}"] for b, t, n, c, s, a, best, ratio in imports]
    rh = ["backend", "table", "rows", "crmkit s", "read_sql s", "speed-up (goal >= 2x)", "crmkit MB", "read_sql MB"]
    rrows = [[b, t, f"{n:,}", _fmt_s(c), _fmt_s(s),
              f"{sp:.2f}x" + ("" if n == 0 else " ok" if sp >= 2 else " MISSED"), f"{cm:.0f}", f"{bm:.0f}"]
             for b, t, n, c, s, sp, cm, bm in reads]

    info_lines = [f"{k}: {v}" for k, v in info]
    note_lines = [data_note,
                  (f"Reads: best of {args.repeat} in one process. Every step runs in a fresh process; peak MB is its "
                   "ru_maxrss, which includes the libraries (the 'startup' row) and can be no lower than the "
                   f"driver process's own peak ({harness.peak_mb():.0f} MB), which Linux hands down to its children.")]
    note_lines.append(f"Load average at the end: {_load()}.")
    for b, why in skipped.items():
        note_lines.append(f"{b}: SKIPPED ({why})")

    text = "\n".join([
        "crmkit store benchmark", "=" * 22, *note_lines, "",
        text_table(headers, rows, right), "",
        "Import: crmkit vs read_csv + bulk insert", text_table(ih, irows, {2, 3, 4, 5, 7}), "",
        "Read: crmkit vs pandas.read_sql (speed-up = read_sql time / crmkit time)",
        text_table(rh, rrows, {2, 3, 4, 5, 6, 7}),
    ])
    md = "\n".join([
        "# crmkit store benchmark", "",
        *(f"- {line}" for line in info_lines), "",
        *(f"{line}  " for line in note_lines), "",
        f"Command: `python bench/bench_store.py {' '.join(sys.argv[1:])}`".rstrip(), "",
        "## All steps", "", md_table(headers, rows, right), "",
        "## Import: crmkit vs read_csv + bulk insert", "", md_table(ih, irows, {2, 3, 4, 5, 7}), "",
        "## Read: crmkit vs pandas.read_sql", "", md_table(rh, rrows, {2, 3, 4, 5, 6, 7}), "",
    ])
    return text, md


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--interactions", type=int, default=1_000_000)
    ap.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    ap.add_argument("--pg-url", default=os.environ.get("CRMKIT_BENCH_PG_URL", DEFAULT_PG_URL))
    ap.add_argument("--repeat", type=int, default=3, help="runs per read step; the best is reported")
    ap.add_argument("--chunksize", type=int, default=10_000, help="DataFrame.to_sql chunksize of the baseline")
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--profile", action="store_true",
                    help="also cProfile the crmkit import and re-import of interactions, with the time of each SQL "
                         "statement (bench/out/profile_<backend>_interactions[_reimport].txt)")
    ap.add_argument("--workdir", help="keep the generated CSVs and SQLite files here (default: a temp dir, removed)")
    ap.add_argument("--step-timeout", type=float, default=3600)
    ap.add_argument("--out", default=str(OUT_DIR / "store.md"))
    ap.add_argument("--step", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.step:
        harness.run_child(run_step, args.step)
        return 0

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    wanted = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in wanted:
        if b not in ("sqlite", "postgresql"):
            ap.error(f"unknown backend {b!r}; use sqlite and/or postgresql")

    tmp = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="crmkit_bench_"))
    tmp.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
    backends: list[Backend] = []
    skipped: dict[str, str] = {}
    try:
        digest = harness.freeze_crmkit(tmp / "src")
        info = machine_info()
        info = [(k, f"{v} (sources sha1 {digest}, copied at the start of the run)" if k == "crmkit" else v)
                for k, v in info]
        if "postgresql" in wanted:
            version, why = pg_check(args.pg_url)
            if version is None:
                skipped["postgresql"] = f"no PostgreSQL at {_safe(args.pg_url)}: {why}"
                print(f"PostgreSQL was skipped: {skipped['postgresql']}", flush=True)
                wanted.remove("postgresql")
            else:
                info.append(("postgresql server", f"{version} at {_safe(args.pg_url)}"))
        print("\n".join(f"{k}: {v}" for k, v in info), flush=True)

        paths = prepare_data(tmp / "data", args, log)
        sizes = {k: p.stat().st_size / 1e6 for k, p in paths.items()}
        data_note = (f"Data: {args.customers:,} customers ({sizes['customers']:.1f} MB CSV), "
                     f"{args.interactions:,} interactions ({sizes['interactions']:.1f} MB CSV), Chinese headers, "
                     f"seed {args.seed}.")
        log(data_note)
        for name in wanted:
            b = Backend(name, tmp, args.pg_url if name == "postgresql" else None)
            backends.append(b)
            try:
                measure_backend(b, paths, args, results, log)
            finally:
                b.cleanup()
    finally:
        for b in backends:
            try:
                b.cleanup()
            except Exception as exc:  # noqa: BLE001 - report, do not mask the run's own error
                log(f"could not drop the PostgreSQL schemas: {exc}")
        if not args.workdir:
            shutil.rmtree(tmp, ignore_errors=True)

    text, md = render(results, wanted, info, args, skipped, data_note)
    print()
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md, encoding="utf-8")
    print(f"\nwritten to {out}")
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
