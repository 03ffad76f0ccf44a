"""Who is logged in to ``crmkit app``: sessions held in the app's process, never on disk.

A login creates a session: a random token (what the browser's cookie carries, signed) bound to
an account name. A session ends when the user logs out, when it has been idle longer than
``idle_timeout`` seconds, when it is older than ``max_age`` seconds (a login lasts a working day
at most, however busy), or when its account is disabled. Restarting the app ends every session:
nothing about them is written anywhere, so there is nothing to steal from a disk either.

Idle means: no page request and no activity in any of the session's kernels. A rep working in
the app's widgets talks to the kernel over its websocket and sends no page request for hours;
the kernels' activity (``touch``) keeps the session alive then.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

#: Default idle time before a session ends: two hours.
DEFAULT_IDLE_TIMEOUT = 2 * 3600.0
#: Default longest life of a session, however busy: twelve hours (one working day).
DEFAULT_MAX_AGE = 12 * 3600.0


@dataclass
class Session:
    token: str
    account: str
    started: float
    last_seen: float
    kernels: set[str] = field(default_factory=set)


class SessionBook:
    """The open sessions, by token. ``clock`` is ``time.monotonic`` except in tests."""

    def __init__(self, idle_timeout: float = DEFAULT_IDLE_TIMEOUT, max_age: float = DEFAULT_MAX_AGE,
                 clock=time.monotonic):
        if idle_timeout <= 0 or max_age <= 0:
            raise ValueError("a session's idle timeout and longest life must be more than 0 seconds")
        self.idle_timeout = float(idle_timeout)
        self.max_age = float(max_age)
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def start(self, account: str) -> Session:
        now = self._clock()
        session = Session(secrets.token_urlsafe(32), account, now, now)
        self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session of ``token`` (and it counts as seen now), or None: unknown or expired."""
        session = self._sessions.get(token or "")
        if session is None:
            return None
        if self._expired(session):
            del self._sessions[session.token]
            return None
        session.last_seen = self._clock()
        return session

    def touch(self, token: str, when: float) -> None:
        """Activity of ``token``'s session at ``when`` (a clock reading), e.g. in one of its kernels."""
        session = self._sessions.get(token)
        if session is not None and when > session.last_seen:
            session.last_seen = when

    def end(self, token: str | None) -> Session | None:
        """Log out: the session of ``token`` ends now. Returns it (None if there was none)."""
        return self._sessions.pop(token or "", None)

    def sweep(self, disabled_accounts: set[str] = frozenset()) -> list[Session]:
        """End the sessions that expired or whose account is no longer allowed in; returns them."""
        ended = [s for s in self._sessions.values() if self._expired(s) or s.account in disabled_accounts]
        for session in ended:
            del self._sessions[session.token]
        return ended

    def accounts(self) -> set[str]:
        return {s.account for s in self._sessions.values()}

    def __len__(self) -> int:
        return len(self._sessions)

    def _expired(self, session: Session) -> bool:
        now = self._clock()
        return now - session.last_seen > self.idle_timeout or now - session.started > self.max_age
