"""The interactions table: each customer's first recorded contact, relationship upkeep, the
contacts the card process made, and anonymous walk-ins and call-ins.

Interactions of known customers carry ``left_contact = True`` (their details are on file); for
anonymous walk-ins and call-ins (no ``customer_id``) it says whether the visitor left a number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .pipeline import (
    _KIND_ADVANCE,
    _KIND_FOLLOW,
    _KIND_LOST,
    _KIND_OPEN,
    _KIND_WON,
    _STAGES,
    _Pipeline,
    _Slots,
)
from .reps_and_customers import _Customers, _Reps
from .timeline import _NAT, _Timeline
from .vector_helpers import _cat, _draw, _ids, _pick, _pick_text
from .vocabulary import (
    _INTERACTION_NOTES,
    _LOST_REASONS,
    _LOST_RESULT,
    _PRODUCTS,
    _SOURCE_CHANNEL,
    _TEXT_ADVANCE,
    _TEXT_ANON,
    _TEXT_CREATE,
    _TEXT_FIRST,
    _TEXT_FOLLOW,
    _TEXT_MAINTAIN,
)


@dataclass
class _Rows:
    """Interaction rows under construction, one array per column."""

    cust: np.ndarray  # customer index, -1 anonymous
    t: np.ndarray  # continuous days
    channel: np.ndarray
    rep: np.ndarray
    purpose: np.ndarray
    result: np.ndarray
    next_step: np.ndarray
    left_contact: np.ndarray
    order: np.ndarray  # tie-break within the same minute

    @staticmethod
    def concat(parts: list[_Rows]) -> _Rows:
        return _Rows(*[np.concatenate([getattr(p, f) for p in parts]) for f in _Rows.__dataclass_fields__])


def _first_contacts(rng, cust: _Customers, idx: np.ndarray) -> _Rows:
    """Each customer's first recorded interaction, the one that created the record."""
    n = len(idx)
    channel = pd.Series(cust.source[idx], dtype=object).map(_SOURCE_CHANNEL).to_numpy(dtype=object)
    purpose, result, nxt = (np.empty(n, dtype=object) for _ in range(3))
    for ch, (pp, rr, nn) in _TEXT_FIRST.items():  # a loop over five channels
        mk = channel == ch
        k = int(mk.sum())
        purpose[mk], result[mk], nxt[mk] = _pick(rng, pp, k), _pick(rng, rr, k), _pick(rng, nn, k)
    return _Rows(cust=idx, t=cust.created_t[idx], channel=channel, rep=cust.owner[idx], purpose=purpose,
                 result=result, next_step=nxt, left_contact=np.ones(n, bool), order=np.zeros(n, np.int8))


def _maintenance(rng, tl: _Timeline, cust: _Customers, rate: np.ndarray, reps: _Reps) -> _Rows:
    """Relationship upkeep: a Poisson process per customer from creation to the end."""
    exposure = tl.n_days - cust.created_t
    counts = rng.poisson(rate * exposure)
    c = np.repeat(np.arange(len(rate)), counts)
    t = cust.created_t[c] + rng.random(len(c)) * exposure[c]
    n = len(c)
    channel = _draw(rng, (("visit", 0.28), ("phone", 0.30), ("wechat", 0.26), ("email", 0.07), ("event", 0.03),
                          ("walk_in", 0.04), ("call_in", 0.02)), n)
    rep = np.where(rng.random(n) < 0.9, cust.owner[c], rng.integers(0, len(reps.name), n))
    p, r, s = _TEXT_MAINTAIN
    return _Rows(cust=c, t=t, channel=channel, rep=rep, purpose=_pick(rng, p, n), result=_pick(rng, r, n),
                 next_step=_pick_text(rng, s, n, p_none=0.5), left_contact=np.ones(n, bool),
                 order=np.ones(n, np.int8))


