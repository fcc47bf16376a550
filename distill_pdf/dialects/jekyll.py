"""The Jekyll/al-folio dialect: Distill posts as the ICLR blog-post track writes them.

:class:`JekyllDialect` turns such a post into the Markdown our parser reads and
gives the parser a plugin for what remains:

* ``prepare``: front matter (``bibliography:`` under ``assets/bibliography/``,
  HTML in author fields), then the Liquid pass (:mod:`.liquid`) and kramdown's
  raw-HTML rules (:mod:`.kramdown`) over the body, line numbers unchanged;
* ``plugins``: the mistune plugin for the markers that pass leaves, plus
  ``<d-footnote>``, ``\\(..\\)``, bare ``\\begin{equation}``, ``\\eqref`` in text;
  after parsing it moves ``\\newcommand``/``\\def``/``\\DeclareMathOperator``/
  ``\\definecolor`` out of the math into the preamble (MathJax keeps them for the
  whole page, and so must we);
* ``preamble_latex()``: those definitions; ``html_translator``: raw HTML as
  al-folio styles it (note boxes, captions, ``<details>``).

``<d-cite>`` stays with the citations plugin; :func:`bibliography_paths` tells it
where al-folio keeps a post's ``.bib``.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from .. import codeguard
from ..errors import DistillError, Diagnostics
from ..load import Post
from ..syntax import inline_tokens
from ..syntax.math import INLINE_MATH, MATH_ENVS, parse_backslash_block, parse_inline_math
from ..site import JEKYLL_POST_FOLDERS
from . import htmlprep, kramdown, liquid, texmacros
from .kramdown import DISPLAY_CLOSE, DISPLAY_OPEN, END, GROUP, GROUP_END, HIDDEN, RAW, TABLE, TAG, VERBATIM

NAME = "jekyll"

_REGION = (r"^[ \t]*(?P<jkx_kind>[" + RAW + HIDDEN + TABLE + TAG + VERBATIM + r"])(?P<jkx_body>[\s\S]*?)" + END
           + r"[^\n]*(?:\n|$)")
_GROUP_BLOCK = r"^[ \t]*" + GROUP + r"(?P<jkx_gidx>\d+)" + GROUP_END + r"[ \t]*(?:\n|$)"
_ENVS = "|".join(MATH_ENVS)
_GROUP_INLINE = GROUP + r"(?P<jkx_group_i>\d+)" + GROUP_END
_DISPLAY_INLINE = DISPLAY_OPEN + r"(?P<jkx_display>[\s\S]*?)" + DISPLAY_CLOSE
_PAREN_MATH = r"\\?\\\((?P<jkx_paren>(?:[^\n\\]|\\(?!\\?\))|\n(?![ \t]*\n))+?)\\?\\\)"
_FOOTNOTE = r"<d-footnote\s*>(?P<jkx_note>[\s\S]*?)</d-footnote\s*>"
_TABLE_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr\s*>", re.S | re.I)
_TABLE_CELL = re.compile(r"<(t[hd])\b([^>]*)>(.*?)</t[hd]\s*>", re.S | re.I)
_THEAD = re.compile(r"<thead\b[^>]*>(.*?)</thead\s*>", re.S | re.I)
_STRIP_TAGS = re.compile(r"<[^>]+>")
# kramdown's backslash escapes: applied to text it does not read as math (single `$`, bare environments)
_KRAMDOWN_ESCAPE = re.compile(r"\\([\\.*_+`<>()\[\]{}#!:|\"'$=-])")
_LAST_ROW_BREAK = re.compile(r"\\\\\s*(\\end\{(?:" + _ENVS + r"|aligned|gathered|split|alignedat|array|matrix|"
                             r"[pbvBV]matrix|cases)\*?\})")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


# --------------------------------------------------------------------------- choosing the dialect


def site_root(post_path: Path) -> Path | None:
    """The Jekyll site: the folder holding ``_posts/`` (and ``assets/``), else one with ``_config.yml``."""
    folder = Path(post_path).resolve().parent
    for candidate in (folder, *folder.parents):
        if candidate.name in JEKYLL_POST_FOLDERS:
            return candidate.parent
    for candidate in (folder, *folder.parents):
        if (candidate / "_config.yml").is_file() or (candidate / "assets").is_dir():
            return candidate
    return None


def bibliography_paths(meta: dict, post_path: Path) -> list[Path]:
    """al-folio's bibliography: front matter ``bibliography: 2023-05-01-x.bib`` names
    ``<site>/assets/bibliography/2023-05-01-x.bib`` (a file beside the post or a
    site-absolute ``/path`` also count). Names that exist nowhere are left out."""
    value = meta.get("bibliography")
    names = value if isinstance(value, list) else [value] if value else []
    root = site_root(post_path) or post_path.resolve().parent
    found = []
    for name in names:
        if not isinstance(name, str) or not name.strip():
            continue
        name = name.strip()
        for candidate in (root / "assets" / "bibliography" / name, root / name.lstrip("/"),
                          post_path.resolve().parent / name):
            if candidate.is_file():
                found.append(candidate.resolve())
                break
    return found


# --------------------------------------------------------------------------- the dialect


class JekyllDialect:
    name = NAME

    def __init__(self) -> None:
        self.groups: list[kramdown.FigureGroup] = []
        self.macros = texmacros.MacroSet()
        self.author_numbered = False
        self.post: Post | None = None
        self.diagnostics: Diagnostics | None = None
        self.site_root: Path | None = None
        from .jekyll_html import KramdownHtml
        self.html_translator = KramdownHtml

    # -- before parsing ------------------------------------------------------------
    def prepare(self, post: Post, diagnostics: Diagnostics) -> None:
        self.post, self.diagnostics = post, diagnostics
        self.site_root = site_root(post.path)
        self._front_matter(post)

        def warn(message: str, line: int) -> None:
            diagnostics.warn(message, post.path, post.body_line + line - 1 if line else None)

        masked = codeguard.mask(kramdown.PRIVATE.sub("", post.body), liquid=True)
        page = {k: v for k, v in post.meta.items() if isinstance(v, (str, int, float))}
        result = liquid.render(masked.text, warn, page,
                               self.site_root / "_includes" if self.site_root else None)
        marked = kramdown.process(htmlprep.prepare(result.text), result.figures, self._exists, warn)
        self.groups = marked.groups
        for group in self.groups:
            group.caption = masked.restore(group.caption)
        self.author_numbered = any(group.author_numbered for group in self.groups)
        post.body = masked.restore(marked.text)

    def _front_matter(self, post: Post) -> None:
        value = post.meta.get("bibliography")
        if value:
            found = bibliography_paths(post.meta, post.path)
            if not found:
                names = value if isinstance(value, list) else [value]
                raise DistillError(f"bibliography file not found: {', '.join(map(str, names))} "
                                   "(looked in assets/bibliography/ and beside the post)",
                                   post.path, post.meta_line("bibliography"))
            # the citations module reads `bibliography:` relative to the post; absolute paths pass as they are
            post.meta["bibliography"] = [str(path) for path in found] if len(found) > 1 else str(found[0])
        # al-folio prints title and description as HTML
        if "<" in post.title or "&" in post.title:
            post.title = _plain_html(post.title)
        if post.description and ("<" in post.description or "&" in post.description):
            post.description = _plain_html(post.description)
        for author in post.authors:
            author.name = _plain_html(author.name)
            if author.affiliation:
                author.affiliation = _plain_html(author.affiliation)

    def _exists(self, src: str) -> bool:
        if not src or re.match(r"^[a-z][a-z0-9+.-]*:|^//", src, re.I):
            return False
        base = self.site_root if src.startswith("/") and self.site_root else self.post.path.parent
        try:
            return (base / src.lstrip("/")).is_file()
        except OSError:
            return False

    # -- parsing -----------------------------------------------------------------
    @property
    def plugins(self) -> list:
        return [self.plugin]

    def plugin(self, md) -> None:
        block, inline = md.block, md.inline
        block.register("jk_region", _REGION, self._parse_region, before="fenced_code")
        block.register("jk_group", _GROUP_BLOCK, self._parse_group_block, before="fenced_code")
        # the math plugin's rules, with kramdown's escapes (undone after parsing, in text only)
        block.register("tex_environment", None, self._parse_env_block)
        block.register("backslash_math", None, self._parse_backslash_block)
        inline.register("tex_environment_inline", None, self._parse_env_inline)
        inline.register("backslash_math", None, self._parse_backslash_inline)
        block.register("setex_heading", None, _setext_heading)
        block.register("raw_html", None, _html_block)
        for rules in (block.block_quote_rules, block.list_rules):
            for name in ("jk_region", "jk_group"):
                block.insert_rule(rules, name, before=rules[0] if rules else None)
        for name, pattern, func, chars in (
                ("jk_footnote", _FOOTNOTE, self._parse_footnote, "<"),
                ("jk_group_inline", _GROUP_INLINE, self._parse_group_inline, GROUP),
                ("jk_display", _DISPLAY_INLINE, self._parse_display, DISPLAY_OPEN),
                ("jk_paren_math", _PAREN_MATH, self._parse_paren_math, "\\")):
            inline.register(name, pattern, func, before="escape", start_chars=chars)
        inline.register("inline_math", INLINE_MATH, self._parse_inline_math)
        md.after_render_hooks.append(self._after_parse)

    # block rules
    def _parse_region(self, block, m, state):
        kind, body = m.group("jkx_kind"), m.group("jkx_body")
        if kind == TABLE:
            state.append_token(self._table(body))
        elif kind == VERBATIM:
            state.append_token({"type": "block_html", "raw": body})
        elif kind == TAG:
            state.append_token({"type": "paragraph", "text": body, "jekyll": "tag"})
        else:
            text = re.sub(r"\n[ \t]*(?=\n)", "", body)  # raw HTML has no paragraphs of its own
            token = {"type": "paragraph", "text": text, "jekyll": "html"}
            if kind == HIDDEN:
                token["hidden"] = True
            state.append_token(token)
        return m.end()

    def _parse_group_block(self, block, m, state):
        state.append_token(self._group_token(int(m.group("jkx_gidx"))))
        return m.end()

    def _parse_env_block(self, block, m, state):
        env, star = m.group("math_env"), m.group("math_env_star")
        end = re.compile(r"\\end\{" + env + re.escape(star) + r"\}[^\n]*(?:\n|$)").search(state.src, m.end())
        if end is None:
            return None
        raw = state.src[m.start():end.end()].strip()
        state.append_token({"type": "block_math", "raw": raw, "kramdown": True})
        return end.end()

    # inline rules
    def _parse_footnote(self, inline, m, state):
        state.append_token({"type": "sidenote", "children": inline_tokens(inline, state, m.group("jkx_note").strip())})
        return m.end()

    def _parse_group_inline(self, inline, m, state):
        token = self._group_token(int(m.group("jkx_group_i")))
        token["children"] = inline_tokens(inline, state, token.pop("text"))
        state.append_token(token)
        return m.end()

    def _parse_display(self, inline, m, state):
        state.append_token({"type": "block_math", "raw": m.group("jkx_display").strip(), "inline": True})
        return m.end()

    def _parse_env_inline(self, inline, m, state):
        state.append_token({"type": "block_math", "raw": m.group(0), "inline": True, "kramdown": True})
        return m.end()

    def _parse_backslash_block(self, block, m, state):
        end = parse_backslash_block(block, m, state, escapes=False)
        if end:
            state.tokens[-1]["kramdown"] = True
        return end

    def _parse_backslash_inline(self, inline, m, state):
        """kramdown makes `\\\\(`/`\\\\[` the `\\(`/`\\[` MathJax reads."""
        if m.group("math_bs_paren") is not None:
            state.append_token({"type": "inline_math", "raw": m.group("math_bs_paren"), "kramdown": True})
        else:
            state.append_token({"type": "block_math", "raw": m.group("math_bs_bracket").strip(),
                                "inline": True, "kramdown": True})
        return m.end()

    def _parse_paren_math(self, inline, m, state):
        # `\\(` is how Markdown text hands MathJax a `\(` through kramdown's escapes
        state.append_token({"type": "inline_math", "raw": m.group("jkx_paren"),
                            "kramdown": m.group(0).startswith("\\\\")})
        return m.end()

    def _parse_inline_math(self, inline, m, state):
        end = parse_inline_math(inline, m, state)
        if m.group("math_double") is None:  # `$..$` is text to kramdown, so its escapes apply
            state.tokens[-1]["kramdown"] = True
        return end

    # tokens
    def _group_token(self, index: int) -> dict[str, Any]:
        group = self.groups[index]
        label = f'<dp-label target="{html.escape(group.id)}"/>' if group.id and group.caption else ""
        return {"type": "figure_group", "text": group.caption + label, "jekyll": "figure",
                "attrs": {"rows": group.rows, "alt": group.alt, "embed": group.embed,
                          "numbered": not self.author_numbered}}

    def _table(self, body: str) -> dict[str, Any]:
        """An HTML table as the GFM table tokens the renderer already typesets."""
        head_html = _THEAD.search(body)
        rows = []
        for row in _TABLE_ROW.finditer(body):
            in_head = bool(head_html and head_html.start() <= row.start() < head_html.end())
            cells = []
            all_th = True
            for cell in _TABLE_CELL.finditer(row.group(1)):
                attrs = kramdown.attributes("<x " + cell.group(2) + ">")
                all_th &= cell.group(1).lower() == "th"
                text = re.sub(r"\s*\n\s*", " ", cell.group(3)).strip()
                text = _DOLLAR_PAIRS.sub(lambda d: "$" + d.group(1) + "$", text)
                align = _align(attrs)
                # "raw" is what the table layout measures (tables.collect_rows): the visible text
                cells.append({"type": "table_cell", "text": text, "raw": _visible(text),
                              "attrs": {"align": align, "head": False}})
                span = attrs.get("colspan", "1")
                for _ in range(min(int(span) if span.isdigit() else 1, 20) - 1):
                    cells.append({"type": "table_cell", "text": "", "raw": "",
                                  "attrs": {"align": align, "head": False}})
            if cells:
                rows.append((in_head or all_th, cells))
        head = [cells for is_head, cells in rows if is_head][:1]
        body_rows = [cells for is_head, cells in rows if not is_head or cells is not (head[0] if head else None)]
        children = []
        if head:
            for cell in head[0]:
                cell["attrs"]["head"] = True
            children.append({"type": "table_head", "children": head[0]})
        else:
            first = body_rows.pop(0) if body_rows else []
            for cell in first:
                cell["attrs"]["head"] = True
            children.append({"type": "table_head", "children": first})
        children.append({"type": "table_body", "children": [{"type": "table_row", "children": cells}
                                                             for cells in body_rows]})
        return {"type": "table", "children": children, "jekyll": "table"}

    # -- after parsing -------------------------------------------------------------
    def _after_parse(self, md, result, state):
        line = self.post.body_line if self.post else None
        self._walk(result, line)
        return [token for token in result if not token.get("hidden")]

    def _walk(self, tokens: list, line: int | None, in_html: bool = False) -> None:
        """Math as MathJax got it: kramdown's escapes undone where kramdown read it as text,
        HTML entities decoded, definitions moved to the preamble."""
        keep = []
        for token in tokens:
            line = token.get("line") or line
            kind = token["type"]
            if kind in ("inline_math", "block_math"):
                raw = token["raw"]
                if token.pop("kramdown", False) and not in_html:
                    raw = _KRAMDOWN_ESCAPE.sub(r"\1", raw)
                raw = _ENTITY.sub(lambda e: html.unescape(e.group(0)), raw)
                raw = texmacros.brace_scripts(self.macros.extract(raw, lambda message: self._warn(message, line)))
                if not raw.strip():
                    continue
                if kind == "block_math":
                    token["type"] = "math_environment"
                    raw = _LAST_ROW_BREAK.sub(r"\1", raw)  # MathJax drops a trailing empty row
                token["raw"] = raw
            if kind == "paragraph" and not token.get("jekyll"):
                image = _lone_image(token)
                if image is not None:  # kramdown prints `![alt](src)` as an image, the alt unseen
                    token = {"type": "figure_group", "children": [], "jekyll": "figure", "line": token.get("line"),
                             "attrs": {"rows": [[image["attrs"]["url"]]], "alt": "", "numbered": True}}
            if token.get("children"):
                self._walk(token["children"], line, in_html or bool(token.get("jekyll")))
            keep.append(token)
        tokens[:] = keep

    def _warn(self, message: str, line: int | None) -> None:
        if self.diagnostics is not None and self.post is not None:
            self.diagnostics.warn(message, self.post.path, line)

    # -- after rendering -----------------------------------------------------------
    def preamble_latex(self) -> str:
        return self.macros.latex(lambda message: self._warn(message, None))


def _html_block(block, m, state):
    """A CommonMark HTML block (a line opening with ``<img>``) runs to a blank line; kramdown's
    ends where a block element starts. The scan marked those, and figures: the block stops at
    the first line holding a marker, which the region and figure rules then read (taken
    whole, its markers would print)."""
    end = block.parse_raw_html(m, state)
    token = state.last_token()
    if not end or not token or token["type"] != "block_html" or not state.src.startswith(token["raw"], state.cursor):
        return end
    cut = _MARKED_LINE.search(token["raw"], 1)
    if cut is None:
        return end
    token["raw"] = token["raw"][:cut.start()]
    return state.cursor + cut.start()


_MARKED_LINE = re.compile(r"^[^\n]*?[" + RAW + HIDDEN + TABLE + TAG + VERBATIM + GROUP + r"]", re.M)


def _setext_heading(block, m, state):
    """kramdown's setext heading underlines text only: ``---`` under raw HTML (``</ol>``) is a rule."""
    last = state.last_token()
    if not (last and last["type"] == "paragraph" and last.get("jekyll")):
        return block.parse_setex_heading(m, state)
    rule = block.compile_sc(["thematic_break"]).match(state.src, state.cursor)
    return block.parse_method(rule, state) if rule else None


