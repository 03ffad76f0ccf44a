"""Every crmkit error pickles whole (a batch's worker processes send them back to the caller)."""

from __future__ import annotations

import pickle

import pytest

from crmkit import exceptions as ex
from crmkit.importing import Problem

ERRORS = [
    ex.UnknownTableError("kunden", ["customers", "orders"]),
    ex.ConflictError("customers", "001", 1, 2, {"phone": ("139", "138")}, deleted=True),
    ex.RecordValidationError("customers", [Problem("", None, "name", None, "missing name", code="required")]),
    ex.ModelInputError("BetaGeo", "frequency above T", column="frequency", customers=["A", "B"], hint="check T"),
    ex.ConvergenceError("GammaGamma", "the likelihood is flat", {"p": 1.5}, hint="more data"),
    ex.ReportExecutionError(3, "sections = build(data)", "KeyError", "'x'", "/tmp/r.ipynb", label="region 华东"),
    ex.ReportKernelError("python3", "died", cell_index=2, notebook_path=None),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_an_error_arrives_with_every_attribute_after_pickling(error):
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error)
    assert back.__dict__ == error.__dict__
    assert back.args == error.args


def test_every_crmkit_error_is_covered_by_one_reduce():
    # one base-class __reduce__, no per-class copies to keep in step
    overriding = [c.__name__ for c in vars(ex).values()
                  if isinstance(c, type) and issubclass(c, ex.CrmkitError) and "__reduce__" in vars(c)]
    assert overriding == ["CrmkitError"]
