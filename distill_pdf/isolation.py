"""One bad block never costs the post (issue 12).

When the engine still rejects LaTeX the writer made, only the block it came from is
replaced: by its Markdown source, verbatim in a framed box titled with its line, and a
warning ``post.md:LINE: could not typeset this block: <TeX's message>``; the rest of
the post is typeset. ``--strict`` keeps the error.

While the body renders, :class:`_Tracer` records each block (a paragraph, formula,
table, code or HTML block, heading, list, list item, quote, alert ...) at the top level
or directly inside a list, list item, quote or alert, and where its LaTeX sits in the
body. The first engine run goes on past errors (``compile_tex(keep_going=True)``), so it
names every failing block; the innermost recorded block holding an error is the unit
replaced, so a bad formula in a long list costs its own paragraph or item. Inside a
table, a note or raw HTML nothing is recorded: the table or the paragraph holding the
note is the unit. Errors outside the body (template, preamble), or before the first
block error, are not block errors: the caller keeps them errors.
"""
from __future__ import annotations

import bisect
import re
import textwrap
from dataclasses import dataclass, field

from .errors import Diagnostics
from .load import Post
from .parse import Document
from .texlog import LatexIssue
from .writer.code import inline_code
from .writer.latex import LatexRenderer, RenderedBody
from .writer.text import escape

