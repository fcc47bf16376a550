"""The post's side of the audit: its prose words, code words and images, read independently of
distill-pdf's own parser (plain mistune and regular expressions), so a construct the renderer
misreads still counts as content the reader should find in the PDF.

Prose = the Markdown as plain text: no front matter, code, math, HTML tags, URLs, Liquid/MDX
syntax or image alt text. The text between HTML tags is prose (a ``<d-footnote>``, a caption),
except where a browser does not show it (``<script>``, ``<style>``, a ``<video>``'s fallback).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import emoji
import ftfy
import mistune

from distill_pdf import figures

from . import pandoc
from .words import tokens

_FRONT = re.compile(r"\A\ufeff?(?:---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*\n|\+\+\+[ \t]*\n.*?\n\+\+\+[ \t]*\n)",
                    re.S)
_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)(?:[^`\n]|\n(?![ \t]*\n)|(?!\1)`+)+?(?<!`)\1(?!`)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIQUID_CODE = re.compile(r"\{%-?\s*highlight\s+(\S+)[^%]*%\}(.*?)\{%-?\s*endhighlight\s*-?%\}", re.S)
_LIQUID_MERMAID = re.compile(r"\{%-?\s*mermaid\s*-?%\}(.*?)\{%-?\s*endmermaid\s*-?%\}", re.S)  # jekyll-mermaid
# a comment, and a capture (it sets a variable, the page shows nothing of it)
_LIQUID_DROP = re.compile(r"\{%-?\s*(comment|capture)\b[^%]*%\}.*?\{%-?\s*end\1\s*-?%\}", re.S)
_LIQUID_IMAGE = re.compile(r"\{%-?\s*include\s+figure\.(?:html|liquid)\b[^%]*?\bpath=[\"']?([^\"'\s%]+)")
_LIQUID_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.S)
_LIQUID = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
# What replaces a tag or a formula: a word break that is no blank line (a line left blank would
# end an HTML block, a figure row of includes or a table, where the blog's kramdown does not)
_GAP = "\u2060"
_LIQUID_LINE = re.compile(r"^([ \t]*)(?:(?:\{%.*?%\}|\{\{.*?\}\})[ \t]*)+$", re.M)
_MDX_LINE = re.compile(r"^(?:import\s.*?\bfrom\s+['\"].*|import\s+['\"].*|export\s+(?:const|default|function|let)\b.*)$")
# `[//]: #(note)`, Markdown's comment idiom: a link definition to `#`, shown by no blog (kramdown
# takes any text after `]:` as its URL, CommonMark with a space before the title)
_COMMENT_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*#")
_JSX_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.S)
_ALERT = re.compile(r"^(\s*>\s*)\[!\w+\][+-]?", re.M)    # GitHub alert / callout marker
_ATTRS = re.compile(r"\{:[^}\n]*\}|\{\s*[#.][\w\-:.]+(?:\s+[#.]?[\w\-:.]+(?:=\S+)?)*\s*\}")
_DIRECTIVE = re.compile(r"^(\s*(?:>\s*)*):{3,}\s*[\w-]*\s*(?:\[(.*?)\])?(?:\{[^}]*\})?\s*(.*)$")
_ADMONITION = re.compile(r"^(\s*)(?:!!!|\?\?\?\+?)\s*[\w-]+(?:\s+\"(.*)\")?\s*$")
_MATH = re.compile(r"\$\$.+?\$\$|\\\\?\[.+?\\\\?\]|\\\\?\(.+?\\\\?\)"
                   r"|\\begin\{([A-Za-z]+\*?)\}.*?\\end\{\1\}|\\(?:eq)?ref\{[^{}]*\}|\\label\{[^{}]*\}"
                   r"|(?<![\\$\w])\$(?=\S)[^$\n]+?(?<=\S)(?<!\\)\$(?![$\d])"
                   r"|(?<![\\$\w])\$(?=[ \t]*\n?[ \t]*[^\s$\d])(?:[^$\n]|\n(?![ \t]*\n))+?(?<!\\)\$(?![$\d])",
                   re.S)
_CITATION = re.compile(r"(?<![\w.])-?@[\w][\w:.#$%&+?<>~/-]*")  # pandoc [@key], @key
_URL = re.compile(r"(?:https?|ftp)://\S+|\bwww\.\S+|\S+@\S+\.\w+")
_BLOCK_OPEN = re.compile(r"^ {0,3}<(address|article|aside|blockquote|center|details|div|dl|figure|"
                         r"footer|form|header|nav|ol|section|table|ul)\b[^>\n]*>", re.M | re.I)
_HIDDEN_OPEN = re.compile(r"<([A-Za-z][\w-]*)\b[^>]*\bstyle\s*=\s*[\"'][^\"']*display\s*:\s*none[^>]*>", re.I)
_IMG_EXT = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|avif|bmp|tiff?|pdf)(?:[?#].*)?$", re.I)


@dataclass
class Source:
    """What the reader of the post online sees, as words and images."""

    prose: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)   # every image the post shows, by its src
    prose_text: str = ""                                # for counting legitimate `$`, `**`, ...


class _HTMLText(HTMLParser):
    """Text a browser shows from raw HTML; <pre>/<code> text is code; <img> sources collected."""

    HIDDEN = {"script", "style", "video", "audio", "iframe", "template", "noscript", "svg", "math",
              "object", "canvas", "head", "title", "d-front-matter", "d-bibliography"}
    VOID = {"img", "br", "hr", "input", "source", "meta", "link", "wbr", "col", "area", "embed", "track"}
    # phrasing elements: a browser runs their text into the words around them ("<abbr>MLP</abbr>s")
    INLINE = {"a", "abbr", "b", "bdi", "bdo", "big", "cite", "data", "del", "dfn", "em", "font", "i",
              "ins", "mark", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "time", "tt",
              "u", "var", "wbr"}

    def __init__(self, source: Source):
        super().__init__(convert_charrefs=True)
        self.source, self.hidden, self.code = source, 0, 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and attrs.get("src"):
            self.source.images.append(attrs["src"])
        self.text.append("" if tag in self.INLINE else " ")
        if tag in self.VOID:
            return
        self.hidden += tag in self.HIDDEN
        self.code += tag in ("pre", "code", "d-code", "kbd", "samp")

    def handle_startendtag(self, tag, attrs):
        """``<br/>``, ``<img/>``, a JSX ``<Widget />``: no text, a break between words (none in a
        phrasing element)."""
        if tag in self.VOID:
            self.handle_starttag(tag, attrs)
        else:
            self.text.append("" if tag in self.INLINE else " ")

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        self.hidden = max(0, self.hidden - (tag in self.HIDDEN))
        self.code = max(0, self.code - (tag in ("pre", "code", "d-code", "kbd", "samp")))
        self.text.append("" if tag in self.INLINE else " ")

    def handle_data(self, data):
        if self.hidden:
            return
        if self.code:
            self.source.code.extend(tokens(data))
        else:
            self.text.append(data)


def _outside_fences(markdown: str, fix) -> str:
    """``fix`` applied to every run of lines outside fenced code blocks."""
    out, run, fence = [], [], None
    for line in markdown.split("\n"):
        opener = _FENCE.match(line)
        if fence is None and opener:
            out.append(fix("\n".join(run)))
            run, fence = [], opener.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                fence = None
        else:
            run.append(line)
    out.append(fix("\n".join(run)))
    return "\n".join(part for part in out)


def _element_end(text: str, match: re.Match) -> int | None:
    """Where the element ``match`` opens (its tag name in group 1) ends, past its matching end
    tag; None when ``text`` does not hold that."""
    tag, depth = re.escape(match.group(1)), 1
    for edge in re.finditer(rf"<(/?){tag}\b[^>]*>", text[match.end():], re.I):
        depth += -1 if edge.group(1) else 1
        if depth == 0:
            return match.end() + edge.end()
    return None


def _drop_hidden(text: str) -> str:
    """``text`` without the elements styled ``display: none``: a browser shows none of their
    text, whatever Markdown (``markdown="1"``) or blank lines they hold, so the reader cannot
    miss it. An element whose end tag is not in ``text`` is kept."""
    pos = 0
    while match := _HIDDEN_OPEN.search(text, pos):
        end = _element_end(text, match)
        text, pos = (text, match.end()) if end is None else (text[:match.start()] + " " + text[end:],
                                                               match.start())
    return text


def _kramdown_html(text: str) -> str:
    """kramdown reads a block HTML element to its end tag as HTML, blank lines and indented
    lines included; CommonMark (the parser here) ends it at a blank line and reads indented
    lines after it as code. So the blank lines inside are filled, except in an element with
    ``markdown="1"``, whose inside is Markdown."""
    pos = 0
    while match := _BLOCK_OPEN.search(text, pos):
        end = _element_end(text, match)
        if end is None or "markdown=" in match.group(0):
            pos = match.end()
            continue
        inner = "\n".join(line if line.strip() else _GAP for line in text[match.start():end].split("\n"))
        text, pos = text[:match.start()] + inner + text[end:], match.start() + len(inner)
    return text


def _outside_code_spans(text: str, fix) -> str:
    """``fix`` applied between code spans: a `` `$$` `` shown as code opens no formula."""
    out, pos = [], 0
    for span in _CODE_SPAN.finditer(text):
        out += [fix(text[pos:span.start()]), span.group()]
        pos = span.end()
    return "".join(out) + fix(text[pos:])


_INCLUDE_LINE = re.compile(r"^([ \t]*)\{%-?\s*include\s+([^\s%]+)[^%]*-?%\}[ \t]*$", re.M)


def _includes_in_fences(markdown: str, post: Path) -> str:
    """Jekyll runs Liquid inside code too: a line ``{% include file.py %}`` in a fence shows
    the site's ``_includes/file.py``."""
    folder = next((p / "_includes" for p in post.resolve().parents if (p / "_includes").is_dir()), None)

    def pasted(m: re.Match) -> str:
        path = folder / m.group(2) if folder is not None and ".." not in m.group(2) else None
        if path is None or not path.is_file():
            return m.group(1)
        return path.read_text(encoding="utf-8", errors="replace").rstrip("\n")
    out, inside = [], False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            inside = not inside
        out.append(_INCLUDE_LINE.sub(pasted, line) if inside and "{%" in line else line)
    return "\n".join(out)


