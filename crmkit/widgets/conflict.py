"""An edit that met someone else's: both values side by side, and the user chooses per field.

``Store.update`` refuses to write over a record that changed since it was read and raises
``ConflictError`` with, for each field, the store's value and yours. A :class:`Conflict` holds
that until the user has chosen "mine" or "theirs" for every field; then the owner (the record
editor or a record form) writes the choice with a new versioned update. Nothing is written before.

>>> editor.conflict.fields              # {"phone": ("13900000000", "13800000000")}: (theirs, mine)
>>> editor.conflict.resolve("phone", "mine")
"""

from __future__ import annotations

import html
from typing import Callable

import ipywidgets as w

from ..exceptions import ConflictError
from ..i18n import column_label, translate
from ..schema import Table
from .errors import ErrorBanner, guarded

CHOICES = ("mine", "theirs")


class Conflict:
    """A pending conflict on one record.

    Attributes
    ----------
    table, record_id : which record
    expected_version : the version the user edited
    current_version : the store's version now (the resolution is written against it)
    fields : dict field -> (theirs, mine): the store's value now and the value the user wanted
    choices : dict field -> "mine" | "theirs", filled by :meth:`resolve`
    deleted : True when someone deleted the record; then there is nothing to choose
    """

    def __init__(self, error: ConflictError, on_resolved: Callable[["Conflict"], object]):
        self.table = error.table
        self.record_id = error.record_id
        self.expected_version = error.expected_version
        self.current_version = error.current_version
        # A field where the store already holds your value needs no choice (e.g. both of you
        # fixed the same typo) unless it is all there is.
        differ = {f: v for f, v in error.fields.items() if not _equal(*v)}
        self.fields = differ or dict(error.fields)
        self.deleted = bool(error.deleted)
        self.choices: dict[str, str] = {}
        self._on_resolved = on_resolved

    def resolve(self, field: str, choice: str):
        """Keep ``"mine"`` (your value) or ``"theirs"`` (the store's) for ``field``.

        When every field has a choice, the resolution is written (a versioned update of the
        fields where you kept yours) and what the owner's save returned is returned; until
        then None.
        """
        if field not in self.fields:
            raise KeyError(f"{field!r} is not in conflict; the fields in conflict are {sorted(self.fields)}")
        if choice not in CHOICES:
            raise ValueError(f"choose 'mine' or 'theirs' for {field!r}, not {choice!r}")
        self.choices[field] = choice
        if self.resolved:
            return self._on_resolved(self)
        return None

    def resolve_all(self, choice: str):
        """The same choice for every field (one click for "keep all mine")."""
        result = None
        for field in self.fields:
            if field not in self.choices:
                result = self.resolve(field, choice)
        return result

    @property
    def resolved(self) -> bool:
        return set(self.choices) == set(self.fields)

    def changes(self) -> dict:
        """The fields to write: those where the user kept their own value."""
        return {f: self.fields[f][1] for f, c in self.choices.items() if c == "mine"}


def conflict_title(conflict: Conflict, lang: str) -> str:
    """What happened and what to do, in a line: "O0000123 was changed by someone else (…)"."""
    return translate("{rid} was changed by someone else (you edited version {mine}, the store has {theirs}). "
                     "Choose which value to keep for each field:", lang, rid=conflict.record_id,
                     mine=conflict.expected_version, theirs=conflict.current_version)


class ConflictPanel(w.VBox):
    """Shows a :class:`Conflict`: per field the store's value and yours, and two buttons.

    Hidden while there is no conflict. CSS class ``crmkit-conflict``; each field's choice is a
    ToggleButtons with class ``crmkit-conflict-<field>``.
    """

    def __init__(self, table: Table, lang: str, banner: ErrorBanner):
        super().__init__([], layout=w.Layout(display="none", border="2px solid #e0a800", padding="6px"))
        self.add_class("crmkit-conflict")
        self.table = table
        self.lang = lang
        self.banner = banner
        self.conflict: Conflict | None = None

    def show(self, conflict: Conflict) -> None:
        self.conflict = conflict
        if conflict.deleted:
            gone = translate("{rid} was deleted by someone else; your change was not saved", self.lang,
                             rid=conflict.record_id)
            self.children = [w.HTML(f"<b>{html.escape(gone)}</b>")]
            self.layout.display = None
            return
        rows = [w.HTML("<b>" + html.escape(conflict_title(conflict, self.lang)) + "</b>")]
        keep = {"theirs": translate("keep the store's", self.lang), "mine": translate("keep mine", self.lang)}
        store, yours = translate("store", self.lang), translate("yours", self.lang)
        for field, (theirs, mine) in conflict.fields.items():
            label = column_label(self.table[field], self.lang) if field in self.table.by_name else field
            values = w.HTML(
                f"<b>{html.escape(label)}</b>: {store} "
                f"<code>{html.escape(_shown(theirs))}</code> · {yours} "
                f"<code>{html.escape(_shown(mine))}</code>",
                layout=w.Layout(width="420px"))
            choose = w.ToggleButtons(options=[(keep["theirs"], "theirs"), (keep["mine"], "mine")],
                                     value=None, style={"button_width": "110px"})
            choose.add_class(f"crmkit-conflict-{field}")
            choose.observe(guarded(self.banner)(self._chooser(field)), names="value")
            rows.append(w.HBox([values, choose]))
        if len(conflict.fields) > 1:  # one click for "all mine" / "all theirs"
            everything, every_field = [], translate("all", self.lang)
            for choice in ("theirs", "mine"):
                button = w.Button(description=f"{keep[choice]} ({every_field})")
                button.add_class(f"crmkit-conflict-all-{choice}")
                button.on_click(guarded(self.banner)(self._all(choice)))
                everything.append(button)
            rows.append(w.HBox(everything))
        self.children = rows
        self.layout.display = None

    def _chooser(self, field: str):
        def choose(change):
            if change["new"] is not None and self.conflict is not None:
                self.conflict.resolve(field, change["new"])

        return choose

    def _all(self, choice: str):
        def choose(_):
            if self.conflict is not None:
                self.conflict.resolve_all(choice)

        return choose

    def clear(self) -> None:
        self.conflict = None
        self.children = []
        self.layout.display = "none"


def _shown(v) -> str:
    if v is None:
        return "—"
    if hasattr(v, "isoformat"):
        return str(v)[:19]
    return str(v)


def _equal(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if hasattr(a, "year") and hasattr(b, "year"):
        return str(a)[:19] == str(b)[:19]
    return a == b
