"""What a file is, read from its bytes, never from its name: the kinds crmkit keeps as attachments,
and the reason any other content is refused.

Accepted: PDF, PNG, JPEG, GIF and WEBP images, Word and Excel documents (.docx, .xlsx: a zip
holding the parts Office writes, without macros) and UTF-8 text (.txt, .csv). Everything else is
refused with what it is, when crmkit can tell: a program or script, an HTML page or SVG drawing
(a browser runs the scripts they hold), an old .doc/.xls (they carry macros), a zip or another
archive, text in another encoding.

>>> sniff(b"%PDF-1.7 ...").media_type
'application/pdf'
>>> sniff(b"MZ\\x90\\x00...").code
'executable'

Only the first bytes decide most kinds; text is decoded as a stream (``TextCheck``), so a large file
is never held as one string, and a zip's directory is sized before Python's zipfile reads it.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass

from .file_limits import MAX_ZIP_ENTRIES
from .i18n import N_

HEAD_BYTES = 4096  # what the magic-number checks look at


@dataclass(frozen=True)
class Kind:
    """An accepted kind of file: its media type, how people call it (a message id of the catalog)
    and the name endings that may carry it (the first is the usual one)."""

    media_type: str
    label: str
    extensions: tuple[str, ...]


PDF = Kind("application/pdf", N_("a PDF document"), (".pdf",))
PNG = Kind("image/png", N_("a PNG image"), (".png",))
JPEG = Kind("image/jpeg", N_("a JPEG image"), (".jpg", ".jpeg"))
GIF = Kind("image/gif", N_("a GIF image"), (".gif",))
WEBP = Kind("image/webp", N_("a WEBP image"), (".webp",))
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", N_("a Word document"),
            (".docx",))
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", N_("an Excel workbook"), (".xlsx",))
TEXT = Kind("text/plain", N_("UTF-8 text"), (".txt", ".md", ".log"))
CSV = Kind("text/csv", N_("UTF-8 text"), (".csv",))  # the same content as TEXT: the name tells a table apart
KINDS: tuple[Kind, ...] = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, TEXT, CSV)


def kind_of_extension(extension: str) -> Kind | None:
    """The kind a name ending (".pdf", in any case) promises; None for an ending crmkit does not take."""
    extension = extension.lower()
    return next((k for k in KINDS if extension in k.extensions), None)


def accepted_extensions() -> list[str]:
    return [e for k in KINDS for e in k.extensions]


@dataclass(frozen=True)
class Refusal:
    """Why content is refused: a stable ``code`` and a message id with its fields."""

    code: str
    message: str
    fields: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Sniffed:
    """What the content is: an accepted ``kind`` or a ``refusal`` (one of the two is None)."""

    kind: Kind | None = None
    refusal: Refusal | None = None

    @property
    def media_type(self) -> str | None:
        return self.kind.media_type if self.kind else None

    @property
    def code(self) -> str | None:
        return self.refusal.code if self.refusal else None


def _refuse(code: str, message: str, **fields) -> Sniffed:
    return Sniffed(refusal=Refusal(code, message, tuple(fields.items())))


# Programs a machine runs as they are. "#!" starts a script for Unix shells and interpreters.
_EXECUTABLES = (
    (b"MZ", N_("a Windows program (.exe, .dll)")),
    (b"\x7fELF", N_("a Linux program")),
    (b"\xfe\xed\xfa\xce", N_("a macOS program")), (b"\xfe\xed\xfa\xcf", N_("a macOS program")),
    (b"\xce\xfa\xed\xfe", N_("a macOS program")), (b"\xcf\xfa\xed\xfe", N_("a macOS program")),
    (b"\xca\xfe\xba\xbe", N_("a macOS or Java program")),
    (b"#!", N_("a script")),
)
# Containers that are not documents: what they hold is not checked here, so they are refused whole.
_ARCHIVES = (
    (b"\x1f\x8b", N_("a gzip archive")),
    (b"7z\xbc\xaf\x27\x1c", N_("a 7-Zip archive")),
    (b"Rar!\x1a\x07", N_("a RAR archive")),
    (b"BZh", N_("a bzip2 archive")),  # then the level, and the block magic "1AY&SY" (checked below)
    (b"\xfd7zXZ\x00", N_("an xz archive")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", N_("an old Office file (.doc, .xls, .ppt), which may hold macros")),
)
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# What a browser takes for a page: the start patterns of the WHATWG MIME sniffing standard
# ("rules for identifying an unknown MIME type"), and XML, which includes SVG and XHTML.
_MARKUP = re.compile(
    rb"\s*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--|\?xml|svg)"
    rb"(?:[\s>/]|$)", re.IGNORECASE)
_SCRIPT = re.compile(rb"<script|javascript:|\bon(?:load|error|click|mouseover|focus)\s*=", re.IGNORECASE)
# Control characters no text document holds (tab, line feed, form feed and carriage return are text).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")


def sniff(content: bytes) -> Sniffed:
    """What ``content`` is, from its bytes: an accepted kind, or why it is refused."""
    head = content[:HEAD_BYTES]
    for magic, what in _EXECUTABLES:
        # "MZ" also starts plain text ("MZ Group,100"); a program's header goes on in binary
        if head.startswith(magic) and (magic != b"MZ" or _CONTROL.search(head, 2, 64)):
            return _refuse("executable", N_("the content is {what}: programs and scripts are not kept"), what=what)
    if head.startswith(b"%PDF-"):
        return Sniffed(PDF)
    if head.startswith(_PNG_SIGNATURE):
        if head[12:16] == b"IHDR":
            return Sniffed(PNG)
        return _refuse("damaged", N_("the content starts like a PNG image but is damaged (no IHDR header)"))
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(JPEG)
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed(GIF)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed(WEBP)
    if head.startswith(_ZIP):
        return _office_document(content)
    for magic, what in _ARCHIVES:
        if head.startswith(magic) and (magic != b"BZh" or head[4:10] == b"1AY&SY"):
            return _refuse("archive", N_("the content is {what}, not a document crmkit keeps"), what=what)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _refuse("not_text", N_("the content is UTF-16 text (Excel's \"Unicode text\"); save it as UTF-8 "
                                      "(Excel: \"CSV UTF-8\")"))
    return TextCheck().feed_all(content)


class TextCheck:
    """Whether content is UTF-8 text, decoded as a stream of chunks (memory: one chunk)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._offset = 0  # bytes fed so far
        self._head = b""
        self._script = False
        self._tail = b""  # the end of the chunk before, so a "<script" cut in two is still found
        self.refusal: Sniffed | None = None

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if self.refusal is not None:
            return
        if len(self._head) < HEAD_BYTES:
            self._head += chunk[:HEAD_BYTES - len(self._head)]
        self._script = self._script or bool(_SCRIPT.search(self._tail + chunk))
        self._tail = chunk[-16:]
        # a control byte is the same byte in UTF-8 (no character of several bytes uses one), so it is
        # looked for in the bytes: binary content is told apart before it fails to decode
        bad = _CONTROL.search(chunk)
        if bad:
            self.refusal = _refuse("not_text", N_("the content is binary (control character U+{character:04X} at byte "
                                                  "{offset:,}), of no kind crmkit keeps"),
                                   character=bad.group()[0], offset=self._offset + bad.start())
            return
        pending = len(self._decoder.getstate()[0])  # bytes of a character the chunk before cut in two
        try:
            self._decoder.decode(chunk, final)
        except UnicodeDecodeError as err:
            at = self._offset - pending + err.start
            self.refusal = _refuse("not_text", N_("the content is not UTF-8 text (byte {offset:,} is not UTF-8) nor "
                                                  "any other kind crmkit keeps; save text as UTF-8 (Excel: "
                                                  "\"CSV UTF-8\")"), offset=at)
            return
        self._offset += len(chunk)

    def finish(self) -> Sniffed:
        self.feed(b"", final=True)
        if self.refusal is not None:
            return self.refusal
        head = self._head[3:] if self._head.startswith(codecs.BOM_UTF8) else self._head
        if _MARKUP.match(head):
            if self._script:
                return _refuse("markup", N_("the content is a web page or an SVG drawing holding a script; "
                                            "HTML and SVG are not kept (a browser would run it)"))
            return _refuse("markup", N_("the content is a web page or an SVG drawing; HTML and SVG are not kept "
                                        "(a browser runs the scripts they may hold)"))
        return Sniffed(TEXT)

    def feed_all(self, content: bytes, chunk: int = 1 << 20) -> Sniffed:
        view = memoryview(content)
        for start in range(0, len(view), chunk):
            self.feed(bytes(view[start:start + chunk]))
            if self.refusal is not None:
                break
        return self.finish()


