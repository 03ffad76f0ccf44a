"""The sales team (reps with hidden skill, diligence and speed) and the customers they own."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .people_and_companies import _companies, _People, _people
from .timeline import _Timeline
from .vector_helpers import _cat, _draw
from .vocabulary import _CITIES, _PRODUCTS, _SOURCES, REGIONS


@dataclass
class _Reps:
    name: np.ndarray
    region: np.ndarray  # index into REGIONS
    skill: np.ndarray  # hidden: shifts the won hazard
    diligence: np.ndarray  # hidden: scales how often they follow up and visit
    speed: np.ndarray  # hidden: scales complaint handling time


def _make_reps(rng: np.random.Generator) -> _Reps:
    n = int(rng.integers(10, 15))
    names = _people(rng, n, share_male=0.55).name
    for _ in range(50):  # a team has no two reps of the same name
        dup = pd.Series(names).duplicated().to_numpy()
        if not dup.any():
            break
        names[dup] = _people(rng, int(dup.sum())).name
    region_w = _region_weights()
    # every region has a rep; the rest go where the customers are
    region = np.concatenate([np.arange(len(REGIONS)), rng.choice(len(REGIONS), n - len(REGIONS), p=region_w)])
    return _Reps(name=names, region=region, skill=rng.normal(0, 0.3, n),
                 diligence=np.exp(rng.normal(0, 0.25, n)), speed=np.exp(rng.normal(0, 0.3, n)))


def _region_weights() -> np.ndarray:
    w = np.zeros(len(REGIONS))
    for _, region, _, cw in _CITIES:
        w[REGIONS.index(region)] += cw
    return w / w.sum()


def _home_rep(rng: np.random.Generator, region: np.ndarray, reps: _Reps, p_home: float) -> np.ndarray:
    """A rep of the customer's region with probability p_home, else any rep."""
    n = len(region)
    counts = np.bincount(reps.region, minlength=len(REGIONS))
    table = np.full((len(REGIONS), counts.max()), -1)
    for r in range(len(REGIONS)):
        table[r, :counts[r]] = np.flatnonzero(reps.region == r)
    home = table[region, (rng.random(n) * counts[region]).astype(np.int64)]
    anyone = rng.integers(0, len(reps.name), n)
    return np.where(rng.random(n) < p_home, home, anyone)


@dataclass
class _Customers:
    created_t: np.ndarray  # continuous days since start, ascending
    created_day: np.ndarray
    ctype: np.ndarray
    company: np.ndarray
    city: np.ndarray
    region: np.ndarray
    area_code: np.ndarray
    owner: np.ndarray  # rep index
    source: np.ndarray
    name: np.ndarray
    short: np.ndarray  # company short name or the person's name, for titles
    mnemonic: np.ndarray
    person: _People  # the person, for individual customers (unused for companies)
    domain: np.ndarray  # e-mail domain for companies
    industry: np.ndarray
    favourite: np.ndarray  # product index the customer mostly buys


def _make_customers(rng: np.random.Generator, n: int, tl: _Timeline, reps: _Reps) -> _Customers:
    # more customers join later in the period: the business grows
    created_t = np.sort(tl.n_days * rng.random(n) ** 0.8)
    ctype = _draw(rng, (("customer", 0.92), ("partner", 0.05), ("supplier", 0.03)), n)
    company = (ctype != "customer") | (rng.random(n) < 0.7)
    cw = np.array([c[3] for c in _CITIES], dtype=float)
    ci = rng.choice(len(_CITIES), size=n, p=cw / cw.sum())
    city = np.array([c[0] for c in _CITIES], dtype=object)[ci]
    region = np.array([REGIONS.index(c[1]) for c in _CITIES])[ci]
    area = np.array([c[2] for c in _CITIES], dtype=object)[ci]
    comp = _companies(rng, city)
    person = _people(rng, n)
    name = np.where(company, comp.name, person.name)
    short = np.where(company, comp.short, person.name)
    mnemonic = _cat(city, "-", np.where(company, comp.brand, person.name))
    return _Customers(
        created_t=created_t, created_day=np.floor(created_t).astype(np.int64), ctype=ctype,
        company=company, city=city, region=region, area_code=area,
        owner=_home_rep(rng, region, reps, 0.85), source=_draw(rng, _SOURCES, n), name=name,
        short=short, mnemonic=mnemonic, person=person,
        domain=comp.domain, industry=np.where(company, comp.industry, None),
        favourite=rng.integers(0, len(_PRODUCTS), n),
    )