CONTAINERS = frozenset({"list", "list_item", "task_list_item", "block_quote", "alert"})
_ITEM_MARKER = re.compile(r"^[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_ELIDED = "..."
_PARAGRAPHS = frozenset({"paragraph", "block_text", "heading"})  # TeX's mark for a context cut at the left


@dataclass
class Block:
    """A block of the post and the span of its LaTeX in the rendered body."""

    kind: str
    line: int                  # its first Markdown line (a file line)
    parent: int | None         # index of the enclosing block in TracedBody.blocks
    latex: str = ""
    start: int = -1            # [start, end) in TracedBody.raw; -1: not found there
    end: int = -1
    end_line: int | None = None  # the first Markdown line after it (None: the end of the post)


@dataclass
class TracedBody(RenderedBody):
    """The rendered body with its blocks; ``raw`` is the body as rendered, before a later
    step (MDX embeds) rewrites ``latex`` in place, line for line."""

    raw: str = ""
    blocks: list[Block] = field(default_factory=list)


class _Tracer(LatexRenderer):
    """The writer, recording the blocks a failing one may be cut out at."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.blocks: list[Block] = []
        self._open: list[tuple[int | None, set[int] | None]] = []  # (block, ids of its children)

    def render_token(self, token, state):
        parent, children = self._open[-1] if self._open else (None, None)
        index = None
        if not self._open or (children is not None and id(token) in children):
            index = len(self.blocks)
            self.blocks.append(Block(token["type"], token.get("line") or self.line, parent))
        traced = index is not None and token["type"] in CONTAINERS
        self._open.append((index, {id(child) for child in token.get("children") or ()} if traced else None))
        try:
            latex = super().render_token(token, state)
        finally:
            self._open.pop()
        if index is not None:
            self.blocks[index].latex = latex or ""
        return latex


def render_body(post: Post, document: Document, diagnostics: Diagnostics, **options) -> TracedBody:
    """:func:`distill_pdf.writer.latex.render_body`, with the blocks recorded."""
    tracer = _Tracer(post, document, diagnostics, **options)
    body = tracer.render_document()
    blocks = tracer.blocks
    _locate(body.latex, blocks)
    _end_lines(blocks)
    return TracedBody(body.latex, body.line_map, body.figures, raw=body.latex, blocks=blocks)


def _locate(latex: str, blocks: list[Block]) -> None:
    """Each block's LaTeX in the body, in order within its parent's (stripped: a container
    may trim its children's ends)."""
    cursor: dict[int | None, int] = {}
    for block in blocks:
        text = block.latex.strip()
        parent = blocks[block.parent] if block.parent is not None else None
        if not text or (parent is not None and parent.start < 0):
            continue
        low, high = (parent.start, parent.end) if parent else (0, len(latex))
        at = latex.find(text, cursor.get(block.parent, low), high)
        if at >= 0:
            block.start, block.end = at, at + len(text)
            cursor[block.parent] = block.end


def _end_lines(blocks: list[Block]) -> None:
    """A block's Markdown ends where its next sibling starts, else where its parent ends."""
    next_sibling: dict[int, int] = {}
    last: dict[int | None, int] = {}
    for index, block in enumerate(blocks):
        if block.parent in last:
            next_sibling[last[block.parent]] = index
        last[block.parent] = index
    for index, block in enumerate(blocks):
        if index in next_sibling:
            block.end_line = blocks[next_sibling[index]].line
        elif block.parent is not None:
            block.end_line = blocks[block.parent].end_line


def box_failing_blocks(post: Post, body: TracedBody, body_start: int, errors: list[LatexIssue],
                       diagnostics: Diagnostics) -> tuple[str, list[tuple[int, int]]] | None:
    """The raw body with the blocks ``errors`` come from boxed, and its line map; a warning
    for each. None when the first error is not in a block (the template's, the preamble's),
    so the caller reports it as before. ``body_start``: the main.tex line of body line 0."""
    failing: dict[int, LatexIssue] = {}
    starts = [0] + [m.end() for m in re.finditer("\n", body.raw)]  # of the body's lines
    for issue in errors:
        index = _block_of(body, starts, body_start, issue)
        if index is None and not failing:
            return None
        if index is not None:
            failing.setdefault(index, issue)
    outermost = {i: issue for i, issue in failing.items() if not any(a in failing for a in _ancestors(body, i))}
    pieces, shifts, done = [], [], 0
    for index in sorted(outermost, key=lambda i: body.blocks[i].start):
        block, issue = body.blocks[index], outermost[index]
        boxed = _box(post, body.blocks, index)
        pieces += [body.raw[done:block.start], boxed]
        done = block.end
        shifts.append((block.start, block.end, len(boxed)))
        context = f" [LaTeX: {_ELIDED if len(issue.context) > 60 else ''}{issue.context[-60:]}]" if issue.context else ""
        diagnostics.warn(f"could not typeset this block: {issue.message}{context}", post.path, block.line)
    raw = "".join(pieces) + body.raw[done:]
    return raw, _line_map(body, raw, shifts, outermost)


def _block_of(body: TracedBody, starts: list[int], body_start: int, issue: LatexIssue) -> int | None:
    """The innermost recorded block holding the place of the error, by the line TeX read and,
    when its context shows, the column it got to."""
    if issue.tex_line is None or issue.file not in (None, "main.tex"):
        return None
    number = issue.tex_line - body_start
    if not 0 <= number < len(starts):
        return None
    first = starts[number]
    last = starts[number + 1] - 1 if number + 1 < len(starts) else len(body.raw)
    seen = issue.context.removeprefix(_ELIDED).rstrip()
    column = body.raw.find(seen, first, last + 1) if seen else -1
    low, high = (column + len(seen) - 1,) * 2 if column >= 0 else (first, max(last - 1, first))
    best = None
    for index, block in enumerate(body.blocks):
        if block.start <= low and high < block.end and (best is None or block.start >= body.blocks[best].start):
            best = index
    return best


def _ancestors(body: TracedBody, index: int):
    parent = body.blocks[index].parent
    while parent is not None:
        yield parent
        parent = body.blocks[parent].parent


def _box(post: Post, blocks: list[Block], index: int) -> str:
    """The block's Markdown, verbatim in a framed box (breakable) under its line."""
    block = blocks[index]
    lines = post.body.split("\n")
    first = max(block.line - post.body_line, 0)
    end = len(lines) if block.end_line is None else max(block.end_line - post.body_line, first + 1)
    source = lines[first:end]
    if block.kind in _PARAGRAPHS:  # footnote definitions may follow a post's last paragraph
        source = source[:next((i for i, text in enumerate(source) if not text.strip()), len(source))] or source[:1]
    while len(source) > 1 and not source[-1].strip():
        source.pop()
    parent = blocks[block.parent] if block.parent is not None else None
    if parent is not None and parent.kind in ("list_item", "task_list_item") and parent.line == block.line:
        source[0] = _ITEM_MARKER.sub("", source[0], count=1)  # the item's own bullet stays
    source = textwrap.dedent("\n".join(source).expandtabs(4)).split("\n")
    text = "\\\\\n".join(inline_code(line) if line.strip() else "\\mbox{}" for line in source)
    title = escape(f"Could not typeset this block ({post.path.name}, line {block.line})")
    return (f"\\begin{{dpdetails}}\\dpdetailstitle{{{title}}}\n"
            f"{{\\dpcodesize\\raggedright\n{text}\\par}}\n\\end{{dpdetails}}")


def _line_map(body: TracedBody, raw: str, shifts: list[tuple[int, int, int]],
              boxed: dict[int, LatexIssue]) -> list[tuple[int, int]]:
    """The top-level blocks' lines in the new body (and each box's), for engine messages."""
    moved = []  # (old end, change in length), in order
    total = 0
    for start, end, length in shifts:
        total += length - (end - start)
        moved.append((end, total))
    ends = [end for end, _ in moved]

    def new_offset(old: int) -> int:
        k = bisect.bisect_right(ends, old) - 1
        return old + (moved[k][1] if k >= 0 else 0)

    marks = [(new_offset(b.start), b.line) for i, b in enumerate(body.blocks)
             if b.start >= 0 and (b.parent is None or i in boxed)]
    return sorted({(raw.count("\n", 0, offset), line) for offset, line in marks})