def _office_document(content: bytes) -> Sniffed:
    """A zip is a .docx or .xlsx when its parts say so (``[Content_Types].xml``); macros and
    every other zip are refused. The directory is sized first: a 20 MB zip may list half a
    million parts, which Python's zipfile would all load."""
    entries = _zip_entry_count(content)
    if entries is None:
        return _refuse("damaged", N_("the content is a damaged zip archive"))
    if entries > MAX_ZIP_ENTRIES:
        return _refuse("archive", N_("the content is a zip archive of {count:,} parts, not a Word or Excel "
                                     "document"), count=entries)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            names = zf.namelist()
            if "[Content_Types].xml" not in names:
                return _refuse("archive", N_("the content is a zip archive, not a Word or Excel document; zip "
                                             "archives are not kept (attach the files in it one by one)"))
            with zf.open("[Content_Types].xml") as f:
                types = f.read(1 << 20)  # a real one is a few KB
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, ValueError):
        return _refuse("damaged", N_("the content is a damaged or encrypted zip archive"))
    if b"macroEnabled" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
        return _refuse("macros", N_("the content is an Office document with macros; save it without macros "
                                    "(.docx, .xlsx) or as PDF"))
    if b"wordprocessingml.document.main+xml" in types:
        return Sniffed(DOCX)
    if b"spreadsheetml.sheet.main+xml" in types:
        return Sniffed(XLSX)
    return _refuse("archive", N_("the content is an Office file that is neither a Word document nor an Excel "
                                 "workbook (e.g. PowerPoint or a template); save it as PDF"))


def _zip_entry_count(content: bytes) -> int | None:
    """How many directory entries a zip may hold: every central directory signature in it, which
    bounds what Python's zipfile would load whatever the end record claims; None when there is no
    end record (not a whole zip)."""
    if content.rfind(b"PK\x05\x06", max(0, len(content) - (22 + 0xFFFF))) < 0:
        return None
    return content.count(b"PK\x01\x02")
