"""`crmkit app`: serve the entry forms and the lead board as a web app with Voila.

The app is the notebook ``crmkit/widgets/app.ipynb`` shipped inside the package; Voila runs it
with its code hidden (``--strip_sources=True``). The store reaches the notebook's kernel
through ``CRMKIT_DB_URL`` (what ``crmkit.open()`` reads), the language through
``CRMKIT_APP_LANG`` and the lead board's day through ``CRMKIT_APP_AS_OF``, all set in the Voila
process's environment. The board plans for the store's data date (the day of its last recorded
activity) unless ``--as-of`` names another day; its date picker changes it in the page.

    crmkit app                                  # data/crm.db, http://127.0.0.1:8866
    crmkit app --db postgresql+psycopg://… --port 8900 --ip 0.0.0.0 --no-browser
    crmkit app --db old_export.db --as-of 2016-06-30
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP_NOTEBOOK = Path(__file__).with_name("app.ipynb")
LANG_ENV = "CRMKIT_APP_LANG"
AS_OF_ENV = "CRMKIT_APP_AS_OF"
DEFAULT_PORT = 8866


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to serve on (default {DEFAULT_PORT})")
    parser.add_argument("--ip", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 serves the whole network)")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open a browser (what a server wants; also the default without a display)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh", help="labels of the app (default zh)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", default=None,
                        help="the day the lead board plans for (default: the store's data date, the day of its "
                             "last recorded activity)")


def voila_command(args) -> list[str]:
    """The Voila command line for ``args`` (the parsed options of ``crmkit app``)."""
    cmd = [sys.executable, "-m", "voila", str(APP_NOTEBOOK), f"--port={args.port}", f"--Voila.ip={args.ip}",
           "--strip_sources=True", "--theme=light", "--show_tracebacks=False"]
    if args.no_browser or not _has_display():
        cmd.append("--no-browser")
    return cmd


def app_environment(args, base: dict | None = None) -> dict[str, str]:
    """The Voila process's environment: the store's URL, the language and the board's day for
    the app kernel."""
    from ..store import ENV_URL, cache_dir, project_dir
    from ..store.location import normalise_url
    from ..timeframe import as_of_day

    env = dict(os.environ if base is None else base)
    # Resolve the defaults here, from where the user started the app (as crmkit.open() would:
    # $CRMKIT_DB_URL, else the project's data/crm.db): the kernel runs in the package folder,
    # where a relative path ("old.db") would name another, empty file.
    url = str(args.db) if args.db else (env.get(ENV_URL) or f"sqlite:///{project_dir() / 'data' / 'crm.db'}")
    env[ENV_URL] = _absolute(normalise_url(url))
    env.setdefault("CRMKIT_CACHE_DIR", str(cache_dir()))  # the lead board's fitted model, shared by visitors
    env[LANG_ENV] = args.lang
    as_of = getattr(args, "as_of", None)
    if as_of:
        env[AS_OF_ENV] = f"{as_of_day(as_of):%Y-%m-%d}"   # refused here, with its reason, if not a day
    else:
        env.pop(AS_OF_ENV, None)
    return env


def _absolute(url: str) -> str:
    """An SQLite URL with a relative file path made absolute (from the working directory)."""
    from ..store.location import sqlite_file

    path = sqlite_file(url) if url.startswith("sqlite") else None
    if path is None or path.is_absolute() or str(path) == ":memory:":
        return url
    return f"sqlite:///{path.resolve()}"


def run(args) -> int:
    """Start Voila and wait until it is stopped (Ctrl-C); returns its exit code."""
    import crmkit

    env = app_environment(args)
    # Open the store once here, so a wrong URL fails now with a clear message, not in the page.
    crm = crmkit.open(env["CRMKIT_DB_URL"])
    crm.close()
    cmd = voila_command(args)
    print(f"crmkit app: serving {crm!r} at http://{args.ip}:{args.port}/ (Ctrl-C stops it)", file=sys.stderr)
    proc = subprocess.Popen(cmd, env=env, cwd=str(APP_NOTEBOOK.parent))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


def _has_display() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
