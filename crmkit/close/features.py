"""What was known about each open opportunity at a moment: the inputs of a close model.

>>> X = opportunity_features(crm, as_of="2026-05-31")          # one row per card open at the end of that day
>>> X = features_from_tables({"opportunities": opps, "interactions": inter, ...}, as_of="2026-05-31",
...                          stage_history=crm.history("opportunities"))

``as_of`` is a calendar day (``crmkit.timeframe``): what is dated on or before it is known, the
rest is the future. The features describe each card as it stood at the end of that day, the
moment ``end_of(as_of)`` (the next midnight); dates without a time (an opportunity's
created_at / closed_at, a stage change kept by day) mean the start of their day, so a card
opened on the ``as_of`` day is open and one closed on it is closed, as in
``crmkit.demo.opportunity_state``. Day counts are measured on the ``as_of`` day: a card opened
on it is 0 days old, a customer contacted on it was contacted 0 days ago.

No leakage
----------
The store keeps the *current* state of a card: a won one shows stage ``contract`` and its
status and closing date. The features use only

* cards created on or before ``as_of`` and not closed by then (``closed_at`` missing or after
  ``as_of``; a won/lost card without a closing date counts as closed);
* fields as they stood at the end of ``as_of``: for stage, intent_grade, expected_amount,
  expected_close, competitor, product and rep, that value is the ``old_value`` of the first
  change of that field dated after ``as_of`` in the history, else the current value. Stage history
  comes from the store's ``history`` table (``update`` rows with field "stage"); ``crmkit demo``
  writes the demo's real stage paths there;
* backfilled cards: history rows are dated when the store *learnt* a value. A card that entered
  the store (its ``insert`` row in the history) after ``as_of`` was backfilled from a file, and
  the store knows nothing of how it stood at ``as_of`` beyond what it learnt since. A later edit
  of one of ``BACKFILL_CORRECTABLE`` (expected_amount, expected_close, competitor, product) is
  then a correction of the file and holds for those past days too: importing a file and then
  correcting a field gives the same features as importing the corrected file once. Stage, the
  rep's grade and the rep are replayed as always, since their later changes are events in the
  card's life (a stage moved because the deal closed) and would leak the outcome;
* interactions, orders and other cards dated on or before ``as_of``.

Customer region, type and source are taken as they are now (they rarely change); the customer's
value grade is left out because it is computed from later sales.

Columns (index ``opportunity_id``)
----------------------------------
customer_id, rep, product, stage (ordered categorical), stage_index (0 = contacted … 4 =
contract), days_in_stage, age_days (calendar days since created), intent_grade (the rep's hand
grade, O/A/B/C), expected_amount, days_to_expected_close, competitor, competitor_present, obstacle
(合作障碍 as written now; missing when none),
region, customer_type, source, customer_age_days, last_contact_at, days_since_contact (calendar
days from the customer's last interaction to ``as_of``; missing if none), contacts_7d /
contacts_30d / contacts_90d (the customer's interactions in the N days ending with ``as_of``),
``{channel}_{N}d`` for each channel (visit, phone, email, walk_in, call_in, wechat, event) and
N in 7, 30, 90, ``share_{channel}`` (share of each channel in the 90-day contacts, 0 when there
were none), contacts_since_open, orders_count, revenue, revenue_365d, days_since_last_order
(missing if none), prior_opportunities (the customer's other cards created by ``as_of``),
prior_won, prior_lost (those closed by ``as_of``), prior_win_rate (won / (won + lost),
missing if none closed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from ..timeframe import end_of, resolve_as_of

STAGES = list(schema.STAGES)
CHANNELS = list(schema.CHANNELS)
WINDOWS = (7, 30, 90)
# opportunity fields whose value at as_of is rebuilt from the history
AS_OF_FIELDS = ("stage", "intent_grade", "expected_amount", "expected_close", "competitor", "product", "rep")
# of those, the ones whose later edit corrects a backfilled card for its past days as well (see the
# module's text): descriptions of the deal, not steps towards its outcome
BACKFILL_CORRECTABLE = ("expected_amount", "expected_close", "competitor", "product")

_OPP = schema.TABLES["opportunities"]


def opportunity_features(crm, *, as_of=None) -> pd.DataFrame:
    """Features of every opportunity open at the end of the ``as_of`` day, read from the store.

    ``as_of`` defaults to the store's data date (``crm.data_date()``, the day of its last
    recorded activity). Reads only what is dated on or before ``as_of`` (cards, interactions,
    orders) plus the customers and the opportunities' change history; see
    :func:`features_from_tables`.
    """
    as_of = resolve_as_of(as_of, crm)
    end = end_of(as_of)
    tables = {
        "opportunities": crm.opportunities(end=end),
        "interactions": crm.interactions(end=end, columns=["customer_id", "occurred_at", "channel"]),
        "orders": crm.orders(end=end, columns=["customer_id", "ordered_at", "amount"]),
        "customers": crm.customers(columns=["region", "customer_type", "source", "created_at"]),
    }
    return features_from_tables(tables, as_of=as_of, stage_history=crm.history("opportunities"))


def features_from_tables(tables: dict[str, pd.DataFrame], *, as_of=None,
                         stage_history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Features of every opportunity open at the end of the ``as_of`` day, from plain DataFrames.

    ``tables`` holds "opportunities" (required) and optionally "interactions", "orders" and
    "customers", with crmkit's column names. ``as_of`` defaults to the tables' data date (their
    newest activity: a contact, an order, a card opened or closed). ``stage_history`` holds
    history rows as ``Store.history`` returns them (record_id, op, field, old_value, new_value,
    changed_at; rows of other tables or fields than ``AS_OF_FIELDS`` are ignored; ``insert``
    rows tell when each card entered the store, for backfilled cards). Without it the current
    field values are used, which is right only for a snapshot taken at ``as_of``.
    """
    day = resolve_as_of(as_of, tables)
    end = end_of(day)  # the moment the day ends: what is dated before it is known
    opps = tables["opportunities"].copy()
    opps["opportunity_id"] = opps["opportunity_id"].astype(str)
    opps["customer_id"] = opps["customer_id"].astype(str)
    created = pd.to_datetime(opps["created_at"])
    closed = pd.to_datetime(opps["closed_at"]) if "closed_at" in opps else pd.Series(pd.NaT, index=opps.index)
    status = opps["status"].astype(object) if "status" in opps else pd.Series("open", index=opps.index)
    undated_close = closed.isna() & status.isin(["won", "lost"])
    known = created < end
    is_open = known & ~(closed < end) & ~undated_close
    hist = _history_rows(stage_history)
    cur = opps[is_open].set_index("opportunity_id")
    cur = _values_at(cur, hist, end, _entered_store(stage_history))

    out = pd.DataFrame(index=pd.Index(cur.index, name="opportunity_id", dtype=object))
    out["customer_id"] = cur["customer_id"].astype(object)
    for c in ("rep", "product"):
        out[c] = _category(cur[c]) if c in cur else _category(pd.Series(pd.NA, index=cur.index))
    stage = pd.Categorical(cur["stage"].astype(object), categories=STAGES, ordered=True)
    out["stage"] = stage
    out["stage_index"] = pd.array(np.where(stage.codes >= 0, stage.codes, np.nan), dtype="Float64").astype("Int64")
    since = _stage_since(cur, hist, end)
    out["days_in_stage"] = (day - since.dt.normalize()).dt.days.astype("Int64")
    cur_created = pd.to_datetime(cur["created_at"])
    out["age_days"] = (day - cur_created.dt.normalize()).dt.days.astype("Int64")
    out["intent_grade"] = pd.Categorical(cur["intent_grade"].astype(object) if "intent_grade" in cur else None,
                                         categories=list(schema.INTENT_GRADES))
    out["expected_amount"] = pd.to_numeric(cur.get("expected_amount"), errors="coerce").astype("Float64") \
        if "expected_amount" in cur else pd.array([pd.NA] * len(cur), dtype="Float64")
    if "expected_close" in cur:
        out["days_to_expected_close"] = (pd.to_datetime(cur["expected_close"]).dt.normalize() - day).dt.days.astype("Int64")
    comp = cur["competitor"].astype(object) if "competitor" in cur else pd.Series(None, index=cur.index, dtype=object)
    comp = comp.where(comp.notna() & (comp.astype(str).str.strip() != ""))
    out["competitor"] = _category(comp)
    out["competitor_present"] = comp.notna().astype(bool)
    # the 合作障碍 written on the intent card (as it reads now: crmkit keeps no history of it)
    obstacle = cur["obstacle"].astype(object) if "obstacle" in cur else pd.Series(None, index=cur.index, dtype=object)
    # none written is a missing value, not a word: a Chinese "(无)" here made every English lead list
    # look Chinese to the model's language guess
    out["obstacle"] = _category(obstacle.where(obstacle.notna() & (obstacle.astype(str).str.strip() != "")))

    _customer_facts(out, tables.get("customers"), day)
    _contact_facts(out, tables.get("interactions"), end, day, cur_created)
    _order_facts(out, tables.get("orders"), end, day)
    _prior_cards(out, opps[known], closed[known], status[known], end)
    return out.sort_index()


