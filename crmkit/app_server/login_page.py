"""The login page of ``crmkit app``: one self-contained HTML page (no script, no asset to fetch
before login), in the app's language, saying nothing about any customer."""

from __future__ import annotations

import math
from html import escape

from ..i18n import N_, translate

TITLE = N_("Log in to crmkit")
NAME = N_("Account")
PASSWORD = N_("Password")
SUBMIT = N_("Log in")
WRONG = N_("Wrong account or password, or the account is disabled.")
TOO_MANY = N_("Too many failed logins: try again in {seconds} seconds.")
LOGGED_OUT = N_("You have logged out.")
HELP = N_("No account yet? Ask your administrator (crmkit user add).")

_STYLE = """
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
  background:#f3f5f8;font-family:-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1f2933}
main{background:#fff;border-radius:10px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:32px 36px;width:320px}
h1{font-size:20px;margin:0 0 20px}
label{display:block;font-size:14px;margin:14px 0 6px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:9px 10px;font-size:15px;
  border:1px solid #c5ccd6;border-radius:6px}
button{margin-top:22px;width:100%;padding:10px;font-size:15px;border:0;border-radius:6px;background:#2563eb;color:#fff;cursor:pointer}
.problem{background:#fde8e8;color:#9b1c1c;border-radius:6px;padding:9px 11px;font-size:14px}
.note{background:#e7f3ec;color:#1c5b36;border-radius:6px;padding:9px 11px;font-size:14px}
.help{font-size:12px;color:#6b7280;margin-top:18px}
"""


def render(lang: str, *, action: str, xsrf: str, name: str = "", problem: str | None = None,
           note: str | None = None) -> str:
    """The page. ``xsrf`` is tornado's hidden form field (already HTML); everything else is escaped."""
    def t(text: str) -> str:
        return escape(translate(text, lang))

    banner = ""
    if problem:
        banner = f'<p class="problem" role="alert">{escape(problem)}</p>'
    elif note:
        banner = f'<p class="note" role="status">{escape(note)}</p>'
    html_lang = "zh-CN" if lang.startswith("zh") else "en"
    return f"""<!DOCTYPE html>
<html lang="{html_lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{t(TITLE)}</title><style>{_STYLE}</style></head>
<body><main>
<h1>{t(TITLE)}</h1>{banner}
<form method="post" action="{escape(action)}" class="crmkit-login">{xsrf}
<label for="name">{t(NAME)}</label><input type="text" id="name" name="name" value="{escape(name)}" autocomplete="username" autofocus required>
<label for="password">{t(PASSWORD)}</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">{t(SUBMIT)}</button>
</form>
<p class="help">{t(HELP)}</p>
</main></body></html>
"""


def wrong_login(lang: str) -> str:
    return translate(WRONG, lang)


def too_many_tries(wait_seconds: float, lang: str) -> str:
    return translate(TOO_MANY, lang, seconds=max(1, math.ceil(wait_seconds)))


def logged_out(lang: str) -> str:
    return translate(LOGGED_OUT, lang)
