"""Errors inside widget callbacks, shown to the user in the widget instead of lost in a log.

ipywidgets runs a callback in the kernel; an exception there goes to the kernel's log, which a
sales rep in Voila never sees: the button just seems dead. Every callback crmkit wires is
wrapped with :func:`guarded`, which shows what went wrong in an :class:`ErrorBanner`.

>>> banner = ErrorBanner()
>>> button.on_click(guarded(banner)(save))      # a failing save shows its message in the banner
"""

from __future__ import annotations

import functools
import html
import logging
import traceback

import ipywidgets as w

from ..exceptions import CrmkitError

log = logging.getLogger(__name__)

__all__ = ["ErrorBanner", "guarded"]


class ErrorBanner(w.HTML):
    """A red message line, empty (and taking no space) until something goes wrong.

    Errors crmkit raises on purpose (a conflict, an invalid value) are shown with their own
    message; anything else is an unexpected failure and also shows its type, so that a user
    can report it. The full traceback goes to the log either way.
    """

    def __init__(self, **kwargs):
        super().__init__(value="", **kwargs)
        self.add_class("crmkit-error-banner")
        self.layout.display = "none"
        self.message = ""

    def show_error(self, err: BaseException) -> None:
        if isinstance(err, CrmkitError):
            text = str(err)
        else:
            text = f"Unexpected error ({type(err).__name__}): {err}"
        self.show_message(text)

    def show_message(self, text: str) -> None:
        self.message = text
        # Messages may quote what the user typed: escape it, never render it as HTML.
        body = html.escape(text).replace("\n", "<br>")
        self.value = (
            '<div role="alert" style="color:#b00020;background:#fdecea;border:1px solid #f5c2c0;'
            f'padding:6px 10px;border-radius:4px">⚠ {body}</div>'
        )
        self.layout.display = None

    def clear(self) -> None:
        self.message = ""
        self.value = ""
        self.layout.display = "none"


def guarded(banner: ErrorBanner):
    """Decorate a widget callback so that any exception it raises is shown in ``banner``.

    The banner is cleared when the callback starts, so an old message does not linger after
    the user has fixed the problem. The exception is not re-raised: in a callback there is no
    caller to catch it, only the kernel log.
    """

    def decorate(callback):
        @functools.wraps(callback)
        def wrapper(*args, **kwargs):
            banner.clear()
            try:
                return callback(*args, **kwargs)
            except Exception as err:  # noqa: BLE001 - every error must reach the user
                log.error("error in widget callback %s:\n%s", getattr(callback, "__qualname__", callback),
                          traceback.format_exc())
                banner.show_error(err)
                return None

        return wrapper

    return decorate
