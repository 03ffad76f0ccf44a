"""The hidden close process of opportunities: its coefficients, the daily hazards, and the
day-by-day simulation over the history (:mod:`crmkit.demo.truth` runs it forward from a date).

Opportunities: the hidden close process
---------------------------------------
Each prospect card (opportunity) lives in whole days. A customer has at most one open card at a
time; the next one is opened some weeks after the previous one closes. On each day ``d`` after
the day a card was opened, in this order:

1. **Close?** With ``R`` = days since the customer's last interaction (any channel, any
   reason; ``R >= 1``) and ``F`` = the customer's interactions on the 30 days before ``d``::

       logit h_won  = -7.3 + stage_won[stage]  - 0.55 log R + 0.55 log(1 + F) + fit + rep_skill
       logit h_lost = -6.5 + stage_lost[stage] + 0.40 log R - 0.30 log(1 + F) - 0.5 fit
                      + 0.4 [a competitor is named]
       stage:        contacted  quoted  proposal  negotiation  contract
       stage_won        0        0.9      1.7        2.4         3.1
       stage_lost       0        0       -0.1       -0.2        -0.3

   (both scaled down together should they sum above 0.95). One uniform draw ``U`` decides:
   won if ``U < h_won``, lost if ``h_won <= U < h_won + h_lost``. ``fit ~ N(0, 1)`` is the
   prospect's hidden fit and ``rep_skill ~ N(0, 0.3)`` the rep's (``truth["opportunities"]``
   holds them, already summed into ``base_logit_won`` / ``base_logit_lost``). The won hazard
   falls and the lost hazard rises with ``R``, and the reverse with ``F``, so the probability of
   winning within any horizon falls with recency and rises with frequency.
2. **Contacts.** The rep follows up with probability ``contact_prob`` (from the rep's grade of
   the card and the rep's diligence); a follow-up moves the card one stage on with probability
   ``advance[stage] = (0.25, 0.22, 0.20, 0.16, 0)``. Independently the customer has
   ``Poisson(contact_rate)`` other interactions that day (upkeep visits, calls, walk-ins;
   ``truth["customers"]["contact_rate"]``). A won card is signed at a visit that day, a lost
   one sometimes gets a closing call; those come after the decision.

A new card starts at stage contacted (a quarter at quoted) with an interaction on its first day.
The rep's ``intent_grade`` (O/A/B/C) is a noisy, optimistic reading of stage and fit made when the
card is filled, and stays as filled. The card's ``obstacle`` (合作障碍) shows the fit in three
steps: none when fit > 0.6, a detail (交期, 售后, 技术参数) above −0.4, a serious one (价格,
预算, 审批, 现有供应商, 付款) below. The table's ``stage`` is the last one (``contract`` for won
cards); the day-by-day path is in ``truth["opportunity_stages"]`` (what a CRM's change history
would show). Over the default history about 40 % of cards are won, 40 % lost and 20 % still
open at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import schema
from .reps_and_customers import _Customers, _Reps
from .timeline import _NAT, _Timeline
from .vector_helpers import _rank_in_group, _sigmoid
from .vocabulary import _PRODUCTS


@dataclass(frozen=True)
class CloseModel:
    """Coefficients of the hidden opportunity process (see the module docstring)."""

    intercept_won: float = -7.3
    stage_won: tuple[float, ...] = (0.0, 0.9, 1.7, 2.4, 3.1)
    recency_won: float = -0.55  # per log(days since last contact)
    frequency_won: float = 0.55  # per log(1 + contacts in the last 30 days)
    intercept_lost: float = -6.5
    stage_lost: tuple[float, ...] = (0.0, 0.0, -0.1, -0.2, -0.3)
    recency_lost: float = 0.40
    frequency_lost: float = -0.30
    fit_lost: float = -0.5
    competitor_lost: float = 0.4
    advance: tuple[float, ...] = (0.25, 0.22, 0.20, 0.16, 0.0)
    window_days: int = 30
    max_total_hazard: float = 0.95


CLOSE_MODEL = CloseModel()


_STAGES = list(schema.STAGES)  # contacted, quoted, proposal, negotiation, contract
_GRADES = list(schema.INTENT_GRADES)  # O, A, B, C


def _hazards(stage, recency, frequency, base_won, base_lost):
    """Daily won and lost hazards; the one function both the simulation and the truth use."""
    model = CLOSE_MODEL
    lr = np.log(recency)
    lf = np.log1p(frequency)
    zw = base_won + np.asarray(model.stage_won)[stage] + model.recency_won * lr + model.frequency_won * lf
    zl = base_lost + np.asarray(model.stage_lost)[stage] + model.recency_lost * lr + model.frequency_lost * lf
    hw = _sigmoid(zw)
    hl = _sigmoid(zl)
    scale = np.minimum(1.0, model.max_total_hazard / (hw + hl))
    return hw * scale, hl * scale


def _base_logits(fit, rep_skill, has_competitor):
    model = CLOSE_MODEL
    base_won = model.intercept_won + fit + rep_skill
    base_lost = model.intercept_lost + model.fit_lost * fit + model.competitor_lost * has_competitor
    return base_won, base_lost


@dataclass
class _Slots:
    """Potential opportunities: each customer's cards, opened one after another."""

    cust: np.ndarray
    next: np.ndarray  # the customer's next slot, -1 if none
    first: np.ndarray  # first slot of its customer
    create_day: np.ndarray  # scheduled day (big = not yet scheduled)
    stage0: np.ndarray
    fit: np.ndarray
    rep: np.ndarray
    competitor: np.ndarray
    grade: np.ndarray  # index into _GRADES
    product: np.ndarray  # index into _PRODUCTS
    contact_prob: np.ndarray
    base_won: np.ndarray
    base_lost: np.ndarray


