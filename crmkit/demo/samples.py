"""write_sample_files(): input files a new user can try ``crmkit import`` on, in the encodings,
date styles and layouts (title rows, Chinese headers and labels) that users' own files have."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from .dataset import DemoData


def _date_text(s: pd.Series, style: str, with_time: bool = False) -> pd.Series:
    y, m, d = (s.dt.year.astype("Int64").astype(str), s.dt.month.astype("Int64").astype(str),
               s.dt.day.astype("Int64").astype(str))
    if style == "slash":
        out = y + "/" + m + "/" + d
    elif style == "cn":
        out = y + "年" + m + "月" + d + "日"
    else:
        out = y + "-" + m + "-" + d
    if with_time:  # as a person types it: 2023-1-5 9:30 (seconds only where there are any)
        clock = s.dt.hour.astype("Int64").astype(str) + ":" + s.dt.strftime("%M")
        clock = clock.where(s.dt.second == 0, clock + ":" + s.dt.strftime("%S"))
        out = out + " " + clock
    return out.where(s.notna(), None)


def _zh_frame(name: str, df: pd.DataFrame, date_style: str | None, columns: list[str] | None = None) -> pd.DataFrame:
    """Chinese headers and labels, as a user's own file would carry them."""
    table = schema.TABLES[name]
    out = pd.DataFrame(index=df.index)
    for col in table.columns:
        if columns is not None and col.name not in columns:
            continue
        s = df[col.name]
        if col.kind == "enum":
            s = s.map(col.choices)
        elif col.kind == "bool":
            s = s.map({True: "是", False: "否"})
        elif col.kind in ("date", "datetime") and date_style is not None:
            s = _date_text(s, date_style, with_time=col.kind == "datetime")
        elif col.kind == "money" and (s.dropna() % 1 == 0).all():
            s = s.astype("Int64")  # 注册资金 10300000, not 10300000.0
        out[col.zh] = s
    if columns is not None:
        out = out[[table[c].zh for c in columns]]
    return out


def _write_xlsx(path: Path, frame: pd.DataFrame, title: str | None, date_columns: dict[str, str]) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    header_row = 1
    if title:
        ws.cell(row=1, column=1, value=title)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(frame.columns))
        header_row = 2
    for j, col in enumerate(frame.columns, start=1):
        ws.cell(row=header_row, column=j, value=col)
    values = frame.astype(object).where(frame.notna(), None)
    for i, row in enumerate(values.itertuples(index=False), start=header_row + 1):
        for j, v in enumerate(row, start=1):
            if isinstance(v, pd.Timestamp):
                v = v.to_pydatetime()
            elif isinstance(v, np.generic):
                v = v.item()
            ws.cell(row=i, column=j, value=v)
    for j, col in enumerate(frame.columns, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(10, min(40, 2 * len(str(col)) + 4))
        fmt = date_columns.get(col)
        if fmt:
            for cell in ws[letter][header_row:]:
                cell.number_format = fmt
    wb.save(path)


def write_sample_files(directory: str | Path, data: DemoData, n_rows: int = 200) -> list[Path]:
    """Write files a new user can try ``crmkit import`` on, with the forms' Chinese headers.

    The first ``n_rows`` customers go to ``customers_gbk.csv`` (GBK, dates like 2023/1/5), and
    the other files hold only rows of those customers (plus anonymous walk-ins):
    ``interactions.xlsx`` (a title row above the header, real Excel dates),
    ``settlements_utf8bom.csv`` (UTF-8 with BOM, dates like 2023年1月1日, the seed form's
    columns plus 结算编号 and 到期日), ``orders.csv`` (UTF-8, times like 2023-1-1 9:30) and
    ``opportunities.xlsx``.
    Returns the paths written.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    t = data.tables
    customers = t["customers"].iloc[:n_rows]
    keep = set(customers["customer_id"])
    paths = []

    path = directory / "customers_gbk.csv"
    _zh_frame("customers", customers, "slash").to_csv(path, index=False, encoding="gbk")
    paths.append(path)

    inter = t["interactions"]
    mine = inter["customer_id"].isin(keep)
    # the 来电/店 register also lists visitors who left no record, in the same period
    period = inter["occurred_at"] <= inter.loc[mine, "occurred_at"].max() if mine.any() else False
    anon = inter["customer_id"].isna() & period
    n_anon = min(int(anon.sum()), max(1, int(mine.sum()) // 10))
    anon_rows = inter[anon].iloc[:n_anon]
    sample = pd.concat([inter[mine], anon_rows]).sort_values("occurred_at", kind="stable")
    path = directory / "interactions.xlsx"
    frame = _zh_frame("interactions", sample, None)
    _write_xlsx(path, frame, "来电/店客户登记表",
                {schema.INTERACTIONS["occurred_at"].zh: "yyyy/m/d h:mm", schema.INTERACTIONS["next_date"].zh: "yyyy/m/d"})
    paths.append(path)

    path = directory / "settlements_utf8bom.csv"
    cols = ["settlement_id", "customer_id", "settled_at", "receivable", "received", "outstanding", "due_date", "handler"]
    settle = t["settlements"][t["settlements"]["customer_id"].isin(keep)]
    _zh_frame("settlements", settle, "cn", cols).to_csv(path, index=False, encoding="utf-8-sig", float_format="%.2f")
    paths.append(path)

    path = directory / "orders.csv"
    orders = t["orders"][t["orders"]["customer_id"].isin(keep)]
    _zh_frame("orders", orders, "dash").to_csv(path, index=False, encoding="utf-8", float_format="%.2f")
    paths.append(path)

    path = directory / "opportunities.xlsx"
    opps = t["opportunities"][t["opportunities"]["customer_id"].isin(keep)]
    date_cols = {schema.OPPORTUNITIES[c].zh: "yyyy/m/d" for c in ("expected_close", "created_at", "closed_at")}
    _write_xlsx(path, _zh_frame("opportunities", opps, None), "意向客户跟踪卡", date_cols)
    paths.append(path)
    return paths
