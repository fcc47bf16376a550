"""GitHub alerts: `> [!NOTE]` (TIP, IMPORTANT, WARNING, CAUTION) with an optional title.

Also the one alert token every admonition syntax becomes (remark directives, MkDocs,
Hugo shortcodes): :func:`alert_token` maps the generators' admonition types onto the five
boxes the templates draw, and keeps the type's own name as the default title.
"""
from __future__ import annotations

import re

KINDS = ("note", "tip", "important", "warning", "caution")
_MARKER = re.compile(r"^\[!(?P<kind>" + "|".join(KINDS) + r")\][ \t]*(?P<title>[^\n]*)\n?", re.I)

# Docusaurus, Starlight, MkDocs Material, Python-Markdown (rST names), Quarto, Hugo themes
# (Docsy colours, hugo-notice, hugo-book hints): each type as the box of its colour
_KIND_OF = {
    "note": "note", "info": "note", "secondary": "note", "abstract": "note", "summary": "note",
    "tldr": "note", "todo": "note", "seealso": "note", "example": "note", "quote": "note",
    "cite": "note", "question": "note", "help": "note", "faq": "note", "primary": "note",
    "light": "note", "dark": "note", "attention": "warning",
    "tip": "tip", "hint": "tip", "success": "tip", "check": "tip", "done": "tip",
    "important": "important",
    "warning": "warning", "warn": "warning", "caution": "caution",
    "danger": "caution", "error": "caution", "failure": "caution", "fail": "caution",
    "missing": "caution", "bug": "caution",
}


def alert_kind(word: str | None) -> str | None:
    """The box for an admonition type (``danger`` -> caution; Quarto's ``callout-tip`` -> tip),
    or None when the word names no admonition."""
    word = (word or "").strip().lower()
    word = word[len("callout-"):] if word.startswith("callout-") else word
    return _KIND_OF.get(word)


def alert_token(word: str, title: str | None, children: list, **extra) -> dict:
    """An ``alert`` token for an admonition of type ``word``. ``title`` is Markdown (a link,
    code); None means the type's name (``Danger``), as the generators print it."""
    kind = alert_kind(word) or "note"
    heading = title.strip() if title and title.strip() else word.split("-")[-1].capitalize()
    title_token = {"type": "alert_title", "text": heading}
    return dict({"type": "alert", "children": [title_token, *children],
                 "attrs": {"kind": kind, "title": heading}}, **extra)


def _to_alert(token):
    children = token.get("children") or []
    if not children or children[0]["type"] != "paragraph":
        return token
    first = children[0]
    m = _MARKER.match(first.get("text", ""))
    if not m:
        return token
    rest = first["text"][m.end():]
    body = ([dict(first, text=rest)] if rest.strip() else []) + children[1:]
    return {"type": "alert", "children": body, "line": token.get("line"),
            "attrs": {"kind": m.group("kind").lower(), "title": m.group("title").strip()}}


def _rewrite(tokens):
    for i, token in enumerate(tokens):
        if token.get("children") and "text" not in token:
            _rewrite(token["children"])
        if token["type"] == "block_quote":
            tokens[i] = _to_alert(token)


def alerts(md):
    """Rewrite marked block quotes before inline parsing, while paragraph text is still raw."""
    md.before_render_hooks.append(lambda md, state: _rewrite(state.tokens))
