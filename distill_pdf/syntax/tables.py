"""GFM pipe tables as the GFM spec, GitHub and remark read them.

mistune's table plugin refuses a table whose rows are shorter or longer than the header
and, in its no-outer-pipes form, a delimiter row such as `--- | ---` after `| a | b |`;
such tables printed as a paragraph of pipes. The GFM rules implemented here:

* a header row, then a delimiter row with as many cells (`---`, `:--`, `--:`, `:-:`),
  outer pipes optional on both; a table may interrupt a paragraph (its last line is the
  header row, as in cmark-gfm);
* body rows run to a blank line or the start of another block; any other line is a row,
  pipes or not; a short row gets empty cells, a long row's excess cells are dropped;
* cells split at unescaped pipes, also inside code spans; `\\|` is a literal pipe in a
  cell, also inside code spans.

The tokens are mistune's own table tokens (``table``, ``table_head``, ``table_body``,
``table_row``, ``table_cell``), so the writer typesets them unchanged.
"""
from __future__ import annotations

import re
from typing import Any

from . import register_block, table_token

# a header line, then a delimiter row (dashes with optional colons, separated by pipes)
_DELIM_CELL = r"[ \t]*:?-+:?[ \t]*"
TABLE_START = (
    r"^ {0,3}(?P<table_head>[^\n]+)\n"
    r"(?P<table_delim> {0,3}\|?" + _DELIM_CELL + r"(?:\|" + _DELIM_CELL + r")*\|?[ \t]*)(?:\n|$)"
)
_ESCAPED_PIPE = re.compile(r"(?<!\\)((?:\\\\)*)\\\|")

# blocks that end a table (GFM: "the beginning of another block-level structure")
_NOT_INTERRUPTING = {"table", "paragraph", "blank_line", "indent_code", "ref_link", "ref_footnote",
                     "setex_heading"}


def split_row(line: str) -> list[str]:
    """The cells of a table row: one leading and one trailing pipe dropped, split at pipes
    that no backslash escapes (code spans do not protect a pipe, as on GitHub), `\\|` made a
    pipe."""
    text = line.strip().removeprefix("|")
    if text.endswith("|") and not _escaped(text, len(text) - 1):
        text = text[:-1]
    cells, start = [], 0
    for pos, char in enumerate(text):
        if char == "|" and not _escaped(text, pos):
            cells.append(text[start:pos])
            start = pos + 1
    cells.append(text[start:])
    return [_ESCAPED_PIPE.sub(r"\1|", cell.strip()) for cell in cells]


def _escaped(text: str, pos: int) -> bool:
    backslashes = 0
    while pos > backslashes and text[pos - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _align(cell: str) -> str | None:
    cell = cell.strip()
    if cell.startswith(":") and cell.endswith(":") and len(cell) > 1:
        return "center"
    if cell.endswith(":"):
        return "right"
    if cell.startswith(":"):
        return "left"
    return None


def _cells(texts: list[str], aligns: list[str | None], head: bool) -> list[dict[str, Any]]:
    texts = (texts + [""] * len(aligns))[:len(aligns)]  # short rows padded, long rows cut
    return [{"type": "table_cell", "text": text, "attrs": {"align": align, "head": head}}
            for text, align in zip(texts, aligns)]


def parse_table(block, m, state) -> int | None:
    head_line, delim_line = m.group("table_head"), m.group("table_delim")
    if "|" not in head_line and "|" not in delim_line:
        return None  # `text` over `---` is a setext heading
    header, delims = split_row(head_line), split_row(delim_line)
    if len(header) != len(delims):
        return None
    aligns = [_align(cell) for cell in delims]
    ends = block.compile_sc([r for r in block.rules if r not in _NOT_INTERRUPTING])
    rows, pos = [], m.end()
    while pos < state.cursor_max:
        line = state.get_line(pos)
        if not line.strip() or ends.match(state.src, pos):
            break
        rows.append(_cells(split_row(line), aligns, False))
        pos += len(line)
    state.append_token(table_token(_cells(header, aligns, True), rows))
    return pos


def gfm_tables(md) -> None:
    """Register GFM tables at the top level, in block quotes and in list items."""
    register_block(md, "table", TABLE_START, parse_table, before="paragraph")
