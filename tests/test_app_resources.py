"""`crmkit app` keeps its resources bounded and stops cleanly (crmkit/widgets/command.py,
process_tree.py, closed_page.py), with the real command, a real Voila and headless Chromium.

* A page's kernel is culled after ``--cull-idle`` idle seconds, whether its tab is still open
  (the page then says it was closed) or the browser went away without closing it (a crash, a
  dropped network: Playwright's ``page.close()`` runs no ``beforeunload``, so Voila's own
  shutdown beacon is not sent). A page in use keeps its kernel.
* SIGTERM or SIGINT to ``crmkit app`` stops Voila and every kernel: nothing listens on the port
  and no process it started survives.

Processes are read from /proc here, independently of crmkit's own process_tree module.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import browser_helpers as bh
from crmkit.cli import _parser
from crmkit.i18n import translate
from crmkit.widgets import command
from crmkit.widgets.closed_page import NOTICE_CLASS

REASON = bh.skip_reason() or (None if Path("/proc/self/stat").exists() else "needs /proc (Linux)")
browser_only = pytest.mark.skipif(REASON is not None, reason=REASON or "")

# seconds, so culling is seen within the test; not less: a kernel idle between running the app
# notebook and the page's websocket connecting is culled before its page shows (on a loaded machine)
CULL_IDLE = 8
PAGE_TIMEOUT = 180_000  # ms: a cold kernel on a busy 2-core machine
APP = ".crmkit-app .crmkit-form-customers"


def _args(*argv):
    return _parser().parse_args(["app", *argv])


# ---------------------------------------------------------------------------------- /proc, read here

def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, process group, command line) of every living (non-zombie) process."""
    found = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            found[int(entry.name)] = (int(fields[1]), int(fields[2]), cmdline)
    return found


def _tree(pid: int) -> dict[int, str]:
    """The living processes below ``pid``: pid -> command line."""
    procs = _processes()
    below, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _group, cmdline) in procs.items():
            if ppid == parent and child not in below:
                below[child] = cmdline
                todo.append(child)
    return below


def _kernels(app_pid: int) -> dict[int, str]:
    return {pid: cmd for pid, cmd in _tree(app_pid).items() if "ipykernel" in cmd}


def _wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"not within {timeout:.0f}s: {what}")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


# ---------------------------------------------------------------------------------- the options

def test_cull_idle_reaches_voilas_kernel_manager_and_zero_turns_it_off():
    cmd = command.voila_command(_args("--cull-idle", "90", "--no-browser"))
    assert "--MappingKernelManager.cull_idle_timeout=90" in cmd
    assert "--MappingKernelManager.cull_interval=30" in cmd          # a third of the idle time
    assert "--MappingKernelManager.cull_connected=True" in cmd       # an open, forgotten tab too
    assert not any("cull_busy" in part for part in cmd)               # running code is never cut off
    default = command.voila_command(_args("--no-browser"))
    assert f"--MappingKernelManager.cull_idle_timeout={command.DEFAULT_CULL_IDLE}" in default
    assert "--MappingKernelManager.cull_interval=60" in default
    assert not any("cull" in part for part in command.voila_command(_args("--cull-idle", "0", "--no-browser")))
    assert "--Voila.port_retries=0" in default   # the printed address is the one served


@pytest.mark.parametrize("value", ["-5", "ten", "1.5"])
def test_cull_idle_refuses_what_is_not_a_number_of_seconds(value, capsys):
    with pytest.raises(SystemExit):
        _args("--cull-idle", value)
    assert "--cull-idle" in capsys.readouterr().err


def test_a_page_checks_its_kernel_once_per_culling_round():
    env = command.app_environment(_args("--db", "sqlite:///x.db", "--cull-idle", "3"), base={})
    assert env[command.CHECK_EVERY_ENV] == "1"
    env = command.app_environment(_args("--db", "sqlite:///x.db", "--cull-idle", "0"), base={})
    assert env[command.CHECK_EVERY_ENV] == "60"


# ---------------------------------------------------------------------------------- real servers

