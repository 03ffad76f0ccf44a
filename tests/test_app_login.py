"""`crmkit app` asks for a login and shows each account its own book (crmkit/app_server/).

Unit level: sessions expire (idle, age), failed logins are slowed down, the login page escapes
what it echoes and never redirects to another site.

Real servers: ``crmkit app`` as a subprocess with the demo's accounts, HTTP and websockets from
Python and headless Chromium, no mocks:

* anonymous: every page leads to the login form, no kernel starts, the API and the kernels'
  websockets answer 403, and nothing the browser receives names a customer;
* a rep logs in, and neither the page nor anything the websocket carries names another rep's
  customers; searching for them (by name or id) finds nothing; a save is signed with the rep's
  account; another account cannot reach the rep's kernel; logout ends the session and the kernel;
* the manager sees the team's cards, and only those;
* a session ends after the idle time; a disabled account's session ends; guessing is slowed.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

import browser_helpers as bh
import crmkit
from crmkit.app_server import login_page, throttle
from crmkit.i18n import translate
from crmkit.app_server.identity import _safe_next
from crmkit.app_server.sessions import SessionBook
from crmkit.app_server.throttle import LoginThrottle

REASON = bh.skip_reason() or (None if Path("/proc/self/stat").exists() else "needs /proc (Linux)")
browser_only = pytest.mark.skipif(REASON is not None, reason=REASON or "")
PAGE_TIMEOUT = 180_000  # ms: a cold kernel on a busy 2-core machine
APP = ".crmkit-app .crmkit-form-customers"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


# ---------------------------------------------------------------------------------- sessions

def test_a_session_ends_when_idle_too_long_or_too_old_and_activity_keeps_it():
    clock = Clock()
    book = SessionBook(idle_timeout=60, max_age=300, clock=clock)
    s = book.start("alice")
    clock.now += 59
    assert book.get(s.token) is s            # a request: seen now
    clock.now += 59
    book.touch(s.token, clock.now)           # activity in one of its kernels
    clock.now += 59
    assert book.get(s.token) is s
    clock.now += 61
    assert book.get(s.token) is None         # idle for 61 s
    busy = book.start("bob")
    for _ in range(6):                       # busy all the time, but a login lasts max_age at most
        clock.now += 55
        book.touch(busy.token, clock.now)
    assert book.get(busy.token) is None


def test_logout_and_disabled_accounts_end_sessions():
    book = SessionBook(clock=Clock())
    a, b, c = book.start("alice"), book.start("bob"), book.start("bob")
    assert book.end(a.token) is a and book.get(a.token) is None and book.end(a.token) is None
    assert {s.token for s in book.sweep(disabled_accounts={"bob"})} == {b.token, c.token}
    assert len(book) == 0 and book.get(None) is None and book.get("") is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["start", "get", "touch", "wait"]), st.integers(0, 3),
                          st.floats(0, 200)), max_size=40))
def test_no_session_is_ever_given_out_idle_or_older_than_allowed(steps):
    clock = Clock()
    book = SessionBook(idle_timeout=100, max_age=250, clock=clock)
    sessions = []
    activity = {}
    for op, i, amount in steps:
        if op == "start":
            sessions.append(book.start(f"user{i}"))
            activity[sessions[-1].token] = clock.now
        elif op == "wait":
            clock.now += amount
        elif sessions:
            s = sessions[i % len(sessions)]
            if op == "touch":
                book.touch(s.token, clock.now)
                activity[s.token] = max(activity[s.token], clock.now)
            else:
                got = book.get(s.token)
                if got is not None:
                    assert clock.now - got.started <= 250
                    assert clock.now - activity[s.token] <= 100
                    activity[s.token] = clock.now


# ---------------------------------------------------------------------------------- throttle

def test_failed_logins_make_the_next_try_wait_longer_and_longer_and_a_success_clears_it():
    clock = Clock()
    guard = LoginThrottle(clock=clock)
    for _ in range(throttle.NAME_FREE - 1):
        guard.failed("alice", "10.0.0.1")
        assert guard.wait_before_try("alice", "10.0.0.1") == 0       # a few typos cost nothing
    waits = []
    for _ in range(10):
        guard.failed("alice", "10.0.0.1")
        waits.append(guard.wait_before_try("alice", "10.0.0.1"))
    assert waits[0] == throttle.FIRST_WAIT and waits == sorted(waits) and waits[-1] == throttle.MAX_WAIT
    assert guard.wait_before_try("Alice ", "10.0.0.9") == throttle.MAX_WAIT   # same account, other address
    assert guard.wait_before_try("bob", "10.0.0.9") == 0
    clock.now += throttle.MAX_WAIT
    assert guard.wait_before_try("alice", "10.0.0.9") == 0
    guard.succeeded("alice", "10.0.0.1")
    guard.failed("alice", "10.0.0.1")
    assert guard.wait_before_try("alice", "10.0.0.1") == 0


def test_one_address_guessing_at_many_accounts_waits_too():
    guard = LoginThrottle(clock=Clock())
    for i in range(throttle.ADDRESS_FREE):
        guard.failed(f"user{i}", "10.0.0.7")
    assert guard.wait_before_try("someone-new", "10.0.0.7") > 0
    assert guard.wait_before_try("someone-new", "10.0.0.8") == 0


def test_a_guesser_gets_a_handful_of_tries_per_account_per_quarter_hour():
    clock = Clock()
    guard = LoginThrottle(clock=clock)
    tries, end = 0, clock.now + 15 * 60
    while clock.now < end:                      # tries whenever allowed, from ever new addresses
        wait = guard.wait_before_try("alice", f"10.1.{tries}.1")
        if wait:
            clock.now += wait
            continue
        guard.failed("alice", f"10.1.{tries}.1")
        tries += 1
    assert tries <= throttle.NAME_FREE + 10


def test_the_throttle_forgets_what_no_longer_matters_instead_of_growing_without_bound():
    clock = Clock()
    guard = LoginThrottle(clock=clock)
    for i in range(throttle.MAX_COUNTS + 500):
        guard.failed(f"name{i}", f"addr{i}")
    assert len(guard._names) <= throttle.MAX_COUNTS + 1


# ---------------------------------------------------------------------------------- the page

def test_the_login_page_escapes_what_it_shows_and_speaks_both_languages():
    evil = '"><script>alert(1)</script>'
    html = login_page.render("en", action="/login?next=%2F", xsrf='<input type="hidden" name="_xsrf" value="x"/>',
                             name=evil, problem=login_page.wrong_login("en"))
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "Wrong account or password" in html and "<script" not in html.replace("<script>", "")
    zh = login_page.render("zh", action="/login", xsrf="", note=login_page.logged_out("zh"))
    assert "登录 crmkit" in zh and "您已退出登录" in zh and 'lang="zh-CN"' in zh
    assert login_page.too_many_tries(3.2, "en") == "Too many failed logins: try again in 4 seconds."


class _Handler:
    base_url = "/app/"


@pytest.mark.parametrize("target, expected", [
    ("/app/", "/app/"), ("/app/?x=1", "/app/?x=1"), (None, "/app/"), ("", "/app/"),
    ("//evil.example/", "/app/"), ("https://evil.example/app/", "/app/"), ("/elsewhere", "/app/"),
    ("/app/\\evil", "/app/\\evil"),
])
def test_after_login_the_app_goes_only_to_its_own_pages(target, expected):
    assert _safe_next(_Handler(), target) == expected


def test_the_app_will_not_start_on_a_store_without_an_account(tmp_path):
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    crmkit.open(url).close()
    for lang, says in (("en", "crmkit user add NAME --role admin"), ("zh", "crmkit user add 用户名 --role admin")):
        done = subprocess.run([sys.executable, "-m", "crmkit", "app", "--db", url, "--no-browser", "--lang", lang,
                               "--port", str(bh.free_port())], capture_output=True, text=True, timeout=120)
        assert done.returncode == 2
        assert says in done.stderr and "Traceback" not in done.stderr


# ---------------------------------------------------------------------------------- real servers

@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A demo store: its URL and the accounts made (name -> (password, role, team))."""
    url = f"sqlite:///{tmp_path_factory.mktemp('login') / 'crm.db'}"
    return url, bh.fill_demo_store(url, n_customers=120, seed=5)


