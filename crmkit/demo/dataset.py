"""DemoData: what :func:`crmkit.demo.generate` returns."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class DemoData:
    """The generated record tables, the hidden truth behind them, and ``as_of``: the last day of
    history (the data date of a store loaded with it; an ``as_of`` as ``crmkit.timeframe`` reads it,
    so every event is dated on or before it)."""

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    as_of: pd.Timestamp
