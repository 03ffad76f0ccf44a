"""The data sets lifetimes ships (the CDNOW sample and the donations data), for the value-model tests.

Read from lifetimes' package folder directly: ``lifetimes.datasets`` imports ``pkg_resources``,
which setuptools 81 and later no longer ship. Tests that need them skip (with the reason) when
lifetimes is not installed.
"""

from __future__ import annotations

import os
import warnings

import pandas as pd
import pytest


def lifetimes():
    """The lifetimes package, or skip when it is not installed (a test extra)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its import-time pandas option: a Pandas4Warning under pandas 3
        return pytest.importorskip("lifetimes", reason="lifetimes (test extra) is not installed")


def _path(name: str) -> str:
    return os.path.join(os.path.dirname(lifetimes().__file__), "datasets", name)


def cdnow_summary() -> pd.DataFrame:
    """The CDNOW sample's calibration summary (2,357 customers, weeks, 39-week calibration period),
    with its repeat-purchase mean as lifetimes names it (monetary_value); attrs say weeks."""
    data = pd.read_csv(_path("cdnow_customers_summary_with_transactions.csv"), index_col=0)
    data.columns = ["frequency", "recency", "T", "monetary_value"]
    data.index.name = "customer_id"
    data.attrs["time_unit"] = "W"
    return data


def cdnow_orders() -> pd.DataFrame:
    """The CDNOW sample's transactions (1997-01-01 .. 1998-06-30), one row per order."""
    raw = pd.read_csv(_path("CDNOW_sample.txt"), sep=r"\s+", header=None,
                      names=["customer_id", "sample_id", "date", "cds", "amount"],
                      dtype={"customer_id": str, "date": str})
    return pd.DataFrame({"customer_id": raw["customer_id"].astype("string"),
                         "ordered_at": pd.to_datetime(raw["date"], format="%Y%m%d"),
                         "amount": raw["amount"].astype("float64")})


def donations() -> pd.DataFrame:
    """The donations data of Fader, Hardie & Shang (2010), one row per donor (11,104), as a BG/BB
    summary: frequency, recency, n_periods (6 opportunities)."""
    data = pd.read_csv(_path("donations.csv"))
    rows = data.loc[data.index.repeat(data["weights"])].reset_index(drop=True)
    return rows.rename(columns={"periods": "n_periods"}).drop(columns="weights").rename_axis("customer_id")
