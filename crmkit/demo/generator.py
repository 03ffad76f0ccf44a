"""generate(): one independent random stream per part, the parts simulated in dependency order,
then the tables put in canonical form and the hidden truth collected beside them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .. import schema
from .dataset import DemoData
from .interactions import (
    _anonymous,
    _card_contacts,
    _first_contacts,
    _interactions_frame,
    _maintenance,
    _Rows,
)
from .plans import plan_tables
from .pipeline import _STAGES, CLOSE_MODEL, _make_slots, _simulate_pipeline
from .purchases import PURCHASE_PARAMS, _simulate_purchases
from .reps_and_customers import _make_customers, _make_reps
from .tables import (
    _complaints_frame,
    _contacts_frame,
    _credit_facts_frame,
    _customers_frame,
    _lost_reasons,
    _opportunity_frames,
    _orders_frame,
    _profile_frame,
    _settlements_frame,
)
from .timeline import _timeline
from .truth import _probability_at_creation
from .vector_helpers import _draw, _ids
from .visits import visit_plans_frame
from .vocabulary import _CREDIT, _PAYMENT_TERMS, REGIONS


def generate(n_customers: int = 2000, seed: int = 0, end: str | date | None = None,
             years: float = 2.5) -> DemoData:
    """Generate a complete, seeded demo data set.

    Parameters
    ----------
    n_customers : number of customers (about 10 interactions and 2-3 orders each).
    seed : the same seed gives identical frames.
    end : last day of history (default 2026-10-31), the data set's ``as_of``.
    years : length of the history up to ``end``.

    Returns
    -------
    DemoData with ``tables`` (canonical columns, in schema order), ``truth`` (hidden facts:
    ``params``, ``customers``, ``opportunities``, ``opportunity_stages``, ``reps``,
    ``close_model``) and ``as_of``.

    >>> data = generate(200, seed=3)
    >>> list(data.tables["customers"].columns) == schema.TABLES["customers"].column_names
    True
    """
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}")
    tl = _timeline(end, years)
    # one stream per part; a part added later takes a stream after the others, so theirs stay the same
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(13)]
    (r_reps, r_cust, r_buy, r_slots, r_pipe, r_text, r_opp, r_orders, r_settle, r_compl, r_contacts,
     r_truth, r_facts) = streams
    pp = PURCHASE_PARAMS

    reps = _make_reps(r_reps)
    cust = _make_customers(r_cust, n_customers, tl, reps)
    cust_ids = _ids("", n_customers, 6)
    pur = _simulate_purchases(r_buy, tl, cust, pp)

    # hidden customer traits that drive contacts and payments
    credit = _draw(r_cust, _CREDIT, n_customers)
    terms_idx = np.where(cust.company, r_cust.choice(5, n_customers, p=[0.30, 0.15, 0.35, 0.15, 0.05]),
                         r_cust.choice(2, n_customers, p=[0.7, 0.3]))
    terms = np.array([t for t, _ in _PAYMENT_TERMS], dtype=object)[terms_idx]
    terms_days = np.array([d for _, d in _PAYMENT_TERMS])[terms_idx]
    # upkeep contacts: more for frequent buyers, fewer for prospects, set by the owner's diligence
    liking = np.where(pur.buyer, (pur.lam * pp.alpha / pp.r) ** 0.3, 0.5)
    contact_rate = (reps.diligence[cust.owner] * liking * np.exp(r_cust.normal(0, 0.4, n_customers))
                    / np.where(cust.ctype == "supplier", 240.0, 150.0))

    # opportunities: the hidden close process, run over the customers' other interactions
    slots = _make_slots(r_slots, cust, reps)
    opened_at_first = np.zeros(n_customers, bool)
    opened_at_first[slots.cust[slots.first & (slots.create_day == cust.created_day[slots.cust])]] = True
    first = _first_contacts(r_text, cust, np.flatnonzero(~opened_at_first))
    upkeep = _maintenance(r_text, tl, cust, contact_rate, reps)
    other = _Rows.concat([first, upkeep])
    other_day = np.floor(other.t).astype(np.int64)
    by_day = np.argsort(other_day, kind="stable")
    pipe = _simulate_pipeline(r_pipe, tl, slots, n_customers, other.cust[by_day], other_day[by_day])
    lost_reason = _lost_reasons(r_opp, slots, pipe)

    # interactions: first contacts, upkeep, card contacts and anonymous traffic
    cards = _card_contacts(r_text, cust, slots, pipe, lost_reason)
    n_anon = round(0.8 * n_customers)
    rows = _Rows.concat([first, upkeep, cards, _anonymous(r_text, tl, n_anon, reps)])
    interactions = _interactions_frame(r_text, tl, rows, cust_ids, reps)

    opportunities, slot_to_id, made = _opportunity_frames(r_opp, tl, cust, cust_ids, reps, slots, pipe, lost_reason)
    orders, order_cust, order_t = _orders_frame(r_orders, tl, cust, cust_ids, reps, pur)
    settlements = _settlements_frame(r_settle, tl, cust, cust_ids, reps, credit, terms_days, order_cust, order_t,
                                     orders["amount"].to_numpy())
    complaints = _complaints_frame(r_compl, tl, cust, cust_ids, reps, orders, order_cust, order_t)
    contacts, contact_cust, contact_surname = _contacts_frame(r_contacts, tl, cust, cust_ids)
    profile = _profile_frame(r_contacts, cust, cust_ids, contacts, contact_cust, contact_surname)
    customers = _customers_frame(r_cust, tl, cust, cust_ids, reps, orders, order_cust, order_t, terms)
    credit_facts = _credit_facts_frame(r_facts, tl, cust, cust_ids, reps, credit)

    tables = {
        "customers": customers, "contacts": contacts, "interactions": interactions,
        "opportunities": opportunities, "orders": orders, "settlements": settlements,
        "complaints": complaints, "profile": profile, "credit_facts": credit_facts,
    }
    tables.update(plan_tables(tables, tl.stop - pd.Timedelta(days=1)))  # the key accounts' plans
    tables = {name: _canonical(name, df) for name, df in tables.items()}
    # the reps' saved visit plans, made by the planner from the tables above (no random draws)
    tables["visit_plans"] = _canonical("visit_plans", visit_plans_frame(tables, tl.stop - pd.Timedelta(days=1)))

    truth = _truth(tl, seed, pp, cust_ids, pur, credit, contact_rate, reps, slots, pipe, slot_to_id, made)
    data = DemoData(tables=tables, truth=truth, as_of=tl.stop - pd.Timedelta(days=1))  # the last day, not its end
    truth["opportunities"]["p_won_30d_at_creation"] = _probability_at_creation(data, r_truth)
    return data


def _canonical(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Columns in schema order, datetimes as naive datetime64[ns]."""
    table = schema.TABLES[name]
    df = df[table.column_names].copy()
    for col in table.columns:
        if col.kind in ("datetime", "date"):
            df[col.name] = pd.to_datetime(df[col.name]).astype("datetime64[ns]")
            if col.kind == "date":
                df[col.name] = df[col.name].dt.normalize()
        elif col.kind in ("money", "number"):
            df[col.name] = df[col.name].astype(float)
        elif col.kind == "bool":
            df[col.name] = df[col.name].astype(bool)
        elif col.kind == "integer":
            df[col.name] = df[col.name].astype(np.int64)
    return df.reset_index(drop=True)