def _unliquid(text: str, source: Source) -> str:
    """Liquid's tags and output as the page shows them: code highlighted, images collected."""
    text = _LIQUID_DROP.sub(" ", text)
    text = _LIQUID_CODE.sub(lambda m: f"\n```{m.group(1)}\n{m.group(2).strip(chr(10))}\n```\n", text)
    text = _LIQUID_MERMAID.sub(lambda m: f"\n```mermaid\n{m.group(1).strip(chr(10))}\n```\n", text)
    source.images.extend(_LIQUID_IMAGE.findall(text))
    text = _LIQUID_LINE.sub(r"\1" + _GAP, text)
    return _LIQUID.sub("", text)


_EXPORT_LITERAL = re.compile(r"^export\s+(?:const|let|var)\s+[\w$]+\s*=\s*(?=[\[{])", re.M)


def _without_exported_literals(text: str) -> str:
    """An MDX ``export const x = [ ... ]`` is JavaScript, no text of the page (its data shows
    only through a component); its lines stay as blank lines."""
    from distill_pdf.jsx import js_group_end
    for m in reversed(list(_EXPORT_LITERAL.finditer(text))):
        end = js_group_end(text, m.end())
        if end > 0:
            text = text[:m.start()] + "\n" * text.count("\n", m.start(), end) + text[end:]
    return text


