"""Raw HTML in Markdown -> LaTeX, for the handful of tags blogs really use.

Inline tags arrive one at a time (``<sup>``, text, ``</sup>``), so the
translator keeps a stack and closes whatever a paragraph left open; block
wrappers (``<details>``) may span several Markdown blocks and are closed at the
end of the document. Unknown tags keep their text and are reported.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from .. import htmlgrid, htmltables
from . import tables
from .text import escape, escape_url

# tag -> (LaTeX opening, closing); the text between is rendered as usual.
INLINE = {
    "sup": (r"\textsuperscript{", "}"), "sub": (r"\textsubscript{", "}"),
    "kbd": (r"\dpkbd{", "}"), "b": (r"\textbf{", "}"), "strong": (r"\textbf{", "}"),
    "i": (r"\emph{", "}"), "em": (r"\emph{", "}"), "cite": (r"\emph{", "}"), "var": (r"\emph{", "}"),
    "u": ("{", "}"), "ins": ("{", "}"), "s": ("{", "}"), "del": ("{", "}"), "strike": ("{", "}"), "code": (r"\texttt{", "}"), "tt": (r"\texttt{", "}"),
    "samp": (r"\texttt{", "}"), "small": (r"{\small{}", "}"), "mark": (r"\dpmark{", "}"),
    "q": ("``", "''"), "span": ("{", "}"), "abbr": ("{", "}"), "time": ("{", "}"), "font": ("{", "}"),
    "label": ("{", "}"), "dfn": (r"\emph{", "}"), "big": (r"{\large{}", "}"), "nobr": ("{", "}"),
    "dp-smallcaps": (r"\textsc{", "}"),  # pandoc's [text]{.smallcaps}
}
# Block tags end the paragraph with \endgraf, TeX's \par under another name: a literal \par inside
# the argument of \textbf, \href, \section ... (`**a <div> b**`) is an error, \endgraf is not.
# ulem's \sout and \uline break on links, notes and labels inside them: these tags mark their text
# pieces one by one instead (see HtmlTranslator.mark and LatexRenderer.text)
MARKS = {"u": r"\uline", "ins": r"\uline", "s": r"\sout", "del": r"\sout", "strike": r"\sout"}
MONO = {"code", "tt", "samp", "kbd"}  # their text is escaped for the mono font's coverage
BLOCK = {"p", "div", "section", "article", "header", "footer", "main", "aside", "center", "nav",
         "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
         "figure", "picture", "address", "hgroup", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
         "caption", "colgroup", "col", "pre"}
HIDDEN = {"script", "style", "template", "noscript", "head", "title", "svg", "math"}
EMBEDS = {"iframe", "video", "audio", "embed", "object", "canvas"}
MEDIA = EMBEDS - {"embed"}  # their content is fallback for old browsers ("does not support the video tag")
IGNORED = {"source", "track", "wbr", "meta", "link", "param", "html", "body"}


class HtmlTranslator(HTMLParser):
    """One per document: the renderer feeds it raw HTML tokens in order."""

    def __init__(self, renderer):
        super().__init__(convert_charrefs=True)
        self.r = renderer
        self.out: list[str] = []
        self.inline_stack: list[str] = []  # closers of open inline tags
        self.floor = 0  # closers below this belong to an enclosing inline group
        self.block_stack: list[str] = []   # closers of open block environments
        self.hidden = 0
        self.capture: list[str] | None = None  # <summary>/<figcaption> text being collected
        self.figure_image: dict | None = None
        self.figure_depth = 0
        self.marks: list[tuple[int, str]] = []  # (inline_stack depth, \sout or \uline) of open MARKS
        self.media: tuple[str, dict, list[str]] | None = None  # open <video>/<audio>..: tag, attrs, sources
        self.pre: list[str] | None = None   # the text of an open <pre>
        self.pre_lang = ""
        self.figure_id = ""
        self._ids: set[str] | None = None  # the element ids of the post's source

    # -- entry points -------------------------------------------------------
    def translate(self, raw: str) -> str:
        if "<img" in raw and not (self.hidden or self.pre is not None or self.media is not None
                                  or self.capture is not None or self.figure_depth):
            found = htmlgrid.grid(raw)
            if found is not None:
                return self._grid(found)
        if "<table" in raw.lower() and not (self.hidden or self.pre is not None or self.media is not None
                                            or self.capture is not None):
            pieces = htmltables.split(raw)
            if any(kind == "table" for kind, _ in pieces):
                return "".join(self._table(text) if kind == "table" else self._fed(text) for kind, text in pieces)
        return self._fed(raw)

    def _fed(self, raw: str) -> str:
        self.out = []
        self.feed(raw)
        self.close()  # flush a trailing partial tag as text
        return "".join(self.out)

    def _table(self, table_html: str) -> str:
        """An HTML table as a table (pandas DataFrames, hand-written tables): its cells set
        as inline HTML, the rows given to the same writer as GFM tables."""
        table = htmltables.parse(table_html)
        if not table.rows:
            return ""
        self.r.boxed += 1  # notes in cells become footnotes, figures are set in place
        try:
            rows = [tables.Row([self._cell(cell.html, cell.head and i >= table.head_rows) for cell in row],
                               [cell.align for cell in row], i < table.head_rows)
                    for i, row in enumerate(table.rows)]
            caption = self._cell(table.caption, False) if table.caption else ""
        finally:
            self.r.boxed -= 1
        return "\n" + tables.render_table(rows, in_box=self.r.boxed > 0, caption=caption)

    def _cell(self, html: str, bold: bool) -> str:
        floor, self.floor = self.floor, len(self.inline_stack)
        latex = self.translate(html) + self.close_above(self.floor)
        self.floor = floor
        latex = re.sub(r"(?:\\endgraf\s*)+$", "", re.sub(r"^\s*(?:\\endgraf\s*)+", "", latex.strip())).strip()
        return rf"\textbf{{{latex}}}" if bold and latex else latex

    def close_above(self, floor: int) -> str:
        closers = "".join(reversed(self.inline_stack[floor:]))
        del self.inline_stack[floor:]
        return closers

    def close_inline(self) -> str:
        return self.close_above(0)

    def close_all(self) -> str:
        self.out = []
        if self.media is not None:
            self._end_media()
        return "".join(self.out) + self.close_inline() + "".join(reversed(self.block_stack))

    def close_blocks_above(self, depth: int) -> str:
        """Close the <details> boxes opened inside a quote, alert or list item as it ends: LaTeX
        environments must nest (an unclosed one would end the document inside another)."""
        if len(self.block_stack) <= depth:
            return ""
        closers = self.close_above(self.floor) + "".join(reversed(self.block_stack[depth:]))
        self.r.boxed = max(0, self.r.boxed - sum(c == "\\end{dpdetails}\n" for c in self.block_stack[depth:]))
        del self.block_stack[depth:]
        return closers

    # -- HTMLParser events --------------------------------------------------
    def emit(self, latex: str) -> None:
        (self.capture if self.capture is not None else self.out).append(latex)

    def handle_data(self, data: str) -> None:
        if self.pre is not None:
            self.pre.append(data)
            return
        if self.media is not None:
            return  # fallback text
        if self.inline_stack and "\n" in data:  # no \par inside \texttt{..} or \href{..}{..}
            data = re.sub(r"\n\s*\n", "\n", data)
        if not self.hidden and data:
            text = escape(data if self.capture is not None or data.strip() else " ", self.role())
            mark = self.mark()
            self.emit(f"{mark}{{{text}}}" if mark and data.strip() else text)

    def _open_marks(self) -> list[str]:
        while self.marks and self.marks[-1][0] > len(self.inline_stack):
            self.marks.pop()
        return [kind for _, kind in self.marks]

    def mark(self) -> str | None:
        """\\sout or \\uline while a <del>/<s>/<u>/<ins> is open, for each piece of text inside it."""
        return next((kind for kind in reversed(self._open_marks()) if kind != "mono"), None)

    def role(self) -> str:
        """The font role text is escaped for: "mono" inside <code>, <kbd> ..."""
        return "mono" if "mono" in self._open_marks() else "serif"

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        if self.pre is not None:
            self.pre_lang = self.pre_lang or _language(attrs)
            return
        if self.media is not None:
            if tag == "source" and attrs.get("src"):
                self.media[2].append(attrs["src"])
            return
        if tag in HIDDEN:
            self.hidden += 1
        elif self.hidden:
            return
        elif tag == "br":
            self.emit(r"\dpbr{}")
        elif tag == "hr":
            self.emit("\n\\dphr ")  # no newline after: with a following "\n" it would be a \par
        elif tag == "img":
            self._image(attrs)
        elif tag == "input" and attrs.get("type") == "checkbox":
            self.emit(r"\dpchecked{}" if "checked" in attrs else r"\dpunchecked{}")
        elif tag == "a":
            href = attrs.get("href")
            self._open(rf"\href{{{escape_url(href)}}}{{" if href and not href.startswith("#") else "{", "}")
        elif tag in INLINE:
            self._open(*INLINE[tag])
            if tag in MARKS or tag in MONO:
                self.marks.append((len(self.inline_stack), MARKS.get(tag, "mono")))
        elif tag == "details":
            self.block_stack.append("\\end{dpdetails}\n")
            self.emit("\n\\begin{dpdetails}")
            self.r.boxed += 1  # a box: figures inside cannot float, notes become footnotes
        elif tag == "figure":
            self.figure_depth += 1
            self.figure_id = attrs.get("id", "")
            self.emit("\n\\endgraf ")
        elif tag in ("summary", "figcaption"):
            self.capture = []
        elif tag in MEDIA:
            self.media = (tag, attrs, [])
        elif tag in EMBEDS:
            self.emit(self.r.embed(tag, attrs.get("src") or attrs.get("data") or ""))
        elif tag == "pre":
            self.pre, self.pre_lang = [], _language(attrs)
        elif tag == "dp-ref":
            self.emit(self._reference(attrs.get("target", "")))
        elif tag == "dp-label":  # in a caption: the figure a reference points at
            self.emit(rf"\label{{{_label(attrs.get('target', ''))}}}")
        elif tag in BLOCK:
            self.emit("\n\\endgraf ")
        elif tag not in IGNORED:
            self.r.warn(f"dropped <{tag}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN:
            self.hidden -= 1
        elif tag in MEDIA and self.media is not None and self.media[0] == tag:
            self._end_media()

    def handle_endtag(self, tag):
        if self.pre is not None:
            if tag == "pre":
                self._end_pre()
            return
        if self.media is not None:
            if tag == self.media[0]:
                self._end_media()
            return
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif self.hidden:
            return
        elif tag in INLINE or tag == "a":
            if len(self.inline_stack) > self.floor:
                self.emit(self.inline_stack.pop())
        elif tag == "details":
            if "\\end{dpdetails}\n" in self.block_stack:
                self.block_stack.remove("\\end{dpdetails}\n")
                self.emit(self.close_inline() + "\n\\end{dpdetails}\n")
                self.r.boxed = max(0, self.r.boxed - 1)
        elif tag == "summary" and self.capture is not None:
            title, self.capture = "".join(self.capture).strip(), None
            self.emit(rf"\dpdetailstitle{{{title}}}" + "\n")
        elif tag == "figcaption" and self.capture is not None:
            caption, self.capture = "".join(self.capture).strip(), None
            self._figure(self.figure_image, caption)
            self.figure_image = None
        elif tag == "figure":
            self.figure_depth = max(0, self.figure_depth - 1)
            if self.figure_image is not None:
                self._figure(self.figure_image, "")
                self.figure_image = None
        elif tag in BLOCK:
            self.emit("\n\\endgraf ")

    def handle_comment(self, data):
        pass

    def _open(self, opening: str, closing: str) -> None:
        self.inline_stack.append(closing)
        self.emit(opening)

    def _end_pre(self) -> None:
        """``<pre>`` is code: a code block with its lines (and ``<code class="language-x">``'s language)."""
        text, self.pre = "".join(self.pre).strip("\n"), None
        block = self.r.block_code({"type": "block_code", "raw": text + "\n",
                                   "attrs": {"info": self.pre_lang} if self.pre_lang else {}}, None)
        self.emit("\n" + self.close_above(self.floor) + "\\endgraf\n" + block)

    def _end_media(self) -> None:
        """A video prints its poster as a figure; any other media, and a video without a poster, as
        :meth:`LatexRenderer.embed` prints it. Never the fallback text. In a ``<figure>`` either
        waits for the ``<figcaption>`` that may follow: the author's caption is the figure's."""
        tag, attrs, sources = self.media
        self.media = None
        src = attrs.get("src") or attrs.get("data") or next(iter(sources), "")
        poster = attrs.get("poster") if tag == "video" else None
        if not poster:
            if self.figure_depth:
                self.figure_image = {"embed": (tag, src, attrs)}
            else:
                self.emit(self.r.embed(tag, src, attrs))
            return
        self.r.warn(f"<video> printed as its poster image {poster}")
        link = self.r._absolute_url(src) if src else None
        caption = escape(attrs.get("title") or attrs.get("aria-label") or "Video")
        caption += rf": \href{{{escape_url(link)}}}{{{escape(link)}}}" if link else " (see the online version)"
        if self.figure_depth:  # the figure's <figcaption> follows, or its end closes it
            self.figure_image = {"src": poster, "alt": caption}
        else:
            self.emit(self.r.html_figure({"src": poster}, caption))

    def _reference(self, target: str) -> str:
        """A reference left empty for a script to fill: the figure's number once a figure has
        that label (the engine's next pass knows), else nothing. A target the post has is
        reported undefined until then, which is what makes the engine take that next pass."""
        if not target:
            return ""
        label = _label(target)
        if self._ids is None:
            try:
                source = self.r.post.path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                source = self.r.post.body
            self._ids = set(re.findall(r"\bid\s*=\s*[\"']([^\"']+)[\"']", source))
        pending = (rf"\else\csname @latex@warning\endcsname{{Reference `{label}' on page \thepage\space undefined}}"
                   if target in self._ids else "")
        return rf"\ifcsname r@{label}\endcsname\ref{{{label}}}{pending}\fi{{}}"

    def _figure(self, attrs: dict | None, caption: str) -> None:
        label = rf"\label{{{_label(self.figure_id)}}}" if caption and self.figure_id else ""
        if attrs and "embed" in attrs:
            self.emit(self.r.embed(*attrs["embed"], caption + label))
        else:
            self.emit(self.r.html_figure(attrs, caption + label))

    def _grid(self, found: htmlgrid.Grid) -> str:
        """Images shown together: one figure, sub-images in rows, the caption kept."""
        label = f'<dp-label target="{found.id}"/>' if found.id else ""
        children = [{"type": "inline_html", "raw": found.caption + label}] if found.caption else []
        token = {"type": "figure_group", "children": children,
                 "attrs": {"rows": found.rows, "alt": found.alt, "numbered": True}}
        return "\n" + self.r.figure_group(token, None)

    def _image(self, attrs: dict) -> None:
        if self.figure_depth:
            self.figure_image = attrs
        else:
            self.emit(self.r.html_image(attrs))


def _language(attrs: dict) -> str:
    """``class="language-python"`` (also ``lang-``, ``highlight-``), else ``data-lang``."""
    for cls in attrs.get("class", "").split():
        m = re.match(r"(?:language|lang|highlight|source)-([\w+#.-]+)$", cls)
        if m:
            return m.group(1)
    return attrs.get("data-lang", "")


def _label(target: str) -> str:
    return "dp-" + re.sub(r"[^A-Za-z0-9:.-]", "-", target)
