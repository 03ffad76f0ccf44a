"""Users' own files -> validated, canonical DataFrames, with an ImportReport of every problem.

Reading (encodings, .xlsx, the header row) is separate from checking, and nothing here
touches the store: ``Store.import_file`` reads and checks with this module, then writes
the good rows in one transaction (or nothing, when the report has errors).
"""

from __future__ import annotations

import dataclasses
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import file_limits, parsing, problem_counts, reference_names, workbook_scan
from .exceptions import FileFormatError
from .i18n import N_, translate
from .rules import Derived, Fault, Format, GroupTotal, Reference, Required, VisitTimeAllowed, rules_for
from .schema import Table
from .text_encoding import detect_encoding
from .values import is_missing

HEADER_SEARCH_ROWS = 20  # forms often carry a title (and a blank line) above the header
SHOWN_HEADERS = 30  # headers an error lists: enough to see what the file holds, never a screenful


@dataclass(frozen=True)
class Problem:
    """One bad cell (or row): where it is, as the user sees it in Excel, and why."""

    file: str
    row: int | None  # the spreadsheet row number (header row + 1 for the first record)
    column: str | None  # the header as written in the file
    value: object
    reason: str
    severity: str = "error"  # or "warning": reported, but the row is still imported
    code: str = ""  # stable and machine-readable (``crmkit.rules``); taken from the reason when it is a Fault
    field: str = ""  # the crmkit field at fault (one column of a file may feed several fields)

    def __post_init__(self) -> None:
        if not self.code:
            object.__setattr__(self, "code", getattr(self.reason, "code", "invalid"))
        object.__setattr__(self, "reason", str(self.reason))

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        col = f", column {self.column!r}" if self.column else ""
        val = f", value {self.value!r}" if self.value is not None else ""
        return f"{Path(self.file).name} {where}{col}{val}: {self.reason}"


@dataclass
class ImportReport:
    """What an import found and did. ``ok`` is True when nothing blocks the import."""

    path: str
    table: str
    rows_read: int = 0
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # file header -> canonical column
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows left out because they had errors (on_error="skip")
    skipped_deleted: int = 0  # rows whose record was deleted in the store
    written: bool = False
    lang: str = "en"  # the language of the reasons crmkit has in both, and of the counts per reason

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """The problems as a table (file, row, column, value, reason, severity, code)."""
        cols = ["file", "row", "column", "value", "reason", "severity", "code"]
        return pd.DataFrame([[getattr(p, c) for c in cols] for p in self.problems], columns=cols)

    def reason_counts(self) -> list[tuple[int, str]]:
        """``(count, reason)`` pairs, most frequent first: what to fix, before where."""
        return problem_counts.reason_counts(self.problems, self.table, self.lang)

    def format_problems(self, limit: int | None = None) -> str:
        """The counts per reason, then the problems (the first ``limit`` of them)."""
        if not self.problems:
            return ""
        shown = self.problems if limit is None else self.problems[:limit]
        lines = ["  " + problem_counts.summary_line(self.problems, self.table, self.lang)]
        lines += [f"  - {p}" for p in shown]
        if limit is not None and len(self.problems) > limit:
            lines.append(f"  … and {len(self.problems) - limit} more (report.to_frame() lists them all)")
        return "\n".join(lines)

    def __str__(self) -> str:
        name = Path(self.path).name
        if self.written:
            head = (f"{name} -> {self.table}: {self.rows_read} rows read, {self.inserted} inserted, "
                    f"{self.updated} updated, {self.unchanged} unchanged")
            if self.skipped:
                head += f", {self.skipped} skipped for errors"
            if self.skipped_deleted:
                head += f", {self.skipped_deleted} skipped (deleted in the store)"
        else:
            head = f"{name} -> {self.table}: {self.rows_read} rows read, nothing written"
        if self.ignored_columns:
            head += f"\n  columns not imported: {', '.join(self.ignored_columns)}"
        if self.problems:
            head += "\n" + self.format_problems(20)
        return head


