"""Diagram fences: code that the blog's JavaScript draws (Mermaid, al-folio's Chart.js, ECharts,
Vega-Lite, Plotly, GeoJSON, Typograms, pseudocode, TikZJax ...) becomes a ``diagram`` token,
which the writer prints as its source in a frame labelled with the kind, with a warning.
A diagram is never set as a paragraph."""
from __future__ import annotations

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


def _rewrite(tokens: list) -> None:
    for i, token in enumerate(tokens):
        if token.get("children") and "text" not in token:
            _rewrite(token["children"])
        if token["type"] == "block_code":
            info = ((token.get("attrs") or {}).get("info") or "").strip().split()
            kind = info[0].lower() if info else ""
            if kind in DIAGRAMS:
                label, language = DIAGRAMS[kind]
                tokens[i] = {"type": "diagram", "raw": token["raw"], "line": token.get("line"),
                             "attrs": {"kind": kind, "label": label, "language": language}}


def diagrams(md):
    md.before_render_hooks.append(lambda md, state: _rewrite(state.tokens))
