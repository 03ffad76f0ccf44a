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
        print(err.report, file=sys.stderr)
        if getattr(args, "problems", None):
            err.report.to_frame().to_csv(args.problems, index=False, encoding="utf-8-sig")
            print(f"all {len(err.report.problems)} problems written to {args.problems}", file=sys.stderr)
        print("nothing was written. Fix the file, or add --skip-errors to import only the good rows.", file=sys.stderr)
        return 1
    except CrmkitError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="crmkit", description="Customer management for sales teams, from Jupyter.")
    p.add_argument("--version", action="version", version=f"crmkit {__version__}")
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

    def db_option(sp):
        sp.add_argument("--db", metavar="URL", help="store URL (default: $CRMKIT_DB_URL or data/crm.db)")

    sp = sub.add_parser("init", help="create or upgrade the store and show what it holds")
    db_option(sp)
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
    sp.add_argument("--lang", choices=["en", "zh"], default="en",
                    help="language of the counts per reason and of the allowed values (default en)")
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
    sp.add_argument("--lang", choices=["zh", "en"], default="zh", help="headers and labels (default zh)")
    sp.set_defaults(run=_export, command="export")

    sp = sub.add_parser("merge", help="merge duplicate customers: their records move to the one kept (one transaction)")
    db_option(sp)
    sp.add_argument("keep", help="id of the customer to keep")
    sp.add_argument("drop", nargs="+", help="ids of its duplicates: their records move to KEEP, they are deleted")
    sp.add_argument("--table", "-t", default="customers", help="the table of the duplicates (default customers)")
    sp.add_argument("--no-fill", action="store_true", help="leave fields blank on KEEP blank (default: fill them "
                                                           "from the duplicates)")
    sp.add_argument("--by", help="who is merging (recorded in the history)")
    sp.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the summary (default en)")
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
    from .store import open as open_store

    return open_store(args.db)


def _init(args) -> int:
    crm = _open(args)
    print(f"store: {crm!r}")
    _print_counts(crm)
    _first_admin_hint(crm)
    return 0


def _first_admin_hint(crm) -> None:
    if not (crm.users()["role"] == "admin").any():
        print("no admin account yet: create the first one with `crmkit user add NAME --role admin` "
              "(it asks for the password)")


def _read_password(args, confirm: bool = True) -> str:
    """The password from a prompt (twice) when stdin is a terminal, else the first line of stdin:
    never from the command line, where the shell history and the process list would keep it."""
    import getpass

    if getattr(args, "password", None) is not None:
        raise CrmkitError("passwords are never taken from the command line (the shell history and the "
                          "process list keep it): type it at the prompt, or pipe it on stdin")
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("password: ")
    if confirm and getpass.getpass("again: ") != password:
        raise CrmkitError("the two passwords differ; nothing was changed")
    return password


def _user_add(args) -> int:
    password = _read_password(args)
    user = _open(args).add_user(args.name, password, role=args.role, rep=args.rep, team=args.team)
    print(f"account {user.name} created: role {user.role}, rep {user.rep}" + (f", team {user.team}" if user.team else ""))
    return 0


def _user_list(args) -> int:
    frame = _open(args).users()
    if frame.empty:
        print("no accounts")
        return 0
    print(frame.drop(columns=["created_at"]).to_string(index=False))
    return 0


def _user_disable(args) -> int:
    _open(args).disable_user(args.name)
    print(f"account {args.name} disabled")
    return 0


def _user_passwd(args) -> int:
    password = _read_password(args)
    _open(args).set_password(args.name, password)
    print(f"password of {args.name} changed")
    return 0


def _demo(args) -> int:
    from tqdm import tqdm

    from . import demo

    crm = _open(args)
    steps = tqdm(total=len(LOAD_ORDER) + 3, desc="demo", unit="step", file=sys.stderr)
    steps.set_postfix_str(f"generating {args.customers} customers")
    data = demo.generate(n_customers=args.customers, seed=args.seed)

    def loading(name: str) -> None:
        steps.update()  # the step before (generating, or the table before) is done
        steps.set_postfix_str(f"loading {name}")

    demo.load_into(crm, data, by="crmkit demo", source=f"demo(seed={args.seed})", on_table=loading)
    steps.update()
    steps.set_postfix_str("attaching documents")
    demo.attach_documents(crm, data, by="crmkit demo")
    steps.update()
    samples = Path(args.samples) if args.samples else _data_dir(crm) / "samples"
    # The project ships the default samples; rewrite them only when asked (or missing), so
    # running the demo leaves the working tree as it was.
    existing = sorted(samples.glob("*.*")) if samples.is_dir() else []
    if args.samples or not existing:
        steps.set_postfix_str(f"writing samples to {samples}")
        existing = demo.write_sample_files(samples, data)
    steps.update()
    steps.close()
    print(f"demo data (seed {args.seed}, {args.customers} customers, history up to {data.as_of:%Y-%m-%d}) is in {crm!r}")
    _print_counts(crm)
    keys = demo.key_customers(data)
    print(f"contracts, quotations and licence scans are attached to the key customers {', '.join(keys)} "
          f"(crm.attachments('customers', {keys[0]!r}), or the record editor's Attachments)")
    print("sample input files to try `crmkit import` on (e.g. crmkit import data/samples/orders.csv --table orders):")
    for path in existing:
        print(f"  {path}")
    _print_demo_accounts(demo.create_accounts(crm))
    return 0


