"""The ``crmkit`` command: a thin shell over the functions a notebook calls.

    crmkit init                         create (or upgrade) the store
    crmkit demo --customers 2000        fill it with a seeded demo data set, write sample files
    crmkit import FILE --table T        check a CSV/.xlsx and import it
    crmkit export TABLE FILE            write a table to .xlsx/.csv with the forms' headers
    crmkit merge KEEP DROP [DROP …]     merge duplicate customers into KEEP
    crmkit report --month 2026-10       render the monthly report into reports/2026-10/
    crmkit app                          serve the entry form and lead board as a web app (Voila)
    crmkit notebooks [DIR]              copy the notebooks for JupyterLab into DIR (default ./notebooks)
    crmkit user add NAME --role ROLE    create an account (password from a prompt, or one line of stdin)
    crmkit user list|disable|passwd     list accounts, close one, set a new password
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path

from . import __version__
from .exceptions import CrmkitError, FileFormatError, ImportValidationError
from .i18n import LANGS, table_label, translate
from .language import SETTING_LANGS, resolve_lang
from .schema import LOAD_ORDER, TABLES

# import and export take a table the same way (crmkit.schema.table): its name, Chinese name or alias
TABLE_HELP = f"one of: {', '.join(TABLES)}, or a Chinese name ({', '.join(t.zh for t in TABLES.values())}) or alias"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except ImportValidationError as err:
        say = message_lang(args)
        print(err.report, file=sys.stderr)
        if getattr(args, "problems", None):
            err.report.to_frame().to_csv(args.problems, index=False, encoding="utf-8-sig")
            print(translate("all {n} problems written to {path}", say, n=len(err.report.problems), path=args.problems),
                  file=sys.stderr)
        print(translate("nothing was written. Fix the file, or add --skip-errors to import only the good rows.", say),
              file=sys.stderr)
        return 1
    except CrmkitError as err:
        say = message_lang(args)
        print(translate("error: {error}", say, error=err.describe(say)), file=sys.stderr)
        return 1


def message_lang(args, crm=None) -> str:
    """The language of the command's messages: ``--lang`` where the command has it, else the
    store's language, else the locale's, else English (``crmkit.language``). Resolved once per
    command (the store's setting is read when the store is opened)."""
    if getattr(args, "message_lang", None) is None or crm is not None:
        args.message_lang = resolve_lang(getattr(args, "lang", None), crm, fallback="en", allowed=LANGS)
    return args.message_lang


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="crmkit", description="Customer management for sales teams, from Jupyter.")
    p.add_argument("--version", action="version", version=f"crmkit {__version__}")
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

    def db_option(sp):
        sp.add_argument("--db", metavar="URL", help="store URL (default: $CRMKIT_DB_URL or data/crm.db)")

    sp = sub.add_parser("init", help="create or upgrade the store, set its language and currency, show what it holds")
    db_option(sp)
    sp.add_argument("--lang", choices=SETTING_LANGS, default=None,
                    help="the language of everything crmkit shows for this store (widgets, the app, reports, "
                         "messages): en, zh, or zh+en (reports in both); default: the locale's")
    sp.add_argument("--currency", metavar="CODE", default=None,
                    help="ISO 4217 code the store's amounts are in (USD, EUR, CNY …; default CNY); nothing is converted")
    sp.set_defaults(run=_init, command="init")

    sp = sub.add_parser("demo", help="fill the store with a seeded, realistic demo data set")
    db_option(sp)
    sp.add_argument("--customers", type=int, default=2000, metavar="N", help="number of customers (default 2000)")
    sp.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    sp.add_argument("--samples", metavar="DIR", default=None,
                    help="where to write sample input files (default: data/samples next to the store)")
    sp.set_defaults(run=_demo, command="demo")

    sp = sub.add_parser("import", help="check a CSV/.xlsx file and import it (all or nothing)")
    db_option(sp)
    sp.add_argument("path", type=Path, help="the file (.csv in UTF-8/GBK, or .xlsx)")
    sp.add_argument("--table", "-t", required=True, help=TABLE_HELP)
    sp.add_argument("--map", action="append", default=[], metavar="HEADER=COLUMN",
                    help="read a column of the file as a crmkit column, e.g. --map 'Kunde=name' (repeatable; "
                         "--map 'Account=name' --map 'Account=customer_id' feeds both from one column)")
    sp.add_argument("--value", action="append", default=[], metavar="COLUMN:VALUE=CRMKIT_VALUE",
                    help="read a value of a column as another before checking it, e.g. --value 'status:Engaging=open' "
                         "(repeatable; the column by name or Chinese header; nothing after = empties the cell, nothing "
                         "before = fills the empty cells: --value 'created_at:=2017-12-31')")
    sp.add_argument("--ref", action="append", default=[], metavar="COLUMN=FIELD",
                    help="the file refers to customers by another field than their id, e.g. --ref customer_id=name: "
                         "each name must match exactly one customer in the store")
    sp.add_argument("--date-order", choices=["mdy", "dmy"], type=str.lower,
                    help="how the file writes dates with the day and the month before the year: mdy for "
                         "12/1/2010 8:26 (US tools), dmy for 31/01/2025; without it such dates are errors")
    sp.add_argument("--lang", choices=["en", "zh"], default=None,
                    help="language of the problems and messages (default: the store's, see crmkit init --lang)")
    sp.add_argument("--sheet", help="worksheet name or number in an .xlsx (default: the first)")
    sp.add_argument("--skip-errors", action="store_true", help="import the good rows, list the bad ones")
    sp.add_argument("--problems", type=Path, metavar="CSV", help="also write every problem to this CSV")
    sp.add_argument("--by", help="who is importing (recorded in the history)")
    sp.set_defaults(run=_import, command="import")

    sp = sub.add_parser("export", help="write a table to .xlsx or .csv with the forms' headers")
    db_option(sp)
    sp.add_argument("items", nargs="+", metavar="[TABLE] FILE",
                    help=f"the table ({TABLE_HELP}) and the output file, .xlsx or .csv; or only the file, with --table")
    sp.add_argument("--table", "-t", help="the table, as in crmkit import (instead of the first argument)")
    sp.add_argument("--lang", choices=["zh", "en"], default=None,
                    help="headers and labels: the forms' Chinese or English (default: the store's language)")
    sp.set_defaults(run=_export, command="export")

    sp = sub.add_parser("merge", help="merge duplicate customers: their records move to the one kept (one transaction)")
    db_option(sp)
    sp.add_argument("keep", help="id of the customer to keep")
    sp.add_argument("drop", nargs="+", help="ids of its duplicates: their records move to KEEP, they are deleted")
    sp.add_argument("--table", "-t", default="customers", help="the table of the duplicates (default customers)")
    sp.add_argument("--no-fill", action="store_true", help="leave fields blank on KEEP blank (default: fill them "
                                                           "from the duplicates)")
    sp.add_argument("--by", help="who is merging (recorded in the history)")
    sp.add_argument("--lang", choices=["en", "zh"], default=None,
                    help="language of the summary (default: the store's, see crmkit init --lang)")
    sp.set_defaults(run=_merge, command="merge")

    sp = sub.add_parser("user", help="accounts of the app: add, list, disable, passwd")
    users = sp.add_subparsers(title="user commands", metavar="ACTION", dest="action", required=True)
    u = users.add_parser("add", help="create an account; the password is asked for (or read from stdin)")
    u.add_argument("name", help="the login name")
    u.add_argument("--role", required=True, choices=["rep", "manager", "admin"],
                   help="rep: their own customers; manager: their team's; admin: everything")
    u.add_argument("--rep", help="the name the account's records carry in owner/rep (default: NAME)")
    u.add_argument("--team", help="the team (a manager sees the records of every rep of their team)")
    u.add_argument("--password", help=argparse.SUPPRESS)  # only to refuse it with a reason
    db_option(u)
    u.set_defaults(run=_user_add)
    u = users.add_parser("list", help="every account (never a password)")
    db_option(u)
    u.set_defaults(run=_user_list)
    u = users.add_parser("disable", help="close an account (its records stay)")
    u.add_argument("name")
    db_option(u)
    u.set_defaults(run=_user_disable)
    u = users.add_parser("passwd", help="set a new password (asked for, or read from stdin)")
    u.add_argument("name")
    u.add_argument("--password", help=argparse.SUPPRESS)
    db_option(u)
    u.set_defaults(run=_user_passwd)
    sp.set_defaults(command="user")

    # These two commands live with their packages (crmkit/reports/command.py, crmkit/widgets/command.py).
    from .reports import command as report_command
    from .widgets import command as app_command

    sp = sub.add_parser("report", help="render the monthly report (HTML without code, optionally PDF)")
    db_option(sp)
    report_command.add_arguments(sp)
    sp.set_defaults(run=report_command.run, command="report")

    sp = sub.add_parser("app", help="serve the entry form and lead board as a web app (Voila)")
    db_option(sp)
    app_command.add_arguments(sp)
    sp.set_defaults(run=app_command.run, command="app")

    from .notebooks import command as notebooks_command

    sp = sub.add_parser("notebooks", help="copy the notebooks for JupyterLab into a folder (default ./notebooks)")
    notebooks_command.add_arguments(sp)
    sp.set_defaults(run=notebooks_command.run, command="notebooks")
    return p


