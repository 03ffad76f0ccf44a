"""`crmkit report`: render the monthly report; a thin shell over ``render_monthly``.

    crmkit report                           the last full month of the store's data
    crmkit report --month 2026-10 --pdf     + a PDF (A4)
    crmkit report --by region               one report per region, two at a time
    crmkit report --region 华东 --rep 张伟   one region, one rep
    crmkit report --lang en --currency USD  in English, amounts in US dollars
    crmkit report --kind account --customer 000123 --pdf   a key account's one-pager
    crmkit report --kind weekly --week 2026-W44            the week's traffic, follow-ups, visit plans
    crmkit report --kind quarterly --quarter 2026Q3 --pdf  rep performance and sales by quarter

It prints where each report is; a failing notebook cell ends it with exit status 1 and a
message naming the cell, the exception and the partial notebook (``cli.main`` prints it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..exceptions import ReportParameterError
from ..i18n import LANGS, translate
from ..language import resolve_lang


def add_arguments(parser) -> None:
    parser.add_argument("--kind", choices=["monthly", "weekly", "quarterly", "account"], default="monthly",
                        help="monthly (default): the month's report; weekly: the week's traffic against last week, "
                             "each rep's follow-ups and visit plans (--week); quarterly: rep performance over the "
                             "quarter, ranked, and sales by quarter and region (--quarter); account: one key "
                             "account's one-pager (its plan, KPIs against targets, history, value), with --customer")
    parser.add_argument("--week", metavar="YYYY-Www",
                        help="the week of --kind weekly, e.g. 2026-W44 or any day of it (default: the last full week "
                             "of the store's data)")
    parser.add_argument("--quarter", metavar="YYYYQn",
                        help="the quarter of --kind quarterly, e.g. 2026Q3 (default: the last full quarter of the "
                             "store's data)")
    parser.add_argument("--customer", metavar="ID", help="the account of --kind account (客户编号)")
    parser.add_argument("--month", metavar="YYYY-MM",
                        help="the month to report (default: the last full month of the store's data)")
    parser.add_argument("--region", metavar="R", help="only customers of this region")
    parser.add_argument("--rep", metavar="NAME", help="only this rep's records")
    parser.add_argument("--by", choices=["region", "rep"],
                        help="one report per region, or per rep with records in the month")
    parser.add_argument("--pdf", action="store_true", help="also print a PDF (A4; needs chromium)")
    parser.add_argument("--out", metavar="DIR", type=Path, help="reports folder (default: reports/ of the project)")
    parser.add_argument("--show-personal-data", action="store_true",
                        help="show phones and emails unmasked (they are masked unless you ask)")
    parser.add_argument("--jobs", type=int, metavar="N", help="reports rendered at once with --by (default 2)")
    parser.add_argument("--lang", choices=["zh+en", "zh", "en"], default=None,
                        help="the report's language: zh+en (titles in both, the rest in Chinese), zh, en (default: "
                             "the store's language, see crmkit init --lang; else the locale's; else zh+en)")
    parser.add_argument("--currency", metavar="CODE", default=None,
                        help="ISO 4217 code of the store's amounts, e.g. USD or EUR (default: the store's currency, "
                             "else CNY); nothing is converted")
    parser.add_argument("--notebook", metavar="IPYNB", type=Path,
                        help="render another notebook with the same parameters (default: the one shipped in crmkit/reports/)")


def run(args) -> int:
    from .execute import skip_slow_iri_grammar
    from .render import render_monthly

    skip_slow_iri_grammar()
    if args.kind == "account":
        return _account(args)
    if args.kind in ("weekly", "quarterly"):
        return _periodic(args)
    for option in ("week", "quarter"):
        if getattr(args, option):
            raise ReportParameterError(option, getattr(args, option), f"is for --kind {_KIND_OF[option]}")
    if args.customer:
        raise ReportParameterError("customer", args.customer, "names the account of --kind account")
    month_given = args.month is not None
    result = render_monthly(args.month, region=args.region, rep=args.rep, by=args.by, db_url=args.db,
                            out_dir=args.out, pdf=args.pdf, show_personal_data=args.show_personal_data,
                            notebook=args.notebook, jobs=args.jobs, progress=True, lang=args.lang,
                            currency=args.currency)
    reports = list(result.values()) if isinstance(result, dict) else [result]
    month, say = reports[0].month, _message_lang(args)
    why = "" if month_given else translate(" (the last full month of the store's data)", say)
    if len(reports) == 1:
        r = reports[0]
        print(translate("report for {month}{why}: {path}", say, month=month, why=why, path=_shown(r.html)))
        for path in (r.pdf, r.notebook, r.manifest):
            if path is not None:
                print(f"  {_shown(path)}")
    else:
        print(translate("{n} reports by {by} for {month}{why}, in {folder}:", say, n=len(reports), by=args.by,
                        month=month, why=why, folder=_shown(reports[0].html.parent)))
        for value, r in result.items():
            print(f"  {value}: {r.html.name}" + (f", {r.pdf.name}" if r.pdf else ""))
    if args.show_personal_data:
        print(translate("note: phones and emails are shown unmasked; share these files accordingly", say),
              file=sys.stderr)
    return 0


def _account(args) -> int:
    from .account import render_account

    if not args.customer:
        raise ReportParameterError("customer", None, "--kind account renders one account: add --customer ID")
    for option in ("month", "region", "rep", "by", "notebook", "jobs", "week", "quarter"):
        if getattr(args, option):
            raise ReportParameterError(option, getattr(args, option), f"is for --kind {_KIND_OF[option]}")
    paths = render_account(args.customer, db_url=args.db, out_dir=args.out, pdf=args.pdf, lang=args.lang,
                           currency=args.currency, show_personal_data=args.show_personal_data, progress=True)
    say = _message_lang(args)
    print(translate("account page of {customer}: {path}", say, customer=args.customer, path=_shown(paths.html)))
    for path in paths.files[1:]:
        print(f"  {_shown(path)}")
    return 0


#: The kind each period option belongs to (an option given to another kind is refused).
_KIND_OF = {"week": "weekly", "quarter": "quarterly", "month": "monthly", "region": "monthly|weekly|quarterly",
            "rep": "monthly|weekly|quarterly", "by": "monthly", "notebook": "monthly", "jobs": "monthly"}


def _periodic(args) -> int:
    from .periodic import render_quarterly, render_weekly

    kind = args.kind
    own = "week" if kind == "weekly" else "quarter"
    for option in ("customer", "month", "by", "notebook", "jobs", "week", "quarter"):
        if option != own and getattr(args, option):
            raise ReportParameterError(option, getattr(args, option), f"is not an option of --kind {kind}")
    render = render_weekly if kind == "weekly" else render_quarterly
    given = getattr(args, own)
    paths = render(given, db_url=args.db, out_dir=args.out, pdf=args.pdf, lang=args.lang, currency=args.currency,
                   region=args.region, rep=args.rep, show_personal_data=args.show_personal_data, progress=True)
    say = _message_lang(args)
    if given is not None:
        why = ""
    elif kind == "weekly":
        why = translate(" (the last full week of the store's data)", say)
    else:
        why = translate(" (the last full quarter of the store's data)", say)
    print(translate("report for {month}{why}: {path}", say, month=paths.month, why=why, path=_shown(paths.html)))
    for path in paths.files[1:]:
        print(f"  {_shown(path)}")
    if args.show_personal_data:
        print(translate("note: phones and emails are shown unmasked; share these files accordingly", say),
              file=sys.stderr)
    return 0


def _message_lang(args) -> str:
    """The language of the command's messages: the report's (Chinese for "zh+en"), else the store's."""
    from ..store import default_url
    from ..store import open as open_store

    with open_store(args.db or default_url()) as crm:   # it exists: the report was just made from it
        return resolve_lang(args.lang, crm, fallback="en", allowed=LANGS)


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is below it (shorter to read and click)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return os.fspath(path)