# --------------------------------------------------------------------------- field values at the end of as_of


def _history_rows(history: pd.DataFrame | None) -> pd.DataFrame:
    """The update rows of the opportunities' history, oldest first."""
    cols = ["record_id", "field", "old_value", "new_value", "changed_at"]
    if history is None or len(history) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols}).assign(
            changed_at=pd.Series(dtype="datetime64[ns]"))
    h = history
    keep = pd.Series(True, index=h.index)
    if "table_name" in h:
        keep &= h["table_name"].astype(object).eq("opportunities")
    if "op" in h:
        keep &= h["op"].astype(object).eq("update")
    keep &= h["field"].astype(object).isin(AS_OF_FIELDS)
    h = h.loc[keep].copy()
    h["record_id"] = h["record_id"].astype(str)
    h["changed_at"] = pd.to_datetime(h["changed_at"])
    order = ["changed_at", "history_id"] if "history_id" in h else ["changed_at"]
    return h.sort_values(order, kind="stable")[cols]


def fields_as_of(cards: pd.DataFrame, history: pd.DataFrame | None, *, as_of) -> pd.DataFrame:
    """``cards`` (indexed by opportunity_id, their current values) with the ``AS_OF_FIELDS`` they
    hold set back to how they stood at the end of the ``as_of`` day, by the same replay as the
    features. ``history`` is ``Store.history("opportunities")``; the rows since the end of the day
    (``since=end_of(as_of)``) are all it needs."""
    return _values_at(cards, _history_rows(history), end_of(as_of), _entered_store(history))