def _unblog(text: str, source: Source, mdx: bool, kramdown: bool) -> str:
    """Site-generator syntax (Liquid, MDX, attribute lists, directives) as the site shows it."""
    parts = _LIQUID_RAW.split(text)  # odd parts: {% raw %} text, which Jekyll prints as it is
    text = "".join(part if i % 2 else _unliquid(part, source) for i, part in enumerate(parts))
    text = _JSX_COMMENT.sub("", _drop_hidden(text))
    text = _kramdown_html(text) if kramdown else text
    text = _without_exported_literals(text) if mdx else text
    lines = []
    for line in text.split("\n"):
        if (mdx and _MDX_LINE.match(line.strip())) or _COMMENT_DEFINITION.match(line):
            continue
        directive = _DIRECTIVE.match(line)
        admonition = _ADMONITION.match(line)
        if directive:
            line = directive.group(1) + " ".join(filter(None, (directive.group(2), directive.group(3))))
        elif admonition:
            line = admonition.group(1) + (admonition.group(2) or "")
        lines.append(_ATTRS.sub("", line))
    return _outside_code_spans(_ALERT.sub(r"\1", "\n".join(lines)), lambda run: _MATH.sub(_GAP, run))


def _parser():
    return mistune.create_markdown(renderer=None, plugins=[
        "strikethrough", "footnotes", "table", "url", "math", "task_lists"])


