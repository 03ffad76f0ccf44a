"""Cells that mean "nothing here": the one list the close model and ``explain`` read them by.

Exports from CRMs and web forms fill empty fields with the form's prompt ("Select",
"请选择", "-- select --") or a spelling of "none". A model that takes them for a real
category learns the form, not the lead, and ``explain`` would call "Select" a typical value.
Both read a text cell through :func:`is_missing_text`, case-insensitively and with blanks
stripped:

* spellings of nothing: "", "nan", "none", "null", "na", "n/a", "#n/a", "-", "--", "—", "无", "空";
* form placeholders: "select", "please select", "-- select --", "(select)", "choose",
  "please choose", "not selected", "请选择", "--请选择--", "未选择".

Only text categories are read this way; a number or a date is never a placeholder.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["MISSING_TEXT", "FORM_PLACEHOLDERS", "NOTHING", "is_missing_text", "blank_out"]

#: How exports spell an empty cell.
MISSING_TEXT = frozenset({"", "nan", "none", "null", "na", "n/a", "#n/a", "-", "--", "—", "无", "空"})
#: What a form shows before anyone picks a value; left in place, it reads as a category.
FORM_PLACEHOLDERS = frozenset({"select", "please select", "-- select --", "--select--", "(select)", "choose",
                               "please choose", "not selected", "请选择", "--请选择--", "未选择"})
#: Everything read as missing, lower-case.
NOTHING = MISSING_TEXT | FORM_PLACEHOLDERS


def is_missing_text(value) -> bool:
    """True for a text cell that says nothing (see the module's list); False for anything else."""
    return isinstance(value, str) and value.strip().lower() in NOTHING


def blank_out(text: pd.Series) -> pd.Series:
    """``text`` (a string Series) stripped, with every cell that says nothing set to missing."""
    text = text.astype("string").str.strip()
    return text.mask(text.str.lower().isin(NOTHING))