def _entered_store(history: pd.DataFrame | None) -> pd.Series:
    """When each card entered the store: the time of its first ``insert`` history row (record_id -> time)."""
    if history is None or len(history) == 0 or "op" not in history:
        return pd.Series(dtype="datetime64[ns]")
    keep = history["op"].astype(object).eq("insert")
    if "table_name" in history:
        keep &= history["table_name"].astype(object).eq("opportunities")
    rows = history.loc[keep]
    return pd.to_datetime(rows["changed_at"]).groupby(rows["record_id"].astype(str).to_numpy()).min()


def _parse(values: pd.Series, field: str) -> pd.Series:
    kind = _OPP[field].kind
    if kind in ("money", "number"):
        return pd.to_numeric(values, errors="coerce")
    if kind in ("date", "datetime"):
        return pd.to_datetime(values, errors="coerce", format="ISO8601")
    return values.astype(object).where(values.notna(), None)


def _values_at(cur: pd.DataFrame, hist: pd.DataFrame, end: pd.Timestamp, entered: pd.Series) -> pd.DataFrame:
    """Each field as it stood at the moment ``end``: the old value of the first change at or
    after it, else the current. For a card that ``entered`` the store at or after ``end``, the
    changes since of ``BACKFILL_CORRECTABLE`` fields are corrections of the backfill: skipped,
    so the corrected value holds at ``end`` too."""
    later = hist[(hist["changed_at"] >= end) & hist["record_id"].isin(cur.index)]
    if len(entered) and len(later):
        since = pd.to_datetime(later["record_id"].map(entered))
        correction = later["field"].isin(BACKFILL_CORRECTABLE) & (since >= end) & (later["changed_at"] >= since)
        later = later[~correction.to_numpy(dtype=bool)]
    if later.empty:
        return cur
    first = later.drop_duplicates(["record_id", "field"], keep="first")
    cur = cur.copy()
    for field, rows in first.groupby("field", sort=False):
        if field not in cur:
            continue
        old = _parse(rows.set_index("record_id")["old_value"], field)
        col = cur[field].astype(object) if _OPP[field].kind not in ("money", "number", "date", "datetime") \
            else cur[field].astype("float64" if _OPP[field].kind in ("money", "number") else "datetime64[ns]")
        col.loc[old.index] = old.to_numpy()
        cur[field] = col
    return cur


