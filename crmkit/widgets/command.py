"""`crmkit app`: serve the entry forms and the lead board as a web app with Voila.

The app is the notebook ``crmkit/widgets/app.ipynb`` shipped inside the package; Voila runs it
with its code hidden (``--strip_sources=True``). Every visitor logs in with an account of the
store (``crmkit user add``) and sees that account's book: the Voila that runs is
``crmkit.app_server`` (Voila with crmkit's login, sessions and kernel owners), and the app
refuses to start while the store has no account. The store reaches the notebook's kernel
through ``CRMKIT_DB_URL`` (what ``crmkit.open()`` reads), the language through
``CRMKIT_APP_LANG`` and the lead board's day through ``CRMKIT_APP_AS_OF``, all set in the Voila
process's environment. The board plans for the store's data date (the day of its last recorded
activity) unless ``--as-of`` names another day; its date picker changes it in the page.

    crmkit app                                  # data/crm.db, http://127.0.0.1:8866
    crmkit app --db postgresql+psycopg://… --port 8900 --ip 0.0.0.0 --no-browser
    crmkit app --db old_export.db --as-of 2016-06-30
    crmkit app --cull-idle 1800                 # reclaim a page's kernel after 30 idle minutes
    crmkit app --session-idle 30 --session-hours 8   # log out after 30 idle minutes, 8 hours at most

Sessions. A login lasts until logout, ``--session-idle`` minutes without a page request or any
activity in its pages (120 by default), or ``--session-hours`` hours in all (12 by default);
disabling an account (``crmkit user disable``) ends its sessions within seconds. A session that
ends takes its pages' kernels with it.

Resources. Every page visit costs a kernel (a Python process of about 300 MB with the store,
pandas and the close model loaded). Voila shuts it down when the tab closes normally, but a
tab left open, a browser that crashed or a laptop that went to sleep keeps it forever. So the
kernels are culled: one that has sent and received nothing for ``--cull-idle`` seconds (600 by
default; 0 never culls) is shut down, connected or not (``cull_connected``), unless it is busy
running code. The trade-off: a rep who comes back to a tab idle for longer finds a page whose
widgets no longer answer (what was typed but not saved is lost; nothing saved is) and reloads
it. Typing and clicking count as activity, so a page in use is never culled.

Stopping. Voila runs in its own process group; SIGTERM or SIGINT (Ctrl-C) to ``crmkit app`` is
passed on to that group, Voila shuts its kernels down, and whatever is still alive after
``STOP_TIMEOUT`` seconds is killed, so nothing is left listening on the port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from ..app_server import ACCOUNT_ENV
from ..i18n import translate
from ..language import one_lang
from . import process_tree

APP_NOTEBOOK = Path(__file__).with_name("app.ipynb")
LANG_ENV = "CRMKIT_APP_LANG"
AS_OF_ENV = "CRMKIT_APP_AS_OF"
CHECK_EVERY_ENV = "CRMKIT_APP_CHECK_EVERY"   # how often a page asks whether its kernel still lives
DEFAULT_PORT = 8866
#: Seconds a page's kernel may stay idle before it is shut down (10 minutes).
DEFAULT_CULL_IDLE = 600
#: Minutes without activity before a session ends, and hours after login when it ends anyway.
DEFAULT_SESSION_IDLE_MINUTES = 120.0
DEFAULT_SESSION_HOURS = 12.0
#: Seconds Voila gets to shut its kernels down after SIGTERM before the rest is killed.
STOP_TIMEOUT = 10.0


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to serve on (default {DEFAULT_PORT})")
    parser.add_argument("--ip", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 serves the whole network)")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open a browser (what a server wants; also the default without a display)")
    parser.add_argument("--lang", choices=["zh", "en"], default=None,
                        help="labels of the app (default: the store's language, see crmkit init --lang; else "
                             "the locale's; else zh)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", default=None,
                        help="the day the lead board plans for (default: the store's data date, the day of its "
                             "last recorded activity)")
    parser.add_argument("--session-idle", type=_positive, default=DEFAULT_SESSION_IDLE_MINUTES, metavar="MINUTES",
                        help=f"log a user out after this many idle minutes (default {DEFAULT_SESSION_IDLE_MINUTES:g})")
    parser.add_argument("--session-hours", type=_positive, default=DEFAULT_SESSION_HOURS, metavar="HOURS",
                        help=f"log a user out this many hours after login, however busy (default {DEFAULT_SESSION_HOURS:g})")
    parser.add_argument("--cull-idle", type=_seconds, default=DEFAULT_CULL_IDLE, metavar="SECONDS",
                        help=f"shut a page's kernel down after this many idle seconds, even with its tab open "
                             f"(default {DEFAULT_CULL_IDLE}; 0 never does)")


def _seconds(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (never) or more seconds, not {value}")
    return value


def _positive(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def cull_interval(idle: int) -> int:
    """How often Voila looks for idle kernels: a third of the idle time (so a kernel goes at most
    a third late), at least every second and at most every minute."""
    return max(1, min(60, idle // 3))


def voila_command(args) -> list[str]:
    """The Voila command line for ``args`` (the parsed options of ``crmkit app``)."""
    # port_retries=0: a port in use stops the app, instead of Voila serving on a neighbour port
    # that the printed address does not name.
    cmd = [sys.executable, "-m", "crmkit.app_server", str(APP_NOTEBOOK), f"--port={args.port}", f"--Voila.ip={args.ip}",
           "--Voila.port_retries=0", "--strip_sources=True", "--theme=light", "--show_tracebacks=False",
           f"--CrmkitIdentityProvider.idle_timeout={60 * getattr(args, 'session_idle', DEFAULT_SESSION_IDLE_MINUTES)}",
           f"--CrmkitIdentityProvider.max_age={3600 * getattr(args, 'session_hours', DEFAULT_SESSION_HOURS)}"]
    idle = getattr(args, "cull_idle", DEFAULT_CULL_IDLE)
    if idle > 0:
        # Voila's kernel manager is jupyter_server's MappingKernelManager, configured from the
        # command line. cull_connected: an open but forgotten tab holds its websocket, and is
        # exactly the kernel to reclaim; cull_busy stays off, so running code is never cut off.
        cmd += [f"--MappingKernelManager.cull_idle_timeout={idle}",
                f"--MappingKernelManager.cull_interval={cull_interval(idle)}",
                "--MappingKernelManager.cull_connected=True"]
    if args.no_browser or not _has_display():
        cmd.append("--no-browser")
    return cmd


def app_environment(args, base: dict | None = None) -> dict[str, str]:
    """The Voila process's environment: the store's URL, the language, the board's day and how
    often a page checks its kernel, for the app kernel."""
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
    if args.lang:
        env[LANG_ENV] = args.lang
    else:
        env.pop(LANG_ENV, None)  # run() sets the store's language once it has opened the store
    env.pop(ACCOUNT_ENV, None)   # only the server names a kernel's account, per logged-in page
    idle = getattr(args, "cull_idle", DEFAULT_CULL_IDLE)
    # A page notices its culled kernel within one culling round (closed_page.py); without culling
    # only a stopped app closes it, and once a minute is enough to say so.
    env[CHECK_EVERY_ENV] = str(cull_interval(idle) if idle > 0 else 60)
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


class _StopRequested(Exception):
    """SIGTERM or SIGINT reached ``crmkit app``."""


def _raise_stop(signum, frame):
    raise _StopRequested(signum)


def run(args) -> int:
    """Start Voila and wait until it exits or ``crmkit app`` gets SIGTERM or SIGINT (Ctrl-C);
    then stop Voila and its kernels. Returns Voila's exit code, 0 after a requested stop."""
    import crmkit

    env = app_environment(args)
    # Open the store once here, so a wrong URL fails now with a clear message, not in the page.
    with crmkit.open(env["CRMKIT_DB_URL"]) as crm:
        users = crm.users()
        # one language for the login page and every page's kernel: the one this store speaks
        env[LANG_ENV] = lang = one_lang(args.lang, crm)
    if not (~users["disabled"]).any():
        print(translate("crmkit app: the store has no account to log in with. Create the first admin:\n"
                        "  crmkit user add NAME --role admin", lang), file=sys.stderr)
        return 2
    cmd = voila_command(args)
    address = f"http://{args.ip}:{args.port}/"
    print(translate("crmkit app: serving {store} at {url} (Ctrl-C stops it)", lang, store=repr(crm), url=address),
          file=sys.stderr)
    stop_signals = (signal.SIGTERM, signal.SIGINT)
    previous = {s: signal.signal(s, _raise_stop) for s in stop_signals}
    proc = None
    try:
        # A session of its own: Ctrl-C in the terminal reaches this process alone, and
        # stop_voila decides how Voila and its kernels go.
        proc = subprocess.Popen(cmd, env=env, cwd=str(APP_NOTEBOOK.parent), start_new_session=True)
        return proc.wait()
    except _StopRequested:
        for s in stop_signals:   # a second Ctrl-C must not cut the clean-up short
            signal.signal(s, signal.SIG_IGN)
        if proc is not None:
            stop_voila(proc)
        print(translate("crmkit app: stopped", lang), file=sys.stderr)
        return 0
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def stop_voila(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM to Voila's process group (Voila then shuts its kernels down); after ``timeout``
    seconds, SIGKILL to the group. Then every process Voila had started and that still runs is
    stopped too: kernels run in sessions of their own, which the group's signal misses."""
    started = process_tree.descendants(proc.pid)   # now, while Voila is still their parent
    process_tree.signal_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process_tree.signal_group(proc.pid, signal.SIGKILL)
        proc.wait()
    process_tree.kill_tree(started, grace=timeout)


def _has_display() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
