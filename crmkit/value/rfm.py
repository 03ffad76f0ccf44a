"""RFM: the per-customer purchase summary (frequency, recency, T, money) and RFM segments.

``rfm_summary`` turns an order log into the summary that the BG/NBD and Gamma-Gamma models fit,
with the conventions of lifetimes' ``summary_data_from_transaction_data`` (whose
``monetary_value`` crmkit calls ``repeat_mean_value``, the name saying what it is); ``rfm_segments``
scores that summary 1–5 on recency, frequency and money spent and names each customer's
segment from an ordered, overridable rule table (``SEGMENT_RULES``).

>>> import pandas as pd
>>> orders = pd.DataFrame({
...     "customer_id": ["a", "a", "a", "b"],
...     "ordered_at": pd.to_datetime(["2026-01-01", "2026-01-11", "2026-01-31", "2026-01-20"]),
...     "amount": [100.0, 50.0, 70.0, 30.0],
... })
>>> rfm_summary(orders, as_of="2026-02-10")  # doctest: +NORMALIZE_WHITESPACE
             frequency  recency     T  repeat_mean_value  total_value
customer_id
a                    2     30.0  40.0               60.0        220.0
b                    0      0.0  21.0                0.0         30.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from ..exceptions import ValueInputError
from ..i18n import N_, check_lang, translate
from ..timeframe import resolve_as_of
from ._pages import small_pages
from .money import REPEAT_MEAN, REPEAT_MEAN_COLUMN, TOTAL_COLUMN, require_total_value
from .units import TIME_UNITS, UNIT_ATTR, summary_unit

# TIME_UNITS (from .units): length of one time unit in days. Purchases are always merged per
# calendar day; the unit only rescales recency and T (fractions kept), as lifetimes does with
# freq="D", freq_multiplier=7. A month is the mean Gregorian month, 365.25 / 12 days
# (lifetimes' freq="M" no longer runs: pandas refuses np.timedelta64(1, "M")).

#: The columns the BG/NBD and Gamma-Gamma models read (lifetimes' conventions, crmkit's names:
#: ``repeat_mean_value`` is lifetimes' ``monetary_value``; see ``crmkit.value.money``).
SUMMARY_COLUMNS = ("frequency", "recency", "T", REPEAT_MEAN_COLUMN)


@small_pages
def rfm_summary(
    orders: pd.DataFrame,
    *,
    as_of=None,
    time_unit: str = "D",
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str | None = "amount",
) -> pd.DataFrame:
    """One row per customer who bought by ``as_of``: frequency, recency, T and money.

    The conventions are those of lifetimes' ``summary_data_from_transaction_data`` (and of the
    BG/NBD and Gamma-Gamma papers):

    * orders on the same calendar day are one purchase, their amounts summed;
    * ``frequency``: repeat purchases (purchase days after the first one);
    * ``recency``: time from the first to the last purchase (0 when there are no repeats);
    * ``T``: time from the first purchase to ``as_of``;
    * ``repeat_mean_value``: the mean value of the **repeat** purchases (0 when there are
      none); the first purchase is left out, as Gamma-Gamma requires. lifetimes and the BG/NBD
      papers call it ``monetary_value``. It is the spend model's input, not what a customer
      spent: a one-time buyer of 507 has repeat_mean_value 0;
    * ``total_value``: what the customer spent on all purchases, the first included (RFM's M).

    The summary carries its conventions in ``attrs``: ``attrs["time_unit"]`` ("D", "W" or
    "M"), which the models and ``customer_lifetime_value`` read (see ``crmkit.value.units``),
    and ``attrs["repeat_mean_value"]``, the definition above.

    ``as_of`` is a calendar day, as everywhere in crmkit (``crmkit.timeframe``): orders dated on
    or before it count, later ones are ignored; default: the data date of the orders, the day
    of the newest one. ``time_unit`` is "D" (days), "W" (weeks: days / 7, with fractions) or "M"
    (months: days / 30.4375, with fractions). Customers with no purchase by ``as_of`` are not in
    the result. The input is not modified.

    Returns a frame indexed by ``customer_col`` (sorted) with columns ``frequency`` (int),
    ``recency``, ``T`` and, unless ``amount_col`` is None, ``repeat_mean_value`` and
    ``total_value`` (floats).

    >>> import pandas as pd
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "a"],
    ...                        "ordered_at": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-15"]),
    ...                        "amount": [10.0, 5.0, 20.0]})
    >>> weekly = rfm_summary(orders, as_of="2026-01-29", time_unit="W")
    >>> weekly  # doctest: +NORMALIZE_WHITESPACE
                 frequency  recency    T  repeat_mean_value  total_value
    customer_id
    a                    1      2.0  4.0               20.0         35.0
    >>> weekly.attrs["time_unit"]
    'W'
    """
    if time_unit not in TIME_UNITS:
        raise ValueInputError(f"unknown time unit {time_unit!r}; use one of {', '.join(TIME_UNITS)}", "time_unit")
    needed = [customer_col, date_col] + ([amount_col] if amount_col else [])
    _require_columns(orders, needed)

    customers = orders[customer_col]
    days = _days(orders[date_col], date_col, partial(_order_labels, orders, customer_col))
    missing = customers.isna().to_numpy()
    if missing.any():
        raise ValueInputError(f"{int(missing.sum())} order(s) have no customer", customer_col,
                              _order_labels(orders, customer_col, missing))
    if amount_col:
        amounts = orders[amount_col]
        if amounts.dtype != np.float64:  # (a float64 column is read as it is, without a copy)
            amounts = pd.to_numeric(amounts, errors="coerce").astype("float64")
        amounts = amounts.to_numpy()
        bad = np.isnan(amounts)
        if bad.any():
            raise ValueInputError(f"{int(bad.sum())} order(s) have no amount (listed by their {_named_by(orders)})",
                                  amount_col, _order_labels(orders, customer_col, bad))

    end = _day_number(resolve_as_of(as_of, orders[date_col]))
    positions = np.flatnonzero(days <= end)  # the orders that count, by row position
    columns = [*SUMMARY_COLUMNS, TOTAL_COLUMN] if amount_col else list(SUMMARY_COLUMNS[:3])
    if not len(positions):
        index = _customer_keys(customers, 64)[2](positions).rename(customer_col)
        empty = {c: pd.Series(dtype="int64" if c == "frequency" else "float64") for c in columns}
        return _with_conventions(pd.DataFrame(empty).set_axis(index), time_unit, amount_col)

    # Sort the orders once by (customer, day, row): then each customer's purchase days are runs
    # of equal (customer, day), in order, and every per-customer figure is a segment reduction
    # over them (no Python loop, no hashing). The three parts share one 64-bit sort key when
    # they fit in it, and one np.sort of plain integers is several times faster than an argsort
    # or np.unique with its inverse.
    first_day = int(days.min() if len(positions) == len(days) else days[positions].min())
    day_bits = (end - first_day).bit_length()
    row_bits = (len(orders) - 1).bit_length()
    customer_key, key_bits, ids_at = _customer_keys(customers, 64 - day_bits - row_bits)
    if len(positions) < len(orders):  # (usually every order counts: as_of is the data date)
        customer_key, days = customer_key[positions], days[positions]
    customer_day, rows = _sort_orders(customer_key, key_bits, days - first_day, day_bits, positions, row_bits)
    new_purchase = np.empty(len(rows), dtype=bool)
    new_purchase[0] = True
    np.not_equal(customer_day[1:], customer_day[:-1], out=new_purchase[1:])
    purchase_rows = np.flatnonzero(new_purchase)
    purchase = customer_day[purchase_rows]
    purchase_customer = purchase >> np.uint64(day_bits)
    purchase_day = np.bitwise_and(purchase, np.uint64((1 << day_bits) - 1)).view(np.int64)
    purchase_day += first_day
    starts = np.flatnonzero(np.r_[True, purchase_customer[1:] != purchase_customer[:-1]])
    ends = np.r_[starts[1:], len(purchase_rows)] - 1
    frequency = (ends - starts).astype(np.int64)
    unit = TIME_UNITS[time_unit]
    # the float columns are written into one block, which the frame takes as it is (building
    # the frame from separate columns would copy them all once more)
    floats = np.empty((len(columns) - 1, len(starts)))
    np.divide(purchase_day[ends] - purchase_day[starts], unit, out=floats[0])
    np.divide(end - purchase_day[starts], unit, out=floats[1])
    if amount_col:
        # a day's orders summed one after the other in row order (np.add.reduceat would add
        # pairwise, which changes the last digit of some sums)
        purchase_of_order = np.cumsum(new_purchase, dtype=np.intp)
        purchase_of_order -= 1
        purchase_value = np.bincount(purchase_of_order, weights=amounts[rows], minlength=len(purchase_rows))
        total = np.add.reduceat(purchase_value, starts)
        purchase_value[starts] = 0.0  # the first purchase is not a repeat
        repeat_total = np.add.reduceat(purchase_value, starts)
        floats[2] = 0.0
        np.divide(repeat_total, frequency, out=floats[2], where=frequency > 0)
        floats[3] = total
    # the keys follow the sorted ids, so the rows come out sorted by customer id
    index = ids_at(rows[purchase_rows[starts]]).rename(customer_col)
    summary = pd.DataFrame(floats.T, index=index, columns=columns[1:], copy=False)
    summary.insert(0, "frequency", frequency)
    return _with_conventions(summary, time_unit, amount_col)


def _with_conventions(summary: pd.DataFrame, time_unit: str, amount_col) -> pd.DataFrame:
    """The summary with its unit and its monetary convention in ``attrs`` (they travel with it)."""
    summary.attrs[UNIT_ATTR] = time_unit
    if amount_col:
        summary.attrs[REPEAT_MEAN_COLUMN] = REPEAT_MEAN
    return summary


# ----------------------------------------------------------------------------- segments

Condition = Mapping[str, tuple[int, int] | bool] | Callable[[pd.DataFrame], object]

#: A customer who bought within this many days of ``as_of`` is *active*; one whose first
#: purchase was within it is *new*. A quarter: long enough for a monthly buyer to have bought.
ACTIVE_DAYS = 90

#: The facts a rule may require, besides the scores: True or False.
FACTS = ("active", "new")


def _named(name: str, condition: Condition) -> tuple[str, str, Condition]:
    """A default rule: its name, the name's Chinese from ``crmkit.i18n``, its condition."""
    return name, translate(name, "zh"), condition