@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The store's URL and the admin's password."""
    url = f"sqlite:///{tmp_path_factory.mktemp('resources') / 'crm.db'}"
    return url, bh.fill_demo_store(url, n_customers=60)["admin"][0]


@pytest.fixture(scope="module")
def browser():
    if REASON:
        pytest.skip(REASON)
    with bh.chromium() as chromium:
        yield chromium


class App:
    """``python -m crmkit app`` as a subprocess in a session of its own (so a failed test can
    still stop all of it); the test itself signals only the crmkit process."""

    def __init__(self, root: Path, store: tuple[str, str], cull_idle: int):
        store_url, self.password = store
        self.port = bh.free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = root / f"app_{self.port}.log"
        env = {**os.environ, **bh.jupyter_dirs(root / f"jupyter_{self.port}")}
        env.pop("CRMKIT_DB_URL", None)
        self.proc = bh.start_server([sys.executable, "-m", "crmkit", "app", "--db", store_url, "--port", str(self.port),
                                     "--no-browser", "--cull-idle", str(cull_idle)], env=env, cwd=root, log=self.log)
        bh.wait_for_port(self.port, self.proc, self.log)
        self.started: dict[int, str] = {}

    def open_page(self, browser):
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        bh.log_in(page, self.url, "admin", self.password, timeout=PAGE_TIMEOUT)
        page.wait_for_selector(APP, timeout=PAGE_TIMEOUT)
        self.started.update(_tree(self.proc.pid))
        return page

    def kernels(self) -> dict[int, str]:
        return _kernels(self.proc.pid)

    def stop(self) -> None:
        """Teardown: whatever a failed test left, with every process the app had started."""
        survivors = [pid for pid in _tree(self.proc.pid) | self.started if pid in _processes()]
        bh.stop_server(self.proc)
        for pid in survivors:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def culling_app(tmp_path, store, browser):
    app = App(tmp_path, store, cull_idle=CULL_IDLE)
    yield app
    app.stop()


@browser_only
def test_idle_pages_lose_their_kernels_whether_open_or_closed_and_an_open_one_says_so(culling_app, browser):
    page = culling_app.open_page(browser)
    gone = culling_app.open_page(browser)
    with bh.screenshot_on_failure(page, "app_idle_culled"):
        kernels = culling_app.kernels()
        assert kernels, "the pages run no kernel"
        gone.close()   # no beforeunload: as a crashed browser or a dropped network, so Voila is not told
        _wait_until(lambda: not culling_app.kernels(), 10 * CULL_IDLE, "the idle pages' kernels are culled")
        assert not any(pid in _processes() for pid in kernels)
        assert _listening(culling_app.port)   # the app itself serves on
        # The open page's kernel is gone too (cull_connected), and the page says so.
        notice = page.locator(f".{NOTICE_CLASS}")
        notice.wait_for(timeout=30_000)
        assert "此页面已关闭" in notice.inner_text() and "重新加载" in notice.inner_text()
        page.screenshot(path=str(_artifacts() / "app_page_closed.png"))
        # Reload, as the notice says: a new kernel, a working page.
        notice.locator("button").click()
        page.wait_for_selector(APP, timeout=PAGE_TIMEOUT)
        assert page.locator(f".{NOTICE_CLASS}").count() == 0


@browser_only
def test_a_page_in_use_keeps_its_kernel(culling_app, browser):
    page = culling_app.open_page(browser)
    with bh.screenshot_on_failure(page, "app_in_use"):
        kernels = culling_app.kernels()
        assert kernels
        name = page.locator(".crmkit-form-customers .crmkit-field-name").locator("input").first
        # Type for three idle periods: each keystroke is checked by the kernel, which is activity.
        for char in "在用的页面不被回收" * 2:
            name.press_sequentially(char)
            time.sleep(CULL_IDLE / 6)
        assert set(culling_app.kernels()) == set(kernels)
        assert page.locator(f".{NOTICE_CLASS}").count() == 0


@browser_only
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_leaves_nothing_listening_and_no_process(signum, tmp_path, store, browser):
    app = App(tmp_path, store, cull_idle=600)   # kernels stay alive until the signal
    try:
        n_pages = 2 if signum == signal.SIGTERM else 1
        pages = [app.open_page(browser) for _ in range(n_pages)]
        assert len(app.kernels()) == n_pages
        voila = [pid for pid, cmd in _tree(app.proc.pid).items() if "-m crmkit.app_server" in cmd]
        assert len(voila) == 1
        started = dict(app.started)

        os.kill(app.proc.pid, signum)          # the crmkit process only, as a terminal or systemd would
        assert app.proc.wait(timeout=60) == 0
        assert not _listening(app.port)
        assert not [cmd for pid, cmd in started.items() if pid in _processes()]
        assert not [p for p, (_pp, group, _c) in _processes().items() if group == voila[0]]   # Voila's group is empty
        assert translate("crmkit app: stopped", "zh") in app.log.read_text()   # the store's language (none set: C locale)
        for page in pages:
            page.context.close()
    finally:
        app.stop()


def _artifacts() -> Path:
    bh.ARTIFACTS.mkdir(exist_ok=True)
    return bh.ARTIFACTS
