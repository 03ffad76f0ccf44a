"""Activity per rep (销售顾问活动量): interactions of the month by rep and channel."""

from __future__ import annotations

import pandas as pd

from ...i18n import N_, choice_label, translate
from ...i18n import translate_in_context
from ...schema import INTERACTIONS
from . import colours
from .section import Figure, Section, Table, section

# the channels in the order the table shows them, the usual ones first (their names: crmkit.schema)
CHANNEL_ORDER = ("visit", "phone", "wechat", "walk_in", "call_in", "email", "event")


@section(N_("Activity per rep"))
def activity(data) -> Section:
    """How many contacts each rep logged this month, by channel, against last month."""
    fmt, say = data.fmt, data.prose
    NO_REP = translate("(not given)", say)  # noqa: N806 (a constant of this report's language)
    now = data.in_month(data.interactions, "occurred_at")
    before = data.in_month(data.interactions, "occurred_at", data.previous_start, data.start)
    if now.empty:
        return Section("", [translate("{month}: no contacts recorded.", say, month=data.label)],
                       data={"per_rep": pd.Series(dtype=int)})
    reps = now["rep"].astype(object).where(now["rep"].notna(), NO_REP)
    channels = now["channel"].astype(object).where(now["channel"].notna(), NO_REP)
    table = pd.crosstab(reps, channels)
    order = [c for c in CHANNEL_ORDER if c in table.columns] + [c for c in table.columns if c not in CHANNEL_ORDER]
    table = table[order]
    per_rep = table.sum(axis=1).sort_values(ascending=False, kind="stable")
    table = table.loc[per_rep.index]
    per_rep_before = before["rep"].astype(object).where(before["rep"].notna(), NO_REP).value_counts()
    named = per_rep.drop(NO_REP, errors="ignore")
    per_customer = now.dropna(subset=["customer_id"]).groupby(reps)["customer_id"].nunique()
    findings = [
        translate("{reps} reps recorded {n} contacts this month ({before} last month), {mean:.1f} each.", say,
                  reps=fmt.count(len(named)), n=fmt.count(len(now)), before=fmt.count(len(before)),
                  mean=len(now) / max(len(named), 1)),
    ]
    if len(named) > 1:
        low = named[named < named.median() / 2]
        findings.append(translate("The most active was {top} ({top_n}), the least {bottom} ({bottom_n}).", say,
                                  top=named.index[0], top_n=fmt.count(named.iloc[0]), bottom=named.index[-1],
                                  bottom_n=fmt.count(named.iloc[-1])))
        if len(low):
            findings.append(translate("{n} below half the median: {reps}.", say, n=len(low),
                                      reps=translate_in_context("list of names", ", ", say).join(map(str, low.index))))
    if NO_REP in per_rep.index:
        findings.append(translate("{n} contacts have no rep (see the data quality section).", say,
                                  n=fmt.count(per_rep[NO_REP])))
    shown = pd.DataFrame({translate("rep", say): table.index})
    for c in table.columns:
        shown[_channel_name(c, say)] = [fmt.count(v) for v in table[c]]
    shown[translate("total", say)] = [fmt.count(v) for v in per_rep]
    shown[translate("last month", say)] = [fmt.count(per_rep_before.get(r, 0)) for r in table.index]
    shown[translate("vs last month", say)] = [fmt.change(per_rep[r], per_rep_before.get(r, 0)) for r in table.index]
    shown[translate("customers contacted", say)] = [fmt.count(per_customer.get(r, 0)) for r in table.index]

    def draw(fig):
        ax = fig.subplots()
        top = table.head(15).iloc[::-1]
        left = None
        for c in top.columns:
            values = top[c].to_numpy()
            ax.barh([fmt.plot_label(r) for r in top.index], values, left=left,
                    label=fmt.plot_label(_channel_name(c, say)),
                    color=colours.CHANNEL.get(c, "#c7c7c7"))
            left = values if left is None else left + values
        ax.set_xlabel(translate("contacts", say))
        ax.set_title(translate("Contacts per rep this month, by channel", say))
        ax.legend(loc="lower right", frameon=False, fontsize=8, ncols=2)
        ax.spines[["top", "right"]].set_visible(False)

    height = min(3.5, 1.0 + 0.2 * min(len(table), 15))
    return Section("", findings, tables=[Table(translate("contacts per rep", data.lang), shown)],
                   figures=[Figure(translate("Contacts per rep this month, by channel", say), draw, height=max(height, 2.2), left=0.8)],
                   data={"per_rep": per_rep, "by_channel": table})


def _channel_name(channel: str, lang: str) -> str:
    """A channel as the forms name it (来店, walk in); a value the schema does not know, as it is."""
    return choice_label(INTERACTIONS["channel"], channel, lang)
