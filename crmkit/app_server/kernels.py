"""Each page's kernel belongs to the session that opened the page, and knows its account.

Voila starts a kernel for every page request and runs the app notebook in it; the notebook opens
the store with the record rules of the account named in the kernel's environment
(``ACCOUNT_ENV``). That name must come from the server, never from the browser, so:

- Voila's prelaunch hook (called for the page request, after login, before the kernel starts)
  notes the request's session in a context variable (``_launching_for``). Each request runs in
  its own asyncio task, so two reps opening pages at once never see each other's value.
- ``OwnedKernelManager.start_kernel``, awaited in that same task, reads it, refuses to start a
  kernel without it, puts the account's name into the kernel's environment and remembers the
  kernel's owner.
- ``OwnerOnlyAuthorizer`` lets only the owner's account reach a kernel over the REST API and the
  websocket (a kernel id seen in another rep's page is not a way into it), and
  ``OwnerShutdownHandler`` does the same for Voila's "tab closed" shutdown.

The kernel's websocket carries widget messages only: Voila allows no ``execute_request`` from the
browser, so the code a page runs is the app notebook's and nothing else.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from jupyter_core.utils import ensure_async
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

from . import ACCOUNT_ENV



@dataclass(frozen=True)
class Owner:
    account: str
    session: str


_launching_for: contextvars.ContextVar[Owner | None] = contextvars.ContextVar("crmkit_launching_for", default=None)


def note_launching_user(request_handler, notebook, cwd):
    """Voila's prelaunch hook: the page request's logged-in session, for ``start_kernel``."""
    user = request_handler.current_user
    session = getattr(user, "session", None)
    if user is None or not session:
        raise web.HTTPError(403)
    _launching_for.set(Owner(user.username, session))
    return notebook


class OwnedKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager, with each kernel's owner (account and session)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.owners: dict[str, Owner] = {}

    async def start_kernel(self, *, kernel_id=None, path=None, env=None, **kwargs):
        owner = _launching_for.get()
        if owner is None:
            # only a page request of a logged-in session starts a kernel
            raise web.HTTPError(403, "no logged-in session starts a kernel")
        _launching_for.set(None)   # one page, one kernel
        env = {**(env or {}), ACCOUNT_ENV: owner.account}
        kernel_id = await super().start_kernel(kernel_id=kernel_id, path=path, env=env, **kwargs)
        self.owners[kernel_id] = owner
        return kernel_id

    async def shutdown_kernel(self, kernel_id, now=False, restart=False):
        try:
            return await super().shutdown_kernel(kernel_id, now=now, restart=restart)
        finally:
            if not restart:
                self.owners.pop(kernel_id, None)

    def kernels_of(self, session: str) -> list[str]:
        return [kid for kid, owner in self.owners.items() if owner.session == session and kid in self]

    def may_use(self, kernel_id: str | None, account: str | None) -> bool:
        owner = self.owners.get(kernel_id or "")
        return owner is not None and account is not None and owner.account == account


def _kernel_id_of(handler) -> str | None:
    return handler.path_kwargs.get("kernel_id") or getattr(handler, "kernel_id", None)


class OwnerOnlyAuthorizer(Authorizer):
    """A logged-in user may use the kernels their account started, and no others."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        if user is None:
            return False
        if resource == "kernels":
            kernel_id = _kernel_id_of(handler)
            if kernel_id not in handler.kernel_manager:
                return True   # gone (culled, shut down) or never was: the handler answers 404, as Voila does
            return handler.kernel_manager.may_use(kernel_id, user.username)
        return True


class OwnerShutdownHandler(VoilaShutdownKernelHandler):
    """Voila's shutdown on ``beforeunload``, for the kernel's owner only."""

    @web.authenticated
    async def post(self, kernel_id):
        if not self.kernel_manager.may_use(kernel_id, self.current_user.username):
            raise web.HTTPError(403)
        await ensure_async(self.kernel_manager.shutdown_kernel(kernel_id))
        self.set_status(204)
        self.finish()
