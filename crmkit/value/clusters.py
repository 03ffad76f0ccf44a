"""k-means segments on log-RFM, named after the Chinese eight-class RFM model.

The money of the clusters is what each customer spent (``total_value``, all purchases), as
in RFM scores: a one-time buyer of 507 is a big spender, not a customer with no money (the
repeat-purchase mean, ``repeat_mean_value``, is 0 for every one-time buyer).

>>> from crmkit import demo
>>> from crmkit.value.rfm import rfm_summary
>>> data = demo.generate(n_customers=500, seed=1)
>>> result = kmeans_segments(rfm_summary(data.tables["orders"]), k=4)
>>> -1 <= result.silhouette <= 1
True
>>> list(result.segments.columns)
['cluster', 'cluster_name', 'cluster_name_zh']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import ValueInputError
from ..i18n import N_, translate
from .money import TOTAL_COLUMN, require_total_value
from .rfm import _require_columns

#: Silhouette scores are computed on at most this many customers (sampled with the random
#: state): the exact score costs memory and time quadratic in the number of customers.
SILHOUETTE_SAMPLE = 5000

#: Cluster names by whether the cluster's centre is better than average on (recency, frequency,
#: money spent): the eight classes of the RFM model Chinese sales teams know
#: (重要价值客户 …), by their usual English names; the Chinese comes from ``crmkit.i18n``.
CLUSTER_NAMES: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): N_("Important value"),
    (True, False, True): N_("Important development"),
    (False, True, True): N_("Important retention"),
    (False, False, True): N_("Important win-back"),
    (True, True, False): N_("General value"),
    (True, False, False): N_("General development"),
    (False, True, False): N_("General retention"),
    (False, False, False): N_("General win-back"),
}

FEATURES = ("log_days_since_last", "log_frequency", "log_total_value")


@dataclass(frozen=True)
class ClusterResult:
    """What ``kmeans_segments`` returns.

    ``segments``: per customer (the summary's index) ``cluster`` (0 = the most valuable
    cluster), ``cluster_name`` and ``cluster_name_zh``. ``profiles``: per cluster its size,
    share, name, the mean days since the last purchase, frequency and ``total_value`` (money
    spent) in the summary's units, and the standardised centre. ``silhouette``: the mean silhouette score
    (−1..1, higher is better separated). ``model`` and ``scaler``: the fitted scikit-learn
    KMeans and StandardScaler, to place new customers.
    """

    segments: pd.DataFrame
    profiles: pd.DataFrame
    silhouette: float
    model: object
    scaler: object


def rfm_features(summary: pd.DataFrame) -> pd.DataFrame:
    """The log-RFM features the clusters use: log1p of days since last purchase (T − recency),
    of frequency and of ``total_value``, what the customer spent on all purchases (net refunds
    count as 0). Not standardised. A summary without ``total_value`` (a lifetimes summary,
    whose ``monetary_value`` leaves the first purchase out) is refused.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [0.0], "total_value": [0.0]})
    >>> rfm_features(s).to_numpy().tolist()
    [[0.0, 0.0, 0.0]]
    """
    require_total_value(summary, "clustering on money")
    _require_columns(summary, ["frequency", "recency", "T", TOTAL_COLUMN])
    since_last = (summary["T"].astype("float64") - summary["recency"].astype("float64")).clip(lower=0)
    out = pd.DataFrame({
        FEATURES[0]: np.log1p(since_last),
        FEATURES[1]: np.log1p(summary["frequency"].astype("float64").clip(lower=0)),
        FEATURES[2]: np.log1p(summary[TOTAL_COLUMN].astype("float64").clip(lower=0)),
    }, index=summary.index)
    bad = ~np.isfinite(out.to_numpy()).all(axis=1)
    if bad.any():
        raise ValueInputError(f"{int(bad.sum())} customer(s) have missing RFM values", "summary",
                              list(out.index[bad]))
    return out


def kmeans_segments(summary: pd.DataFrame, k: int = 4, random_state: int = 0) -> ClusterResult:
    """Cluster customers with k-means on standardised log-RFM and name the clusters.

    The features are ``rfm_features(summary)`` scaled to mean 0 and variance 1. Clusters are
    numbered by value, 0 first (ordered by −recency + frequency + money spent of their
    standardised centres), and named from ``CLUSTER_NAMES`` by which of the three their centre
    beats the average on; two clusters with the same name get " 1", " 2" … appended. The same
    ``random_state`` gives the same result. The input is not modified.

    >>> from crmkit import demo
    >>> from crmkit.value.rfm import rfm_summary
    >>> s = rfm_summary(demo.generate(n_customers=300, seed=2).tables["orders"])
    >>> int(kmeans_segments(s, k=3).profiles["size"].sum()) == len(s)
    True
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    features = rfm_features(summary)
    n = len(features)
    if not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueInputError(f"k must be an integer of at least 2, got {k!r}", "k")
    if n <= k:
        raise ValueInputError(f"{k} clusters need more than {k} customers; the summary has {n}", "k")
    scaler = StandardScaler().fit(features.to_numpy())
    x = scaler.transform(features.to_numpy())
    model = KMeans(n_clusters=int(k), n_init=10, random_state=random_state).fit(x)

    # Renumber the clusters by value so cluster 0 is the best whatever k-means' own order.
    centres = model.cluster_centers_
    value = -centres[:, 0] + centres[:, 1] + centres[:, 2]
    order = np.argsort(-value, kind="stable")
    new_number = np.empty(int(k), dtype=np.int64)
    new_number[order] = np.arange(int(k))
    labels = new_number[model.labels_]
    names, names_zh = _names(centres[order])

    silhouette = _silhouette(x, labels, random_state, silhouette_score)
    segments = pd.DataFrame({
        "cluster": labels,
        "cluster_name": pd.Categorical.from_codes(labels, categories=names),
        "cluster_name_zh": pd.Categorical.from_codes(labels, categories=names_zh),
    }, index=summary.index)

    raw = pd.DataFrame({
        "days_since_last": (summary["T"] - summary["recency"]).astype("float64").to_numpy(),
        "frequency": summary["frequency"].astype("float64").to_numpy(),
        TOTAL_COLUMN: summary[TOTAL_COLUMN].astype("float64").to_numpy(),
        "cluster": labels,
    })
    profiles = raw.groupby("cluster").mean().reindex(range(int(k)))  # an empty cluster stays, as NaN
    sizes = np.bincount(labels, minlength=int(k))
    profiles.insert(0, "share", sizes / n)
    profiles.insert(0, "size", sizes)
    profiles.insert(0, "cluster_name_zh", names_zh)
    profiles.insert(0, "cluster_name", names)
    for j, f in enumerate(FEATURES):
        profiles[f"z_{f}"] = centres[order][:, j]
    return ClusterResult(segments, profiles, silhouette, model, scaler)


