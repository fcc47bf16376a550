"""``<switch>`` as a browser evaluates it, for the SVGs that put HTML labels in ``<foreignObject>``.

draw.io (diagrams.net) exports every label as ``<switch><foreignObject requiredFeatures=
"...#Extensibility">HTML</foreignObject><text>fallback</text></switch>`` and ends the file with
``<switch><g requiredFeatures="...#Extensibility"/><a><text>Text is not SVG - cannot
display</text></a></switch>``. A browser takes the first branch: the HTML label, and for the
warning an empty group. cairosvg supports no ``Extensibility`` and takes the fallback: the warning
is printed under the figure, and a label typeset by MathJax (``<mjx-container>`` holding an
``<svg>`` of glyph paths) falls back to its TeX source cut short, ``$$\\boldsymbo...``.

So, where the browser's branch needs Extensibility: a branch that draws nothing wins (the
warning goes); a label with MathJax output is drawn from that output, its pieces (the math's
own ``<svg>`` and any words around it) set on one line where the fallback text stood. A label of
plain HTML text keeps draw.io's fallback, which is that text.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
_EXTENSIBILITY = "#Extensibility"
_EX = 0.5          # CSS's ex when the font's own is unknown, in em
_CHAR = 0.55       # average advance of a Helvetica/Roboto character, in em: words around math
_LENGTH = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*(ex|px)?\s*$")
_VALIGN = re.compile(r"vertical-align:\s*([-+]?(?:\d+\.?\d*|\.\d+))ex")


def evaluate_switches(root: ET.Element) -> bool:
    """Rewrite ``root``'s Extensibility switches as described above; True when any changed."""
    changed = False
    for switch in [el for el in root.iter(f"{{{SVG_NS}}}switch")]:
        branches = list(switch)
        if not branches or _EXTENSIBILITY not in branches[0].get("requiredFeatures", ""):
            continue
        chosen = branches[0]
        if chosen.tag != f"{{{SVG_NS}}}foreignObject":
            del chosen.attrib["requiredFeatures"]
            switch[:] = [chosen]
            changed = True
            continue
        fallback = next((el for el in branches[1:] if el.tag == f"{{{SVG_NS}}}text"), None)
        pieces = _pieces(chosen)
        if fallback is not None and any(not isinstance(piece, str) for piece in pieces):
            switch[:] = [_line(pieces, fallback)]
            changed = True
    return changed


def _pieces(element: ET.Element) -> list:
    """The label in reading order: runs of words (str) and MathJax ``<svg>`` elements."""
    out: list = []

    def add(text: str | None) -> None:
        text = " ".join((text or "").replace("\xa0", " ").split())
        if text:
            out.append(text)

    def walk(node: ET.Element) -> None:
        add(node.text)
        for child in node:
            if child.tag == f"{{{SVG_NS}}}svg":
                out.append(child)
            else:
                walk(child)
            add(child.tail)

    walk(element)
    return out


def _line(pieces: list, fallback: ET.Element) -> ET.Element:
    """The pieces set on one line, anchored and coloured as draw.io set its fallback text."""
    size = _px(fallback.get("font-size", "12px"), 12.0) or 12.0
    ex = _EX * size
    widths = [len(p) * _CHAR * size if isinstance(p, str) else _px(p.get("width", ""), 0, ex)
              for p in pieces]
    gap = _CHAR * size / 2
    total = sum(widths) + gap * (len(pieces) - 1)
    anchor = fallback.get("text-anchor", "start")
    x = _px(fallback.get("x", "0"), 0.0) - {"middle": total / 2, "end": total}.get(anchor, 0.0)
    baseline = _px(fallback.get("y", "0"), 0.0)
    colour = fallback.get("fill", "black")
    group = ET.Element(f"{{{SVG_NS}}}g", {"fill": colour, "color": colour})
    for piece, width in zip(pieces, widths):
        if isinstance(piece, str):
            text = ET.SubElement(group, f"{{{SVG_NS}}}text", {
                "x": f"{x:.2f}", "y": f"{baseline:.2f}", "font-size": f"{size:g}px",
                "font-family": fallback.get("font-family", "Helvetica")})
            text.text = piece
        else:
            height = _px(piece.get("height", ""), 0, ex)
            valign = _VALIGN.search(piece.get("style", ""))
            depth = -float(valign.group(1)) * ex if valign else 0.0
            piece.attrib.update({"x": f"{x:.2f}", "y": f"{baseline + depth - height:.2f}",
                                 "width": f"{width:.2f}", "height": f"{height:.2f}"})
            piece.attrib.pop("style", None)
            group.append(piece)
        x += width + gap
    return group


def _px(value: str, default: float, ex: float = 0.0) -> float:
    """A length in px (plain numbers and ``px`` as they are, ``ex`` times ``ex``)."""
    m = _LENGTH.match(value or "")
    if not m:
        return default
    return float(m.group(1)) * (ex if m.group(2) == "ex" else 1.0)
