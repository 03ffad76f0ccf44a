"""References written as names: a deals file whose customer column holds account names.

Another tool's export rarely carries crmkit's customer ids; it names the customer. With
``refs={"customer_id": "name"}`` the importer reads that column as customers' names and looks
each one up among the stored (not deleted) customers: a name must match exactly one customer,
compared without regard to case, repeated spaces or full-width forms. A name that matches none,
or several, is a problem of its row (with the candidates' ids), and nothing is written.
The store supplies the candidates (``Store._reference_index``); nothing here reads the database.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pandas as pd

from .exceptions import FileFormatError
from .i18n import column_label, table_label, translate
from .rules import Fault
from .schema import TABLES, Table

SHOWN_CANDIDATES = 5


@dataclass(frozen=True)
class ReferenceIndex:
    """The stored records of ``target`` by the value of their ``key`` field."""

    column: str  # the importing table's field that refers (customer_id)
    target: Table  # the table it refers to (customers)
    key: str  # the target's field the file holds instead of the id (name)
    ids: dict[str, list[str]]  # normalised key value -> ids of the records that have it

    @classmethod
    def build(cls, column: str, target: Table, key: str, ids: pd.Series, keys: pd.Series) -> "ReferenceIndex":
        grouped: dict[str, list[str]] = {}
        for rid, value in zip(ids.tolist(), keys.tolist()):
            if isinstance(value, str) and value.strip():
                grouped.setdefault(normalize(value), []).append(str(rid))
        return cls(column, target, key, grouped)


def normalize(value: str) -> str:
    """How a name is compared: full-width forms folded (NFKC), case folded, runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def parse_refs(table: Table, refs: dict | None, path, lang: str = "en") -> dict[str, tuple[Table, str]]:
    """``{"customer_id": "name"}`` -> ``{"customer_id": (customers, "name")}``, checked against the schema.

    Either side may be written as the forms write it (``{"客户编号": "客户名称"}``).
    """
    from .importing import resolve_field

    out: dict[str, tuple[Table, str]] = {}
    for column, key in (refs or {}).items():
        name = resolve_field(table, column)
        col = table.by_name.get(name) if name else None
        if col is None or not col.references:
            refers = [c.name for c in table.columns if c.references]
            raise FileFormatError(path, translate(
                "{column} is not a field of {table} that refers to another table; such fields: {fields}", lang,
                column=repr(column), table=table.name, fields=", ".join(refers) or "-"))
        target = TABLES[col.references]
        key_name = resolve_field(target, key)
        if key_name is None or target[key_name].kind not in ("id", "text", "category"):
            texts = [c.name for c in target.columns if c.kind in ("id", "text", "category")]
            raise FileFormatError(path, translate(
                "{column} cannot refer to {table} by {key}; text fields of {table}: {fields}", lang,
                column=col.name, table=target.name, key=repr(key), fields=", ".join(texts)))
        out[col.name] = (target, key_name)
    return out


def resolve(values: pd.Series, index: ReferenceIndex, lang: str = "en") -> tuple[pd.Series, pd.Series]:
    """Names (text, NA where blank) -> (ids, NA where unresolved; reasons for the unresolved)."""
    found = values.dropna()
    distinct = pd.unique(found)
    ids: dict[str, str] = {}
    reasons: dict[str, Fault] = {}
    field = column_label(index.target[index.key], lang)
    table = table_label(index.target, lang)
    for value in distinct:
        candidates = index.ids.get(normalize(value), [])
        if len(candidates) == 1:
            ids[value] = candidates[0]
        elif not candidates:
            reasons[value] = Fault(translate("{value} matches no {field} in {table}; import {table} first", lang,
                                             value=repr(value), field=field, table=table), "unknown_name")
        else:
            shown = ", ".join(candidates[:SHOWN_CANDIDATES]) + (" …" if len(candidates) > SHOWN_CANDIDATES else "")
            reasons[value] = Fault(translate("{value} matches {n} records in {table} by {field}: {ids}; "
                                             "write the id instead", lang, value=repr(value), n=len(candidates),
                                             table=table, field=field, ids=shown), "ambiguous_name")
    resolved = values.map(ids).astype(pd.StringDtype())
    bad = found[found.isin(list(reasons))]
    return resolved, pd.Series([reasons[v] for v in bad.tolist()], index=bad.index, dtype=object)
