"""kramdown's reading of raw HTML, as text -> text with markers our mistune plugin reads.

kramdown (Jekyll's Markdown) differs from CommonMark where research posts lean on it:

* a block-level HTML element starting a line is raw up to its *matching* end tag,
  blank lines included (CommonMark stops at the first blank line), unless it
  says ``markdown="1"``: then its content is Markdown again;
* attribute lists ``{: .class}``, ``{:target="_blank"}``, ``{#id}`` are markup, not text.

On the page MathJax then typesets ``$..$``, ``$$..$$``, ``\\(..\\)`` and bare
``\\begin{equation}`` wherever they are, raw HTML included, and distill.js turns
``<d-cite>``/``<d-footnote>`` into citations and notes.

This pass marks each raw element with private-use characters, keeping every
line where it was, so that the plugin in :mod:`.jekyll` makes one token of it:

=========================  ==============================================
``\\ue000 .. \\ue001``      raw HTML, read as inline Markdown (math, cites)
``\\ue002 .. \\ue001``      hidden (``display: none``): only its macros count
``\\ue003 .. \\ue001``      a ``<table>``
``\\ue009 .. \\ue001``      a ``<pre>``, ``<d-code>``: HTML the translator reads whole
``\\ue005<tag>\\ue001``     the open or close tag of a ``markdown="1"`` element
``\\ue006 N \\ue007``       figure group N (images in rows or an embed, one caption)
``\\ue010 .. \\ue011``      display math inside raw HTML
=========================  ==============================================
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Callable

from ..syntax.diagrams import tikz_script_fence
from ..syntax.math import MATH_ENVS
from .figuregroups import IMG, LONE_IMG, MARKER, FigureGroup, FigureGroups, caption_only
from .liquid import Figure

RAW, HIDDEN, TABLE, TAG, GROUP, END = "\ue000", "\ue002", "\ue003", "\ue005", "\ue006", "\ue001"
VERBATIM = "\ue009"
GROUP_END = "\ue007"
DISPLAY_OPEN, DISPLAY_CLOSE = "\ue010", "\ue011"
PRIVATE = re.compile("[\ue000-\ue01f]")

# kramdown's block-level elements (plus summary/figcaption, which CommonMark also treats as blocks)
BLOCK_TAGS = {
    "address", "applet", "article", "aside", "audio", "blockquote", "body", "button", "canvas", "caption",
    "center", "col", "colgroup", "dd", "details", "dialog", "div", "dl", "dt", "embed", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
    "html", "iframe", "li", "main", "map", "menu", "nav", "noscript", "object", "ol", "optgroup", "option",
    "p", "pre", "section", "script", "style", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul", "video",
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
        "track", "wbr"}
INLINE_CUSTOM = {"d-cite", "d-footnote", "d-math", "d-hover-box"}
DROPPED_ELEMENTS = {"script", "style"}
WRAPPER_TAGS = {"d-article", "d-byline", "d-appendix", "d-contents", "d-title", "d-front-matter",
                "d-bibliography", "d-footnote-list", "d-citation-list"}

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_REGION_START = re.compile(r"^( {0,3})<([A-Za-z][\w-]*)(?=[\s/>]|$)")
_ANY_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)((?:\"[^\"]*\"|'[^']*'|[^'\">])*)>")
_ATTR = re.compile(r"""([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MD_COMMENT = re.compile(r"^[ \t]*\[(?://|comment)\]:\s*(?:#|<>)[^\n]*$", re.M | re.I)
_IAL = re.compile(r"(?<![\\$])\{:(?!:)[ \t]*(?:[.#][\w-]+|[\w-]+=(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s}]+)|[ \t])*\}")
_QUOTE_BOX = re.compile(r"\.block-(?:tip|warning|danger)\b")  # a quote's box class: syntax/attributes reads it
_HEADING_ID = re.compile(r"^(#{1,6}[^\n]*?)[ \t]*\{#[\w:.-]+\}[ \t]*$", re.M)
_EXTENSION = re.compile(r"\{::(?:comment)\}.*?\{:/(?:comment)?\}|\{::[\w]+[^}]*?/?\}|\{:/[\w]*\}", re.S)
_WRAPPER = re.compile(r"</?(?:" + "|".join(sorted(WRAPPER_TAGS)) + r")\b[^>]*>", re.I)
_DCITE = re.compile(r"<d-cite\b((?:\"[^\"]*\"|'[^']*'|[^'\">])*?)/?>(?:\s*</d-cite\s*>)?", re.I)
_PICTURE = re.compile(r"<picture\b[^>]*>(.*?)</picture\s*>", re.S | re.I)
_OBJECT = re.compile(r"<object\b([^>]*)>(.*?)</object\s*>", re.S | re.I)
_SOURCE = re.compile(r"<source\b((?:\"[^\"]*\"|'[^']*'|[^'\">])*)/?>", re.I)
_DOLLARS = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$", re.S)
_BARE_ENV = re.compile(r"\\begin\{(" + "|".join(MATH_ENVS) + r")(\*?)\}.*?\\end\{\1\2\}", re.S)
_GROUP_LINE = re.compile(r"^[ \t]*" + GROUP + r"(\d+)" + GROUP_END + r"[ \t]*$")
_IMAGE_PREFERENCE = (".svg", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp")

Warn = Callable[[str, int], None]
Exists = Callable[[str], bool]


@dataclass
class KramdownResult:
    text: str
    groups: list[FigureGroup] = field(default_factory=list)


def attributes(tag_text: str) -> dict[str, str]:
    """The attributes of an open tag's text (``<div class="x" ...>`` or just its inside)."""
    inside = re.sub(r"^<[\w-]+|/?>$", "", tag_text.strip())
    found = {}
    for m in _ATTR.finditer(inside):
        value = next((v for v in m.groups()[1:] if v is not None), "")
        found[m.group(1).lower()] = html.unescape(value)
    return found


def outside_code(text: str, transform: Callable[[str], str]) -> str:
    """Apply ``transform`` to the text between fenced code blocks (line count unchanged by it)."""
    out, chunk, fence = [], [], None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if fence is None and m:
            out.append(transform("\n".join(chunk)) if chunk else None)
            chunk, fence = [], m.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(m.group(1)):].strip():
                fence = None
        else:
            chunk.append(line)
    if chunk:
        out.append(transform("\n".join(chunk)))
    return "\n".join(part for part in out if part is not None)


def _keep_lines(m: re.Match) -> str:
    return "\n" * m.group(0).count("\n")


def clean(text: str) -> str:
    """Comments, attribute lists, Distill wrappers: gone, lines kept."""
    text = _COMMENT.sub(_keep_lines, text)
    text = _MD_COMMENT.sub("", text)
    text = _EXTENSION.sub(_keep_lines, text)
    text = _HEADING_ID.sub(r"\1", text)
    text = _IAL.sub(lambda m: m.group(0) if _QUOTE_BOX.search(m.group(0)) else "", text)  # syntax/attributes
    text = _WRAPPER.sub("", text)
    return _DCITE.sub(_dcite, text)


def _dcite(m: re.Match) -> str:
    """Every ``<d-cite>`` as the citations plugin reads it: ``key="..."`` quoted, closed."""
    key = attributes("<d-cite " + m.group(1) + ">").get("key", "")
    return f'<d-cite key="{_attr(key)}"></d-cite>' + "\n" * m.group(0).count("\n")


def best_source(candidates: list[str], exists: Exists) -> str | None:
    """The image to print: the first that exists locally, vector art before raster."""
    local = [c for c in candidates if c and exists(c)]
    if not local:
        return next((c for c in candidates if c), None)
    return sorted(local, key=lambda c: next((i for i, ext in enumerate(_IMAGE_PREFERENCE)
                                             if c.lower().split("?")[0].endswith(ext)), len(_IMAGE_PREFERENCE)))[0]


def simplify_images(text: str, exists: Exists) -> str:
    """``<picture>`` and image ``<object>`` -> one ``<img>`` with the best local file."""

    def picture(m: re.Match) -> str:
        inner = m.group(1)
        img = IMG.search(inner)
        img_attrs = attributes(img.group(0)) if img else {}
        candidates = [img_attrs.get("src", "")]
        for source in _SOURCE.finditer(inner):
            for part in attributes(source.group(0)).get("srcset", "").split(","):
                candidates.append(part.strip().split(" ")[0] if part.strip() else "")
        src = best_source(candidates, exists)
        newlines = "\n" * m.group(0).count("\n")
        if not src:
            return newlines
        alt = img_attrs.get("alt", "")
        return f'<img src="{_attr(src)}" alt="{_attr(alt)}">' + newlines

    def obj(m: re.Match) -> str:
        attrs = attributes("<object " + m.group(1) + ">")
        data, kind = attrs.get("data", ""), attrs.get("type", "")
        newlines = "\n" * m.group(0).count("\n")
        if kind.startswith("image/") or re.search(r"\.(svg|png|jpe?g|gif|pdf|webp)$", data, re.I):
            return f'<img src="{_attr(data)}">' + newlines
        return m.group(0)

    return _OBJECT.sub(obj, _PICTURE.sub(picture, text))


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;")


class _Blocks:
    """The line scan that finds raw HTML elements and figure groups."""

    def __init__(self, figures: list[Figure], exists: Exists, warn: Warn):
        self.exists = exists
        self.warn = warn
        self.found = FigureGroups(figures, attributes)
        self.groups = self.found.groups
        self.extra_lines = 0

    # -- scanning ------------------------------------------------------------------
    def scan(self, text: str, first_line: int = 1) -> str:
        items: list[list] = []   # [kind, text, extra]: kind group|caption|image|blank|other (figuregroups)
        lines = text.split("\n")
        fence = None
        i = 0
        while i < len(lines):
            line = lines[i]
            m = _FENCE.match(line)
            if fence is not None or m:
                if fence is None:
                    fence = m.group(1)
                elif m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                    fence = None
                items.append(["other", line, None])
                i += 1
                continue
            start = _REGION_START.match(line)
            if start and _block_element(start.group(2).lower()):
                end = self._region_end(lines, i, start.group(2).lower())
                region = "\n".join(lines[i:end + 1])
                self.extra_lines = 0
                items.append(self.region(region, first_line + i))
                i = end + 1
                # an element that needed a line more gives back a blank line after it
                while self.extra_lines and i < len(lines) and not lines[i].strip():
                    self.extra_lines -= 1
                    i += 1
                continue
            line = self.inline_figures(line)
            alone = _GROUP_LINE.match(line)
            if alone:
                items.append(["group", line, int(alone.group(1))])
            elif LONE_IMG.match(line):
                items.append(["image", line, first_line + i])
            else:
                items.append(["blank" if not line.strip() else "other", line, None])
            i += 1
        self.found.merge(items, GROUP + "{}" + GROUP_END)
        return "\n".join(text for _, text, _ in items)

    def _region_end(self, lines: list[str], start: int, tag: str) -> int:
        """The line holding the end tag that matches the element opened on ``lines[start]``."""
        text = "\n".join(lines[start:])
        first = _ANY_TAG.match(text, len(lines[start]) - len(lines[start].lstrip(" ")))
        if first is None or tag in VOID or first.group(3).rstrip().endswith("/"):
            return start
        depth = 0
        for m in _ANY_TAG.finditer(text):
            if m.group(2).lower() != tag:
                continue
            if m.group(1):
                depth -= 1
                if depth == 0:
                    return start + text.count("\n", 0, m.end())
            elif not m.group(3).rstrip().endswith("/"):
                depth += 1
        # never closed: CommonMark's rule, the element ends at a blank line
        for j in range(start, len(lines)):
            if not lines[j].strip():
                return max(j - 1, start)
        return len(lines) - 1

    # -- one element -------------------------------------------------------------
    def region(self, region: str, line: int) -> list:
        indent = region[: len(region) - len(region.lstrip(" "))]
        body = region.lstrip(" ")
        open_tag = _ANY_TAG.match(body)
        if open_tag is None:  # `<div` with no `>`: text, as a browser would show it
            return ["other", region, None]
        tag = open_tag.group(2).lower()
        attrs = attributes(open_tag.group(0))
        newlines = "\n" * region.count("\n")
        if tag == "script" and (fence := tikz_script_fence(region)):  # TikZJax: a diagram fence
            return ["other", fence, None]
        if tag in DROPPED_ELEMENTS:
            return ["blank", newlines, None]
        if re.search(r"display\s*:\s*none", attrs.get("style", ""), re.I):
            return ["other", indent + HIDDEN + self.raw_text(body) + END, None]
        group = self.found.element(body, line)
        if group is not None:
            return ["group", indent + GROUP + str(group) + GROUP_END + newlines, group]
        caption = caption_only(body)
        if caption is not None:
            return ["caption", indent + RAW + self.raw_text(body) + END, caption]
        if tag in ("pre", "d-code"):  # its text is code, not Markdown
            return ["other", indent + VERBATIM + body + END, None]
        if tag == "table":
            return ["other", indent + TABLE + body + END, None]
        if attrs.get("markdown") in ("1", "block") and tag not in VOID:
            return ["other", indent + self.markdown_element(body, tag, open_tag, line), None]
        return ["other", indent + self.raw_with_tables(body), None]

    def raw_with_tables(self, body: str) -> str:
        """A raw element, with each ``<table>`` in it that has lines of its own cut out as a
        table, and each fenced code block as code (the translator, which streams, keeps the
        element open around them)."""
        lines = body.split("\n")
        parts: list[str] = []
        chunk: list[str] = []

        def flush() -> None:
            if chunk and any(line.strip() for line in chunk):
                parts.append(RAW + self.raw_text("\n".join(chunk)) + END)
            else:
                parts.extend(chunk)
            chunk.clear()

        i = 0
        while i < len(lines):
            fence = _FENCE.match(lines[i]) if i else None
            if fence:  # code in raw HTML (`{% highlight %}` in <details>, a fence after a blank line)
                end = _fence_end(lines, i, fence.group(1))
                flush()
                parts.append(_dedent("\n".join(lines[i:end + 1])))
                i = end + 1
                continue
            if i and re.match(r"^\s*<table\b", lines[i], re.I):
                end = self._region_end(lines, i, "table")
                if re.search(r"</table\s*>\s*$", lines[end], re.I):
                    flush()
                    parts.append(TABLE + "\n".join(lines[i:end + 1]).strip() + END)
                    i = end + 1
                    continue
            chunk.append(lines[i])
            i += 1
        flush()
        return "\n".join(parts)

    def markdown_element(self, body: str, tag: str, open_tag: re.Match, line: int) -> str:
        """``markdown="1"``: the tags stand alone, the content between is Markdown again."""
        close = None
        for m in _ANY_TAG.finditer(body):
            if m.group(1) and m.group(2).lower() == tag:
                close = m
        if close is None or close.start() < open_tag.end():
            return RAW + self.raw_text(body) + END
        inner = body[open_tag.end():close.start()]
        after = body[close.end():]
        opening = TAG + open_tag.group(0) + END
        closing = TAG + close.group(0) + END
        # the content keeps its lines; a tag sharing a line with content gets a line of its own
        if inner.startswith("\n"):
            inner = inner[1:]
        else:
            inner = inner.lstrip(" ")
        content = _dedent(inner).rstrip(" \t")
        if content.strip() and not content.endswith("\n"):
            content += "\n"
        extra = 0
        if content.strip() and not content.endswith("\n\n"):
            content += "\n"  # a blank line: the end tag must not join a list or quote above it
            extra = 1
        text = opening + "\n" + self.scan(content, line + 1) + closing
        self.extra_lines = extra
        if after.strip():
            text += after
        return text

    def raw_text(self, body: str) -> str:
        """Raw HTML as MathJax sees it: ``$$..$$`` and bare environments are display math."""
        body = _DOLLARS.sub(lambda m: DISPLAY_OPEN + m.group(1) + DISPLAY_CLOSE, body)
        body = _BARE_ENV.sub(lambda m: DISPLAY_OPEN + m.group(0) + DISPLAY_CLOSE
                             if not _inside_display(body, m.start()) else m.group(0), body)
        return self.inline_figures(body)

    # -- figures -------------------------------------------------------------------
    def inline_figures(self, text: str) -> str:
        """A figure include alone on its line is a figure; inside text, an inline one."""
        return MARKER.sub(lambda m: f"{GROUP}{self.found.include(int(m.group(1)))}{GROUP_END}", text)


def _block_element(tag: str) -> bool:
    """kramdown reads every element but its span elements as a block: its list of block
    tags, and custom elements (``<swiper-container>`` holding figure includes). Distill's
    inline ones are the exception: our plugins read ``<d-cite>``, ``<d-footnote>`` in the text."""
    return tag in BLOCK_TAGS or ("-" in tag and tag not in INLINE_CUSTOM)


def _fence_end(lines: list[str], start: int, fence: str) -> int:
    """The line closing the fence opened on ``lines[start]`` (the last line when none does)."""
    for j in range(start + 1, len(lines)):
        m = _FENCE.match(lines[j])
        if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not lines[j][m.end():].strip():
            return j
    return len(lines) - 1


def _inside_display(text: str, pos: int) -> bool:
    return text.count(DISPLAY_OPEN, 0, pos) > text.count(DISPLAY_CLOSE, 0, pos)


def _dedent(text: str) -> str:
    lines = text.split("\n")
    widths = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(widths) if widths else 0
    return "\n".join(line[cut:] if line.strip() else line.strip() for line in lines)


def process(text: str, figures: list[Figure], exists: Exists, warn: Warn) -> KramdownResult:
    """kramdown's view of a Liquid-processed post body (see the module docstring)."""
    text = outside_code(text, lambda chunk: simplify_images(clean(chunk), exists))
    blocks = _Blocks(figures, exists, warn)
    return KramdownResult(blocks.scan(text), blocks.groups)
