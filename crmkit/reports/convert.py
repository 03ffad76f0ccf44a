"""Executed report notebook → one self-contained HTML file without code, readable at A4 width.

nbconvert's lab template with the code cells and prompts left out, and four changes for a
report that is mailed around and printed:

* no ``<script>`` at all: the lab template loads require.js, MathJax and mermaid from a CDN,
  which a report of tables and pictures does not need (and which would not load offline);
* every HTML output and markdown cell passes an allowlist sanitizer (``clean_report_html``) as
  defense in depth: the report's content escapes customer-supplied text itself, and anything
  that slipped through unescaped (a script, an event handler, an iframe) is shown as text or
  dropped, never run;
* print CSS for A4 (``PRINT_CSS``): the page size and margins Chromium uses for the PDF, images
  and tables that never run past the page edge, headings kept with what follows;
* stderr output (warnings) and crmkit's timing record are dropped: they are not for readers.

Images stay embedded as data URIs (nbconvert's default), so the file stands alone.
"""

from __future__ import annotations

import copy
from pathlib import Path

TIMINGS_MIME = "application/vnd.crmkit.timings+json"

PRINT_CSS = """
@page { size: A4; margin: 14mm 12mm 16mm 12mm; }
body.jp-Notebook {
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei",
               system-ui, sans-serif;
  padding: 0; background: #fff;
}
/* A4 minus the margins: the screen shows the page as it prints */
main { max-width: 186mm; margin: 0 auto; padding: 8mm 0; }
.jp-Cell { padding: 0; }
.jp-OutputArea-output { overflow-x: auto; }
.jp-OutputArea-output img, .jp-RenderedImage img, .jp-RenderedHTMLCommon img { max-width: 100%; height: auto; }
.jp-RenderedHTMLCommon table { max-width: 100%; table-layout: auto; font-size: 12px; margin: 4px 0 12px 0; }
.jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td { white-space: normal; overflow-wrap: anywhere; }
.jp-RenderedHTMLCommon h1, .jp-RenderedHTMLCommon h2, .jp-RenderedHTMLCommon h3 { break-after: avoid; }
@media print {
  main { padding: 0; max-width: none; }
  .jp-OutputArea-output { overflow: visible; }
  tr, img, figure { break-inside: avoid; }
  .jp-RenderedHTMLCommon table { font-size: 10.5px; }
}
"""

