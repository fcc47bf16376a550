"""Diagram fences: code that the blog's JavaScript draws (Mermaid, al-folio's Chart.js, ECharts,
Vega-Lite, Plotly, GeoJSON, Typograms, pseudocode, TikZJax ...) becomes a ``diagram`` token,
which the writer prints as its source in a frame labelled with the kind, with a warning.
A diagram is never set as a paragraph. TikZJax's ``<script type="text/tikz">`` is one too."""
from __future__ import annotations

import re

# fence language -> (label, language for highlighting the source)
DIAGRAMS = {
    "mermaid": ("Mermaid diagram", None),
    "chartjs": ("Chart.js chart", "json"),
    "echarts": ("ECharts chart", "json"),
    "vega_lite": ("Vega-Lite chart", "json"),
    "vega-lite": ("Vega-Lite chart", "json"),
    "vega": ("Vega chart", "json"),
    "plotly": ("Plotly chart", "json"),
    "geojson": ("GeoJSON map", "json"),
    "topojson": ("TopoJSON map", "json"),
    "typograms": ("Typograms diagram", None),
    "pseudocode": ("Pseudocode", "latex"),
    "tikzjax": ("TikZ diagram", "latex"),
    "plantuml": ("PlantUML diagram", None),
    "d2": ("D2 diagram", None),
    "goat": ("GoAT diagram", None),
    "wavedrom": ("WaveDrom diagram", "json"),
}


_TIKZ_SCRIPT = re.compile(r"^\s*<script\b[^>]*\btype\s*=\s*[\"']?text/tikz[\"']?[^>]*>(?P<code>.*?)</script\s*>\s*$",
                          re.S | re.I)


def tikz_script_fence(html: str) -> str | None:
    """A TikZJax ``<script type="text/tikz">`` element as a ```` ```tikzjax ```` fence, with as
    many lines as the element where it can (the Jekyll pass keeps line numbers)."""
    m = _TIKZ_SCRIPT.match(html)
    if m is None:
        return None
    fence = f"```tikzjax\n{m.group('code').strip(chr(10))}\n```"
    return fence + "\n" * max(html.count("\n") - fence.count("\n"), 0)


def _diagram(token: dict, code: str, kind: str) -> dict:
    label, language = DIAGRAMS[kind]
    return {"type": "diagram", "raw": code, "line": token.get("line"),
            "attrs": {"kind": kind, "label": label, "language": language}}


def _rewrite(tokens: list) -> None:
    for i, token in enumerate(tokens):
        if token.get("children") and "text" not in token:
            _rewrite(token["children"])
        if token["type"] == "block_code":
            info = ((token.get("attrs") or {}).get("info") or "").strip().split()
            kind = info[0].lower() if info else ""
            if kind in DIAGRAMS:
                tokens[i] = _diagram(token, token["raw"], kind)
        elif token["type"] == "block_html" and (m := _TIKZ_SCRIPT.match(token["raw"])):
            tokens[i] = _diagram(token, m.group("code").strip("\n") + "\n", "tikzjax")


def diagrams(md):
    md.before_render_hooks.append(lambda md, state: _rewrite(state.tokens))
