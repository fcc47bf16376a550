"""pandoc's Markdown extensions, as pandoc's manual defines them (JOSS papers, Quarto and
R Markdown posts are written in it); the ``pandoc`` dialect (dialects/pandoc.py) adds them:

* ``grid_tables``: ``+---+`` tables, ``+===+`` under the header, colons in that line (or the
  first) for alignment; a cell's lines are joined (a blank line inside a cell is a line break);
* ``table_captions``: a paragraph starting ``Table:`` or ``:`` right before or after a table
  is its caption (a ``table_caption`` child of the table);
* ``superscript``/``subscript``: ``^2^``, ``~i~`` (no unescaped spaces inside);
* ``inline_notes``: ``^[text]`` is a footnote (a margin note in the ``distill`` template);
* ``bracketed_spans``: ``[text]{.smallcaps}``, ``{.ul}``/``{.underline}``, ``{.mark}``; an
  id or ``label="x"`` (JOSS) is a LaTeX ``\\label`` there (a caption's: its table);
* ``raw_attribute``: ```` `\\LaTeX`{=latex} ```` and fences ```` ```{=latex} ````: raw LaTeX
  passes (checked as math is); ``{=html}`` is HTML; any other format (``{=comment}``) is
  for other outputs and is left out, as pandoc does; display math with a ``\\label`` is
  numbered (the label is there to be referenced). (Quarto/R Markdown chunks such as
  ```` ```{python} ```` are read for every post: syntax/myst.py.)
"""
from __future__ import annotations

import re

from . import register_block, table_token
from .attributes import parse_attributes

_GRID_START = r"^ {0,3}\+(?:[-=:]+\+)+[ \t]*(?:\n|$)"
_SEPARATOR = re.compile(r"^\+(?:[-=:]+\+)+$")
_RAW_FORMAT = re.compile(r"^\{=([A-Za-z0-9_-]+)\}$")
_LATEX_FORMATS = {"latex", "tex"}
_CAPTION = re.compile(r"^(?:Table)?:[ \t]+(?=\S)")
_CAPTION_ID = re.compile(r"\{#([\w:.-]+)\}$")
_SPAN_CLASSES = {"ul": "u", "underline": "u", "mark": "mark"}


# -- grid tables ---------------------------------------------------------------
def _alignments(separator: str) -> list[str | None]:
    out = []
    for cell in separator.strip().strip("+").split("+"):
        left, right = cell.startswith(":"), cell.endswith(":")
        out.append("center" if left and right else "right" if right else "left" if left else None)
    return out


def _row_cells(lines: list[str], bounds: list[int]) -> list[str]:
    """The text of each cell of one row: the columns between the ``+`` positions of the rule."""
    cells = []
    for start, end in zip(bounds, bounds[1:]):
        parts, blank = [], False
        for line in lines:
            piece = line[start + 1:end].strip() if len(line) > start else ""
            if not piece:
                blank = bool(parts)
                continue
            parts.append(("<br>" if blank else "") + piece)
            blank = False
        cells.append(" ".join(parts))
    return cells


def parse_grid_table(block, m, state) -> int | None:
    lines, pos = [], m.start()
    while pos < state.cursor_max:
        line = state.get_line(pos)
        text = line.strip()
        if not text or text[0] not in "+|":
            break
        lines.append(text)
        pos += len(line)
    if len(lines) < 3 or not _SEPARATOR.match(lines[-1]):
        return None
    bounds = [i for i, ch in enumerate(lines[0]) if ch == "+"]
    header_rule = next((i for i, line in enumerate(lines) if _SEPARATOR.match(line) and "=" in line), None)
    aligns = _alignments(lines[header_rule] if header_rule is not None else lines[0])
    rows, chunk = [], []
    for i, line in enumerate(lines[1:], start=1):
        if _SEPARATOR.match(line):
            rows.append((_row_cells(chunk, bounds), header_rule is not None and i == header_rule))
            chunk = []
        else:
            chunk.append(line)

    def cells(texts, head):
        return [{"type": "table_cell", "text": t, "attrs": {"align": a, "head": head}} for t, a in zip(texts, aligns)]

    head = [cells(texts, True) for texts, is_head in rows if is_head]
    body = [cells(texts, False) for texts, is_head in rows if not is_head]
    state.append_token(table_token(head[0] if head else None, body))
    return pos


