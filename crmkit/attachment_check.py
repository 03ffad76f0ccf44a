"""A file offered as an attachment, read within a size limit and checked before the store sees it.

``check_file`` takes a path or the bytes of an upload, and returns the file's name, bytes, size,
SHA-256 and media type, or raises ``AttachmentRefusedError`` naming the file and why:

- the size is known before anything is read (a path's ``stat``; an upload's length), and a file
  over the limit is refused without being read; a file that grows while it is read is cut off
  at the limit and refused (memory: at most the limit, which the store keeps anyway);
- the kind comes from the content (``file_types.sniff``), never from the name; then the name's
  ending must promise that same kind (a PNG named contract.pdf is refused), and an ending crmkit
  does not take (.exe, .html, .svg, .zip) is refused even on content it would take.

>>> checked = check_file("contract.pdf", max_bytes=20_000_000)
>>> checked.media_type, checked.sha256[:12]
('application/pdf', '9f2c1a…')
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from .exceptions import AttachmentRefusedError
from .file_limits import megabytes
from .file_types import TEXT, Refusal, Sniffed, accepted_extensions, kind_of_extension, sniff
from .i18n import N_, translate

#: The default size limit of one attachment: a scanned contract of a few dozen pages, or a phone photo.
DEFAULT_MAX_BYTES = 20_000_000
#: Sets another limit, in MB, for every store opened in the process (``crm.max_attachment_bytes`` for one).
ENV_MAX_MB = "CRMKIT_MAX_ATTACHMENT_MB"
CHUNK = 1 << 20
MAX_NAME = 255  # characters: what file systems take


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content: bytes
    size: int
    sha256: str
    media_type: str


def default_max_bytes() -> int:
    """``$CRMKIT_MAX_ATTACHMENT_MB`` in bytes, else :data:`DEFAULT_MAX_BYTES`."""
    value = os.environ.get(ENV_MAX_MB)
    if not value:
        return DEFAULT_MAX_BYTES
    try:
        limit = float(value)
    except ValueError:
        limit = -1.0
    if not limit > 0:
        from .exceptions import ParameterError

        raise ParameterError(ENV_MAX_MB, value, "must be a positive number of megabytes, e.g. 20")
    return int(limit * 1_000_000)


def check_file(source, *, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
               lang: str = "en") -> CheckedFile:
    """Read and check ``source`` (a path, or the bytes of an upload with its ``name``)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not name:
            raise _refused("", "bad_name", N_("the bytes of a file need its name (name=...)"), lang)
        name = _file_name(name, lang)
        content = _bytes_within(bytes(source), name, max_bytes, lang)
    else:
        path = Path(source)
        name = _file_name(name or path.name, lang)
        content = _read_within(path, name, max_bytes, lang)
    digest = hashlib.sha256()
    view = memoryview(content)
    for start in range(0, len(view), CHUNK):
        digest.update(view[start:start + CHUNK])
    kind = _kind(name, sniff(content), lang)
    return CheckedFile(name, content, len(content), digest.hexdigest(), kind.media_type)


def _kind(name: str, sniffed: Sniffed, lang: str):
    """The accepted kind of a file named ``name`` whose content is ``sniffed``, or the refusal."""
    if sniffed.refusal is not None:
        raise _refusal(name, sniffed.refusal, lang)
    extension = Path(name).suffix.lower()
    if not extension:  # no ending: the content alone says what it is
        return sniffed.kind
    promised = kind_of_extension(extension)
    if promised is None:
        raise _refused(name, "extension_not_accepted", N_("files named {extension} are not kept; crmkit keeps "
                          "{accepted}"), lang, extension=extension, accepted=" ".join(accepted_extensions()))
    if promised == sniffed.kind or (sniffed.kind == TEXT and promised.media_type.startswith("text/")):
        return promised  # text is text: its ending tells a CSV table from plain text
    raise _refused(name, "extension_mismatch", N_("the content is {content}, not {promised} as its name ({extension}) "
                      "says"), lang, content=translate(sniffed.kind.label, lang),
                   promised=translate(promised.label, lang), extension=extension)


def _read_within(path: Path, name: str, max_bytes: int, lang: str) -> bytes:
    try:
        info = path.stat()
    except OSError as err:
        raise _refused(name, "not_a_file", N_("cannot read it: {error}"), lang, error=err.strerror or err) from None
    if not stat.S_ISREG(info.st_mode):  # a folder, a pipe, /dev/zero: no size to check, or no end
        raise _refused(name, "not_a_file", N_("it is not a file (a folder or a device)"), lang)
    _check_size(info.st_size, name, max_bytes, lang)
    chunks, size = [], 0
    with path.open("rb") as f:
        while chunk := f.read(min(CHUNK, max_bytes + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:  # it grew since stat
                _check_size(size, name, max_bytes, lang, at_least=True)
    content = b"".join(chunks)
    _check_size(len(content), name, max_bytes, lang)
    return content


def _bytes_within(content: bytes, name: str, max_bytes: int, lang: str) -> bytes:
    _check_size(len(content), name, max_bytes, lang)
    return content


def _check_size(size: int, name: str, max_bytes: int, lang: str, *, at_least: bool = False) -> None:
    if size == 0:
        raise _refused(name, "empty", N_("the file is empty"), lang)
    if size > max_bytes:
        message = (N_("the file grew past {size} while it was read; attachments are kept up to {limit}") if at_least
                   else N_("the file is {size}; attachments are kept up to {limit}"))
        raise _refused(name, "too_large", message, lang, size=megabytes(size), limit=megabytes(max_bytes))


def _file_name(name: str, lang: str) -> str:
    """The name a file is kept under: its last part (an upload may send a whole path), checked."""
    text = str(name).strip()
    base = PureWindowsPath(PurePosixPath(text).name).name.strip()
    if not base or base in (".", "..") or any(ord(ch) < 32 or ch == "\x7f" for ch in base) or len(base) > MAX_NAME:
        raise _refused(text, "bad_name", N_("not a usable file name (empty, too long or holding control characters)"),
                       lang)
    return base


def _refusal(name: str, refusal: Refusal, lang: str) -> AttachmentRefusedError:
    # the fields that are texts are message ids themselves ("a Windows program"); numbers are numbers
    fields = {k: translate(v, lang) if isinstance(v, str) else v for k, v in refusal.fields}
    return AttachmentRefusedError(name, refusal.code, translate(refusal.message, lang, **fields), lang)


def _refused(name: str, code: str, message: str, lang: str, **fields) -> AttachmentRefusedError:
    return AttachmentRefusedError(name, code, translate(message, lang, **fields), lang)
