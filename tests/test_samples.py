"""The sample files shipped in data/samples import cleanly, and match the demo data they came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmkit import demo

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
FILES = {  # in the order a user imports them: customers before what refers to them
    "customers_gbk.csv": "customers",
    "interactions.xlsx": "interactions",
    "settlements_utf8bom.csv": "settlements",
    "orders.csv": "orders",
    "opportunities.xlsx": "opportunities",
}


def test_every_sample_file_is_shipped():
    assert sorted(p.name for p in SAMPLES.iterdir()) == sorted(FILES)


def test_each_sample_file_imports_into_an_empty_store_without_a_problem(store):
    for name, table in FILES.items():
        report = store.import_file(SAMPLES / name, table)
        assert report.problems == [], (name, report.format_problems())
        assert report.inserted == report.rows_read > 0, name
    customers = store.customers()
    assert customers["customer_id"].str.match(r"^0\d{5}$").all()  # leading zeros kept
    assert store.counts()["interactions"] > 0 and store.interactions()["customer_id"].isna().any()  # walk-ins


@pytest.fixture(scope="module")
def demo_data():
    return demo.generate(n_customers=2000, seed=0)


def test_the_samples_are_the_default_demo_data_losslessly(store, demo_data):
    # `crmkit demo` writes the samples from the default demo set; importing them over it must
    # find every value equal: Chinese text, ids, dates and times, amounts survive the files.
    demo.load_into(store, demo_data, history=False)
    for name, table in FILES.items():
        report = store.import_file(SAMPLES / name, table)
        assert (report.inserted, report.updated) == (0, 0), (name, str(report))
        assert report.unchanged == report.rows_read
