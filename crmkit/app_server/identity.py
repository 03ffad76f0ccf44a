"""Who is asking: jupyter_server's identity-provider hook, answered from crmkit's accounts.

Voila 0.5 builds its web app on jupyter_server 2, whose handlers ask the configured
``IdentityProvider`` for the user of each request and send those without one to ``/login``
(pages) or away with 403 (the API and the kernels' websockets). ``CrmkitIdentityProvider`` is
that provider for ``crmkit app``: the user is the account whose session the request's cookie
names (``sessions.py``), the login form checks a name and password against the store's accounts
(argon2, in a worker thread so a login never stalls the pages of others), with failures slowed
down (``throttle.py``), and logging out ends the session and its pages' kernels.

The cookie holds nothing but the session's random token, signed with the app's cookie secret
(new at every start), HttpOnly, SameSite=Lax, and Secure when the request came over HTTPS.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlparse

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider
from jupyter_server.auth.identity import User as JupyterUser
from jupyter_server.base.handlers import JupyterHandler
from tornado import ioloop, web
from traitlets import Float

from . import login_page
from .sessions import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_AGE, SessionBook
from .throttle import LoginThrottle

COOKIE_NAME = "crmkit-session"
#: Every failed login is answered only after this many seconds (the throttle adds more).
FAILED_LOGIN_DELAY = 1.0
#: How often sessions are checked for expiry and for disabled accounts, in seconds.
SWEEP_EVERY = 15.0


@dataclass
class SessionUser(JupyterUser):
    """jupyter_server's user, with the session it was recognised by."""

    session: str = ""


class CrmkitIdentityProvider(IdentityProvider):
    """Login with the store's accounts; sessions in the app's memory."""

    idle_timeout = Float(DEFAULT_IDLE_TIMEOUT, config=True,
                         help="Seconds without a page request or kernel activity before a session ends.")
    max_age = Float(DEFAULT_MAX_AGE, config=True, help="Seconds after login when a session ends, however busy.")

    def __init__(self, **kwargs):
        kwargs.pop("login_handler_class", None)   # Voila passes its own; ours knows the accounts
        kwargs["token"] = ""                      # no Jupyter token: the accounts are the only way in
        super().__init__(**kwargs)
        self.login_handler_class = LoginHandler
        self.logout_handler_class = LogoutHandler
        self.cookie_name = COOKIE_NAME
        self.sessions = SessionBook(self.idle_timeout, self.max_age)
        self.throttle = LoginThrottle()
        self._sweeper: ioloop.PeriodicCallback | None = None

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    @property
    def lang(self) -> str:
        return os.environ.get("CRMKIT_APP_LANG", "zh")

    # ------------------------------------------------------------------ who is asking

    def get_user(self, handler: web.RequestHandler) -> SessionUser | None:
        self._start_sweeping()
        token = handler.get_secure_cookie(COOKIE_NAME, max_age_days=max(1.0, self.max_age / 86400))
        session = self.sessions.get(token.decode() if token else None)
        if session is None:
            if token is not None:
                self.clear_login_cookie(handler)
            return None
        return SessionUser(session.account, session=session.token)

    def start_session(self, handler: web.RequestHandler, account: str) -> None:
        session = self.sessions.start(account)
        options = {"httponly": True, "samesite": "Lax", "path": handler.base_url}
        if handler.request.protocol == "https":
            options["secure"] = True
        handler.set_secure_cookie(COOKIE_NAME, session.token, expires_days=None, **options)

    async def end_session(self, handler: web.RequestHandler) -> None:
        user = handler.current_user
        if isinstance(user, SessionUser):
            session = self.sessions.end(user.session)
            if session is not None:
                await self._shut_kernels_of([session])
        self.clear_login_cookie(handler)

    async def authenticate(self, name: str, password: str):
        """The account of ``name`` if ``password`` opens it, else None (argon2 in a worker thread)."""
        return await asyncio.get_running_loop().run_in_executor(None, _check_account, name, password)

    # ------------------------------------------------------------------ expiry

    def _start_sweeping(self) -> None:
        if self._sweeper is None:
            self._sweeper = ioloop.PeriodicCallback(self._sweep, SWEEP_EVERY * 1000)
            self._sweeper.start()

    async def _sweep(self) -> None:
        """End expired sessions and those of disabled accounts, and shut their kernels down."""
        kernels = self._kernel_manager()
        if kernels is not None:
            for kernel_id, owner in list(kernels.owners.items()):
                activity = getattr(kernels.get_kernel(kernel_id), "last_activity", None) if kernel_id in kernels else None
                if activity is not None:
                    self.sessions.touch(owner.session, _monotonic_of(activity))
        accounts = self.sessions.accounts()
        disabled = await asyncio.get_running_loop().run_in_executor(None, _closed_accounts, accounts) if accounts else set()
        await self._shut_kernels_of(self.sessions.sweep(disabled))

    async def _shut_kernels_of(self, sessions) -> None:
        kernels = self._kernel_manager()
        if kernels is None:
            return
        for session in sessions:
            for kernel_id in kernels.kernels_of(session.token):
                self.log.info("crmkit app: session of %s ended; shutting its kernel %s down", session.account, kernel_id)
                await kernels.shutdown_kernel(kernel_id)

    def _kernel_manager(self):
        manager = getattr(self.parent, "kernel_manager", None)
        return manager if hasattr(manager, "owners") else None


