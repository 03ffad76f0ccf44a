"""New customers of the week (新增客户), against last week, by source and region."""

from __future__ import annotations

import pandas as pd

from ...i18n import N_, translate
from .section import Section, Table, section


@section(N_("New customers this week"))
def week_customers(data) -> Section:
    """Customer files created this week and last week, by source and by region."""
    fmt, say = data.fmt, data.prose
    not_given = translate("(not given)", say)
    new = data.within(data.customers, "created_at")
    before = data.within(data.customers, "created_at", data.previous_start, data.start)
    findings = [translate("{n} new customer files this week, {change} on last week ({before} last week).", say,
                          n=fmt.count(len(new)), change=fmt.change(len(new), len(before)),
                          before=fmt.count(len(before)))]
    tables = []
    for column, header in (("source", translate("source", say)), ("region", translate("region", say))):
        counts = pd.DataFrame({
            "this": new[column].astype(object).where(new[column].notna(), not_given).value_counts(),
            "last": before[column].astype(object).where(before[column].notna(), not_given).value_counts(),
        }).fillna(0).astype(int).sort_values(["this", "last"], ascending=False, kind="stable")
        if counts.empty:
            continue
        tables.append(Table(translate("by {what}", data.lang, what=header), pd.DataFrame({
            header: counts.index,
            translate("this week", say): [fmt.count(v) for v in counts["this"]],
            translate("last week", say): [fmt.count(v) for v in counts["last"]],
        })))
    return Section("", findings, tables=tables, data={"new": len(new), "previous": len(before)})