def grid_tables(md) -> None:
    register_block(md, "grid_table", _GRID_START, parse_grid_table, before="paragraph")


# -- table captions ---------------------------------------------------------------
def _caption_of(token) -> str | None:
    """The caption a paragraph gives the table beside it; Quarto's ``{#tbl-x}`` at its end is
    the table's label (as the span ``[]{#tbl-x}``)."""
    if token and token["type"] == "paragraph":
        m = _CAPTION.match(token.get("text", ""))
        if m:
            return _CAPTION_ID.sub(r"[]{#\1}", token["text"][m.end():].strip())
    return None


def _captioned(table: dict | None, caption: str | None) -> bool:
    """Give ``table`` the caption unless it has one (or is no table); whether it took it."""
    if (table is None or table["type"] != "table" or caption is None
            or any(c["type"] == "table_caption" for c in table["children"])):
        return False
    table["children"].insert(0, {"type": "table_caption", "text": caption})
    return True


def _attach_captions(tokens: list) -> list:
    """A caption paragraph before or after a table (blank lines between) moves into it."""
    out: list = []
    for token in tokens:
        if token.get("children") and token["type"] != "table":
            token["children"] = _attach_captions(token["children"])
        previous = next((t for t in reversed(out) if t["type"] != "blank_line"), None)
        if token["type"] == "table":
            if previous is not None and _captioned(token, _caption_of(previous)):
                out.remove(previous)
        elif _captioned(previous, _caption_of(token)):
            continue
        out.append(token)
    return out


def _pandoc_definitions(tokens: list) -> list:
    """pandoc's definition term fits on one line: a paragraph of several lines before a
    ``: text`` line is a paragraph, and that line a paragraph of its own (a table's caption,
    when a table follows), not the several-term list Markdown Extra and mistune read."""
    out: list = []
    for token in tokens:
        heads = [c for c in token.get("children") or [] if c["type"] == "def_list_head"]
        items = [c for c in token.get("children") or [] if c["type"] == "def_list_item"]
        if (token["type"] == "def_list" and len(heads) > 1 and token["children"][:len(heads)] == heads
                and all(c["type"] == "paragraph" for item in items for c in item["children"])):
            out.append({"type": "paragraph", "text": "\n".join(h["text"] for h in heads), "line": token.get("line")})
            out += [{"type": "paragraph", "text": ": " + c["text"], "line": c.get("line")}
                    for item in items for c in item["children"]]
        else:
            out.append(token)
    return out


def table_captions(md) -> None:
    def hook(md, state):
        state.tokens[:] = _attach_captions(_pandoc_definitions(state.tokens))
    md.before_render_hooks.append(hook)


# -- inline: superscript, subscript, spans, raw inline ------------------------------
_SUP = r"\^(?P<sup_text>(?:\\.|[^\s^\\])+)\^"
_SUB = r"(?<!~)~(?P<sub_text>(?:\\.|[^\s~\\])+)~(?!~)"
_SPAN = r"\[(?P<span_text>(?:\\.|[^\[\]\\]|\[[^\[\]]*\])*)\]\{(?P<span_attrs>[^{}\n]*)\}"
_RAW_INLINE = r"(?P<raw_ticks>`+)(?P<raw_code>[^`]+?)(?P=raw_ticks)\{=(?P<raw_format>[A-Za-z0-9_-]+)\}"


