"""Sign what crmkit writes to disk for itself, so it never loads what something else put there.

The fitted close model is cached as a pickle, and unpickling runs whatever code the file names:
a file dropped into the cache folder (a shared project folder, a cache directory under /tmp, a
copied ``data/``) would run as the user who opens the lead board. So each file crmkit writes
carries an HMAC-SHA256 of its bytes and of its name, made with a secret key of this user's
installation, and is unpickled only when that HMAC verifies.

The key is 32 random bytes in ``$CRMKIT_SIGNING_KEY`` (a file path) or
``~/.config/crmkit/cache-signing.key`` (``$XDG_CONFIG_HOME`` honoured): outside the project and
its cache, so whoever can write the cache folder cannot forge a signature unless they can also
read the user's home. crmkit creates it (mode 0600, atomically: two processes starting at once
agree on one key) and refuses a key file that another user owns or others can read: then nothing
is cached, and the model is fitted each time.

>>> blob = sign(b"payload", "close_model_1.pkl", key=b"k" * 32)
>>> verified(blob, "close_model_1.pkl", key=b"k" * 32)
b'payload'
>>> verified(blob, "close_model_2.pkl", key=b"k" * 32) is None   # a genuine file under another name
True
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
from pathlib import Path

ENV_KEY_FILE = "CRMKIT_SIGNING_KEY"
MAGIC = b"crmkit-signed 1\n"
KEY_BYTES = 32
_DIGEST = hashlib.sha256().digest_size

log = logging.getLogger(__name__)


def key_file() -> Path:
    """Where this installation's signing key is: ``$CRMKIT_SIGNING_KEY`` or the user's config folder."""
    if os.environ.get(ENV_KEY_FILE):
        return Path(os.environ[ENV_KEY_FILE])
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "crmkit" / "cache-signing.key"


def installation_key() -> bytes | None:
    """The signing key, made on first use; None when it can't be made or isn't safe to trust."""
    path = key_file()
    try:
        if not path.exists():
            _create(path)
        return _trusted(path)
    except OSError as exc:
        log.warning("crmkit cannot use the signing key %s (%s): fitted models are not cached", path, exc)
        return None


def sign(payload: bytes, name: str, key: bytes | None = None) -> bytes | None:
    """``payload`` with its signature in front, bound to ``name`` (the file's name: a genuine file
    moved to another name, say an older model under the current key, does not verify); None
    without a usable key."""
    key = key if key is not None else installation_key()
    if key is None:
        return None
    return MAGIC + _mac(key, name, payload) + payload


def verified(blob: bytes, name: str, key: bytes | None = None) -> bytes | None:
    """The payload of ``blob`` if crmkit signed it under ``name`` with this installation's key, else None."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + _DIGEST:
        return None
    key = key if key is not None else installation_key()
    if key is None:
        return None
    mac, payload = blob[len(MAGIC):len(MAGIC) + _DIGEST], blob[len(MAGIC) + _DIGEST:]
    return payload if hmac.compare_digest(mac, _mac(key, name, payload)) else None


def _mac(key: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(key, name.encode("utf-8") + b"\0" + payload, hashlib.sha256).digest()


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # written whole under a temporary name, then linked to its own: a reader never sees half a
    # key, and when two processes race, the first link wins and the other uses that key
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(KEY_BYTES))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def _trusted(path: Path) -> bytes | None:
    """The key in ``path`` if only this user can read and write it."""
    info = path.stat()
    if os.name == "posix" and (info.st_uid != os.getuid() or info.st_mode & 0o077):
        log.warning("crmkit ignores the signing key %s: it must belong to you and be readable by you alone "
                    "(chmod 600); fitted models are not cached", path)
        return None
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        log.warning("crmkit ignores the signing key %s: it is not %d bytes; fitted models are not cached",
                    path, KEY_BYTES)
        return None
    return key
