"""Accounts of the people who use the app: names, roles, the rep name their records carry, a team,
and an argon2 hash of the password (never the password itself).

>>> crm.add_user("alice", "s3cret-pass", role="rep", rep="张伟", team="华东")
>>> user = crm.authenticate("alice", "s3cret-pass")          # -> User, or AuthenticationError
>>> mine = crmkit.open(crm.url, user=user)                    # reads and writes follow alice's rules

Roles (what ``query.Filter.visible_to`` lets each see, and the edits let each write):

- ``rep``: the records of their own book: customers whose ``owner`` is their rep name, every record
  of those customers, and records without a customer whose rep column names them;
- ``manager``: the same for every rep of their team (the rep names of all accounts with the same
  ``team``, their own included);
- ``admin``: everything, and alone may import files, merge duplicates, back-date history
  (``import_history``), sign changes with another name (``by=``) and manage accounts.

The accounts live in ``crmkit_users``, outside ``schema.TABLES``, so no read, export or report
ever shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..exceptions import AccessDeniedError, AuthenticationError, ParameterError
from ..i18n import N_
from ..values import blank_to_none
from .location import who

ROLES = ("rep", "manager", "admin")
USERS_TABLE = "crmkit_users"
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class User:
    """An account as the store knows it. ``rep`` is the name its records carry in ``owner``/``rep``."""

    name: str
    role: str
    rep: str
    team: str | None = None
    disabled: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's current defaults


def hash_password(password: str) -> str:
    """An argon2id hash (salted; the clear text cannot be read back from it)."""
    _check_password(password)
    return _hasher().hash(password)


def _check_password(password) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        # the value is never echoed: it may be a real password
        raise ParameterError("password", "***", f"needs at least {MIN_PASSWORD_LENGTH} characters")


# A hash of a throwaway password: an unknown name is checked against it, so answering "no such
# user" takes as long as "wrong password" and the time tells no names apart.
_DUMMY_HASH: list[str] = []


def _verify(hashed: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    if hashed is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(_hasher().hash("crmkit-no-such-user"))
        hashed = _DUMMY_HASH[0]
        found = False
    else:
        found = True
    try:
        return _hasher().verify(hashed, password) and found
    except (VerificationError, InvalidHashError):
        return False


class Accounts:
    """The accounts half of ``Store`` (it needs ``self._db`` and ``self.account``)."""

    def add_user(self, name: str, password: str, *, role: str = "rep", rep: str | None = None,
                 team: str | None = None) -> User:
        """Create an account. ``rep`` (default: ``name``) is the name the records carry in
        ``owner``/``rep``; ``team`` groups reps under a manager."""
        self._require_admin(N_("manage accounts"))
        name = _check_name(name)
        if role not in ROLES:
            raise ParameterError("role", role, f"must be one of {', '.join(ROLES)}")
        user = User(name, role, blank_to_none(rep) or name, blank_to_none(team))
        hashed = hash_password(password)
        db = self._db
        with db.transaction():
            if self._account_row(name) is not None:
                raise ParameterError("name", name, N_("an account of that name exists"))
            db.execute(f"INSERT INTO {USERS_TABLE} (name, password_hash, role, rep, team, disabled, created_at) "
                       f"VALUES ({db.placeholders(7)})",
                       (user.name, hashed, user.role, user.rep, user.team, False,
                        db.value(pd.Timestamp.now().floor("s"), "datetime")))
        return user

    def users(self) -> pd.DataFrame:
        """Every account: name, role, rep, team, disabled, created_at (never the hash)."""
        self._require_admin(N_("list accounts"))
        rows = self._db.rows(f"SELECT name, role, rep, team, disabled, created_at FROM {USERS_TABLE} ORDER BY name")
        frame = pd.DataFrame(rows, columns=["name", "role", "rep", "team", "disabled", "created_at"])
        frame["disabled"] = frame["disabled"].astype(bool)
        return frame.astype({c: pd.StringDtype() for c in ("name", "role", "rep", "team")})

    def disable_user(self, name: str) -> None:
        """Close an account: it no longer authenticates nor opens the store (its records stay)."""
        self._require_admin(N_("manage accounts"))
        self._set_account(name, "disabled", True)

    def set_password(self, name: str, password: str) -> None:
        """A new password for ``name`` (an admin for anyone; a user for their own account)."""
        if self.account is not None and not self.account.is_admin and self.account.name != name:
            raise AccessDeniedError(self.account.name, f"change the password of {name}", N_("only an admin may"))
        self._set_account(name, "password_hash", hash_password(password))

    def authenticate(self, name: str, password: str) -> User:
        """The account of ``name`` if ``password`` is its password and it is not disabled;
        else AuthenticationError (the same for each cause)."""
        row = self._account_row(str(name))
        if not _verify(row["password_hash"] if row else None, str(password)) or row["disabled"]:
            raise AuthenticationError(str(name))
        return _user(row)

    def account_of(self, name: str) -> User | None:
        """The account named ``name`` (disabled or not), or None."""
        row = self._account_row(str(name))
        return _user(row) if row else None

    # ------------------------------------------------------------------ internals

    def _account_row(self, name: str) -> dict | None:
        rows = self._db.rows(f"SELECT name, password_hash, role, rep, team, disabled FROM {USERS_TABLE} "
                             f"WHERE name = {self._db.placeholder(1)}", (name,))
        return rows[0] if rows else None

    def _set_account(self, name: str, column: str, value) -> None:
        db, p = self._db, self._db.placeholder
        with db.transaction():
            if self._account_row(name) is None:
                raise ParameterError("name", name, N_("no account of that name"))
            # ``column`` is one of this module's names, never the caller's
            db.execute(f"UPDATE {USERS_TABLE} SET {column} = {p(1)} WHERE name = {p(2)}", (value, name))

    def _author(self, by: str | None) -> str:
        """The name a change is signed with. An account that is not an admin signs with its own
        name only: ``by=`` naming anyone else is refused, so the history cannot be forged."""
        if by and self.account is not None and not self.account.is_admin and by != self.account.name:
            raise ParameterError("by", by, f"only an admin may sign a change with another name than "
                                           f"their own ({self.account.name})")
        return who(by, self.user)

    def _require_admin(self, action: str) -> None:
        """Only an admin (or a store opened without a user: whoever holds the database) may."""
        if self.account is not None and not self.account.is_admin:
            raise AccessDeniedError(self.account.name, action, N_("only an admin may"))


def _user(row: dict) -> User:
    return User(row["name"], row["role"], row["rep"], row["team"], bool(row["disabled"]))


def _check_name(name) -> str:
    name = (blank_to_none(name) or "") if isinstance(name, str) else ""
    name = name.strip()
    if not name or any(ch.isspace() for ch in name) or len(name) > 64:
        raise ParameterError("name", name, N_("an account name is one word of 1-64 characters"))
    return name
