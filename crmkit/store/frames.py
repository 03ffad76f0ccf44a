"""Arrow columns to and from the schema's pandas dtypes: the fast path of every read and import.

Reads fetch Arrow data straight from the database driver (no Python object per cell) and
turn it into the schema's dtypes; imports turn canonical frames into the Arrow columns each
backend stores.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import Table
from .ddl import SQLITE_DATE_FORMAT, SQLITE_DATETIME_FORMAT


def to_frame(data: pa.Table, table: Table, backend: str) -> pd.DataFrame:
    """Arrow columns -> the schema's pandas dtypes (strings, categoricals, datetimes, nullable numbers)."""
    arrays, names = [], []
    for name in data.column_names:
        arr = data.column(name)
        col = table.by_name.get(name)
        kind = col.kind if col else ("integer" if name == "version" else "datetime" if name in ("modified_at", "deleted_at") else "text")
        arrays.append(_cast(arr, kind, backend))
        names.append(name)
    converted = pa.table(arrays, names=names)
    frame = converted.to_pandas(types_mapper=NULLABLE.get, split_blocks=True, self_destruct=True)
    for name in names:
        col = table.by_name.get(name)
        if col is None:
            continue
        if col.kind == "enum":
            frame[name] = frame[name].astype(col.dtype)
        elif col.kind in ("datetime", "date"):
            frame[name] = frame[name].astype("datetime64[ns]")
    if "version" in frame:
        frame["version"] = frame["version"].astype("Int64")
    return frame


NULLABLE = {
    pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype(),
    pa.float64(): pd.Float64Dtype(), pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def _cast(arr: pa.ChunkedArray, kind: str, backend: str) -> pa.ChunkedArray:
    t = arr.type
    if kind in ("id", "text"):
        return arr if pa.types.is_string(t) else pc.cast(arr, pa.string())
    if kind in ("enum", "category"):
        if not pa.types.is_string(t):
            arr = pc.cast(arr, pa.string())
        return pc.dictionary_encode(arr)  # becomes a pandas categorical without a Python object per cell
    if kind in ("datetime", "date"):
        if pa.types.is_timestamp(t):
            return arr
        if pa.types.is_date(t):
            return pc.cast(arr, pa.timestamp("s"))
        if pa.types.is_string(t):
            fmt = SQLITE_DATE_FORMAT if kind == "date" else SQLITE_DATETIME_FORMAT
            return pc.strptime(arr, format=fmt, unit="s", error_is_null=True)
        return pc.cast(arr, pa.timestamp("s"))  # an all-NULL column comes back untyped
    if kind in ("money", "number"):
        return pc.cast(arr, pa.float64())
    if kind == "integer":
        return pc.cast(arr, pa.int64())
    if kind == "bool":
        return pc.cast(arr, pa.bool_())
    return arr




def to_arrow(frame: pd.DataFrame, table: Table, backend: str) -> pa.Table:
    """Canonical values -> Arrow columns in the form the backend stores them."""
    arrays = []
    for name in frame.columns:
        col = table.by_name.get(name)
        s = frame[name]
        kind = col.kind if col else "integer"
        if kind in ("datetime", "date"):
            s = pd.to_datetime(s)
            if backend == "sqlite":
                # Arrow's cast writes exactly SQLite's formats (YYYY-MM-DD[ HH:MM:SS]), 10x faster than strftime
                stamps = pa.array(s.astype("datetime64[s]"), type=pa.timestamp("s"), from_pandas=True)
                arrays.append(pc.cast(pc.cast(stamps, pa.date32()) if kind == "date" else stamps, pa.string()))
            else:
                unit = "date32" if kind == "date" else "timestamp"
                arr = pa.array(s.astype("datetime64[us]"), type=pa.timestamp("us"))
                arrays.append(pc.cast(arr, pa.date32()) if unit == "date32" else arr)
        elif kind in ("money", "number"):
            arrays.append(pa.array(pd.array(s, dtype="Float64").to_numpy(dtype="float64", na_value=float("nan")),
                                   mask=pd.isna(s).to_numpy(), type=pa.float64()))
        elif kind == "integer":
            arrays.append(pa.array(pd.array(s, dtype="Int64"), type=pa.int64()))
        elif kind == "bool":
            arrays.append(pa.array(pd.array(s, dtype="boolean"), type=pa.bool_()))
        else:
            if not isinstance(s.dtype, pd.StringDtype):
                s = s.astype(pd.StringDtype())  # categoricals and objects; Arrow strings pass as they are
            arrays.append(pa.array(s, type=pa.string(), from_pandas=True))
    return pa.table(arrays, names=list(frame.columns))
