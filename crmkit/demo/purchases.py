"""Orders: the hidden repeat-purchase process.

Repeat purchases (orders): BG/NBD with Gamma-Gamma spend
-------------------------------------------------------
Time unit: **days**. About three customers in four (never suppliers) make a first purchase a few
weeks after they are created; from then on, each buyer

* buys at rate ``lambda ~ Gamma(shape=r, rate=alpha)`` while alive (a Poisson process),
* drops out right after each repeat purchase with probability ``p ~ Beta(a, b)`` (as in
  BG/NBD, never straight after the first purchase),
* spends per order ``z ~ Gamma(shape=p_gg, rate=nu)`` with ``nu ~ Gamma(shape=q, rate=v)``
  per customer (so a customer's mean order value is ``p_gg / nu``).

``truth["params"]`` holds ``r, alpha, a, b`` (BG/NBD) and ``p, q, v`` (Gamma-Gamma; the column
``p`` there is the Gamma-Gamma shape, not a dropout probability). ``truth["customers"]`` holds, per
customer, ``lambda``, ``p`` (the dropout probability), ``nu``, ``first_purchase``, ``alive`` at
``as_of`` and ``dropout_at``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .reps_and_customers import _Customers
from .timeline import _Timeline
from .vector_helpers import _group_starts, _rank_in_group


@dataclass(frozen=True)
class PurchaseParams:
    """True BG/NBD (r, alpha, a, b) and Gamma-Gamma (p, q, v) parameters; time unit days."""

    r: float = 0.8
    alpha: float = 55.0
    a: float = 1.3
    b: float = 4.5
    p: float = 6.0
    q: float = 4.0
    v: float = 9000.0
    share_buyers: float = 0.78  # of non-supplier customers, eventually
    first_purchase_delay: float = 30.0  # mean days from created_at to the first purchase


PURCHASE_PARAMS = PurchaseParams()


@dataclass
class _Purchases:
    lam: np.ndarray
    p: np.ndarray
    nu: np.ndarray
    buyer: np.ndarray
    t0: np.ndarray  # first purchase (continuous days), nan if none
    alive: np.ndarray
    dropout_t: np.ndarray
    order_cust: np.ndarray  # per order, chronological within customer
    order_t: np.ndarray
    order_amount: np.ndarray


def _simulate_purchases(rng: np.random.Generator, tl: _Timeline, cust: _Customers,
                        pp: PurchaseParams) -> _Purchases:
    n = len(cust.created_t)
    lam = rng.gamma(pp.r, 1.0 / pp.alpha, n)
    p = rng.beta(pp.a, pp.b, n)
    nu = rng.gamma(pp.q, 1.0 / pp.v, n)
    t0 = cust.created_t + rng.exponential(pp.first_purchase_delay, n)
    buyer = (cust.ctype != "supplier") & (rng.random(n) < pp.share_buyers) & (t0 < tl.n_days)
    horizon = np.where(buyer, tl.n_days - t0, 0.0)
    # K = repeat purchases made before dropping out if time were unlimited. As in BG/NBD
    # (unlike MBG/NBD) a customer can leave only right after a repeat purchase, each time with
    # probability p, so K ~ Geometric(p) on 1, 2, ... and a customer with no repeats is alive
    k_max = rng.geometric(p)
    n_arrivals = rng.poisson(lam * horizon)  # Poisson(lambda) purchase opportunities in (t0, end)
    m = np.where(buyer, np.minimum(n_arrivals, k_max), 0)
    alive = buyer & (n_arrivals < k_max)
    # the m earliest of N uniform arrival times, by the Renyi representation of order
    # statistics: 1 - U_(k) = prod_{j<k} V_j^(1/(N-j)); only sum(m) numbers are drawn
    owner = np.repeat(np.arange(n), m)
    rank = _rank_in_group(m)
    logf = np.log(rng.random(len(owner))) / (n_arrivals[owner] - rank)
    csum = np.cumsum(logf)
    has = m > 0
    csum -= np.repeat((csum - logf)[_group_starts(m)[has]], m[has])
    t_repeat = t0[owner] + (1.0 - np.exp(csum)) * horizon[owner]
    last_repeat = np.full(n, np.nan)
    if len(owner):
        last_repeat[owner[rank == m[owner] - 1]] = t_repeat[rank == m[owner] - 1]
    dropout_t = np.where(buyer & ~alive, last_repeat, np.nan)  # not alive implies m = K >= 1
    firsts = np.flatnonzero(buyer)
    order_cust = np.concatenate([firsts, owner])
    order_t = np.concatenate([t0[firsts], t_repeat])
    amount = rng.gamma(pp.p, 1.0 / nu[order_cust])
    return _Purchases(lam=lam, p=p, nu=nu, buyer=buyer, t0=np.where(buyer, t0, np.nan), alive=alive,
                      dropout_t=dropout_t, order_cust=order_cust, order_t=order_t,
                      order_amount=np.maximum(np.round(amount, 2), 1.0))
