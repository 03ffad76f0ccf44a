"""``python -m crmkit.locale update|compile|check``: see :mod:`crmkit.locale.catalogs`."""

import sys

from .catalogs import TRANSLATED, check, compile_all, extract, update


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        template, failed = extract(), False
        for lang in TRANSLATED:
            problems = check(lang, template)
            for what in ("untranslated", "unused", "fields_differ"):
                for message in getattr(problems, what):
                    print(f"{lang}: {what.replace('_', ' ')}: {message}")
            if problems.stale_mo:
                print(f"{lang}: the .mo is not compiled from the current .po (run: python -m crmkit.locale compile)")
            failed |= bool(problems)
        return 1 if failed else 0
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


sys.exit(main(sys.argv[1:]))
