"""MkDocs / Python-Markdown admonitions, as ``alert`` tokens.

* ``!!! note "Title"`` (``admonition``), ``!!! danger highlight`` (extra classes ignored),
  ``!!! note ""`` (no title: the type's name stands in);
* ``??? note`` / ``???+ note`` (``pymdownx.details``, collapsible: printed open);

The body is the following lines indented by four spaces (or a tab), blank lines between
them included, and is Markdown again.
"""
from __future__ import annotations

import re

from . import block_children
from .alerts import alert_token

ADMONITION = (r"^(?P<adm_mark>!!!|\?\?\?\+?)[ \t]+(?P<adm_type>[\w-]+)(?:[ \t]+[\w-]+)*"
              r"(?:[ \t]+\"(?P<adm_title>[^\"\n]*)\")?[ \t]*(?:\n|$)")
_INDENTED = re.compile(r"^(?: {4}|\t)")


def parse_admonition(block, m, state):
    src = state.src
    pos = body_start = body_end = m.end()
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
    body = "".join(lines[:kept])
    children = block_children(block, state, body, body_start)
    title = m.group("adm_title")
    state.append_token(alert_token(m.group("adm_type"), title, children))
    return body_end


def admonitions(md):
    md.block.register("mkdocs_admonition", ADMONITION, parse_admonition, before="list")
    for rules in (md.block.block_quote_rules, md.block.list_rules):
        md.block.insert_rule(rules, "mkdocs_admonition", before="list")