def _open(args):
    """The store of ``--db``; the command's messages speak its language from here on."""
    from .store import open as open_store

    crm = open_store(args.db)
    message_lang(args, crm)
    return crm


def _init(args) -> int:
    crm = _open(args)
    if args.lang or args.currency:
        crm.configure(lang=args.lang, currency=args.currency)
        message_lang(args, crm)
    say = message_lang(args)
    print(translate("store: {store}", say, store=repr(crm)))
    _print_counts(crm, say)
    settings = crm.settings()
    why = (translate("set by {name} on {day}", say, name=settings["set_by"], day=settings["set_at"][:10])
           if settings["lang"] else translate("not set: the locale's, see crmkit init --lang", say))
    print(translate("language: {lang} ({why}); currency: {currency}", say, lang=crm.lang, why=why,
                    currency=crm.currency))
    _first_admin_hint(crm, say)
    return 0


def _first_admin_hint(crm, say: str) -> None:
    if not (crm.users()["role"] == "admin").any():
        print(translate("no admin account yet: create the first one with `crmkit user add NAME --role admin` "
                        "(it asks for the password)", say))


def _read_password(args, confirm: bool = True) -> str:
    """The password from a prompt (twice) when stdin is a terminal, else the first line of stdin:
    never from the command line, where the shell history and the process list would keep it."""
    import getpass

    say = message_lang(args)
    if getattr(args, "password", None) is not None:
        raise CrmkitError(translate("passwords are never taken from the command line (the shell history and the "
                                    "process list keep it): type it at the prompt, or pipe it on stdin", say))
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass(translate("password: ", say))
    if confirm and getpass.getpass(translate("again: ", say)) != password:
        raise CrmkitError(translate("the two passwords differ; nothing was changed", say))
    return password


