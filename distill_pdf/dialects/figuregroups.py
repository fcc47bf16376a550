"""The figures of a kramdown post as its page shows them, for :mod:`.kramdown`'s line scan.

A figure is an element holding only images (rows of them) or only one ``<iframe>``/``<video>``,
each with the caption elements inside it; an al-folio ``<div class="caption">`` on the
lines after it is its caption too, and so is one after an ``<img>`` alone on its line.
Images and embeds go the same way so that an author's caption ("**Figure 3**: ...") is
the caption of the figure it is written under, never a paragraph of its own under a
generated "Figure N: Interactive figure": a post that numbers its own figures would show
two numbers that disagree.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .. import htmlgrid
from .liquid import FIGURE_CLOSE, FIGURE_OPEN, Figure

IMG = htmlgrid.IMG
MARKER = re.compile(re.escape(FIGURE_OPEN) + r"(\d+)" + re.escape(FIGURE_CLOSE))
LONE_IMG = re.compile(r"^[ \t]*<img(?![\w-])(?:\"[^\"]*\"|'[^']*'|[^'\">])*>[ \t]*$", re.I)
_CAPTION_ELEMENT = re.compile(
    r"<(figcaption)\b[^>]*>(.*?)</figcaption\s*>|"
    r"<(div|p|span)\b[^>]*\bclass\s*=\s*[\"'][^\"']*\bcaption\b[^\"']*[\"'][^>]*>(.*?)</\3\s*>", re.S | re.I)
_TAG = re.compile(r"</?[A-Za-z][\w-]*\b(?:\"[^\"]*\"|'[^']*'|[^'\">])*>")
_AUTHOR_NUMBERED = re.compile(r"^\s*(?:<[^>]+>|\*\*?|__?)*\s*(?:Figure|Fig\.?)\s*\d+", re.I)


@dataclass
class FigureGroup:
    """Images shown together (rows of one or more), or one embed, with one caption."""

    rows: list[list[str]]
    caption: str = ""
    alt: str = ""
    line: int = 0
    id: str = ""    # the element's id: what a reference (`<a href="#id">`) points at
    embed: htmlgrid.Embed | None = None   # an <iframe>/<video> printed where images would be

    @property
    def author_numbered(self) -> bool:
        return bool(_AUTHOR_NUMBERED.match(self.caption))


class FigureGroups:
    """The post's figures in order; the scan's items name them by index."""

    def __init__(self, figures: list[Figure], attributes):
        self.figures = figures          # the Liquid figure includes, by marker number
        self.attributes = attributes    # an open tag's text -> its attributes
        self.groups: list[FigureGroup] = []

    def _add(self, group: FigureGroup) -> int:
        self.groups.append(group)
        return len(self.groups) - 1

    def include(self, index: int) -> int:
        """A figure include: a figure of its own."""
        figure = self.figures[index]
        return self._add(FigureGroup([[figure.src]], figure.caption, figure.alt, figure.line))

    def element(self, body: str, line: int) -> int | None:
        """An element holding only images (and captions) is one figure of rows of images;
        one holding only an embed (and captions) is that embed's figure."""
        captions = [m.group(2) if m.group(1) else m.group(4) for m in _CAPTION_ELEMENT.finditer(body)]
        rest = _CAPTION_ELEMENT.sub(" ", body)
        images = [(m.start(), "marker", m) for m in MARKER.finditer(rest)]
        images += [(m.start(), "img", m) for m in IMG.finditer(rest)]
        if not images:
            embed = htmlgrid.lone_embed(body)
            return None if embed is None else self._add(
                FigureGroup([], embed.caption, "", line, htmlgrid.element_id(body), embed))
        if html.unescape(_TAG.sub(" ", IMG.sub(" ", MARKER.sub(" ", rest)))).strip():
            return None
        images.sort(key=lambda item: item[0])
        own = [self.figures[int(m.group(1))].caption for _, kind, m in images if kind == "marker"]
        alts = [self.figures[int(m.group(1))].alt if kind == "marker" else self.attributes(m.group(0)).get("alt", "")
                for _, kind, m in images]
        caption = " ".join(c.strip() for c in [*own, *captions] if c and c.strip())
        return self._add(FigureGroup(self._rows(rest, images), caption, next((a for a in alts if a), ""), line,
                                     htmlgrid.element_id(body)))

    def _src(self, kind: str, m: re.Match) -> str:
        return self.figures[int(m.group(1))].src if kind == "marker" else self.attributes(m.group(0)).get("src", "")

    def _rows(self, body: str, images) -> list[list[str]]:
        """Rows as the page lays them out: Bootstrap ``row`` divs or a flex box side by side,
        every other figure on a line of its own; the slides of a custom element (a slider,
        a before/after comparison), which the page shows one at a time, side by side."""
        row_starts = [m.start() for m in re.finditer(r"<div\b[^>]*\bclass\s*=\s*[\"'][^\"']*\brow\b", body)]
        if row_starts:
            rows: list[list[str]] = []
            bounds = [0, *row_starts, len(body) + 1]
            for lo, hi in zip(bounds, bounds[1:]):
                row = [self._src(kind, m) for pos, kind, m in images if lo <= pos < hi]
                if row:
                    rows.append(row)
            return rows
        if re.search(r"display\s*:\s*flex|display\s*:\s*grid|\bcol(?:-[\w-]+)?\b|^\s*<[A-Za-z]+-", body) \
                or all(kind == "img" for _, kind, _ in images):  # <img> is inline: side by side
            return htmlgrid.side_by_side([self._src(kind, m) for _, kind, m in images])
        return [[self._src(kind, m)] for _, kind, m in images]  # <figure>s (the includes) stack

    def merge(self, items: list[list], marked: str) -> None:
        """Distill's ``<div class="caption">`` after a figure (blank lines between allowed) is
        that figure's caption, and after an ``<img>`` alone on its line it makes the two one
        figure; image figures on consecutive lines (no blank line between) are one figure.
        ``items`` are the scan's ``[kind, text, extra]``; a merged item keeps only its line
        breaks, an image made a figure becomes ``marked`` around its group's number."""
        last: FigureGroup | None = None
        image: list | None = None   # the last lone <img> line, while a caption may still follow it
        touching = False
        for item in items:
            kind, text, extra = item
            if kind == "caption" and last is None and image is not None:
                index = self.element(image[1].strip(), image[2])
                if index is not None:
                    image[1] = marked.format(index)
                    last = self.groups[index]
            if kind == "group":
                group = self.groups[extra]
                if last is not None and touching and not last.caption and not (last.embed or group.embed):
                    last.rows += group.rows
                    last.caption = group.caption
                    item[1] = "\n" * text.count("\n")
                else:
                    last = group
                touching = True
            elif kind == "caption" and last is not None:
                last.caption = f"{last.caption} {extra}".strip() if last.caption else extra
                item[1] = "\n" * text.count("\n")
                last = None
            elif kind == "blank":
                touching = False
                continue
            else:
                last = None
            image = item if kind == "image" else None


def caption_only(body: str) -> str | None:
    """The caption text of an element holding nothing but caption elements, else None."""
    captions = [m.group(2) if m.group(1) else m.group(4) for m in _CAPTION_ELEMENT.finditer(body)]
    if not captions:
        return None
    if html.unescape(_TAG.sub(" ", _CAPTION_ELEMENT.sub(" ", body))).strip():
        return None
    return " ".join(c.strip() for c in captions if c.strip())