def _monotonic_of(when: datetime) -> float:
    """A kernel's ``last_activity`` (a UTC datetime) on the sessions' monotonic clock."""
    return time.monotonic() - (datetime.now(timezone.utc) - when).total_seconds()


def _open_store():
    import crmkit

    return crmkit.open(os.environ.get("CRMKIT_DB_URL") or None)


def _check_account(name: str, password: str):
    from ..exceptions import AuthenticationError

    with _open_store() as crm:
        try:
            return crm.authenticate(name, password)
        except AuthenticationError:
            return None


def _closed_accounts(names: set[str]) -> set[str]:
    """Those of ``names`` whose account is disabled or gone."""
    with _open_store() as crm:
        accounts = {name: crm.account_of(name) for name in names}
    return {name for name, account in accounts.items() if account is None or account.disabled}


def _safe_next(handler: web.RequestHandler, target: str | None) -> str:
    """Where to go after login: a path of this app, never another site (``//evil.example``)."""
    base = handler.base_url
    parsed = urlparse(target or "")
    if not target or parsed.scheme or parsed.netloc or not target.startswith(base) or target.startswith("//"):
        return base
    return target


class LoginHandler(JupyterHandler):
    """``GET /login``: the form; ``POST /login``: check the account, start a session."""

    @property
    def _identity(self) -> CrmkitIdentityProvider:
        return self.identity_provider

    @allow_unauthenticated
    def get(self):
        if self.current_user is not None:
            self.redirect(_safe_next(self, self.get_argument("next", None)))
            return
        self._page()

    @allow_unauthenticated
    async def post(self):   # the _xsrf field is checked by JupyterHandler.prepare, as for every POST
        name = self.get_argument("name", "").strip()
        password = self.get_argument("password", "")
        address = self.request.remote_ip or ""
        throttle = self._identity.throttle
        wait = throttle.wait_before_try(name, address)
        if wait > 0:
            self.set_status(429)
            self.set_header("Retry-After", str(int(wait) + 1))
            self._page(name=name, problem=login_page.too_many_tries(wait, self._identity.lang))
            return
        account = await self._identity.authenticate(name, password) if name and password else None
        if account is None:
            throttle.failed(name, address)
            self.log.warning("crmkit app: failed login for %r from %s", name, address)
            await asyncio.sleep(FAILED_LOGIN_DELAY)
            self.set_status(401)
            self._page(name=name, problem=login_page.wrong_login(self._identity.lang))
            return
        throttle.succeeded(name, address)
        self._identity.start_session(self, account.name)
        self.log.info("crmkit app: %s logged in from %s", account.name, address)
        self.redirect(_safe_next(self, self.get_argument("next", None)))

    def _page(self, *, name: str = "", problem: str | None = None, note: str | None = None) -> None:
        self.set_header("Cache-Control", "no-store")
        self.finish(login_page.render(self._identity.lang, action=self.request.uri, xsrf=self.xsrf_form_html(),
                                      name=name, problem=problem, note=note))


class LogoutHandler(JupyterHandler):
    """``GET /logout``: end the session (and its pages' kernels), then the login form again."""

    @allow_unauthenticated
    async def get(self):
        identity: CrmkitIdentityProvider = self.identity_provider
        if self.current_user is not None:
            self.log.info("crmkit app: %s logged out", self.current_user.username)
        await identity.end_session(self)
        self.set_header("Cache-Control", "no-store")
        self.finish(login_page.render(identity.lang, action=self.base_url + "login", xsrf=self.xsrf_form_html(),
                                      note=login_page.logged_out(identity.lang)))
