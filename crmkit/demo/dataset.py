"""DemoData: what :func:`crmkit.demo.generate` returns."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class DemoData:
    """The generated record tables, the hidden truth behind them, and the data set's 'today'."""

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    as_of: pd.Timestamp
