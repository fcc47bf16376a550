"""Pandoc's citation syntax and Distill's ``<d-cite>``, as inline ``citation`` tokens.

* narrative: ``@key``, ``@key [p. 33]``
* parenthetical: ``[@key]``, ``[@a; @b]``, ``[see @key, pp. 3--5; also @c, ch. 2]``
* suppressed author: ``[-@key]``
* Distill: ``<d-cite key="a,b"></d-cite>``

``@word`` is a citation only when the word is a key of the bibliography, so
``someone@example.com``, ``@twitterhandle`` and code stay text. A word shaped
like a BibTeX key (``@name2020word``) that no bibliography has becomes a
citation of an unknown key: the renderer warns and prints ``[?key]``.

Token: ``{"type": "citation", "raw": source, "attrs": {"mode": "narrative" |
"parenthetical", "items": [{"key", "known", "suppress", "prefix", "suffix"}], "tie": bool}}``
where prefix and suffix are lists of inline tokens; adjacent parenthetical citations are one
token, and ``tie`` says the citation follows a word without a space.
"""
from __future__ import annotations

import re

from mistune._inline.links import parse_link_open

from ..bibliography import looks_like_key
from . import inline_tokens

# pandoc: a key starts with a letter, digit or _ and may hold internal punctuation
# (of pandoc's set, those that are safe in a LaTeX \cite argument)
KEY = r"(?:\{[^{}\s][^{}\n]*\}|\w(?:[\w:./+-]*\w)?)"
NARRATIVE = (r"(?<![\w.+\-@/\\])@(?P<cite_key>" + KEY + r")"
             r"(?:[ \t]?\[(?P<cite_locator>[^\[\]@^\n][^\[\]@\n]*)\](?![(\[:]))?")
# not a link's text: `[@x](url)`, `[@x][ref]`; `[@a][@b]` is two citations
BRACKETED = r"\[(?!\^)(?P<cite_body>[^\[\]]*?@[^\[\]]*)\](?!\()(?!\[[^\[\]@]*\])"
DCITE = (r"<d-cite\s+key\s*=\s*(?:\"(?P<cite_dq>[^\"]*)\"|'(?P<cite_sq>[^']*)')\s*"
         r"(?:/>|>\s*</d-cite\s*>)")
_ITEM = re.compile(r"^(?P<prefix>(?:.*?\s)??)(?P<dash>-?)@(?P<key>" + KEY + r")(?P<suffix>.*)$", re.S)
_BARE_LOCATOR = re.compile(r"^(\d+[a-z]?)(?:\s*(?:-+|–)\s*(\d+[a-z]?))?$", re.I)
_OPEN_BRACKET = re.compile(r"\[")


def _key(text: str) -> str:
    return text[1:-1].strip() if text.startswith("{") else text


def _dashes(text: str) -> str:
    return text.replace("---", "\u2014").replace("--", "\u2013")


def _locator(text: str) -> str:
    """Pandoc's suffix: drop a leading comma; a bare number or range is a page locator."""
    text = re.sub(r"(?<=\d)-(?=\d)", "\u2013", _dashes(text.strip()).lstrip(",").strip())
    m = _BARE_LOCATOR.match(text)
    if m:
        return (f"pp. {m.group(1)}\u2013{m.group(2)}" if m.group(2) else f"p. {m.group(1)}")
    return text


