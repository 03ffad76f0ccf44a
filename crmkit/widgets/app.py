"""The web app's one screen: the entry forms and the lead board in two tabs.

``crmkit app`` serves this with Voila (no code visible); in a notebook it is one call:

>>> from crmkit.widgets import app_layout
>>> app_layout(crm)            # 登记 (entry forms) | 跟进看板 (lead board)
"""

from __future__ import annotations

import ipywidgets as w

from ..i18n import N_, translate
from ..language import one_lang
from .board import LeadBoard
from .forms import EntryForms

__all__ = ["app_layout", "TAB_TITLES"]

#: The tabs' titles (message ids of ``crmkit.i18n``): 登记 | 跟进看板 in Chinese.
TAB_TITLES = (N_("Entry"), N_("Lead board"))


def app_layout(crm, lang: str | None = None, *, scoring: str = "background", as_of=None) -> w.Tab:
    """A Tab with the entry forms (customers, visits/walk-ins, intent cards, complaints) and
    the lead board. The board scores its cards in the background (see ``LeadBoard``) and plans
    for ``as_of``, by default the store's data date (a historical store opens on its last day)."""
    lang = one_lang(lang, crm)
    tab = w.Tab(children=[EntryForms(crm, lang), LeadBoard(crm, lang, scoring=scoring, as_of=as_of)])
    for i, title in enumerate(TAB_TITLES):
        tab.set_title(i, translate(title, lang))
    tab.add_class("crmkit-app")
    return tab
