"""Sales-power analysis (附表六 客户综合销售力分析表, 附表七 客户综合销售力对比分析表).

>>> from crmkit import sales_power
>>> sales_power.by_quarter(crm, as_of="2026-10-31")            # doctest: +SKIP
>>> sales_power.analyse(crm, as_of="2026-10-31")               # one row per customer   # doctest: +SKIP
>>> sales_power.compare(crm, "华东", as_of="2026-10-31")        # a region's customers side by side  # doctest: +SKIP
>>> sales_power.product_mix(crm, as_of="2026-10-31")           # doctest: +SKIP

Every customer counts, prospects too (their sales are 0). Sales are the orders' ``amount``, gross
margin their ``gross_margin`` (客户销售毛利); quarters are calendar quarters that are over on
``as_of`` (``crmkit.quarters``). A growth rate from a quarter without sales is NaN, never inf;
a margin rate counts only the orders that carry a margin, and a customer none of whose orders
does has no margin and no margin rank. Reads go through the store, so a rep sees their book.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .quarters import complete_quarters, quarter_label, quarter_sums
from .timeframe import default_as_of, end_of, resolve_as_of

__all__ = ["by_quarter", "analyse", "compare", "product_mix", "by_quarter_tables", "analyse_tables",
           "product_mix_tables"]

CUSTOMER_COLUMNS = ["name", "region", "owner", "customer_type", "status"]
ORDER_COLUMNS = ["customer_id", "ordered_at", "amount", "gross_margin", "product"]


def _read(crm, as_of, quarters: int, region):
    day = resolve_as_of(as_of, crm)
    periods = complete_quarters(day, quarters + 4)  # a year before the first, for year-on-year
    customers = crm.customers(columns=CUSTOMER_COLUMNS, region=region)
    orders = crm.orders(columns=ORDER_COLUMNS, start=periods[0].start_time, end=end_of(day), region=region)
    return customers, orders, day


def by_quarter(crm, *, as_of=None, quarters: int = 8, region=None) -> pd.DataFrame:
    """Sales power by quarter, per customer of the store's user: see :func:`by_quarter_tables`."""
    customers, orders, day = _read(crm, as_of, quarters, region)
    return by_quarter_tables(customers, orders, as_of=day, quarters=quarters)


def analyse(crm, *, as_of=None, quarters: int = 4, region=None) -> pd.DataFrame:
    """附表六, one row per customer of the store's user: see :func:`analyse_tables`."""
    customers, orders, day = _read(crm, as_of, quarters, region)
    return analyse_tables(customers, orders, as_of=day, quarters=quarters)


def compare(crm, region, *, as_of=None, quarters: int = 4) -> pd.DataFrame:
    """附表七: the customers of ``region`` side by side, strongest first (by sales, then gross margin).

    The rows of :func:`analyse` for that region; ``attrs["region_sales"]`` holds the region's total.
    """
    table = analyse(crm, as_of=as_of, quarters=quarters, region=region)
    table = table.sort_values(["sales_rank_in_region", "gross_margin"], ascending=[True, False], na_position="last",
                              kind="stable")
    table.attrs["region_sales"] = float(table["sales"].sum())
    return table


def product_mix(crm, *, as_of=None, quarters: int = 4, region=None) -> pd.DataFrame:
    """Each customer's share of sales by product: see :func:`product_mix_tables`."""
    customers, orders, day = _read(crm, as_of, quarters, region)
    return product_mix_tables(customers, orders, as_of=day, quarters=quarters)


# ----------------------------------------------------------------------------- on DataFrames


