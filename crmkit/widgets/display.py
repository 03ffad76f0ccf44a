"""Small display pieces the explorer and the lead board share: HTML bar charts, grid-ready
frames and a download link that works in JupyterLab and in Voila.

Why HTML bars rather than matplotlib: an explorer update must stay under 200 ms on 100k
customers, and a matplotlib figure costs 100 ms or more to draw and encode; a few ``<div>``
bars cost nothing, render Chinese labels with the browser's own fonts, and look the same in
JupyterLab and Voila.

Why a data-URI link rather than ``FileLink``: Voila serves no files from the kernel's folder,
so a ``FileLink`` there leads nowhere; a link whose ``href`` carries the file itself downloads
in both. The file is also written on the server, where the user chose, for big selections.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
import pandas as pd

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Browsers cope with data URIs of a few MB; above this only the server-side file is offered.
MAX_LINK_BYTES = 8 * 1024 * 1024


def bar_chart_html(title: str, values: pd.Series, *, number_format: str = "{:,.0f}", color: str = "#3b6ea5",
                   css_class: str = "") -> str:
    """A horizontal bar chart as HTML: one row per item of ``values`` (index = label).

    Labels and the title are escaped, so names typed by users cannot inject markup.
    """
    top = float(np.nanmax(values.to_numpy(dtype=float))) if len(values) else 0.0
    rows = []
    for label, value in values.items():
        v = 0.0 if pd.isna(value) else float(value)
        width = 0.0 if top <= 0 else max(0.0, v / top * 100)
        rows.append(
            '<div style="display:flex;align-items:center;gap:6px;margin:2px 0">'
            f'<div style="width:9em;text-align:right;white-space:nowrap;overflow:hidden;text-overflow:ellipsis">'
            f'{html.escape(str(label))}</div>'
            f'<div style="flex:1;background:#eef1f5;height:14px;border-radius:2px">'
            f'<div style="width:{width:.1f}%;background:{color};height:14px;border-radius:2px"></div></div>'
            f'<div style="width:7em;font-variant-numeric:tabular-nums">{html.escape(number_format.format(v))}</div>'
            "</div>"
        )
    body = "".join(rows) or '<div style="color:#888">—</div>'
    return (f'<div class="{html.escape(css_class)}" style="min-width:320px;flex:1;font-size:13px">'
            f'<div style="font-weight:600;margin-bottom:4px">{html.escape(title)}</div>{body}</div>')


def grid_frame(frame: pd.DataFrame, headers: dict[str, str] | None = None, *, date_columns=(),
               datetime_columns=(), index_column: str | None = None) -> pd.DataFrame:
    """``frame`` with plain JSON-friendly columns for a DataGrid: text and categories as
    Python strings ("" for missing), numbers as float64 (NaN for missing), dates as text.

    The DataGrid sends its whole frame to the browser as JSON; nullable and categorical pandas
    dtypes do not survive that trip cleanly, plain strings and floats do. ``index_column``
    becomes the index, which the grid shows as its first, frozen column (instead of 0, 1, 2 …).
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for name in frame.columns:
        s = frame[name]
        if name in date_columns or name in datetime_columns:
            fmt = "%Y-%m-%d" if name in date_columns else "%Y-%m-%d %H:%M"
            values = pd.to_datetime(s).dt.strftime(fmt).astype(object)
            out_values = values.where(s.notna().to_numpy(), "").to_numpy()
        elif pd.api.types.is_bool_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype):
            out_values = s.astype(object).map({True: "✔", False: ""}).fillna("").to_numpy()
        elif pd.api.types.is_numeric_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype):
            # two decimals are what a person reads; the full values stay in the export
            out_values = pd.to_numeric(s).astype("Float64").to_numpy(dtype="float64", na_value=np.nan).round(2)
        else:
            out_values = s.astype(object).where(s.notna(), "").map(str).to_numpy()
        out[(headers or {}).get(name, name)] = out_values
    if index_column is not None:
        out = out.set_index((headers or {}).get(index_column, index_column))
    return out


def download_link_html(path: Path, label: str, *, mime: str = XLSX_MIME) -> str:
    """An ``<a download>`` link whose href carries the file itself (a data URI), or, for a file
    too big for that, a note of where the file was written on the server."""
    data = Path(path).read_bytes()
    name = html.escape(Path(path).name)
    where = html.escape(str(path))
    if len(data) > MAX_LINK_BYTES:
        return f'<span class="crmkit-download">{html.escape(label)}: {where}</span>'
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return (f'<a class="crmkit-download" download="{name}" href="{uri}" '
            f'style="color:#1a5fb4;text-decoration:underline">⬇ {html.escape(label)} ({name})</a>'
            f' <span style="color:#666">— {where}</span>')