_DOLLAR_PAIRS = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$", re.S)


_MATH_SPAN = re.compile(r"\$\$?(.+?)\$\$?|\\?\\\((.+?)\\?\\\)", re.S)


def _visible(text: str) -> str:
    """Roughly what a cell shows, for column widths: a citation is a name and a year,
    math is its symbols without the commands that typeset them."""
    text = re.sub(r"<d-cite\b[^>]*>\s*</d-cite>", "(Author et al., 2020)", text)
    text = _MATH_SPAN.sub(lambda m: _math_width(m.group(1) or m.group(2) or ""), text)
    return " ".join(html.unescape(_STRIP_TAGS.sub(" ", text)).split())


_OPERATOR_NAMES = re.compile(r"\\(log|ln|exp|sin|cos|tan|max|min|sup|inf|lim|det|dim|arg|deg|Pr)(?![A-Za-z])")


def _math_width(tex: str) -> str:
    """Placeholder text about as wide as the formula: operator names count, other commands
    and braces do not, and math set in a cell is wider than its letters."""
    tex = _OPERATOR_NAMES.sub(lambda m: m.group(1), tex)
    letters = re.sub(r"\\[A-Za-z]+|[{}^_\s]", "", tex) or "x"
    return "x" * (len(letters) * 3 // 2)


def _lone_image(token) -> dict | None:
    kids = [c for c in token.get("children", []) if c["type"] not in ("softbreak", "linebreak")
            and not (c["type"] == "text" and not c["raw"].strip())]
    if len(kids) == 1 and kids[0]["type"] == "image":
        return kids[0]
    return None


def _align(attrs: dict[str, str]) -> str | None:
    style = attrs.get("style", "") + " " + attrs.get("align", "")
    m = re.search(r"(?:text-align\s*:\s*)?\b(left|center|right)\b", style)
    return m.group(1) if m else None


def _plain_html(text: str) -> str:
    return " ".join(html.unescape(_STRIP_TAGS.sub("", text)).split())