_UNSCHEDULED = np.iinfo(np.int64).max // 4


def _make_slots(rng: np.random.Generator, cust: _Customers, reps: _Reps) -> _Slots:
    n = len(cust.created_t)
    wants = np.where(rng.random(n) < 0.62, 1 + np.minimum(rng.poisson(0.5, n), 4), 0)
    wants[cust.ctype == "supplier"] = 0  # nobody sells to their own suppliers here
    c = np.repeat(np.arange(n), wants)
    rank = _rank_in_group(wants)
    m = len(c)
    nxt = np.where(rank < wants[c] - 1, np.arange(m) + 1, -1)
    # the card is often filled at the first contact, else some weeks later
    delay = np.where(rng.random(m) < 0.45, 0, np.ceil(rng.exponential(30.0, m))).astype(np.int64)
    create = np.where(rank == 0, cust.created_day[c] + delay, _UNSCHEDULED)
    stage0 = np.where(rng.random(m) < 0.75, 0, 1)
    fit = rng.normal(0.0, 1.0, m)
    rep = np.where(rng.random(m) < 0.85, cust.owner[c], rng.integers(0, len(reps.name), m))
    competitor = rng.random(m) < 0.4
    # the rep's grade: an optimistic, noisy reading of stage and fit against the form's
    # thresholds (O > 75 %, A > 50 %, B > 25 %)
    seen = _sigmoid(np.asarray(CLOSE_MODEL.stage_won)[stage0] + fit + rng.normal(0, 0.7, m) - 0.5)
    grade = np.select([seen > 0.75, seen > 0.5, seen > 0.25], [0, 1, 2], default=3)
    # follow-up frequency depends on the grade, as the 三表一卡 rules ask
    every = np.array([6.0, 9.0, 15.0, 24.0])[grade]
    contact_prob = np.minimum(0.5, reps.diligence[rep] / every)
    base_won, base_lost = _base_logits(fit, reps.skill[rep], competitor)
    product = np.where(rng.random(m) < 0.6, cust.favourite[c], rng.integers(0, len(_PRODUCTS), m))
    return _Slots(cust=c, next=nxt, first=rank == 0, create_day=create, stage0=stage0, fit=fit, rep=rep,
                  competitor=competitor, grade=grade, product=product, contact_prob=contact_prob,
                  base_won=base_won, base_lost=base_lost)


@dataclass
class _Pipeline:
    status: np.ndarray  # 0 never opened, 1 open at the end, 2 won, 3 lost
    open_day: np.ndarray
    stage: np.ndarray
    close_day: np.ndarray
    recency_at_close: np.ndarray
    contact_slot: np.ndarray  # contacts made by the card process
    contact_day: np.ndarray
    contact_kind: np.ndarray  # 0 opened, 1 follow-up, 2 stage moved on, 3 signed (won), 4 closing call (lost)
    contact_stage: np.ndarray  # stage after the contact
    hist_slot: np.ndarray  # stage path
    hist_stage: np.ndarray
    hist_day: np.ndarray


_KIND_OPEN, _KIND_FOLLOW, _KIND_ADVANCE, _KIND_WON, _KIND_LOST = range(5)


