"""Showing the report in a notebook: the title, each section, and the timings for the renderer.

Everything goes out as HTML built here with ``html.escape`` on every interpolated value (not as
Markdown: nbconvert's Markdown passes raw HTML through), tables through
``DataFrame.to_html(escape=True)``, figures as PNG images. Text is masked for personal data
first unless the report was asked to show it (``privacy``).
"""

from __future__ import annotations

import hashlib
import html
import io
import re

import pandas as pd

from . import privacy
from .section import Section, timed

#: Figures are drawn this wide (inches) to fit A4 portrait with margins, at this resolution.
FIGURE_WIDTH = 7.0
FIGURE_DPI = 120

#: The MIME type of the timings output (read back by crmkit.reports.execute from the executed notebook).
TIMINGS_MIME = "application/vnd.crmkit.timings+json"
#: The MIME type of what the report read (month, scope, rows per frame).
REPORT_MIME = "application/vnd.crmkit.report+json"

_STYLE = """<style>
.crmkit-report table.crmkit-table {border-collapse: collapse; font-size: 12px; margin: 4px 0 12px 0;}
.crmkit-report table.crmkit-table th, .crmkit-report table.crmkit-table td {border: 1px solid #ccc;
  padding: 2px 8px; text-align: right;}
.crmkit-report table.crmkit-table th {background: #f2f2f2; overflow-wrap: normal;}  /* "customers", not "custo/mers" */
.crmkit-report table.crmkit-table td.crmkit-nowrap {white-space: nowrap; overflow-wrap: normal;}  /* $1,484,470 in one piece */
.crmkit-report table.crmkit-table td:first-child {word-break: keep-all; overflow-wrap: normal;}  /* a row label: 客户档案, not 客户档/案 */
.crmkit-report ul.crmkit-findings li {margin: 2px 0;}
.crmkit-report .crmkit-note {color: #666; font-size: 11px;}
</style>"""


def _html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def show_title(data) -> None:
    """The report's title: month, scope (region/rep) and what was read; or that there is nothing."""
    from ...i18n import translate

    e = html.escape
    say = data.prose
    scope = translate(" ({scope})", say, scope=data.scope) if data.scope else translate(" (all regions)", say)
    first_day, last_day = f"{data.start:%Y-%m-%d}", f"{data.end - pd.Timedelta(days=1):%Y-%m-%d}"
    # a week's or a quarter's data (content.period) names its own report and period
    title = getattr(data, "heading", None) or translate("Monthly CRM report", data.lang)
    words = getattr(data, "period_words", None) or data.fmt.month_label(data.start)
    period = translate("{month}{scope}, from {first} to {last}.", say, month=words,
                       scope=scope, first=first_day, last=last_day)
    lines = [_STYLE, '<div class="crmkit-report">', f"<h1>{e(title)} {e(data.month)}</h1>", f"<p>{e(period)}"]
    if not data.show_personal_data:
        lines.append(e(translate("Phones and e-mails are partly hidden (personal data masked).", say)))
    lines.append("</p>")
    if data.is_empty:
        nothing = translate("No records for {month}.", data.lang, month=data.month)
        left_out = translate("The sections below are left out.", say)
        lines.append(f"<p><strong>{e(nothing)}</strong> {e(left_out)}</p>")
    lines.append("</div>")
    _html("\n".join(lines))


def section_html(section: Section) -> str:
    """The title and findings of ``section`` as escaped (and masked) HTML."""
    def text(value) -> str:
        return privacy.shown(value, section.show_personal_data)

    items = "".join(f"<li>{text(f)}</li>" for f in section.findings)
    return (f'<div class="crmkit-report"><h2>{text(section.title)}</h2>'
            f'<ul class="crmkit-findings">{items}</ul></div>')