def citations_plugin(citations):
    """The mistune plugin for a :class:`distill_pdf.citations.Citations`."""

    def item(inline, state, key: str, prefix: str = "", suffix: str = "", suppress: bool = False,
             explicit: bool = True) -> dict | None:
        real = citations.resolve(key)
        if real is None and not (explicit or looks_like_key(key)):
            return None
        if real is not None:
            citations.note_cited(real)
        return {"key": real or key, "known": real is not None, "suppress": suppress,
                "prefix": inline_tokens(inline, state, _dashes(prefix.strip())),
                "suffix": inline_tokens(inline, state, _locator(suffix))}

    def emit(state, token: dict) -> None:
        """Append a citation token; one right after a parenthetical one (nothing or only
        spaces between) joins it, "(A, 2022; Chen, 2024)"; one glued to a word ties to it
        ("Mamba~(Gu and Dao, 2024)": no line break between them, and a space)."""
        tokens = state.tokens
        between = ""
        if len(tokens) > 1 and tokens[-1]["type"] == "text" and not tokens[-1]["raw"].strip():
            between = tokens[-1]["raw"]
        prev = tokens[-2] if between else (tokens[-1] if tokens else None)
        if (token["attrs"]["mode"] == "parenthetical" and prev is not None and prev["type"] == "citation"
                and prev["attrs"]["mode"] == "parenthetical" and "\n\n" not in between):
            if between:
                tokens.pop()
            prev["attrs"]["items"] += token["attrs"]["items"]
            prev["raw"] += between + token["raw"]
            return
        last = len(tokens) - 1
        while last > 0 and tokens[last]["type"] == "text" and tokens[last]["raw"] and not tokens[last]["raw"].strip("*_"):
            last -= 1  # `*Mamba*[@x]`: the closing `*` is text until the emphasis is resolved
        if token["attrs"]["mode"] == "parenthetical" and tokens and _ends_word(tokens[last]):
            token["attrs"]["tie"] = True
        state.append_token(token)

    def parse_narrative(inline, m, state):
        key = _key(m.group("cite_key"))
        if state.brackets and citations.resolve(key) is None:
            return None  # `[@handle2001](https://x.com/handle2001)`: a link's text, not a citation
        locator = m.group("cite_locator") or ""
        found = item(inline, state, key, suffix=locator, explicit=False)
        if found is None:
            return None
        state.append_token({"type": "citation", "raw": m.group(0),
                            "attrs": {"mode": "narrative", "items": [found]}})
        return m.end()

    def parse_bracketed(inline, m, state):
        items, hits = [], 0
        for part in m.group("cite_body").split(";"):
            pm = _ITEM.match(part.strip())
            if pm is None:
                return _as_link(inline, m, state)
            key = _key(pm.group("key"))
            hits += citations.resolve(key) is not None or looks_like_key(key)
            items.append((key, pm.group("prefix"), pm.group("suffix"), pm.group("dash") == "-"))
        if not hits:
            return _as_link(inline, m, state)
        found = [item(inline, state, key, prefix, suffix, suppress) for key, prefix, suffix, suppress in items]
        emit(state, {"type": "citation", "raw": m.group(0),
                     "attrs": {"mode": "parenthetical", "items": found}})
        return m.end()

    def parse_dcite(inline, m, state):
        keys = [k.strip() for k in (m.group("cite_dq") or m.group("cite_sq") or "").split(",") if k.strip()]
        if not keys:
            return None
        emit(state, {"type": "citation", "raw": m.group(0),
                     "attrs": {"mode": "parenthetical", "items": [item(inline, state, k) for k in keys]}})
        return m.end()

    def plugin(md):
        md.inline.register("citation_dcite", DCITE, parse_dcite, before="inline_html", start_chars="<")
        md.inline.register("citation_bracketed", BRACKETED, parse_bracketed, before="link", start_chars="[")
        md.inline.register("citation_narrative", NARRATIVE, parse_narrative, before="link", start_chars="@")

    return plugin


_OPENING = "([{<\u201c\u2018/-\u2013\u2014"  # a citation right after one of these stays glued to it


def _ends_word(token: dict) -> bool:
    """Does the text of ``token`` (text, code, emphasis, a link ...) end in a word or its
    closing punctuation ("Mamba", "et al.", "2022)")? Not in a space or an opening bracket."""
    while token.get("children"):
        token = token["children"][-1]
    text = token.get("raw") or token.get("text") or ""
    if token["type"] not in ("text", "codespan") or not text:
        return False
    if text[-1] in "\"'" and token["type"] == "text":  # a straight quote opens after a space
        text = text[:-1]                              # (smart quotes come after parsing)
        if not text:
            return False
    return not text[-1].isspace() and text[-1] not in _OPENING


def _as_link(inline, m, state):
    """Not a citation after all: let ``[`` open a link as it would have."""
    return parse_link_open(inline, _OPEN_BRACKET.match(state.src, m.start()), state)
