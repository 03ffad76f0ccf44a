"""The server side of ``crmkit app``: Voila with crmkit's login, sessions and kernel owners.

``crmkit app`` (``crmkit/widgets/command.py``) starts ``python -m crmkit.app_server``, which is
Voila with:

- ``identity.CrmkitIdentityProvider``: the login form, checked against the store's accounts;
  sessions (``sessions.py``) that expire and end at logout; failed logins slowed down
  (``throttle.py``);
- ``kernels``: a page's kernel starts only for a logged-in session, runs the app notebook as that
  account (record rules in the store), and answers only that account.

Before login, every page redirects to ``/login`` and every API or websocket request gets 403:
no kernel starts, and nothing about a customer leaves the server.
"""

__all__ = ["ACCOUNT_ENV"]

#: The kernel's environment variable naming the logged-in account (set by the server for each
#: page's kernel, read by the app notebook).
ACCOUNT_ENV = "CRMKIT_APP_ACCOUNT"
