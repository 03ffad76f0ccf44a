"""`crmkit app`: serve the entry forms and the lead board as a web app with Voila.

The app is the notebook ``crmkit/widgets/app.ipynb`` shipped inside the package; Voila runs it
with its code hidden (``--strip_sources=True``). The store reaches the notebook's kernel
through ``CRMKIT_DB_URL`` (what ``crmkit.open()`` reads) and the language through
``CRMKIT_APP_LANG``, both set in the Voila process's environment.

    crmkit app                                  # data/crm.db, http://127.0.0.1:8866
    crmkit app --db postgresql+psycopg://… --port 8900 --ip 0.0.0.0 --no-browser
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP_NOTEBOOK = Path(__file__).with_name("app.ipynb")
LANG_ENV = "CRMKIT_APP_LANG"
DEFAULT_PORT = 8866


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to serve on (default {DEFAULT_PORT})")
    parser.add_argument("--ip", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 serves the whole network)")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open a browser (what a server wants; also the default without a display)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh", help="labels of the app (default zh)")


def voila_command(args) -> list[str]:
    """The Voila command line for ``args`` (the parsed options of ``crmkit app``)."""
    cmd = [sys.executable, "-m", "voila", str(APP_NOTEBOOK), f"--port={args.port}", f"--Voila.ip={args.ip}",
           "--strip_sources=True", "--theme=light", "--show_tracebacks=False"]
    if args.no_browser or not _has_display():
        cmd.append("--no-browser")
    return cmd


def app_environment(args, base: dict | None = None) -> dict[str, str]:
    """The Voila process's environment: the store's URL and the language for the app kernel."""
    from ..store import ENV_URL, cache_dir, project_dir

    env = dict(os.environ if base is None else base)
    # Resolve the defaults here, from where the user started the app (as crmkit.open() would:
    # $CRMKIT_DB_URL, else the project's data/crm.db): the kernel runs in the package folder.
    env[ENV_URL] = str(args.db) if args.db else (env.get(ENV_URL) or f"sqlite:///{project_dir() / 'data' / 'crm.db'}")
    env.setdefault("CRMKIT_CACHE_DIR", str(cache_dir()))  # the lead board's fitted model, shared by visitors
    env[LANG_ENV] = args.lang
    return env


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
