"""A record's history (what changed, old -> new, when, by whom), shown as a small table.

>>> panel = HistoryPanel("zh", banner)
>>> panel.show(crm.history("customers", "000123"), "000123")
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from .errors import ErrorBanner, guarded
from .fields import text

_HEADERS = {
    "changed_at": ("时间", "when"), "changed_by": ("修改人", "by"), "op": ("操作", "change"),
    "field": ("字段", "field"), "old_value": ("原值", "old"), "new_value": ("新值", "new"),
}
_OPS = {"insert": ("新建", "added"), "update": ("修改", "changed"), "delete": ("删除", "deleted"),
        "restore": ("恢复", "restored")}
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
        i = 0 if self.lang == "zh" else 1
        title = f"<b>{html.escape(text('history', self.lang))}: {html.escape(str(record_id))}</b>"
        if frame.empty:
            self.html.value = f"{title}<br>{html.escape(text('no_history', self.lang))}"
        else:
            rows = frame.sort_values("history_id", ascending=False).head(SHOWN_ROWS)
            head = "".join(f"<th style='text-align:left;padding:2px 8px'>{h[i]}</th>" for h in _HEADERS.values())
            body = []
            for _, r in rows.iterrows():
                cells = []
                for c in _HEADERS:
                    v = r[c]
                    if c == "op":
                        v = _OPS.get(v, (v, v))[i]
                    elif c == "changed_at":
                        v = f"{v:%Y-%m-%d %H:%M:%S}" if not pd.isna(v) else ""
                    shown = "" if v is None or v is pd.NA else str(v)
                    cells.append(f"<td style='padding:2px 8px'>{html.escape(shown)}</td>")
                body.append("<tr>" + "".join(cells) + "</tr>")
            self.html.value = f"{title}<table><tr>{head}</tr>{''.join(body)}</table>"
        self.layout.display = None

    def hide(self) -> None:
        self.layout.display = "none"