class App:
    """``python -m crmkit app`` in a session of its own, stopped with all it started."""

    def __init__(self, root: Path, url: str, *extra: str):
        self.port = bh.free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = root / f"app_{self.port}.log"
        env = {**os.environ, **bh.jupyter_dirs(root / f"jupyter_{self.port}")}
        env.pop("CRMKIT_DB_URL", None)
        self.proc = bh.start_server([sys.executable, "-m", "crmkit", "app", "--db", url, "--port", str(self.port),
                                     "--no-browser", "--lang", "zh", *extra], env=env, cwd=root, log=self.log)
        bh.wait_for_port(self.port, self.proc, self.log)

    def kernels(self) -> set[int]:
        """The kernels running below the app (in sessions of their own, so found by parentage)."""
        out = subprocess.run(["ps", "-eo", "pid=,ppid=,stat=,args="], capture_output=True, text=True).stdout
        rows = [line.split(None, 3) for line in out.splitlines()]
        parent = {int(r[0]): int(r[1]) for r in rows}
        alive = {int(r[0]): r[3] for r in rows if not r[2].startswith("Z")}

        def below_app(pid):
            while pid > 1:
                pid = parent.get(pid, 0)
                if pid == self.proc.pid:
                    return True
            return False

        return {pid for pid, args in alive.items() if "ipykernel" in args and below_app(pid)}

    def logged_in(self, http: requests.Session) -> bool:
        """Whether ``http`` is logged in: the login page sends a logged-in visitor on (and starts
        no kernel, as the app's page would)."""
        return http.get(self.url + "login", allow_redirects=False, timeout=30).status_code == 302

    def session(self, name: str | None = None, password: str | None = None) -> requests.Session:
        """An HTTP client; logged in as ``name`` when given."""
        http = requests.Session()
        form = http.get(self.url + "login", timeout=30)
        if name is not None:
            xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text).group(1)
            done = http.post(self.url + "login", data={"_xsrf": xsrf, "name": name, "password": password},
                             allow_redirects=False, timeout=60)
            assert done.status_code == 302, done.text[:500]
        return http

    def stop(self):
        bh.stop_server(self.proc)


