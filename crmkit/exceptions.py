"""Every error crmkit raises, each carrying what a user needs to fix the cause.

The errors keep their context as attributes and build their message in ``__str__``,
so a notebook, the CLI and a widget can each show them their own way. ``describe(lang)`` is the
message in a language (the command line prints it): the errors a user meets outside Python
(a file, the store, an account, an argument) frame it through the catalog, and a reason given
as a catalog text reads in that language too; any other reason stays as written (English).
"""

from __future__ import annotations

from pathlib import Path


class CrmkitError(Exception):
    """Base class of every crmkit error.

    Every crmkit error pickles with all its attributes, whatever its ``__init__`` takes, so an
    error raised in a worker process (a batch of reports) reaches the caller whole.
    """

    def __reduce__(self):
        return _rebuild, (type(self), self.args, self.__dict__)

    def describe(self, lang: str) -> str:
        """The message in ``lang`` ("en" or "zh"); ``str(error)`` is the English."""
        return str(self)


def _translated(text, lang: str, **fields) -> str:
    from .i18n import translate   # here, not at the top: crmkit.i18n imports this module

    return translate(str(text), lang, **fields)


def _rebuild(cls, args, state):
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class UnknownTableError(CrmkitError, KeyError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"unknown table {self.name!r}; the tables are: {', '.join(self.known)}"


class ImportValidationError(CrmkitError):
    """A file had problems, so nothing was written. ``report`` lists every problem."""

    def __init__(self, report):
        super().__init__(report)
        self.report = report

    def __str__(self) -> str:
        r = self.report
        head = (
            f"{r.path}: {len(r.errors)} problem(s) in {r.rows_read} row(s) for table "
            f"{r.table!r}; nothing was written. Fix the file, or pass on_error='skip' "
            f"to import only the good rows."
        )
        return head + "\n" + r.format_problems(limit=20)


class FileFormatError(CrmkitError):
    """The file itself could not be read (encoding, format, no header row)."""

    def __init__(self, path, reason: str):
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def describe(self, lang: str) -> str:
        return f"{self.path}: {_translated(self.reason, lang)}"


class RecordValidationError(CrmkitError):
    """A record passed to add/update has invalid fields. ``problems`` lists them."""

    def __init__(self, table: str, problems: list):
        super().__init__(table, problems)
        self.table = table
        self.problems = problems

    def __str__(self) -> str:
        lines = [f"{self.table}: the record was not saved:"]
        lines += [f"  {p.column}: {p.reason} (value {p.value!r})" for p in self.problems]
        return "\n".join(lines)


class RecordNotFoundError(CrmkitError, KeyError):
    def __init__(self, table: str, record_id: str):
        super().__init__(table, record_id)
        self.table = table
        self.record_id = record_id

    def __str__(self) -> str:
        return f"{self.table}: no record with id {self.record_id!r}"


class DuplicateIdError(CrmkitError):
    def __init__(self, table: str, record_id: str):
        super().__init__(table, record_id)
        self.table = table
        self.record_id = record_id

    def __str__(self) -> str:
        return f"{self.table}: a record with id {self.record_id!r} already exists"


class RecordsAttachedError(CrmkitError):
    """A record that other records still name (a customer with visits, orders …) was not deleted.

    ``records`` maps each table to how many of its live records name this one. Merge the
    record into the one that should keep them (``crm.merge``), or delete them with it
    (``cascade=True``); nothing was changed.
    """

    def __init__(self, table: str, record_id: str, records: dict[str, int]):
        super().__init__(table, record_id, records)
        self.table = table
        self.record_id = record_id
        self.records = dict(records)

    def __str__(self) -> str:
        held = ", ".join(f"{n} {name}" for name, n in self.records.items())
        return (f"{self.table} {self.record_id!r} still has records ({held}); nothing was deleted. Merge it into "
                f"the {self.table[:-1]} that should keep them (crm.merge({self.table!r}, keep=ID, "
                f"drop=[{self.record_id!r}]), or `crmkit merge`), or delete them with it: "
                f"crm.delete({self.table!r}, {self.record_id!r}, cascade=True)")


class AttachmentRefusedError(CrmkitError, ValueError):
    """A file offered as an attachment was refused; nothing was written.

    ``file`` is the file's name, ``code`` a stable word for the cause (``too_large``, ``empty``,
    ``executable``, ``markup``, ``archive``, ``macros``, ``not_text``, ``damaged``,
    ``extension_mismatch``, ``extension_not_accepted``, ``not_a_file``, ``bad_name``) and
    ``reason`` what is wrong, in ``lang``.
    """

    def __init__(self, file: str, code: str, reason: str, lang: str = "en"):
        super().__init__(file, code, reason, lang)
        self.file = file
        self.code = code
        self.reason = reason
        self.lang = lang

    def __str__(self) -> str:
        from .i18n import translate  # i18n imports this module

        return translate("{file}: {reason}; nothing was attached", self.lang, file=self.file, reason=self.reason)


class ConflictError(CrmkitError):
    """Someone changed the record since it was read; nothing was overwritten.

    ``expected_version`` is the version the caller read, ``current_version`` the one in
    the store; ``fields`` maps each field the caller wanted to change to
    ``(their_value_now, your_value)``.
    """

    def __init__(self, table, record_id, expected_version, current_version, fields, deleted=False):
        super().__init__(table, record_id, expected_version, current_version)
        self.table = table
        self.record_id = record_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.fields = fields
        self.deleted = deleted

    def __str__(self) -> str:
        what = "deleted" if self.deleted else "changed"
        lines = [
            f"{self.table} {self.record_id!r} was {what} by someone else: you edited version "
            f"{self.expected_version}, the store has version {self.current_version}. Nothing was saved."
        ]
        for name, (theirs, yours) in self.fields.items():
            lines.append(f"  {name}: store has {theirs!r}, you wanted {yours!r}")
        return "\n".join(lines)


class StoreConnectionError(CrmkitError):
    def __init__(self, url: str, reason: str):
        super().__init__(url, reason)
        self.url = url
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot open the store at {self.url}: {self.reason}"

    def describe(self, lang: str) -> str:   # the reason is the database's own words
        return _translated("cannot open the store at {url}: {reason}", lang, url=self.url, reason=self.reason)


class AuthenticationError(CrmkitError):
    """A name and password that do not open an account. One message for an unknown name, a wrong
    password and a disabled account, so a guesser cannot tell which names exist."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return "unknown user, wrong password or disabled account"

    def describe(self, lang: str) -> str:
        return _translated("unknown user, wrong password or disabled account", lang)


class AccessDeniedError(CrmkitError, PermissionError):
    """The store's user may not do this: ``action`` (e.g. "update customers C001") and ``reason``."""

    def __init__(self, user: str, action: str, reason: str):
        super().__init__(user, action, reason)
        self.user = user
        self.action = action
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.user} may not {self.action}: {self.reason}"

    def describe(self, lang: str) -> str:
        return _translated("{user} may not {action}: {reason}", lang, user=self.user,
                           action=_translated(self.action, lang), reason=_translated(self.reason, lang))


