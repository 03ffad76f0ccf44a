"""Random people (names, gender, pinyin), mobile numbers, personal e-mail addresses,
registered company names and postal addresses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .vector_helpers import _cat, _digits, _draw, _pick
from .vocabulary import (
    _BRAND_CHARS,
    _COMPANY_SUFFIXES,
    _DISTRICTS,
    _GIVEN_FEMALE,
    _GIVEN_MALE,
    _INDUSTRIES,
    _ROADS,
    _SURNAMES,
)


@dataclass
class _People:
    name: np.ndarray
    surname: np.ndarray
    gender: np.ndarray  # "male" / "female"
    given_pinyin: np.ndarray
    surname_pinyin: np.ndarray


def _people(rng: np.random.Generator, n: int, share_male: float = 0.6) -> _People:
    sur = np.array([s for s, _, _ in _SURNAMES], dtype=object)
    sur_py = np.array([p for _, p, _ in _SURNAMES], dtype=object)
    w = np.array([f for _, _, f in _SURNAMES])
    si = rng.choice(len(sur), size=n, p=w / w.sum())
    male = rng.random(n) < share_male
    two = rng.random(n) < 0.65  # two-character given names are the commoner kind
    given, given_py = [], []
    for pool_m, pool_f in ((_GIVEN_MALE, _GIVEN_FEMALE),) * 2:
        cm = np.array([c for c, _ in pool_m], dtype=object)
        pm = np.array([p for _, p in pool_m], dtype=object)
        cf = np.array([c for c, _ in pool_f], dtype=object)
        pf = np.array([p for _, p in pool_f], dtype=object)
        im = rng.integers(0, len(cm), n)
        i_f = rng.integers(0, len(cf), n)
        given.append(np.where(male, cm[im], cf[i_f]))
        given_py.append(np.where(male, pm[im], pf[i_f]))
    g = np.where(two, _cat(given[0], given[1]), given[0])
    gp = np.where(two, _cat(given_py[0], given_py[1]), given_py[0])
    return _People(
        name=_cat(sur[si], g), surname=sur[si], gender=np.where(male, "male", "female").astype(object),
        given_pinyin=gp.astype(object), surname_pinyin=sur_py[si],
    )


def _mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    second = np.array(list("3456789"))[rng.choice(7, size=n, p=[0.3, 0.1, 0.15, 0.05, 0.1, 0.25, 0.05])]
    return _cat("1", second, _digits(rng.integers(0, 10**9, n), 9))


def _personal_emails(rng: np.random.Generator, people: _People) -> np.ndarray:
    n = len(people.name)
    domain = _pick(rng, ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com"), n)
    num = rng.integers(1, 100, n).astype(str)
    year = rng.integers(1965, 2001, n).astype(str)
    kind = rng.integers(0, 4, n)
    local = np.select(
        [kind == 0, kind == 1, kind == 2],
        [_cat(people.surname_pinyin, people.given_pinyin, num),
         _cat(people.given_pinyin, ".", people.surname_pinyin),
         _cat(people.surname_pinyin, people.given_pinyin, year)],
        default=_digits(rng.integers(10**7, 10**10, n), 10),
    )
    qq = kind == 3  # QQ numbers are mail addresses at qq.com
    return _cat(local, "@", np.where(qq, "qq.com", domain))


@dataclass
class _Companies:
    name: np.ndarray
    short: np.ndarray  # brand + industry word, e.g. 恒泰科技
    brand: np.ndarray
    domain: np.ndarray
    industry: np.ndarray


def _companies(rng: np.random.Generator, city: np.ndarray) -> _Companies:
    n = len(city)
    chars = np.array([c for c, _ in _BRAND_CHARS], dtype=object)
    pys = np.array([p for _, p in _BRAND_CHARS], dtype=object)
    ind_names = np.array([i for i, _, _ in _INDUSTRIES], dtype=object)
    ind_w = np.array([w for _, _, w in _INDUSTRIES])
    ind = rng.choice(len(_INDUSTRIES), size=n, p=ind_w / ind_w.sum())
    word_tables = [np.array(words, dtype=object) for _, words, _ in _INDUSTRIES]
    word = np.empty(n, dtype=object)
    for k, words in enumerate(word_tables):  # a loop over the ten industries, not over rows
        m = ind == k
        word[m] = words[rng.integers(0, len(words), m.sum())]
    suffix = _draw(rng, _COMPANY_SUFFIXES, n)
    i1 = np.zeros(n, dtype=np.int64)
    i2 = np.zeros(n, dtype=np.int64)
    name = np.empty(n, dtype=object)
    todo = np.arange(n)
    # registered names are unique: redraw the brand of any duplicate a few rounds
    for _ in range(30):
        i1[todo] = rng.integers(0, len(chars), len(todo))
        i2[todo] = (i1[todo] + rng.integers(1, len(chars), len(todo))) % len(chars)
        name[todo] = _cat(city[todo], chars[i1[todo]], chars[i2[todo]], word[todo], suffix[todo])
        todo = np.flatnonzero(pd.Series(name).duplicated(keep="first").to_numpy())
        if not len(todo):
            break
    if len(todo):  # more companies than brands: number the branches
        name[todo] = _cat(name[todo], "第", np.arange(1, len(todo) + 1).astype(str), "分公司")
    brand = _cat(chars[i1], chars[i2])
    tld = _pick(rng, (".com", ".com.cn", ".cn", ".net"), n)
    return _Companies(name=name, short=_cat(brand, word), brand=brand,
                      domain=_cat(pys[i1], pys[i2], tld), industry=ind_names[ind])


def _addresses(rng: np.random.Generator, city: np.ndarray, company: np.ndarray) -> np.ndarray:
    n = len(city)
    base = _cat(city, "市", _pick(rng, _DISTRICTS, n), _pick(rng, _ROADS, n),
                rng.integers(1, 1000, n).astype(str), "号")
    room = _cat(rng.integers(1, 30, n).astype(str), "楼", _digits(rng.integers(1, 30, n), 2), "室")
    unit = _cat(rng.integers(1, 20, n).astype(str), "栋", rng.integers(1, 6, n).astype(str), "单元",
                rng.integers(101, 2400, n).astype(str), "室")
    return np.where(company, _cat(base, room), _cat(base, unit))
