"""MkDocs / Python-Markdown admonitions, as ``alert`` tokens, and content tabs.

* ``!!! note "Title"`` (``admonition``), ``!!! danger highlight`` (extra classes ignored),
  ``!!! note ""`` (no title: the type's name stands in);
* ``??? note`` / ``???+ note`` (``pymdownx.details``, collapsible: printed open);
* content tabs ``=== "Python"`` (``pymdownx.tabbed``): each tab's label in bold, then its content.

The body is the following lines indented by four spaces (or a tab), blank lines between
them included, and is Markdown again.
"""
from __future__ import annotations

import re

from . import block_children, register_block
from .alerts import alert_token

ADMONITION = (r"^(?P<adm_mark>!!!|\?\?\?\+?)[ \t]+(?P<adm_type>[\w-]+)(?:[ \t]+[\w-]+)*"
              r"(?:[ \t]+\"(?P<adm_title>[^\"\n]*)\")?[ \t]*(?:\n|$)")
TAB = r"^===[!+]?[ \t]+\"(?P<tab_label>[^\"\n]*)\"[ \t]*(?:\n|$)"
_INDENTED = re.compile(r"^(?: {4}|\t)")


def _indented_body(src: str, start: int) -> tuple[str, int]:
    """The lines after ``start`` indented by four spaces (or a tab), blank lines between them
    included, unindented; and where they end."""
    pos = body_end = start
    lines: list[str] = []
    kept = 0
    while pos < len(src):
        end = src.find("\n", pos)
        end = len(src) if end < 0 else end + 1
        line = src[pos:end]
        if line.strip():
            if not _INDENTED.match(line):
                break
            kept, body_end = len(lines) + 1, end
        lines.append(_INDENTED.sub("", line))
        pos = end
    return "".join(lines[:kept]), body_end


def parse_admonition(block, m, state):
    body, body_end = _indented_body(state.src, m.end())
    children = block_children(block, state, body, m.end())
    title = m.group("adm_title")
    state.append_token(alert_token(m.group("adm_type"), title, children))
    return body_end


def parse_tab(block, m, state):
    """A content tab: its label in bold, then its content (every tab is printed, in order)."""
    body, body_end = _indented_body(state.src, m.end())
    state.append_token({"type": "paragraph", "text": f"**{m.group('tab_label').strip()}**"})
    for child in block_children(block, state, body, m.end()):
        state.append_token(child)
    return body_end


def admonitions(md):
    register_block(md, "mkdocs_admonition", ADMONITION, parse_admonition, before="list")
    register_block(md, "mkdocs_tab", TAB, parse_tab, before="list")
