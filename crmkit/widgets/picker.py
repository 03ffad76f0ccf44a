"""Find a customer by name, mnemonic, phone or id as you type, and pick one.

>>> picker = CustomerPicker(crm)
>>> picker.search("联万")             # what typing into the box does
>>> picker.results.options            # (label, customer_id) pairs, at most ``limit``
>>> picker.value = "000003"           # or pick from Python
"""

from __future__ import annotations

import html

import ipywidgets as w
import traitlets

from ..i18n import translate
from ..language import one_lang
from ..values import python_value
from .errors import ErrorBanner, guarded

RESULT_LIMIT = 8


def customer_matches(crm, query: str, limit: int = RESULT_LIMIT) -> list[dict]:
    """Customers whose name, mnemonic, phone or id contains ``query`` (case-insensitive).

    The customer with exactly that id comes first, the others by name. The query stops at the
    first ``limit`` matches instead of ranking them all, so a common word returns at once even
    at 100k customers; the answer is never stale (a customer saved a second ago is found).
    """
    q = query.strip()
    if not q:
        return []
    columns = ["name", "mnemonic", "phone"]
    within = ["name", "mnemonic", "phone", "customer_id"]
    rows = _records(crm.search("customers", q, within=within, columns=columns, limit=limit))
    exact = _records(crm.search("customers", where={"customer_id": q}, columns=columns))
    rows = exact + sorted((r for r in rows if r["customer_id"] != q), key=lambda r: (r["name"] or "", r["customer_id"]))
    return rows[:limit]


def _records(frame) -> list[dict]:
    return [{k: python_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def masked_phone(phone: str | None) -> str:
    """A phone with its middle digits hidden (138****5678): enough to tell two people apart."""
    if not phone:
        return ""
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    if len(digits) < 7:
        return "*" * len(phone)
    hide = set(digits[3:-4])
    return "".join("*" if i in hide else ch for i, ch in enumerate(phone))


def customer_label(row: dict) -> str:
    parts = [row["name"] or "", f"({row['customer_id']})"]
    if row.get("mnemonic"):
        parts.append(row["mnemonic"])
    if row.get("phone"):
        parts.append(masked_phone(row["phone"]))
    return " ".join(parts)


class CustomerPicker(w.VBox):
    """A search box and a short list of matching customers; ``value`` is the chosen customer_id.

    Typing searches name, mnemonic (助记), phone and id; choosing a line sets ``value``. Setting
    ``value`` from Python shows that customer. ``value`` is None until a customer is chosen,
    so an anonymous walk-in can leave it empty. CSS classes: ``crmkit-picker-search`` (the box),
    ``crmkit-picker-results`` (the list), ``crmkit-picker-chosen`` (who is chosen).
    """

    value = traitlets.Unicode(None, allow_none=True)

    def __init__(self, crm, lang: str | None = None, *, banner: ErrorBanner | None = None, limit: int = RESULT_LIMIT,
                 **kwargs):
        self.crm = crm
        self.lang = lang = one_lang(lang, crm)
        self.limit = limit
        self.banner = banner or ErrorBanner()
        self.search_box = w.Text(placeholder=translate("find a customer by name, mnemonic or phone", lang),
                                 continuous_update=True, layout=w.Layout(width="260px"))
        self.search_box.add_class("crmkit-picker-search")
        self.results = w.Select(options=[], value=None, rows=4, layout=w.Layout(width="260px", display="none"))
        self.results.add_class("crmkit-picker-results")
        self.chosen = w.HTML("")
        self.chosen.add_class("crmkit-picker-chosen")
        children = [self.search_box, self.results, self.chosen]
        if banner is None:  # standalone: show its own errors
            children.append(self.banner)
        super().__init__(children, **kwargs)
        safe = guarded(self.banner)
        self.search_box.observe(safe(lambda change: self.search(change["new"])), names="value")
        self.results.observe(safe(self._on_result_chosen), names="value")
        self.observe(safe(self._show_value), names="value")
        self._showing = False  # True while the picker itself sets the list, so that is not a choice

    def search(self, query: str) -> list[tuple[str, str]]:
        """Show the customers matching ``query``; returns the (label, customer_id) options shown."""
        if self.search_box.value != query:
            self.search_box.value = query  # observing it calls search again; that call does the work
            return list(self.results.options)
        rows = customer_matches(self.crm, query, self.limit)
        options = [(customer_label(r), r["customer_id"]) for r in rows]
        self._showing = True
        try:
            self.results.options = options
            self.results.value = None
        finally:
            self._showing = False
        self.results.layout.display = None if options else "none"
        if query.strip() and not options:
            none = translate("no customer found", self.lang)
            self.chosen.value = f'<span style="color:#666">{html.escape(none)}</span>'
        elif self.value is None:
            self.chosen.value = ""
        return options

    def _on_result_chosen(self, change) -> None:
        if not self._showing and change["new"] is not None:
            self.value = change["new"]

    def _show_value(self, change) -> None:
        cid = change["new"]
        if cid is None:
            self.chosen.value = ""
            return
        rows = [r for r in customer_matches(self.crm, cid, self.limit) if r["customer_id"] == cid]
        if rows:
            self.chosen.value = f"✓ {html.escape(customer_label(rows[0]))}"
        else:  # the form shows "unknown customer" beside the field
            self.chosen.value = f"? {html.escape(cid)}"

    def clear(self) -> None:
        """Empty the box, the list and the choice (for the next entry)."""
        self.value = None
        self.search_box.value = ""
