"""Keep the gettext catalogs in step with the code, with Babel (a maintainer's tool, not used at run time).

The English text in the code is the message id (``translate("Save", lang)``), so English needs no
catalog; each other language has ``crmkit/locale/<lang>/LC_MESSAGES/crmkit.po`` for translators
and its compiled ``crmkit.mo``, which :mod:`crmkit.i18n` reads with the standard ``gettext``.

    python -m crmkit.locale update     # extract the texts from the code, merge them into every .po
                                       # (new ones untranslated, unused ones dropped), compile the .mo
    python -m crmkit.locale compile    # only compile the .po files into .mo
    python -m crmkit.locale check      # exit 1, naming them, on untranslated or unused texts or a stale .mo

``tests/test_i18n.py`` runs the same checks, so an untranslated text fails the suite.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

LOCALE_DIR = Path(__file__).parent
PACKAGE_DIR = LOCALE_DIR.parent
DOMAIN = "crmkit"
#: Languages with a catalog, and the locale Babel writes into the catalog's header.
TRANSLATED = {"zh": "zh_Hans_CN"}
#: How the code marks a text (Babel's keyword specs): translate(msgid, …), N_(msgid),
#: translate_in_context(context, msgid, …) (gettext's pgettext), and crmkit.exceptions' own
#: _translated(msgid, …) (it cannot import crmkit.i18n at its top).
KEYWORDS = {"translate": None, "translate_in_context": ((1, "c"), 2), "N_": None, "_translated": None}


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return po_path(lang).with_suffix(".mo")


def extract():
    """Every text the code marks, as a Babel ``Catalog`` (the template a ``.pot`` file holds),
    with where each is used (file, without line numbers, so a moved line does not touch the .po)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(domain=DOMAIN, project="crmkit", msgid_bugs_address="")
    found = extract_from_dir(PACKAGE_DIR, method_map=[("**.py", "python")], keywords=KEYWORDS,
                             comment_tags=("TRANSLATORS:",), strip_comment_tags=True)
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(f"crmkit/{filename}", lineno)], auto_comments=comments, context=context,
                     flags=_format_flags(message))
    return template


def _format_flags(message) -> list[str]:
    # A text with {fields} is marked python-brace-format, so tools (and our check) compare fields.
    return ["python-brace-format"] if "{" in (message if isinstance(message, str) else message[0]) else []


def read(lang: str):
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as f:
        return read_po(f, locale=TRANSLATED[lang], domain=DOMAIN)


def write(lang: str, catalog) -> None:
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, omit_header=False, sort_output=False,
             ignore_obsolete=True)
    po_path(lang).parent.mkdir(parents=True, exist_ok=True)
    po_path(lang).write_bytes(buffer.getvalue())


def compiled(lang: str) -> bytes:
    """The ``.mo`` that the ``.po`` of ``lang`` compiles to (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, read(lang), use_fuzzy=False)
    return buffer.getvalue()


def update() -> None:
    """Merge the code's texts into every ``.po`` and compile them."""
    template = extract()
    for lang in TRANSLATED:
        catalog = read(lang)
        template.creation_date = catalog.creation_date  # the header changes only when a text does
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        write(lang, catalog)
    compile_all()


def compile_all() -> None:
    for lang in TRANSLATED:
        mo_path(lang).write_bytes(compiled(lang))


@dataclass
class Problems:
    """What is wrong with one language's catalog; empty lists when nothing is."""

    untranslated: list[str]
    unused: list[str]
    fields_differ: list[str]
    stale_mo: bool

    def __bool__(self) -> bool:
        return bool(self.untranslated or self.unused or self.fields_differ or self.stale_mo)


def check(lang: str, template=None) -> Problems:
    from string import Formatter

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in Formatter().parse(text) if name is not None}

    def name(message) -> str:
        return f"{message.context}|{message.id}" if message.context else repr(message.id)

    template = template if template is not None else extract()
    catalog = read(lang)
    used = {(m.id, m.context) for m in template if m.id}
    untranslated = [name(m) for m in template if m.id and not _translated(catalog.get(m.id, m.context))]
    unused = [name(m) for m in catalog if m.id and (m.id, m.context) not in used]
    fields_differ = [name(m) for m in catalog if m.id and m.string and fields(m.id) != fields(m.string)]
    stale = not mo_path(lang).exists() or _messages(mo_path(lang).read_bytes()) != _messages(compiled(lang))
    return Problems(untranslated, unused, fields_differ, stale)


def _messages(mo: bytes) -> dict:
    # what a .mo holds, compared as content: another Babel version may order the bytes differently
    import gettext

    try:
        return gettext.GNUTranslations(io.BytesIO(mo))._catalog
    except (OSError, ValueError, struct.error):  # not a .mo at all
        return None


def _translated(message) -> bool:
    return message is not None and bool(message.string) and not message.fuzzy