def _user_add(args) -> int:
    crm = _open(args)
    password = _read_password(args)
    user = crm.add_user(args.name, password, role=args.role, rep=args.rep, team=args.team)
    say = message_lang(args)
    if user.team:
        print(translate("account {name} created: role {role}, rep {rep}, team {team}", say, name=user.name,
                        role=user.role, rep=user.rep, team=user.team))
    else:
        print(translate("account {name} created: role {role}, rep {rep}", say, name=user.name, role=user.role,
                        rep=user.rep))
    return 0


def _user_list(args) -> int:
    frame = _open(args).users()
    if frame.empty:
        print(translate("no accounts", message_lang(args)))
        return 0
    print(frame.drop(columns=["created_at"]).to_string(index=False))
    return 0


def _user_disable(args) -> int:
    _open(args).disable_user(args.name)
    print(translate("account {name} disabled", message_lang(args), name=args.name))
    return 0


def _user_passwd(args) -> int:
    crm = _open(args)
    password = _read_password(args)
    crm.set_password(args.name, password)
    print(translate("password of {name} changed", message_lang(args), name=args.name))
    return 0


def _demo(args) -> int:
    from tqdm import tqdm

    from . import demo

    crm = _open(args)
    say = message_lang(args)
    steps = tqdm(total=len(LOAD_ORDER) + 3, desc="demo", unit="step", file=sys.stderr)
    steps.set_postfix_str(translate("generating {n} customers", say, n=args.customers))
    data = demo.generate(n_customers=args.customers, seed=args.seed)

    def loading(name: str) -> None:
        steps.update()  # the step before (generating, or the table before) is done
        steps.set_postfix_str(translate("loading {table}", say, table=name))

    demo.load_into(crm, data, by="crmkit demo", source=f"demo(seed={args.seed})", on_table=loading)
    steps.update()
    steps.set_postfix_str(translate("attaching documents", say))
    demo.attach_documents(crm, data, by="crmkit demo")
    steps.update()
    samples = Path(args.samples) if args.samples else _data_dir(crm) / "samples"
    # The project ships the default samples; rewrite them only when asked (or missing), so
    # running the demo leaves the working tree as it was.
    existing = sorted(samples.glob("*.*")) if samples.is_dir() else []
    if args.samples or not existing:
        steps.set_postfix_str(translate("writing samples to {folder}", say, folder=samples))
        existing = demo.write_sample_files(samples, data)
    steps.update()
    steps.close()
    last_day = f"{data.as_of:%Y-%m-%d}"
    print(translate("demo data (seed {seed}, {n} customers, history up to {day}) is in {store}", say, seed=args.seed,
                    n=args.customers, day=last_day, store=repr(crm)))
    _print_counts(crm, say)
    keys = demo.key_customers(data)
    example = repr(keys[0])
    print(translate("contracts, quotations and licence scans are attached to the key customers {ids} "
                    "(crm.attachments('customers', {example}), or the record editor's Attachments)", say,
                    ids=", ".join(keys), example=example))
    print(translate("sample input files to try `crmkit import` on (e.g. crmkit import data/samples/orders.csv "
                    "--table orders):", say))
    for path in existing:
        print(f"  {path}")
    _print_demo_accounts(demo.create_accounts(crm), say)
    return 0


