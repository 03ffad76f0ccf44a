"""Which text encoding a CSV file is in, decided line by line.

A file is UTF-8 (with or without BOM), UTF-16 ("Unicode text" from Excel) or GB18030 (a
superset of GBK and GB2312, what Chinese Excel writes as "CSV"). A file whose lines disagree
(a UTF-8 export with one line pasted in from a GBK file) is refused, naming the lines and their
bytes: decoding it wholesale as GB18030 would turn every other Chinese line into mojibake
without a single error.
"""

from __future__ import annotations

from pathlib import Path

from .exceptions import FileFormatError
from .i18n import translate

SHOWN_LINES = 3  # foreign lines named in the error (the first ones)
SHOWN_BYTES = 8  # bytes shown from where each line stops being UTF-8


def detect_encoding(path: Path, raw: bytes, lang: str = "en") -> tuple[str, str | None]:
    """``(encoding, separator or None)`` of the file's bytes ``raw``; FileFormatError if mixed or unknown."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "\t"
    try:
        raw.decode("utf-8")
        return "utf-8-sig", None
    except UnicodeDecodeError:
        pass
    utf8_lines, foreign = _classify_lines(raw)
    # Lines that are UTF-8 with non-ASCII text are evidence the file is UTF-8. A GBK line is
    # valid UTF-8 only by accident (rarely, and only short ones), so a file with at least as
    # many such lines as broken ones is a UTF-8 file with foreign lines in it.
    if utf8_lines and utf8_lines >= len(foreign):
        raise FileFormatError(path, translate(
            "the file is UTF-8 except {count} line(s) in another encoding (GBK?), at line {lines} "
            "[the bytes where UTF-8 stops]; save those lines as UTF-8 and import again", lang,
            count=len(foreign), lines=_describe(foreign)))
    try:
        raw.decode("gb18030")
        return "gb18030", None
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise FileFormatError(path, translate(
            "cannot tell the text encoding: line {line} is neither UTF-8 nor GBK/GB18030 (bytes [{bytes}]); "
            "save the file as UTF-8", lang, line=line, bytes=_shown(raw[err.start:err.start + SHOWN_BYTES]))) from None


def _classify_lines(raw: bytes) -> tuple[int, list[tuple[int, bytes]]]:
    """How many lines are non-ASCII UTF-8, and the others' (line number, first bad bytes)."""
    utf8_lines = 0
    foreign: list[tuple[int, bytes]] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError as err:
            foreign.append((number, line[err.start:err.start + SHOWN_BYTES]))
    return utf8_lines, foreign


def _describe(foreign: list[tuple[int, bytes]]) -> str:
    shown = ", ".join(f"{number} [{_shown(data)}]" for number, data in foreign[:SHOWN_LINES])
    return shown + (" …" if len(foreign) > SHOWN_LINES else "")


def _shown(data: bytes) -> str:
    return data.hex(" ")
