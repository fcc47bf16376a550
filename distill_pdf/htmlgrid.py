"""Raw HTML that shows images together: one figure of rows, its caption kept.

Blogs lay out sub-figures with HTML: al-folio's Bootstrap ``<div class="row">``
of ``col-sm`` cells, Distill's ``<div class="l-page">`` of ``<img>``, a CSS grid or
flex box, a ``<figure>`` holding several images. An element (or run of elements)
holding nothing but images and caption elements (``<figcaption>``, or
``class="caption"``/``legend``) is such a figure: :func:`grid` reads its rows
as the page lays them out and its caption; the Jekyll dialect and the HTML
translator both set it as one figure with sub-images side by side. An element holding one
``<iframe>``/``<video>`` and captions is likewise one figure: :func:`lone_embed`.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

PER_ROW = 4  # images side by side in one row of the printed figure, at most

CAPTION_ELEMENT = re.compile(
    r"<(figcaption)\b[^>]*>(.*?)</figcaption\s*>|"
    r"<(div|p|span)\b[^>]*\bclass\s*=\s*[\"'][^\"']*\b(?:caption|legend)\b[^\"']*[\"'][^>]*>(.*?)</\3\s*>",
    re.S | re.I)
IMG = re.compile(r"<img(?![\w-])((?:\"[^\"]*\"|'[^']*'|[^'\">])*)/?>", re.I)  # not <img-comparison-slider>
_ANY_TAG = re.compile(r"</?[A-Za-z][\w-]*\b(?:\"[^\"]*\"|'[^']*'|[^'\">])*>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ROW = re.compile(r"<div\b[^>]*\bclass\s*=\s*[\"'][^\"']*\brow\b")
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_EMBED = re.compile(r"<(iframe|video|audio)\b((?:\"[^\"]*\"|'[^']*'|[^'\">])*?)(?:/>|>(.*?)</\1\s*>)", re.S | re.I)
_SOURCE = re.compile(r"<source\b((?:\"[^\"]*\"|'[^']*'|[^'\">])*)/?>", re.I)
_ID = re.compile(r"^\s*<[\w-]+\b[^>]*?\bid\s*=\s*[\"']([^\"']+)[\"']", re.I)


@dataclass
class Grid:
    rows: list[list[str]]       # image sources, row by row
    caption: str = ""           # the caption elements' inner HTML
    alt: str = ""
    id: str = ""                # the outer element's id (a reference target)


def attributes(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): html.unescape(next(v for v in m.groups()[1:] if v is not None))
            for m in _ATTR.finditer(re.sub(r"^<[\w-]+|/?>$", "", tag.strip()))}


def grid(body: str) -> Grid | None:
    """The figure an HTML fragment shows, or None when it holds anything but images and
    captions (or a single uncaptioned image, which stays an image)."""
    body = _COMMENT.sub(" ", body)
    captions = [m.group(2) if m.group(1) else m.group(4) for m in CAPTION_ELEMENT.finditer(body)]
    rest = CAPTION_ELEMENT.sub(" ", body)
    images = list(IMG.finditer(rest))
    if not images or (len(images) == 1 and not captions):
        return None
    if html.unescape(_ANY_TAG.sub(" ", IMG.sub(" ", rest))).strip():
        return None
    sources = [(m.start(), attributes(m.group(0))) for m in images]
    alt = next((a.get("alt", "") for _, a in sources if a.get("alt")), "")
    return Grid(rows(rest, [(pos, a.get("src", "")) for pos, a in sources]),
                " ".join(c.strip() for c in captions if c.strip()), alt, element_id(body))


@dataclass
class Embed:
    tag: str                    # iframe, video or audio
    src: str                    # its src, else its first <source>'s
    attrs: dict[str, str]
    caption: str = ""           # the caption elements' inner HTML


def lone_embed(body: str) -> Embed | None:
    """The embed an HTML fragment shows with its captions, or None when it holds anything
    else. A video with a poster is left to the HTML translator (it prints the poster), a
    tweet to the dialect that labelled it."""
    body = _COMMENT.sub(" ", body)
    rest = CAPTION_ELEMENT.sub(" ", body)
    found = list(_EMBED.finditer(rest))
    if len(found) != 1 or html.unescape(_ANY_TAG.sub(" ", _EMBED.sub(" ", rest))).strip():
        return None
    tag, attrs = found[0].group(1).lower(), attributes("<x " + found[0].group(2) + ">")
    if attrs.get("poster") or attrs.get("data-kind"):
        return None
    sources = (attributes(m.group(0)).get("src", "") for m in _SOURCE.finditer(found[0].group(3) or ""))
    captions = [m.group(2) if m.group(1) else m.group(4) for m in CAPTION_ELEMENT.finditer(body)]
    return Embed(tag, attrs.get("src") or next((s for s in sources if s), ""), attrs,
                 " ".join(c.strip() for c in captions if c.strip()))


def element_id(body: str) -> str:
    """The ``id`` of the element ``body`` opens with ("" if none)."""
    m = _ID.match(body)
    return m.group(1) if m else ""


def rows(body: str, images: list[tuple[int, str]]) -> list[list[str]]:
    """Rows as the page lays them out: one per Bootstrap ``row`` div; otherwise images sit side
    by side as inline images, grid or flex items do (at most :data:`PER_ROW` to a row)."""
    starts = [m.start() for m in _ROW.finditer(body)]
    if len(starts) > 1:
        bounds = [0, *starts[1:], len(body) + 1]
        found = [[src for pos, src in images if lo <= pos < hi] for lo, hi in zip(bounds, bounds[1:])]
        return [row for row in found if row]
    return side_by_side([src for _, src in images])


def side_by_side(sources: list[str]) -> list[list[str]]:
    """Images in rows of even length, no row longer than :data:`PER_ROW`."""
    count = -(-len(sources) // PER_ROW)  # rows needed
    width = -(-len(sources) // max(count, 1))
    return [sources[i:i + width] for i in range(0, len(sources), width)]
