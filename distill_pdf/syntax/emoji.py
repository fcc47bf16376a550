"""Emoji shortcodes: ``:smile:``, ``:+1:`` (GitHub's gemoji names, as remark-gemoji and
MkDocs Material's ``pymdownx.emoji`` read them) become the emoji itself.

MkDocs Material's icon shortcodes (``:material-account:``, ``:fontawesome-brands-github:``,
``:octicons-mark-github-16:``, ``:simple-python:``) are SVG icons with no Unicode form: they
are dropped. A ``:word:`` that names nothing stays text (``10:30:00``, ``a:b:c``); code, math
and URLs are other tokens and never reach this rule.
"""
from __future__ import annotations

from functools import lru_cache

SHORTCODE = r"(?<![\w\\]):(?P<emoji_name>[a-z0-9_+][a-z0-9_+-]*):"
ICON_PREFIXES = ("material-", "fontawesome-", "octicons-", "simple-")


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    """gemoji name -> emoji, from the ``emoji`` package's data (English and GitHub aliases)."""
    import emoji
    table: dict[str, str] = {}
    for char, data in emoji.EMOJI_DATA.items():
        for name in (data.get("en"), *data.get("alias", ())):
            if name:
                table.setdefault(name.strip(":").lower(), char)
    return table


def lookup(name: str) -> str | None:
    """The emoji for a shortcode name, without the variation selector (the print fonts'
    emoji are monochrome glyphs), or None."""
    char = _table().get(name.lower())
    return char.replace("\ufe0f", "") if char else None


def parse_emoji(inline, m, state):
    name = m.group("emoji_name")
    if name.startswith(ICON_PREFIXES):
        return m.end()
    char = lookup(name)
    if char is None:
        return None
    state.append_token({"type": "text", "raw": char})
    return m.end()


def emoji(md):
    md.inline.register("emoji", SHORTCODE, parse_emoji, before="link", start_chars=":")
