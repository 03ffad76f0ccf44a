"""The truth at a date: what the hidden close process says about the cards open then.

:func:`true_close_probability` rebuilds the state of every card open at a date from the tables
(interactions, stage path) and the hidden traits, and returns the probability of winning within
the horizon by running the same day-by-day process forward (``_hazards`` is the one function
both use). The close draws are integrated out exactly along each simulated path of contacts and
stage moves (Rao-Blackwell), so the estimate is unbiased with a Monte-Carlo error of about 0.01
at the default 128 paths. ``truth["opportunities"]["p_won_30d_at_creation"]`` is the same
quantity at the midnight after each card was opened. :func:`opportunity_state` returns the
observable part of that state (stage, days since contact, contacts in 30 days, ...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..timeframe import as_of_day, end_of
from .dataset import DemoData
from .pipeline import _STAGES, CLOSE_MODEL, _hazards
from .timeline import _DAY_NS


def _win_probability(stage0, recency0, past_freq, base_won, base_lost, contact_prob, contact_rate,
                     horizon: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    """P(won within `horizon` days) for cards open at the start of day D, by simulation.

    ``past_freq[:, k]`` counts the customer's interactions already made that fall in the
    frequency window of day D + k. Along each simulated path of contacts and stage moves the
    close draws are integrated out exactly, which leaves only the contact randomness.
    """
    model = CLOSE_MODEL
    n = len(stage0)
    out = np.zeros(n)
    if n == 0 or horizon <= 0:
        return out
    window = model.window_days
    advance = np.asarray(model.advance)
    last_stage = len(_STAGES) - 1
    chunk = max(1, 400_000 // n_paths)
    for lo in range(0, n, chunk):
        sl = slice(lo, min(n, lo + chunk))

        def rep(x):  # called only within this iteration, so the late binding of sl is harmless
            return np.repeat(np.asarray(x)[sl], n_paths, axis=0)  # noqa: B023

        stage, rec = rep(stage0).astype(np.int64), rep(recency0).astype(float)
        bw, bl, pi, mu = rep(base_won), rep(base_lost), rep(contact_prob), rep(contact_rate)
        past = rep(past_freq)
        # Poisson(mu) counts of other interactions per day, by inverse CDF (>= 3 lumped:
        # mu is about 0.01 a day, so four in a day has probability ~1e-9)
        p0 = np.exp(-mu)
        p1 = p0 * (1.0 + mu)
        p2 = p1 + p0 * mu * mu / 2.0
        ring = np.zeros((window, len(stage)), np.int32)
        future = np.zeros(len(stage), np.int64)
        surv = np.ones(len(stage))
        prob = np.zeros(len(stage))
        for k in range(horizon):
            freq = future + (past[:, k] if k < past.shape[1] else 0)
            hw, hl = _hazards(stage, rec, freq, bw, bl)
            prob += surv * hw
            surv *= 1.0 - hw - hl
            if k == horizon - 1:
                break
            future -= ring[k % window]
            v = rng.random(len(stage))
            contact = v < pi
            moves = (v < pi * advance[stage]) & (stage < last_stage)
            w = rng.random(len(stage))
            count = contact + (w > p0) + (w > p1) + (w > p2)
            ring[k % window] = count
            future += count
            rec = np.where(count > 0, 1.0, rec + 1.0)
            stage = stage + moves
        out[sl] = prob.reshape(-1, n_paths).mean(axis=1)
    return out


def _contact_keys(cust_code: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Sorted (customer, day) keys for counting interactions by binary search."""
    return np.sort(cust_code.astype(np.int64) * (1 << 32) + day.astype(np.int64))


