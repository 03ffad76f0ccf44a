"""Charts of customer value: BG/NBD matrices, segment sizes, migration and the Pareto curve.

Every function takes the data (or a fitted model) first, draws on ``ax`` (a new figure when
None) and returns the Axes. Labels are Chinese by default (``lang="zh"``) or English
(``lang="en"``); a CJK font is set up first with ``crmkit.fonts.use_cjk_font``.

>>> from crmkit import demo
>>> from crmkit.value.rfm import rfm_summary, rfm_segments
>>> from crmkit.value.plots import plot_segment_sizes
>>> segments = rfm_segments(rfm_summary(demo.generate(n_customers=300, seed=1).tables["orders"]))
>>> ax = plot_segment_sizes(segments)     # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import ValueInputError
from ..fonts import axes_for
from ..i18n import translate, translate_in_context
from .money import TOTAL_COLUMN, repeat_mean_source
from .units import UNIT_ATTR


def _axes(ax, lang: str, figsize=(8, 5)):
    """Check ``lang``, set up fonts and return (figure, axes)."""
    fig, ax, _ = axes_for(ax, lang, figsize)
    return fig, ax


def _tidy(fig, created: bool) -> None:
    """Fit labels into a figure we made; leave the layout of the caller's figure alone."""
    if created:
        fig.tight_layout()


# ----------------------------------------------------------------------------- BG/NBD matrices


def _grid(summary, max_frequency, max_recency, points: int = 200) -> tuple[np.ndarray, np.ndarray, float]:
    if summary is not None:
        if not isinstance(summary, pd.DataFrame) or not {"frequency", "T"} <= set(summary.columns):
            raise ValueInputError("summary must be rfm_summary's frame (frequency, recency, T)", "summary")
        max_frequency = summary["frequency"].max() if max_frequency is None else max_frequency
        max_recency = summary["T"].max() if max_recency is None else max_recency
    if max_frequency is None or max_recency is None:
        raise ValueInputError("give a summary, or both max_frequency and max_recency", "summary")
    max_frequency, max_recency = int(max_frequency), float(max_recency)
    if max_frequency < 0 or not max_recency > 0:
        raise ValueInputError("max_frequency must be >= 0 and max_recency > 0", "max_recency")
    frequencies = np.arange(max_frequency + 1)
    recencies = np.linspace(0.0, max_recency, min(points, int(np.ceil(max_recency)) + 1))
    return frequencies, recencies, max_recency


def _grid_unit(bg_model, summary) -> str | None:
    """The unit the grid's recency and T are in: the summary's (they span its range), else the
    model's own (the grid then spans ``max_recency`` periods of the model's unit)."""
    own = summary.attrs.get(UNIT_ATTR) if isinstance(summary, pd.DataFrame) else None
    return own or getattr(bg_model, "time_unit_", None)


def _grid_values(predict, frequencies, recencies, T, unit: str | None = None) -> np.ndarray:
    """``predict(frame)`` on every possible (frequency, recency) cell, as a recency × frequency
    matrix; cells no customer can be in (no repeat purchase but a recency above 0) stay NaN.
    The grid frame carries ``unit`` as its ``attrs["time_unit"]``, like a summary."""
    f, r = np.meshgrid(frequencies, recencies)  # rows: recency, columns: frequency
    possible = (f > 0) | (r == 0)
    grid = pd.DataFrame({"frequency": f[possible], "recency": r[possible], "T": np.full(int(possible.sum()), T)})
    if unit is not None:
        grid.attrs[UNIT_ATTR] = unit
    z = np.full(f.shape, np.nan)
    z[possible] = np.asarray(predict(grid), dtype="float64")
    return z


def _heat(ax, fig, z, frequencies, recencies, cmap, colorbar_label, vmin=None, vmax=None):
    image = ax.imshow(z, origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                      extent=(frequencies[0] - 0.5, frequencies[-1] + 0.5, recencies[0], recencies[-1]),
                      interpolation="nearest")
    fig.colorbar(image, ax=ax, label=colorbar_label)
    return image


def plot_frequency_recency_matrix(bg_model, summary: pd.DataFrame | None = None, *, t: float = 1,
                                  max_frequency: int | None = None, max_recency: float | None = None,
                                  ax=None, lang: str = "zh", cmap: str = "viridis"):
    """Heat map of the purchases a BG/NBD model expects in the next ``t`` periods, by frequency
    and recency, for a customer first seen ``max_recency`` periods ago (lifetimes' convention).

    ``bg_model`` needs ``expected_purchases(t, frame)`` taking a frame with ``frequency``,
    ``recency`` and ``T``. The grid spans 0..max frequency and 0..max T of ``summary``, or
    ``max_frequency`` / ``max_recency`` when given. Cells no customer can be in (frequency 0
    with a recency above 0) are left blank.

    >>> ax = plot_frequency_recency_matrix(bg, summary, t=30)   # doctest: +SKIP
    """
    fig, ax = _axes(ax, lang)
    frequencies, recencies, T = _grid(summary, max_frequency, max_recency)
    z = _grid_values(lambda grid: bg_model.expected_purchases(t, grid), frequencies, recencies, T,
                     _grid_unit(bg_model, summary))
    _heat(ax, fig, z, frequencies, recencies, cmap, translate("Expected purchases", lang))
    periods = f"{t:g}"
    ax.set(title=translate("Expected purchases in the next {t} periods", lang, t=periods),
           xlabel=translate("Historical frequency (repeat purchases)", lang),
           ylabel=translate("Recency (first to last purchase)", lang))
    return ax


