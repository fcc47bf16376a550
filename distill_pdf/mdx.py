"""MDX -> plain Markdown, before parsing: nothing of the JavaScript may reach the page as raw code.

Applied to ``.mdx`` files and to Markdown files that carry ``import``/``export``
lines. Line numbers are kept wherever possible (removed lines become blank), so
later errors still point at the right line of the file.

- ``import``/``export`` statements are removed (a statement runs to a blank line).
- ``{/* comments */}`` are removed; ``{"literal"}`` becomes its text; any other
  ``{expression}`` is dropped with a warning.
- Self-closing components (``<Linkroll links={links} />``), and ``<iframe>``,
  ``<video>``, ``<audio>``, ``<embed>``, ``<object>``, ``<canvas>`` become a
  framed note, "Interactive content (Name): see the online version", linking to
  the post's URL when known (``\\dpinteractive`` of the template); one warning each.
- Components with children keep their Markdown: callouts (``<Callout type="warning">``,
  ``<Aside>``, ``<Note>``...) become GitHub alerts, others (``<Tabs>``,
  ``<Fragment>``, ``<>``) are unwrapped, a ``title``/``label`` shown in bold.
- Image components (``<Image src={hero} alt="..." />``, ``<img src={hero} />``)
  become Markdown images when ``src`` is a string or an imported image.
- Code (fenced blocks, inline code), math and HTML comments are left untouched.

The note itself is LaTeX, which Markdown cannot carry: :func:`strip` leaves a
plain-word marker in the Markdown and :meth:`MdxResult.expand` turns each marker
into ``\\dpinteractive`` once the body is LaTeX.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from . import mdxdata
from .errors import Diagnostics
from .jsx import (Expr, Tag, js_balanced, js_group_end, js_statement_continues, js_statement_done,
                  js_string_literal, parse_tag)
from .load import Post
from .syntax import markdown_image

MDX_SUFFIXES = (".mdx",)
EMBED_TAGS = {"iframe", "video", "audio", "embed", "object", "canvas"}
IMAGE_COMPONENTS = {"image", "picture", "img", "figure"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".tif", ".tiff", ".bmp")
ADMONITIONS = {"callout": "note", "aside": "note", "admonition": "note", "note": "note", "info": "note",
               "tip": "tip", "hint": "tip", "success": "tip", "check": "tip",
               "important": "important", "warning": "warning", "warn": "warning", "alert": "warning",
               "caution": "caution", "danger": "caution", "error": "caution"}
KIND_ATTRS = ("type", "variant", "kind", "severity", "intent", "status")
TITLE_ATTRS = ("title", "summary", "label", "heading")
MARKER = "DPMDXEMBED{}X"
_MARKER_RE = re.compile(r"DPMDXEMBED(\d+)X")

_ESM_START = re.compile(
    r"""^(?:import\s*["']|import\s+(?:type\s+)?[\w$]+\s*(?:,|from\s*["'])|import\s*(?:type\s+)?\{"""
    r"""|import\s*\*\s*as\s+[\w$]+|export\s+(?:const|let|var|function|async\s+function|class|default"""
    r"""|type|interface|enum)\b|export\s*[{*])""")
_IMPORT_DEFAULT = re.compile(r"""^import\s+([\w$]+)\s+from\s*["']([^"']+)["']""")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_PLAIN = re.compile(r"[^`$<{\n]+")


@dataclass
class MdxResult:
    markdown: str
    embeds: list[tuple[str, str | None]] = field(default_factory=list)  # (name, link URL)

    def expand(self, latex: str) -> str:
        """Turn each marker of the rendered LaTeX body into ``\\dpinteractive{Name}{link}``."""
        if not self.embeds:
            return latex
        from .writer.text import escape, escape_url

        def note(m: re.Match) -> str:
            index = int(m.group(1))
            if index >= len(self.embeds):
                return m.group(0)
            name, url = self.embeds[index]
            link = rf"\href{{{escape_url(url)}}}{{{escape(url)}}}" if url else ""
            return rf"\dpinteractive{{{escape(name)}}}{{{link}}}"

        return _MARKER_RE.sub(note, latex)


def applies(post: Post) -> bool:
    """MDX files, and Markdown with import/export lines outside code."""
    if post.path.suffix.lower() in MDX_SUFFIXES:
        return True
    fence = None
    for line in post.body.split("\n"):
        fence, inside = _fence_state(line, fence)
        if not inside and _ESM_START.match(line):
            return True
    return False


def _fence_state(line: str, fence: str | None) -> tuple[str | None, bool]:
    """(fence after this line, whether this line is code)."""
    m = _FENCE.match(line)
    if fence is None:
        return (m.group(1), True) if m else (None, False)
    if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line[m.end():].strip():
        return None, True
    return fence, True


def strip(post: Post, diagnostics: Diagnostics | None = None, post_url: str | None = None) -> MdxResult:
    """The post's body as plain Markdown (see the module doc), plus its interactive notes."""
    return _Converter(post, diagnostics if diagnostics is not None else Diagnostics(),
                      post_url).run()


@dataclass
class _Open:
    tag: Tag
    out_index: int        # len(self.out) right after the opening was emitted
    block: bool           # the tag began its line: children are Markdown blocks
    line: int


class _Converter:
    def __init__(self, post: Post, diagnostics: Diagnostics, post_url: str | None):
        self.post = post
        self.src = post.body
        self.diagnostics = diagnostics
        self.post_url = post_url
        self.is_mdx = post.path.suffix.lower() in MDX_SUFFIXES
        self.out: list[str] = []
        self.embeds: list[tuple[str, str | None]] = []
        self.data: dict[str, list[dict]] = {}  # exported lists of plain objects, by name
        self.stack: list[_Open] = []
        self.imports: dict[str, str] = {}   # identifier -> module path (default imports)
        self.esm_end = -1                   # where the last import/export removed ended

    # -- driver -------------------------------------------------------------
    def run(self) -> MdxResult:
        s, i, n = self.src, 0, len(self.src)
        while i < n:
            if i == 0 or s[i - 1] == "\n":
                j = self._line_start(i)
                if j != i:
                    i = j
                    continue
            ch = s[i]
            if ch == "`":
                i = self._code_span(i)
            elif ch == "$":
                i = self._inline_math(i)
            elif ch == "<":
                i = self._angle(i)
            elif ch == "{" and self.is_mdx:
                i = self._expression(i)
            else:
                m = _PLAIN.match(s, i)
                j = m.end() if m else i + 1
                self.out.append(s[i:j])
                i = j
        while self.stack:
            opened = self.stack[-1]
            self.warn(f"<{opened.tag.name or '>'}> is never closed", opened.line)
            self._close(len(self.stack) - 1, None)
        return MdxResult("".join(self.out), self.embeds)

    def warn(self, message: str, line: int) -> None:
        self.diagnostics.warn(message, self.post.path, line)

    def line_of(self, index: int) -> int:
        return self.post.body_line + self.src.count("\n", 0, index)

    # -- line-level constructs ----------------------------------------------
    def _line_start(self, i: int) -> int:
        s = self.src
        end = s.find("\n", i)
        end = len(s) if end < 0 else end
        line = s[i:end]
        m = _FENCE.match(line)
        if m:
            return self._copy_fence(i, m.group(1))
        if line.strip().startswith("$$"):
            close = s.find("$$", i + line.index("$$") + 2)
            if close >= 0:
                stop = s.find("\n", close)
                stop = len(s) if stop < 0 else stop
                self.out.append(s[i:stop])
                return stop
        if _ESM_START.match(line) or self.stack and _ESM_START.match(line.lstrip()) and self._starts_block(i):
            return self._esm(i)
        return i

    def _copy_fence(self, i: int, fence: str) -> int:
        s = self.src
        pos = s.find("\n", i)
        while pos >= 0:
            start = pos + 1
            stop = s.find("\n", start)
            stop = len(s) if stop < 0 else stop
            m = _FENCE.match(s[start:stop])
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                    and not s[start + m.end():stop].strip():
                self.out.append(s[i:stop])
                return stop
            pos = s.find("\n", start) if stop < len(s) else -1
        self.out.append(s[i:])
        return len(s)

    def _esm(self, i: int) -> int:
        """Drop an import/export statement: up to a blank line, or a complete statement."""
        s = self.src
        j, lines = i, []
        while j < len(s):
            stop = s.find("\n", j)
            stop = len(s) if stop < 0 else stop
            line = s[j:stop]
            if not line.strip() and js_balanced("\n".join(lines)):
                break
            lines.append(line)
            j = stop + 1 if stop < len(s) else stop
            code = "\n".join(lines)
            if js_balanced(code) and js_statement_done(code) and not js_statement_continues(s, j):
                break
        statement = "\n".join(lines)
        for m in _IMPORT_DEFAULT.finditer(statement):
            self.imports[m.group(1)] = m.group(2)
        data = mdxdata.exported(statement)
        if data is not None:
            self.data[data[0]] = data[1]
        end = i + len(statement)
        self.esm_end = end
        self.out.append("\n" * statement.count("\n"))
        return end

    # -- inline constructs --------------------------------------------------
    def _code_span(self, i: int) -> int:
        s = self.src
        run = re.compile(r"`+").match(s, i).group(0)
        paragraph_end = re.compile(r"\n[ \t]*\n").search(s, i)  # a code span never leaves its paragraph
        close = re.compile(r"(?<!`)" + run + r"(?!`)").search(s, i + len(run),
                                                               paragraph_end.start() if paragraph_end else len(s))
        end = close.end() if close else i + len(run)
        self.out.append(s[i:end])
        return end

    def _inline_math(self, i: int) -> int:
        s = self.src
        if s.startswith("$$", i):
            close = s.find("$$", i + 2)
            end = close + 2 if close >= 0 else i + 2
        else:
            m = re.compile(r"\$(?=\S)[^\n$]*?(?<=\S)\$(?!\d)").match(s, i)
            end = m.end() if m else i + 1
        self.out.append(s[i:end])
        return end

    def _expression(self, i: int) -> int:
        s = self.src
        end = js_group_end(s, i)
        if end < 0:
            self.out.append("{")
            return i + 1
        code = s[i + 1:end - 1].strip()
        newlines = "\n" * s.count("\n", i, end)
        if re.fullmatch(r"/\*.*?\*/", code, re.S) or not code:
            self.out.append(newlines)
        elif (literal := js_string_literal(code)) is not None:
            self.out.append(literal + newlines)
        else:
            shown = code if len(code) <= 40 else code[:37] + "..."
            self.warn(f"MDX expression {{{shown}}} cannot be printed; dropped", self.line_of(i))
            self.out.append(newlines)
        return end

    def _angle(self, i: int) -> int:
        s = self.src
        if s.startswith("<!--", i):
            close = s.find("-->", i + 4)
            end = close + 3 if close >= 0 else len(s)
            self.out.append(s[i:end])
            return end
        tag = parse_tag(s, i)
        if tag is None:
            self.out.append("<")
            return i + 1
        lower = tag.name.lower()
        if tag.component:
            return self._component(tag)
        if lower in EMBED_TAGS:
            return self._embed(tag)
        if lower == "img" and not tag.closing and isinstance(tag.attrs.get("src"), Expr):
            return self._image(tag)
        if tag.has_expressions and not tag.closing:
            self.out.append(_html_without_expressions(tag))
        else:
            self.out.append(s[tag.start:tag.end])
        return tag.end

    # -- components ---------------------------------------------------------
    def _component(self, tag: Tag) -> int:
        if tag.closing:
            for depth in range(len(self.stack) - 1, -1, -1):
                if self.stack[depth].tag.name == tag.name:
                    self._close(depth, tag)
                    return tag.end
            self.out.append("\n" * self.src.count("\n", tag.start, tag.end))  # stray closing tag
            return tag.end
        if tag.name.split(".")[-1].lower() in IMAGE_COMPONENTS and tag.attrs.get("src") is not None:
            return self._image(tag)
        if tag.self_closing:
            listed = self._data_list(tag)
            if listed is None:
                self._note(tag.name, tag)
            else:
                self.out.append(listed + "\n" * self.src.count("\n", tag.start, tag.end))
            return tag.end
        block = self._starts_line(tag.start)
        if block:
            self._trim_indent()
        self.out.append("\n" * self.src.count("\n", tag.start, tag.end))
        self.stack.append(_Open(tag, len(self.out), block, self.line_of(tag.start)))
        return tag.end

    def _close(self, depth: int, closing: Tag | None) -> None:
        """Close stack[depth] (and anything left open inside it) and rewrite its children."""
        while len(self.stack) > depth + 1:
            inner = self.stack[-1]
            self.warn(f"<{inner.tag.name or '>'}> is never closed", inner.line)
            self._close(len(self.stack) - 1, None)
        opened = self.stack.pop()
        content = "".join(self.out[opened.out_index:])
        del self.out[opened.out_index:]
        trailing = "\n" * self.src.count("\n", closing.start, closing.end) if closing else ""
        self.out.append(self._container(opened, content) + trailing)

    def _container(self, opened: _Open, content: str) -> str:
        """Children of a component: a GitHub alert for callouts, else the Markdown unwrapped."""
        tag = opened.tag
        base = tag.name.split(".")[-1].lower()
        title = next((v for k in TITLE_ATTRS if isinstance(v := tag.attrs.get(k), str)), None)
        if not opened.block:
            return content
        content = re.sub(r"\n[ \t]+\Z", "\n", content)  # the closing tag's indentation
        leading = content[: len(content) - len(content.lstrip("\n"))]
        body = textwrap.dedent(content.strip("\n"))
        tail = content[len(content.rstrip("\n")):] or "\n"  # keeps what follows out of the block
        if base in ADMONITIONS:
            kind = ADMONITIONS[base]
            for key in KIND_ATTRS:
                value = tag.attrs.get(key)
                if isinstance(value, str) and value.lower() in ADMONITIONS:
                    kind = ADMONITIONS[value.lower()]
                    break
            head = f"> [!{kind.upper()}]" + (f" {_one_line(title)}" if title else "")
            quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in body.split("\n"))
            # the opening tag's line becomes the alert's first line; blank lines after it stay inside
            return head + "\n" + ">\n" * max(leading.count("\n") - 1, 0) + quoted + tail
        heading = f"**{_one_line(title)}**\n" if title else ""
        return heading + leading + body + tail

    def _trim_indent(self) -> None:
        """Drop the indentation before a block-level tag: 4 spaces would make its replacement code."""
        if self.out:
            self.out[-1] = self.out[-1].rstrip(" \t")

    def _starts_block(self, index: int) -> bool:
        """Line ``index`` begins a block inside a component: after a blank line, a line of
        tags only, or another import/export (MDX allows those at the top level only; authors
        put them inside wrappers all the same, and they must not print)."""
        prev_end = index - 1
        prev_start = self.src.rfind("\n", 0, max(prev_end, 0)) + 1
        previous = self.src[prev_start:max(prev_end, 0)]
        return (not previous.strip() or prev_end <= self.esm_end
                or bool(re.fullmatch(r"\s*(?:<[^<>]*>\s*)+", previous)))

    def _starts_line(self, index: int) -> bool:
        start = self.src.rfind("\n", 0, index) + 1
        return not self.src[start:index].strip()

    # -- notes and images ---------------------------------------------------
    def _data_list(self, tag: Tag) -> str | None:
        """A component given the page's exported list (``links={links}``): that list, printed."""
        for value in tag.attrs.values():
            items = self.data.get(value.code.strip()) if isinstance(value, Expr) else None
            listed = mdxdata.as_html(items) if items else None
            if listed:
                return listed
        return None

    def _note(self, name: str, tag: Tag, end: int | None = None) -> None:
        end = tag.end if end is None else end
        src = tag.attrs.get("src")
        link = _embed_link(tag) or self.post_url or (src if isinstance(src, str) and re.match(r"^https?://", src) else None)
        stands_in = "a link to the online version stands in" if link else "a note stands in"
        self.warn(f"<{tag.name}> cannot be printed; {stands_in}", self.line_of(tag.start))
        if self._starts_line(tag.start):
            self._trim_indent()
        self.out.append(MARKER.format(len(self.embeds)) + "\n" * self.src.count("\n", tag.start, end))
        self.embeds.append((name, link))

    def _embed(self, tag: Tag) -> int:
        if tag.closing:
            return tag.end  # a stray </iframe>
        end = tag.end
        if not tag.self_closing:
            close = re.compile(rf"</{re.escape(tag.name)}\s*>", re.I).search(self.src, tag.end)
            if close:
                end = close.end()
        title = tag.attrs.get("title")
        name = title.strip() if isinstance(title, str) and title.strip() else tag.name.lower()
        if not isinstance(tag.attrs.get("src"), str):  # <video><source src=...></video>
            source = re.search(r"<source\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)", self.src[tag.end:end], re.I)
            if source:
                tag.attrs["src"] = source.group(1)
        poster = tag.attrs.get("poster")
        if tag.name.lower() == "video" and isinstance(poster, str) and poster.strip():
            self._poster(tag, poster.strip(), end)
        else:
            self._note(name, tag, end)
        return end

    def _poster(self, tag: Tag, poster: str, end: int) -> None:
        """A video with a poster prints the poster, captioned with where to watch it."""
        src = tag.attrs.get("src")
        link = _embed_link(tag) or self.post_url or (src if isinstance(src, str) and re.match(r"^https?://", src) else None)
        self.warn(f"<video> printed as its poster image {poster}", self.line_of(tag.start))
        caption = f"Video: <{link}>" if link else "Video (see the online version)"
        if self._starts_line(tag.start):
            self._trim_indent()
        target = poster if " " not in poster else f"<{poster}>"
        self.out.append(f"![{caption}]({target})" + "\n" * self.src.count("\n", tag.start, end))

    def _image(self, tag: Tag) -> int:
        src = tag.attrs.get("src")
        path = src if isinstance(src, str) else self._imported_image(src.code if isinstance(src, Expr) else "")
        if not path:
            self._note(tag.name, tag)
            return tag.end
        alt = next((v for k in ("alt", "caption", "title") if isinstance(v := tag.attrs.get(k), str)), "")
        if self._starts_line(tag.start):
            self._trim_indent()
        self.out.append(markdown_image(path, _one_line(alt)) + "\n" * self.src.count("\n", tag.start, tag.end))
        end = tag.end
        if not tag.self_closing:  # <Image ...>...</Image>: nothing inside is printable
            close = re.compile(rf"</{re.escape(tag.name)}\s*>").search(self.src, tag.end)
            if close:
                self.out.append("\n" * self.src.count("\n", tag.end, close.end()))
                end = close.end()
        return end

    def _imported_image(self, code: str) -> str | None:
        m = re.fullmatch(r"\s*([\w$]+)(?:\.src)?\s*", code)
        path = self.imports.get(m.group(1)) if m else None
        if path and PurePosixPath(path.split("?")[0]).suffix.lower() in IMAGE_SUFFIXES:
            return path.split("?")[0]
        return None