@dataclass
class CheckedFrame:
    """The outcome of checking a file: canonical values and which rows are good."""

    frame: pd.DataFrame  # canonical columns present in the file (id always), one row per record
    excel_rows: np.ndarray  # spreadsheet row number of each frame row
    bad: np.ndarray  # True where the row has at least one error
    report: ImportReport


# --------------------------------------------------------------------------- reading


def read_cells(path: Path, sheet: str | int | None = None, lang: str = "en") -> pd.DataFrame:
    """Every cell of a CSV or spreadsheet, as raw objects, no header interpreted."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileFormatError(path, N_("no such file"))
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        workbook_scan.check_workbook(path, lang)  # a zip bomb or a 500 GB grid never reaches calamine
        try:
            cells = pd.read_excel(path, header=None, dtype=object, engine="calamine",
                                  sheet_name=0 if sheet is None else sheet)
        except Exception as exc:  # calamine raises its own types for broken workbooks
            raise FileFormatError(path, f"cannot read the spreadsheet: {exc}") from exc
        return file_limits.check_frame_width(path, cells, lang)
    if suffix in (".csv", ".txt", ".tsv", ""):
        return _read_csv(path, lang)
    raise FileFormatError(path, f"unsupported file type {suffix!r}; use .csv or .xlsx")


def _read_csv(path: Path, lang: str = "en") -> pd.DataFrame:
    """All cells as text (``"001"`` stays ``"001"``), one row per spreadsheet row.

    Arrow's multi-threaded reader takes rectangular files (what Excel writes: it pads title
    and blank rows with separators). A ragged file (a bare title line, an empty line) falls
    back to Python's csv module, slower but with every row kept, so row numbers stay right.
    """
    import csv
    import io

    import pyarrow as pa
    from pyarrow import csv as pacsv

    raw = path.read_bytes()
    if not raw.strip():
        raise FileFormatError(path, N_("the file is empty"))
    encoding, sep = detect_encoding(path, raw, lang)
    head = raw[:65536].decode(encoding, errors="ignore").lstrip("\ufeff")
    if sep is None:  # over several lines: a title line alone has no separator at all
        sep = "\t" if head.count("\t") > head.count(",") else ","
    # the first 64 KB show a million-column header row before anything is built from it
    # (a row cut off at 64 KB has at least the columns seen so far)
    widths = [len(r) for r in csv.reader(io.StringIO(head), delimiter=sep)]
    wide = next((i for i, n in enumerate(widths) if n > file_limits.MAX_COLUMNS), None)
    if wide is not None:
        raise file_limits.refuse_wide_row(path, wide + 1, widths[wide], lang, at_least=True)
    width = max(widths, default=1)
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(column_names=names, encoding=encoding.replace("utf-8-sig", "utf8")),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    except pa.ArrowInvalid:
        try:
            rows = _rows_within_limit(path, csv.reader(io.StringIO(raw.decode(encoding)), delimiter=sep), lang)
        except csv.Error as exc:
            raise FileFormatError(path, f"not a well-formed CSV file: {exc}") from exc
        width = max(len(r) for r in rows)
        frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=pd.StringDtype())
    if len(frame) and isinstance(frame.iat[0, 0], str):
        frame.iat[0, 0] = frame.iat[0, 0].lstrip("\ufeff")
    frame.columns = range(frame.shape[1])
    return frame


def _rows_within_limit(path: Path, reader, lang: str) -> list[list[str]]:
    """Every row of ``reader``, refusing the first one wider than ``file_limits.MAX_COLUMNS``
    (past the first 64 KB), before the rest of the file is read."""
    rows = []
    for number, row in enumerate(reader, start=1):
        if len(row) > file_limits.MAX_COLUMNS:
            raise file_limits.refuse_wide_row(path, number, len(row), lang)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- headers


def normalize_header(h) -> str:
    """'  应收金额（元）* ' -> '应收金额'; 'Customer ID' -> 'customerid'."""
    s = str(h).strip().replace("\ufeff", "")
    s = s.translate(str.maketrans("（）【】：", "()[]:"))
    s = re.sub(r"\s*[(\[][^)\]]*[)\]]\s*$", "", s)  # trailing unit or note: (元), [必填]
    s = re.sub(r"[\s_*:#/-]+", "", s).lower()
    return s


def header_lookup(table: Table) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for col in table.columns:
        for h in col.headers:
            lookup.setdefault(normalize_header(h), col.name)
    return lookup


def resolve_field(table: Table, name) -> str | None:
    """A field of ``table`` given by its name or as a header of the forms (状态, Customer ID), or None."""
    if name in table.by_name:
        return name
    return header_lookup(table).get(normalize_header(name))


def expected_headers(columns) -> str:
    """``customer_id / 客户编号, name / 客户名称``: each column's English name beside the form's header."""
    return ", ".join(f"{c.name} / {c.zh}" for c in columns)


def find_header_row(cells: pd.DataFrame, table: Table, mapping: dict[str, str]) -> int:
    lookup = header_lookup(table)
    wanted = {normalize_header(k) for k in mapping}
    best, best_hits = None, 0
    for i in range(min(HEADER_SEARCH_ROWS, len(cells))):
        names = {normalize_header(v) for v in cells.iloc[i] if isinstance(v, str) and v.strip()}
        hits = len(names & (set(lookup) | wanted))
        if hits > best_hits:
            best, best_hits = i, hits
    if best is None:
        return -1
    return best


def _targets(columns) -> list[str]:
    return [columns] if isinstance(columns, str) else list(columns)


def match_columns(headers: list, table: Table, mapping: dict[str, str | list[str]]):
    """File headers -> canonical names. Returns (positions, matched, ignored, warnings).

    A header the mapping sends to several columns feeds each of them (``matched`` names them
    all, joined by ", ").
    """
    lookup = header_lookup(table)
    user = {normalize_header(k): _targets(v) for k, v in mapping.items()}
    positions: dict[str, int] = {}
    matched: dict[str, str] = {}
    ignored: list[str] = []
    notes: list[str] = []
    for pos, h in enumerate(headers):
        if not isinstance(h, str) or not h.strip():
            continue
        key = normalize_header(h)
        names = user.get(key) or ([lookup[key]] if key in lookup else [])
        if not names:
            ignored.append(h.strip())
            continue
        fed = []
        for name in names:
            if name in positions:
                notes.append(f"column {h.strip()!r} also means {name}; the first such column was used")
            else:
                positions[name] = pos
                fed.append(name)
        if fed:
            matched[h.strip()] = ", ".join(fed)
    return positions, matched, ignored, notes


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class Reading:
    """How to read a file that is not in crmkit's own shape (another tool's export).

    ``values`` maps a field's values before they are parsed (``{"status": {"Won": "won"}}``;
    compared without regard to case; an empty target empties the cell). ``refs`` holds, for a
    field that refers to another table, the index of that table's records by the field the file
    writes instead of the id (``reference_names``). ``lang`` is the language of the reasons
    crmkit has in both languages and of the counts per reason. ``date_order`` ("MDY" or "DMY",
    or None) is how every date column of the file writes dates with the day and the month before
    the year (12/1/2010, 31/01/2025); without it such dates are errors (``crmkit.day_month``).
    """

    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    refs: dict[str, reference_names.ReferenceIndex] = field(default_factory=dict)
    lang: str = "en"
    date_order: str | None = None


def check_cells(cells: pd.DataFrame, path: str, table: Table, mapping: dict[str, str | list[str]] | None = None,
                known: dict[str, pd.Series] | None = None, reading: Reading | None = None,
                closed_times: pd.Series | None = None) -> CheckedFrame:
    """Find the header, parse every mapped column and collect every problem.

    ``known`` (per referenced table: id -> deleted) and ``closed_times`` (id -> 不宜访问时间) are what the store
    tells about its customers, for the rules that compare a record with them.

    ``mapping`` sends a file's header to a column, or to several (``{"Account": ["name",
    "customer_id"]}``: one column of the file feeds both fields); a column may be written as the
    forms write it (``{"Kunde": "客户名称"}``).
    """
    reading = reading or Reading()
    mapping = map_headers(table, mapping, path)
    report = ImportReport(path=str(path), table=table.name, lang=reading.lang)
    hdr = find_header_row(cells, table, mapping)
    if hdr < 0:
        raise FileFormatError(path, translate(
            "no header row found for {table} in the first {rows} rows; expected headers like {examples} … "
            "(or map the file's headers to these columns)", reading.lang,
            table=table.name, rows=HEADER_SEARCH_ROWS, examples=expected_headers(table.columns[:5])))
    report.header_row = hdr + 1
    headers = list(cells.iloc[hdr])
    body = cells.iloc[hdr + 1:]
    excel_rows = body.index.to_numpy() + 1  # cells row 0 is spreadsheet row 1
    return _check_body(body, headers, excel_rows, str(path), table, mapping, report, known,
                       reading=reading, closed_times=closed_times)


def map_headers(table: Table, mapping: dict | None, path) -> dict[str, list[str]]:
    """A user's header mapping with every target as the field's name; FileFormatError for an unknown one."""
    out: dict[str, list[str]] = {}
    for k, targets in (mapping or {}).items():
        for v in _targets(targets):
            name = resolve_field(table, v)
            if name is None:
                raise FileFormatError(path, f"the mapping sends {k!r} to {v!r}, which is not a column of "
                                            f"{table.name}; columns: {', '.join(table.column_names)}")
            out.setdefault(k, []).append(name)
    return out


def map_values(table: Table, values: dict | None, path) -> dict[str, dict[str, str | None]]:
    """``{"状态": {"Won": "won"}}`` -> ``{"status": {"won": "won"}}``: fields by name, keys case-folded."""
    out: dict[str, dict[str, str | None]] = {}
    for column, pairs in (values or {}).items():
        name = resolve_field(table, column)
        if name is None:
            raise FileFormatError(path, f"the value mapping names {column!r}, which is not a column of "
                                        f"{table.name}; columns: {', '.join(table.column_names)}")
        out.setdefault(name, {}).update({str(k).strip().casefold(): v for k, v in pairs.items()})
    return out


def _apply_value_map(raw: pd.Series, pairs: dict[str, str | None]) -> pd.Series:
    """Cells whose text is a key of ``pairs`` replaced by its value, before they are parsed.

    The key ``""`` stands for an empty cell: ``{"created_at": {"": "2017-12-31"}}`` (``--value
    'created_at:=2017-12-31'``) gives the blank cells of a column the value the user names, e.g.
    the deals another tool exports without a date while they are only prospects.
    """
    folded = parsing.to_text(raw).str.casefold()
    if "" in pairs:
        folded = folded.fillna("")
    hit = folded.isin(list(pairs)).fillna(False).to_numpy(dtype=bool)
    if not hit.any():
        return raw
    keys = folded.to_numpy(dtype=object, na_value=None)
    out = raw.astype(object).copy()
    out[hit] = [pairs[k] if pairs[k] not in ("", None) else None for k in keys[hit]]
    return out.astype(parsing.TEXT) if isinstance(raw.dtype, pd.StringDtype) else out


def check_frame(frame: pd.DataFrame, source: str, table: Table, *, known: dict[str, pd.Series] | None = None,
                partial: bool = False, closed_times: pd.Series | None = None) -> CheckedFrame:
    """Check a DataFrame whose columns are canonical names or the forms' headers.

    ``partial=True`` checks only the fields given (an update), not that required ones are there.
    Row numbers in the report count as in a spreadsheet with the header in row 1.
    """
    report = ImportReport(path=source, table=table.name, header_row=1)
    body = frame.reset_index(drop=True)
    headers = list(body.columns)
    body.columns = range(len(headers))
    excel_rows = np.arange(len(body)) + 2
    return _check_body(body, headers, excel_rows, source, table, {}, report, known, partial,
                       closed_times=closed_times)


def _check_body(body, headers, excel_rows, path, table, mapping, report, known, partial=False,
                reading: Reading | None = None, closed_times: pd.Series | None = None):
    reading = reading or Reading()
    lang = reading.lang
    hdr = (report.header_row or 1) - 1
    positions, report.columns, report.ignored_columns, notes = match_columns(headers, table, mapping)
    for n in notes:
        report.problems.append(Problem(str(path), hdr + 1, None, None, n, "warning", "header"))
    if not partial:
        # a table with a natural key makes up ids for records without one (``_fill_ids``)
        missing = [c for c in table.columns if c.required and c.name not in positions
                   and not (table.natural_key and c.name == table.id_column)]
        idcol = table[table.id_column]
        if not table.natural_key and table.id_column not in positions and idcol not in missing:
            missing.insert(0, idcol)
        if missing:
            need = "; ".join(f"{c.name} / {' / '.join(c.headers[1:3])}" for c in missing)
            named = [str(h) for h in headers if isinstance(h, str)]
            found = ", ".join(named[:SHOWN_HEADERS]) + (f" … ({len(named):,})" if len(named) > SHOWN_HEADERS else "")
            raise FileFormatError(path, translate(
                "the header row (row {row}) lacks required column(s): {need}. Found: {found}. "
                "Map a header of the file to a column (--map 'Account=name') if it has another name",
                lang, row=hdr + 1, need=need, found=found))

    order = sorted(set(positions.values()))  # a column of the file may feed several fields
    body = body.iloc[:, order]
    body.columns = order
    blank = _blank_rows(body).to_numpy()
    body = body[~blank].reset_index(drop=True)
    excel_rows = np.asarray(excel_rows)[~blank].astype(np.int64)
    report.rows_read = len(body)

    header_of = {name: str(headers[pos]).strip() for name, pos in positions.items()}
    frame = pd.DataFrame(index=body.index)
    bad = np.zeros(len(body), dtype=bool)
    flagged: set[tuple[int, str]] = set()

    def add_problem(i: int, name: str | None, value, reason: str, severity="error"):
        report.problems.append(Problem(str(path), int(excel_rows[i]), header_of.get(name, name), value, reason, severity,
                                       field=name or ""))
        if severity == "error":
            bad[i] = True
            flagged.add((i, name))

    def parse(item):
        name, pos = item
        raw = body[pos]
        if name in reading.values:  # the user's words for this field's values, before parsing
            raw = _apply_value_map(raw, reading.values[name])
        column = table[name]
        if name in reading.refs:  # the file names the record (a customer's name), not its id
            column = dataclasses.replace(column, kind="text", references=None)
        return parsing.parse(raw, column, lang, date_order=reading.date_order, rows=excel_rows)

    in_order = sorted(positions.items(), key=lambda kv: table.column_names.index(kv[0]))
    # Columns parse independently, and Arrow's kernels release the GIL: use every core.
    with ThreadPoolExecutor(max_workers=min(len(in_order), os.cpu_count() or 1) or 1) as pool:
        results = list(pool.map(parse, in_order))
    for (name, pos), parsed in zip(in_order, results):
        frame[name] = parsed.values
        for i, reason in parsed.reasons.items():
            add_problem(i, name, _plain(body.at[i, pos]), reason)
    for name, index in reading.refs.items():
        if name in frame:
            frame[name], reasons = reference_names.resolve(frame[name], index, lang)
            for i, reason in reasons.items():
                add_problem(i, name, _plain(body.at[i, positions[name]]), reason)

    rules = [r for r in rules_for(table.name) if r.applies_to(frame)]
    _check_rules([r for r in rules if isinstance(r, Required)], frame, add_problem, flagged)
    if not partial:
        _fill_ids(frame, table)
        _check_duplicate_ids(frame, table, excel_rows, add_problem)
    for rule in rules:
        if isinstance(rule, Derived):
            _check_rules([rule], frame, add_problem, flagged)
            rule.fill(frame)
    # Formats were checked cell by cell as the text was parsed (the same test as the Format rule)
    # A GroupTotal needs the group's other records, which only the store has (``Store`` runs it)
    _check_rules([r for r in rules if not isinstance(r, (Required, Derived, Reference, Format, GroupTotal))], frame,
                 add_problem, flagged)
    if known is not None:  # the ids of each table the records refer to -> whether deleted
        for rule in (r for r in rules if isinstance(r, Reference) and r.target in known):
            _check_rules([rule], frame, add_problem, flagged, known=known[rule.target])
    if closed_times is not None:
        _check_rules([r for r in rules if isinstance(r, VisitTimeAllowed)], frame, add_problem, flagged,
                     closed=closed_times)

    report.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return CheckedFrame(frame, excel_rows, bad, report)


def _blank_rows(body: pd.DataFrame) -> pd.Series:
    """Rows whose every cell is empty: spreadsheets are full of them; they are not records."""
    blank = pd.Series(True, index=body.index)
    for c in body:
        col = body[c]
        if isinstance(col.dtype, pd.StringDtype):
            blank &= col.str.strip().fillna("").eq("").to_numpy(dtype=bool)
        else:
            blank &= col.map(lambda v: is_missing(v) or (isinstance(v, str) and not v.strip())).to_numpy(dtype=bool)
    return blank


def _plain(v):
    """A cell as the user typed it, for the report."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _check_rules(rules, frame, add_problem, flagged, **context):
    """Run record rules (``crmkit.rules``) on the checked frame; a cell that failed to parse
    already has its own reason and is not reported again."""
    for rule in rules:
        for i, reason in rule.violations(frame, **context).items():
            if (i, rule.column) not in flagged:
                add_problem(i, rule.column, rule.shown_value(frame, i), reason, rule.severity)
        if isinstance(rule, Reference) and "known" in context:
            for i, reason in rule.deleted(frame, context["known"]).items():
                add_problem(i, rule.column, frame.at[i, rule.column], reason, "warning")