def _recency_and_window(keys: np.ndarray, cust_code: np.ndarray, day0: np.ndarray, horizon: int,
                        window: int) -> tuple[np.ndarray, np.ndarray]:
    """Days since the last interaction before day0, and past interactions in each future window."""
    base = cust_code.astype(np.int64) * (1 << 32)
    hi = np.searchsorted(keys, base + day0, side="left")
    prev = keys[np.maximum(hi - 1, 0)] if len(keys) else np.zeros(len(hi), np.int64)
    has = (hi > 0) & (prev >> 32 == cust_code)
    # no interaction on record: treat as long silent (cannot happen for generated cards)
    recency = np.where(has, day0 - (prev & 0xFFFFFFFF), 365)
    cols = min(horizon, window)
    past = np.zeros((len(day0), cols), np.int64)
    for k in range(cols):  # window of day0 + k covers [day0 + k - window, day0 - 1] of the past
        lo = np.searchsorted(keys, base + day0 + k - window, side="left")
        past[:, k] = hi - lo
    return np.maximum(recency, 1), past


def _day_number(ts) -> np.ndarray:
    """Days since 1970-01-01 of timestamps (floor)."""
    values = pd.to_datetime(ts).astype("datetime64[ns]")
    ns = np.asarray(values, dtype="datetime64[ns]").view(np.int64)
    return np.floor_divide(ns, _DAY_NS)


