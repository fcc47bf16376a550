"""Step 3: mistune tokens -> LaTeX body, one method per token type.

The body uses only ``\\dp...`` macros and standard environments; what they look
like is the template's business. Each top-level block's first LaTeX line is
recorded with its Markdown line, so engine errors can be reported at the post.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mistune.core import BaseRenderer

from .. import fonts
from ..errors import DistillError, Diagnostics
from ..load import Post
from ..parse import Document
from . import code, displaymath, interactive, tables
from .html import HtmlTranslator
from .mathcheck import MathError, check_math, katex_compatible
from .mathjax import translate
from .text import escape, escape_pdf_string, escape_url, plain_text

SECTIONS = ("section", "subsection", "subsubsection", "paragraph", "subparagraph")
MAX_LIST_DEPTH = 8
_MATH_ENVS = re.compile(r"\\(begin|end)\{(equation|align|gather|multline|flalign|alignat|eqnarray)(\*?)\}")
_MATH_ENV_REPLACEMENT = {"equation": None, "align": "aligned", "gather": "gathered", "multline": "multlined",
                         "flalign": "aligned", "alignat": "alignedat", "eqnarray": "aligned"}
_NUMBERING = re.compile(r"\\(nonumber|notag)\b|\\label\{[^{}]*\}")


@dataclass
class Figure:
    """An image file the document includes, by the name it has in the build folder."""

    name: str
    source: Path


@dataclass
class RenderedBody:
    latex: str
    line_map: list[tuple[int, int]]  # (line in body, Markdown line), ascending
    figures: list[Figure] = field(default_factory=list)


ImagePreparer = Callable[[str], Any]  # src -> images.PreparedImage


class LatexRenderer(BaseRenderer):
    NAME = "latex"

    def __init__(self, post: Post, document: Document, diagnostics: Diagnostics,
                 prepare_image: ImagePreparer | None = None, site_url: str | None = None,
                 citations: Any = None, html_translator: type | None = None, figures: Any = None):
        super().__init__()
        self.post = post
        self.document = document
        self.diagnostics = diagnostics
        self.prepare_image = prepare_image
        self.site_url = site_url.rstrip("/") + "/" if site_url else None
        self.citations = citations
        self.drawing = figures  # a figures.FigureRenderer: fences and embeds drawn by a browser
        self.line = post.body_line
        self.html = (html_translator or HtmlTranslator)(self)  # a dialect may bring its own
        self.figures: dict[Path, Figure] = {}
        self.list_depth = 0
        self.boxed = 0          # inside a box or table: margin notes cannot go there
        self.in_note = 0
        self.strike = 0         # inside ~~..~~
        self.in_title = 0       # inside a heading or caption (moving arguments)
        self.notes_rendering: set[int] = set()
        self.top_level = _top_heading_level(document.tokens)
        self.slugs: dict[str, str] = {}

    # -- driver -------------------------------------------------------------
    def render_document(self) -> RenderedBody:
        tokens = _drop_title_heading(self.document.tokens, self.post.title)
        self._collect_slugs(tokens)
        chunks: list[str] = []
        line_map: list[tuple[int, int]] = []
        body_line = 0
        for token in tokens:
            self.line = token.get("line") or self.line
            latex = self.render_token(token, None)
            if not latex:
                continue
            line_map.append((body_line, token.get("line") or self.line))
            chunks.append(latex)
            body_line += latex.count("\n")
        tail = self.html.close_all()
        if tail:
            chunks.append(tail)
        return RenderedBody("".join(chunks), line_map, list(self.figures.values()))

    def render_token(self, token, state):
        if token.get("line"):
            self.line = token["line"]
        return self._get_method(token["type"])(token, state)

    def children(self, token, state=None) -> str:
        """Render inline children; HTML tags they opened are closed with them."""
        floor, self.html.floor = self.html.floor, len(self.html.inline_stack)
        out = self.render_tokens(token.get("children", []), state)
        out += self.html.close_above(self.html.floor)
        self.html.floor = floor
        return out

    def warn(self, message: str, line: int | None = None) -> None:
        self.diagnostics.warn(message, self.post.path, line or self.line)

    def fail(self, message: str, line: int | None = None) -> DistillError:
        return DistillError(message, self.post.path, line or self.line)

    # -- blocks -------------------------------------------------------------
    def blank_line(self, token, state):
        return ""

    def paragraph(self, token, state):
        figure = self._lone_image(token)
        if figure is not None:
            return self.figure(figure)
        return self.children(token, state).strip() + "\n\n"

    def block_text(self, token, state):
        return self.children(token, state).strip() + "\n"

    def heading(self, token, state):
        level = token["attrs"]["level"]
        command = SECTIONS[min(max(level - self.top_level, 0), len(SECTIONS) - 1)]
        self.in_title += 1
        title = _protected(self.children(token, state).strip())
        self.in_title -= 1
        plain = escape_pdf_string(_plain(token))
        slug = self.slugs.get(id(token))
        label = rf"\label{{sec:{slug}}}" if slug else ""
        return f"\\{command}{{\\texorpdfstring{{{title}}}{{{plain}}}}}{label}\n\n"

    def thematic_break(self, token, state):
        return "\\dphr\n\n"

    def block_quote(self, token, state):
        if self.list_depth >= MAX_LIST_DEPTH:
            return self.render_tokens(token["children"], state)
        self.list_depth += 1
        depth = len(self.html.block_stack)
        inner = self.render_tokens(token["children"], state) + self.html.close_blocks_above(depth)
        self.list_depth -= 1
        return f"\\begin{{dpquote}}\n{_runin_closed(inner)}\n\\end{{dpquote}}\n\n"

    def alert(self, token, state):
        kind, title = token["attrs"]["kind"], token["attrs"]["title"]
        children = token["children"]
        heading = escape(title) if title else kind.capitalize()
        if children and children[0]["type"] == "alert_title":  # a Markdown title (directives, MkDocs)
            self.in_title += 1
            heading = _protected(self.children(children[0], state).strip())
            self.in_title -= 1
            children = children[1:]
        self.boxed += 1
        depth = len(self.html.block_stack)
        inner = self.render_tokens(children, state) + self.html.close_blocks_above(depth)
        self.boxed -= 1
        return f"\\begin{{dpalert}}{{{kind}}}{{{heading}}}\n{_runin_closed(inner)}\n\\end{{dpalert}}\n\n"

    def list(self, token, state):
        if self.list_depth >= MAX_LIST_DEPTH:
            return "".join(f"\\par{{}}\\textbullet\\ {self.render_tokens(item.get('children', []), state)}"
                           for item in token["children"]) + "\n"
        attrs = token["attrs"]
        env = "enumerate" if attrs.get("ordered") else "itemize"
        options = []
        if attrs.get("start") not in (None, 1):
            options.append(f"start={int(attrs['start'])}")
        if attrs.get("ordered") and self.list_depth:  # 1. at every level, as browsers show it
            options.append(r"label=\arabic*.")         # (\alph stops at z: "Counter too large")
        if token.get("tight", True):
            options.append("noitemsep")
        opt = f"[{','.join(options)}]" if options else ""
        self.list_depth += 1
        items = self.render_tokens(token["children"], state)
        self.list_depth -= 1
        return f"\\begin{{{env}}}{opt}\n{items}\\end{{{env}}}\n\n"

    def list_item(self, token, state):
        # `{}`: an item whose text starts with `[` is not \item[label]
        depth = len(self.html.block_stack)
        inner = self.render_tokens(token["children"], state) + self.html.close_blocks_above(depth)
        return "\\item{} " + _runin_closed(inner) + "\n"

    def task_list_item(self, token, state):
        box = r"\dpchecked" if token["attrs"].get("checked") else r"\dpunchecked"
        depth = len(self.html.block_stack)
        inner = self.render_tokens(token["children"], state) + self.html.close_blocks_above(depth)
        return f"\\item[{box}] " + _runin_closed(inner) + "\n"

    def block_code(self, token, state):
        info = (token.get("attrs") or {}).get("info")
        if self.in_note or self.boxed > 1:
            lines = token["raw"].rstrip("\n").split("\n")
            return r"\\".join(code.inline_code(line) for line in lines) + "\n\n"
        return code.highlight_block(token["raw"], info) + "\n"

    def block_math(self, token, state):
        tex = self._checked_math(token["raw"], display=True)
        if _MATH_ENVS.search(tex):
            tex = re.sub(r"\n[ \t]*(?=\n)", "", _as_inner_math(tex))
        tex = tex.strip()  # "\n" + tex + "\n" below: a blank line at either end is a \par too
        if not tex:
            return ""  # `$$ $$`: an empty \[ \] would hold a blank line, a \par in math mode
        return displaymath.display(tex, boxed=self.boxed > 0)

    def block_html(self, token, state):
        # inline tags it left open (`<a href=..>` alone) close here: \href cannot hold a \par
        return self.html.translate(token["raw"]) + self.html.close_above(self.html.floor) + "\n\n"

    def block_error(self, token, state):
        return escape(token.get("raw", "")) + "\n\n"

    # -- tables -------------------------------------------------------------
    def table(self, token, state):
        self.boxed += 1
        rows = tables.collect_rows(token, lambda cell: self.children(cell, state).strip())
        self.boxed -= 1
        return tables.render_table(rows, in_box=self.boxed > 0) + "\n"

    # -- inline -------------------------------------------------------------
    def text(self, token, state):
        raw = html.unescape(token["raw"])
        if not raw.isascii() and fonts.uncovered(raw):
            codes = ", ".join(f"U+{ord(c):04X}" for c in sorted(fonts.uncovered(raw)))
            self.warn(f"no font has {codes}; printed as its code")
        mark = r"\sout" if self.strike else self.html.mark()
        text = escape(raw, self.html.role())
        return f"{mark}{{{text}}}" if mark and raw.strip() else text

    def citation(self, token, state):
        """Citation tokens come from the citations plugin, which also renders them."""
        return self.citations.render_citation(token, self)

    def emphasis(self, token, state):
        return f"\\emph{{{self.children(token, state)}}}"

    def strong(self, token, state):
        return f"\\textbf{{{self.children(token, state)}}}"

    def strikethrough(self, token, state):
        # each text piece gets its own \sout (see text()): ulem breaks on links and notes inside it
        self.strike += 1
        try:
            return self.children(token, state)
        finally:
            self.strike -= 1

    def codespan(self, token, state):
        return code.inline_code(token["raw"])

    def linebreak(self, token, state):
        return "\\dpbr{}\n"

    def softbreak(self, token, state):
        return "\n"

    def inline_html(self, token, state):
        # no blank line (a \par) in inline text: it may be inside \emph{..} (`*a <hr> b*`)
        return re.sub(r"\n[ \t]*\n\s*", "\n", self.html.translate(token["raw"]))

    def inline_math(self, token, state):
        tex = displaymath.unsplit(self._checked_math(token["raw"]))
        if _MATH_ENVS.search(tex):  # `$$\begin{align}..$$` inside a paragraph: display-only envs
            tex = _as_inner_math(tex)
        # braced when it holds `&` (a matrix): \textbf{..} rescans its argument, and in a table
        # an `&` outside braces there ends the cell ("Forbidden control sequence")
        return f"{{\\({tex}\\)}}" if "&" in tex else f"\\({tex}\\)"

    def link(self, token, state):
        url = token["attrs"]["url"]
        text = self.children(token, state)
        if url.startswith("#"):
            slug = _slugify(url[1:])
            return f"\\hyperref[sec:{slug}]{{{text}}}" if slug in self.slugs.values() else text
        target = self._absolute_url(url)
        if target is None:
            return text
        return f"\\href{{{escape_url(target)}}}{{{text}}}"

    def image(self, token, state):
        src = token["attrs"]["url"]
        return self._inline_graphic(src)

    def footnote_ref(self, token, state):
        index = token["attrs"]["index"]
        if index in self.notes_rendering:
            return ""
        self.notes_rendering.add(index)
        self.in_note += 1
        body = self.render_tokens(self.document.footnotes.get(index, []), state).strip()
        self.in_note -= 1
        self.notes_rendering.discard(index)
        if self.in_title:  # a heading or caption is a moving argument: the note's text, in brackets
            text = " ".join(" ".join(_plain(t) for t in self.document.footnotes.get(index, [])).split())
            return f" ({escape(text)})" if text else ""
        body = re.sub(r"\n{2,}", r"\\endgraf ", body)  # \par, but allowed where `**a[^1]**` puts it
        # \footnote in boxes (tables, alerts, <sup>..</sup>): a margin note cannot start in one
        return f"\\footnote{{{body}}}" if self.boxed or self.html.inline_stack else f"\\dpnote{{{body}}}"

    # -- figures and images -------------------------------------------------
    def figure(self, image_token) -> str:
        src = image_token["attrs"]["url"]
        self.in_title += 1
        caption = _protected(self.children(image_token).strip())
        self.in_title -= 1
        prepared = self._prepare(src)
        graphic = (self._placeholder_for(src) if prepared is None
                   else f"\\dpgraphic{{{_width(prepared)}}}{{{self._include_name(prepared)}}}")
        if self.in_note or self.boxed:
            return self._figure_in_place(graphic, caption) + "\n\n"
        cap = f"\\caption{{{caption}}}\n" if caption else ""
        return f"\\begin{{figure}}[!htbp]\n\\centering\n{graphic}\n{cap}\\end{{figure}}\n\n"

    def _figure_in_place(self, graphic: str, caption: str) -> str:
        """A figure in a note or a box (alert, details, table) cannot float: set it where it is."""
        if self.in_note:  # \endgraf: the note may sit in a \textbf{..}
            return f"\\endgraf{{\\centering {graphic}\\endgraf}}{caption}\\endgraf "
        cap = f"\\captionof{{figure}}{{{caption}}}\n" if caption else ""
        return f"\n\\par\\medskip{{\\centering\n{graphic}\\par\n{cap}}}\\medskip\n"

    def html_figure(self, attrs: dict | None, caption: str) -> str:
        if not attrs:
            return f"\\endgraf {caption}\\endgraf "
        src = attrs.get("src", "")
        prepared = self._prepare(src)
        graphic = (self._placeholder_for(src) if prepared is None
                   else f"\\dpgraphic{{{_width(prepared)}}}{{{self._include_name(prepared)}}}")
        cap = caption or escape(attrs.get("alt", ""))
        if self.in_note or self.boxed:
            return self._figure_in_place(graphic, cap)
        cap = f"\\caption{{{cap}}}\n" if cap else ""
        return f"\n\\begin{{figure}}[!htbp]\n\\centering\n{graphic}\n{cap}\\end{{figure}}\n"

    def html_image(self, attrs: dict) -> str:
        return self._inline_graphic(attrs.get("src", ""))

    def _inline_graphic(self, src: str) -> str:
        """Icons and badges sit in the line; anything larger gets a line of its own."""
        prepared = self._prepare(src)
        if prepared is None:
            return self._placeholder_for(src)
        name = self._include_name(prepared)
        if prepared.width_px and prepared.width_px <= 200:
            return f"\\dpinlineimage{{{name}}}"
        return f"\\dpblockimage{{{_width(prepared)}}}{{{name}}}"

    def embed(self, tag: str, src: str, attrs: dict | None = None) -> str:
        """An <iframe>, <video> ...: printed when a browser can draw it, else a framed note."""
        return interactive.embed(self, tag, src, attrs or {})

    def _prepare(self, src: str):
        if not src:
            self._problem = "no image source given"
            self.warn("image with no source")
            return None
        if self.prepare_image is None:
            self._problem = "images disabled"
            return None
        prepared = self.prepare_image(src)
        if prepared.path is None:
            self._problem = prepared.problem or "not found"
            self.warn(f"image {src}: {self._problem}")
            return None
        return prepared

    def _placeholder_for(self, src: str) -> str:
        reason = getattr(self, "_problem", "not found")
        shown = "" if src and src in reason else escape(src, "mono") or "--"  # the reason may name it
        return f"\\dpplaceholder{{{shown}}}{{{escape(reason)}}}"

    def _include_name(self, prepared) -> str:
        source = Path(prepared.path)
        figure = self.figures.get(source)
        if figure is None:
            figure = Figure(f"figures/img{len(self.figures) + 1}{source.suffix.lower()}", source)
            self.figures[source] = figure
        return figure.name

    def _lone_image(self, token):
        kids = [c for c in token.get("children", []) if not (c["type"] == "text" and not c["raw"].strip())
                and c["type"] != "softbreak"]
        if len(kids) != 1:
            return None
        only = kids[0]
        if only["type"] == "link" and len(only.get("children", [])) == 1:
            only = only["children"][0]
        return only if only["type"] == "image" else None

    # -- tokens of the Markdown dialects (distill_pdf/dialects) ---------------
    def sidenote(self, token, state):
        """An inline footnote (Distill's ``<d-footnote>``): a margin note, like ``[^n]``."""
        self.in_note += 1
        body = self.children(token, state).strip()
        self.in_note -= 1
        body = re.sub(r"\n{2,}", r"\\par ", body)
        if self.in_note:
            return f" ({body})"
        return f"\\footnote{{{body}}}" if self.boxed else f"\\dpnote{{{body}}}"

    def math_environment(self, token, state):
        """Display math as MathJax numbers it: ``equation``/``align`` and ``\\label`` are numbered."""
        tex = _numbered_display(self._checked_math(token["raw"], display=True))
        tex = displaymath.numbered(tex, _as_inner_math(tex), boxed=self.boxed > 0)
        return f"\n{tex}\n" if token.get("inline") else f"{tex}\n\n"

    def figure_group(self, token, state):
        """Images in rows (``attrs.rows``: lists of sources) with one caption (the children)."""
        attrs = token["attrs"]
        rows = [row for row in attrs.get("rows", []) if row]
        self.boxed += 1  # notes in a caption become footnotes
        caption = self.children(token, state).strip() if token.get("children") else ""
        self.boxed -= 1
        height = min(0.45, 0.8 / max(len(rows), 1))
        lines = []
        for row in rows:
            if len(row) == 1:
                prepared = self._prepare(row[0])
                lines.append(self._placeholder_for(row[0]) if prepared is None else
                             f"\\includegraphics[width={_width(prepared)}\\linewidth,height={height:.2f}\\textheight,"
                             f"keepaspectratio]{{{self._include_name(prepared)}}}")
                continue
            cells = []
            for src in row:
                prepared = self._prepare(src)
                inner = (self._placeholder_for(src) if prepared is None else
                         f"\\includegraphics[width=\\linewidth,height={height:.2f}\\textheight,keepaspectratio]"
                         f"{{{self._include_name(prepared)}}}")
                cells.append(f"\\begin{{minipage}}[b]{{{0.98 / len(row):.3f}\\linewidth}}\\centering\n{inner}\n\\end{{minipage}}")
            lines.append("\\hfill\n".join(cells))
        graphics = "\\par\\medskip\n".join(lines)
        if self.in_note:
            return f"\\par{{\\centering {graphics}\\par}}{caption}\\par "
        star = "" if attrs.get("numbered", True) else "*"
        floating = not self.boxed
        if floating:
            cap = f"\\caption{star}{{{caption}}}\n" if caption else ""
            return f"\n\\begin{{figure}}[!htbp]\n\\centering\n{graphics}\n{cap}\\end{{figure}}\n"
        cap = f"\\captionof{star}{{figure}}{{{caption}}}\n" if caption else ""
        return f"\n\\par\\medskip{{\\centering\n{graphics}\\par\n{cap}}}\\medskip\n"

    # -- tokens of the syntax plugins (distill_pdf/syntax) ---------------------
    def diagram(self, token, state):
        """A diagram the blog draws with JavaScript (Mermaid, Chart.js, ...): see writer/interactive.py."""
        return interactive.diagram(self, token, state)

    def dropped(self, token, state):
        """Markup with no print form (a Hugo shortcode, a directive with nothing to show)."""
        self.warn(token["attrs"]["message"])
        return ""

    # -- helpers ------------------------------------------------------------
    def _checked_math(self, tex: str, display: bool = False) -> str:
        try:
            check_math(tex)
        except MathError as exc:
            raise self.fail(str(exc), self._line_of(tex)) from None
        tex = katex_compatible(translate(tex, display))
        return tex + "\n" if "%" in tex.replace(r"\%", "") else tex

    def _line_of(self, snippet: str) -> int:
        """The exact file line of a snippet at or after the current block's line."""
        body_lines = self.post.body.split("\n")
        start = max(self.line - self.post.body_line, 0)
        first = snippet.strip().split("\n")[0][:40]
        for offset, text in enumerate(body_lines[start:], start=start):
            if first and first in text:
                return self.post.body_line + offset
        return self.line

    def _absolute_url(self, url: str) -> str | None:
        if re.match(r"^(https?|mailto|ftp):", url, re.I):
            return url
        if self.site_url and not re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
            from urllib.parse import urljoin
            return urljoin(self.site_url, url.lstrip("/") if url.startswith("/") else url)
        return None

    def _collect_slugs(self, tokens) -> None:
        seen: dict[str, int] = {}
        for token in _walk(tokens):
            if token["type"] == "heading":
                base = _slugify((token.get("attrs") or {}).get("id") or _plain(token)) or "section"
                count = seen.get(base, 0)
                seen[base] = count + 1
                self.slugs[id(token)] = base if count == 0 else f"{base}-{count}"


_FRAGILE = re.compile(r"(?<!\\protect)(?=\\(?:dp[A-Za-z]+|sout|uline)(?![A-Za-z]))")


def _protected(latex: str) -> str:
    """A heading is a moving argument (marks, the table of contents): our macros and ulem's
    must not expand there (\\dphr would put a \\par in \\markright's argument)."""
    return _FRAGILE.sub(r"\\protect", latex)


def _runin_closed(latex: str) -> str:
    """A run-in heading (\\paragraph) right after \\item (list items, quotes: dpquote is a list) is
    a LaTeX error ("perhaps a missing \\item"): start the item's paragraph first. Comes back stripped."""
    tail = latex.strip()
    return "\\leavevmode" + tail if tail.startswith(("\\paragraph{", "\\subparagraph{")) else tail


def _walk(tokens):
    for token in tokens:
        yield token
        if token.get("children") and token["type"] not in ("paragraph", "heading"):
            yield from _walk(token["children"])


def _plain(token) -> str:
    """The visible text of an inline tree (for slugs, bookmarks, table widths)."""
    if "raw" in token and token["type"] not in ("block_code",):
        return token["raw"]
    return "".join(_plain(c) for c in token.get("children", []))


def _slugify(text: str) -> str:
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return re.sub(r"[^a-z0-9-]", "", re.sub(r"\s", "-", text))


def _top_heading_level(tokens) -> int:
    levels = [t["attrs"]["level"] for t in _walk(tokens) if t["type"] == "heading"]
    if levels.count(1) == 1 and len(levels) > 1 and levels[0] == 1:
        levels = levels[1:]  # a lone leading H1 is the post's own title
    return min(levels) if levels else 2


def _drop_title_heading(tokens, title: str):
    """Posts often repeat their title as a first `# Title`; the title block already shows it."""
    for i, token in enumerate(tokens):
        if token["type"] == "blank_line":
            continue
        if (token["type"] == "heading" and token["attrs"]["level"] == 1
                and " ".join(_plain(token).split()).lower() == " ".join(title.split()).lower()):
            return tokens[:i] + tokens[i + 1:]
        return tokens
    return tokens


PX_PER_COLUMN = 1100   # a raster this wide (or wider) spans the text column
PT_PER_COLUMN = 342.0  # the distill column, 4.75in: vector art keeps its natural size up to it


def _width(prepared) -> str:
    """Small images stay small; large ones span the column."""
    if prepared.width_px:
        return f"{min(1.0, max(0.2, prepared.width_px / PX_PER_COLUMN)):.2f}"
    points = _pdf_width_pt(Path(prepared.path))
    return f"{min(1.0, max(0.2, points / PT_PER_COLUMN)):.2f}" if points else "1"


def _pdf_width_pt(path: Path) -> float | None:
    from pypdf import PdfReader
    try:
        return float(PdfReader(path).pages[0].mediabox.width)
    except Exception:  # an unreadable PDF still gets included at column width
        return None


def _as_inner_math(tex: str) -> str:
    """KaTeX allows `align` inside `$$`; LaTeX wants `aligned` inside \\[ \\]."""
    def swap(m):
        inner = _MATH_ENV_REPLACEMENT[m.group(2)]
        if inner is None:
            return ""
        if m.group(2) == "eqnarray":
            return f"\\{m.group(1)}{{{inner}}}"
        return f"\\{m.group(1)}{{{inner}}}"
    return _NUMBERING.sub("", _MATH_ENVS.sub(swap, tex))


_DISPLAY_ENV = re.compile(r"\\begin\{(equation|align|gather|multline|flalign|alignat|eqnarray)(\*?)\}.*?"
                          r"\\end\{\1\2\}", re.S)


def _numbered_display(tex: str) -> str:
    """Display math for the dialects whose pages number equations (MathJax ``tags: 'ams'``):
    math that is only environments stays those environments, labels and all; a lone
    ``\\label`` numbers its formula; anything else is ``\\[..\\]``."""
    stripped = tex.strip()
    if _DISPLAY_ENV.search(stripped) and not _DISPLAY_ENV.sub("", stripped).strip():
        return stripped
    if not _MATH_ENVS.search(stripped):
        labels = re.findall(r"\\label\{[^{}]*\}", stripped)
        if labels:
            for extra in labels[1:]:
                stripped = stripped.replace(extra, "", 1) if stripped.count(extra) else stripped
            return f"\\begin{{equation}}\n{stripped}\n\\end{{equation}}"
        return f"\\[\n{stripped}\n\\]"
    return f"\\[\n{_as_inner_math(stripped)}\n\\]"


def render_body(post: Post, document: Document, diagnostics: Diagnostics, **options) -> RenderedBody:
    return LatexRenderer(post, document, diagnostics, **options).render_document()


__all__ = ["render_body", "RenderedBody", "Figure", "LatexRenderer", "plain_text"]
