"""Message catalogs: the Chinese of every English text crmkit shows (see ``crmkit.i18n``).

One module per language, each holding ``MESSAGES``: English message id -> translation, with
``(context, message id)`` keys where one English text needs two translations. It is the content
of a gettext ``.po`` file (``msgctxt`` / ``msgid`` / ``msgstr``) written as a Python dict.
"""

from . import zh

__all__ = ["zh"]
