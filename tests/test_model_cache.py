"""The close model's cache loads only what crmkit signed: a planted pickle never runs, and a
genuine cache hit is used without fitting again."""

from __future__ import annotations

import os
import pickle
import stat

import pytest
from hypothesis import given, strategies as st

import crmkit
from crmkit import close, demo, signing
from crmkit.close import scoring

AS_OF = "2026-09-30"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('model-cache') / 'crm.db'}"
    with crmkit.open(url) as crm:
        demo.load_into(crm, demo.generate(n_customers=300, seed=11))
    return url


@pytest.fixture
def own_key(tmp_path, monkeypatch):
    """This test's installation key, in a file of its own."""
    path = tmp_path / "keys" / "cache-signing.key"
    monkeypatch.setenv(signing.ENV_KEY_FILE, str(path))
    return path


class WritesAFile:
    """A pickle that runs code when loaded: it writes ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('ran')",)


def score(crm, cache):
    return close.score_open_opportunities(crm, as_of=AS_OF, cache_dir=cache)


def test_a_planted_pickle_is_never_unpickled_and_the_model_is_refitted(store_url, tmp_path, own_key):
    cache = tmp_path / "cache"
    marker = tmp_path / "ran.txt"
    planted = pickle.dumps(WritesAFile(marker))
    pickle.loads(planted)  # the payload does run code when unpickled ...
    assert marker.exists()
    marker.unlink()
    with crmkit.open(store_url) as crm:
        first = score(crm, cache)
        (cached,) = cache.glob("close_model_*.pkl")
        for blob in (planted,  # a bare pickle
                     signing.MAGIC + b"\0" * 32 + planted,  # with a made-up signature
                     signing.sign(planted, cached.name, key=os.urandom(32))):  # signed with another key
            cached.write_bytes(blob)
            scored = score(crm, cache)
            assert not marker.exists()  # ... but crmkit never unpickled it
            assert scored.model is not None and scored.table["probability"].between(0, 1).all()
            assert signing.verified(cached.read_bytes(), cached.name) is not None  # refitted, and signed
        assert scored.table["probability"].tolist() == first.table["probability"].tolist()


def test_a_genuine_cache_file_is_used_not_refitted(store_url, tmp_path, own_key):
    cache = tmp_path / "cache"
    with crmkit.open(store_url) as crm:
        first = score(crm, cache)
        (cached,) = cache.glob("close_model_*.pkl")
        # mark the fitted model, and cache it as crmkit does: a fit would not have the mark
        first.model.cache_probe_ = "read from the cache"
        scoring._save(first.model, cached)
        second = score(crm, cache)
        assert second.model is not first.model
        assert getattr(second.model, "cache_probe_", None) == "read from the cache"


def test_a_cache_signed_by_another_installation_is_refitted(store_url, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv(signing.ENV_KEY_FILE, str(tmp_path / "a.key"))
    with crmkit.open(store_url) as crm:
        first = score(crm, cache)
        first.model.cache_probe_ = "installation a"
        (cached,) = cache.glob("close_model_*.pkl")
        scoring._save(first.model, cached)
        assert getattr(score(crm, cache).model, "cache_probe_", None) == "installation a"
        monkeypatch.setenv(signing.ENV_KEY_FILE, str(tmp_path / "b.key"))  # the same folder, copied elsewhere
        assert not hasattr(score(crm, cache).model, "cache_probe_")


def test_a_genuine_file_under_another_cache_name_is_refitted(store_url, tmp_path, own_key):
    # an older model moved to the name of today's store state must not pass for it
    cache = tmp_path / "cache"
    with crmkit.open(store_url) as crm:
        first = score(crm, cache)
        (cached,) = cache.glob("close_model_*.pkl")
        first.model.cache_probe_ = "an older state"
        blob = signing.sign(pickle.dumps(first.model), "close_model_0000.pkl")
        cached.write_bytes(blob)
        assert not hasattr(score(crm, cache).model, "cache_probe_")


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_key_is_private_and_a_key_others_can_read_is_not_trusted(store_url, tmp_path, own_key):
    key = signing.installation_key()
    assert len(key) == signing.KEY_BYTES and signing.installation_key() == key  # made once, then kept
    assert stat.S_IMODE(own_key.stat().st_mode) == 0o600
    own_key.chmod(0o644)
    assert signing.installation_key() is None
    cache = tmp_path / "cache"
    with crmkit.open(store_url) as crm:
        scored = score(crm, cache)  # still scored, only not cached
    assert scored.table["probability"].between(0, 1).all()
    assert not list(cache.glob("close_model_*"))


@given(payload=st.binary(max_size=200), name=st.text(min_size=1, max_size=20), flip=st.integers(min_value=0))
def test_a_signature_verifies_its_payload_and_name_and_nothing_else(payload, name, flip):
    key = b"k" * signing.KEY_BYTES
    blob = signing.sign(payload, name, key=key)
    assert signing.verified(blob, name, key=key) == payload
    tampered = bytearray(blob)
    tampered[flip % len(blob)] ^= 0x01
    assert signing.verified(bytes(tampered), name, key=key) is None
    assert signing.verified(blob, name + "x", key=key) is None
    assert signing.verified(blob, name, key=b"j" * signing.KEY_BYTES) is None


def test_each_book_has_its_own_model_so_a_rep_s_scores_do_not_depend_on_who_scored_first(store_url, tmp_path, own_key):
    with crmkit.open(store_url) as crm:
        demo.create_accounts(crm)
        cards = crm.opportunities()
        rep = cards.loc[cards["status"] == "open", "rep"].value_counts().index[0]
    with crmkit.open(store_url, user=rep) as mine:           # the rep alone, on an empty cache
        alone = score(mine, tmp_path / "rep_first")
    with crmkit.open(store_url) as whole:                     # the whole store's model cached first ...
        everyone = score(whole, tmp_path / "whole_first")
    with crmkit.open(store_url, user=rep) as mine:           # ... is not the rep's
        after = score(mine, tmp_path / "whole_first")
    assert len(list((tmp_path / "whole_first").glob("close_model_*.pkl"))) == 2
    assert set(alone.table.index) < set(everyone.table.index)   # (indexed by opportunity_id)
    assert after.table["probability"].tolist() == alone.table["probability"].tolist()