# Extends the lab template: no require.js/MathJax/mermaid scripts, the print CSS, and images that keep
# the alt text the notebook gave them (the lab template drops it) and no fixed height (so they scale).
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{% block extra_css %}<style type="text/css">""" + PRINT_CSS + """</style>{% endblock extra_css %}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
{%- set width = output | get_metadata('width', 'image/png') -%}
{%- if width is not none %} width="{{ width | escape_html }}"{% endif -%}
{%- set alt = output | get_metadata('alt', 'image/png') %} alt="{{ (alt or 'chart') | escape_html }}">
</div>
{%- endblock data_png %}
"""

_ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "style", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
_ALLOWED_ATTRIBUTES = {
    "*": ["class", "id", "title", "style", "align", "lang", "dir"],
    "a": ["href", "title", "class", "id"],
    "img": ["src", "alt", "width", "height", "class", "style"],
    "td": ["colspan", "rowspan", "class", "id", "style", "align", "title"],
    "th": ["colspan", "rowspan", "scope", "class", "id", "style", "align", "title"],
    "table": ["border", "class", "id", "style"],
    "col": ["span", "class", "style"],
    "style": ["type", "scoped"],
}
# data: for embedded images; no javascript:, no vbscript:
_ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "data"})


def clean_report_html(html) -> str:
    """Keep the HTML a report needs (tables, headings, images, styles); escape everything else.

    Tags outside the allowlist (``<script>``, ``<iframe>``, ``<object>``, ``<form>`` …) are
    escaped so they show as text (``_escape_unknown_tags``), then nh3 (ammonia) removes
    attributes outside the allowlist (``onerror``, ``onclick`` …), links or sources with other
    protocols (``javascript:``), CSS properties outside ``_ALLOWED_CSS`` and comments.
    """
    import secrets

    import nh3

    text = html.decode() if isinstance(html, bytes) else str(html)
    # nh3 filters style attributes but refuses whole <style> sheets: those are set aside and put
    # back (their text cannot end the element early: the parser ended it at the first </style>)
    marker = f"crmkitstyle{secrets.token_hex(8)}n"
    escaped, sheets = _escape_unknown_tags(text, marker)
    cleaned = nh3.clean(escaped, tags=set(_ALLOWED_TAGS) - {"style"}, clean_content_tags=set(),
                        attributes={tag: set(names) for tag, names in _ALLOWED_ATTRIBUTES.items() if tag != "style"},
                        url_schemes=set(_ALLOWED_PROTOCOLS), filter_style_properties=set(_ALLOWED_CSS),
                        strip_comments=True, link_rel=None)
    for number, sheet in enumerate(sheets):
        cleaned = cleaned.replace(f"{marker}{number}n", f'<style type="text/css">{sheet}</style>', 1)
    return cleaned


def _escape_unknown_tags(text: str, marker: str) -> tuple[str, list[str]]:
    """``text`` with every tag outside the allowlist (and any declaration or processing
    instruction) written as text: ``<script>`` becomes ``&lt;script&gt;``. nh3 would drop such
    tags; a reader should see that something was there. Everything else is passed on as written,
    but each ``<style>`` element, replaced by ``{marker}{number}n``; the list holds their texts."""
    import html as html_module
    from html.parser import HTMLParser

    out: list[str] = []
    sheets: list[str] = []
    in_style = []

    class Escaper(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "style":
                in_style.append(len(sheets))
                out.append(f"{marker}{len(sheets)}n")
                sheets.append("")
                return
            raw = self.get_starttag_text() or ""
            out.append(raw if tag in _ALLOWED_TAGS else html_module.escape(raw))

        def handle_startendtag(self, tag, attrs):
            if tag != "style":
                self.handle_starttag(tag, attrs)

        def handle_endtag(self, tag):
            if tag == "style":
                in_style.clear()
                return
            out.append(f"</{tag}>" if tag in _ALLOWED_TAGS else html_module.escape(f"</{tag}>"))

        def handle_data(self, data):
            if in_style:
                sheets[in_style[-1]] += data.replace("<", "\\3c ")  # CSS's escape: no tag can start here
                return
            # inside an escaped <script>, the parser hands its source over as raw text
            out.append(html_module.escape(data, quote=False) if self.cdata_elem == "script" else data)

        def handle_entityref(self, name):
            out.append(f"&{name};")

        def handle_charref(self, name):
            out.append(f"&#{name};")

        def handle_comment(self, data):
            pass  # comments go (as bleach's strip_comments did)

        def handle_decl(self, decl):
            out.append(html_module.escape(f"<!{decl}>"))

        def handle_pi(self, data):
            out.append(html_module.escape(f"<?{data}>"))

        def unknown_decl(self, data):
            out.append(html_module.escape(f"<![{data}]>"))

    parser = Escaper(convert_charrefs=False)
    parser.feed(text)
    parser.close()
    return "".join(out), sheets


#: The CSS properties a style may set: colours, fonts, text and table layout, spacing (what
#: pandas' Styler and the report's own tables write).
_ALLOWED_CSS = frozenset({
    "azimuth", "background-color", "border-bottom-color", "border-collapse", "border-color", "border-left-color",
    "border-right-color", "border-top-color", "clear", "color", "cursor", "direction", "display", "elevation",
    "float", "font", "font-family", "font-size", "font-style", "font-variant", "font-weight", "height",
    "letter-spacing", "line-height", "overflow", "pause", "pause-after", "pause-before", "pitch", "pitch-range",
    "richness", "speak", "speak-header", "speak-numeral", "speak-punctuation", "speech-rate", "stress",
    "text-align", "text-decoration", "text-indent", "unicode-bidi", "vertical-align", "voice-family", "volume",
    "white-space", "width",
    # beyond bleach's default list: what report tables use
    "border-spacing", "max-width", "min-width", "font-variant-numeric", "padding", "padding-left",
    "padding-right", "margin", "margin-left", "margin-right", "border", "border-bottom", "border-top",
    "background",
})


def report_notebook(nb):
    """A copy of an executed notebook with only what readers see: no stderr, no timing record."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            if TIMINGS_MIME in out.get("data", {}):
                continue
            kept.append(out)
        cell.outputs = kept
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or c.outputs]
    return nb


def notebook_to_html(notebook, html_path, *, title: str, lang: str = "zh") -> Path:
    """Write the executed ``notebook`` (a path or an nbformat node) as a code-free HTML report.

    ``title`` becomes the page's ``<title>`` (what a browser tab and a PDF's metadata show);
    ``lang`` ("zh" or "en") the page's language (which fonts and line breaking a browser uses).
    Returns the HTML file's path.
    """
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, (str, Path)) else notebook
    nb = report_notebook(nb)
    nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="lab",
        template_file="crmkit_report.html.j2",
        extra_loaders=[jinja2.DictLoader({"crmkit_report.html.j2": _TEMPLATE})],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        sanitize_html=True,
        filters={"clean_html": clean_report_html},
        language_code=lang,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path
