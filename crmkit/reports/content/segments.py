"""Value segments (客户价值分群): RFM segments at the month's end, how customers moved between
segments during the month (``crmkit.value.segment_migration``) and the month's top customers."""

from __future__ import annotations

import pandas as pd

from ... import value
from ...i18n import BILINGUAL, N_, translate
from ...value.migration import NEW_ROW, migration_labels
from ...value.rfm import OTHER_SEGMENT, SEGMENT_RULES
from . import colours
from .section import Figure, Section, Table, section

#: How many top customers the table lists.
TOP = 10


def buyer_orders(data) -> pd.DataFrame:
    """Orders with a customer and an amount (what crmkit.value needs)."""
    orders = data.orders
    return orders[orders["customer_id"].notna() & orders["amount"].notna()]


def segment_labels(lang: str) -> dict[str, str]:
    """RFM segment name (and the migration's first-purchase row) → how the report names it:
    crmkit.value's Chinese labels, or the segment names themselves in English."""
    if lang == "en":
        return {**{name: name for name, _, _ in SEGMENT_RULES}, OTHER_SEGMENT[0]: OTHER_SEGMENT[0],
                NEW_ROW: translate(NEW_ROW, "en")}
    return migration_labels("rfm")


def main_moves(moves: pd.DataFrame, labels: dict[str, str], top: int = 10, lang: str = "zh") -> pd.DataFrame:
    """The ``top`` largest moves between two different segments (first purchases included)."""
    from .formatting import count

    pairs = moves.stack()
    pairs = pairs[(pairs > 0) & (pairs.index.get_level_values(0) != pairs.index.get_level_values(1))]
    pairs = pairs.sort_values(ascending=False, kind="stable").head(top)
    return pd.DataFrame({
        translate("segment at last month's end", lang): [labels.get(a, a) for a, _ in pairs.index],
        translate("segment at this month's end", lang): [labels.get(b, b) for _, b in pairs.index],
        translate("customers", lang): [count(v) for v in pairs],
    })


def month_end_segments(data) -> pd.DataFrame:
    """``value.rfm_segments`` of the RFM summary as of the month's last day (computed once per
    report; the CLV section uses the same summary)."""
    return data.memo("rfm:month_end", lambda: value.rfm_segments(value.rfm_summary(buyer_orders(data),
                                                                                   as_of=data.as_of)))


@section(N_("Value segments (RFM)"))
def segments(data) -> Section:
    """RFM segments of every buyer at the month's end, the month's moves, and the top customers."""
    fmt, say = data.fmt, data.prose
    orders = buyer_orders(data)
    if orders.empty:
        return Section("", [translate("No orders by the month's end, so there are no value segments.", say)],
                       data={"segments": pd.Series(dtype=int)})
    segs = month_end_segments(data)
    labels = segment_labels(say)
    revenue_total = orders.groupby("customer_id")["amount"].sum()
    counts = segs["segment"].value_counts(sort=False)
    counts = counts[counts > 0]
    seg_revenue = revenue_total.reindex(segs.index).groupby(segs["segment"].astype(object)).sum()
    moves = value.segment_migration(orders, since=data.start - pd.Timedelta(days=1), as_of=data.as_of)
    stayed = int(sum(moves.loc[s, s] for s in moves.columns if s in moves.index))
    new = int(moves.loc[NEW_ROW].sum())
    moved = int(moves.to_numpy().sum()) - stayed - new
    month_orders = data.in_month(orders, "ordered_at")
    month_revenue = month_orders.groupby("customer_id")["amount"].agg(["sum", "size"]).sort_values(
        "sum", ascending=False).head(TOP)
    at_risk = ["Can't lose them", "At risk"]
    n_risk = int(counts.reindex(at_risk, fill_value=0).sum())
    findings = [
        translate("{buyers} customers had ordered by the month's end; {champions}: {n}, with {share} of all sales so "
                  "far.", say, buyers=fmt.count(len(segs)), champions=labels["Champions"],
                  n=fmt.count(counts.get("Champions", 0)),
                  share=fmt.percent(fmt.ratio(seg_revenue.get("Champions", 0), revenue_total.sum()))),
        translate("This month {moved} customers changed segment, {stayed} stayed, {new} bought for the first time.", say,
                  moved=fmt.count(moved), stayed=fmt.count(stayed), new=fmt.count(new)),
        translate("To win back: \u201c{at_risk}\u201d and \u201c{cant_lose}\u201d, {n} customers who used to buy often and "
                  "have not come back lately.", say, at_risk=labels["At risk"], cant_lose=labels[at_risk[0]],
                  n=fmt.count(n_risk)),
    ]
    seg_table = pd.DataFrame({
        translate("value segment", data.lang): [f"{labels.get(s, s)} · {s}" if data.lang == BILINGUAL else labels.get(s, s)
                                          for s in counts.index],
        translate("customers", say): [fmt.count(v) for v in counts],
        translate("share", say): [fmt.percent(fmt.ratio(v, len(segs))) for v in counts],
        translate("sales so far", say): [fmt.money(seg_revenue.get(s, 0)) for s in counts.index],
    })
    move_table = main_moves(moves, labels, lang=say)
    # what each name means, so a reader can check a customer's segment against the data
    rules = value.rfm.describe_rules(lang=say)
    rule_table = pd.DataFrame({translate("value segment", say): rules["label"],
                               translate("conditions (the first that holds, in this order)", say): rules["conditions"]})
    names = data.customers.set_index(data.customers["customer_id"].astype(str))
    ids = month_revenue.index.astype(str)
    top_table = pd.DataFrame({
        translate("customer ID", say): ids,
        translate("customer name", say): names["name"].reindex(ids).astype(object).to_numpy(),
        translate("region", say): names["region"].reindex(ids).astype(object).to_numpy(),
        translate("value segment", say): [labels.get(s, s) for s in segs["segment"].astype(object).reindex(month_revenue.index)],
        translate("orders this month", say): [fmt.count(v) for v in month_revenue["size"]],
        translate("amount this month", say): [fmt.money(v) for v in month_revenue["sum"]],
        translate("sales so far", say): [fmt.money(v) for v in revenue_total.reindex(month_revenue.index)],
    })

    def draw(fig):
        ax = fig.subplots()
        shown = counts[::-1]
        ax.barh([labels.get(s, s) for s in shown.index], shown.to_numpy(),
                color=[colours.SEGMENT.get(s, "#c7c7c7") for s in shown.index])
        for y, v in enumerate(shown.to_numpy()):
            ax.annotate(fmt.count(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_xlim(0, max(float(shown.max()), 1.0) * 1.1)  # room for the numbers
        ax.set_xlabel(translate("customers", say))
        ax.set_title(translate("RFM segments (as of {day:%Y-%m-%d})", say, day=data.as_of))
        ax.spines[["top", "right"]].set_visible(False)

    return Section("", findings,
                   tables=[Table(translate("RFM segments", data.lang), seg_table),
                           Table(translate("main moves since last month", data.lang), move_table,
                                 "" if len(move_table) else translate("No customer changed segment this month.", say)),
                           Table(translate("top customers this month", data.lang), top_table,
                                 "" if len(top_table) else translate("No orders this month.", say)),
                           Table(translate("segment rules", data.lang), rule_table)],
                   figures=[Figure(translate("RFM segments", say), draw, height=3.0, left=1.1)],
                   data={"segments": counts, "migration": moves, "moved": moved, "new": new, "top": month_revenue})
