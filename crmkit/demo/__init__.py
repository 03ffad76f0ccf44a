"""Seeded, realistic demo data for crmkit: a Chinese sales team's customers, contacts, visits,
prospects, orders, receivables, complaints, Mackay-66 profiles, credit warnings (危险客户), the key
accounts' plans (客户计划工作表) and visit plans (客户拜访计划).

>>> from crmkit import demo
>>> data = demo.generate(n_customers=500, seed=1)
>>> sorted(data.tables)                                             # doctest: +NORMALIZE_WHITESPACE
['account_plans', 'complaints', 'contacts', 'credit_facts', 'customers', 'interactions', 'opportunities',
 'orders', 'plan_goals', 'plan_kpis', 'plan_milestones', 'plan_swot', 'profile', 'settlements', 'visit_plans']
>>> p = demo.true_close_probability(data, as_of=data.as_of)       # hidden P(won within 30 days)
>>> paths = demo.write_sample_files("/tmp/crmkit-demo", data)      # files to try `crmkit import` on

Everything is drawn from ``numpy.random.default_rng(seed)`` (split into one independent stream
per part, so the same seed gives identical frames), with numpy vector operations throughout: the
only Python loop over time is the day-by-day opportunity simulation, which works on all open
opportunities of that day at once.

The tables hold what a CRM would hold; ``DemoData.truth`` holds what no CRM knows (the hidden
rates, probabilities and latent traits) so that value and close-likelihood models can be checked
against the truth.

Modules
-------
The package is split by job; each module imports what it needs from the ones above it.

* ``dataset``: :class:`DemoData`, what :func:`generate` returns.
* ``vocabulary``: the Chinese word pools and their weights (names, cities, products, wording),
  and ``REGIONS``.
* ``vector_helpers``: small numpy helpers (fixed-width digits and ids, string concatenation,
  weighted draws, ranks within groups, the logistic function).
* ``timeline``: the time line (``end``, the data set's ``as_of``; ``stop``, the midnight after it;
  business-hour timestamps).
* ``people_and_companies``: random people, phone numbers, e-mail addresses, company names and
  addresses.
* ``reps_and_customers``: the sales team with its hidden traits, and the customers they own.
* ``purchases``: the hidden repeat-purchase process (BG/NBD with Gamma-Gamma spend) and its
  parameters ``PURCHASE_PARAMS``; its docstring describes the model.
* ``pipeline``: the hidden opportunity close process (``CLOSE_MODEL``, the daily hazards) and its
  day-by-day simulation over the history; its docstring describes the model.
* ``interactions``: the interactions table (first contacts, upkeep, card contacts, anonymous
  visitors).
* ``tables``: the other record tables (opportunities, orders, settlements, complaints,
  contacts, profile facts, customers).
* ``visits``: 不宜访问时间 for a quarter of the customers, and the reps' saved visit plans (the
  visits they made, a few the planner proposed that they missed, and next week's proposal).
* ``generator``: :func:`generate`, which runs all of the above from one seed and collects the
  tables and the hidden truth.
* ``truth``: the truth at a date, :func:`true_close_probability` and :func:`opportunity_state`.
* ``samples``: :func:`write_sample_files`, files to try ``crmkit import`` on.
* ``history``: :func:`stage_changes`, the stage paths as the store's change history.
* ``loading``: :func:`load_into`, the data set into a store, as ``crmkit demo`` loads it.
* ``accounts``: :func:`create_accounts`, one account per rep plus a manager and an admin.
* ``documents``: :func:`attach_documents`, a contract (PDF), a quotation (CSV) and a licence scan
  (PNG) attached to each of the key customers.
* ``plans``: :func:`plan_tables`, an account plan (客户计划工作表: SWOT, SMART goals, milestones,
  KPIs summing to 100%) for each of the key customers, part of :func:`generate`'s tables.
"""

from .accounts import create_accounts
from .dataset import DemoData
from .documents import attach_documents, key_customers
from .generator import generate
from .history import stage_changes
from .loading import load_into
from .pipeline import CLOSE_MODEL
from .pipeline import CloseModel as CloseModel
from .pipeline import _hazards as _hazards  # tests check the hazards' shape directly
from .purchases import PURCHASE_PARAMS
from .purchases import PurchaseParams as PurchaseParams
from .samples import write_sample_files
from .truth import opportunity_state, true_close_probability
from .vocabulary import REGIONS as REGIONS

__all__ = [
    "attach_documents",
    "create_accounts",
    "CLOSE_MODEL",
    "PURCHASE_PARAMS",
    "DemoData",
    "generate",
    "key_customers",
    "load_into",
    "opportunity_state",
    "stage_changes",
    "true_close_probability",
    "write_sample_files",
]