def _simulate_pipeline(rng: np.random.Generator, tl: _Timeline, slots: _Slots, n_customers: int,
                       other_cust: np.ndarray, other_day: np.ndarray) -> _Pipeline:
    """Run the hidden close process day by day over all open cards at once.

    ``other_cust/other_day`` are the customers' interactions made outside the card process
    (first contacts, maintenance), sorted by day: they count towards recency and frequency.
    """
    model = CLOSE_MODEL
    m = len(slots.cust)
    window = model.window_days
    advance = np.asarray(model.advance)
    status = np.zeros(m, np.int8)
    stage = slots.stage0.astype(np.int64).copy()
    close_day = np.full(m, _NAT, np.int64)
    rec_close = np.zeros(m, np.int64)
    create_day = slots.create_day.copy()
    last = np.full(n_customers, -(10**9), np.int64)  # day of the customer's last interaction
    ring = np.zeros((window, n_customers), np.int32)  # interactions per customer on the last `window` days
    freq = np.zeros(n_customers, np.int64)
    bounds = np.searchsorted(other_day, np.arange(tl.n_days + 1))
    active = np.zeros(0, np.int64)
    out_slot, out_day, out_kind, out_stage = [], [], [], []
    hist_slot, hist_stage, hist_day = [], [], []

    def record(slot_idx, day, kind, stg):
        out_slot.append(slot_idx)
        out_day.append(np.full(len(slot_idx), day))
        out_kind.append(np.full(len(slot_idx), kind, np.int8))
        out_stage.append(stg)

    for d in range(tl.n_days):
        touched = []
        if len(active):
            c = slots.cust[active]
            rec = d - last[c]
            hw, hl = _hazards(stage[active], rec, freq[c], slots.base_won[active], slots.base_lost[active])
            u = rng.random(len(active))
            won = u < hw
            lost = ~won & (u < hw + hl)
            closed = won | lost
            if closed.any():
                w_idx, l_idx = active[won], active[lost]
                status[w_idx], status[l_idx] = 2, 3
                close_day[active[closed]] = d
                rec_close[active[closed]] = rec[closed]
                moved = w_idx[stage[w_idx] != len(_STAGES) - 1]
                stage[w_idx] = len(_STAGES) - 1  # a won card ends at 合同签约
                hist_slot.append(moved)
                hist_stage.append(stage[moved])
                hist_day.append(np.full(len(moved), d))
                record(w_idx, d, _KIND_WON, stage[w_idx])
                called = l_idx[rng.random(len(l_idx)) < 0.4]
                record(called, d, _KIND_LOST, stage[called])
                touched += [slots.cust[w_idx], slots.cust[called]]
                nxt = slots.next[active[closed]]
                nxt = nxt[nxt >= 0]
                create_day[nxt] = d + 7 + np.ceil(rng.exponential(90.0, len(nxt))).astype(np.int64)
                active = active[~closed]
        # the day leaving the frequency window
        slot = d % window
        freq -= ring[slot]
        ring[slot] = 0
        if len(active):
            v = rng.random(len(active))
            pi = slots.contact_prob[active]
            st = stage[active]
            contact = v < pi
            moves = (v < pi * advance[st]) & (st < len(_STAGES) - 1)
            mv = active[moves]
            stage[mv] += 1
            hist_slot.append(mv)
            hist_stage.append(stage[mv])
            hist_day.append(np.full(len(mv), d))
            fu = active[contact & ~moves]
            record(fu, d, _KIND_FOLLOW, stage[fu])
            record(mv, d, _KIND_ADVANCE, stage[mv])
            touched.append(slots.cust[active[contact]])
        touched.append(other_cust[bounds[d]:bounds[d + 1]])
        new = np.flatnonzero(create_day == d)
        if len(new):
            status[new] = 1
            hist_slot.append(new)
            hist_stage.append(stage[new])
            hist_day.append(np.full(len(new), d))
            record(new, d, _KIND_OPEN, stage[new])
            touched.append(slots.cust[new])
            active = np.concatenate([active, new])
        if touched:
            tc = np.concatenate(touched)
            np.add.at(ring[slot], tc, 1)
            np.add.at(freq, tc, 1)
            last[tc] = d

    def cat(parts, dtype):
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    return _Pipeline(
        status=status, open_day=np.where(status > 0, create_day, _NAT), stage=stage, close_day=close_day,
        recency_at_close=rec_close,
        contact_slot=cat(out_slot, np.int64), contact_day=cat(out_day, np.int64),
        contact_kind=cat(out_kind, np.int8), contact_stage=cat(out_stage, np.int64),
        hist_slot=cat(hist_slot, np.int64), hist_stage=cat(hist_stage, np.int64),
        hist_day=cat(hist_day, np.int64),
    )