def _print_demo_accounts(made: dict, say: str) -> None:
    if not made:
        print(translate("the demo accounts exist already (crmkit user list; crmkit user passwd NAME sets a new "
                        "password)", say))
        return
    print(translate("demo accounts (the passwords are shown this once; only their hashes are stored):", say))
    for name, (password, role, team) in made.items():
        print(f"  {_ljust(name, 10)} {role:<8} {_ljust(team or '', 6)} {password}")
    print(translate("log in to `crmkit app` as one of them (a rep sees their own book, the manager the team's, "
                    "admin everything);\nin a notebook: crm = crmkit.open(); crmkit.open(crm.url, "
                    "user=crm.authenticate(NAME, PASSWORD))", say))


def _ljust(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    import unicodedata

    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)


def _import(args) -> int:
    crm = _open(args)
    mapping = {}
    for item in args.map:
        if "=" not in item:
            raise FileFormatError(args.path, translate("--map wants HEADER=COLUMN, got {item}", message_lang(args),
                                                       item=repr(item)))
        header, column = item.rsplit("=", 1)
        mapping.setdefault(header.strip(), []).append(column.strip())  # one header may feed several fields
    sheet = int(args.sheet) if args.sheet and args.sheet.isdigit() else args.sheet
    with _stages(["reading", "checking", "writing"], args.path.name) as step:
        report = crm.import_file(args.path, args.table, columns=mapping, values=_value_mappings(args),
                                 refs=_references(args), sheet=sheet, lang=message_lang(args), date_order=args.date_order,
                                 on_error="skip" if args.skip_errors else "raise", by=args.by, progress=step)
    print(report)
    if args.problems and report.problems:
        report.to_frame().to_csv(args.problems, index=False, encoding="utf-8-sig")
        print(translate("all {n} problems written to {path}", message_lang(args), n=len(report.problems),
                        path=args.problems))
    return 0


