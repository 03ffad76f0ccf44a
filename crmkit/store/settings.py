"""The store's settings: the language its people read and the currency its amounts are in.

>>> crm.configure(lang="en", currency="USD")     # an admin; signed and dated like any change
>>> crm.settings()
{'lang': 'en', 'currency': 'USD', 'set_by': 'alice', 'set_at': '2026-11-29T18:00:00'}
>>> crm.lang, crm.currency                        # what applies: the setting, else the locale, …
('en', 'USD')

Kept in ``crmkit_meta`` (one key per setting, a JSON value with who set it and when), outside
``schema.TABLES``: settings are not records. Read once per opened store; a store opened before
another process changed them keeps the old ones until reopened.
"""

from __future__ import annotations

import json

import pandas as pd

from ..i18n import N_
from ..language import DEFAULT_CURRENCY, check_currency, check_setting_lang, resolve_lang
from .location import who

_KEY = "settings"
_NAMES = ("lang", "currency")


class Settings:
    """The settings half of ``Store`` (it needs ``self._db``, ``self.user`` and ``self._require_admin``)."""

    _settings_cache: dict | None = None

    def settings(self) -> dict:
        """What the store sets: ``lang`` and ``currency`` (None where it sets nothing), and who
        set them when."""
        if self._settings_cache is None:
            db = self._db
            raw = db.scalar(f"SELECT value FROM crmkit_meta WHERE key = {db.placeholder(1)}", (_KEY,))
            stored = json.loads(raw) if raw else {}
            self._settings_cache = {name: stored.get(name) for name in (*_NAMES, "set_by", "set_at")}
        return dict(self._settings_cache)

    def configure(self, *, lang: str | None = None, currency: str | None = None) -> dict:
        """Set the store's language (``"en"``, ``"zh"`` or ``"zh+en"``) and/or currency (an ISO
        4217 code): what every widget, report and message uses when not told otherwise.
        Only an admin may; the values are checked before anything is written."""
        self._require_admin(N_("change the store's settings"))
        changes = {}
        if lang is not None:
            changes["lang"] = check_setting_lang(lang)
        if currency is not None:
            changes["currency"] = check_currency(currency)
        if not changes:
            return self.settings()
        db, p = self._db, self._db.placeholder
        with db.transaction():
            raw = db.scalar(f"SELECT value FROM crmkit_meta WHERE key = {p(1)}", (_KEY,))
            stored = {**(json.loads(raw) if raw else {}), **changes,
                      "set_by": who(None, self.user), "set_at": pd.Timestamp.now().floor("s").isoformat()}
            value = json.dumps(stored, ensure_ascii=False, sort_keys=True)
            if raw is None:
                db.execute(f"INSERT INTO crmkit_meta (key, value) VALUES ({p(1)}, {p(2)})", (_KEY, value))
            else:
                db.execute(f"UPDATE crmkit_meta SET value = {p(1)} WHERE key = {p(2)}", (value, _KEY))
        self._settings_cache = None
        return self.settings()

    @property
    def lang(self) -> str:
        """The language this store's people read: its setting ("zh+en" too), else the locale's,
        else Chinese (the forms' language)."""
        return resolve_lang(None, self, fallback="zh")

    @property
    def currency(self) -> str:
        """The currency of the store's amounts: its setting, else CNY (the forms' yuan)."""
        return self.settings()["currency"] or DEFAULT_CURRENCY