#: The RFM segment map, checked in order: a customer gets the first segment whose condition
#: holds. A condition maps score letters to inclusive ranges (a letter left out matches any
#: score) and may require facts: ``"active": True`` (bought in the last ``active_days``),
#: ``"active": False`` (did not), ``"new": True`` (first purchase in the last ``active_days``).
#: Or it is a function of the frame of ``R``, ``F``, ``M``, ``active``, ``new``,
#: ``days_since_last``, ``age_days`` and ``frequency`` returning a boolean mask.
#:
#: Scores are relative (quintiles of the book); the facts are absolute, so a name never
#: contradicts the data: only active customers get the names of customers who buy now
#: (Champions … About to sleep), only inactive ones the names of customers who stopped
#: (Can't lose them … Hibernating), and "New customers" are those whose first purchase is
#: recent, not merely those with the fewest purchases (in a book where everyone buys monthly,
#: the least recent fifth bought a few weeks ago: not Lost; the fewest purchases may be a
#: year's worth: not New). Every customer gets a name: "About to sleep" takes the active
#: customers no earlier rule took, "Hibernating" the inactive ones. ``describe_rules()``
#: states each name's conditions in words. Each rule is (name, Chinese label, condition); a
#: custom table carries its own Chinese labels.
SEGMENT_RULES: list[tuple[str, str, Condition]] = [
    _named(N_("Champions"), {"active": True, "R": (4, 5), "F": (4, 5), "M": (4, 5)}),
    _named(N_("Loyal"), {"active": True, "R": (3, 5), "F": (4, 5)}),
    _named(N_("New customers"), {"new": True}),
    _named(N_("Potential loyalists"), {"active": True, "R": (4, 5), "F": (2, 3)}),
    _named(N_("Promising"), {"active": True, "R": (4, 5), "F": (1, 1)}),
    _named(N_("Need attention"), {"active": True, "F": (3, 5)}),
    _named(N_("About to sleep"), {"active": True}),
    _named(N_("Can't lose them"), {"active": False, "F": (4, 5), "M": (4, 5)}),
    _named(N_("At risk"), {"active": False, "F": (3, 5)}),
    _named(N_("Lost"), {"active": False, "R": (1, 1)}),
    _named(N_("Hibernating"), {"active": False}),
]