def _stage_since(cur: pd.DataFrame, hist: pd.DataFrame, end: pd.Timestamp) -> pd.Series:
    """When each card entered the stage it had at the moment ``end``: its last stage change
    before it, else its creation."""
    moves = hist[(hist["field"] == "stage") & (hist["changed_at"] < end) & hist["record_id"].isin(cur.index)]
    last = moves.groupby("record_id")["changed_at"].max()
    since = pd.to_datetime(cur["created_at"]).copy()
    since.loc[last.index] = last.to_numpy()
    return since


def _category(values: pd.Series) -> pd.Series:
    v = values.astype(object)
    return v.where(v.notna(), None).astype(pd.StringDtype()).astype("category")


# --------------------------------------------------------------------------- facts around the card


def _customer_facts(out: pd.DataFrame, customers: pd.DataFrame | None, day: pd.Timestamp) -> None:
    cols = ("region", "customer_type", "source")
    if customers is None:
        for c in cols:
            out[c] = _category(pd.Series(None, index=out.index, dtype=object))
        out["customer_age_days"] = pd.array([pd.NA] * len(out), dtype="Int64")
        return
    cust = customers.assign(customer_id=customers["customer_id"].astype(str)).drop_duplicates("customer_id")
    cust = cust.set_index("customer_id").reindex(out["customer_id"])
    for c in cols:
        out[c] = _category(pd.Series(cust[c].to_numpy(dtype=object) if c in cust else None, index=out.index))
    if "created_at" in cust:
        age = (day - pd.to_datetime(cust["created_at"]).dt.normalize()).dt.days
        out["customer_age_days"] = pd.array(age.to_numpy(dtype=float), dtype="Float64").astype("Int64")


def _contact_facts(out: pd.DataFrame, inter: pd.DataFrame | None, end: pd.Timestamp, day: pd.Timestamp,
                   created: pd.Series) -> None:
    """Contacts dated before the moment ``end`` (the end of ``day``); day counts run to ``day``."""
    n = len(out)
    if inter is None:
        inter = pd.DataFrame({"customer_id": pd.Series(dtype=object), "occurred_at": pd.Series(dtype="datetime64[ns]"),
                              "channel": pd.Series(dtype=object)})
    when = pd.to_datetime(inter["occurred_at"])
    ok = inter["customer_id"].notna() & (when < end)
    cust = inter.loc[ok, "customer_id"].astype(str).to_numpy()
    when = when[ok]
    chan = inter.loc[ok, "channel"].astype(object).to_numpy()
    frame = pd.DataFrame({"customer_id": cust, "at": when.to_numpy(), "channel": chan})
    by_cust = frame.groupby("customer_id")["at"].max()
    # reindex, not map: map of an empty frame's column cannot cast the dates (no cards open)
    last = pd.Series(by_cust.reindex(out["customer_id"].astype(object)).to_numpy(), index=out.index) \
        .astype("datetime64[ns]")
    out["last_contact_at"] = last
    out["days_since_contact"] = (day - last.dt.normalize()).dt.days.astype("Int64")
    for w in WINDOWS:
        recent = frame[frame["at"] >= end - pd.Timedelta(days=w)]  # the w days ending with day
        # groupby-size, not crosstab: crosstab aggregates group by group in Python
        counts = (recent.groupby(["customer_id", "channel"]).size().unstack(fill_value=0)
                  .reindex(columns=CHANNELS, fill_value=0))
        total = counts.sum(axis=1)
        out[f"contacts_{w}d"] = out["customer_id"].map(total).fillna(0).astype("int64").to_numpy()
        for ch in CHANNELS:
            out[f"{ch}_{w}d"] = out["customer_id"].map(counts[ch]).fillna(0).astype("int64").to_numpy()
    total90 = out[f"contacts_{WINDOWS[-1]}d"].to_numpy()
    for ch in CHANNELS:
        share = np.divide(out[f"{ch}_{WINDOWS[-1]}d"].to_numpy(float), total90, out=np.zeros(n), where=total90 > 0)
        out[f"share_{ch}"] = share
    # contacts since the card was opened (its created_at day included)
    merged = frame.merge(pd.DataFrame({"opportunity_id": out.index, "customer_id": out["customer_id"].to_numpy(),
                                       "opened": created.dt.normalize().to_numpy()}), on="customer_id")
    since = merged[merged["at"] >= merged["opened"]].groupby("opportunity_id").size()
    out["contacts_since_open"] = pd.Series(out.index.map(since), index=out.index).fillna(0).astype("int64")