# mistune's phrasing nodes: their text runs into the words around them ("**FNO**-PF")
_INLINE_NODES = {"emphasis", "strong", "link", "strikethrough", "mark", "insert", "superscript",
                 "subscript"}


def _walk(nodes, source: Source, prose: list[str], drawn: frozenset[str]) -> None:
    """``drawn``: the fence languages distill-pdf prints as figures here, whose source is no code in the PDF."""
    for node in nodes:
        kind = node.get("type")
        if kind == "block_code" and _language(node) in drawn:
            continue
        if kind in ("block_code", "codespan"):
            source.code.extend(tokens(node.get("raw", "")))
            prose.append(" ")
        elif kind in ("block_math", "inline_math", "blank_line", "thematic_break", "footnote_ref"):
            prose.append(" ")
        elif kind == "image":
            source.images.append(node["attrs"].get("url", ""))
            prose.append(" ")
        elif kind in ("block_html", "inline_html"):
            parser = _HTMLText(source)
            parser.feed(node.get("raw", ""))
            parser.close()
            prose.append("".join(parser.text) + (" " if kind == "block_html" else ""))
        elif kind == "text":
            prose.append(node.get("raw", ""))
        elif kind in ("softbreak", "linebreak"):
            prose.append(" ")
        elif "children" in node:
            _walk(node["children"], source, prose, drawn)
            prose.append("" if kind in _INLINE_NODES else " ")
        elif "raw" in node:
            prose.append(node["raw"])


def _language(node: dict) -> str:
    info = ((node.get("attrs") or {}).get("info") or "").split()
    return info[0].lower() if info else ""


def read_source(path: Path) -> Source:
    """The post's prose words, code words and images."""
    text = ftfy.fix_text(path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n"),
                         uncurl_quotes=False, fix_character_width=False, normalization=None)
    body = _FRONT.sub("", text, count=1)
    if pandoc.is_pandoc(path):
        body = pandoc.shown(body)
    source = Source()
    kramdown = "_posts" in path.parts  # a Jekyll post, as the converter's dialects tell it
    if kramdown:
        body = _includes_in_fences(body, path)
    body = _outside_fences(body, lambda run: _unblog(run, source, path.suffix == ".mdx", kramdown))
    prose: list[str] = []
    _walk(_parser()(body), source, prose, figures.drawn_kinds())
    plain = html.unescape("".join(prose))
    plain = _CITATION.sub(" ", _URL.sub(" ", _MATH.sub(" ", plain)))
    plain = emoji.emojize(plain, language="alias")  # :framed_picture: is a picture, no words
    source.prose_text = plain
    source.prose = tokens(plain)
    return source


def is_remote(src: str) -> bool:
    return bool(re.match(r"^(?:[a-z]+:)?//", src.strip(), re.I))


def image_like(src: str) -> bool:
    return bool(_IMG_EXT.search(src.strip())) or src.startswith("data:image")