#: The segment of a customer no rule matches (only possible with a custom rule table).
OTHER_SEGMENT = ("Other", translate("Other", "zh"))


def rfm_segments(summary: pd.DataFrame, rules: Sequence[tuple[str, str, Condition]] | None = None,
                 *, ties: str = "min", monetary_col: str = "total_value", active_days: float = ACTIVE_DAYS,
                 time_unit: str | None = None) -> pd.DataFrame:
    """R, F, M scores (1–5), the ``rfm_score`` string and the named segment of every customer.

    ``summary`` is ``rfm_summary``'s frame (``frequency``, ``recency``, ``T``,
    ``total_value``). Scores are quintiles of ranks, 5 is best. R ranks the time since the
    last purchase (``T - recency``, shorter is better), F the frequency, M ``monetary_col``:
    by default ``total_value``, what the customer spent on all purchases (a one-time buyer of
    507 scores on 507). ``repeat_mean_value``, the mean of the *repeat* purchases that
    Gamma-Gamma reads (lifetimes' ``monetary_value``), is 0 for every one-time buyer: pass
    ``monetary_col="repeat_mean_value"`` only if that is what you mean. A lone customer
    scores 3.

    Names also depend on two facts (see ``SEGMENT_RULES``): *active*, bought within
    ``active_days`` (default 90) days of the summary's end, and *new*, first purchase within
    them. Days are the summary's time unit converted (``attrs["time_unit"]``, which
    ``rfm_summary`` sets; a summary without it needs ``time_unit=``: crmkit does not guess).

    Ties: by default (``ties="min"``) equal values share a score: each value scores the
    quintile its first (lowest) rank falls in, so two identical customers are never told apart
    (one-time buyers, often a quarter of all buyers, all get F = 1). ``ties="first"`` breaks
    ties by customer id instead, which keeps the five groups equal in size (the same way
    whatever the row order) at the price of splitting identical customers.

    ``rules`` replaces ``SEGMENT_RULES`` (same shape: ``(name, zh_label, condition)``, checked
    in order); customers no rule matches get segment "Other" (其他).

    Returns the summary's columns plus ``R``, ``F``, ``M`` (int), ``rfm_score`` (e.g. "545"),
    ``active``, ``new`` (bool), ``segment`` and ``segment_zh`` (categoricals in rule order).
    The input is not modified; its ``attrs`` are kept.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"frequency": [5, 0], "recency": [350.0, 0.0], "T": [352.0, 400.0],
    ...                   "total_value": [480.0, 507.0]}, index=pd.Index(["a", "b"], name="customer_id"))
    >>> rfm_segments(s, time_unit="D")[["R", "F", "M", "rfm_score", "active", "segment"]]  # doctest: +NORMALIZE_WHITESPACE
                 R  F  M rfm_score  active    segment
    customer_id
    a            5  5  1       551    True      Loyal
    b            1  1  5       115   False       Lost
    """
    rules = SEGMENT_RULES if rules is None else list(rules)
    _check_rules(rules)
    if ties not in ("first", "min"):
        raise ValueInputError(f"ties must be 'first' or 'min', not {ties!r}", "ties")
    if not (isinstance(active_days, (int, float)) and np.isfinite(active_days) and active_days > 0):
        raise ValueInputError(f"active_days must be a number of days > 0, not {active_days!r}", "active_days")
    if monetary_col == TOTAL_COLUMN:
        require_total_value(summary, "scoring M", "pass monetary_col=")
    _require_columns(summary, ["frequency", "recency", "T", monetary_col])
    unit = summary_unit(summary, time_unit, "rfm_segments")
    if unit is None:
        raise ValueInputError(
            'the summary does not say its time unit (attrs["time_unit"] is missing: it was not built by '
            "rfm_summary, or a merge/CSV dropped it), and the segment names need days; pass time_unit='D', "
            "'W' or 'M'", "time_unit")
    out = summary.copy()
    days = TIME_UNITS[unit]
    T = summary["T"].astype("float64")
    # in days, rounded to a microsecond's worth: customers who last bought on the same day tie
    # whatever the unit (in weeks, T/7 - recency/7 may differ in the last bit)
    since_last = ((T - summary["recency"].astype("float64")) * days).round(6)
    out["R"] = _quintile(-since_last, ties)
    out["F"] = _quintile(summary["frequency"].astype("float64"), ties)
    out["M"] = _quintile(summary[monetary_col].astype("float64"), ties)
    digits = out["R"].to_numpy() * 100 + out["F"].to_numpy() * 10 + out["M"].to_numpy()
    out["rfm_score"] = pd.Series(digits.astype(str), index=out.index, dtype=object)
    facts = out[["R", "F", "M"]].copy()
    facts["days_since_last"] = since_last
    facts["age_days"] = (T * days).round(6)
    facts["active"] = facts["days_since_last"] <= active_days
    facts["new"] = facts["age_days"] <= active_days
    facts["frequency"] = summary["frequency"]
    out["active"] = facts["active"].to_numpy()
    out["new"] = facts["new"].to_numpy()
    names, labels = _apply_rules(facts, rules)
    out["segment"] = names
    out["segment_zh"] = labels
    return out


