"""Step 2: Markdown body -> mistune token tree, with the Markdown line of each block.

CommonMark + GFM (tables, strikethrough, task lists, autolinks, footnotes), definition
lists and abbreviations (kramdown, pandoc, Python-Markdown/MkDocs, Hugo's Goldmark),
``==marked==`` text (Obsidian, MkDocs' pymdownx.mark), plus
our plugins (math, alerts, admonitions, attribute lists, emoji, diagrams: see
``syntax/``). Every block token carries ``line`` (a line of the
post file), so later steps can report problems where the user will look.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import mistune
from mistune.core import BlockState
from mistune.plugins.abbr import abbr
from mistune.plugins.def_list import def_list
from mistune.plugins.footnotes import footnotes
from mistune.plugins.formatting import mark
from mistune.plugins.task_lists import task_lists

from .errors import DistillError
from .load import Post
from .syntax import typography
from .syntax.admonitions import admonitions
from .syntax.alerts import alerts
from .syntax.attributes import attributes
from .syntax.autolinks import autolinks
from .syntax.comments import mdx_comments
from .syntax.diagrams import diagrams
from .syntax.directives import directives
from .syntax.emoji import emoji
from .syntax.math import math
from .syntax.myst import myst
from .syntax.shortcodes import shortcodes
from .syntax.strikethrough import strikethrough
from .syntax.tables import gfm_tables

MAX_NESTING = 64


class LinedBlockState(BlockState):
    """A BlockState that stamps each block token with its source line."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.line_base = parent.current_line() if parent is not None else 1
        self._newlines: list[int] | None = None

    def process(self, src: str) -> None:
        super().process(src)
        self._newlines = None

    def child_state(self, src: str, *args, **kwargs) -> "LinedBlockState":
        """A quote's or list item's inner state. mistune makes it once the parent's cursor is past
        the container (past the whole list, for an item), so find where the container's text
        starts: its first line, in the parent's lines after the previous container's."""
        child = super().child_state(src, *args, **kwargs)
        src_lines = src.split("\n")
        first = next((i for i, line in enumerate(src_lines) if line.strip()), None)
        if first is not None:
            key = "".join(src_lines[first].split())
            lines = self.src.split("\n")
            block = self.src.count("\n", 0, getattr(self, "block_start", 0))  # the list's or quote's line
            after = self.__dict__.setdefault("_next_child", {})  # per container: its items in order
            for i in range(after.get(block, block), len(lines)):
                if "".join(lines[i].split()).endswith(key):  # "- item" / "> text" ends with "item" / "text"
                    after[block] = i + 1
                    child.line_base = self.line_base + i - first
                    return child
        lines_in = src.count("\n") + (0 if src.endswith("\n") else 1)  # fallback: count back
        child.line_base = max(self.current_line() - lines_in, 1)
        return child

    def current_line(self) -> int:
        return self.line_at(self.cursor)

    def line_at(self, pos: int) -> int:
        if self._newlines is None:
            self._newlines = [i for i, ch in enumerate(self.src) if ch == "\n"]
        return self.line_base + bisect.bisect_left(self._newlines, pos)

    def append_token(self, token: dict[str, Any]) -> None:
        if token.get("type") == "block_html" and "line" not in token:
            # mistune moves the cursor to an HTML block's end marker (`</script>`, `-->`) first
            start = self.src.find(token["raw"], max(0, self.cursor - len(token["raw"])))
            if start >= 0:
                token["line"] = self.line_at(start)
        token.setdefault("line", self.current_line())
        super().append_token(token)

    def prepend_token(self, token: dict[str, Any]) -> None:
        token.setdefault("line", self.current_line())
        super().prepend_token(token)

    def add_paragraph(self, text: str) -> None:
        last = self.last_token()
        if last and last["type"] == "paragraph":
            last["text"] += text
        else:
            self.tokens.append({"type": "paragraph", "text": text, "line": self.current_line()})


class LinedBlockParser(mistune.BlockParser):
    def parse_method(self, m, state):
        outer = getattr(state, "block_start", 0)
        state.block_start = m.start()  # where a list or quote begins, for its children's lines
        try:
            return super().parse_method(m, state)
        finally:  # a block parsed while a list collects its items must not move the list's start
            state.block_start = outer


@dataclass
class Document:
    """The parsed body: block tokens plus footnote bodies by number."""

    tokens: list[dict[str, Any]]
    footnotes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)


def markdown_parser(extra_plugins=()) -> mistune.Markdown:
    block = LinedBlockParser(max_nested_level=MAX_NESTING)
    block.state_cls = LinedBlockState
    md = mistune.Markdown(renderer=None, block=block,
                          inline=mistune.InlineParser(hard_wrap=False, max_nested_level=MAX_NESTING))
    for plugin in (strikethrough, gfm_tables, footnotes, task_lists, autolinks, def_list, abbr, mark,
                   math, myst, alerts, directives, admonitions, shortcodes, attributes, diagrams, emoji,
                   mdx_comments, *extra_plugins):
        plugin(md)
    return md


def parse_post(post: Post, extra_plugins=(), typography_style: str | None = None) -> Document:
    """``typography_style``: smart punctuation rules (:mod:`.syntax.typography`), None for none."""
    md = markdown_parser(extra_plugins)
    state = LinedBlockState()
    state.line_base = post.body_line
    state.env["post"] = post
    try:
        tokens, state = md.parse(post.body, state)
    except DistillError as exc:
        exc.path = exc.path or post.path
        raise
    except RecursionError:
        raise DistillError("Markdown nested too deeply to typeset", post.path, post.body_line) from None
    _fill_lines(tokens, post.body_line)
    typography.apply(tokens, typography_style)
    body, notes = [], {}
    for token in tokens:
        if token["type"] == "footnotes":
            for item in token["children"]:
                notes[item["attrs"]["index"]] = item["children"]
        else:
            body.append(token)
    return Document(tokens=body, footnotes=notes, env=state.env)


def _fill_lines(tokens: list[dict[str, Any]], default: int) -> int:
    """Give container tokens built outside append_token (lists, items) the line of their first child."""
    first = None
    for token in tokens:
        child_line = _fill_lines(token["children"], token.get("line") or default) if token.get("children") else None
        token.setdefault("line", child_line or default)
        if token["line"] is None:
            token["line"] = child_line or default
        first = first or token["line"]
        default = token["line"]
    return first
