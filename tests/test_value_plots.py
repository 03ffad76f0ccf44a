"""crmkit.value.plots and crmkit.fonts: the value charts draw, in Chinese, without missing glyphs.

Each chart is also saved to test-artifacts/ (gitignored) so a person can look at it.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from crmkit import demo, fonts
from crmkit.exceptions import CJKFontMissingError, ValueInputError
from crmkit.value.bgnbd import BetaGeo
from crmkit.value.grades import abc, value_grades
from crmkit.value.migration import segment_migration
from crmkit.value.plots import (
    plot_frequency_recency_matrix,
    plot_migration,
    plot_pareto,
    plot_probability_alive_matrix,
    plot_segment_sizes,
)
from crmkit.value.rfm import rfm_segments, rfm_summary

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def data():
    return demo.generate(n_customers=2000, seed=0)


@pytest.fixture(scope="module")
def summary(data):
    return rfm_summary(data.tables["orders"], as_of=data.as_of)


@pytest.fixture(scope="module")
def bg(summary):
    return BetaGeo().fit(summary)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(ax: Axes) -> list[str]:
    """Every string drawn on the axes' figure: titles, axis labels, tick labels, legend, notes."""
    fig = ax.figure
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def _render_without_missing_glyphs(ax: Axes, name: str) -> bytes:
    """Render the figure to PNG with every warning an error (a missing glyph warns), and keep a copy."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.savefig(buffer, format="png", dpi=80)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.png").write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _font_has(text: str) -> bool:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family=matplotlib.rcParams["font.sans-serif"][0]),
                                 fallback_to_default=False)
    charmap = FT2Font(path).get_charmap()
    return all(ord(ch) in charmap for ch in set(HAN.findall(text)))


# ----------------------------------------------------------------------------- fonts


def test_use_cjk_font_picks_an_installed_cjk_font_and_is_idempotent():
    name = fonts.use_cjk_font()
    assert name in fonts.CJK_FONTS
    rc = matplotlib.rcParams
    assert rc["font.sans-serif"][0] == name and list(rc["font.family"]) == ["sans-serif"]
    assert rc["axes.unicode_minus"] is False
    before = {k: rc[k] for k in ("font.family", "font.sans-serif", "axes.unicode_minus")}
    assert fonts.use_cjk_font() == name
    assert {k: rc[k] for k in before} == before
    assert _font_has("客户价值评估重要挽留沉睡流失帕累托迁移")


def test_chinese_renders_without_missing_glyph_warnings():
    fonts.use_cjk_font()
    _fig, ax = plt.subplots()
    ax.set_title("客户价值评估表：重要价值客户")
    ax.plot([-1, 0, 1], [1, -2, 3], label="沉睡客户 −1")
    ax.legend()
    _render_without_missing_glyphs(ax, "fonts_chinese")


def test_the_default_font_really_lacks_chinese_so_the_check_can_fail():
    # The guard above is only worth something if a font without Chinese glyphs makes it fail.
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"], "font.sans-serif": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("客户")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(UserWarning, match="missing from font"):
                fig.savefig(io.BytesIO(), format="png")


def test_a_missing_cjk_font_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(fonts, "_chosen", None)
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    monkeypatch.setattr(fonts, "_register_system_cjk_fonts", lambda: None)
    with pytest.raises(CJKFontMissingError, match="fonts-noto-cjk"):
        fonts.use_cjk_font()
    with pytest.raises(CJKFontMissingError):
        plot_pareto(pd.Series({"a": 1.0}))
    # English charts do not need one
    assert isinstance(plot_pareto(pd.Series({"a": 1.0}), lang="en"), Axes)


# ----------------------------------------------------------------------------- BG/NBD matrices


def test_frequency_recency_matrix(bg, summary):
    ax = plot_frequency_recency_matrix(bg, summary, t=30)
    assert isinstance(ax, Axes)
    assert "未来 30 期的预期购买次数" == ax.get_title() and HAN.search(ax.get_xlabel())
    z = ax.images[0].get_array()
    assert z.shape[1] == summary["frequency"].max() + 1
    # the top-right cell: most repeat purchases, bought at the very end -> the most expected
    T = summary["T"].max()
    cell = pd.DataFrame({"frequency": [summary["frequency"].max()], "recency": [T], "T": [T]})
    assert z[-1, -1] == pytest.approx(bg.expected_purchases(30, cell, time_unit="D").iloc[0])  # a frame built by hand
    assert z[-1, -1] == np.nanmax(z)
    assert np.ma.getmaskarray(z)[1:, 0].all() or np.isnan(np.ma.filled(z, np.nan)[1:, 0]).all()  # f=0, r>0
    _render_without_missing_glyphs(ax, "frequency_recency_matrix")


def test_probability_alive_matrix(bg):
    ax = plot_probability_alive_matrix(bg, max_frequency=10, max_recency=300.0)
    z = np.ma.filled(ax.images[0].get_array(), np.nan)
    assert z.shape == (200, 11)
    assert np.nanmin(z) >= 0 and np.nanmax(z) <= 1
    assert z[-1, 1:].min() > z[0, 1:].max()  # buying recently means likely alive
    assert HAN.search(ax.get_title())
    _render_without_missing_glyphs(ax, "probability_alive_matrix")


def test_matrices_need_a_summary_or_bounds(bg):
    with pytest.raises(ValueInputError, match="max_frequency"):
        plot_probability_alive_matrix(bg)


# ----------------------------------------------------------------------------- segments, migration, Pareto


def test_segment_sizes(data, summary):
    segments = rfm_segments(summary)
    revenue = data.tables["orders"].groupby("customer_id")["amount"].sum()
    ax = plot_segment_sizes(segments, values=revenue)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "重要价值客户" and "流失客户" in labels
    bars = ax.containers
    assert len(bars) == 2
    for container in bars:
        assert sum(b.get_width() for b in container) == pytest.approx(100.0)
    counts = [int(t.get_text().rstrip(" 位")) for t in ax.texts]
    assert sum(counts) == len(summary)
    _render_without_missing_glyphs(ax, "segment_sizes")


def test_segment_sizes_in_english_and_of_grades(data):
    grades = value_grades(data.tables["orders"])
    ax = plot_segment_sizes(grades, values="amount", segment_col="value_grade", lang="en")
    assert [t.get_text() for t in ax.get_yticklabels()] == list("ABCDE")
    assert ax.get_title() == "Customers and value by segment"
    assert not any(HAN.search(t) for t in _texts(ax))
    _render_without_missing_glyphs(ax, "segment_sizes_en")


def test_migration_plot(data):
    matrix = segment_migration(data.tables["orders"], since="2025-11-01", as_of="2026-10-31")
    ax = plot_migration(matrix)
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "新增（此前未购买）"
    assert sum(int(t.get_text()) for t in ax.texts) == int(matrix.to_numpy().sum())
    assert HAN.search(ax.get_title()) and HAN.search(ax.get_xlabel())
    _render_without_missing_glyphs(ax, "migration")
    shares = plot_migration(matrix, normalize=True, lang="en")
    z = shares.images[0].get_array()
    assert np.allclose(z.sum(axis=1)[matrix.sum(axis=1).to_numpy() > 0], 1.0)


def test_pareto_plot(data):
    orders = data.tables["orders"]
    ax = plot_pareto(orders)
    line = ax.lines[0]
    assert line.get_xdata()[-1] == pytest.approx(100) and line.get_ydata()[-1] == pytest.approx(100)
    assert np.all(np.diff(line.get_ydata()) >= -1e-9)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    classes = abc(orders)
    assert legend[0].startswith(f"A类：{int((classes['abc_class'] == 'A').sum())} 位客户")
    _render_without_missing_glyphs(ax, "pareto")


def test_plots_draw_on_a_given_axes_and_refuse_unknown_languages(data):
    _fig, (left, right) = plt.subplots(1, 2)
    assert plot_pareto(data.tables["orders"], ax=right) is right
    assert not left.lines
    with pytest.raises(ValueInputError, match="lang"):
        plot_pareto(data.tables["orders"], lang="fr")
