"""score_open_opportunities: the fitted model is cached while the store and the settings stay the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit import close, demo

AS_OF = "2026-09-30"


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('scoring') / 'crm.db'}"
    data = demo.generate(n_customers=400, seed=5)
    with crmkit.open(url) as crm:
        demo.load_into(crm, data)
    return url


def test_the_fitted_model_is_reused_until_the_store_changes(small_store, tmp_path):
    with crmkit.open(small_store) as crm:
        first = close.score_open_opportunities(crm, as_of=AS_OF, cache_dir=tmp_path)
        files = sorted(tmp_path.glob("close_model_*.pkl"))
        assert len(files) == 1
        second = close.score_open_opportunities(crm, as_of=pd.Timestamp(AS_OF).date(), cache_dir=tmp_path)  # same day
        assert sorted(tmp_path.glob("close_model_*.pkl")) == files
        assert second.model is not first.model  # read back from the file, not the same object
        X = close.model_inputs(first.features)
        np.testing.assert_allclose(second.model.predict_proba(X), first.model.predict_proba(X))

        customer = crm.customers()["customer_id"].iloc[0]
        crm.add("interactions", {"customer_id": customer, "occurred_at": "2026-09-30 10:00", "channel": "来店"})
        close.score_open_opportunities(crm, as_of=AS_OF, cache_dir=tmp_path)
        assert len(list(tmp_path.glob("close_model_*.pkl"))) == 2  # a changed store trains again


def test_a_broken_cache_file_is_refitted_not_fatal(small_store, tmp_path):
    with crmkit.open(small_store) as crm:
        close.score_open_opportunities(crm, as_of=AS_OF, cache_dir=tmp_path)
        (cached,) = tmp_path.glob("close_model_*.pkl")
        cached.write_bytes(b"not a pickle")
        scored = close.score_open_opportunities(crm, as_of=AS_OF, cache_dir=tmp_path)
        assert scored.table["probability"].between(0, 1).all()
        assert cached.read_bytes() != b"not a pickle"