def _value_mappings(args) -> dict[str, dict[str, str]]:
    """``--value 'status:Engaging=open'`` (repeated) -> ``{"status": {"Engaging": "open"}}``."""
    values: dict[str, dict[str, str]] = {}
    for item in args.value:
        column, sep, pair = item.replace("\uff1a", ":", 1).partition(":")  # a Chinese keyboard's colon too
        if not sep or "=" not in pair or not column.strip():
            raise FileFormatError(args.path, translate("--value wants COLUMN:VALUE=CRMKIT_VALUE, like "
                                                       "'status:Engaging=open', got {item}", message_lang(args),
                                                       item=repr(item)))
        value, target = pair.rsplit("=", 1)
        values.setdefault(column.strip(), {})[value.strip()] = target.strip()
    return values


def _references(args) -> dict[str, str]:
    """``--ref customer_id=name`` (repeated) -> ``{"customer_id": "name"}``."""
    refs = {}
    for item in args.ref:
        column, sep, key = item.partition("=")
        if not sep or not column.strip() or not key.strip():
            raise FileFormatError(args.path, translate("--ref wants COLUMN=FIELD, like 'customer_id=name', got {item}",
                                                       message_lang(args), item=repr(item)))
        refs[column.strip()] = key.strip()
    return refs


def _export(args) -> int:
    items = list(args.items)
    if len(items) == 2 and not args.table:
        table, path = items
    elif len(items) == 1 and args.table:
        table, path = args.table, items[0]
    else:
        raise CrmkitError(translate("export wants TABLE FILE, or FILE with --table TABLE", message_lang(args)))
    crm = _open(args)
    path = crm.export(table, Path(path), lang=args.lang)
    print(translate("wrote {path}", message_lang(args), path=path))
    return 0


def _merge(args) -> int:
    crm = _open(args)
    result = crm.merge(args.table, keep=args.keep, drop=args.drop, fill_blanks=not args.no_fill, by=args.by)
    print(result.describe(message_lang(args)))
    return 0


@contextmanager
def _stages(stages: list[str], what: str):
    """A progress bar over the named stages of one long job (on stderr, so stdout stays clean)."""
    from tqdm import tqdm

    bar = tqdm(total=len(stages), desc=what, unit="stage", file=sys.stderr, leave=False)

    def step(stage: str) -> None:
        bar.update(stages.index(stage) - bar.n)
        bar.set_postfix_str(stage)

    try:
        yield step
        bar.update(len(stages) - bar.n)
    finally:
        bar.close()


def _data_dir(crm) -> Path:
    from .store import project_dir

    if crm.path is not None:
        return crm.path.parent
    return project_dir() / "data"


def _print_counts(crm, say: str) -> None:
    counts = crm.counts()
    width = max(len(n) for n in counts)
    for name, n in counts.items():
        label = table_label(TABLES[name], say)   # the form's name, where it says more than the table's
        print(f"  {name:<{width}}  {n:>9,}" + (f"  {label}" if label.lower() != name else ""))


if __name__ == "__main__":
    sys.exit(main())
