"""A record's attachments in a widget: the list (name, size, kind, who, when), an upload, a
download and a detach, all through the store (``crm.attach``, ``crm.attachments``,
``crm.open_attachment``, ``crm.detach``), so the same checks and record rules hold as in a notebook.

>>> panel = AttachmentsPanel(crm, "customers", "zh", banner)
>>> panel.show("000123")                 # lists the record's files; the upload attaches to it
"""

from __future__ import annotations

import base64
import html

import ipywidgets as w
import pandas as pd

from ..exceptions import AttachmentRefusedError
from ..file_types import KINDS
from ..i18n import N_, translate
from .display import MAX_LINK_BYTES
from .errors import ErrorBanner, guarded

# The list's columns (message ids of crmkit.i18n).
_HEADERS = {"file_name": N_("file"), "size": N_("size"), "media_type": N_("kind"), "attached_by": N_("by"),
            "attached_at": N_("when")}
# A kind as the list shows it: its usual name ending (PDF, PNG, DOCX …), the same in every language.
_SHORT = {k.media_type: k.extensions[0].lstrip(".").upper() for k in KINDS}


class AttachmentsPanel(w.VBox):
    """The attachments of one record of ``table``; hidden until :meth:`show` is called.

    CSS classes: ``crmkit-attachments`` (the panel), ``crmkit-attachments-list``,
    ``crmkit-attachments-upload``, ``crmkit-attachments-download``, ``crmkit-attachments-detach``.

    Attributes
    ----------
    record_id : the record shown (None before :meth:`show`)
    frame : its attachments as ``crm.attachments`` returned them
    refused : the files of the last upload that were refused, file name -> reason
    """

    def __init__(self, crm, table: str, lang: str = "zh", banner: ErrorBanner | None = None, *,
                 by: str | None = None):
        self.crm = crm
        self.table = table
        self.lang = lang
        self.by = by
        self.banner = banner or ErrorBanner()
        self.record_id: str | None = None
        self.frame = pd.DataFrame()
        self.refused: dict[str, str] = {}
        safe = guarded(self.banner)
        self.title = w.HTML("")
        self.close_button = w.Button(description="×", layout=w.Layout(width="32px"))
        self.close_button.on_click(safe(lambda _: self.hide()))
        self.list = w.HTML("")
        self.list.add_class("crmkit-attachments-list")
        self.upload = w.FileUpload(accept="", multiple=True, description=translate("Attach files", lang),
                                   icon="paperclip")
        self.upload.add_class("crmkit-attachments-upload")
        on_upload = safe(self._on_upload)
        # not guarded itself: emptying the upload after use must not clear the banner's refusals
        self.upload.observe(lambda change: on_upload(change) if change["new"] else None, names="value")
        self.choice = w.Dropdown(options=[], layout=w.Layout(width="260px"))
        self.download_button = w.Button(description=translate("Download", lang), icon="download")
        self.download_button.add_class("crmkit-attachments-download")
        self.download_button.on_click(safe(lambda _: self.download()))
        self.detach_button = w.Button(description=translate("Detach", lang), icon="unlink")
        self.detach_button.add_class("crmkit-attachments-detach")
        self.detach_button.on_click(safe(lambda _: self.detach()))
        self.link = w.HTML("")
        self.status_line = w.HTML("")
        super().__init__([
            w.HBox([self.title, self.close_button]), self.list,
            w.HBox([self.upload, self.choice, self.download_button, self.detach_button]),
            self.link, self.status_line,
        ], layout=w.Layout(display="none"))
        self.add_class("crmkit-attachments")

    def show(self, record_id: str) -> pd.DataFrame:
        """List the attachments of ``record_id`` (RecordNotFoundError for a record not in the user's book)."""
        frame = self.crm.attachments(self.table, str(record_id))
        self.record_id = str(record_id)
        self.link.value = ""
        self._list(frame)
        self.layout.display = None
        return frame

    def hide(self) -> None:
        self.layout.display = "none"

    def attach(self, name: str, content: bytes) -> dict | None:
        """Attach one file's bytes to the record shown (what an upload does); None when refused,
        with the reason in :attr:`refused` and the banner."""
        try:
            attached = self.crm.attach(self.table, self._shown(), bytes(content), name=name, by=self.by,
                                       lang=self.lang)
        except AttachmentRefusedError as err:
            self.refused[err.file] = str(err)
            self.banner.show_message("\n".join(self.refused.values()))
            return None
        self._list(self.crm.attachments(self.table, self._shown()))
        return attached

    def download(self, attachment_id: str | None = None) -> str:
        """A download link for ``attachment_id`` (default: the one chosen in the list); returns its HTML."""
        attachment_id = attachment_id or self.choice.value
        if not attachment_id:
            return self._say(translate("no attachment chosen", self.lang))
        row = self.frame.loc[self.frame["attachment_id"] == attachment_id].iloc[0]
        name = html.escape(str(row["file_name"]))
        if int(row["size"]) > MAX_LINK_BYTES:  # a data URI that big stalls the browser
            self.link.value = html.escape(translate(
                "{name} is too big to download here; in a notebook: crm.open_attachment({id!r})", self.lang,
                name=row["file_name"], id=attachment_id))
            return self.link.value
        content = self.crm.open_attachment(attachment_id)
        uri = f"data:{row['media_type']};base64,{base64.b64encode(content).decode('ascii')}"
        self.link.value = (f'<a class="crmkit-attachment-link" download="{name}" href="{uri}" '
                           f'style="color:#1a5fb4;text-decoration:underline">⬇ {name}</a>')
        return self.link.value

    def detach(self, attachment_id: str | None = None) -> dict | None:
        """Detach ``attachment_id`` (default: the one chosen); it stays in the record's history."""
        attachment_id = attachment_id or self.choice.value
        if not attachment_id:
            self._say(translate("no attachment chosen", self.lang))
            return None
        detached = self.crm.detach(attachment_id, by=self.by)
        self.link.value = ""
        self._list(self.crm.attachments(self.table, self._shown()))
        self._say(translate("detached {name}", self.lang, name=detached["file_name"]))
        return detached

    # ------------------------------------------------------------------ internals

    def _on_upload(self, change) -> None:
        files = change["new"]
        self.refused = {}
        attached = [f["name"] for f in files if self.attach(f["name"], f["content"]) is not None]
        self.upload.value = ()  # ready for the next upload (the files are in the store, or refused)
        if attached:
            self._say(translate("attached {n} file(s)", self.lang, n=len(attached)))

    def _shown(self) -> str:
        if self.record_id is None:
            raise ValueError("show a record's attachments first (panel.show(record_id))")
        return self.record_id

    def _list(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        title = translate("Attachments", self.lang)
        self.title.value = f"<b>{html.escape(title)}: {html.escape(str(self.record_id))}</b>"
        chosen = self.choice.value
        ids = [str(i) for i in frame["attachment_id"]]
        self.choice.options = [(str(r.file_name), str(r.attachment_id)) for r in frame.itertuples()]
        # a Dropdown given options after none chooses nothing: keep the choice, else take the first
        self.choice.value = chosen if chosen in ids else (ids[0] if ids else None)
        self.download_button.disabled = self.detach_button.disabled = frame.empty
        if frame.empty:
            self.list.value = html.escape(translate("no attachments yet", self.lang))
            return
        head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(translate(h, self.lang))}</th>"
                       for h in _HEADERS.values())
        body = []
        for r in frame.itertuples():
            cells = [r.file_name, _size(int(r.size)), _SHORT.get(r.media_type, r.media_type), r.attached_by or "",
                     f"{r.attached_at:%Y-%m-%d %H:%M}"]
            body.append("<tr>" + "".join(f"<td style='padding:2px 8px'>{html.escape(str(c))}</td>" for c in cells)
                        + "</tr>")
        self.list.value = f"<table><tr>{head}</tr>{''.join(body)}</table>"

    def _say(self, message: str) -> str:
        self.status_line.value = html.escape(message)
        return message


def _size(n: int) -> str:
    """Bytes as a person reads them: 850 B, 35.2 KB, 1.4 MB."""
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1e3:.1f} KB"
    return f"{n / 1e6:.1f} MB"
