"""The record tables other than interactions, as DataFrames: opportunities, orders,
settlements, complaints, contacts, profile facts and customers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from .people_and_companies import _addresses, _mobiles, _people, _personal_emails
from .pipeline import _GRADES, _STAGES, _Pipeline, _Slots
from .purchases import _Purchases
from .reps_and_customers import _Customers, _Reps
from .timeline import _Timeline
from .visits import no_visit_times
from .vector_helpers import (
    _cat,
    _digits,
    _draw,
    _ids,
    _pick,
    _pick_text,
    _rank_in_group,
    _row_choice,
)
from .vocabulary import (
    _COMPETITORS,
    _COMPLAINT_CATEGORIES,
    _COMPLAINT_CHANNELS,
    _COMPLAINT_TEXT,
    _CREDIT_FACT_GRAVITY,
    _CREDIT_FACT_QUIET,
    _CREDIT_FACT_RATE,
    _CREDIT_FACT_TEXT,
    _LOST_REASONS,
    _DETAIL_OBSTACLES,
    _OBSTACLES,
    _SERIOUS_OBSTACLES,
    _ORG_FORMS,
    _PRODUCTS,
    _PROFILE_FACTS,
    _TAG_NOTES,
    _TITLES,
    REGIONS,
)

# --------------------------------------------------------------------------------------------
# Opportunities
# --------------------------------------------------------------------------------------------


def _lost_reasons(rng, slots: _Slots, pipe: _Pipeline) -> np.ndarray:
    """Why each lost card was lost, leaning on what was true when it was lost."""
    m = len(slots.cust)
    w = np.tile(np.array([3.0, 1.0, 1.5, 1.0, 1.5, 0.7]), (m, 1))  # 价格 竞品 预算取消 无回应 需求变化 决策层否决
    w[:, 1] += 6.0 * slots.competitor
    w[:, 0] += 2.0 * (pipe.stage >= 3)
    w[:, 3] += 5.0 * (pipe.recency_at_close > 21)
    w[:, 2] += 1.0 * (pipe.stage <= 1)
    w[:, 4] += 1.0 * (pipe.stage <= 1)
    return _row_choice(rng, w)


def _opportunity_frames(rng, tl: _Timeline, cust: _Customers, cust_ids: np.ndarray, reps: _Reps,
                        slots: _Slots, pipe: _Pipeline, lost_reason: np.ndarray):
    made = np.flatnonzero(pipe.status > 0)
    made = made[np.lexsort((made, pipe.open_day[made]))]
    n = len(made)
    ids = _ids("O", n, 7)
    c = slots.cust[made]
    prod_idx = slots.product[made]
    products = np.array([p for p, _, _ in _PRODUCTS], dtype=object)
    prices = np.array([p for _, p, _ in _PRODUCTS], dtype=float)
    created = pipe.open_day[made]
    grade = slots.grade[made]
    qty = np.maximum(1, np.round(np.exp(rng.normal(1.2, 0.9, n))))
    expected_amount = np.round(prices[prod_idx] * qty * rng.uniform(0.85, 1.1, n), -2)
    horizon = np.array([20.0, 45.0, 80.0, 130.0])[grade] * np.exp(rng.normal(0, 0.3, n))
    status = np.array(["", "open", "won", "lost"], dtype=object)[pipe.status[made]]
    lost = status == "lost"
    frame = pd.DataFrame({
        "opportunity_id": ids,
        "customer_id": cust_ids[c],
        "title": _cat(cust.short[c], products[prod_idx], _pick(rng, ("采购项目", "项目", "升级项目", "更新换代"), n)),
        "product": products[prod_idx],
        "stage": np.array(_STAGES, dtype=object)[pipe.stage[made]],
        "intent_grade": np.array(_GRADES, dtype=object)[grade],
        "expected_amount": expected_amount,
        "expected_close": tl.dates(created + np.round(horizon).astype(np.int64)),
        "competitor": np.where(slots.competitor[made], _pick(rng, _COMPETITORS, n), None),
        "obstacle": _obstacles(_pick_text(rng, _OBSTACLES, n, p_none=0.4), slots.fit[made]),
        "created_at": tl.dates(created),
        "status": status,
        "closed_at": tl.dates(pipe.close_day[made]),
        "lost_reason": np.where(lost, np.array(_LOST_REASONS, dtype=object)[lost_reason[made]], None),
        "rep": reps.name[slots.rep[made]],
    })
    slot_to_id = np.full(len(slots.cust), None, dtype=object)
    slot_to_id[made] = ids
    return frame, slot_to_id, made


def _obstacles(picked: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """The card's 合作障碍 as a rep records it: none for a good fit, a detail for a middling one,
    a serious one for a poor fit. The random pick only chooses which text (and keeps the
    random stream, and so every other column, as it was)."""
    which = np.array([_OBSTACLES.index(v) if v in _OBSTACLES else 0 for v in picked])
    serious = np.array(_SERIOUS_OBSTACLES, dtype=object)[which % len(_SERIOUS_OBSTACLES)]
    detail = np.array(_DETAIL_OBSTACLES, dtype=object)[which % len(_DETAIL_OBSTACLES)]
    return np.where(fit > 0.6, None, np.where(fit > -0.4, detail, serious))


# --------------------------------------------------------------------------------------------
# Orders, settlements, complaints, contacts, profile
# --------------------------------------------------------------------------------------------


def _orders_frame(rng, tl, cust: _Customers, cust_ids, reps: _Reps, pur: _Purchases):
    order = np.argsort(pur.order_t, kind="stable")
    c = pur.order_cust[order]
    t = pur.order_t[order]
    amount = pur.order_amount[order]
    n = len(c)
    products = np.array([p for p, _, _ in _PRODUCTS], dtype=object)
    prices = np.array([p for _, p, _ in _PRODUCTS], dtype=float)
    margins = np.array([m for _, _, m in _PRODUCTS], dtype=float)
    prod = np.where(rng.random(n) < 0.6, cust.favourite[c], rng.integers(0, len(products), n))
    qty = np.maximum(1, np.round(amount / prices[prod] * np.exp(rng.normal(0, 0.2, n)))).astype(np.int64)
    rate = np.clip(margins[prod] + rng.normal(0, 0.06, n), -0.08, 0.85)  # a few sold at a loss
    frame = pd.DataFrame({
        "order_id": _ids("S", n, 7),
        "customer_id": cust_ids[c],
        "ordered_at": tl.stamps(t),
        "amount": amount,
        "gross_margin": np.round(amount * rate, 2) + 0.0,
        "product": products[prod],
        "quantity": qty,
        "rep": reps.name[np.where(rng.random(n) < 0.9, cust.owner[c], rng.integers(0, len(reps.name), n))],
    })
    return frame, c, t


def _settlements_frame(rng, tl, cust: _Customers, cust_ids, reps: _Reps, credit: np.ndarray,
                       terms_days: np.ndarray, order_cust, order_t, amount):
    pick = rng.random(len(order_cust)) < 0.85  # the rest were paid in cash at the counter
    c = order_cust[pick]
    n = len(c)
    settled = np.minimum(np.floor(order_t[pick]).astype(np.int64) + rng.integers(0, 8, n), tl.n_days - 1)
    receivable = amount[pick]
    due = settled + terms_days[c]
    # days after the due date until payment, by the customer's hidden credit class
    late = np.select(
        [credit[c] == "good", credit[c] == "fair", credit[c] == "poor"],
        [rng.normal(-3, 6, n), rng.exponential(20, n), rng.exponential(60, n)],
        default=np.where(rng.random(n) < 0.5, np.inf, rng.exponential(120, n)),
    )
    paid_day = due + late
    paid = paid_day < tl.n_days
    partial_share = np.round(rng.uniform(0.2, 0.95, n), 2)
    received = np.where(
        paid,
        # a few short-paid, a dispute never settled: not by good payers
        np.where((rng.random(n) < 0.05) & (credit[c] != "good"), receivable * partial_share, receivable),
        np.where(rng.random(n) < 0.25, receivable * partial_share * 0.6, 0.0),  # some paid on account
    )
    received = np.minimum(np.round(received, 2), receivable)
    order = np.argsort(settled, kind="stable")
    handler = np.where(rng.random(n) < 0.7, cust.owner[c], rng.integers(0, len(reps.name), n))
    receivable, received = receivable[order], received[order]
    # the day the money came in; not billed before it (a prepayment is dated the day it was billed)
    paid_at = np.where(paid, np.maximum(np.floor(np.where(paid, paid_day, 0)).astype(np.int64), settled), -1)[order]
    return pd.DataFrame({
        "settlement_id": _ids("R", n, 7),
        "customer_id": cust_ids[c[order]],
        "settled_at": tl.dates(settled[order]),
        "receivable": receivable,
        "received": received,
        "outstanding": np.round(receivable - received, 2) + 0.0,
        "due_date": tl.dates(due[order]),
        "paid_at": np.where(paid_at >= 0, tl.dates(np.maximum(paid_at, 0)), np.datetime64("NaT")),
        "handler": reps.name[handler[order]],
    })


def _complaints_frame(rng, tl, cust: _Customers, cust_ids, reps: _Reps, orders: pd.DataFrame,
                      order_cust, order_t):
    hit = rng.random(len(order_cust)) < 0.02
    c = order_cust[hit]
    t = order_t[hit] + rng.exponential(20.0, int(hit.sum()))
    keep = t < tl.n_days
    c, t = c[keep], t[keep]
    product = orders["product"].to_numpy()[hit][keep]
    order = np.argsort(t, kind="stable")
    c, t, product = c[order], t[order], product[order]
    n = len(c)
    category = _draw(rng, _COMPLAINT_CATEGORIES, n)
    content, resolution = np.empty(n, dtype=object), np.empty(n, dtype=object)
    for cat, (templates, fixes) in _COMPLAINT_TEXT.items():  # a loop over five categories
        mk = category == cat
        k = int(mk.sum())
        ti = rng.integers(0, len(templates), k)
        pre = np.array([a for a, _ in templates], dtype=object)[ti]
        post = np.array([b for _, b in templates], dtype=object)[ti]
        content[mk] = _cat(pre, product[mk], post)
        resolution[mk] = _pick(rng, fixes, k)
    handler = np.where(rng.random(n) < 0.6, cust.owner[c], rng.integers(0, len(reps.name), n))
    # right-skewed time to resolve: median about a day and a half, weeks in the tail;
    # repairs take longer, and some handlers are slower than others
    slow = np.where(category == "售后维修", 2.0, 1.0) * reps.speed[handler]
    resolved_t = t + np.exp(rng.normal(np.log(36.0), 1.1, n)) * slow / 24.0
    done = resolved_t < tl.n_days
    status = np.where(done, np.where(rng.random(n) < 0.55, "resolved", "closed"),
                      np.where(tl.n_days - t < 2, "open", "in_progress")).astype(object)
    resolved_at = tl.stamps(np.where(done, resolved_t, 0.0))
    resolved_at[~done] = np.datetime64("NaT")
    return pd.DataFrame({
        "complaint_id": _ids("Q", n, 7),
        "customer_id": cust_ids[c],
        "received_at": tl.stamps(t),
        "channel": _draw(rng, _COMPLAINT_CHANNELS, n),
        "category": category,
        "content": content,
        "handler": reps.name[handler],
        "status": status,
        "resolved_at": resolved_at,
        "resolution": np.where(done, resolution, None),
    })


def _contacts_frame(rng, tl, cust: _Customers, cust_ids):
    counts = np.where(cust.company, 1 + rng.binomial(2, 0.35, len(cust.company)), 0)
    c = np.repeat(np.arange(len(counts)), counts)
    n = len(c)
    people = _people(rng, n, share_male=0.62)
    local = np.where(rng.random(n) < 0.5, _cat(people.given_pinyin, ".", people.surname_pinyin),
                     _cat(people.surname_pinyin, people.given_pinyin))
    email = np.where(rng.random(n) < 0.8, _cat(local, "@", cust.domain[c]), _personal_emails(rng, people))
    age_days = rng.integers(25 * 365, 62 * 365, n)
    birthday = tl.n_days - age_days
    frame = pd.DataFrame({
        "contact_id": _ids("P", n, 7),
        "customer_id": cust_ids[c],
        "name": people.name,
        "gender": people.gender,
        "title": _draw(rng, _TITLES, n),
        "phone": _mobiles(rng, n),
        "email": np.where(rng.random(n) < 0.85, email, None),
        "birthday": np.where(rng.random(n) < 0.6, tl.dates(birthday), np.datetime64("NaT")),
    })
    return frame, c, people.surname


def _profile_frame(rng, cust: _Customers, cust_ids, contacts: pd.DataFrame, contact_cust, contact_surname):
    n_c = len(cust.created_t)
    chosen = np.flatnonzero(rng.random(n_c) < 0.10)
    if n_c and not len(chosen):
        chosen = np.array([0])
    # the person profiled: the company's first contact, or the individual customer
    first_contact = np.full(n_c, -1)
    if len(contact_cust):
        starts = np.flatnonzero(np.r_[True, contact_cust[1:] != contact_cust[:-1]])
        first_contact[contact_cust[starts]] = starts
    pc = first_contact[chosen]
    surname = np.where(pc >= 0, contact_surname[np.maximum(pc, 0)] if len(contact_surname) else None,
                       cust.person.surname[chosen])
    surname = np.where(pd.isna(surname), "王", surname)
    n_keys = len(_PROFILE_FACTS)
    k = np.minimum(n_keys, 4 + rng.poisson(5, len(chosen)))
    keys = np.argsort(rng.random((len(chosen), n_keys)), axis=1)
    person = np.repeat(np.arange(len(chosen)), k)
    key = keys[person, _rank_in_group(k)]
    n = len(key)
    value = np.empty(n, dtype=object)
    for i, (name, _, _, pool) in enumerate(_PROFILE_FACTS):  # a loop over the ~30 keys
        mk = key == i
        cnt = int(mk.sum())
        if pool is not None:
            value[mk] = _pick(rng, pool, cnt)
        elif name == "昵称":
            value[mk] = _cat(_pick(rng, ("老", "小"), cnt), surname[person[mk]])
        elif name == "配偶姓名":
            value[mk] = _people(rng, cnt).name
        else:  # dates of the year
            value[mk] = _cat(rng.integers(1, 13, cnt).astype(str), "月", rng.integers(1, 29, cnt).astype(str), "日")
    keys_zh = np.array([f[0] for f in _PROFILE_FACTS], dtype=object)
    sensitive = np.array([f[2] or schema.sensitive_profile_key(f[0]) for f in _PROFILE_FACTS])  # sensitive unless harmless
    order = np.lexsort((key, person))
    contact_ids = contacts["contact_id"].to_numpy()
    cid = np.where(pc >= 0, contact_ids[np.maximum(pc, 0)] if len(contact_ids) else None, None)
    return pd.DataFrame({
        "fact_id": _ids("F", n, 7),
        "customer_id": cust_ids[chosen[person[order]]],
        "contact_id": cid[person[order]],
        "section": np.array([f[1] for f in _PROFILE_FACTS], dtype=object)[key[order]],
        "key": keys_zh[key[order]],
        "value": value[order],
        "sensitive": sensitive[key[order]],
    })


def _customers_frame(rng, tl, cust: _Customers, cust_ids, reps: _Reps, orders: pd.DataFrame,
                     order_cust, order_t, terms: np.ndarray):
    n = len(cust.created_t)
    spend = np.bincount(order_cust, weights=orders["amount"].to_numpy(), minlength=n)
    n_orders = np.bincount(order_cust, minlength=n)
    last_t = np.full(n, -np.inf)
    np.maximum.at(last_t, order_cust, order_t)
    # value grade: rank of actual spend among buyers (A top 5 %, then 15, 30, 30, rest);
    # one grade in ten is stale by a step, as grades set once are
    buyers = spend > 0
    q = np.zeros(n)
    q[buyers] = pd.Series(spend[buyers]).rank(pct=True).to_numpy()
    grade = np.select([q > 0.95, q > 0.80, q > 0.50, q > 0.20], [0, 1, 2, 3], default=4)
    grade = np.where(buyers, grade, 4)
    stale = rng.random(n) < 0.10
    grade = np.clip(grade + np.where(stale, rng.choice([-1, 1], n), 0), 0, 4)
    # status follows the last purchase (or creation, for prospects)
    since = tl.n_days - np.maximum(last_t, cust.created_t)
    status = np.select([since <= 180, since <= 540], ["active", "dormant"], default="lost").astype(object)
    person = _people(rng, n)
    landline = _cat(cust.area_code, "-", _digits(rng.integers(20_000_000, 90_000_000, n), 8))
    phone = np.where(cust.company & (rng.random(n) < 0.6), landline, _mobiles(rng, n))
    company_mail = _cat(_pick(rng, ("sales", "info", "service", "contact", "admin"), n), "@", cust.domain)
    email = np.where(cust.company, company_mail, _personal_emails(rng, cust.person))
    tax_chars = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    tax_tail = np.ascontiguousarray(tax_chars[rng.integers(0, len(tax_chars), (n, 10))]).view("<U10").ravel()
    tax_id = _cat("91", _digits(rng.integers(110000, 660000, n), 6), tax_tail)
    capital = np.round(np.exp(rng.normal(np.log(5e6), 1.2, n)), -4)
    mean_order = np.where(n_orders > 0, spend / np.maximum(n_orders, 1), 0)
    credit_limit = np.maximum(10_000, np.round(2 * mean_order, -3))
    tags = np.full(n, "", dtype=object)
    for tag, mask in (("重点客户", grade == 0), ("老客户", n_orders >= 5), ("价格敏感", rng.random(n) < 0.05),
                      ("需回访", status == "dormant")):
        tags = np.where(mask, np.where(tags == "", tag, _cat(tags, "、", tag)), tags)
    c = cust.company
    frame = pd.DataFrame({
        "customer_id": cust_ids,
        "name": cust.name,
        "mnemonic": cust.mnemonic,
        "customer_type": cust.ctype,
        "value_grade": np.array(list(schema.VALUE_GRADES), dtype=object)[grade],
        "region": np.array(REGIONS, dtype=object)[cust.region],
        "owner": reps.name[cust.owner],
        "phone": np.where(rng.random(n) < 0.97, phone, None),
        "email": np.where(rng.random(n) < 0.85, email, None),
        "address": np.where(rng.random(n) < 0.95, _addresses(rng, cust.city, c), None),
        "source": cust.source,
        "status": status,
        "created_at": tl.dates(cust.created_day),
        "industry": cust.industry,
        "org_form": np.where(c, _draw(rng, _ORG_FORMS, n), None),
        "registered_capital": np.where(c, capital, np.nan),
        "tax_id": np.where(c, tax_id, None),
        "legal_rep": np.where(c, person.name, None),
        "payment_terms": terms,
        "credit_limit": np.where(c, credit_limit, np.nan),
        "tags": np.where(tags == "", None, tags),
        "notes": _pick_text(rng, _TAG_NOTES, n, p_none=0.9),
        "no_visit_times": no_visit_times(rng, n),  # drawn last: the other columns stay as they were
    })
    return frame


def _credit_facts_frame(rng, tl, cust: _Customers, cust_ids, reps: _Reps, credit: np.ndarray):
    """危险客户统计表: dated warnings about some customers, more and graver for worse hidden credit;
    some of those without signs of bankruptcy cleared a month or more later."""
    n_c = len(cust_ids)
    rate = np.array([_CREDIT_FACT_RATE[c] for c in credit])
    chosen = np.flatnonzero(rng.random(n_c) < rate)
    k = 1 + rng.poisson(0.4, len(chosen))  # records per customer: most have one
    who = np.repeat(chosen, k)
    n = len(who)
    gravity = np.array([_CREDIT_FACT_GRAVITY[c] for c in credit[who]]).reshape(n, 3)
    level = (rng.random(n)[:, None] > np.cumsum(gravity, axis=1)).sum(axis=1)  # 0 business, 1 +finance, 2 +bankruptcy
    cells = {}
    for i, (aspect, texts) in enumerate(_CREDIT_FACT_TEXT.items()):
        said = level >= i if i else np.ones(n, bool)
        cells[aspect] = np.where(said, _pick(rng, texts, n), _pick(rng, _CREDIT_FACT_QUIET, n))
    first = np.maximum(cust.created_day[who], tl.n_days - 365)
    recorded = np.minimum(first + np.floor(rng.random(n) * (tl.n_days - first)).astype(np.int64), tl.n_days - 1)
    cleared = recorded + 30 + rng.integers(0, 120, n)
    cleared = np.where((rng.random(n) < 0.3) & (level <= 1) & (cleared < tl.n_days), cleared, -1)
    order = np.lexsort((who, recorded))
    return pd.DataFrame({
        "fact_id": _ids("W", n, 7),
        "customer_id": cust_ids[who[order]],
        "recorded_at": tl.dates(recorded[order]),
        **{aspect: values[order] for aspect, values in cells.items()},
        "cleared_at": np.where(cleared[order] >= 0, tl.dates(np.maximum(cleared[order], 0)), np.datetime64("NaT")),
        "recorded_by": reps.name[cust.owner[who[order]]],
        "notes": np.full(n, None, dtype=object),
    })
