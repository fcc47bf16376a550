"""A ```` ```geojson ```` fence drawn as the map it is online, without the map: its shapes in a
framed Web Mercator view (Leaflet's projection and its default blue), with a graticule of
labelled meridians and parallels and a scale bar, as SVG that cairosvg makes a vector PDF.

Why our own drawing and no browser: the blog's Leaflet map is mostly its tiles, fetched
from a tile server at view time; printing them would need the network and their licence
terms. The shapes are the post's own content, and a projection is a few lines of
arithmetic; the graticule and scale bar say where and how large they are."""
from __future__ import annotations

import json
import math
from html import escape

KINDS = frozenset({"geojson"})
WIDTH = 456.0          # px: the print column (342 pt) at 0.75 pt a pixel, so text prints at its size
MAX_HEIGHT = 400.0
MIN_HEIGHT = 160.0
FONT = "Liberation Sans"
_LABEL_PX = 48          # room a graticule label needs
BLUE = "#3388ff"       # Leaflet's default path colour
_MAX_LAT = 85.05112878  # where Web Mercator is cut off (a square world)
_EARTH_RADIUS_M = 6378137.0
_STEPS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 45, 90)


class GeoJSONError(ValueError):
    """The fence is not GeoJSON with something to draw."""


def svg(source: str) -> str:
    """The fence's shapes as an SVG map (``GeoJSONError`` when there is nothing to draw)."""
    try:
        data = json.loads(source)
    except ValueError as exc:
        raise GeoJSONError(f"not valid JSON: {exc}") from None
    polygons, lines, points = [], [], []
    _collect(data, polygons, lines, points)
    every = [p for shape in polygons for ring in shape for p in ring] + [p for line in lines for p in line] + points
    if not every:
        raise GeoJSONError("no coordinates to draw")
    view = _View([_project(p) for p in every])
    parts = [f'<rect x="0" y="0" width="{view.width:.1f}" height="{view.height:.1f}" fill="#f7f9fb"/>',
             *_graticule(view)]
    for shape in polygons:
        d = " ".join(_path(view, ring) + " Z" for ring in shape)
        parts.append(f'<path d="{d}" fill="{BLUE}" fill-opacity="0.2" fill-rule="evenodd" stroke="{BLUE}" '
                     'stroke-width="2" stroke-linejoin="round"/>')
    for line in lines:
        parts.append(f'<path d="{_path(view, line)}" fill="none" stroke="{BLUE}" stroke-width="2" '
                     'stroke-linejoin="round" stroke-linecap="round"/>')
    for point in points:
        x, y = view.place(_project(point))
        parts.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="5" fill="{BLUE}" stroke="white" stroke-width="1.5"/>')
    parts += _scale_bar(view)
    parts.append(f'<rect x="0.5" y="0.5" width="{view.width - 1:.1f}" height="{view.height - 1:.1f}" '
                 'fill="none" stroke="#888" stroke-width="1"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{view.width:.1f}" height="{view.height:.1f}" '
            f'viewBox="0 0 {view.width:.1f} {view.height:.1f}" font-family="{FONT}" font-size="9">'
            + "".join(parts) + "</svg>")


def to_pdf(drawing: str) -> bytes:
    """``svg()``'s drawing as a vector PDF."""
    import cairosvg  # ~0.15 s to import: only when a map is drawn, not at every start
    return cairosvg.svg2pdf(bytestring=drawing.encode())


def _collect(node, polygons: list, lines: list, points: list) -> None:
    """Every shape of a GeoJSON object as rings, lines and points of (lon, lat)."""
    if not isinstance(node, dict):
        raise GeoJSONError("a GeoJSON object was expected")
    kind, coords = node.get("type"), node.get("coordinates")
    try:
        if kind == "FeatureCollection":
            for feature in node.get("features") or []:
                _collect(feature, polygons, lines, points)
        elif kind == "Feature":
            if node.get("geometry"):
                _collect(node["geometry"], polygons, lines, points)
        elif kind == "GeometryCollection":
            for geometry in node.get("geometries") or []:
                _collect(geometry, polygons, lines, points)
        elif kind == "Point":
            points.append(_position(coords))
        elif kind == "MultiPoint":
            points.extend(_position(c) for c in coords)
        elif kind == "LineString":
            lines.append([_position(c) for c in coords])
        elif kind == "MultiLineString":
            lines.extend([_position(c) for c in line] for line in coords)
        elif kind == "Polygon":
            polygons.append([[_position(c) for c in ring] for ring in coords])
        elif kind == "MultiPolygon":
            polygons.extend([[_position(c) for c in ring] for ring in shape] for shape in coords)
        else:
            raise GeoJSONError(f"unknown GeoJSON type {kind!r}")
    except (TypeError, IndexError, ValueError) as exc:
        if isinstance(exc, GeoJSONError):
            raise
        raise GeoJSONError(f"malformed {kind} coordinates") from None