def table_html(table, show_personal_data: bool) -> str:
    """One table as escaped (and masked) HTML, with its title and note.

    Cells and headers are escaped by the Styler (``escape="html"``); text columns are left-aligned,
    numbers right-aligned.
    """
    frame = privacy.safe_frame(table.frame, show_personal_data)
    text_columns = [c for c in frame.columns if _is_text(frame[c])]
    styler = (frame.style.hide(axis="index")
              .format(escape="html", na_rep="—")
              .format_index(escape="html", axis=1)
              .set_table_attributes('class="crmkit-table"'))
    if text_columns:  # one rule per column (not per cell), on the column's header and cells
        left = [{"selector": sel, "props": "text-align: left"} for sel in ("td", "th")]
        styler = styler.set_table_styles({c: left for c in text_columns}, overwrite=False)
    # numbers, money, dates, phones and short codes never break across lines; names and sentences may
    whole = [c for c in frame.columns if c not in text_columns or _short(frame[c])]
    if whole:
        classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
        classes[whole] = "crmkit-nowrap"
        styler = styler.set_td_classes(classes)
    # a stable id (the Styler's default is random), so the same data gives the same HTML
    key = f"{table.title}|{list(frame.columns)}|{text_columns}"
    styler = styler.set_uuid(hashlib.sha1(key.encode()).hexdigest()[:8])
    note = f'<div class="crmkit-note">{privacy.shown(table.note, show_personal_data)}</div>' if table.note else ""
    return (f'<div class="crmkit-report"><h4>{privacy.shown(table.title, show_personal_data)}</h4>'
            f"{styler.to_html()}{note}</div>")


# a formatted number: signs, a currency's symbol or code before or after (¥, US$, €), a unit
_NUMBER = re.compile(r"^[\s+\-—]*(?:[A-Z]{0,3}[^\w\s,.])?[\s\u00a0]*[\d,.]+[\s\u00a0]*"
                     r"(%|天|万元|days?|[^\w\s,.])?$|^—$|^\d+/\d+$")


def _is_text(column: pd.Series) -> bool:
    """True when a column holds words (names, labels), not formatted numbers or dates."""
    if pd.api.types.is_numeric_dtype(column.dtype):
        return False
    values = column.dropna().astype(str)
    return bool(len(values)) and not values.map(lambda v: bool(_NUMBER.match(v)) or v[:4].isdigit()).all()


def _short(column: pd.Series) -> bool:
    """True for a column of short words without spaces (phones, ids, codes): kept on one line."""
    values = column.dropna().astype(str)
    return bool(len(values)) and values.map(lambda v: len(v) <= 14 and " " not in v).all()


def figure_png(figure) -> bytes:
    """Draw a :class:`~.section.Figure` spec and return it as PNG bytes (the figure is freed)."""
    from matplotlib.figure import Figure

    from ...fonts import use_cjk_font

    use_cjk_font()
    fig = Figure(figsize=(FIGURE_WIDTH, figure.height), dpi=FIGURE_DPI)
    figure.draw(fig)
    fig.subplots_adjust(left=figure.left / FIGURE_WIDTH, right=1 - figure.right / FIGURE_WIDTH,
                        bottom=figure.bottom / figure.height, top=1 - figure.top / figure.height,
                        wspace=figure.wspace)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
    fig.clear()
    return buffer.getvalue()


def show(section: Section) -> None:
    """Display a section: title and findings, then its figures, then its tables.

    Drawing time is added to ``timings["plotting"]`` of the report's data.
    """
    from IPython.display import Image, display

    _html(section_html(section))
    timings = section.timings if section.timings is not None else {}
    for figure in section.figures:
        with timed(timings, "plotting"):
            png = figure_png(figure)
        display(Image(data=png, format="png", width=int(FIGURE_WIDTH * 96), alt=figure.title))
    for table in section.tables:
        _html(table_html(table, section.show_personal_data))


def publish_timings(data) -> None:
    """Emit ``data.timings`` as an ``application/vnd.crmkit.timings+json`` output.

    Nothing shows in the HTML (no converter renders these MIME types); the renderer reads them
    from the executed notebook. The timings map a stage ("queries", "analysis", "plotting") to
    seconds. Alongside, ``application/vnd.crmkit.report+json`` holds the month, region, rep and
    ``rows`` (how many rows of each frame the report read: a cheap fingerprint of what it saw).
    """
    from IPython.display import display

    timings = {stage: round(seconds, 4) for stage, seconds in data.timings.items()}
    about = {"month": data.month, "region": data.region, "rep": data.rep, "rows": rows_read(data)}
    display({TIMINGS_MIME: timings, REPORT_MIME: about}, raw=True)


def rows_read(data) -> dict[str, int]:
    """Rows of each frame the report read (a cheap fingerprint of what it saw)."""
    return {name: int(len(frame)) for name, frame in vars(data).items() if isinstance(frame, pd.DataFrame)}
