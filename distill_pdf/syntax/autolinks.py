"""GFM extended autolinks: bare `www.`, `http(s)://`, `ftp://` URLs and e-mail addresses.

Replaces mistune's `url` plugin, which links only `http(s)://`, and cuts a URL at its
first `)` (`(business)` lost its parenthesis). The GFM spec's rules, with the preceding
characters remark-gfm (the blogs' parser) accepts: a `www.` link starts a line or follows
whitespace or one of `*_~([]`; a URL with a scheme follows anything but a letter (so
`"https://..."` too); an e-mail address anything but `/`, a letter or a digit. The domain is
dot-separated segments (no `_` in the last two); the link runs to whitespace or `<`; trailing
`?!.,:*_~'"` are not part of it, nor a `)` without its `(`, nor an entity-like `&name;`.
"""
from __future__ import annotations

import re

from mistune.util import escape_url

_DOMAIN = r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*"
AUTOLINK = (
    r"(?:(?:https?|ftp)://|www\.)" + _DOMAIN + r"[^\s<]*"
    r"|[A-Za-z0-9.+_-]+@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+"
)
_TRAILING = "?!.,:*_~'\""
_ENTITY_END = re.compile(r"&[A-Za-z0-9]+;$")
_SCHEME = re.compile(r"(?:https?|ftp)://", re.IGNORECASE)


def _trim(text: str) -> str:
    """The link without the punctuation that ends the sentence around it."""
    while text:
        if text[-1] in _TRAILING or (text[-1] == ")" and text.count(")") > text.count("(")):
            text = text[:-1]
        elif text[-1] == ";" and _ENTITY_END.search(text):
            text = text[:_ENTITY_END.search(text).start()]
        else:
            break
    return text


def _valid_domain(domain: str, short_ok: bool) -> bool:
    parts = domain.split(".")
    if len(parts) < 2 and not short_ok:
        return False
    return all(parts) and not any("_" in part for part in parts[-2:])


def _is_email(text: str) -> bool:
    return "@" in text and not _SCHEME.match(text) and not text.lower().startswith("www.")


def _target(text: str) -> str | None:
    """The link's URL, or None when GFM would not link it."""
    if _is_email(text):
        if text[-1] in "-_":
            return None
        return "mailto:" + text
    scheme = _SCHEME.match(text)
    rest = text[scheme.end():] if scheme else text
    domain = re.match(_DOMAIN, rest).group(0)
    if not _valid_domain(domain, short_ok=bool(scheme)):
        return None
    return text if scheme else "http://" + text


def parse_autolink(inline, m, state) -> int | None:
    start, text = m.start(), m.group(0)
    before = state.src[start - 1] if start else " "
    if _is_email(text):
        if before == "/" or before.isalnum():
            return None
    elif _SCHEME.match(text):
        if before.isascii() and before.isalpha():
            return None
    elif not (before.isspace() or before in "*_~()[]"):
        return None
    if state.brackets:  # inside `[...]`: the link text ends at the bracket
        close = text.find("]")
        if close >= 0:
            text = text[:close]
    if _is_email(text):
        text = text.rstrip(".")  # an e-mail address ends before a full stop
    else:
        text = _trim(text)
    url = _target(text) if text else None
    if url is None:
        return None
    if state.in_link or state.depth >= inline.max_nested_level:
        inline.process_text(text, state)
    else:
        state.append_token({"type": "link", "children": [{"type": "text", "raw": text}],
                            "attrs": {"url": escape_url(url)}, "autolink": True})
    return start + len(text)


def _unnest(tokens: list, in_link: bool = False) -> list:
    """An autolink inside a link's text (`[https://a.org](https://a.org/page)`) is text: mistune
    parses a link's text before it knows the text is a link's."""
    out = []
    for token in tokens:
        children = token.get("children")
        if in_link and token.get("autolink"):
            out.extend(children)
            continue
        if children:
            token["children"] = _unnest(children, in_link or token["type"] in ("link", "image"))
        out.append(token)
    return out


def autolinks(md) -> None:
    md.inline.register("gfm_autolink", AUTOLINK, parse_autolink)
    md.after_render_hooks.append(lambda md, tokens, state: _unnest(tokens) if isinstance(tokens, list) else tokens)