def segment_labels(rules: Sequence[tuple[str, str, Condition]] | None = None) -> dict[str, str]:
    """Segment name → Chinese label, for a rule table (default ``SEGMENT_RULES``) and "Other"."""
    rules = SEGMENT_RULES if rules is None else rules
    return {**{name: zh for name, zh, _ in rules}, OTHER_SEGMENT[0]: OTHER_SEGMENT[1]}


def describe_rules(rules: Sequence[tuple[str, str, Condition]] | None = None, *, active_days: float = ACTIVE_DAYS,
                   lang: str = "en") -> pd.DataFrame:
    """Each segment's conditions in words, in rule order: ``segment``, ``label`` (in ``lang``)
    and ``conditions`` ("bought in the last 90 days; R 4–5; F 4–5; M 4–5"). A rule is checked
    only for customers no earlier rule took, which the ``conditions`` of a later rule do not
    repeat.

    >>> describe_rules().iloc[0].tolist()
    ['Champions', 'Champions', 'bought in the last 90 days; R 4–5; F 4–5; M 4–5']
    """
    check_lang(lang)
    rules = SEGMENT_RULES if rules is None else list(rules)
    _check_rules(rules)
    rows = []
    for name, zh, cond in rules:
        label = zh if lang == "zh" else name  # a custom table carries its own Chinese
        rows.append({"segment": name, "label": label, "conditions": _describe(cond, active_days, lang)})
    return pd.DataFrame(rows, columns=["segment", "label", "conditions"])


