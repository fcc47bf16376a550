"""SVG features cairosvg does not implement, rewritten into ones it does before it renders.

``vector-effect: non-scaling-stroke`` (SVG Tiny 1.2, in every browser) keeps a stroke's width
in screen units whatever the transforms above it. Plotting libraries draw in small user
units under a large scale and rely on it (the ICLR "raspy" post: 1.2-unit strokes under a
46x scale); cairosvg scales such strokes too, and the figures print as black blobs. Each
such element gets the stroke width divided by the scale of its transforms instead.
``<switch>`` branches that need HTML (draw.io labels) are chosen as a browser chooses them in
svgswitch.
"""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from .svgswitch import evaluate_switches

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")

_TRANSFORM = re.compile(r"(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_UNIT_LENGTH = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(px)?\s*$")


def browser_ready(root: ET.Element) -> bytes | None:
    """The SVG rewritten where cairosvg would draw it otherwise than a browser (non-scaling
    strokes here, ``<switch>`` in svgswitch), or None when nothing needed it."""
    changed = evaluate_switches(root)
    changed |= fix_non_scaling_strokes(root)
    return ET.tostring(root, encoding="utf-8") if changed else None


def fix_non_scaling_strokes(root: ET.Element) -> bool:
    """Make ``root``'s non-scaling strokes explicit; True when there were any to change."""
    if not any("non-scaling-stroke" in (el.get("style", "") + el.get("vector-effect", ""))
               for el in root.iter()):
        return False
    return _walk(root, _viewbox_scale(root), None)


def _walk(element: ET.Element, scale: float, width: float | None) -> bool:
    scale *= _transform_scale(element.get("transform", ""))
    own = _stroke_width(element)
    width = own if own is not None else width
    changed = False
    if "non-scaling-stroke" in (element.get("style", "") + element.get("vector-effect", "")) \
            and width is not None and scale > 0 and not math.isclose(scale, 1.0):
        _set_stroke_width(element, width / scale)
        changed = True
    for child in element:
        changed |= _walk(child, scale, width)
    return changed


def _style(element: ET.Element) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in element.get("style", "").split(";") if ":" in part)
    return {name.strip(): value.strip() for name, value in pairs}


def _stroke_width(element: ET.Element) -> float | None:
    value = _style(element).get("stroke-width", element.get("stroke-width"))
    m = _UNIT_LENGTH.match(value) if value else None
    return float(m[1]) if m else None


def _set_stroke_width(element: ET.Element, width: float) -> None:
    style = {k: v for k, v in _style(element).items() if k not in ("stroke-width", "vector-effect")}
    style["stroke-width"] = f"{width:.6g}"
    element.set("style", ";".join(f"{k}:{v}" for k, v in style.items()))
    element.attrib.pop("stroke-width", None)
    element.attrib.pop("vector-effect", None)


def _transform_scale(transform: str) -> float:
    """sqrt(|det|) of a transform list's linear part: how much it scales lengths on average."""
    det = 1.0
    for name, args in _TRANSFORM.findall(transform):
        values = [float(v) for v in _NUMBER.findall(args)]
        if name == "matrix" and len(values) == 6:
            det *= values[0] * values[3] - values[1] * values[2]
        elif name == "scale" and values:
            det *= values[0] * (values[1] if len(values) > 1 else values[0])
    return math.sqrt(abs(det))


def _viewbox_scale(root: ET.Element) -> float:
    """User units to the viewport's: what width/height over the viewBox scale by."""
    box = [float(v) for v in _NUMBER.findall(root.get("viewBox", ""))]
    sizes = [_UNIT_LENGTH.match(root.get(name, "")) for name in ("width", "height")]
    if len(box) != 4 or not all(sizes) or box[2] <= 0 or box[3] <= 0:
        return 1.0
    return math.sqrt(float(sizes[0][1]) / box[2] * float(sizes[1][1]) / box[3])
