"""The numbers behind issue 11 (value part): units travel with the summary, and BG/NBD fits a
book where nobody churns.

    python bench/value_units.py

1. CDNOW (lifetimes' CDNOW_sample.txt: 2,357 customers' CD orders, 1997-01 to 1998-06),
   summarised up to 1997-09-30 (the 39 weeks of Fader, Hardie & Lee 2005) once in weeks and
   once in days: BG/NBD + Gamma-Gamma, 12-month CLV at 1 % a month. The two means must be the
   same number: the summary's unit travels in ``attrs`` and the CLV converts months into it.
   Beside them, what the same weekly summary gave before (read as days: ``time_unit="D"``
   forced on a summary without attrs).
2. A no-churn book (every customer keeps buying at their own Poisson rate, rates Gamma
   distributed; nobody leaves): crmkit's BG/NBD fit (the no-churn boundary) beside lifetimes'
   BetaGeoFitter on the same weekly summary, and their predictions.

lifetimes is the test-only reference; this script needs the test extra (``pip install -e .[test]``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit import value


def cdnow_orders() -> pd.DataFrame:
    import lifetimes.datasets

    path = Path(lifetimes.datasets.__file__).parent / "CDNOW_sample.txt"
    raw = pd.read_csv(path, sep=r"\s+", header=None, names=["customer_id", "_", "date", "cds", "amount"],
                      dtype={"customer_id": str, "date": str})
    return pd.DataFrame({"customer_id": raw["customer_id"], "ordered_at": pd.to_datetime(raw["date"], format="%Y%m%d"),
                         "amount": raw["amount"]})


def no_churn_orders(n: int = 1000, seed: int = 4, r: float = 0.7, alpha: float = 20.0,
                    end: str = "2026-06-30") -> pd.DataFrame:
    """Orders of ``n`` customers who never stop buying: each buys at a Poisson rate λ ~
    Gamma(r, rate α) per day from a first purchase 30–1000 days before ``end``."""
    rng = np.random.default_rng(seed)
    last = pd.Timestamp(end)
    ids, dates = [], []
    for i in range(n):
        age = int(rng.integers(30, 1000))
        rate = rng.gamma(r, 1 / alpha)
        offsets = np.r_[0, np.sort(rng.uniform(0, age, rng.poisson(rate * age))).astype(int)]
        ids += [f"C{i:05d}"] * len(offsets)
        dates += list(last - pd.to_timedelta(age - offsets, unit="D"))
    amounts = np.round(rng.gamma(4.0, 25.0, len(ids)), 2)
    return pd.DataFrame({"customer_id": ids, "ordered_at": dates, "amount": amounts})


def cdnow_clv() -> dict:
    orders = cdnow_orders()
    out = {}
    for unit in ("W", "D"):
        summary = value.rfm_summary(orders, as_of="1997-09-30", time_unit=unit)
        bg = value.BetaGeo().fit(summary)
        gg = value.GammaGamma().fit(summary[summary["frequency"] > 0])
        clv = value.customer_lifetime_value(bg, gg, summary, months=12, discount_rate=0.01)
        out[unit] = (len(summary), float(clv.mean()), bg.params_.round(4).to_dict())
    weekly = value.rfm_summary(orders, as_of="1997-09-30", time_unit="W")
    bare = pd.DataFrame(weekly.to_numpy(), index=weekly.index, columns=weekly.columns)  # no attrs: as from lifetimes
    bg, gg = value.BetaGeo().fit(bare), value.GammaGamma().fit(bare)
    out["weekly read as days"] = float(value.customer_lifetime_value(bg, gg, bare, time_unit="D").mean())
    return out


def no_churn_fits() -> dict:
    import lifetimes

    summary = value.rfm_summary(no_churn_orders(), time_unit="W")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bg = value.BetaGeo().fit(summary)
    f, r, T = summary["frequency"], summary["recency"], summary["T"]
    theirs = lifetimes.BetaGeoFitter().fit(f, r, T)
    ours_4w = bg.expected_purchases(4, summary)
    theirs_4w = theirs.conditional_expected_number_of_purchases_up_to_time(4, f, r, T)
    return {
        "customers": len(summary), "one-time buyers": int((f == 0).sum()),
        "crmkit": bg.params_.to_dict(), "crmkit note": bg.note_, "warning": [str(w.message) for w in caught],
        "crmkit log-likelihood": bg.log_likelihood_,
        "lifetimes": theirs.params_.to_dict(),
        "mean E[purchases, next 4 weeks]": (float(ours_4w.mean()), float(np.mean(theirs_4w))),
        "max relative difference, E[4 weeks]": float(np.max(np.abs(ours_4w - theirs_4w) / theirs_4w)),
        "mean P(alive)": (float(bg.probability_alive(summary).mean()),
                          float(np.mean(theirs.conditional_probability_alive(f, r, T)))),
    }


if __name__ == "__main__":
    warnings.filterwarnings("ignore", module="lifetimes")
    clv = cdnow_clv()
    print("CDNOW, 12-month CLV at 1 %/month, summary up to 1997-09-30")
    for unit in ("W", "D"):
        n, mean, params = clv[unit]
        print(f"  {unit}: {n} customers, mean CLV {mean:.4f}; BG/NBD {params}")
    print(f"  before (weekly summary read as days): mean CLV {clv['weekly read as days']:.2f}")
    print()
    for key, val in no_churn_fits().items():
        print(f"{key}: {val}")
