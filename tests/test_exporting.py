"""Exports: the forms' headers, labels, and no formula ever reaching a spreadsheet."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from crmkit.exporting import export_frame
from crmkit.schema import CUSTOMERS, INTERACTIONS

RISKY = ["=1+1", "+86 138 0000 0000", "-5", "@SUM(A1:A9)", "\t=cmd"]


def _customers() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["001", "002", "003", "004", "005"],
        "name": RISKY,
        "value_grade": pd.Categorical(["A", "B", None, "E", "C"], categories=list("ABCDE")),
        "created_at": pd.to_datetime(["2023-01-05", None, "2024-02-29", "2025-12-31", "2026-01-01"]),
        "credit_limit": pd.array([1234.56, None, 0.0, 5.0, 99.99], dtype="Float64"),
    })


def test_xlsx_keeps_formula_like_text_as_text_cells(tmp_path):
    path = export_frame(_customers(), CUSTOMERS, tmp_path / "c.xlsx")
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere in the workbook
    back = pd.read_excel(path, dtype=object, engine="calamine")
    assert back["客户名称"].tolist() == RISKY  # shown exactly as typed
    assert list(back.columns[:2]) == ["客户编号", "客户名称"]
    assert back["客户级别"].tolist()[:2] == ["A级", "B级"]


def test_csv_prefixes_formula_like_text_with_an_apostrophe(tmp_path):
    path = export_frame(_customers(), CUSTOMERS, tmp_path / "c.csv")
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert raw["客户名称"].tolist() == ["'" + v for v in RISKY]
    assert raw["客户编号"].tolist() == ["001", "002", "003", "004", "005"]  # plain text untouched
    assert raw["信用额度"].tolist() == ["1234.56", "", "0.0", "5.0", "99.99"]  # numbers are not text


def test_english_export_uses_canonical_names_and_values(tmp_path):
    frame = pd.DataFrame({"interaction_id": ["I1"], "occurred_at": pd.to_datetime(["2026-10-02 09:30:00"]),
                          "channel": ["walk_in"], "left_contact": pd.array([True], dtype="boolean")})
    path = export_frame(frame, INTERACTIONS, tmp_path / "i.csv", lang="en")
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert raw.to_dict("records") == [{"interaction_id": "I1", "occurred_at": "2026-10-02 09:30:00",
                                       "channel": "walk_in", "left_contact": "true"}]
    path = export_frame(frame, INTERACTIONS, tmp_path / "i_zh.csv")
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert raw.iloc[0].to_dict() == {"记录编号": "I1", "日期": "2026-10-02 09:30:00", "方式": "来店", "留资": "是"}


def test_unknown_format_and_language_are_refused(tmp_path):
    with pytest.raises(ValueError, match=".xlsx or .csv"):
        export_frame(_customers(), CUSTOMERS, tmp_path / "c.json")
    with pytest.raises(ValueError, match="lang"):
        export_frame(_customers(), CUSTOMERS, tmp_path / "c.csv", lang="fr")