def _print_demo_accounts(made: dict) -> None:
    if not made:
        print("the demo accounts exist already (crmkit user list; crmkit user passwd NAME sets a new password)")
        return
    print("demo accounts (the passwords are shown this once; only their hashes are stored):")
    for name, (password, role, team) in made.items():
        print(f"  {_ljust(name, 10)} {role:<8} {_ljust(team or '', 6)} {password}")
    print("log in to `crmkit app` as one of them (a rep sees their own book, the manager the team's, "
          "admin everything);\nin a notebook: crm = crmkit.open(); crmkit.open(crm.url, "
          "user=crm.authenticate(NAME, PASSWORD))")


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
            raise FileFormatError(args.path, f"--map wants HEADER=COLUMN, got {item!r}")
        header, column = item.rsplit("=", 1)
        mapping.setdefault(header.strip(), []).append(column.strip())  # one header may feed several fields
    sheet = int(args.sheet) if args.sheet and args.sheet.isdigit() else args.sheet
    with _stages(["reading", "checking", "writing"], args.path.name) as step:
        report = crm.import_file(args.path, args.table, columns=mapping, values=_value_mappings(args),
                                 refs=_references(args), sheet=sheet, lang=args.lang, date_order=args.date_order,
                                 on_error="skip" if args.skip_errors else "raise", by=args.by, progress=step)
    print(report)
    if args.problems and report.problems:
        report.to_frame().to_csv(args.problems, index=False, encoding="utf-8-sig")
        print(f"all {len(report.problems)} problems written to {args.problems}")
    return 0


def _value_mappings(args) -> dict[str, dict[str, str]]:
    """``--value 'status:Engaging=open'`` (repeated) -> ``{"status": {"Engaging": "open"}}``."""
    values: dict[str, dict[str, str]] = {}
    for item in args.value:
        column, sep, pair = item.replace("\uff1a", ":", 1).partition(":")  # a Chinese keyboard's colon too
        if not sep or "=" not in pair or not column.strip():
            raise FileFormatError(args.path, f"--value wants COLUMN:VALUE=CRMKIT_VALUE, like "
                                             f"'status:Engaging=open', got {item!r}")
        value, target = pair.rsplit("=", 1)
        values.setdefault(column.strip(), {})[value.strip()] = target.strip()
    return values


def _references(args) -> dict[str, str]:
    """``--ref customer_id=name`` (repeated) -> ``{"customer_id": "name"}``."""
    refs = {}
    for item in args.ref:
        column, sep, key = item.partition("=")
        if not sep or not column.strip() or not key.strip():
            raise FileFormatError(args.path, f"--ref wants COLUMN=FIELD, like 'customer_id=name', got {item!r}")
        refs[column.strip()] = key.strip()
    return refs


def _export(args) -> int:
    items = list(args.items)
    if len(items) == 2 and not args.table:
        table, path = items
    elif len(items) == 1 and args.table:
        table, path = args.table, items[0]
    else:
        raise CrmkitError("export wants TABLE FILE, or FILE with --table TABLE")
    crm = _open(args)
    path = crm.export(table, Path(path), lang=args.lang)
    print(f"wrote {path}")
    return 0


def _merge(args) -> int:
    crm = _open(args)
    result = crm.merge(args.table, keep=args.keep, drop=args.drop, fill_blanks=not args.no_fill, by=args.by)
    print(result.describe(args.lang))
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


def _print_counts(crm) -> None:
    counts = crm.counts()
    width = max(len(n) for n in counts)
    for name, n in counts.items():
        print(f"  {name:<{width}}  {n:>9,}  {TABLES[name].zh}")


if __name__ == "__main__":
    sys.exit(main())