def _truth(tl, seed, pp, cust_ids, pur, credit, contact_rate, reps, slots, pipe, slot_to_id, made):
    def ts(t):
        return tl.stamps(np.nan_to_num(t, nan=0.0)).copy()

    first_purchase, dropout = ts(pur.t0), ts(pur.dropout_t)
    first_purchase[np.isnan(pur.t0)] = np.datetime64("NaT")
    dropout[np.isnan(pur.dropout_t)] = np.datetime64("NaT")
    customers = pd.DataFrame({
        "customer_id": cust_ids,
        "buyer": pur.buyer,
        "first_purchase": first_purchase,
        "lambda": pur.lam,
        "p": pur.p,
        "alive": pur.alive,
        "dropout_at": dropout,
        "nu": pur.nu,
        "mean_order_value": pp.p / pur.nu,
        "contact_rate": contact_rate,
        "credit": credit,
    })
    params = pd.DataFrame([{
        "r": pp.r, "alpha": pp.alpha, "a": pp.a, "b": pp.b, "p": pp.p, "q": pp.q, "v": pp.v,
        "time_unit": "D", "seed": seed,
    }])
    opportunities = pd.DataFrame({
        "opportunity_id": slot_to_id[made],
        "customer_id": cust_ids[slots.cust[made]],
        "fit": slots.fit[made],
        "rep_skill": reps.skill[slots.rep[made]],
        "has_competitor": slots.competitor[made],
        "contact_prob": slots.contact_prob[made],
        "base_logit_won": slots.base_won[made],
        "base_logit_lost": slots.base_lost[made],
    })
    keep = np.not_equal(slot_to_id[pipe.hist_slot], None)
    order = np.lexsort((pipe.hist_stage[keep], pipe.hist_day[keep]))
    stages = pd.DataFrame({
        "opportunity_id": slot_to_id[pipe.hist_slot[keep]][order],
        "stage": np.array(_STAGES, dtype=object)[pipe.hist_stage[keep]][order],
        "entered_at": tl.dates(pipe.hist_day[keep][order]).astype("datetime64[ns]"),
    })
    stages = stages.sort_values(["opportunity_id", "entered_at"], kind="stable").reset_index(drop=True)
    reps_frame = pd.DataFrame({
        "rep": reps.name, "region": np.array(REGIONS, dtype=object)[reps.region], "skill": reps.skill,
        "diligence": reps.diligence, "speed": reps.speed,
    })
    m = CLOSE_MODEL
    close_model = pd.DataFrame([{
        "intercept_won": m.intercept_won, "recency_won": m.recency_won, "frequency_won": m.frequency_won,
        "intercept_lost": m.intercept_lost, "recency_lost": m.recency_lost, "frequency_lost": m.frequency_lost,
        "fit_lost": m.fit_lost, "competitor_lost": m.competitor_lost, "window_days": m.window_days,
        **{f"stage_won_{s}": w for s, w in zip(_STAGES, m.stage_won)},
        **{f"stage_lost_{s}": w for s, w in zip(_STAGES, m.stage_lost)},
        **{f"advance_{s}": w for s, w in zip(_STAGES, m.advance)},
    }])
    return {"params": params, "customers": customers, "opportunities": opportunities,
            "opportunity_stages": stages, "reps": reps_frame, "close_model": close_model}
