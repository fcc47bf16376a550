"""GitHub alerts: `> [!NOTE]` (TIP, IMPORTANT, WARNING, CAUTION) with an optional title."""
from __future__ import annotations

import re

KINDS = ("note", "tip", "important", "warning", "caution")
_MARKER = re.compile(r"^\[!(?P<kind>" + "|".join(KINDS) + r")\][ \t]*(?P<title>[^\n]*)\n?", re.I)


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