def _one_line(text: str) -> str:
    return " ".join(text.split())


def _html_without_expressions(tag: Tag) -> str:
    """An HTML tag re-written with its string attributes only (style={{...}} dropped)."""
    parts = [tag.name]
    for key, value in tag.attrs.items():
        if value is True:
            parts.append(key)
        elif isinstance(value, str):
            parts.append(f'{key}="{value.replace(chr(34), "&quot;")}"')
    return "<" + " ".join(parts) + (" />" if tag.self_closing else ">")


# embed components (astro-embed, MDX embed packages) -> the page of what they show
_EMBED_PAGES = {"youtube": "https://www.youtube.com/watch?v={}", "liteyoutube": "https://www.youtube.com/watch?v={}",
                "vimeo": "https://vimeo.com/{}", "tweet": "https://x.com/i/status/{}"}


def _embed_link(tag) -> str | None:
    """The page a ``<YouTube id="..."/>``-style component shows: its URL, or the page of its id."""
    page = _EMBED_PAGES.get(tag.name.lower().replace("embed", "").replace("-", ""))
    value = next((tag.attrs.get(k) for k in ("id", "videoId", "videoid", "url", "href") if tag.attrs.get(k)), None)
    if page is None or not isinstance(value, str):
        return None
    return value if re.match(r"^https?://", value) else page.format(value)
