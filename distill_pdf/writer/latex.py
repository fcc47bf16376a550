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
from .graphics import Figure, GraphicsWriter
from .html import HtmlTranslator
from .mathcheck import MathError, check_math, katex_compatible
from .mathjax import translate
from .text import escape, escape_pdf_string, escape_url, plain_text, protected, slugify

SECTIONS = ("section", "subsection", "subsubsection", "paragraph", "subparagraph")
MAX_LIST_DEPTH = 8
# a fence's file name (Docusaurus, MkDocs, Expressive Code, rehype-pretty-code `title="x.py"`,
# Quarto `filename="x.py"`), printed above the code
_CODE_TITLE = re.compile(r"""\b(title|filename)=(?:"([^"]*)"|'([^']*)')""")



@dataclass
class RenderedBody:
    latex: str
    line_map: list[tuple[int, int]]  # (line in body, Markdown line), ascending
    figures: list[Figure] = field(default_factory=list)


ImagePreparer = Callable[[str], Any]  # src -> images.PreparedImage


class LatexRenderer(GraphicsWriter, BaseRenderer):
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
        title = protected(self.children(token, state).strip())
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
            heading = protected(self.children(children[0], state).strip())
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

    def def_list(self, token, state):
        """Definition lists: ``Term`` then ``: definition`` lines."""
        return f"\\begin{{description}}\n{self.render_tokens(token['children'], state)}\\end{{description}}\n\n"

    def def_list_head(self, token, state):
        return f"\\item[{{{self.children(token, state).strip()}}}] \\leavevmode\\par\n"

    def def_list_item(self, token, state):
        return self.render_tokens(token["children"], state).strip() + "\\par\n"

    def block_code(self, token, state):
        info = (token.get("attrs") or {}).get("info")
        if self.in_note or self.boxed > 1:
            lines = token["raw"].rstrip("\n").split("\n")
            return r"\\".join(code.inline_code(line) for line in lines) + "\n\n"
        title = _CODE_TITLE.search(info or "")
        name = (title.group(2) or title.group(3) or "").strip() if title else ""
        head = f"\\par\\dpdetailstitle{{{code.inline_code(name)}}}\\nopagebreak\n" if name else ""
        return head + code.highlight_block(token["raw"], info) + "\n"

    def block_math(self, token, state):
        tex = self._checked_math(token["raw"], display=True)
        if displaymath.MATH_ENVS.search(tex):
            tex = re.sub(r"\n[ \t]*(?=\n)", "", displaymath.as_inner_math(tex))
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
        caption = next((c for c in token["children"] if c["type"] == "table_caption"), None)
        if caption is not None:  # pandoc's table captions (syntax/pandoc.py)
            self.in_title += 1
            caption = protected(self.children(caption, state).strip())
            self.in_title -= 1
        return tables.render_table(rows, in_box=self.boxed > 0, caption=caption or "") + "\n"

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

    def mark(self, token, state):
        return f"\\dpmark{{{self.children(token, state)}}}"

    def abbr(self, token, state):
        """An abbreviation (``*[HTML]: ..`` defines it) prints as written; its definition is for hover."""
        return self.children(token, state)

    def codespan(self, token, state):
        return code.inline_code(token["raw"])

    def linebreak(self, token, state):
        return "\\dpbr{}\n"

    def softbreak(self, token, state):
        return "\n"

    def raw_latex(self, token, state):
        """pandoc's raw LaTeX (``{=latex}``), checked as math is: no file access, balanced."""
        try:
            check_math(token["raw"])
        except MathError as exc:
            raise self.fail(str(exc).replace("in math", "in raw LaTeX"), self._line_of(token["raw"])) from None
        return token["raw"] + ("\n\n" if token.get("block") else "")

    def inline_html(self, token, state):
        # no blank line (a \par) in inline text: it may be inside \emph{..} (`*a <hr> b*`)
        return re.sub(r"\n[ \t]*\n\s*", "\n", self.html.translate(token["raw"]))

    def inline_math(self, token, state):
        tex = displaymath.unsplit(self._checked_math(token["raw"]))
        if displaymath.MATH_ENVS.search(tex):  # `$$\begin{align}..$$` inside a paragraph: display-only envs
            tex = displaymath.as_inner_math(tex)
        # braced when it holds `&` (a matrix): \textbf{..} rescans its argument, and in a table
        # an `&` outside braces there ends the cell ("Forbidden control sequence")
        return f"{{\\({tex}\\)}}" if "&" in tex else f"\\({tex}\\)"

    def link(self, token, state):
        url = token["attrs"]["url"]
        text = self.children(token, state)
        if url.startswith("#"):
            slug = slugify(url[1:])
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

    def embed(self, tag: str, src: str, attrs: dict | None = None, caption: str = "", numbered: bool = True) -> str:
        """An <iframe>, <video> ...: printed when a browser can draw it, else a framed note;
        ``caption`` (LaTeX) is the author's (a ``<figcaption>``, al-folio's caption under it)."""
        return interactive.embed(self, tag, src, attrs or {}, caption, numbered)

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
        tex = displaymath.numbered_display(self._checked_math(token["raw"], display=True))
        tex = displaymath.numbered(tex, boxed=self.boxed > 0)
        return f"\n{tex}\n" if token.get("inline") else f"{tex}\n\n"

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
                base = slugify((token.get("attrs") or {}).get("id") or _plain(token)) or "section"
                count = seen.get(base, 0)
                seen[base] = count + 1
                self.slugs[id(token)] = base if count == 0 else f"{base}-{count}"


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


def render_body(post: Post, document: Document, diagnostics: Diagnostics, **options) -> RenderedBody:
    return LatexRenderer(post, document, diagnostics, **options).render_document()


__all__ = ["render_body", "RenderedBody", "Figure", "LatexRenderer", "plain_text"]