def _describe(cond: Condition, active_days: float, lang: str) -> str:
    if callable(cond):
        return translate("a custom function of the scores", lang)
    parts = []
    words = {("active", True): N_("bought in the last {days:g} days"),
             ("active", False): N_("no purchase in the last {days:g} days"),
             ("new", True): N_("first purchase in the last {days:g} days"),
             ("new", False): N_("first purchase more than {days:g} days ago")}
    for fact in FACTS:
        if fact in cond:
            parts.append(translate(words[(fact, bool(cond[fact]))], lang, days=active_days))
    for letter in ("R", "F", "M"):
        if letter in cond:
            low, high = cond[letter]
            parts.append(f"{letter} {low}" if low == high else f"{letter} {low}–{high}")
    return "; ".join(parts) if parts else translate("any customer", lang)


def _quintile(values: pd.Series, ties: str = "first") -> pd.Series:
    """Scores 1–5: the quintile of each value's rank (ties broken by index label, or sharing
    the quintile of their lowest rank with ``ties="min"``)."""
    if len(values) == 0:
        return pd.Series(np.zeros(0, dtype=np.int64), index=values.index)
    if values.isna().any():
        raise ValueInputError("scores need a value for every customer", values.name,
                              list(values.index[values.isna()]))
    if len(values) == 1:
        return pd.Series(np.full(1, 3, dtype=np.int64), index=values.index)
    v = values.to_numpy(dtype="float64")
    if ties == "min":
        # every value takes the score of its lowest rank: 1 + how many values are smaller
        ranks = np.searchsorted(np.sort(v), v, side="left") + 1
    else:
        # ranks in value order, ties broken by label (so the row order does not matter)
        order = np.lexsort((np.asarray(values.index.astype(str)), v))
        ranks = np.empty(len(v), dtype=np.int64)
        ranks[order] = np.arange(1, len(v) + 1)
    # quintile bins of the ranks 1..n, as pandas.qcut draws them (right-closed, lowest included)
    edges = np.quantile(np.arange(1, len(v) + 1, dtype="float64"), [0, 0.2, 0.4, 0.6, 0.8, 1])
    scores = np.clip(np.searchsorted(edges, ranks, side="left"), 1, 5).astype(np.int64)
    return pd.Series(scores, index=values.index)


