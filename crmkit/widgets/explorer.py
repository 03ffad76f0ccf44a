"""The segment explorer: as-of date, segmentation method and filters -> live charts and a table.

>>> explorer = SegmentExplorer(crm)                 # shows itself in a notebook or Voila
>>> explorer.method.value = "value"                 # RFM rules / value grades / k-means
>>> explorer.region.value = "华东"
>>> explorer.selection                               # the customers shown, one row each
>>> explorer.export("exports/")                      # .xlsx with the forms' Chinese headers

The store is read once, when the explorer opens (customers and orders); each as-of date and
method is segmented once and kept, so changing a filter only re-filters a frame in memory.
Segments are computed over every customer who bought by the as-of date, then filtered: a
customer's RFM quintile does not change because the user looks at one region.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import html

import ipywidgets as w
import numpy as np
import pandas as pd

from .. import schema, value
from ..exporting import export_frame, presentable
from ..i18n import N_, choice_labels, column_label, translate, translate_in_context
from ..language import one_lang
from ..timeframe import end_of, resolve_as_of
from .display import bar_chart_html, download_link_html, grid_frame
from .errors import ErrorBanner, guarded

__all__ = ["SegmentExplorer", "segment_customers", "METHODS"]

METHODS = ("rfm", "value", "kmeans")
ALL = "__all__"
CACHE_SIZE = 12  # segmentations kept (as-of date x method); each is one row per buyer

# The explorer's own columns (those not in the customers table) -> their headers (message ids of crmkit.i18n).
SEGMENT_COLUMNS = {
    "segment": N_("segment"),
    "frequency": N_("repeat purchases"),
    "days_since_last": N_("days since last purchase"),
    "repeat_mean_value": N_("mean repeat purchase"),
    "revenue": N_("revenue to date"),
}
# Customer columns the explorer shows and exports; personal ones (phone, email, address)
# only when the user ticks "include contact details".
CUSTOMER_COLUMNS = ["customer_id", "name", "customer_type", "value_grade", "region", "owner", "status", "created_at"]
FILTER_COLUMNS = ("region", "owner", "customer_type")
PERSONAL_COLUMNS = [c.name for c in schema.CUSTOMERS.columns if c.personal]

METHOD_LABELS = {"rfm": N_("RFM rules"), "value": N_("Value grades A–E"), "kmeans": N_("k-means")}


def segment_customers(orders: pd.DataFrame, *, as_of=None, method: str = "rfm", lang: str = "zh",
                      k: int = 4) -> pd.DataFrame:
    """The segment of every customer who bought by ``as_of``, with the figures behind it.

    ``as_of`` is a calendar day (``crmkit.timeframe``): orders dated on or before it count;
    default: the day of the newest order, as in ``crmkit.value``.

    ``method``: "rfm" (``value.rfm_segments``' rule table), "value" (``value.value_grades``:
    the A–E value grade) or "kmeans" (``value.kmeans_segments`` with ``k`` clusters). Returns a
    frame indexed by customer_id with ``segment`` (a categorical, best segment first, labels in
    ``lang``), ``frequency``, ``days_since_last``, ``repeat_mean_value`` (the mean of the repeat
    purchases, from ``rfm_summary``) and ``revenue`` (total amount ordered by the end of the
    ``as_of`` day). The input is not modified.
    """
    if method not in METHODS:
        raise ValueError(f"unknown segmentation method {method!r}; use one of {', '.join(METHODS)}")
    as_of = resolve_as_of(as_of, orders["ordered_at"])
    summary = value.rfm_summary(orders, as_of=as_of)
    if method == "rfm":
        segments = value.rfm_segments(summary)["segment_zh" if lang == "zh" else "segment"]
    elif method == "value":
        segments = value.value_grades(orders, as_of=as_of)["value_grade"].reindex(summary.index)
    else:
        clusters = value.kmeans_segments(summary, k=k).segments
        segments = clusters["cluster_name_zh" if lang == "zh" else "cluster_name"]
    segments = segments.astype("category").cat.remove_unused_categories()
    upto = orders["ordered_at"] < end_of(as_of)
    revenue = orders.loc[upto].groupby("customer_id", observed=True)["amount"].sum().astype("float64")
    out = pd.DataFrame({
        "segment": segments,
        "frequency": summary["frequency"],
        "days_since_last": (summary["T"] - summary["recency"]).astype("float64"),
        "repeat_mean_value": summary["repeat_mean_value"],
    }, index=summary.index)
    out["revenue"] = revenue.reindex(summary.index).fillna(0.0).to_numpy()
    return out


class SegmentExplorer(w.VBox):
    """Segment customers at a date, narrow them down by region, rep, customer type and
    segment, see the segment sizes and revenue, and export the selection to Excel.

    Parameters
    ----------
    crm : Store
        The store to read customers and orders from (once, when the explorer opens).
    lang : "zh" or "en"
        Labels, segment names and export headers.
    as_of : date, optional
        The first as-of day (a calendar day: orders dated on or before it count). Default: the
        store's data date, the day of its last recorded activity (``crm.data_date()``).
    max_rows : int
        How many customers the table shows (the best by revenue); the export has them all.
    export_dir : path
        The folder the export is written to on the server (the user can change it).
    """

    def __init__(self, crm, lang: str | None = None, *, as_of=None, method: str = "rfm", max_rows: int = 200,
                 export_dir: str | Path = "exports"):
        lang = one_lang(lang, crm)
        if method not in METHODS:
            raise ValueError(f"unknown segmentation method {method!r}; use one of {', '.join(METHODS)}")
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        from ipydatagrid import DataGrid

        self.crm = crm
        self.lang = lang
        self.max_rows = int(max_rows)
        self._customers = crm.customers()
        # Customer columns as the grid shows them, made once: a filter only picks rows of it.
        id_header = schema.CUSTOMERS["customer_id"].label(lang)
        self._customer_display = grid_frame(presentable(self._customers[CUSTOMER_COLUMNS], schema.CUSTOMERS, lang),
                                            index_column=id_header)
        self._customer_index = pd.Index(self._customers["customer_id"].to_numpy(dtype=object), dtype=object)
        self._facets = {c: self._customers[c].astype(object).to_numpy() for c in FILTER_COLUMNS}
        self._chosen = pd.DataFrame()
        self._selection: pd.DataFrame | None = None
        orders = crm.read("orders", columns=["customer_id", "ordered_at", "amount", "gross_margin"])
        # Segment on integer customer codes (ids in sorted order): the same results as on the ids,
        # without hashing and sorting 100k strings on every as-of change.
        codes, self._order_customers = pd.factorize(orders["customer_id"].to_numpy(dtype=object), sort=True)
        self._orders = pd.DataFrame({
            "customer_id": codes.astype(np.int64),
            "ordered_at": orders["ordered_at"].to_numpy(),
            "amount": orders["amount"].to_numpy(dtype="float64", na_value=np.nan),
            "gross_margin": orders["gross_margin"].to_numpy(dtype="float64", na_value=np.nan),
        })
        self._code_row = self._rows_of(self._order_customers)  # customer code -> row in _customers
        self._cache: dict[tuple, pd.DataFrame] = {}
        self._quiet = False
        start = resolve_as_of(as_of, crm)

        self.banner = ErrorBanner()
        self.as_of = w.DatePicker(description=translate("As of", lang), value=start.date())
        self.method = w.Dropdown(description=translate("Method", lang),
                                 options=[(translate(METHOD_LABELS[m], lang), m) for m in METHODS], value=method)
        self.k = w.BoundedIntText(description=translate("Clusters", lang), value=4, min=2, max=8,
                                  layout={"width": "160px"})
        self.region = w.Dropdown(description=column_label(schema.CUSTOMERS["region"], lang),
                                 options=self._choices("region"))
        self.rep = w.Dropdown(description=translate_in_context("customer owner", "Rep", lang),
                              options=self._choices("owner"))
        self.customer_type = w.Dropdown(description=column_label(schema.CUSTOMERS["customer_type"], lang),
                                        options=self._type_choices())
        self.segment = w.Dropdown(description=translate("Segment", lang), options=[(translate("(all)", lang), ALL)])
        self.summary = w.HTML()
        self.charts = w.HTML()
        self.grid = DataGrid(pd.DataFrame({"": []}), selection_mode="row", base_column_size=110,
                             base_row_header_size=90, layout={"height": "360px"})
        self.folder = w.Text(description=translate("Export to folder", lang), value=str(export_dir),
                             layout={"width": "420px"})
        self.include_personal = w.Checkbox(description=translate("Include contact details", lang), value=False,
                                           indent=False)
        self.export_button = w.Button(description=translate("Export to Excel", lang), icon="file-excel-o",
                                      button_style="success")
        self.export_status = w.HTML()
        for widget, name in [(self.as_of, "asof"), (self.method, "method"), (self.k, "k"), (self.region, "region"),
                             (self.rep, "rep"), (self.customer_type, "type"), (self.segment, "segment"),
                             (self.grid, "table"), (self.charts, "charts"), (self.summary, "summary"),
                             (self.folder, "folder"), (self.export_button, "export"),
                             (self.export_status, "export-status")]:
            widget.add_class(f"crmkit-explorer-{name}")
        for widget in (self.as_of, self.method, self.k):
            widget.observe(guarded(self.banner)(self._resegment), names="value")
        for widget in (self.region, self.rep, self.customer_type, self.segment):
            widget.observe(guarded(self.banner)(self._refilter), names="value")
        self.export_button.on_click(guarded(self.banner)(lambda _b: self.export()))

        super().__init__([
            self.banner,
            w.HBox([self.as_of, self.method, self.k]),
            w.HBox([self.region, self.rep, self.customer_type, self.segment]),
            self.summary, self.charts, self.grid,
            w.HBox([self.folder, self.include_personal, self.export_button]), self.export_status,
        ])
        self.add_class("crmkit-explorer")
        self.segments = pd.DataFrame()
        guarded(self.banner)(self._resegment)()

    # ----------------------------------------------------------------- choices

    def _choices(self, column: str) -> list:
        values = self._customers[column].dropna().astype(str).unique().tolist()
        return [(translate("(all)", self.lang), ALL), *[(v, v) for v in sorted(values)]]

    def _type_choices(self) -> list:
        labels = choice_labels(schema.CUSTOMERS["customer_type"], self.lang)
        return [(translate("(all)", self.lang), ALL), *[(label, v) for v, label in labels.items()]]

    # ----------------------------------------------------------------- updates

    def _resegment(self, _change=None) -> None:
        """As-of date or method changed: segment (or take the cached result), then re-filter."""
        self.k.layout.display = None if self.method.value == "kmeans" else "none"
        if self.as_of.value is None:
            return
        key = (self.as_of.value, self.method.value, self.k.value if self.method.value == "kmeans" else None)
        if key not in self._cache:
            if len(self._cache) >= CACHE_SIZE:  # forget the oldest date/method
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = self._ranked(segment_customers(self._orders, as_of=self.as_of.value,
                                                              method=self.method.value, lang=self.lang, k=self.k.value))
        self.segments = self._cache[key]
        segments = [str(c) for c in self.segments["segment"].cat.categories]
        options = [(translate("(all)", self.lang), ALL), *[(s, s) for s in segments]]
        keep = self.segment.value if self.segment.value in dict(options).values() else ALL
        self._quiet = True  # one re-filter below, not one per option change
        try:
            if list(self.segment.options) != options:
                self.segment.options = options
            self.segment.value = keep
        finally:
            self._quiet = False
        self._refilter()

    def _ranked(self, segments: pd.DataFrame) -> pd.DataFrame:
        """Segments sorted by revenue (best first), with the customers' filter columns attached
        once, so that a filter change is a few numpy comparisons."""
        rows = self._code_row[segments.index.to_numpy()]
        segments = segments.set_axis(pd.Index(self._order_customers[segments.index.to_numpy()], name="customer_id"))
        # A deleted customer's orders leave the store's reads with it, so every customer
        # segmented here has a row. The exception is an order naming an id no customer record
        # has (written around crmkit's checks): it counts in the segmentation, but there is no
        # customer to show.
        live = rows >= 0
        ranked = segments[live].assign(_row=rows[live]).sort_values("revenue", ascending=False, kind="stable")
        rows = ranked["_row"].to_numpy()
        for column, values in self._facets.items():
            ranked[f"_{column}"] = values[rows]
        return ranked

    def _rows_of(self, ids) -> np.ndarray:
        """Row numbers in ``self._customers`` of customer ids (-1 for ids not there). Plain
        object arrays: matching Arrow strings against each other is far slower."""
        return self._customer_index.get_indexer(pd.Index(np.asarray(ids, dtype=object), dtype=object))

    def _mask(self) -> np.ndarray:
        seg = self.segments
        mask = np.ones(len(seg), dtype=bool)
        for widget, column in ((self.region, "region"), (self.rep, "owner"), (self.customer_type, "customer_type")):
            if widget.value != ALL:
                mask &= seg[f"_{column}"].to_numpy() == widget.value
        if self.segment.value != ALL:
            mask &= seg["segment"].to_numpy() == self.segment.value
        return mask

    def _refilter(self, _change=None) -> None:
        if self._quiet:
            return
        self._chosen = self.segments[self._mask()]
        self._selection = None
        self._render()

    @property
    def selection(self) -> pd.DataFrame:
        """The customers selected now (all of them, best revenue first): the customers table's
        columns plus ``segment``, ``frequency``, ``days_since_last``, ``repeat_mean_value``, ``revenue``."""
        if self._selection is None:
            chosen = self._chosen[list(SEGMENT_COLUMNS)]
            customers = self._customers.iloc[self._chosen["_row"].to_numpy()].reset_index(drop=True)
            self._selection = pd.concat([customers, chosen.reset_index(drop=True)], axis=1)
        return self._selection

    def _render(self) -> None:
        chosen = self._chosen
        segment = chosen["segment"]
        codes = segment.cat.codes.to_numpy()
        n_segments = len(segment.cat.categories)
        counts = pd.Series(np.bincount(codes, minlength=n_segments), index=segment.cat.categories)
        revenue = pd.Series(np.bincount(codes, weights=chosen["revenue"].to_numpy(), minlength=n_segments),
                            index=segment.cat.categories)
        self.charts.value = ('<div style="display:flex;gap:24px;flex-wrap:wrap">'
                             + bar_chart_html(translate("Customers per segment", self.lang), counts,
                                              css_class="crmkit-chart-count")
                             + bar_chart_html(translate("Revenue per segment", self.lang), revenue, color="#4c9a6a",
                                              css_class="crmkit-chart-revenue")
                             + "</div>")
        shown = chosen.head(self.max_rows)
        text = translate("{n:,} customers selected ({total:,} bought by {as_of}), revenue {revenue:,.0f}", self.lang,
                         n=len(chosen), total=len(self.segments), as_of=self.as_of.value, revenue=float(revenue.sum()))
        if len(chosen) > len(shown):
            text += "; " + translate("the table shows the top {shown:,} by revenue", self.lang, shown=len(shown))
        self.summary.value = f"<b>{html.escape(text)}</b>"
        own = grid_frame(shown[list(SEGMENT_COLUMNS)], self._segment_headers())
        people = self._customer_display.iloc[shown["_row"].to_numpy()]
        self.grid.data = pd.concat([people, own.set_axis(people.index)], axis=1)

    def _segment_headers(self) -> dict[str, str]:
        return {column: translate(header, self.lang) for column, header in SEGMENT_COLUMNS.items()}

    # ----------------------------------------------------------------- export

    def export(self, folder: str | Path | None = None) -> Path:
        """Write the selection (every row, not only those shown) to an .xlsx file in ``folder``
        (default: the folder box), with the forms' headers; show a download link to it.

        Returns the path written. Contact details (phone, email, address) are included only
        when "include contact details" is ticked.
        """
        folder = Path(folder if folder is not None else self.folder.value).expanduser()
        columns = [*CUSTOMER_COLUMNS, *(PERSONAL_COLUMNS if self.include_personal.value else []), *SEGMENT_COLUMNS]
        headers = self._segment_headers()
        frame = self.selection[columns].rename(columns=headers)
        frame[headers["segment"]] = frame[headers["segment"]].astype(object)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        prefix = translate("segments", self.lang)
        name = f"{prefix}_{self.method.value}_{self.as_of.value}_{stamp}.xlsx"
        path = export_frame(frame, schema.CUSTOMERS, folder / name, lang=self.lang)
        exported = translate("{n:,} rows exported", self.lang, n=len(frame))
        link = download_link_html(path.resolve(), translate("Download", self.lang))
        self.export_status.value = f"{exported}: {link}"
        return path
