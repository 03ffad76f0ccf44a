"""One meaning of time in crmkit: ``as_of`` is a calendar day, inclusive.

Every analysis that looks at the records "as of" a date reads ``as_of`` the same way: value
(``rfm_summary``, ``value_grades``, ``abc``, ``segment_migration``), close (features, scores,
follow-ups, backtests), the widgets (explorer, lead board), the monthly report and the demo's
hidden truth.

* ``as_of`` is a **calendar day**: everything dated on or before that day counts, nothing after
  it. An order at 23:59 on the ``as_of`` day is in; one at 00:00 the next day is out.
* It is **keyword-only** everywhere: ``rfm_summary(orders, as_of="2026-10-31")``.
* A ``datetime.date``, a "YYYY-MM-DD" string, a datetime or a Timestamp at midnight are all fine
  (:func:`as_of_day` turns them into a midnight Timestamp). A time of day other than midnight
  is refused with :class:`~crmkit.exceptions.AsOfError`, so that nobody believes a 14:00 cut-off
  was applied. A timezone-aware value counts by its own wall-clock day, as the records do.
* Code that needs a moment (a card "as things stood", the replay of its change history, a read
  with an exclusive ``end``) uses :func:`end_of`, the midnight after the ``as_of`` day.
* Day counts are measured on the ``as_of`` day: a card opened on it is 0 days old, a customer
  contacted on it was contacted 0 days ago, ``T`` in RFM runs to it.
* A missing ``as_of`` is the **data date** (:func:`default_as_of`): for a store, the day of its
  last recorded activity (``Store.data_date``); for DataFrames, their newest activity date.
  Only when there is no dated record at all (an empty store or frame) is it today, so an
  analysis of historical data never silently jumps to the wall clock.
* A second date beside ``as_of`` follows the same rule and is named for its role:
  ``segment_migration(orders, since=..., as_of=...)`` (segments at the end of ``since`` against
  those at the end of ``as_of``), ``backtest(crm, cutoff=...)`` (the last day the model may see),
  ``training_snapshots(..., start=..., cutoff=...)``.

Windows are another thing: ``start``/``end`` (``Store.read``, ``lost_analysis``, the report's
month) are half-open moments ``[start, end)``; ``end=end_of(as_of)`` reads everything up to and
including the ``as_of`` day.

>>> as_of_day("2026-10-31")
Timestamp('2026-10-31 00:00:00')
>>> end_of("2026-10-31")
Timestamp('2026-11-01 00:00:00')
>>> import pandas as pd
>>> orders = pd.DataFrame({"ordered_at": pd.to_datetime(["2026-03-01 10:00", "2026-03-09 17:30"])})
>>> default_as_of(orders)
Timestamp('2026-03-09 00:00:00')
>>> as_of_day("2026-10-31 14:00")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
crmkit.exceptions.AsOfError: as_of='2026-10-31 14:00' has a time of day (14:00:00), ...
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .exceptions import AsOfError

__all__ = ["as_of_day", "end_of", "default_as_of", "resolve_as_of", "ACTIVITY_DATES"]

#: The (table, column) pairs that date an activity; the data date is the newest of them. A
#: customer's ``created_at`` is not among them: adding a customer records no sale or contact.
ACTIVITY_DATES: tuple[tuple[str, str], ...] = (
    ("interactions", "occurred_at"), ("orders", "ordered_at"), ("opportunities", "created_at"),
    ("opportunities", "closed_at"), ("settlements", "settled_at"), ("complaints", "received_at"),
)

_ONE_DAY = pd.Timedelta(days=1)


def as_of_day(value, *, name: str = "as_of") -> pd.Timestamp:
    """``value`` as the midnight Timestamp of its calendar day (tz-naive).

    Accepts a ``datetime.date``, a "YYYY-MM-DD" string, a datetime, a numpy datetime64 or a
    Timestamp, at midnight. Raises :class:`~crmkit.exceptions.AsOfError` (a ValueError) when it
    is missing, unreadable or has a time of day other than midnight. ``name`` is the argument's
    name in the message ("as_of", "since", "cutoff" ...).

    >>> import datetime
    >>> as_of_day(datetime.date(2026, 10, 31)) == as_of_day("2026-10-31 00:00") == as_of_day("2026-10-31")
    True
    """
    if isinstance(value, pd.Timestamp) and value.tzinfo is None and value.value % 86_400_000_000_000 == 0:
        return value  # already a day: the common case in loops (snapshots, the explorer's cache)
    if value is None:
        raise AsOfError(name, value, "is missing")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise AsOfError(name, value, f"cannot be read as a date ({exc})") from exc
    if ts is pd.NaT:
        raise AsOfError(name, value, "is not a date")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)  # the wall-clock day, as records are dated
    if ts != ts.normalize():
        raise AsOfError(name, value, f"has a time of day ({ts.time()}), and a cut-off within a day is not supported")
    return ts


def end_of(as_of) -> pd.Timestamp:
    """The exclusive moment that ends the ``as_of`` day: its next midnight.

    What is dated strictly before it is known at ``as_of``; use it as the ``end`` of a store
    read (``crm.orders(end=end_of(as_of))``) or to replay what stood at the end of the day.
    """
    return as_of_day(as_of) + _ONE_DAY


def default_as_of(source, *, columns=None) -> pd.Timestamp:
    """The data date of ``source``: the day of its newest dated activity, or today when it has none.

    ``source`` is

    * a Store: ``source.data_date()``, the day of its last recorded visit, order, card opened or
      closed, settlement or complaint;
    * a dict of DataFrames by table name (as ``close.features_from_tables`` takes): the newest
      of the ``ACTIVITY_DATES`` columns of the tables it holds;
    * a DataFrame: the newest of its ``columns`` (default: those named in ``ACTIVITY_DATES``,
      e.g. ``ordered_at`` in an order frame);
    * a Series of dates: its newest.

    Missing dates are ignored. Only when no dated record is found at all is the answer today
    (there is no history to be faithful to); never otherwise, so an analysis of old data is
    not silently moved to the wall clock.
    """
    if callable(getattr(source, "data_date", None)):
        newest = source.data_date()
    elif isinstance(source, pd.Series):
        newest = _newest(source)
    elif isinstance(source, pd.DataFrame):
        names = columns if columns is not None else [c for _, c in ACTIVITY_DATES if c in source.columns]
        newest = _max([_newest(source[c]) for c in dict.fromkeys(names)])
    elif isinstance(source, Mapping):
        found = []
        for table, column in ACTIVITY_DATES:
            frame = source.get(table)
            if frame is not None and column in frame.columns:
                found.append(_newest(frame[column]))
        newest = _max(found)
    else:
        raise TypeError(f"default_as_of takes a Store, a dict of DataFrames, a DataFrame or a Series, "
                        f"not {type(source).__name__}")
    if newest is None or newest is pd.NaT:
        return pd.Timestamp.today().normalize()
    newest = pd.Timestamp(newest)
    return (newest.tz_localize(None) if newest.tzinfo is not None else newest).normalize()


def resolve_as_of(as_of, source, *, columns=None, name: str = "as_of") -> pd.Timestamp:
    """``as_of_day(as_of)``, or the data date of ``source`` when ``as_of`` is None.

    What every public function taking ``as_of=None`` does first.
    """
    if as_of is None:
        return default_as_of(source, columns=columns)
    return as_of_day(as_of, name=name)


def _newest(dates: pd.Series):
    if len(dates) == 0:
        return None
    if not pd.api.types.is_datetime64_any_dtype(dates):
        dates = pd.to_datetime(dates, errors="coerce", format="mixed")
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    newest = dates.max()
    return None if pd.isna(newest) else newest


def _max(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None
