"""Likelihood-to-close grades of the 三表一卡 intent card (有望度): O, A, B, C.

The form: O over 75 % chance to close within a month, A over 50 %, B over 25 %, C low (the form
says under 10 %; the 10-25 % band it leaves unnamed belongs to C).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GRADES = ("O", "A", "B", "C")
# lower bound of each grade's probability band, best grade first; C takes the rest
DEFAULT_BANDS: dict[str, float] = {"O": 0.75, "A": 0.50, "B": 0.25}
GRADE_DTYPE = pd.CategoricalDtype(list(GRADES))


def grade(probability, bands: dict[str, float] | None = None):
    """The grade of a probability: O if >= bands["O"], else A if >= bands["A"], else B if
    >= bands["B"], else C (missing stays missing).

    ``bands`` maps O, A, B to their lower bounds (default ``DEFAULT_BANDS``); it must hold all
    three, decreasing. A scalar gives a str (or None); a Series a categorical Series with
    categories O, A, B, C on the same index; anything array-like a ``pd.Categorical``.

    >>> grade(0.8), grade(0.5), grade(0.3), grade(0.05)
    ('O', 'A', 'B', 'C')
    """
    b = dict(DEFAULT_BANDS if bands is None else bands)
    if set(b) != {"O", "A", "B"}:
        raise ValueError(f"bands need exactly the lower bounds of O, A and B, got {sorted(b)}")
    cuts = [float(b["O"]), float(b["A"]), float(b["B"])]
    if not (cuts[0] > cuts[1] > cuts[2]):
        raise ValueError(f"bands must decrease from O to B, got {b}")
    scalar = np.ndim(probability) == 0 and not isinstance(probability, pd.Series)
    values = pd.to_numeric(pd.Series(np.atleast_1d(probability) if scalar else probability), errors="raise")
    p = values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    codes = np.select([p >= cuts[0], p >= cuts[1], p >= cuts[2]], [0, 1, 2], default=3)
    codes = np.where(np.isnan(p), -1, codes)
    result = pd.Categorical.from_codes(codes, dtype=GRADE_DTYPE)
    if scalar:
        return None if codes[0] < 0 else GRADES[codes[0]]
    if isinstance(probability, pd.Series):
        return pd.Series(result, index=probability.index, name=probability.name)
    return result