@pytest.fixture(scope="module")
def app(tmp_path_factory, store):
    if REASON:
        pytest.skip(REASON)
    running = App(tmp_path_factory.mktemp("login_app"), store[0])
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    if REASON:
        pytest.skip(REASON)
    with bh.chromium() as chromium:
        yield chromium


def open_cards(crm):
    cards = crm.opportunities()
    return cards[cards["status"] == "open"]


def _new_page(browser):
    page = browser.new_context(viewport={"width": 1360, "height": 1000}, locale="zh-CN").new_page()
    page.set_default_timeout(60_000)
    frames: list[str] = []

    def watch(ws):
        frames.append(f"[websocket {ws.url}]")
        ws.on("framereceived", lambda payload: frames.append(payload if isinstance(payload, str)
                                                             else payload.decode("utf-8", "replace")))

    page.on("websocket", watch)
    return page, frames


def _book(store_url: str, rep: str):
    """The rep's customers and the other reps' (names that are only theirs), read as admin."""
    with crmkit.open(store_url) as crm:
        customers = crm.customers(columns=["customer_id", "name", "owner"])
        cards = open_cards(crm)
    mine = customers[customers["owner"] == rep]
    others = customers[(customers["owner"] != rep) & ~customers["name"].isin(mine["name"])]
    return mine, others, cards


