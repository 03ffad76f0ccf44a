"""The month's data: what the report reads from the store, read once, with the filters in SQL.

>>> data = load_month(None, "2026-10", region="华东")          # doctest: +SKIP
>>> data.interactions.occurred_at.min(), data.is_empty          # doctest: +SKIP

Reads (each filtered by region and rep in SQL, and ending at the month's end so a report on a
past month never sees later records):

* customers: all of them (value segments, ageing and quality need the whole book), a subset
  of columns;
* interactions: this month and the previous one (month-on-month), and the same month a year
  earlier (year-on-year); rep performance over three months is judged on the cards they closed;
* opportunities, orders, settlements: everything created up to the month's end (funnel state,
  RFM/CLV and ageing need the history);
* complaints: everything received up to the month's end (open complaints carry over);
* contacts: their phone/email columns only, to tell which customers can be reached at all;
* the opportunities' change history (grade, stage and status moves) since the quarter began
  (the three months ending with this one), to rebuild the cards as they stood at the month's
  start and end and at the quarter's start (how good the grades were).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from ...i18n import translate
from .formatting import BILINGUAL, DEFAULT_CURRENCY, REPORT_LANGS, ReportLanguage, check_currency
from .section import timed

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

# Only the columns some section uses: at 100k customers every text column read costs time.
CUSTOMER_COLUMNS = ["name", "region", "owner", "phone", "email", "source", "created_at", "credit_limit"]
INTERACTION_COLUMNS = ["customer_id", "occurred_at", "channel", "rep", "left_contact"]
OPPORTUNITY_COLUMNS = ["customer_id", "stage", "intent_grade", "expected_amount", "competitor", "created_at",
                       "status", "closed_at", "lost_reason", "rep"]
ORDER_COLUMNS = ["customer_id", "ordered_at", "amount", "rep"]
SETTLEMENT_COLUMNS = ["customer_id", "settled_at", "receivable", "received", "outstanding", "due_date", "handler"]
COMPLAINT_COLUMNS = ["customer_id", "received_at", "category", "content", "handler", "status", "resolved_at"]


@dataclass
class MonthData(ReportLanguage):
    """Everything a monthly report needs, read once by :func:`load_month`.

    ``start``/``end`` bound the month (end exclusive); ``as_of`` is its last day, the ``as_of`` of
    every analysis in the report (``crmkit.timeframe``); ``previous_start`` is the previous month's
    first day, ``quarter_start`` the first day of the three months ending with this one,
    ``last_year_start``/``last_year_end`` the same month a year earlier. Frames hold crmkit's
    column names and dtypes (the columns in ``*_COLUMNS`` above, plus each table's id and
    ``version``): ``interactions`` covers this month and the previous one,
    ``interactions_last_year`` the same month a year earlier, the other tables everything up
    to the month's end, and ``opportunity_changes`` the cards' history since ``quarter_start``. ``timings`` maps a stage ("queries", "analysis", "plotting") to
    seconds spent in it so far.
    """

    month: str
    db_url: str | None
    region: str | None
    rep: str | None
    show_personal_data: bool
    start: pd.Timestamp
    end: pd.Timestamp
    customers: pd.DataFrame
    contacts: pd.DataFrame
    interactions: pd.DataFrame
    interactions_last_year: pd.DataFrame
    opportunities: pd.DataFrame
    orders: pd.DataFrame
    settlements: pd.DataFrame
    complaints: pd.DataFrame
    opportunity_changes: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    #: The report's language ("zh", "en" or "zh+en": see ``formatting.prose_lang``) and currency.
    lang: str = BILINGUAL
    currency: str = DEFAULT_CURRENCY
    # results several sections share (cards at a date), computed once per report
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, key, compute):
        """``compute()``, computed once per key for this report (sections share e.g. cards at a date)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def previous_start(self) -> pd.Timestamp:
        return self.start - pd.DateOffset(months=1)

    @property
    def quarter_start(self) -> pd.Timestamp:
        return self.start - pd.DateOffset(months=2)

    @property
    def last_year_start(self) -> pd.Timestamp:
        return self.start - pd.DateOffset(years=1)

    @property
    def last_year_end(self) -> pd.Timestamp:
        return self.end - pd.DateOffset(years=1)

    @property
    def as_of(self) -> pd.Timestamp:
        """The month's last day: the report's ``as_of`` (a calendar day, see ``crmkit.timeframe``),
        so the month's records all count and ``end_of(as_of)`` is ``end``."""
        return self.end - pd.Timedelta(days=1)

    @property
    def scope(self) -> str:
        """The filter in words, e.g. "华东区域 · 销售顾问 张伟" (empty for the whole company)."""
        parts = []
        if self.region is not None:
            parts.append(translate("region {region}", self.prose, region=self.region))
        if self.rep is not None:
            parts.append(translate("rep {rep}", self.prose, rep=self.rep))
        return " · ".join(parts)

    @property
    def label(self) -> str:
        """The month (and filter) in words, e.g. "2026年10月（华东区域）"."""
        text = self.fmt.month_label(self.start)
        return translate("{month} ({scope})", self.prose, month=text, scope=self.scope) if self.scope else text

    @cached_property
    def is_empty(self) -> bool:
        """True when the month holds no record of any kind (in the filter's scope)."""
        def within(frame: pd.DataFrame, column: str) -> bool:
            dates = frame[column]
            return bool(((dates >= self.start) & (dates < self.end)).any())

        return not any([
            within(self.customers, "created_at"), within(self.interactions, "occurred_at"),
            within(self.opportunities, "created_at"), within(self.opportunities, "closed_at"),
            within(self.orders, "ordered_at"), within(self.settlements, "settled_at"),
            within(self.complaints, "received_at"),
        ])

    def in_month(self, frame: pd.DataFrame, column: str, start=None, end=None) -> pd.DataFrame:
        """The rows of ``frame`` whose ``column`` falls in the month (or in [start, end))."""
        start = self.start if start is None else start
        end = self.end if end is None else end
        dates = frame[column]
        return frame[(dates >= start) & (dates < end)]


