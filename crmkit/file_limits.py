"""How much of a user's file crmkit agrees to read, and the refusals when a file asks for more.

A spreadsheet is a zip: a 5 MB .xlsx can unpack to gigabytes, and a 1 KB one can place a cell at
XFD1048576, which makes the reader allocate the whole 1,048,576 × 16,384 grid (500 GB: the process
aborts). A CSV header row of a million columns makes a DataFrame of a million columns. Such files
are refused before the reader sees them, from what a cheap pass over the file shows
(``crmkit.workbook_scan`` for workbooks, the first 64 KB for CSV), and again after reading for what
only the reader knows (a sheet whose cells carry no references).

The limits sit far above any form or CRM export crmkit is meant for (the widest crmkit table has 22
columns; a big export is a few hundred thousand rows of a few dozen columns), and below what
exhausts a laptop. README "Bring your own files" quotes them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .exceptions import FileFormatError
from .i18n import translate

#: Columns in any row. 45 times the widest crmkit table, more than any CRM export writes
#: (Salesforce's widest objects have a few hundred fields); a million-column header is refused.
MAX_COLUMNS = 1_000
#: Cells of a worksheet's grid (its last row × its last column), which the .xlsx reader allocates
#: whole, about 60 bytes a cell while pandas builds the frame: 10 M cells is ~0.6 GB.
#: 500,000 rows × 20 columns fit.
MAX_CELLS = 10_000_000
#: Bytes all the parts of a workbook unpack to (sheets, shared strings, styles …). 10 M cells
#: of sheet XML are about 400 MB.
MAX_UNPACKED_BYTES = 500_000_000
#: Parts in a workbook's zip. Excel writes a dozen plus one per sheet, chart and picture.
MAX_ZIP_ENTRIES = 10_000


def megabytes(n: int) -> str:
    """``512,000,000`` -> ``"512 MB"``: sizes as a user compares them."""
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e6:,.2f} MB"


def refuse_wide_row(path: Path, row: int, columns: int, lang: str, *, at_least: bool = False) -> FileFormatError:
    """The error for row ``row`` (as a spreadsheet numbers it) holding ``columns`` columns."""
    if at_least:  # a row cut off where crmkit stopped looking
        reason = translate("row {row} has {columns:,} columns or more; crmkit reads at most {limit:,} columns "
                           "(a form has a few dozen): this is not a table of records", lang,
                           row=row, columns=columns, limit=MAX_COLUMNS)
    else:
        reason = translate("row {row} has {columns:,} columns; crmkit reads at most {limit:,} columns "
                           "(a form has a few dozen): this is not a table of records", lang,
                           row=row, columns=columns, limit=MAX_COLUMNS)
    return FileFormatError(path, reason)


def check_frame_width(path: Path, frame, lang: str):
    """``frame``, or FileFormatError when a row of it holds a value beyond :data:`MAX_COLUMNS`
    (a sheet whose cells carry no references passes the scan; the read frame shows its width).
    Empty columns past the limit are dropped."""
    if frame.shape[1] <= MAX_COLUMNS:
        return frame
    beyond = frame.iloc[:, MAX_COLUMNS:].notna().to_numpy()
    if not beyond.any():
        return frame.iloc[:, :MAX_COLUMNS]
    rows = beyond.any(axis=1)
    first = int(rows.argmax())
    raise refuse_wide_row(path, first + 1, int(np.flatnonzero(beyond[first]).max()) + MAX_COLUMNS + 1, lang)