def _check_rules(rules) -> None:
    names = set()
    for i, rule in enumerate(rules):
        if not (isinstance(rule, (tuple, list)) and len(rule) == 3):
            raise ValueInputError(f"rule {i} must be (name, zh_label, condition), got {rule!r}", "rules")
        name, _zh, cond = rule
        if name in names:
            raise ValueInputError(f"segment {name!r} appears twice", "rules")
        names.add(name)
        if callable(cond):
            continue
        if not isinstance(cond, Mapping):
            raise ValueInputError(f"the condition of {name!r} must be a mapping or a function", "rules")
        for letter, bounds in cond.items():
            if letter in FACTS:
                if not isinstance(bounds, (bool, np.bool_)):
                    raise ValueInputError(f"the condition of {name!r} has {letter!r}: {bounds!r}; a fact is "
                                          "True or False", "rules")
                continue
            ok = (letter in ("R", "F", "M") and isinstance(bounds, (tuple, list)) and len(tuple(bounds)) == 2
                  and 1 <= bounds[0] <= bounds[1] <= 5)
            if not ok:
                raise ValueInputError(f"the condition of {name!r} has {letter!r}: {bounds!r}; use 'R', 'F' or 'M' "
                                      "with an inclusive range (low, high) within 1..5, or 'active'/'new' with "
                                      "True or False", "rules")


def _apply_rules(scores: pd.DataFrame, rules) -> tuple[pd.Categorical, pd.Categorical]:
    n = len(scores)
    chosen = np.full(n, -1)
    for i, (_name, _zh, cond) in enumerate(rules):
        if callable(cond):
            mask = np.asarray(cond(scores), dtype=bool)
            if mask.shape != (n,):
                raise ValueInputError(f"the condition of {_name!r} must return one boolean per customer", "rules")
        else:
            mask = np.ones(n, dtype=bool)
            for letter, bounds in cond.items():
                s = scores[letter].to_numpy()
                if letter in FACTS:
                    mask &= s == bool(bounds)
                else:
                    mask &= (s >= bounds[0]) & (s <= bounds[1])
        chosen[(chosen < 0) & mask] = i
    names = [name for name, _, _ in rules]
    labels = [zh for _, zh, _ in rules]
    if (chosen < 0).any():
        names.append(OTHER_SEGMENT[0])
        labels.append(OTHER_SEGMENT[1])
        chosen[chosen < 0] = len(rules)
    zh_categories = list(dict.fromkeys(labels))  # two rules may share a Chinese label
    zh_codes = np.array([zh_categories.index(label) for label in labels])[chosen]
    return (pd.Categorical.from_codes(chosen, categories=names),
            pd.Categorical.from_codes(zh_codes, categories=zh_categories))


# ----------------------------------------------------------------------------- helpers


