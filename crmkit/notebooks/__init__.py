"""The notebooks crmkit ships, found inside the installed package.

The analysts' notebooks live in this folder as package data: ``entry.ipynb`` (entry forms and the
record editor), ``explore.ipynb`` (segment explorer and lead board), ``segmentation.ipynb``
(customer value) and ``close_likelihood.ipynb``. Two more ship with the code that runs them:
``crmkit/reports/monthly_report.ipynb`` (``crmkit report``) and ``crmkit/widgets/app.ipynb``
(``crmkit app``). Everything here is found with :mod:`importlib.resources`, never from the
working folder, so an installed crmkit has them wherever it runs.

``crmkit notebooks [DIR]`` (:func:`copy_notebooks`) copies the ones a user opens in JupyterLab
into a folder of theirs; each is thin (the logic is in the package) with its outputs stripped,
and takes its parameters from a ``parameters`` cell (``papermill --help-notebook`` lists them).

>>> from crmkit import notebooks
>>> list(notebooks.USER_NOTEBOOKS)
['entry.ipynb', 'explore.ipynb', 'segmentation.ipynb', 'close_likelihood.ipynb', 'monthly_report.ipynb']
>>> notebooks.shipped("segmentation.ipynb").read_bytes()[:1]
b'{'
"""

from __future__ import annotations

from .copying import CopyResult, copy_notebooks
from .packaged import USER_NOTEBOOKS, shipped

__all__ = ["USER_NOTEBOOKS", "shipped", "copy_notebooks", "CopyResult"]
