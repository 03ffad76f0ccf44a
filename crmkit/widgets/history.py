"""A record's history (what changed, old -> new, when, by whom), shown as a small table.

>>> panel = HistoryPanel("zh", banner)
>>> panel.show(crm.history("customers", "000123"), "000123")
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from ..i18n import N_, translate
from .errors import ErrorBanner, guarded

# History columns and operations, as a person reads them (message ids of crmkit.i18n).
_HEADERS = {"changed_at": N_("when"), "changed_by": N_("by"), "op": N_("change"), "field": N_("field"),
            "old_value": N_("old"), "new_value": N_("new")}
_OPS = {"insert": N_("added"), "update": N_("changed"), "delete": N_("deleted"), "restore": N_("restored"),
        "attach": N_("file attached"), "detach": N_("file detached")}
SHOWN_ROWS = 50  # the newest changes; the whole history is crm.history(table, record_id)


class HistoryPanel(w.VBox):
    """The newest changes of one record, newest first; hidden until :meth:`show` is called.

    CSS class ``crmkit-history-panel``. ``frame`` holds the history last shown.
    """

    def __init__(self, lang: str = "zh", banner: ErrorBanner | None = None):
        self.lang = lang
        self.frame: pd.DataFrame | None = None
        self.html = w.HTML("")
        self.close_button = w.Button(description="×", layout=w.Layout(width="32px"))
        self.close_button.on_click(guarded(banner or ErrorBanner())(lambda _: self.hide()))
        super().__init__([w.HBox([self.html, self.close_button])], layout=w.Layout(display="none"))
        self.add_class("crmkit-history-panel")

    def show(self, frame: pd.DataFrame, record_id: str) -> None:
        self.frame = frame
        title = f"<b>{html.escape(translate('History', self.lang))}: {html.escape(str(record_id))}</b>"
        if frame.empty:
            self.html.value = title + "<br>" + html.escape(translate("no changes recorded", self.lang))
        else:
            rows = frame.sort_values("history_id", ascending=False).head(SHOWN_ROWS)
            head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(translate(h, self.lang))}</th>"
                           for h in _HEADERS.values())
            body = []
            for _, r in rows.iterrows():
                cells = []
                for c in _HEADERS:
                    v = r[c]
                    if c == "op":
                        v = translate(_OPS[v], self.lang) if v in _OPS else v
                    elif c == "changed_at":
                        v = f"{v:%Y-%m-%d %H:%M:%S}" if not pd.isna(v) else ""
                    shown = "" if v is None or v is pd.NA else str(v)
                    cells.append(f"<td style='padding:2px 8px'>{html.escape(shown)}</td>")
                body.append("<tr>" + "".join(cells) + "</tr>")
            self.html.value = f"{title}<table><tr>{head}</tr>{''.join(body)}</table>"
        self.layout.display = None

    def hide(self) -> None:
        self.layout.display = "none"