def _card_contacts(rng, cust: _Customers, slots: _Slots, pipe: _Pipeline, lost_reason: np.ndarray) -> _Rows:
    """The interactions the card process made: openings, follow-ups, stage moves, closings."""
    s = pipe.contact_slot
    kind = pipe.contact_kind
    n = len(s)
    c = slots.cust[s]
    t = pipe.contact_day + rng.random(n)
    product = np.array([p for p, _, _ in _PRODUCTS], dtype=object)
    channel = _draw(rng, (("visit", 0.32), ("phone", 0.30), ("wechat", 0.28), ("email", 0.05), ("walk_in", 0.03),
                          ("call_in", 0.02)), n)
    purpose, result, nxt = (np.empty(n, dtype=object) for _ in range(3))
    fu = kind == _KIND_FOLLOW
    purpose[fu], result[fu] = _pick(rng, _TEXT_FOLLOW[0], fu.sum()), _pick(rng, _TEXT_FOLLOW[1], fu.sum())
    nxt[fu] = _pick_text(rng, _TEXT_FOLLOW[2], int(fu.sum()), p_none=0.3)
    for st, (pp, rr, nn) in _TEXT_ADVANCE.items():
        mk = (kind == _KIND_ADVANCE) & (pipe.contact_stage == _STAGES.index(st))
        purpose[mk], result[mk], nxt[mk] = pp, rr, nn
    adv = kind == _KIND_ADVANCE
    channel[adv] = _draw(rng, (("visit", 0.6), ("email", 0.15), ("wechat", 0.15), ("phone", 0.1)), int(adv.sum()))
    op = kind == _KIND_OPEN
    purpose[op] = _pick(rng, _TEXT_CREATE[0], int(op.sum()))
    result[op] = _cat("客户有", product[slots.product[s[op]]], "采购意向") if op.any() else result[op]
    nxt[op] = _pick(rng, _TEXT_CREATE[1], int(op.sum()))
    # a card opened on the day the customer was created is opened at that first contact
    first_day = op & slots.first[s] & (pipe.contact_day == cust.created_day[c])
    channel[first_day] = pd.Series(cust.source[c[first_day]], dtype=object).map(_SOURCE_CHANNEL).to_numpy(dtype=object)
    t[first_day] = cust.created_t[c[first_day]]
    won = kind == _KIND_WON
    channel[won], purpose[won], result[won], nxt[won] = "visit", "签订合同", "合同已签订，安排交付", "安排交付及安装"
    lo = kind == _KIND_LOST
    channel[lo] = _pick(rng, ("phone", "wechat"), int(lo.sum()))
    purpose[lo] = "项目回访"
    result[lo] = np.array([_LOST_RESULT[r] for r in _LOST_REASONS], dtype=object)[lost_reason[s[lo]]]
    rep = slots.rep[s]
    order = np.where(won | lo, 3, np.where(op, 0, 2)).astype(np.int8)
    return _Rows(cust=c, t=t, channel=channel, rep=rep, purpose=purpose, result=result, next_step=nxt,
                 left_contact=np.ones(n, bool), order=order)


def _anonymous(rng, tl: _Timeline, n: int, reps: _Reps) -> _Rows:
    """Walk-ins and call-ins who left no record (or only a phone number, not yet entered)."""
    days = np.arange(tl.n_days)
    weekday = (tl.start.day_of_week + days) % 7
    w = np.where(weekday >= 5, 1.6, 1.0) * (0.6 + 0.8 * days / max(tl.n_days, 1))  # weekends, growth
    d = rng.choice(tl.n_days, size=n, p=w / w.sum())
    t = d + rng.random(n)
    channel = np.where(rng.random(n) < 0.6, "walk_in", "call_in").astype(object)
    left = rng.random(n) < 0.25
    purpose, result = np.empty(n, dtype=object), np.empty(n, dtype=object)
    for ch, (pp, rr) in _TEXT_ANON.items():
        mk = channel == ch
        purpose[mk] = _pick(rng, pp, int(mk.sum()))
        result[mk] = np.where(left[mk], rr[2], _pick(rng, rr[:2], int(mk.sum())))
    nxt = np.where(left, "电话回访", None).astype(object)
    return _Rows(cust=np.full(n, -1), t=t, channel=channel, rep=rng.integers(0, len(reps.name), n),
                 purpose=purpose, result=result, next_step=nxt, left_contact=left, order=np.zeros(n, np.int8))


def _interactions_frame(rng, tl: _Timeline, rows: _Rows, cust_ids: np.ndarray, reps: _Reps) -> pd.DataFrame:
    order = np.lexsort((rows.order, rows.t))
    r = _Rows(*[getattr(rows, f)[order] for f in _Rows.__dataclass_fields__])
    n = len(r.t)
    occurred = tl.stamps(r.t)
    day = np.floor(r.t).astype(np.int64)
    has_next = pd.notna(r.next_step)
    next_day = np.where(has_next, day + rng.integers(2, 15, n), _NAT)
    notes = _pick_text(rng, _INTERACTION_NOTES, n, p_none=0.94)
    frame = pd.DataFrame({
        "interaction_id": _ids("I", n, 7),
        "customer_id": np.where(r.cust >= 0, cust_ids[np.maximum(r.cust, 0)], None),
        "occurred_at": occurred,
        "channel": r.channel,
        "rep": reps.name[r.rep],
        "purpose": r.purpose,
        "result": r.result,
        "next_step": r.next_step,
        "next_date": tl.dates(next_day),
        "left_contact": r.left_contact.astype(bool),
        "notes": notes,
    })
    return frame