def by_quarter_tables(customers: pd.DataFrame, orders: pd.DataFrame, *, as_of=None, quarters: int = 8) -> pd.DataFrame:
    """One row per customer and quarter (the last ``quarters`` complete ones, oldest first).

    Columns: ``customer_id`` (string), ``quarter`` (a quarterly Period), ``sales``, ``gross_margin``
    (NA when no order of the quarter carries one), ``margin_rate`` (margin ÷ the sales that carry a
    margin), ``orders`` (Int64), ``qoq_growth`` (sales ÷ the previous quarter's − 1) and
    ``yoy_growth`` (÷ the same quarter a year earlier − 1): NaN where the earlier quarter sold nothing.
    """
    day = _as_of(as_of, orders)
    periods = complete_quarters(day, quarters + 4)
    ids = pd.Index(customers["customer_id"].astype(str), name="customer_id")
    o = _with_margin_parts(orders)
    sums = quarter_sums(o, periods, key="customer_id", date="ordered_at",
                        values=["amount", "margin", "margin_base", "one"])
    full = pd.MultiIndex.from_product([ids, pd.PeriodIndex(periods, name="quarter")])
    sums = sums.reindex(full)
    sales = sums["amount"].fillna(0.0)
    frame = pd.DataFrame({
        "sales": sales,
        "gross_margin": sums["margin"],
        "margin_rate": sums["margin"] / sums["margin_base"].where(sums["margin_base"] > 0),
        "orders": sums["one"].fillna(0).astype("int64"),
    })
    by_customer = sales.groupby(level="customer_id", sort=False)
    frame["qoq_growth"] = _growth(sales, by_customer.shift(1))
    frame["yoy_growth"] = _growth(sales, by_customer.shift(4))
    frame = frame[frame.index.get_level_values("quarter").isin(periods[4:])]
    out = frame.reset_index()
    out["customer_id"] = out["customer_id"].astype("string")
    return out.astype({"sales": "Float64", "gross_margin": "Float64", "margin_rate": "Float64", "orders": "Int64",
                       "qoq_growth": "Float64", "yoy_growth": "Float64"})


def analyse_tables(customers: pd.DataFrame, orders: pd.DataFrame, *, as_of=None, quarters: int = 4) -> pd.DataFrame:
    """附表六 客户综合销售力分析表: per customer (indexed by customer_id), over the last ``quarters``
    complete quarters.

    Columns: the customer's ``name``, ``region``, ``owner`` (as given); ``sales_<quarter>`` for each
    quarter and ``sales`` (their sum); ``gross_margin``, ``margin_rate``; ``margin_rank`` (客户销售毛利
    排名: 1 = the most gross margin of all customers) and ``margin_rank_in_region``;
    ``sales_rank_in_region`` and ``region_share`` (the customer's part of its region's sales);
    ``qoq_growth`` (the last quarter on the one before) and ``yoy_growth`` (on the same quarter a
    year earlier); ``products`` (how many products bought), ``top_product`` and
    ``top_product_share``. Ranks are Int64 (equal values share the best rank); a customer without
    sales has no sales rank and no region share of a region that sold nothing.
    """
    day = _as_of(as_of, orders)
    periods = complete_quarters(day, quarters)
    labels = [quarter_label(p) for p in periods]
    long = by_quarter_tables(customers, orders, as_of=day, quarters=quarters)
    ids = pd.Index(customers["customer_id"].astype(str), name="customer_id")
    out = customers.set_index(ids)[[c for c in ("name", "region", "owner") if c in customers]].copy()
    wide = long.pivot(index="customer_id", columns="quarter", values="sales").reindex(index=ids, columns=periods)
    for period, label in zip(periods, labels):
        out[f"sales_{label}"] = wide[period].astype("Float64")
    out["sales"] = wide.sum(axis=1).astype("Float64")
    o = _with_margin_parts(orders)
    dates = pd.to_datetime(o["ordered_at"])
    o = o[(dates >= periods[0].start_time) & (dates <= periods[-1].end_time)]
    totals = o.groupby(o["customer_id"].astype(str))[["margin", "margin_base"]].sum(min_count=1).reindex(ids)
    out["gross_margin"] = totals["margin"].astype("Float64")
    out["margin_rate"] = (totals["margin"] / totals["margin_base"].where(totals["margin_base"] > 0)).astype("Float64")
    out["margin_rank"] = _rank(out["gross_margin"])
    region = out["region"].astype("string").fillna("") if "region" in out else pd.Series("", index=ids)
    out["margin_rank_in_region"] = _rank(out["gross_margin"], by=region)
    has_sales = out["sales"].where(out["sales"] > 0)
    out["sales_rank_in_region"] = _rank(has_sales, by=region)
    region_sales = out["sales"].groupby(region.to_numpy()).transform("sum")
    out["region_share"] = (out["sales"] / region_sales.where(region_sales > 0)).astype("Float64")
    last = long[long["quarter"] == periods[-1]].set_index("customer_id")
    out["qoq_growth"] = last["qoq_growth"].reindex(ids).astype("Float64")
    out["yoy_growth"] = last["yoy_growth"].reindex(ids).astype("Float64")
    mix = product_mix_tables(customers, orders, as_of=day, quarters=quarters)
    out["products"] = mix.gt(0).sum(axis=1).astype("Int64")
    top = mix.fillna(0).idxmax(axis=1).where(mix.max(axis=1).fillna(0) > 0) if mix.shape[1] else \
        pd.Series(pd.NA, index=ids)
    out["top_product"] = top.astype("string")
    out["top_product_share"] = mix.max(axis=1).astype("Float64") if mix.shape[1] else \
        pd.Series(pd.NA, index=ids, dtype="Float64")
    out.attrs.update(as_of=day, quarters=labels)
    return out


