"""Small numpy helpers the generators share: fixed-width digit strings and ids, element-wise
string concatenation, weighted and uniform draws, ranks within groups, the logistic function."""

from __future__ import annotations

import numpy as np

_FOUR_DIGITS = np.char.zfill(np.arange(10_000).astype("U4"), 4)


def _digits(nums: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal strings of fixed width, built from a table of 4-digit blocks."""
    nums = np.asarray(nums, dtype=np.int64)
    blocks = -(-width // 4)
    out = _FOUR_DIGITS[nums // 10 ** (4 * (blocks - 1)) % 10_000]
    for i in range(blocks - 2, -1, -1):
        out = np.strings.add(out, _FOUR_DIGITS[nums // 10 ** (4 * i) % 10_000])
    full = 4 * blocks
    if full != width:  # drop the leading surplus characters through a 1-char view
        chars = out.astype(f"<U{full}").view("<U1").reshape(-1, full)[:, full - width:]
        out = np.ascontiguousarray(chars).view(f"<U{width}").ravel()
    return out


def _ids(prefix: str, n: int, min_width: int) -> np.ndarray:
    width = max(min_width, len(str(n)))
    return np.strings.add(prefix, _digits(np.arange(1, n + 1), width)).astype(object)


def _cat(*parts) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars."""
    out = np.asarray(parts[0]).astype(str)
    for p in parts[1:]:
        out = np.strings.add(out, np.asarray(p).astype(str))
    return out.astype(object)


def _weights(pairs) -> tuple[np.ndarray, np.ndarray]:
    values = np.array([v for v, _ in pairs], dtype=object)
    w = np.array([w for _, w in pairs], dtype=float)
    return values, w / w.sum()


def _draw(rng: np.random.Generator, pairs, n: int) -> np.ndarray:
    values, w = _weights(pairs)
    return values[rng.choice(len(values), size=n, p=w)]


def _pick(rng: np.random.Generator, pool, n: int) -> np.ndarray:
    pool = np.asarray(pool, dtype=object)
    return pool[rng.integers(0, len(pool), n)]


def _row_choice(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One draw per row from unnormalised row weights (n, k)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return (u[:, None] >= cum).sum(axis=1)


def _group_starts(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts


def _rank_in_group(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... within each group of a repeat-by-counts layout."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(_group_starts(counts), counts)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _pick_text(rng, pool, n, p_none: float = 0.0) -> np.ndarray:
    out = _pick(rng, pool, n)
    if p_none:
        out[rng.random(n) < p_none] = None
    return out