def _ws_status(url: str, cookies: dict) -> int | str:
    """What a websocket handshake to ``url`` gets, with ``cookies``."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    async def connect():
        header = "; ".join(f"{k}={v}" for k, v in cookies.items())
        try:
            conn = await websocket_connect(HTTPRequest(url, headers={"Cookie": header} if header else {}))
        except HTTPClientError as exc:
            return exc.code
        conn.close()
        return "open"

    # in a thread of its own: Playwright's sync API keeps an event loop running in this one
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, connect()).result(timeout=60)


@browser_only
def test_anonymous_visitors_get_the_login_page_and_nothing_else(app, store, browser):
    _, others, _ = _book(store[0], next(iter(store[1])))
    page, frames = _new_page(browser)
    with bh.screenshot_on_failure(page, "login_anonymous"):
        for path in ("", "voila/render/app.ipynb", "anything?x=1"):
            page.goto(app.url + path)
            page.wait_for_selector(".crmkit-login")
            assert "/login" in page.url
        body = page.content()
        assert not any(name in body for name in others["name"])
        assert not frames, frames                  # no websocket opened, so no kernel talked
        assert not app.kernels()
        page.screenshot(path=str(_artifacts() / "app_login.png"))
    page.context.close()

    anonymous = requests.Session()
    for path in ("", "api/kernels", "api/kernels/11111111-2222-3333-4444-555555555555", "voila/files/app.ipynb"):
        answer = anonymous.get(app.url + path, allow_redirects=False, timeout=30)
        assert answer.status_code in (403, 404) or answer.headers["Location"].startswith("/login"), path
    fake = "11111111-2222-3333-4444-555555555555"
    assert _ws_status(f"ws://127.0.0.1:{app.port}/api/kernels/{fake}/channels", {}) == 403
    assert not app.kernels()


@browser_only
def test_a_rep_sees_only_their_book_signs_what_they_save_and_logs_out(app, store, browser):
    from playwright.sync_api import expect

    url, accounts = store
    with crmkit.open(url) as crm:   # the rep with the most open cards
        rep = open_cards(crm)["rep"].value_counts().index[0]
    mine, others, cards = _book(url, rep)
    assert len(mine) and len(others)
    with crmkit.open(url, user=rep) as crm:   # what the store's rules give the rep
        expected = set(open_cards(crm)["opportunity_id"])
    owner_of = mine.set_index("customer_id")["owner"]
    page, frames = _new_page(browser)
    with bh.screenshot_on_failure(page, "login_rep"):
        bh.log_in(page, app.url, rep, accounts[rep][0])
        page.wait_for_selector(APP, timeout=PAGE_TIMEOUT)
        expect(page.locator(".crmkit-account")).to_contain_text(f"{rep}（销售代表）")
        assert len(app.kernels()) == 1

        # the lead board: the rep's own cards, every one of them
        page.locator(".crmkit-app .lm-TabBar-tab", has_text="跟进看板").first.click()
        card_select = page.locator(".crmkit-board-card select")
        expect(card_select).to_be_visible(timeout=PAGE_TIMEOUT)
        shown = set(card_select.evaluate("s => Array.from(s.options).map(o => o.textContent.split(/\\s/)[0])"))
        assert shown == expected
        # and, read without the rules: each of them is of one of the rep's customers, or the rep's own
        shown_cards = cards[cards["opportunity_id"].isin(shown)]
        assert all(owner_of.get(c) == rep or (c is None and r == rep)
                   for c, r in zip(shown_cards["customer_id"], shown_cards["rep"]))
        page.screenshot(path=str(_artifacts() / "app_rep_board.png"))

        # the visit form's customer search: another rep's customer by name or id finds nothing
        page.locator(".crmkit-app .lm-TabBar-tab", has_text="登记").first.click()
        page.locator(".crmkit-entry-forms .lm-TabBar-tab", has_text="拜访记录").first.click()
        search = page.locator(".crmkit-form-interactions .crmkit-picker-search input")
        other = others.iloc[0]
        chosen = page.locator(".crmkit-form-interactions .crmkit-picker-chosen")
        for query in (other["name"], other["customer_id"]):
            search.fill("")
            expect(chosen).to_have_text("")
            search.fill(query)
            expect(chosen).to_contain_text(translate("no customer found", "zh"))
        own = mine.iloc[0]
        search.fill(own["name"])
        results = page.locator(".crmkit-form-interactions .crmkit-picker-results select")
        expect(results).to_contain_text(own["name"])

        # a visit saved from the page is the rep's, signed with the rep's account
        results.select_option(index=0)
        purpose = f"登录后记录{secrets.token_hex(3)}"
        purpose_box = page.locator(".crmkit-form-interactions .crmkit-field-purpose").locator("input, textarea").first
        purpose_box.fill(purpose)
        purpose_box.press("Tab")
        page.locator(".crmkit-form-interactions .crmkit-save").click()
        expect(page.locator(".crmkit-form-interactions .crmkit-status")).to_contain_text("已保存", timeout=60_000)

        # nothing the websocket carried names another rep's customer
        # (ipywidgets echoes what the test typed into the search box back: that is no leak)
        received = "\n".join(f for f in frames if '"method":"echo_update"' not in f)
        assert "[websocket" in received
        leaked = {name: received[max(0, received.index(name) - 300):received.index(name) + 100]
                  for name in others["name"] if name in received}
        assert not leaked, leaked

        # another account cannot reach this page's kernel, by the API or its websocket
        kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        intruder_name = next(n for n, (_, role, _) in accounts.items() if role == "rep" and n != rep)
        intruder = app.session(intruder_name, accounts[intruder_name][0])
        assert intruder.get(f"{app.url}api/kernels/{kernel_id}", timeout=30).status_code == 403
        assert intruder.post(f"{app.url}voila/api/shutdown/{kernel_id}", timeout=30,
                             headers={"X-XSRFToken": intruder.cookies.get("_xsrf", "")}).status_code == 403
        assert _ws_status(f"ws://127.0.0.1:{app.port}/api/kernels/{kernel_id}/channels",
                          intruder.cookies.get_dict()) == 403
        assert len(app.kernels()) == 1

        # logout: the login page again, the session and its kernel gone
        page.locator(".crmkit-logout").click()
        page.wait_for_selector(".crmkit-login")
        assert "您已退出登录" in page.inner_text("body")
        deadline = time.monotonic() + 30
        while app.kernels() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not app.kernels()
        page.goto(app.url)
        page.wait_for_selector(".crmkit-login")

    with crmkit.open(url) as crm:
        visits = crm.interactions()
        saved = visits[visits["purpose"] == purpose]
        assert len(saved) == 1 and saved["customer_id"].iloc[0] == own["customer_id"] and saved["rep"].iloc[0] == rep
        assert set(crm.history("interactions", saved["interaction_id"].iloc[0])["changed_by"]) == {rep}
    page.context.close()


@browser_only
def test_the_manager_sees_the_team_s_cards_and_no_others(app, store, browser):
    from playwright.sync_api import expect

    url, accounts = store
    team = accounts["manager"][2]
    team_reps = {n for n, (_, role, t) in accounts.items() if role == "rep" and t == team}
    with crmkit.open(url) as crm:
        cards = open_cards(crm)
        owner_of = crm.customers(columns=["customer_id", "owner"]).set_index("customer_id")["owner"]
    with crmkit.open(url, user="manager") as crm:
        expected = set(open_cards(crm)["opportunity_id"])
    assert expected and len(expected) < len(cards)
    # read without the rules: every card of the team's customers, and no other
    team_cards = cards[[owner_of.get(c) in team_reps if c is not None else r in team_reps | {"manager"}
                        for c, r in zip(cards["customer_id"], cards["rep"])]]
    assert set(team_cards["opportunity_id"]) == expected
    page, _ = _new_page(browser)
    with bh.screenshot_on_failure(page, "login_manager"):
        bh.log_in(page, app.url, "manager", accounts["manager"][0])
        page.wait_for_selector(APP, timeout=PAGE_TIMEOUT)
        expect(page.locator(".crmkit-account")).to_contain_text("manager（经理）")
        page.locator(".crmkit-app .lm-TabBar-tab", has_text="跟进看板").first.click()
        card_select = page.locator(".crmkit-board-card select")
        expect(card_select).to_be_visible(timeout=PAGE_TIMEOUT)
        shown = set(card_select.evaluate("s => Array.from(s.options).map(o => o.textContent.split(/\\s/)[0])"))
        assert shown == expected
        page.locator(".crmkit-logout").click()
        page.wait_for_selector(".crmkit-login")
    page.context.close()


def test_wrong_passwords_are_refused_and_guessing_is_slowed_down(app, store):
    url, accounts = store
    rep = next(n for n, (_, role, _) in accounts.items() if role == "rep")
    http = requests.Session()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', http.get(app.url + "login", timeout=30).text).group(1)
    statuses = []
    for _ in range(throttle.NAME_FREE + 1):
        answer = http.post(app.url + "login", data={"_xsrf": xsrf, "name": rep, "password": "not-the-password"},
                           allow_redirects=False, timeout=60)
        statuses.append(answer.status_code)
    assert statuses == [401] * throttle.NAME_FREE + [429]
    assert "登录失败次数过多" in answer.text and int(answer.headers["Retry-After"]) >= 1
    # while it waits, even the right password is not checked
    answer = http.post(app.url + "login", data={"_xsrf": xsrf, "name": rep, "password": accounts[rep][0]},
                       allow_redirects=False, timeout=60)
    assert answer.status_code == 429
    # without the form's _xsrf token, no login at all (a page elsewhere cannot log a browser in)
    other = next(n for n, (_, role, _) in accounts.items() if role == "rep" and n != rep)
    assert requests.post(app.url + "login", data={"name": other, "password": accounts[other][0]},
                         allow_redirects=False, timeout=60).status_code == 403
    # the login never sends the visitor to another site
    ok = app.session()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', ok.get(app.url + "login", timeout=30).text).group(1)
    done = ok.post(app.url + "login?next=//evil.example/", data={"_xsrf": xsrf, "name": other,
                                                                  "password": accounts[other][0]},
                   allow_redirects=False, timeout=60)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    cookie = next(c for c in ok.cookies if c.name == "crmkit-session")
    assert cookie.has_nonstandard_attr("HttpOnly") and accounts[other][0] not in cookie.value


def test_sessions_end_when_idle_and_when_the_account_is_disabled(tmp_path, store):
    if REASON:
        pytest.skip(REASON)
    url, accounts = store
    short = App(tmp_path, url, "--session-idle", "0.05")   # 3 seconds
    try:
        reps = [n for n, (_, role, _) in accounts.items() if role == "rep"]
        idle = short.session(reps[0], accounts[reps[0]][0])
        assert short.logged_in(idle)
        time.sleep(4)
        assert not short.logged_in(idle)
        assert idle.get(short.url, allow_redirects=False, timeout=30).headers["Location"].startswith("/login")

        kept = short.session(reps[1], accounts[reps[1]][0])
        with crmkit.open(url) as crm:
            crm.disable_user(reps[1])
        deadline = time.monotonic() + 60
        ended = False
        while time.monotonic() < deadline and not ended:   # the sweep runs every few seconds
            ended = not short.logged_in(kept)
            time.sleep(1)   # (a request every second also keeps the session from going idle)
        assert ended, "the disabled account's session is still open"
    finally:
        short.stop()


def _artifacts() -> Path:
    bh.ARTIFACTS.mkdir(exist_ok=True)
    return bh.ARTIFACTS