class ParameterError(CrmkitError, ValueError):
    """An argument cannot be used: ``name`` is the argument, ``value`` what was passed, ``reason``
    what is wrong with it."""

    def __init__(self, name: str, value, reason: str):
        super().__init__(name, value, reason)
        self.name = name
        self.value = value
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.name}={self.value!r}: {self.reason}"

    def describe(self, lang: str) -> str:
        return f"{self.name}={self.value!r}: {_translated(self.reason, lang)}"


class AsOfError(ParameterError):
    """A date given as ``as_of`` (or a second date beside it: ``since``, ``cutoff``, ``start``)
    is not a calendar day. See ``crmkit.timeframe`` for the convention: everything dated on or
    before the day counts.
    """

    def __str__(self) -> str:
        return (f"{self.name}={self.value!r} {self.reason}: {self.name} is a calendar day (everything dated on or "
                f"before it counts), e.g. {self.name}=\"2026-10-31\"")

    def describe(self, lang: str) -> str:
        return str(self)


class ValueInputError(CrmkitError, ValueError):
    """The data or settings given to a value analysis (RFM, grades, ABC, clusters) cannot be used.

    ``column`` names the column (or setting) at fault, ``reason`` says what is wrong, and
    ``rows`` holds up to ten offending row labels (customer ids) when rows are the cause.
    """

    def __init__(self, reason: str, column: str | None = None, rows: list | None = None):
        super().__init__(reason, column, rows)
        self.reason = reason
        self.column = column
        self.rows = list(rows or [])[:10]

    def __str__(self) -> str:
        where = f"{self.column}: " if self.column else ""
        rows = f" (e.g. {', '.join(map(repr, self.rows))})" if self.rows else ""
        return f"{where}{self.reason}{rows}"