def plot_probability_alive_matrix(bg_model, summary: pd.DataFrame | None = None, *,
                                  max_frequency: int | None = None, max_recency: float | None = None,
                                  ax=None, lang: str = "zh", cmap: str = "viridis"):
    """Heat map of the probability that a customer is still alive (BG/NBD), by frequency and
    recency, for a customer first seen ``max_recency`` periods ago.

    ``bg_model`` needs ``probability_alive(frame)`` taking a frame with ``frequency``,
    ``recency`` and ``T``; the grid is as in ``plot_frequency_recency_matrix``.

    >>> ax = plot_probability_alive_matrix(bg, summary)   # doctest: +SKIP
    """
    fig, ax = _axes(ax, lang)
    frequencies, recencies, T = _grid(summary, max_frequency, max_recency)
    z = _grid_values(bg_model.probability_alive, frequencies, recencies, T, _grid_unit(bg_model, summary))
    _heat(ax, fig, z, frequencies, recencies, cmap, translate("P(alive)", lang), vmin=0.0, vmax=1.0)
    ax.set(title=translate("Probability that a customer is alive", lang),
           xlabel=translate("Historical frequency (repeat purchases)", lang),
           ylabel=translate("Recency (first to last purchase)", lang))
    return ax


# ----------------------------------------------------------------------------- segments


