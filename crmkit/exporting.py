"""DataFrames -> .xlsx or .csv with the forms' headers, safe to open in Excel.

A text cell that starts with = + - @ (or a tab / carriage return) would run as a formula
when a spreadsheet opens the file ("CSV injection"). In .xlsx such cells are written as
typed text cells, which Excel never evaluates; in .csv they get a leading apostrophe, the
spreadsheet convention for "this is text" — crmkit's importer removes it again, so an
export re-imports unchanged.

A NUL or another control character cannot be written to an .xlsx at all (XML has no way to say
it). The importer refuses such cells, but a store filled before it did may still hold them: an
export writes each as U+FFFD (the replacement character) rather than failing.
"""

from __future__ import annotations

from pathlib import Path

import re

import pandas as pd

from .parsing import UNWRITABLE
from .schema import Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_frame(frame: pd.DataFrame, table: Table, path, *, lang: str = "zh",
                 encoding: str = "utf-8-sig") -> Path:
    """Write ``frame`` (canonical columns of ``table``) to ``path``; the suffix picks the format.

    ``lang="zh"`` writes the forms' Chinese headers and Chinese enum labels (来店, 已报价);
    ``lang="en"`` the canonical names and values. CSV is UTF-8 with a BOM by default, which
    Excel opens correctly; pass ``encoding="gbk"`` for old Excel versions.
    """
    if lang not in ("zh", "en"):
        raise ValueError("lang must be 'zh' or 'en'")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = _replace_unwritable(presentable(frame, table, lang))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _write_xlsx(out, path, sheet=table.zh if lang == "zh" else table.name)
    elif suffix in (".csv", ".txt"):
        _neutralise_formulas(out).to_csv(path, index=False, encoding=encoding, date_format="%Y-%m-%d %H:%M:%S")
    else:
        raise ValueError(f"{path}: export writes .xlsx or .csv, not {suffix!r}")
    return path


def presentable(frame: pd.DataFrame, table: Table, lang: str) -> pd.DataFrame:
    """Values as a person reads them: labels for enums, 是/否, plain dates; headers in ``lang``."""
    out = pd.DataFrame(index=frame.index)
    for name in frame.columns:
        col = table.by_name.get(name)
        s = frame[name]
        header = col.label(lang) if col else name
        if col is None:
            out[header] = s
        elif col.kind == "enum":
            labels = col.choices if lang == "zh" else {v: v for v in col.choices}
            out[header] = s.astype(object).map(labels).where(s.notna(), None)
        elif col.kind == "bool":
            yes, no = ("是", "否") if lang == "zh" else ("true", "false")
            out[header] = s.astype(object).map({True: yes, False: no}).where(s.notna(), None)
        elif col.kind == "date":
            out[header] = pd.to_datetime(s).dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None)
        elif col.kind == "datetime":
            out[header] = pd.to_datetime(s)
        elif col.kind in ("money", "number"):
            out[header] = pd.array(s, dtype="Float64")
        elif col.kind == "integer":
            out[header] = pd.array(s, dtype="Int64")
        elif col.text_format == "visit_times" and lang == "zh":
            out[header] = _visit_times_zh(s)
        else:
            out[header] = s.astype(object).where(s.notna(), None)
    return out


def _visit_times_zh(s: pd.Series) -> pd.Series:
    """不宜访问时间 as the forms write them (周一上午；周末): an import reads them back to the same value."""
    from .visit_times import parse_visit_times

    texts = {v: parse_visit_times(v).text("zh") for v in s.dropna().unique()}
    return s.astype(object).map(texts).where(s.notna(), None)


def _replace_unwritable(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells with characters no spreadsheet can hold, those characters as U+FFFD."""
    out = frame.copy()
    pattern = re.compile(UNWRITABLE)
    for name in out.columns:
        s = out[name]
        if s.dtype == object:
            bad = s.map(lambda v: isinstance(v, str) and pattern.search(v) is not None)
            if bad.any():
                out[name] = s.where(~bad, s[bad].map(lambda v: pattern.sub("\ufffd", v)))
    return out


def _neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        s = out[name]
        if s.dtype == object:
            risky = s.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
            if risky.any():
                out[name] = s.where(~risky, "'" + s.astype(str))
    return out


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    bold = Font(bold=True)
    header = []
    for h in frame.columns:
        c = WriteOnlyCell(ws, value=str(h))
        c.font = bold
        header.append(c)
    ws.append(header)
    datetimes = [pd.api.types.is_datetime64_any_dtype(frame[c]) for c in frame.columns]
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns]
    for row in zip(*columns):
        cells = []
        for value, is_dt in zip(row, datetimes):
            if isinstance(value, str):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # text, never a formula, whatever it starts with
            elif is_dt and value is not None:
                cell = WriteOnlyCell(ws, value=pd.Timestamp(value).to_pydatetime())
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            else:
                cell = WriteOnlyCell(ws, value=value)
            cells.append(cell)
        ws.append(cells)
    wb.save(path)