def _fill_ids(frame: pd.DataFrame, table: Table) -> None:
    """Give rows without an id a stable one, so importing the same file again matches them.

    The id is a hash of the row's natural key plus its position among identical rows:
    the same row gets the same id in every import, two identical rows get two ids.
    """
    idc = table.id_column
    if not table.natural_key:
        return
    if idc not in frame:
        frame.insert(0, idc, pd.Series(pd.NA, index=frame.index, dtype=pd.StringDtype()))
    need = frame[idc].isna()
    if not need.any():
        return
    key_cols = [c for c in table.natural_key if c in frame]
    # parse() gives each kind one dtype, so equal rows hash equally whatever file they came from
    h = pd.util.hash_pandas_object(frame.loc[need, key_cols], index=False).to_numpy()
    occurrence = pd.Series(h).groupby(h).cumcount().to_numpy().astype(np.uint64)
    h2 = pd.util.hash_pandas_object(pd.DataFrame({"h": h, "n": occurrence}), index=False).to_numpy()
    hexed = np.frombuffer(h2.astype(">u8").tobytes().hex().encode(), dtype="S16").astype(str)
    frame.loc[need, idc] = np.char.add(table.id_prefix, hexed)


def _check_duplicate_ids(frame, table, excel_rows, add_problem):
    ids = frame[table.id_column]
    dup = ids.notna() & ids.duplicated(keep=False)
    if not dup.any():
        return
    first_row = {}
    for i in frame.index[dup]:
        first_row.setdefault(ids[i], int(excel_rows[i]))
    for i in frame.index[dup & ids.duplicated(keep="first")]:
        add_problem(i, table.id_column, ids[i], Fault(f"duplicate {table.id_column} {ids[i]!r}: it is already used in "
                                                      f"row {first_row[ids[i]]}", "duplicate_id"))