def _order_facts(out: pd.DataFrame, orders: pd.DataFrame | None, end: pd.Timestamp, day: pd.Timestamp) -> None:
    if orders is None:
        orders = pd.DataFrame({"customer_id": pd.Series(dtype=object), "ordered_at": pd.Series(dtype="datetime64[ns]"),
                               "amount": pd.Series(dtype=float)})
    when = pd.to_datetime(orders["ordered_at"])
    ok = orders["customer_id"].notna() & (when < end)
    frame = pd.DataFrame({"customer_id": orders.loc[ok, "customer_id"].astype(str).to_numpy(),
                          "at": when[ok].to_numpy(),
                          "amount": pd.to_numeric(orders.loc[ok, "amount"]).astype(float).to_numpy()})
    g = frame.groupby("customer_id")
    cid = out["customer_id"]
    out["orders_count"] = cid.map(g.size()).fillna(0).astype("int64").to_numpy()
    out["revenue"] = cid.map(g["amount"].sum()).fillna(0.0).astype(float).to_numpy()
    recent = frame[frame["at"] >= end - pd.Timedelta(days=365)].groupby("customer_id")["amount"].sum()
    out["revenue_365d"] = cid.map(recent).fillna(0.0).astype(float).to_numpy()
    last = pd.Series(g["at"].max().reindex(cid.astype(object)).to_numpy(), index=out.index).astype("datetime64[ns]")
    out["days_since_last_order"] = (day - last.dt.normalize()).dt.days.astype("Int64")


def _prior_cards(out: pd.DataFrame, known: pd.DataFrame, closed: pd.Series, status: pd.Series,
                 end: pd.Timestamp) -> None:
    """The customer's other cards created before the moment ``end``, and those won / lost before it."""
    ended = closed < end
    k = pd.DataFrame({"customer_id": known["customer_id"].astype(str).to_numpy(),
                      "won": (ended & status.eq("won")).to_numpy(),
                      "lost": (ended & status.eq("lost")).to_numpy()})
    g = k.groupby("customer_id")
    cid = out["customer_id"]
    out["prior_opportunities"] = (cid.map(g.size()).fillna(0).astype("int64") - 1).clip(lower=0).to_numpy()
    # the card itself is open at end, so it is neither won nor lost before it
    won = cid.map(g["won"].sum()).fillna(0).astype("int64").to_numpy()
    lost = cid.map(g["lost"].sum()).fillna(0).astype("int64").to_numpy()
    out["prior_won"] = won
    out["prior_lost"] = lost
    done = won + lost
    out["prior_win_rate"] = pd.array(np.where(done > 0, won / np.maximum(done, 1), np.nan), dtype="Float64")
