"""Hostile files are refused early, naming the file and the limit, within a stated memory budget;
big honest files still import.

The budgets are measured in a child python (its peak resident memory: VmHWM of
/proc/self/status on Linux, which starts afresh at exec, unlike ``ru_maxrss`` which keeps the
parent's peak; ``resource.getrusage`` elsewhere), so what one test allocates never hides in
another's numbers.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import crmkit
from crmkit import file_limits, workbook_scan
from crmkit.exceptions import FileFormatError

MB = 1_000_000
# What a refusal may add to the peak memory of a process that has crmkit loaded: the scan holds
# one 1 MB chunk (and its matches) at a time, whatever the file unpacks to.
REFUSAL_BUDGET = 64 * MB
# ... and what the whole process may reach (README: "a refused file costs well under 500 MB").
PROCESS_BUDGET = 500 * MB

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/xl/workbook.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 '<Override PartName="/xl/worksheets/sheet1.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Accounts" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                 'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def inline(ref: str, text: str) -> bytes:
    r = f' r="{ref}"' if ref else ""
    return f'<c{r} t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def write_workbook(path: Path, sheet_chunks) -> Path:
    """A real .xlsx whose sheet XML is streamed from ``sheet_chunks`` (bytes), so a sheet of
    hundreds of MB never sits in the test's memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET_HEAD)
            for chunk in sheet_chunks:
                sheet.write(chunk)
            sheet.write(SHEET_TAIL)
    return path


