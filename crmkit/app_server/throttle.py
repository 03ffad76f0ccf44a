"""Slowing down password guessing at the app's login.

Every failed login of an account name, and every failed login from a client address, counts.
After a few failures in a row, that name (or address) must wait before its next try is even
checked, and the wait doubles with each further failure, up to ``MAX_WAIT`` seconds: a guesser
gets a handful of tries per account per quarter of an hour instead of thousands per second,
whichever accounts and however many connections it uses. A rep who mistypes twice notices
nothing; a success clears the name's count (and the address's).

Both counts matter: the name's stops many guesses at one account from many addresses; the
address's stops one client guessing a few passwords at every account. The address's count
starts later (``ADDRESS_FREE``), because an office behind one NAT, or every user behind a
reverse proxy, shares an address; the cap keeps a lock-out of a shared address short.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

#: Failures of one account name before its next try must wait.
NAME_FREE = 3
#: Failures from one client address before its next try must wait.
ADDRESS_FREE = 10
#: The first wait in seconds; each further failure doubles it.
FIRST_WAIT = 2.0
#: The longest wait in seconds.
MAX_WAIT = 300.0
#: Counts kept at most per table; beyond, those whose wait is over are forgotten (a guesser
#: trying a million names must not fill the app's memory).
MAX_COUNTS = 10_000


@dataclass
class _Count:
    failures: int = 0
    wait_until: float = 0.0


class LoginThrottle:
    """Failure counts by account name and by client address. ``clock`` is ``time.monotonic``
    except in tests."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._names: dict[str, _Count] = {}
        self._addresses: dict[str, _Count] = {}

    def wait_before_try(self, name: str, address: str) -> float:
        """Seconds until ``name`` may try again from ``address`` (0: now)."""
        now = self._clock()
        waits = [count.wait_until - now
                 for count in (self._names.get(_key(name)), self._addresses.get(address)) if count]
        return max([0.0, *waits])

    def failed(self, name: str, address: str) -> None:
        now = self._clock()
        for table, key, free in ((self._names, _key(name), NAME_FREE), (self._addresses, address, ADDRESS_FREE)):
            count = table.setdefault(key, _Count())
            count.failures += 1
            if count.failures >= free:
                count.wait_until = now + min(MAX_WAIT, FIRST_WAIT * 2 ** min(count.failures - free, 16))
            if len(table) > MAX_COUNTS:
                for stale in [k for k, c in table.items() if c.wait_until <= now and k != key]:
                    del table[stale]

    def succeeded(self, name: str, address: str) -> None:
        self._names.pop(_key(name), None)
        self._addresses.pop(address, None)


def _key(name: str) -> str:
    # "Alice" and "alice " are the same guess at the same account
    return name.strip().casefold()
