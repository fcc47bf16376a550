"""Container directives and fenced divs, as the generators that use ``:::`` read them.

* remark-directive (Astro themes, Starlight, Fuwari): ``:::note``, ``:::tip[Did you know?]``,
  ``:::caution{title="x"}`` ... ``:::``; a container nests in another, closed by a fence of at
  least as many colons (``::::tip`` around ``:::danger``);
* Docusaurus: also ``:::tip Title`` (the rest of the line is the title);
* pandoc / Quarto fenced divs: ``::: {.note}``, ``::: warning``, ``::: {.callout-tip title="x"}``.

An admonition type (see :func:`..alerts.alert_kind`) becomes an ``alert`` token with its
title; any other container is unwrapped (its label, if any, in bold): the content is always
Markdown. Leaf directives on their own line (``::github{repo="a/b"}``) print their label or
link; text directives (``:spoiler[text]``) their label.
"""
from __future__ import annotations

import re

from . import block_children, inline_tokens, register_block
from .alerts import alert_kind, alert_token
from .attributes import parse_attributes

_NAME = r"[A-Za-z][\w-]*"
_LABEL = r"\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]"
_ATTRS = r"\{[^{}\n]*\}"
CONTAINER = (r"^ {0,3}(?P<dir_fence>:{3,})[ \t]*(?P<dir_head>(?:" + _NAME + r"|" + _ATTRS + r")[^\n]*)(?:\n|$)")
LEAF = (r"^ {0,3}::(?P<leaf_name>" + _NAME + r")(?P<leaf_label>" + _LABEL + r")?(?P<leaf_attrs>" + _ATTRS
        + r")?[ \t]*(?:\n|$)")
TEXT = (r"(?<![\w:\\]):(?P<tdir_name>" + _NAME + r")(?P<tdir_label>" + _LABEL + r")(?P<tdir_attrs>"
        + _ATTRS + r")?")
_HEAD = re.compile(r"(?P<name>" + _NAME + r")?[ \t]*(?P<label>" + _LABEL + r")?[ \t]*(?P<attrs>" + _ATTRS
                   + r")?[ \t]*(?P<rest>[^\n]*?)[ \t]*:*[ \t]*$")
_OPEN_LINE = re.compile(CONTAINER, re.M)
_CLOSE_LINE = re.compile(r"^ {0,3}(:{3,})[ \t]*$")
_CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _head(text: str) -> dict | None:
    """``note[Title]{attrs} rest`` -> its parts; None when the line is no directive."""
    m = _HEAD.match(text.strip())
    if m is None or not (m.group("name") or m.group("attrs")):
        return None
    attrs = parse_attributes(m.group("attrs")[1:-1]) if m.group("attrs") else {"classes": [], "attrs": {}}
    return {"name": m.group("name") or "", "label": (m.group("label") or "")[1:-1] or None,
            "rest": m.group("rest"), **attrs}


def _body_end(src: str, start: int, fence: int) -> tuple[int, int]:
    """Where the container opened before ``start`` ends: (end of its body, end of its closing
    fence). Nested containers and code fences are skipped; unclosed runs to the end."""
    stack = [fence]
    code: str | None = None
    pos = start
    while pos < len(src):
        end = src.find("\n", pos)
        end = len(src) if end < 0 else end + 1
        line = src[pos:end].rstrip("\n")
        fence_m = _CODE_FENCE.match(line)
        if code is not None:
            if fence_m and fence_m.group(1)[0] == code[0] and len(fence_m.group(1)) >= len(code) \
                    and not line.strip()[len(fence_m.group(1)):].strip():
                code = None
        elif fence_m:
            code = fence_m.group(1)
        elif (close := _CLOSE_LINE.match(line)) and len(close.group(1)) >= stack[-1]:
            stack.pop()
            if not stack:
                return pos, end
        elif (opened := _OPEN_LINE.match(line)) and _head(opened.group("dir_head")) is not None:
            stack.append(len(opened.group("dir_fence")))
        pos = end
    return len(src), len(src)


def parse_container(block, m, state):
    head = _head(m.group("dir_head"))
    if head is None:
        return None
    body_start = m.end()
    body_end, end = _body_end(state.src, body_start, len(m.group("dir_fence")))
    children = block_children(block, state, state.src[body_start:body_end], body_start)
    word = head["name"] or next((c for c in head["classes"] if alert_kind(c)), "")
    title = head["label"] or head["attrs"].get("title") or head["rest"] or None
    if alert_kind(word):
        state.append_token(alert_token(word, title, children))
        return end
    if title:  # a container of no admonition type: its label in bold, then its content
        children.insert(0, {"type": "paragraph", "text": f"**{title}**"})
    for child in children:
        state.append_token(child)
    return end


def parse_leaf(block, m, state):
    label = (m.group("leaf_label") or "")[1:-1]
    attrs = parse_attributes(m.group("leaf_attrs")[1:-1])["attrs"] if m.group("leaf_attrs") else {}
    name = m.group("leaf_name").lower()
    if name == "github" and attrs.get("repo"):  # Fuwari's repository card
        label = f"[{attrs['repo']}](https://github.com/{attrs['repo']})"
    if label:
        state.append_token({"type": "paragraph", "text": label + "\n"})
    return m.end()


def parse_text_directive(inline, m, state):
    for token in inline_tokens(inline, state, m.group("tdir_label")[1:-1]):
        state.append_token(token)
    return m.end()


def directives(md):
    register_block(md, "directive_container", CONTAINER, parse_container, before="list")
    register_block(md, "directive_leaf", LEAF, parse_leaf, before="list")
    md.inline.register("directive_text", TEXT, parse_text_directive, before="link")
