"""The credit rule table: every threshold the assessment uses, with the reason for its default.

A rating starts at A; each rule that fires caps it (at most B, C or D) and the worst cap is the
rating. A rule only ever makes a rating worse, so paying later, owing more or a new warning can
never improve one. Pass your own table to :func:`crmkit.credit.assess`:

>>> strict = CreditRules(on_time_cuts=(0.95, 0.8, 0.5), on_time_caps=("B", "C", "D"), grace_days=3)
>>> CreditRules().rule_table("en").loc["collection_poor", "cap"]
'C'

Every threshold is a number of days or a share, never an amount: the same rules hold for a
store kept in yuan or in dollars, and the suggested limit is counted in months of the customer's
own billing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pandas as pd

from ..exceptions import ParameterError
from ..i18n import N_, translate

#: The ratings, best first.
RATINGS = ("A", "B", "C", "D")
#: Collection status (货款回收状况 良好/一般/较差/极坏), best first: canonical values and the
#: catalog's message ids for their labels.
COLLECTION_STATUSES = ("good", "fair", "poor", "very_bad")
COLLECTION_LABELS = {"good": N_("good"), "fair": N_("fair"), "poor": N_("poor"), "very_bad": N_("very bad")}
#: The aspects of a credit fact (危险客户统计表) and the message ids naming them.
ASPECT_LABELS = {"business_performance": N_("business performance"),
                 "financial_condition": N_("financial condition"),
                 "bankruptcy_signs": N_("signs of bankruptcy")}


@dataclass(frozen=True)
class CreditRules:
    """The thresholds of the credit assessment. Defaults, and why:

    ``window_days`` (365)
        Payment behaviour is judged on the settlements of the last year (and on every bill still
        unpaid, however old): long enough to hold several bills of a monthly customer, short
        enough that a bad year long past is forgiven.
    ``grace_days`` (7)
        A payment at most this many days after its due date counts as on time: bank transfers and
        month-end payment runs take a few days, and a good payer should not read as late.
    ``collection_days`` (7, 30, 90)
        Collection status by the worse of the oldest unpaid bill's days overdue and the average
        days late (weighted by amount): up to 7 good 良好, up to 30 fair 一般, up to 90 poor 较差,
        beyond very bad 极坏. 30 and 90 are the monthly report's ageing steps (one and three
        billing months); its "good" counts any day overdue, here a week's grace applies.
    ``collection_caps`` (fair B, poor C, very bad D)
        The best rating each collection status allows.
    ``on_time_cuts`` (0.8, 0.5) and ``on_time_caps`` (B, C)
        Share of the amount due paid on time: below 80 % at most B (more than one bill in five
        late is a habit, not an accident), below 50 % at most C (late is the rule). How late is
        the collection status's to judge, so a customer always a few days late is not cut to D.
    ``utilisation_cuts`` (0.8, 1.0) and ``utilisation_caps`` (B, C)
        What is owed against the customer's credit limit (信用额度): above 80 % at most B (no
        room for the next order), above 100 % at most C (over the limit). Without a limit, or a
        limit of 0, utilisation is not judged and the result says so.
    ``min_settlements`` (3) and ``thin_history_cap`` (B)
        With fewer bills to judge, the record is too short to earn an A.
    ``unknown_timing_cap`` (B)
        Bills paid without a payment date (paid_at) cannot show whether they were paid on time: a
        customer whose timing is unknown is not rated A on faith.
    ``fact_caps`` (business performance B, financial condition C, signs of bankruptcy D)
        The best rating a recorded, uncleared warning (危险客户统计表) allows: a weak business is a
        watch, a strained balance sheet a risk, a sign of bankruptcy cash only.
    ``limit_months`` (A 3, B 2, C 1, D 0)
        The suggested credit limit is this many months of the customer's average monthly billing
        over the window: enough to cover the usual terms (月结30–90天) for good payers, cash before
        delivery (款到发货) for D.
    ``settled_below`` (0.005)
        What is left unpaid below this share of a bill counts as paid (rounding, a small
        deduction): a bill is not a debt for a cent.
    """

    window_days: int = 365
    grace_days: int = 7
    collection_days: tuple[int, int, int] = (7, 30, 90)
    collection_caps: dict = field(default_factory=lambda: {"fair": "B", "poor": "C", "very_bad": "D"})
    on_time_cuts: tuple[float, ...] = (0.8, 0.5)
    on_time_caps: tuple[str, ...] = ("B", "C")
    utilisation_cuts: tuple[float, ...] = (0.8, 1.0)
    utilisation_caps: tuple[str, ...] = ("B", "C")
    min_settlements: int = 3
    thin_history_cap: str = "B"
    unknown_timing_cap: str = "B"
    fact_caps: dict = field(default_factory=lambda: {"business_performance": "B", "financial_condition": "C",
                                                     "bankruptcy_signs": "D"})
    limit_months: dict = field(default_factory=lambda: {"A": 3.0, "B": 2.0, "C": 1.0, "D": 0.0})
    settled_below: float = 0.005

    def __post_init__(self):
        def bad(name, reason):
            raise ParameterError(name, getattr(self, name), reason)

        if int(self.window_days) < 1:
            bad("window_days", "must be at least 1 day")
        if self.grace_days < 0:
            bad("grace_days", "must be 0 or more days")
        days = tuple(self.collection_days)
        if len(days) != 3 or list(days) != sorted(days) or days[0] < 0:
            bad("collection_days", "must be three rising numbers of days (most for good, fair, poor)")
        for name, cuts, caps, rising in (("on_time", self.on_time_cuts, self.on_time_caps, False),
                                         ("utilisation", self.utilisation_cuts, self.utilisation_caps, True)):
            if len(cuts) != len(caps):
                bad(f"{name}_caps", f"needs one cap per cut in {name}_cuts")
            if list(cuts) != sorted(cuts, reverse=not rising):
                bad(f"{name}_cuts", "must run from the mildest to the harshest cut")
            if list(caps) != sorted(caps) or not set(caps) <= set(RATINGS):
                bad(f"{name}_caps", f"must be ratings among {RATINGS}, from the mildest")
        for name, caps, keys in (("collection_caps", self.collection_caps, COLLECTION_STATUSES[1:]),
                                 ("fact_caps", self.fact_caps, tuple(ASPECT_LABELS))):
            if set(caps) != set(keys) or not set(caps.values()) <= set(RATINGS):
                bad(name, f"must give a rating among {RATINGS} to each of {keys}")
        for name in ("thin_history_cap", "unknown_timing_cap"):
            if getattr(self, name) not in RATINGS:
                bad(name, f"must be one of {RATINGS}")
        if set(self.limit_months) != set(RATINGS) or any(v < 0 for v in self.limit_months.values()):
            bad("limit_months", f"must give 0 or more months to each of {RATINGS}")
        if not 0 <= self.settled_below < 1:
            bad("settled_below", "must be a share of the bill between 0 and 1")

    def rule_table(self, lang: str = "zh") -> pd.DataFrame:
        """The rules as a table: one row per rule (indexed by its code), what fires it and the cap."""
        rows = []
        for status in COLLECTION_STATUSES[1:]:
            rows.append((f"collection_{status}", translate("collection status is {status}", lang,
                                                           status=translate(COLLECTION_LABELS[status], lang)),
                         self.collection_caps[status]))
        for cut, cap in zip(self.on_time_cuts, self.on_time_caps):
            rows.append((on_time_code(cut), translate("paid on time below {share:.0%}", lang, share=cut), cap))
        for cut, cap in zip(self.utilisation_cuts, self.utilisation_caps):
            rows.append((utilisation_code(cut), translate("owes above {share:.0%} of the credit limit", lang,
                                                          share=cut), cap))
        rows.append(("thin_history", translate("fewer than {n} settlements to judge", lang, n=self.min_settlements),
                     self.thin_history_cap))
        rows.append(("timing_unknown", translate("no payment dates recorded", lang), self.unknown_timing_cap))
        for aspect, cap in self.fact_caps.items():
            rows.append((aspect, translate("a recorded warning: {aspect}", lang,
                                           aspect=translate(ASPECT_LABELS[aspect], lang)), cap))
        frame = pd.DataFrame(rows, columns=["rule", "when", "cap"]).set_index("rule")
        frame["cap"] = pd.Categorical(frame["cap"], categories=list(RATINGS), ordered=True)
        return frame

    def as_dict(self) -> dict:
        """The settings, for a result's ``attrs`` (and a manifest)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def on_time_code(cut: float) -> str:
    return f"on_time_below_{round(cut * 100):d}"


def utilisation_code(cut: float) -> str:
    return f"utilisation_above_{round(cut * 100):d}"


DEFAULT_RULES = CreditRules()
