"""Personal data and escaping: what may leave the store in a report, and how it is shown.

Customer files are "the company's highest secret" (DOMAIN.md): phones and e-mails are masked
unless the report is run with ``show_personal_data=True``, and every string a customer or a
rep typed is HTML-escaped before it reaches the page (a customer named
``<script>alert(1)</script>`` shows as that text).

>>> mask_phone("13812345678"), mask_email("zhang.wei@example.com")
('138****5678', 'z***@example.com')
>>> scrub("请回电 13812345678 或 zhang@example.com")
'请回电 138****5678 或 z***@example.com'
"""

from __future__ import annotations

import html
import re

import pandas as pd

# Mainland mobiles (11 digits from 1, maybe with +86 and separators) and landlines with an area
# code (010-12345678): what people write into notes and complaints. Dates and ids do not match.
_PHONE = re.compile(r"(?<!\d)((?:\+?86[\- ]?)?1[3-9]\d[\- ]?\d{4}[\- ]?\d{4}|0\d{2,3}[\- ]?\d{7,8})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")


def mask_phone(phone) -> str:
    """``13812345678`` → ``138****5678``: the first three and last four digits stay, so a rep can
    still tell numbers apart; shorter numbers keep only their last two digits. Missing → ""."""
    if phone is None or phone is pd.NA or (isinstance(phone, float) and phone != phone):
        return ""
    digits = re.sub(r"\D", "", str(phone))
    if len(digits) >= 9:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 1) + digits[-2:]


def mask_email(email) -> str:
    """``zhang@example.com`` → ``z***@example.com`` (the domain stays). Missing → ""."""
    if email is None or email is pd.NA or (isinstance(email, float) and email != email):
        return ""
    text = str(email)
    name, at, domain = text.partition("@")
    if not at:
        return "***"
    return f"{name[:1]}***@{domain}"


def scrub(text: str) -> str:
    """Mask every phone-number-like run of digits and every e-mail address inside free text."""
    def phone(match: re.Match) -> str:
        return mask_phone(re.sub(r"\D", "", match.group(1)))

    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", str(text))
    return _PHONE.sub(phone, text)


def shown(text, show_personal_data: bool) -> str:
    """A value as it may appear in the report: masked unless asked, then HTML-escaped."""
    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return ""
    text = str(text)
    return html.escape(text if show_personal_data else scrub(text))


def safe_frame(frame: pd.DataFrame, show_personal_data: bool) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) masked unless asked.

    Escaping is left to ``DataFrame.to_html(escape=True)``, which the display uses, so a cell is
    never escaped twice.
    """
    if show_personal_data:
        return frame

    def clean(value):
        if isinstance(value, str):
            return scrub(value)
        return value

    out = frame.copy()
    out.columns = [clean(str(c)) for c in out.columns]
    out.index = pd.Index([clean(v) for v in out.index], name=out.index.name)
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column].dtype):
            out[column] = out[column].astype(object).map(clean)
    return out