def _require_columns(frame: pd.DataFrame, columns) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueInputError(f"expected a DataFrame, got {type(frame).__name__}")
    for c in columns:
        if c not in frame.columns:
            raise ValueInputError(f"the frame has no column {c!r} (it has: {', '.join(map(str, frame.columns))})", c)


def _customer_keys(ids: pd.Series, room: int) -> tuple[np.ndarray, int, Callable[[np.ndarray], pd.Index]]:
    """Integer keys of ``ids`` (uint64) in the sort order of the ids, how many bits they use, and
    a function giving the ids of some rows (by position) as an index.

    Hashing or sorting millions of strings is the slowest part of a summary. Ids of one length
    of at most 8 bytes (the usual zero-padded "000123") are read straight from Arrow's buffer as
    one big-endian integer each, whose numeric order is the ids' byte order, i.e. their string
    order. Bits that every id shares (the "0x3" half of an ASCII digit, a constant prefix) are
    dropped, which keeps that order: six-digit ids need 24 bits, leaving ``room`` (the bits the
    caller has left in a 64-bit sort key) for the day and the row. Ids that do not fit get dense
    ranks instead (an argsort of the integers), other ids pandas' sorted factorization.
    """
    try:
        arr = pa.array(ids.array if isinstance(ids.dtype, pd.StringDtype) else ids, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # ids that are not text (numbers, mixed)
        arr = None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    width = 0
    if arr is not None and len(arr) and not arr.null_count:
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1]
        lengths = np.diff(offsets)
        if lengths[0] <= 8 and (lengths == lengths[0]).all():
            width = int(lengths[0])
    if not width:
        codes, uniques = pd.factorize(ids, sort=True)
        uniques = pd.Index(uniques)
        return codes.astype(np.uint64), max(len(uniques) - 1, 0).bit_length(), lambda rows: uniques.take(codes[rows])

    n = len(arr)
    chars = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[0] + n * width].reshape(n, width)
    if width == 8:  # already one big-endian integer each (the astype below swaps the bytes into a copy)
        padded = chars
    else:
        padded = np.zeros((n, 8), dtype=np.uint8)
        padded[:, :width] = chars
    packed = padded.view(">u8").ravel().astype(np.uint64)
    mapper = {pa.string(): ids.dtype}.get if isinstance(ids.dtype, pd.StringDtype) else None

    def ids_at(rows: np.ndarray) -> pd.Index:
        # the ids' bytes gathered as fixed-width rows, cheaper than Arrow's take of variable strings
        data = np.ascontiguousarray(chars[rows]).ravel()
        offsets = np.arange(0, (len(rows) + 1) * width, width, dtype=np.int32)
        picked = pa.StringArray.from_buffers(len(rows), pa.py_buffer(offsets), pa.py_buffer(data))
        return pd.Index(picked.to_pandas(types_mapper=mapper))

    keys, bits = _drop_shared_bits(packed)
    if bits > room:
        order = np.argsort(packed)
        ranked = packed[order]
        new_id = np.r_[True, ranked[1:] != ranked[:-1]]
        keys = np.empty(n, dtype=np.uint64)
        keys[order] = np.cumsum(new_id) - 1
        bits = int(keys.max()).bit_length()
    return keys, bits, ids_at


def _drop_shared_bits(values: np.ndarray) -> tuple[np.ndarray, int]:
    """``values`` (uint64) with the bits they all share removed, and how many bits are left.

    Two values first differ at a bit that varies, and the varying bits keep their order, so the
    result compares as the values do (equal stays equal)."""
    varying = int(np.bitwise_or.reduce(values)) & ~int(np.bitwise_and.reduce(values))
    out = np.zeros(len(values), dtype=np.uint64)
    part = np.empty_like(out)
    width = bit = 0
    while varying >> bit:
        if not (varying >> bit) & 1:
            bit += 1
            continue
        run = 0
        while (varying >> (bit + run)) & 1:
            run += 1
        # out |= (values >> bit & (2**run - 1)) << width, in one scratch array
        np.right_shift(values, np.uint64(bit), out=part)
        np.bitwise_and(part, np.uint64((1 << run) - 1), out=part)
        out |= np.left_shift(part, np.uint64(width), out=part)
        width, bit = width + run, bit + run
    return out, width