def bomb_rows(unpacked: int):
    """Identical rows (each ``Account x``), ``unpacked`` bytes of them, in 1 MB pieces."""
    row = b"<row>" + inline("", "Account") + inline("", "x" * 20) + b"</row>"
    piece = row * (MB // len(row))
    for _ in range(unpacked // len(piece) + 1):
        yield piece


def forge_declared_size(path: Path, part: str, declared: int) -> None:
    """Make the zip's directory (and the part's local header) claim ``part`` unpacks to ``declared``
    bytes: what a forged bomb does to pass a check of the directory alone."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
    data = bytearray(path.read_bytes())
    assert info.file_size < 2**32 and info.extra == b""  # plain 32-bit sizes in both headers
    data[info.header_offset + 22:info.header_offset + 26] = declared.to_bytes(4, "little")
    name = part.encode()
    central = 0
    while True:
        central = data.find(b"PK\x01\x02", central + 1)
        assert central > 0
        length = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + length] == name:
            break
    data[central + 24:central + 28] = declared.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def refuse_in_child(path: Path, table: str = "customers", **kw) -> dict:
    """Import ``path`` in a fresh python; its error and its peak memory before and after."""
    code = textwrap.dedent(f"""
        import json, re, resource, sys
        import crmkit
        from crmkit.exceptions import FileFormatError

        def peak():
            try:
                with open("/proc/self/status") as f:
                    return int(re.search(r"VmHWM:\\s*(\\d+) kB", f.read()).group(1))
            except OSError:
                return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        crm = crmkit.open({str(path.parent / "crm.db")!r})
        crm.count("customers")
        base = peak()
        try:
            crm.import_file({str(path)!r}, table={table!r}, **{kw!r})
            error = None
        except FileFormatError as exc:
            error = str(exc)
        print(json.dumps({{"error": error, "base": base * 1024, "peak": peak() * 1024}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]  # an aborted reader (calamine's OOM) fails here
    return json.loads(out.stdout.strip().splitlines()[-1])


def assert_refused_within_budget(result: dict, path: Path, *words: str) -> None:
    assert result["error"] is not None, "the file was imported"
    assert path.name in result["error"]
    for word in words:
        assert word in result["error"]
    assert len(result["error"]) < 600  # a sentence, not the file's million headers
    assert result["peak"] - result["base"] < REFUSAL_BUDGET, result
    assert result["peak"] < PROCESS_BUDGET, result


# --------------------------------------------------------------------------- workbooks


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked(tmp_path):
    path = write_workbook(tmp_path / "accounts.xlsx", bomb_rows(600 * MB))
    assert path.stat().st_size < 10 * MB  # 600 MB of sheet in a few MB of file
    result = refuse_in_child(path)
    assert_refused_within_budget(result, path, file_limits.megabytes(file_limits.MAX_UNPACKED_BYTES),
                                 "xl/worksheets/sheet1.xml")


def test_a_bomb_whose_directory_lies_about_its_size_is_refused_while_unpacking(tmp_path):
    path = write_workbook(tmp_path / "accounts.xlsx", bomb_rows(300 * MB))
    forge_declared_size(path, "xl/worksheets/sheet1.xml", 2 * MB)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size == 2 * MB  # the check of sizes alone passes
    result = refuse_in_child(path)
    assert_refused_within_budget(result, path, "xl/worksheets/sheet1.xml", "declares 2 MB")


def test_one_cell_far_away_is_refused_not_a_500_gb_grid(tmp_path):
    # 1 KB of file; the reader allocates rows × columns of the last cell and the process aborts
    path = write_workbook(tmp_path / "accounts.xlsx", [b'<row r="1">' + inline("A1", "Account") + b"</row>",
                                                       b'<row r="1048576">' + inline("XFD1048576", "x") + b"</row>"])
    result = refuse_in_child(path)
    assert_refused_within_budget(result, path, "16,384", f"{file_limits.MAX_COLUMNS:,}")


def test_a_tall_sparse_sheet_is_refused_for_its_cells(tmp_path):
    path = write_workbook(tmp_path / "accounts.xlsx", [b'<row r="1">' + inline("A1", "Account") + b"</row>",
                                                       b'<row r="900000">' + inline("ZZ900000", "x") + b"</row>"])
    with pytest.raises(FileFormatError, match=r"900,000 rows × 702 columns") as err:
        crmkit.open(tmp_path / "crm.db").import_file(path, table="customers")
    assert f"{file_limits.MAX_CELLS:,}" in str(err.value)


@pytest.mark.parametrize("with_references", [True, False], ids=["cells-with-references", "cells-by-position"])
def test_a_million_column_workbook_header_is_refused(tmp_path, with_references):
    def header():
        yield b'<row r="1">'
        for start in range(0, 1_000_000, 10_000):
            # past XFD a reference cannot be written in Excel's letters: a forged one is still refused
            yield b"".join(inline(_letters(i + 1) + "1" if with_references else "", f"h{i}")
                           for i in range(start, start + 10_000))
        yield b"</row>"

    path = write_workbook(tmp_path / "wide.xlsx", header())
    result = refuse_in_child(path)
    assert_refused_within_budget(result, path, f"{file_limits.MAX_COLUMNS:,}", "1,000,000")


def _letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


# --------------------------------------------------------------------------- CSV


def test_a_million_column_csv_header_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"Header {i}" for i in range(1_000_000)) + "\nAcme,1\n", encoding="utf-8")
    result = refuse_in_child(path)
    assert_refused_within_budget(result, path, "row 1", f"{file_limits.MAX_COLUMNS:,}")
    assert "Header 999999" not in result["error"]


def test_a_wide_row_deep_in_a_csv_is_refused_with_its_row(tmp_path):
    path = tmp_path / "accounts.csv"
    lines = ["Account,Phone"] + [f"Acme {i},1380000{i:04d}" for i in range(5000)]
    lines.insert(4000, ",".join(["x"] * 5000))  # past the first 64 KB
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"row 4001 has 5,000 columns; crmkit reads at most 1,000") as err:
        crmkit.open(tmp_path / "crm.db").import_file(path, table="customers", columns={"Account": "name"})
    assert "accounts.csv" in str(err.value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(width=st.integers(min_value=1, max_value=3000), row=st.integers(min_value=0, max_value=5))
def test_csv_rows_up_to_the_limit_read_and_wider_ones_are_refused(tmp_path_factory, width, row):
    path = tmp_path_factory.mktemp("width") / "cells.csv"
    rows = [["a", "b"] for _ in range(6)]
    rows[row] = [f"v{i}" for i in range(width)]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    from crmkit.importing import read_cells
    if max(width, 2) <= file_limits.MAX_COLUMNS:
        cells = read_cells(path)
        assert cells.shape == (6, max(width, 2))
        assert cells.iat[row, width - 1] == f"v{width - 1}"
    else:
        with pytest.raises(FileFormatError, match=f"row {row + 1} has {width:,} columns"):
            read_cells(path)


# --------------------------------------------------------------------------- honest files


def accounts(n: int) -> list[list]:
    """What a B2B CRM exports: English headers, no id column."""
    regions = ["East", "North", "South", "West"]
    return [["Account", "Phone", "Region", "Employees", "Website"]] + [
        [f"Acme Trading {i}", f"1380{i:07d}", regions[i % 4], 10 + i % 900, f"https://acme{i}.example.com"]
        for i in range(n)]


def test_a_big_honest_workbook_still_imports(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "accounts.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Accounts")
    for row in accounts(50_000):
        sheet.append(row)
    book.save(path)
    workbook_scan.check_workbook(path)  # passes the scan
    with crmkit.open(tmp_path / "crm.db") as crm:
        report = crm.import_file(path, table="customers", columns={"Account": "name", "Phone": "phone"})
        assert report.inserted == 50_000
        assert crm.count("customers") == 50_000
        assert crm.search("customers", "Acme Trading 49999")["phone"].tolist() == ["13800049999"]


def test_a_big_honest_csv_still_imports(tmp_path):
    path = tmp_path / "accounts.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(accounts(50_000))
    with crmkit.open(tmp_path / "crm.db") as crm:
        report = crm.import_file(path, table="customers", columns={"Account": "name", "Phone": "phone"})
        assert report.inserted == 50_000
        assert crm.count("customers") == 50_000


def test_empty_styled_cells_far_right_do_not_count(tmp_path):
    # some writers emit formatted but empty cells up to the last column; the reader skips them
    rows = [b'<row r="1">' + inline("A1", "Account") + b'<c r="XFD1" s="1"/></row>',
            b'<row r="2">' + inline("A2", "Acme") + b"</row>"]
    path = write_workbook(tmp_path / "accounts.xlsx", rows)
    with crmkit.open(tmp_path / "crm.db") as crm:
        report = crm.import_file(path, table="customers", columns={"Account": "name"})
        assert report.inserted == 1
