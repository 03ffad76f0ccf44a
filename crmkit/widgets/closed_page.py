"""What a page of ``crmkit app`` shows once its kernel is gone.

``crmkit app`` culls a page's kernel after ``--cull-idle`` idle seconds (see command.py), and
Voila 0.5 says nothing when that happens: the widgets stay on screen and silently stop
answering, so a rep coming back would type a visit and press Save into the void. This script,
displayed by the app notebook, asks the server every ``check_every`` seconds, and whenever the
tab comes back into view, whether the page's kernel still exists (``GET api/kernels/<id>``,
which reads the kernel's model and does not count as activity, so it never keeps a kernel
alive); when the answer is 404 (culled), 403 (the session ended: logout or expiry) or no answer
(the app stopped), it covers the page with a notice and a Reload button (which leads to the
login page when the session has ended).
"""

from __future__ import annotations

import json

from IPython.display import Javascript

from ..i18n import N_, translate

__all__ = ["closed_page_notice", "NOTICE_CLASS"]

#: The CSS class of the notice (what the browser tests look for).
NOTICE_CLASS = "crmkit-page-closed"
NOTICE = N_("This page was closed: it was idle too long, its session ended, or the app stopped. What was not "
            "saved is lost; reload the page to go on.")
RELOAD = N_("Reload")

_SCRIPT = """
(function () {
  if (window.crmkitClosedPageWatch) { return; }
  window.crmkitClosedPageWatch = true;
  var config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
  var url = (config.baseUrl || "/") + "api/kernels/" + config.kernelId;
  var shown = false;
  function show() {
    if (shown) { return; }
    shown = true;
    var notice = document.createElement("div");
    notice.className = %(cls)s;
    notice.setAttribute("role", "alert");
    notice.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:10000;padding:14px 20px;" +
      "background:#fff3cd;color:#664d03;border-bottom:2px solid #ffc107;font-size:15px;";
    var text = document.createElement("span");
    text.textContent = %(text)s + " ";
    var button = document.createElement("button");
    button.textContent = %(reload)s;
    button.onclick = function () { window.location.reload(); };
    notice.appendChild(text);
    notice.appendChild(button);
    document.body.appendChild(notice);
  }
  function check() {
    if (shown || !config.kernelId) { return; }
    fetch(url, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { if (response.status === 404 || response.status === 403) { show(); } })
      .catch(show);
  }
  setInterval(check, %(period_ms)d);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { check(); } });
  window.addEventListener("focus", check);
})();
"""


def closed_page_notice(lang: str = "zh", check_every: float = 60) -> Javascript:
    """The watching script, with its texts in ``lang``; display it in the app notebook."""
    return Javascript(_SCRIPT % {"cls": json.dumps(NOTICE_CLASS), "text": json.dumps(translate(NOTICE, lang)),
                                 "reload": json.dumps(translate(RELOAD, lang)),
                                 "period_ms": max(1000, int(check_every * 1000))})