def _sort_orders(customer_key: np.ndarray, key_bits: int, day: np.ndarray, day_bits: int, rows: np.ndarray,
                 row_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The orders sorted by (customer key, day, row): for each, ``customer << day_bits | day``
    (uint64; ``customer`` follows the key's order, ``day`` is counted from 0) and its row.

    One in-place np.sort of ``key << (day_bits + row_bits) | day << row_bits | row`` when the
    three fit in 64 bits; a lexsort otherwise (ids that would not pack, dates decades apart),
    where the customer becomes its rank among the keys (fewer than the orders, so it fits).

    ``day`` and ``rows`` are the caller's scratch arrays: they are overwritten (fresh copies of
    them would cost a first call their page faults)."""
    day, rows = _as_uint64(day), _as_uint64(rows)
    if key_bits + day_bits + row_bits > 64:
        order = np.lexsort((rows, day, customer_key))
        ranked = customer_key[order]
        rank = np.cumsum(np.r_[False, ranked[1:] != ranked[:-1]]).astype(np.uint64)
        return rank << np.uint64(day_bits) | day[order], rows[order].astype(np.intp)
    # in place where the arrays are ours: fewer fresh pages, which a first call pays for
    packed = np.left_shift(customer_key, np.uint64(day_bits + row_bits))
    packed |= np.left_shift(day, np.uint64(row_bits), out=day)
    packed |= rows
    packed.sort()
    np.bitwise_and(packed, np.uint64((1 << row_bits) - 1), out=rows)
    return np.right_shift(packed, np.uint64(row_bits), out=packed), rows.view(np.int64)


def _as_uint64(values: np.ndarray) -> np.ndarray:
    """Non-negative int64 values as uint64: the same memory, where ``astype`` would copy it."""
    return values.view(np.uint64) if values.dtype == np.int64 else values.astype(np.uint64)


def _days(dates: pd.Series, column: str, name_rows=None) -> np.ndarray:
    """Whole days since 1970-01-01 of each timestamp (its calendar day), as int64.

    ``name_rows`` (a function of a row mask, e.g. ``partial(_order_labels, orders, customer)``)
    names the orders an error lists; default: the index labels."""
    if not pd.api.types.is_datetime64_any_dtype(dates):
        try:
            dates = pd.to_datetime(dates)
        except (ValueError, TypeError) as exc:
            raise ValueInputError(f"cannot read the dates ({exc})", column) from exc
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)  # the local calendar day is the day of the purchase
    missing = dates.isna().to_numpy()
    if missing.any():
        names = name_rows(missing) if name_rows is not None else list(np.asarray(dates.index, dtype=object)[missing])
        raise ValueInputError(f"{int(missing.sum())} order(s) have no date", column, names)
    return dates.to_numpy().astype("datetime64[D]").view(np.int64)


def _order_labels(orders: pd.DataFrame, customer_col: str, mask) -> list:
    """How an error names the orders ``mask`` selects: by ``order_id`` when the frame has one,
    else by customer id, and only where neither is known by the row's index label. A row
    position means nothing to someone holding the file or the store. Only the selected rows are
    read: the labels are built when an error needs them, not for every order of every call."""
    picked = orders.iloc[np.flatnonzero(np.asarray(mask, dtype=bool))]
    names = np.asarray(picked.index, dtype=object).copy()
    for column in (customer_col, "order_id"):  # the order id, where there is one, wins
        if column in picked.columns:
            ids = picked[column].astype(object).to_numpy()
            known = ~pd.isna(ids)
            names[known] = ids[known]
    return list(names)


def _named_by(orders: pd.DataFrame) -> str:
    """What ``_order_labels`` lists, for the error's reason."""
    return "order ids" if "order_id" in orders.columns else "customer ids"


def _day_number(day: pd.Timestamp) -> int:
    """Days since 1970-01-01 of a day as ``crmkit.timeframe.as_of_day`` returns it."""
    return int(np.datetime64(day.date(), "D").astype(np.int64))
