"""crmkit: customer management for sales teams, from Jupyter.

>>> import crmkit
>>> crm = crmkit.open()          # data/crm.db (SQLite), or $CRMKIT_DB_URL
>>> crm.customers().head()
"""

from .exceptions import (ConflictError, CrmkitError, FileFormatError, ImportValidationError,
                         RecordNotFoundError, RecordValidationError)
from .importing import ImportReport, Problem
from .store import Store, open

# The one place the version is written: pyproject.toml reads it from here (setuptools' dynamic
# version), so the wheel's metadata, `crmkit --version` and importlib.metadata agree.
__version__ = "0.1.0"

__all__ = [
    "open", "Store", "ImportReport", "Problem",
    "CrmkitError", "ConflictError", "FileFormatError", "ImportValidationError",
    "RecordNotFoundError", "RecordValidationError", "__version__",
]