def plot_segment_sizes(segments: pd.DataFrame, values: pd.Series | str | None = None, *,
                       segment_col: str = "segment", ax=None, lang: str = "zh"):
    """Share of customers and share of value in each segment, as paired horizontal bars.

    ``segments`` is a per-customer frame with ``segment_col`` (``rfm_segments``' frame, a
    ``kmeans_segments(...).segments`` frame with ``segment_col="cluster_name"``, or
    ``value_grades``' with ``"value_grade"``). ``values`` is the value per customer: a Series
    indexed like ``segments`` (e.g. revenue or CLV) or a column name. By default it is what
    each customer spent, ``total_value``, when the frame has it (``rfm_segments`` of an
    ``rfm_summary`` does); else, for a frame with only the repeat-purchase mean
    (``repeat_mean_value``, or lifetimes' ``monetary_value``), the repeat-purchase revenue
    ``frequency × repeat_mean_value``, labelled as such. With ``lang="zh"`` the segment names
    come from ``<segment_col>_zh`` when the frame has it.

    >>> ax = plot_segment_sizes(rfm_segments(summary), values=orders.groupby("customer_id")["amount"].sum())  # doctest: +SKIP
    """
    created = ax is None
    fig, ax = _axes(ax, lang, figsize=(8, 6))
    if not isinstance(segments, pd.DataFrame) or segment_col not in segments.columns:
        raise ValueInputError(f"segments must be a frame with a {segment_col!r} column", segment_col)
    value_label = translate("Share of value", lang)
    repeat_mean = repeat_mean_source(segments)
    if values is None and TOTAL_COLUMN in segments.columns:
        values = segments[TOTAL_COLUMN]
    elif values is None and {"frequency", repeat_mean} <= set(segments.columns):
        # the first purchases are not in a repeat mean: say that the share leaves them out
        values = segments["frequency"].astype("float64") * segments[repeat_mean].astype("float64")
        value_label = translate("Share of repeat-purchase value", lang)
    elif isinstance(values, str):
        values = segments[values]
    seg = segments[segment_col]
    order = list(seg.cat.categories) if isinstance(seg.dtype, pd.CategoricalDtype) else list(seg.value_counts().index)
    counts = seg.value_counts().reindex(order, fill_value=0)
    order = [s for s in order if counts[s] > 0]
    counts = counts[order]
    labels = order
    zh_col = f"{segment_col}_zh"
    if lang == "zh" and zh_col in segments.columns:
        to_zh = dict(zip(segments[segment_col].astype(object), segments[zh_col].astype(object)))
        labels = [to_zh.get(s, s) for s in order]

    y = np.arange(len(order))
    height = 0.4 if values is not None else 0.7
    customer_share = counts.to_numpy() / max(counts.sum(), 1) * 100
    bars = ax.barh(y - (height / 2 if values is not None else 0), customer_share, height=height,
                   label=translate("Share of customers", lang), color="#4C72B0")
    for bar, n in zip(bars, counts.to_numpy()):
        ax.annotate(translate_in_context("customer count", "{n}", lang, n=int(n)),
                    (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    if values is not None:
        v = pd.Series(np.asarray(values.reindex(segments.index) if isinstance(values, pd.Series) else values,
                                 dtype="float64"), index=segments.index)
        by_segment = v.groupby(seg.astype(object).to_numpy()).sum().reindex(order, fill_value=0.0)
        total = by_segment.clip(lower=0).sum()
        value_share = by_segment.clip(lower=0).to_numpy() / total * 100 if total > 0 else np.zeros(len(order))
        ax.barh(y + height / 2, value_share, height=height, label=value_label, color="#DD8452")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()  # first segment on top
    ax.set(title=translate("Customers and value by segment", lang), xlabel=translate("Share (%)", lang))
    ax.legend(loc="lower right")
    _tidy(fig, created)
    return ax


def plot_migration(matrix: pd.DataFrame, *, normalize: bool = False, labels: dict[str, str] | None = None,
                   ax=None, lang: str = "zh", cmap: str = "Blues"):
    """Heat map of a ``segment_migration`` matrix, each cell annotated with its count.

    With ``normalize=True`` the colours show each row's shares (where the customers of a
    starting segment went); the annotations stay counts. With ``lang="zh"`` the segment names
    are translated with ``labels`` (default: RFM segments, value grades, ABC classes and the
    "New/none" row).

    >>> ax = plot_migration(segment_migration(orders, since="2025-10-31", as_of="2026-10-31"))   # doctest: +SKIP
    """
    created = ax is None
    fig, ax = _axes(ax, lang, figsize=(9, 7))
    if not isinstance(matrix, pd.DataFrame):
        raise ValueInputError("matrix must be segment_migration's DataFrame", "matrix")
    counts = matrix.to_numpy(dtype="float64")
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        shown = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    else:
        shown = counts
    if lang == "zh":
        if labels is None:
            from .migration import migration_labels

            labels = {**migration_labels("value_grade"), **migration_labels("abc"), **migration_labels("rfm")}
        rows = [labels.get(str(r), str(r)) for r in matrix.index]
        cols = [labels.get(str(c), str(c)) for c in matrix.columns]
    else:
        rows, cols = [str(r) for r in matrix.index], [str(c) for c in matrix.columns]
    image = ax.imshow(shown, cmap=cmap, aspect="auto", vmin=0)
    fig.colorbar(image, ax=ax)
    top = shown.max() if shown.size else 0
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            if counts[i, j]:
                dark = top and shown[i, j] > 0.6 * top
                ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", fontsize=8,
                        color="white" if dark else "black")
    ax.set_xticks(np.arange(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(np.arange(len(rows)), rows)
    title = (translate("Segment migration (share of each row)", lang) if normalize
             else translate("Segment migration", lang))
    ax.set(title=title, xlabel=translate("Segment at end", lang), ylabel=translate("Segment at start", lang))
    _tidy(fig, created)
    return ax


def plot_pareto(values, *, shares: tuple[float, float] = (0.8, 0.95), ax=None, lang: str = "zh"):
    """The Pareto curve (cumulative share of revenue against cumulative share of customers, the
    largest first) with the A, B and C classes shaded.

    ``values`` is what ``abc`` takes (revenue per customer, or orders) or ``abc``'s own frame.

    >>> ax = plot_pareto(orders)   # doctest: +SKIP
    """
    from .grades import abc

    created = ax is None
    fig, ax = _axes(ax, lang)
    if isinstance(values, pd.DataFrame) and {"cum_share", "cum_customer_share", "abc_class"} <= set(values.columns):
        classes = values
    else:
        classes = abc(values, shares=shares)
    x = np.r_[0.0, classes["cum_customer_share"].to_numpy()] * 100
    y = np.r_[0.0, classes["cum_share"].to_numpy()] * 100
    colours = {"A": "#55A868", "B": "#F0C05A", "C": "#C44E52"}
    start = 0.0
    for c in ("A", "B", "C"):
        members = classes[classes["abc_class"] == c]
        if members.empty:
            continue
        end = members["cum_customer_share"].max() * 100
        ax.axvspan(start, end, color=colours[c], alpha=0.18,
                   label=translate("Class {c}: {n} customers, {s:.0%} of revenue", lang, c=c, n=len(members),
                                   s=float(members["share"].sum())))
        start = end
    ax.plot(x, y, color="#333333", linewidth=1.8)
    for s in shares:
        ax.axhline(s * 100, color="#777777", linestyle="--", linewidth=0.8)
    ax.set(xlim=(0, 100), ylim=(0, 102), title=translate("Pareto curve and ABC classes", lang),
           xlabel=translate("Cumulative share of customers (%)", lang),
           ylabel=translate("Cumulative share of revenue (%)", lang))
    ax.legend(loc="lower right")
    _tidy(fig, created)
    return ax
