"""Chinese text in matplotlib charts.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs, so Chinese labels come out as
empty boxes with a "Glyph … missing from font(s)" warning. ``use_cjk_font`` finds an installed
font that has them and makes it matplotlib's first sans-serif font; every crmkit plot calls it.

>>> from crmkit.fonts import use_cjk_font
>>> use_cjk_font()          # doctest: +SKIP
'Noto Sans CJK SC'
"""

from __future__ import annotations

from .exceptions import CJKFontMissingError

#: Fonts with Simplified Chinese glyphs, best first: Linux (Noto, Source Han, WenQuanYi),
#: Windows (Microsoft YaHei, SimHei), macOS (PingFang, Hiragino, Heiti), then fonts whose
#: Chinese glyphs are another region's shapes but still readable.
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
    "Hiragino Sans GB", "Heiti SC", "STHeiti", "Noto Sans CJK JP", "Noto Sans CJK TC",
    "Source Han Sans", "Arial Unicode MS", "Noto Serif CJK SC", "AR PL UMing CN", "AR PL UKai CN",
)

# Pieces of file names of the fonts above, to find fonts installed after matplotlib built its
# font cache (it does not look again by itself).
_FILE_HINTS = ("notosanscjk", "notosanssc", "notoserifcjk", "sourcehansans", "wqy", "msyh", "simhei",
               "pingfang", "hiragino", "stheiti", "arialuni", "uming", "ukai")

_chosen: str | None = None


def find_cjk_font() -> str | None:
    """The name of the best installed CJK font matplotlib knows (see ``CJK_FONTS``), or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def use_cjk_font() -> str:
    """Make matplotlib draw Chinese: put an installed CJK font first and return its name.

    Sets ``font.family`` to sans-serif with the CJK font first in ``font.sans-serif`` (the
    other fonts stay behind it as fallbacks) and ``axes.unicode_minus = False`` (many CJK fonts
    lack the Unicode minus sign). Calling it again changes nothing. Fonts installed after
    matplotlib built its font cache are found by looking through the system's font files.

    Raises ``CJKFontMissingError`` (naming the Debian package ``fonts-noto-cjk``) when no
    CJK font is installed.
    """
    global _chosen
    import matplotlib

    name = _chosen or find_cjk_font() or _register_system_cjk_fonts()
    if name is None:
        raise CJKFontMissingError(list(CJK_FONTS))
    _chosen = name
    rc = matplotlib.rcParams
    if list(rc["font.family"]) != ["sans-serif"]:
        rc["font.family"] = ["sans-serif"]
    sans = list(rc["font.sans-serif"])
    if not sans or sans[0] != name:
        rc["font.sans-serif"] = [name, *(f for f in sans if f != name)]
    rc["axes.unicode_minus"] = False
    return name


def _register_system_cjk_fonts() -> str | None:
    """Add CJK font files matplotlib's cache does not list yet; return the best font then known."""
    from matplotlib import font_manager

    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        base = path.replace("-", "").replace("_", "").lower().rsplit("/", 1)[-1]
        if path not in known and any(h in base for h in _FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # an unreadable font file is not our problem
                continue
    return find_cjk_font()


def axes_for(ax, lang: str, figsize=(8, 5)):
    """Check ``lang``, set up a font that draws Chinese, and return (figure, axes, created).

    Charts in Chinese need the CJK font; English charts use it when there is one, since names
    in the data (reps, segments, customers) may still be Chinese. A new figure is made when
    ``ax`` is None (``created`` is then True).
    """
    from .exceptions import CJKFontMissingError
    from .i18n import check_lang

    if check_lang(lang) == "zh":
        use_cjk_font()
    else:
        try:
            use_cjk_font()
        except CJKFontMissingError:
            pass
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax, True
    return ax.figure, ax, False
