"""The record store: the only door to the database.

>>> crm = crmkit.open()                      # data/crm.db, or $CRMKIT_DB_URL
>>> crm.customers(region="华东")              # typed reads
>>> crm.search("customers", "华信", limit=20)  # search, count, distinct, latest, data_date
>>> crm.update("customers", "000123", {"phone": "13800000000"}, expected_version=row["version"])

Modules, one job each: ``location`` (URLs, folders, who writes), ``connection`` (the one ADBC
connection and the dialects), ``ddl`` (tables from the schema), ``query`` (the one filter
builder), ``frames`` (Arrow <-> typed DataFrames), ``reads``, ``edits`` (versioned single-record
writes, checked by ``crmkit.rules``), ``cascade`` (the records that name a record, deleted and
restored with it), ``combine`` (merging duplicate customers), ``history``, ``imports`` and
``merge`` (bulk writes: upserting a frame), ``export``, ``attachments`` (files kept with a record),
``plans`` (account plans and their parts saved whole), ``totals`` (rules of several records);
``core`` puts them together as ``Store``. Nothing outside this package touches the
connection or holds SQL text (``tests/test_store_boundary.py`` checks it).
"""

from .core import Store, open
from .location import ENV_URL, cache_dir, default_url, has_password, hide_password, normalise_url, project_dir

__all__ = ["open", "Store", "ENV_URL", "default_url", "project_dir", "cache_dir", "normalise_url", "hide_password",
           "has_password"]