class CJKFontMissingError(CrmkitError):
    """No font that can draw Chinese is installed, so charts would show empty boxes."""

    def __init__(self, tried: list[str]):
        super().__init__(tried)
        self.tried = tried

    def __str__(self) -> str:
        return (
            "no Chinese (CJK) font is installed for matplotlib; looked for: " + ", ".join(self.tried)
            + ". Install one, e.g. on Debian/Ubuntu `apt-get install fonts-noto-cjk` "
            "(conda: `conda install -c conda-forge font-ttf-noto-cjk`), or pass lang='en'."
        )


def _some(ids, limit: int = 5) -> str:
    """'a', 'b', 'c' and 12 more: enough ids to find the rows, not a wall of them."""
    ids = list(ids)
    shown = ", ".join(repr(i) for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


class ModelInputError(ValueInputError):
    """A summary frame cannot be fitted or scored as it is; nothing was fitted.

    A ``ValueInputError``, so one ``except`` catches every bad input of ``crmkit.value``.
    ``model`` is the estimator (``"BetaGeo"``, ``"GammaGamma"``, …), ``column`` the column at
    fault (or None when it is the frame as a whole), ``customers`` the index labels of the
    rows at fault (all of them; the message shows the first few; ``rows`` the first ten, as
    for every ValueInputError), ``reason`` what is wrong and ``hint`` what to try.
    """

    def __init__(self, model: str, reason: str, column: str | None = None, customers=(), hint: str = ""):
        super().__init__(reason, column, list(customers))
        self.model = model
        self.customers = list(customers)
        self.hint = hint

    def __str__(self) -> str:
        where = f" (column {self.column!r})" if self.column else ""
        text = f"{self.model}: {self.reason}{where}"
        if self.customers:
            text += f"; {len(self.customers)} customer(s): {_some(self.customers)}"
        return text + (f". {self.hint}" if self.hint else "")


class ConvergenceError(CrmkitError, RuntimeError):
    """Maximum likelihood did not reach a usable optimum; nothing was stored on the model.

    ``params`` holds the last parameters tried (a dict, in the summary's own units),
    ``reason`` what went wrong and ``hint`` what to try.
    """

    def __init__(self, model: str, reason: str, params: dict | None = None, hint: str = ""):
        super().__init__(model, reason)
        self.model = model
        self.reason = reason
        self.params = dict(params or {})
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.model} did not converge: {self.reason}"
        if self.params:
            text += " (last parameters: " + ", ".join(f"{k}={v:.4g}" for k, v in self.params.items()) + ")"
        return text + (f". Try: {self.hint}" if self.hint else "")


# ---------------------------------------------------------------- monthly reports


class ReportParameterError(ParameterError):
    """A parameter of ``render_monthly`` (or ``crmkit report``) cannot be used; nothing was rendered."""


class NoReportDataError(CrmkitError):
    """The store holds no dated records, so there is no "last full month" to default to."""

    def __init__(self, store: str, tables: tuple[str, ...]):
        super().__init__(store, tables)
        self.store = store
        self.tables = tables

    def __str__(self) -> str:
        return (f"{self.store} has no {', '.join(self.tables)} yet, so there is no last full month to report; "
                f"fill it (e.g. `crmkit demo`) or name the month (--month YYYY-MM, month='YYYY-MM')")


class ReportExecutionError(CrmkitError):
    """A cell of the report notebook raised; the partial notebook is kept for inspection.

    ``cell_index`` counts the code and markdown cells of the *source* notebook from 0 (the
    cell papermill injects with the parameters is not counted), ``cell_source`` is that
    cell's first line, ``ename``/``evalue`` the exception's type and message, and
    ``notebook_path`` the executed notebook with every output up to the failure (open it in
    Jupyter to see the traceback).
    """

    def __init__(self, cell_index: int, cell_source: str, ename: str, evalue: str, notebook_path,
                 label: str = ""):
        super().__init__(cell_index, cell_source, ename, evalue, notebook_path, label)
        self.cell_index = cell_index
        self.cell_source = cell_source
        self.ename = ename
        self.evalue = evalue
        self.notebook_path = Path(notebook_path)
        self.label = label

    def __str__(self) -> str:
        what = f"the report{f' for {self.label}' if self.label else ''}"
        return (f"{what} failed in cell {self.cell_index} ({self.cell_source!r}): {self.ename}: {self.evalue}\n"
                f"the partial notebook, with the traceback, is {self.notebook_path}")


