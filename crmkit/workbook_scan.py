"""Refuse a hostile workbook (.xlsx, .xlsm, .ods) before the spreadsheet reader opens it.

What the zip's directory declares is checked first, at no cost (a bomb that admits its size is
refused at once). Then every part is unpacked as a stream, 1 MB at a time and never kept, because
the directory may lie: a part may unpack to more than it declares. While a worksheet streams by,
its cells' references (``<c r="XFD1048576">``) give the grid the reader will allocate, which a
1 KB file can make 500 GB. The cost of refusing is the memory of one chunk, whatever the file
unpacks to; a good workbook is unpacked once more than the reader alone would (about 0.1 s for
30 MB of sheet XML).
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path

from .exceptions import FileFormatError
from .file_limits import MAX_CELLS, MAX_COLUMNS, MAX_UNPACKED_BYTES, MAX_ZIP_ENTRIES, megabytes
from .i18n import translate

CHUNK = 1 << 20
WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
# A cell with content (``<c r="B7" t="s"><v>3</v></c>``, maybe ``<x:c …>``); an empty styled cell
# (``<c r="XFD1" s="2"/>``) is skipped, as the reader skips it.
VALUE_CELL = re.compile(rb'<(?:\w+:)?c\s+r="([A-Z]{1,8})([0-9]{1,9})"[^>]*?(?<!/)>')
UNREFERENCED_CELL = re.compile(rb'<(?:\w+:)?c(?:\s+(?!r=)[\w:]+="[^"]*")*\s*>')
ROW_END = re.compile(rb'</(?:\w+:)?row>')


def check_workbook(path: Path, lang: str = "en") -> None:
    """FileFormatError if the workbook at ``path`` unpacks beyond :data:`MAX_UNPACKED_BYTES`, has
    more than :data:`MAX_ZIP_ENTRIES` parts, or a worksheet beyond :data:`MAX_COLUMNS` columns or
    :data:`MAX_CELLS` cells. A file that is not a zip is left to the reader (an old .xls)."""
    if not zipfile.is_zipfile(path):
        return
    with zipfile.ZipFile(path) as zf:
        entries = zf.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise FileFormatError(path, translate(
                "the workbook holds {count:,} parts; crmkit reads workbooks of at most {limit:,}", lang,
                count=len(entries), limit=MAX_ZIP_ENTRIES))
        declared = sum(e.file_size for e in entries)
        if declared > MAX_UNPACKED_BYTES:
            biggest = max(entries, key=lambda e: e.file_size)
            raise _too_big(path, declared, biggest.filename, biggest.file_size, path.stat().st_size, lang)
        for entry in entries:
            grid = _Grid() if WORKSHEET.match(entry.filename) else None
            size = 0
            for chunk in _unpacked_chunks(zf, entry):
                size += len(chunk)
                if size > entry.file_size:  # the directory lied: trust nothing it says
                    raise FileFormatError(path, translate(
                        "the workbook's part {part} declares {declared} but unpacks to more: the file "
                        "is damaged or forged", lang, part=entry.filename, declared=megabytes(entry.file_size)))
                if grid is not None:
                    grid.feed(chunk)
            if grid is not None:
                grid.finish()
                grid.check(path, entry.filename, lang)
        # each part unpacked to no more than it declares, and the declared total is within the limit


def _too_big(path, total, part, part_size, file_size, lang) -> FileFormatError:
    return FileFormatError(path, translate(
        "the workbook ({size}) unpacks to {total}, {part} alone to {part_size}; crmkit reads workbooks "
        "that unpack to at most {limit}: this file is damaged or built to exhaust memory", lang,
        size=megabytes(file_size), total=megabytes(total), part=part, part_size=megabytes(part_size),
        limit=megabytes(MAX_UNPACKED_BYTES)))


def _unpacked_chunks(zf: zipfile.ZipFile, entry: zipfile.ZipInfo):
    """The entry's bytes as the reader will unpack them: from its compressed data, however long
    the directory says the result is (Python's zipfile would stop at the declared size)."""
    if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with zf.open(entry) as f:  # bzip2/lzma: no workbook writer uses them; zipfile bounds them
            while chunk := f.read(CHUNK):
                yield chunk
        return
    fp = zf.fp
    fp.seek(entry.header_offset)
    local = fp.read(30)
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    fp.seek(entry.header_offset + 30 + name_length + extra_length)
    left = entry.compress_size
    inflate = zlib.decompressobj(-zlib.MAX_WBITS) if entry.compress_type == zipfile.ZIP_DEFLATED else None
    while left > 0:
        packed = fp.read(min(CHUNK, left))
        if not packed:
            return
        left -= len(packed)
        if inflate is None:
            yield packed
            continue
        # a 1 MB read can inflate to 1 GB: take it out 1 MB at a time
        data = inflate.decompress(packed, CHUNK)
        while data:
            yield data
            data = inflate.decompress(inflate.unconsumed_tail, CHUNK) if inflate.unconsumed_tail else b""
        if inflate.eof:
            return


class _Grid:
    """The last row and column holding a value in a worksheet, fed its XML in chunks."""

    def __init__(self) -> None:
        self.last_row = 0
        self.last_column = 0
        self.unreferenced = 0  # cells placed by position, not by reference (rare writers)
        self.widest_row = 0  # the most such cells in one row
        self.open_row = 0  # such cells seen so far in the row not yet closed
        self.rest = b""

    def feed(self, chunk: bytes) -> None:
        # cut at the last '<', so no tag straddles two pieces
        data = self.rest + chunk
        cut = data.rfind(b"<")
        if cut <= 0 or len(data) - cut > CHUNK:  # no tag start in sight: nothing to carry
            cut = len(data)
        self._scan(data[:cut])
        self.rest = data[cut:]

    def finish(self) -> None:
        self._scan(self.rest)
        self.rest = b""

    def _scan(self, data: bytes) -> None:
        refs = VALUE_CELL.findall(data)
        if refs:
            columns, rows = zip(*refs)
            self.last_column = max(self.last_column, max(_column_number(c) for c in set(columns)))
            self.last_row = max(self.last_row, max(int(r) for r in set(rows)))
        if b"<" not in data:
            return
        *closed, still_open = ROW_END.split(data)
        for row in closed:
            self.widest_row = max(self.widest_row, self.open_row + self._unreferenced(row))
            self.open_row = 0
        self.open_row += self._unreferenced(still_open)
        self.widest_row = max(self.widest_row, self.open_row)

    def _unreferenced(self, data: bytes) -> int:
        n = len(UNREFERENCED_CELL.findall(data))
        self.unreferenced += n
        return n

    def check(self, path: Path, part: str, lang: str) -> None:
        width = max(self.last_column, self.widest_row)
        if width > MAX_COLUMNS:
            raise FileFormatError(path, translate(
                "the sheet {part} has a value in column {column:,}; crmkit reads at most {limit:,} columns "
                "(a form has a few dozen): this is not a table of records", lang,
                part=part, column=width, limit=MAX_COLUMNS))
        cells = max(self.last_row * self.last_column, self.unreferenced)
        if cells > MAX_CELLS:
            raise FileFormatError(path, translate(
                "the sheet {part} spans {rows:,} rows × {columns:,} columns ({cells:,} cells); crmkit reads "
                "sheets of at most {limit:,} cells", lang,
                part=part, rows=self.last_row, columns=self.last_column, cells=cells, limit=MAX_CELLS))


def _column_number(letters: bytes) -> int:
    """``b"A"`` -> 1, ``b"AB"`` -> 28, ``b"XFD"`` -> 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n