def _position(value) -> tuple[float, float]:
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError(value)
    return lon, max(-_MAX_LAT, min(_MAX_LAT, lat))


def _project(point: tuple[float, float]) -> tuple[float, float]:
    """Web Mercator in degrees of longitude: x is the longitude, y grows northwards."""
    lon, lat = point
    return lon, math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _latitude(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(math.radians(y))) - math.pi / 2)


class _View:
    """The projected box shown: the shapes' bounds with a margin, fitted to the frame's width."""

    def __init__(self, projected: list[tuple[float, float]]):
        xs, ys = [p[0] for p in projected], [p[1] for p in projected]
        span = max(max(xs) - min(xs), max(ys) - min(ys), 0.01)  # a lone point: about a kilometre
        pad = span * 0.15
        self.x0, self.x1 = min(xs) - pad, max(xs) + pad
        self.y0, self.y1 = min(ys) - pad, max(ys) + pad
        self.width = WIDTH
        self.scale = WIDTH / (self.x1 - self.x0)
        height = (self.y1 - self.y0) * self.scale
        if height > MAX_HEIGHT:  # tall shapes: fit the height, widen the view to the frame
            self.scale = MAX_HEIGHT / (self.y1 - self.y0)
            middle, half = (self.x0 + self.x1) / 2, WIDTH / self.scale / 2
            self.x0, self.x1 = middle - half, middle + half
        self.height = min(max(height, MIN_HEIGHT), MAX_HEIGHT)
        middle, half = (self.y0 + self.y1) / 2, self.height / self.scale / 2
        self.y0, self.y1 = middle - half, middle + half

    def place(self, projected: tuple[float, float]) -> tuple[float, float]:
        return (projected[0] - self.x0) * self.scale, (self.y1 - projected[1]) * self.scale


def _path(view: _View, points: list[tuple[float, float]]) -> str:
    placed = [view.place(_project(p)) for p in points]
    return "M " + " L ".join(f"{x:.2f} {y:.2f}" for x, y in placed)


def _step(span: float) -> float:
    """A round step giving three to six lines across ``span`` degrees."""
    return next((s for s in _STEPS if span / s <= 6), _STEPS[-1])


def _graticule(view: _View) -> list[str]:
    parts = []
    lon_step = _step(view.x1 - view.x0)
    south, north = _latitude(view.y0), _latitude(view.y1)
    lat_step = _step(north - south)
    line = 'stroke="#d5dbe1" stroke-width="0.75"'
    for lon in _ticks(view.x0, view.x1, lon_step):
        x = (lon - view.x0) * view.scale
        parts.append(f'<line x1="{x:.2f}" y1="0" x2="{x:.2f}" y2="{view.height:.1f}" {line}/>')
        if x < view.width - _LABEL_PX:  # along the foot, right of its meridian, where it fits
            parts.append(f'<text x="{x + 3:.2f}" y="{view.height - 4:.1f}" fill="#667">'
                         f'{escape(_degrees(lon, lon_step, "E", "W"))}</text>')
    for lat in _ticks(south, north, lat_step):
        y = view.place(_project((0.0, lat)))[1]
        parts.append(f'<line x1="0" y1="{y:.2f}" x2="{view.width:.1f}" y2="{y:.2f}" {line}/>')
        if 12 < y < view.height - 16:  # above its parallel, clear of the foot's labels
            parts.append(f'<text x="4" y="{y - 3:.2f}" fill="#667">{escape(_degrees(lat, lat_step, "N", "S"))}</text>')
    return parts


def _ticks(low: float, high: float, step: float) -> list[float]:
    first = math.ceil(low / step)
    return [round(i * step, 10) for i in range(first, math.floor(high / step) + 1)]


def _degrees(value: float, step: float, positive: str, negative: str) -> str:
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + (step == 0.25)
    hemisphere = positive if value > 0 else negative if value < 0 else ""
    return f"{abs(value):.{decimals}f}°{hemisphere}"


def _scale_bar(view: _View) -> list[str]:
    """A bar of a round length at the view's middle latitude (Mercator's scale varies with it)."""
    middle = _latitude((view.y0 + view.y1) / 2)
    metres_per_px = math.radians(1 / view.scale) * _EARTH_RADIUS_M * math.cos(math.radians(middle))
    target = metres_per_px * view.width / 5
    length = max((n * 10 ** e for e in range(8) for n in (1, 2, 5) if n * 10 ** e <= target), default=1)
    px = length / metres_per_px
    x, y = view.width - px - 12, 14
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    return [f'<rect x="{x - 4:.2f}" y="{y - 11:.2f}" width="{px + 8:.2f}" height="17" fill="white" fill-opacity="0.8"/>',
            f'<path d="M {x:.2f} {y - 3:.2f} V {y:.2f} H {x + px:.2f} V {y - 3:.2f}" fill="none" stroke="#333"/>',
            f'<text x="{x + px / 2:.2f}" y="{y - 3:.2f}" text-anchor="middle" fill="#333">{label}</text>']