class ReportKernelError(CrmkitError):
    """The notebook's kernel could not start, died, or timed out; nothing raised inside a cell.

    ``kernel_name`` is the Jupyter kernel asked for, ``reason`` what went wrong, ``cell_index``
    the source notebook's cell that was running (None if none was), and ``notebook_path`` the
    partial notebook when one was written (None otherwise).
    """

    def __init__(self, kernel_name: str, reason: str, cell_index: int | None = None, notebook_path=None,
                 label: str = ""):
        super().__init__(kernel_name, reason, cell_index, notebook_path, label)
        self.kernel_name = kernel_name
        self.reason = reason
        self.cell_index = cell_index
        self.notebook_path = Path(notebook_path) if notebook_path is not None else None
        self.label = label

    def __str__(self) -> str:
        what = f"the report{f' for {self.label}' if self.label else ''}"
        where = f" while cell {self.cell_index} ran" if self.cell_index is not None else ""
        text = f"{what} stopped{where}: the {self.kernel_name!r} kernel failed: {self.reason}"
        if self.notebook_path is not None:
            text += f"\nthe partial notebook is {self.notebook_path}"
        return text


class BatchRenderError(CrmkitError):
    """Some reports of a batch failed; the others were rendered.

    ``failures`` maps each failed value (a region or a rep) to its error, ``rendered`` maps
    the values that worked to their :class:`~crmkit.reports.render.ReportPaths`.
    """

    def __init__(self, by: str, failures: dict, rendered: dict):
        super().__init__(by, failures, rendered)
        self.by = by
        self.failures = failures
        self.rendered = rendered

    def __str__(self) -> str:
        lines = [f"{len(self.failures)} of {len(self.failures) + len(self.rendered)} reports by {self.by} failed "
                 f"(the other {len(self.rendered)} were written):"]
        for value, err in self.failures.items():
            lines.append(f"  {self.by} {value}: " + str(err).replace("\n", "\n    "))
        return "\n".join(lines)


class ChromiumNotFoundError(CrmkitError):
    """A PDF was asked for, but no Chromium/Chrome to print it with is installed."""

    def __init__(self, tried: list[str]):
        super().__init__(tried)
        self.tried = tried

    def __str__(self) -> str:
        return ("a PDF needs Chromium (or Chrome) to print the HTML report, and none was found; looked for "
                + ", ".join(self.tried) + ". Install it (Debian/Ubuntu: `apt-get install chromium`) or set "
                "$CRMKIT_CHROMIUM to its path, or leave out --pdf (pdf=False) for the HTML report alone")


class PdfConversionError(CrmkitError):
    """Chromium ran but did not print the PDF."""

    def __init__(self, html_path, reason: str):
        super().__init__(html_path, reason)
        self.html_path = Path(html_path)
        self.reason = reason

    def __str__(self) -> str:
        return f"could not print {self.html_path} to PDF: {self.reason}"


class CrmkitWarning(UserWarning):
    """Base class of the warnings crmkit gives: something worked, but a person should look."""


class IdColumnsWarning(CrmkitWarning):
    """Columns that look like ids (a lead number, a uuid) were left out of a model's fit.
    ``columns`` maps each to the reason it was taken for an id."""

    def __init__(self, message: str, columns: dict[str, str]):
        super().__init__(message)
        self.columns = columns


class LeakageWarning(CrmkitWarning):
    """A single column separates won from lost leads almost perfectly: it was probably filled in
    after the outcome was known (a final amount, a closing note). ``columns`` maps each such
    column to how well it separates them (an AUC between 0.5 and 1)."""

    def __init__(self, message: str, columns: dict[str, float]):
        super().__init__(message)
        self.columns = columns


class NoChurnWarning(CrmkitWarning):
    """A BG/NBD fit found no churn in the data: the likelihood is highest where nobody drops
    out, so the model is that limit (purchases without dropout). Its ``note_`` says so."""


class ValueWeightsWarning(CrmkitWarning):
    """A value score left out a part the data do not have (no gross margin column) and weighed
    the others; ``weights`` holds the weights used."""

    def __init__(self, message: str, weights: dict[str, float]):
        super().__init__(message)
        self.weights = weights
