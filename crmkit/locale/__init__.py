"""Message catalogs: the Chinese of every English text crmkit shows (see ``crmkit.i18n``).

``zh/LC_MESSAGES/crmkit.po`` is the gettext catalog translators edit (``msgctxt`` tells apart
one English text read two ways in Chinese), ``crmkit.mo`` its compiled form that
``crmkit.i18n`` reads; :mod:`crmkit.locale.catalogs` keeps both in step with the code (Babel).
"""

__all__: list[str] = []  # its one module, catalogs, is a maintainer's tool (python -m crmkit.locale)