def product_mix_tables(customers: pd.DataFrame, orders: pd.DataFrame, *, as_of=None, quarters: int = 4) -> pd.DataFrame:
    """Each customer's sales by product as shares of its sales (rows sum to 1; a customer without
    sales has NA), over the last ``quarters`` complete quarters. Columns are the products, most
    sold first; orders without a product count as "(none)"."""
    day = _as_of(as_of, orders)
    periods = complete_quarters(day, quarters)
    ids = pd.Index(customers["customer_id"].astype(str), name="customer_id")
    dates = pd.to_datetime(orders["ordered_at"])
    o = orders[(dates >= periods[0].start_time) & (dates <= periods[-1].end_time)]
    product = o["product"].astype(object).where(o["product"].notna(), "(none)") if "product" in o else \
        pd.Series("(none)", index=o.index)
    amount = o["amount"].astype("float64")
    table = amount.groupby([o["customer_id"].astype(str).to_numpy(), product.to_numpy()]).sum().unstack(fill_value=0.0)
    table = table[table.sum().sort_values(ascending=False, kind="stable").index] if table.shape[1] else table
    table = table.reindex(ids)
    total = table.sum(axis=1)
    shares = table.div(total.where(total > 0), axis=0).astype("Float64")
    shares.columns = pd.Index([str(c) for c in shares.columns], name="product")
    shares.index.name = "customer_id"
    return shares


# ----------------------------------------------------------------------------- helpers


def _as_of(as_of, orders):
    return default_as_of(orders, columns=["ordered_at"]) if as_of is None else resolve_as_of(as_of, None)


def _with_margin_parts(orders: pd.DataFrame) -> pd.DataFrame:
    """The orders with ``margin`` (NaN where none), ``margin_base`` (the amount of the orders that
    carry a margin) and ``one`` (to count orders)."""
    amount = orders["amount"].astype("float64")
    margin = (orders["gross_margin"].astype("float64") if "gross_margin" in orders
              else pd.Series(np.nan, index=orders.index))
    return orders.assign(amount=amount, margin=margin, margin_base=amount.where(margin.notna(), 0.0), one=1.0)


def _growth(now: pd.Series, before: pd.Series) -> pd.Series:
    return now / before.where(before > 0) - 1.0


def _rank(values: pd.Series, by: pd.Series | None = None) -> pd.Series:
    """1 = the largest; NA values get no rank; ``by`` ranks within groups."""
    v = values.astype("float64")
    ranked = v.rank(method="min", ascending=False) if by is None else \
        v.groupby(by.to_numpy()).rank(method="min", ascending=False)
    return ranked.round().astype("Int64")