def _script(kind: str):
    def parse(inline, m, state):
        new_state = state.copy()
        new_state.src = re.sub(r"\\ ", " ", m.group(f"{kind}_text"))
        tag = "sup" if kind == "sup" else "sub"
        state.append_token({"type": "inline_html", "raw": f"<{tag}>"})
        for child in inline.render(new_state):
            state.append_token(child)
        state.append_token({"type": "inline_html", "raw": f"</{tag}>"})
        return m.end()
    return parse


def parse_span(inline, m, state):
    found = parse_attributes(m.group("span_attrs"))
    classes = found["classes"]
    new_state = state.copy()
    new_state.src = m.group("span_text")
    children = inline.render(new_state)
    target = found["attrs"].get("label") or found["id"]
    tags = [_SPAN_CLASSES[c] for c in classes if c in _SPAN_CLASSES]
    if "smallcaps" in classes:
        tags.append("dp-smallcaps")
    for tag in tags:
        state.append_token({"type": "inline_html", "raw": f"<{tag}>"})
    for child in children:
        state.append_token(child)
    for tag in reversed(tags):
        state.append_token({"type": "inline_html", "raw": f"</{tag}>"})
    if target and re.fullmatch(r"[\w:.-]+", target):  # a target of \ref/\autoref (see dialects/pandoc)
        state.append_token({"type": "raw_latex", "raw": f"\\label{{{target}}}"})
    return m.end()


def parse_raw_inline(inline, m, state):
    fmt = m.group("raw_format").lower()
    code = m.group("raw_code")
    if fmt in _LATEX_FORMATS:
        state.append_token({"type": "raw_latex", "raw": code.strip()})
    elif fmt == "html":
        state.append_token({"type": "inline_html", "raw": code})
    return m.end()


def parse_inline_note(inline, m, state):
    """``^[A note, with *Markdown* and [@cites]]``: its text to the matching bracket."""
    depth, pos, src = 1, m.end(), state.src
    while pos < len(src) and depth:
        char = src[pos]
        if char == "\\":
            pos += 2
            continue
        depth += (char == "[") - (char == "]")
        pos += 1
    if depth:
        return None
    new_state = state.copy()
    new_state.src = src[m.end():pos - 1]
    state.append_token({"type": "sidenote", "children": inline.render(new_state)})
    return pos


def pandoc_inline(md) -> None:
    md.inline.register("inline_note", r"\^\[", parse_inline_note, before="link")
    md.inline.register("raw_inline", _RAW_INLINE, parse_raw_inline, before="codespan")
    md.inline.register("bracketed_span", _SPAN, parse_span, before="link")
    md.inline.register("superscript", _SUP, _script("sup"), before="link")
    md.inline.register("subscript", _SUB, _script("sub"), before="strikethrough")


# -- raw blocks ----------------------------------------------------------------------
def _raw_blocks(tokens: list) -> list:
    out = []
    for token in tokens:
        if token.get("children"):
            token["children"] = _raw_blocks(token["children"])
        info = (token.get("attrs") or {}).get("info") if token["type"] == "block_code" else None
        m = _RAW_FORMAT.match((info or "").replace(" ", ""))
        if m is None:
            if token["type"] == "block_math" and "\\label" in token["raw"]:
                token["type"] = "math_environment"  # a labelled formula is numbered, for \ref
            out.append(token)
        elif m.group(1).lower() in _LATEX_FORMATS:
            out.append({"type": "raw_latex", "raw": token["raw"].strip(), "block": True, "line": token.get("line")})
        elif m.group(1).lower() == "html":
            out.append({"type": "block_html", "raw": token["raw"], "line": token.get("line")})
    return out


def raw_blocks(md) -> None:
    def hook(md, state):
        state.tokens[:] = _raw_blocks(state.tokens)
    md.before_render_hooks.insert(0, hook)


PLUGINS = (grid_tables, table_captions, pandoc_inline, raw_blocks)