def _state(data: DemoData, day: np.ndarray, opp_index: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """Everything the hidden model needs about the given cards at the start of the given days."""
    opps = data.tables["opportunities"]
    hidden = data.truth["opportunities"].set_index("opportunity_id").loc[opps["opportunity_id"].to_numpy()[opp_index]]
    inter = data.tables["interactions"]
    linked = inter["customer_id"].notna().to_numpy()
    codes, _ = pd.factorize(pd.concat([opps["customer_id"].iloc[opp_index], inter["customer_id"][linked]],
                                            ignore_index=True))
    opp_code = codes[:len(opp_index)]
    keys = _contact_keys(codes[len(opp_index):], _day_number(inter["occurred_at"][linked]))
    recency, past = _recency_and_window(keys, opp_code, day, horizon, CLOSE_MODEL.window_days)
    # stage at the start of the day: the last stage entered on an earlier day
    st = data.truth["opportunity_stages"]
    st_code = pd.Index(opps["opportunity_id"].to_numpy()[opp_index]).get_indexer(st["opportunity_id"])
    ok = st_code >= 0
    st_key = st_code[ok].astype(np.int64) * (1 << 32) + _day_number(st["entered_at"])[ok]
    by_key = np.argsort(st_key, kind="stable")
    st_key = st_key[by_key]
    st_val = st["stage"].map({s: i for i, s in enumerate(_STAGES)}).to_numpy()[ok][by_key]
    pos = np.searchsorted(st_key, np.arange(len(opp_index), dtype=np.int64) * (1 << 32) + day, side="left") - 1
    stage = st_val[np.maximum(pos, 0)] if len(st_val) else np.zeros(len(opp_index), np.int64)
    rate = data.truth["customers"].set_index("customer_id")["contact_rate"]
    return {
        "stage": stage.astype(np.int64),
        "recency": recency,
        "past": past,
        "base_won": hidden["base_logit_won"].to_numpy(float),
        "base_lost": hidden["base_logit_lost"].to_numpy(float),
        "contact_prob": hidden["contact_prob"].to_numpy(float),
        "contact_rate": rate.loc[opps["customer_id"].to_numpy()[opp_index]].to_numpy(float),
    }


def _open_at(data: DemoData, as_of) -> tuple[pd.Timestamp, np.ndarray]:
    """The moment the ``as_of`` day ends (the model's day starts then) and the cards open at it."""
    as_of = as_of_day(data.as_of if as_of is None else as_of)
    if as_of > data.as_of:
        raise ValueError(f"as_of {as_of.date()} is after the end of the data ({data.as_of.date()})")
    day_ts = end_of(as_of)
    opps = data.tables["opportunities"]
    open_ = (opps["created_at"] < day_ts) & (opps["closed_at"].isna() | (opps["closed_at"] >= day_ts))
    return day_ts, np.flatnonzero(open_.to_numpy())


def true_close_probability(data: DemoData, *, as_of=None, horizon_days: int = 30, n_paths: int = 128,
                           seed: int | None = None) -> pd.Series:
    """The hidden model's probability that each card open at the end of ``as_of`` is won within
    the next ``horizon_days`` days.

    ``as_of`` is a calendar day, as everywhere in crmkit (``crmkit.timeframe``; default: the
    data set's last day, ``data.as_of``): interactions, stage moves and closings dated on or
    before it are known, the close draws of the days after it are the future. Returns a Series
    indexed by opportunity_id (cards open at the end of ``as_of``), named ``p_won``. The
    estimate is deterministic for a given data set, date, horizon and ``n_paths``.

    >>> from crmkit.demo import generate
    >>> data = generate(300, seed=2)
    >>> p = true_close_probability(data, as_of="2026-05-31")
    >>> bool(((p >= 0) & (p <= 1)).all())
    True
    """
    day_ts, idx = _open_at(data, as_of)
    ids = data.tables["opportunities"]["opportunity_id"].to_numpy()[idx]
    day = np.full(len(idx), _day_number(pd.Series([day_ts]))[0])
    if seed is None:
        seed = int(data.truth["params"]["seed"].iloc[0])
    rng = np.random.default_rng([seed, int(day[0]) if len(day) else 0, horizon_days, n_paths])
    p = _probability(data, idx, day, horizon_days, n_paths, rng)
    return pd.Series(p, index=pd.Index(ids, name="opportunity_id"), name="p_won")


def _probability(data, idx, day, horizon, n_paths, rng) -> np.ndarray:
    s = _state(data, day, idx, horizon)
    return _win_probability(s["stage"], s["recency"], s["past"], s["base_won"], s["base_lost"], s["contact_prob"],
                            s["contact_rate"], horizon, n_paths, rng)


def _probability_at_creation(data: DemoData, rng: np.random.Generator) -> np.ndarray:
    """P(won within 30 days) at the midnight after each card was opened."""
    opps = data.tables["opportunities"]
    idx = np.arange(len(opps))
    day = _day_number(opps["created_at"]) + 1
    # fewer paths for very large sets keeps generate() fast; the error stays near 0.02
    n_paths = int(np.clip(2_000_000 // max(len(idx), 1), 16, 128))
    return _probability(data, idx, day, 30, n_paths, rng)


def opportunity_state(data: DemoData, *, as_of=None) -> pd.DataFrame:
    """What a CRM showed about each card open at the end of the ``as_of`` day: the observable state.

    ``as_of`` is a calendar day (default: ``data.as_of``). Columns: customer_id, rep, stage (from
    the stage path in ``truth``), intent_grade, expected_amount, created_at, age_days (days from
    the card's opening to ``as_of``), days_since_contact (days from the customer's last
    interaction on or before ``as_of`` to it), contacts_30d (the customer's interactions on the 30
    days ending with ``as_of``). Indexed by opportunity_id; day counts as in
    ``crmkit.close.opportunity_features``.
    """
    day_ts, idx = _open_at(data, as_of)
    day = np.full(len(idx), _day_number(pd.Series([day_ts]))[0])
    s = _state(data, day, idx, 1)
    opps = data.tables["opportunities"].iloc[idx]
    out = pd.DataFrame({
        "customer_id": opps["customer_id"].to_numpy(),
        "rep": opps["rep"].to_numpy(),
        "stage": np.array(_STAGES, dtype=object)[s["stage"]],
        "intent_grade": opps["intent_grade"].to_numpy(),
        "expected_amount": opps["expected_amount"].to_numpy(),
        "created_at": opps["created_at"].to_numpy(),
        # the hidden model counts days from the start of the next day (day_ts); a CRM, to the as_of day
        "age_days": (day_ts - opps["created_at"].dt.normalize()).dt.days.to_numpy() - 1,
        "days_since_contact": s["recency"] - 1,
        "contacts_30d": s["past"][:, 0],
    }, index=pd.Index(opps["opportunity_id"].to_numpy(), name="opportunity_id"))
    return out
