"""What the browser tests share: a demo store, servers in their own process groups, Chromium.

The servers (JupyterLab, ``crmkit app``) run as real subprocesses in a new session each, so a
teardown can stop them with every kernel they started (``os.killpg``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# What an ipywidgets front end prints when a widget cannot be shown (a missing model or extension).
WIDGET_FAILURES = ("Error displaying widget", "Model not found")


@contextlib.contextmanager
def chromium():
    """Debian's headless chromium, driven by Playwright (which never downloads a browser here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium); the tests never download one"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (Python) is not installed: pip install playwright"
    return None


def fill_demo_store(url: str, n_customers: int = 300, seed: int = 11) -> dict[str, tuple[str, str, str | None]]:
    """The demo's records and accounts in the store at ``url``; returns the accounts made:
    name -> (password, role, team), as ``crmkit demo`` prints them."""
    import crmkit
    from crmkit import demo

    data = demo.generate(n_customers=n_customers, seed=seed)
    with crmkit.open(url, user="tester") as crm:
        demo.load_into(crm, data)
        return demo.create_accounts(crm)


def log_in(page, app_url: str, name: str, password: str, *, timeout: float = 180_000) -> None:
    """Open ``crmkit app`` at ``app_url`` in ``page`` and log in on its login page."""
    page.goto(app_url, timeout=timeout)
    page.fill(".crmkit-login input[name=name]", name)
    page.fill(".crmkit-login input[name=password]", password)
    page.click(".crmkit-login button[type=submit]", no_wait_after=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(cmd: list[str], *, env: dict, cwd: Path, log: Path) -> subprocess.Popen:
    """Start ``cmd`` in a new session (its own process group), output to ``log``."""
    out = open(log, "wb")  # noqa: SIM115 - closed by stop_server
    proc = subprocess.Popen(cmd, env=env, cwd=str(cwd), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    proc._crmkit_log = out  # type: ignore[attr-defined]
    return proc


def wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    """Wait until ``url`` answers 200; fail with the server's log if it dies or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s:\n{log.read_text(errors='replace')[-3000:]}")


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    """Wait until the server listens on ``port`` (for servers whose pages all cost a kernel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        with socket.socket() as s:
            s.settimeout(2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f}s:\n{tail}")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server's whole process group (its kernels too): TERM, then KILL."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)
    log = getattr(proc, "_crmkit_log", None)
    if log is not None:
        log.close()


def jupyter_dirs(root: Path) -> dict[str, str]:
    """Jupyter config/data/runtime folders under ``root``, so the user's own settings do not leak
    in, with JupyterLab's news and update-check popup switched off."""
    dirs = {name: root / name for name in ("config", "data", "runtime")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    settings = dirs["config"] / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # the kernel spec "python3" must still resolve: it ships with ipykernel in sys.prefix
    return {"JUPYTER_CONFIG_DIR": str(dirs["config"]), "JUPYTER_DATA_DIR": str(dirs["data"]),
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "JUPYTERLAB_SETTINGS_DIR": str(dirs["config"] / "lab" / "user-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(dirs["config"] / "lab" / "workspaces")}


@contextlib.contextmanager
def screenshot_on_failure(page, name: str):
    """Keep what the page showed when a test failed (test-artifacts/failed_<name>.png)."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / f"failed_{name}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - the test's own error is the one to report
            pass
        raise


def assert_no_widget_failures(page) -> None:
    text = page.inner_text("body")
    for failure in WIDGET_FAILURES:
        assert failure not in text, f"the page says {failure!r}"


def copy_notebook(src: Path, dest_dir: Path) -> Path:
    dest = dest_dir / src.name
    shutil.copy(src, dest)
    return dest
