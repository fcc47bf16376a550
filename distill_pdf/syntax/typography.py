"""Smart punctuation, as the blog's Markdown renderer sets it.

* ``smartypants``: Astro's default (remark-smartypants, retext-smartypants with its
  ``oldschool`` dashes): curly quotes and apostrophes, ``--`` en dash, ``---`` em dash,
  ``...`` (and ``. . .``) an ellipsis;
* ``kramdown``: Jekyll's typographic symbols: the same quotes and dashes, ``...``, and
  ``<<``/``>>`` guillemets.

Only text tokens change: code spans, math, raw HTML (and so its attributes), citations and
autolinked URLs are other tokens; a URL written as plain text is kept as written. A quote's
direction is read from the characters around it, across emphasis and links (``"*a*"``).
"""
from __future__ import annotations

import html
import re

STYLES = ("smartypants", "kramdown")
_OPAQUE = {"codespan": "x", "inline_math": "x", "image": "x", "citation": "x", "footnote_ref": "x",
           "softbreak": " ", "linebreak": " ", "inline_html": ""}
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+", re.I)
_OPENERS = set(" \t\n([{<\u2018\u201c\u2013\u2014-/\u00a0")
_DASHES = [(re.compile(r"(?<!-)---(?!-)"), "\u2014"), (re.compile(r"(?<!-)--(?!-)"), "\u2013"),
           (re.compile(r"\.\.\.|\. \. \."), "\u2026")]
_GUILLEMETS = [(re.compile(r"<<"), "\u00ab"), (re.compile(r">>"), "\u00bb")]


def style_for(dialect: str, enabled: bool = True) -> str | None:
    """The rules for a post of this dialect (``jekyll``: kramdown), None when turned off."""
    if not enabled:
        return None
    return "kramdown" if dialect == "jekyll" else "smartypants"


def apply(tokens: list, style: str | None) -> None:
    """Educate every text token of ``tokens`` in place, block by block."""
    if style is None:
        return
    for token in tokens:
        children = token.get("children")
        if not children:
            continue
        if any(child.get("type") in ("text", "emphasis", "strong", "link", "strikethrough") for child in children):
            _educate_inline(children, style)
        else:
            apply(children, style)


def _flatten(tokens: list, out: list) -> None:
    """``out``: (text token or None, its text) in reading order; opaque tokens as stand-ins."""
    for token in tokens:
        kind = token["type"]
        if kind == "text":
            out.append((token, html.unescape(token["raw"])))
        elif kind in _OPAQUE:
            out.append((None, _OPAQUE[kind]))
        elif kind == "link" and _is_autolink(token):
            out.append((None, "x"))
        elif token.get("children"):
            _flatten(token["children"], out)


def _is_autolink(token) -> bool:
    text = "".join(child.get("raw", "") for child in token.get("children", []))
    url = token.get("attrs", {}).get("url", "")
    return bool(text) and (text == url or url.endswith(text) or _URL.match(text) is not None)


def _educate_inline(tokens: list, style: str) -> None:
    pieces: list = []
    _flatten(tokens, pieces)
    for i, (token, text) in enumerate(pieces):
        if token is None or not re.search(r"[\"'.<>-]", text):
            continue
        before = "".join(p[1] for p in pieces[max(0, i - 3):i])[-1:] or " "
        after = "".join(p[1] for p in pieces[i + 1:i + 4])[:1] or " "
        new = _educate(text, before, after, style)
        if new != text:
            token["raw"] = html.escape(new, quote=False)


def _educate(text: str, before: str, after: str, style: str) -> str:
    out, pos = [], 0
    for m in _URL.finditer(text):
        out.append(_educate_run(text[pos:m.start()], before if pos == 0 else text[pos - 1],
                                text[m.start()], style))
        out.append(m.group(0))
        pos = m.end()
    out.append(_educate_run(text[pos:], before if pos == 0 else text[pos - 1], after, style))
    return "".join(out)


def _educate_run(text: str, before: str, after: str, style: str) -> str:
    if not text:
        return text
    for pattern, char in _DASHES + (_GUILLEMETS if style == "kramdown" else []):
        text = pattern.sub(char, text)
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch not in "\"'":
            continue
        prev = chars[i - 1] if i else before
        nxt = chars[i + 1] if i + 1 < len(chars) else after
        opening = (prev.isspace() or prev in _OPENERS) and not (nxt.isspace() or nxt in ".,;:!?)")
        if ch == "'":
            decade = re.match(r"\d\ds", text[i + 1:i + 4])
            chars[i] = "\u2018" if opening and not decade else "\u2019"
        else:
            chars[i] = "\u201c" if opening else "\u201d"
    return "".join(chars)