def is_in(values: pd.Series, ids) -> pd.Series:
    """``values.isin(ids)`` for text ids, through a Python set.

    ``Series.isin`` on Arrow-backed strings costs ~0.1 s per 20k rows; a set lookup per value is
    ten times faster, which matters at 100k customers. Missing values are never in.
    """
    ids = ids if isinstance(ids, (set, frozenset)) else id_set(pd.Series(ids))
    found = [v in ids for v in values.to_numpy(dtype=object, na_value=None)]
    return pd.Series(found, index=values.index, dtype=bool)


def id_set(values: pd.Series) -> set:
    """The distinct non-missing values of ``values`` as a Python set (built from a list: iterating
    an Arrow-backed Series value by value is ~20 times slower)."""
    return set(values.dropna().tolist())


def month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first day of ``month`` ("YYYY-MM") and the first day of the next month.

    Raises ValueError with the expected form when ``month`` is not a real YYYY-MM month.
    """
    found = _MONTH.match(str(month).strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(f"month must look like 2026-10 (YYYY-MM), got {month!r}")
    start = pd.Timestamp(int(found.group(1)), int(found.group(2)), 1)
    return start, start + pd.DateOffset(months=1)


def load_month(db_url: str | None, month: str, *, region: str | None = None, rep: str | None = None,
               show_personal_data: bool = False, lang: str = BILINGUAL,
               currency: str = DEFAULT_CURRENCY) -> MonthData:
    """Read what the report on ``month`` needs from the store at ``db_url``.

    Parameters
    ----------
    db_url : str or None
        The store's URL; None opens ``$CRMKIT_DB_URL`` or ``data/crm.db`` (as ``crmkit.open``).
    month : str
        "YYYY-MM".
    region : str, optional
        Only customers of this region (and their records).
    rep : str, optional
        Only this rep's records (customers they own, their visits, cards, orders, settlements
        they handled, complaints they handled).
    show_personal_data : bool, default False
        Show phones and e-mails unmasked. Sensitive profile facts are never read.
    lang : {"zh+en", "zh", "en"}, default "zh+en"
        The report's language: "zh+en" titles sections and tables in both and writes the rest in
        Chinese.
    currency : str, default "CNY"
        The ISO 4217 code of the store's amounts (how money is written; nothing is converted).

    Returns
    -------
    MonthData
        The frames, the month's bounds and ``timings["queries"]``.
    """
    from ...store import open as open_store

    start, end = month_bounds(month)
    if lang not in REPORT_LANGS:
        raise ValueError(f"lang must be one of {', '.join(REPORT_LANGS)}, got {lang!r}")
    currency = check_currency(currency)
    timings: dict[str, float] = {}
    region = region or None  # papermill passes "" for "not given" from some shells
    rep = rep or None
    with timed(timings, "queries"), open_store(db_url) as crm:
        scope = {"region": region}

        def read(table, columns, *, rep_filter=True, **dates):
            return crm.read(table, columns=columns, rep=rep if rep_filter else None, **scope, **dates)

        previous_start = start - pd.DateOffset(months=1)
        last_year = start - pd.DateOffset(years=1)
        customers = read("customers", CUSTOMER_COLUMNS)
        data = MonthData(
            month=f"{start:%Y-%m}", db_url=db_url, region=region, rep=rep,
            show_personal_data=bool(show_personal_data), start=start, end=end,
            customers=customers,
            contacts=read("contacts", ["customer_id", "phone", "email"], rep_filter=False),
            interactions=read("interactions", INTERACTION_COLUMNS, start=previous_start, end=end),
            interactions_last_year=read("interactions", INTERACTION_COLUMNS, start=last_year,
                                        end=last_year + pd.DateOffset(months=1)),
            opportunities=read("opportunities", OPPORTUNITY_COLUMNS, end=end),
            orders=read("orders", ORDER_COLUMNS, end=end),
            settlements=read("settlements", SETTLEMENT_COLUMNS, end=end),
            complaints=read("complaints", COMPLAINT_COLUMNS, end=end),
            opportunity_changes=_opportunity_changes(crm, since=start - pd.DateOffset(months=2)),
            timings=timings, lang=lang, currency=currency,
        )
        if rep is not None:
            # a rep's report covers the customers they own, whatever the rep on each record
            data.contacts = data.contacts[is_in(data.contacts["customer_id"], id_set(customers["customer_id"]))]
        _check_filters(crm, data)
    return data


def _check_filters(crm, data: MonthData) -> None:
    """Refuse a region or rep the store has never heard of (a typo would give an empty report).

    Only looked into when the filter found nothing at all, so a valid filter costs no query.
    """
    if data.region is not None and data.customers.empty:
        known = crm.read("customers", columns=["region"])["region"].dropna().astype(str).unique()
        if len(known) and data.region not in known:
            raise ValueError(f"unknown region {data.region!r}; regions in the store: {', '.join(sorted(known))}")
    found = [data.customers, data.interactions, data.opportunities, data.orders, data.settlements, data.complaints]
    if data.rep is not None and all(frame.empty for frame in found):
        owners = crm.read("customers", columns=["owner"])["owner"].dropna().astype(str)
        reps = crm.read("interactions", columns=["rep"])["rep"].dropna().astype(str)
        known = id_set(owners) | id_set(reps)
        if known and data.rep not in known:
            raise ValueError(f"unknown rep {data.rep!r}; reps in the store: {', '.join(sorted(known))}")


#: The opportunity fields whose past values the report rebuilds from the history.
TRACKED_FIELDS = ("intent_grade", "stage", "status")


def _opportunity_changes(crm, since: pd.Timestamp) -> pd.DataFrame:
    """Grade, stage and status changes of opportunities made on or after ``since``, oldest first."""
    changes = crm.history("opportunities", since=since, fields=TRACKED_FIELDS)
    return changes.loc[changes["op"] == "update", ["record_id", "field", "old_value", "new_value", "changed_at"]] \
        .reset_index(drop=True)