def choose_k(summary: pd.DataFrame, ks=range(2, 9), random_state: int = 0) -> pd.DataFrame:
    """Silhouette score and inertia of k-means on log-RFM for each k in ``ks``, indexed by k.

    Pick a k with a high silhouette that still gives segments a sales team can act on.

    >>> from crmkit import demo
    >>> from crmkit.value.rfm import rfm_summary
    >>> s = rfm_summary(demo.generate(n_customers=300, seed=2).tables["orders"])
    >>> list(choose_k(s, ks=[2, 3]).columns)
    ['silhouette', 'inertia']
    """
    rows = {}
    for k in ks:
        result = kmeans_segments(summary, k=int(k), random_state=random_state)
        rows[int(k)] = {"silhouette": result.silhouette, "inertia": float(result.model.inertia_)}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["silhouette", "inertia"])
    out.index.name = "k"
    return out


def _names(centres: np.ndarray) -> tuple[list[str], list[str]]:
    base = [CLUSTER_NAMES[(bool(c[0] < 0), bool(c[1] > 0), bool(c[2] > 0))] for c in centres]
    counts: dict[str, int] = {}
    for en in base:
        counts[en] = counts.get(en, 0) + 1
    seen: dict[str, int] = {}
    names, names_zh = [], []
    for en in base:
        zh = translate(en, "zh")
        if counts[en] > 1:
            seen[en] = seen.get(en, 0) + 1
            en, zh = f"{en} {seen[en]}", f"{zh}{seen[en]}"
        names.append(en)
        names_zh.append(zh)
    return names, names_zh


def _silhouette(x, labels, random_state, silhouette_score) -> float:
    if len(np.unique(labels)) < 2:
        return float("nan")  # k-means put everyone together (identical customers)
    sample = min(len(x), SILHOUETTE_SAMPLE)
    return float(silhouette_score(x, labels, sample_size=sample if sample < len(x) else None,
                                  random_state=random_state))
