"""The logged-in account, in the kernel of a ``crmkit app`` page: its store and the bar naming it.

The server starts each page's kernel for one logged-in session and names its account in the
kernel's environment (``crmkit.app_server.ACCOUNT_ENV``); the browser cannot set it. The page
then works on a store opened with that account, so the store's record rules decide what the
page reads and writes, and every change is signed with the account's name.
"""

from __future__ import annotations

import os
from html import escape

import ipywidgets as w

from ..app_server import ACCOUNT_ENV
from ..exceptions import AuthenticationError
from ..i18n import N_, translate
from ..language import one_lang

__all__ = ["app_store", "account_bar"]

ROLE_LABELS = {"rep": N_("sales rep"), "manager": N_("manager"), "admin": N_("administrator")}
SIGNED_IN_AS = N_("Signed in as {name} ({role})")
LOG_OUT = N_("Log out")


def app_store(url: str | None = None):
    """The store, opened with the record rules of the page's account. Refuses to open without
    an account (a page served without crmkit's login would otherwise see every record)."""
    import crmkit

    name = os.environ.get(ACCOUNT_ENV)
    if not name:
        raise AuthenticationError("(nobody)")
    with crmkit.open(url) as crm:
        account = crm.account_of(name)
    if account is None or account.disabled:
        raise AuthenticationError(name)
    return crmkit.open(url, user=account)


def account_bar(crm, lang: str | None = None) -> w.HTML:
    """"Signed in as 张伟 (sales rep) · Log out", the link ending the session."""
    account, lang = crm.account, one_lang(lang, crm)
    base = os.environ.get("VOILA_BASE_URL", "/")
    who = translate(SIGNED_IN_AS, lang, name=account.name, role=translate(ROLE_LABELS[account.role], lang))
    bar = w.HTML(f'<div class="crmkit-account" style="display:flex;justify-content:flex-end;gap:14px;'
                 f'font-size:13px;color:#4b5563;padding:2px 4px 6px">'
                 f'<span>{escape(who)}</span>'
                 f'<a class="crmkit-logout" href="{escape(base)}logout" style="color:#2563eb">'
                 f'{escape(translate(LOG_OUT, lang))}</a></div>')
    return bar
