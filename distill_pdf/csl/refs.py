"""Where pandoc puts the reference list: a ``::: {#refs}`` div, or the end of the post
under ``reference-section-title``, instead of the template's appendix.

The div (or the new last section) gets a marker paragraph before parsing; the parser
turns the marker into a ``citation`` token of mode ``refs``, which the CSL back end writes
as ``\\dprefslist``, a command its preamble defines once the whole list is known.
"""
from __future__ import annotations

import re

from ..load import Post

REFS_MARK = "DistillPdfReferenceListHere"
_REFS_DIV = re.compile(r"^(:{3,})[ \t]*\{[ \t]*#refs\b[^}\n]*\}[ \t]*\n(?:.*\n)*?\1:*[ \t]*$", re.M)
_HEADING = re.compile(r"^(#{1,6})[ \t]", re.M)


def place_references(post: Post) -> bool:
    """Put the marker where the list goes; False when the appendix keeps it. The div keeps
    its number of lines, so the post's line numbers still hold."""
    m = _REFS_DIV.search(post.body)
    if m is not None:
        post.body = post.body[:m.start()] + REFS_MARK + "\n" * m.group(0).count("\n") + post.body[m.end():]
        return True
    title = post.meta.get("reference-section-title")
    if not title or not str(title).strip():
        return False
    level = min((len(h) for h in _HEADING.findall(post.body)), default=2)
    post.body = f"{post.body.rstrip()}\n\n{'#' * level} {' '.join(str(title).split())}\n\n{REFS_MARK}\n"
    return True


def refs_plugin(md) -> None:
    """The mistune plugin reading the marker as the list's token."""
    def parse(inline, m, state):
        state.append_token({"type": "citation", "raw": m.group(0), "attrs": {"mode": "refs", "items": []}})
        return m.end()

    md.inline.register("citation_refs", REFS_MARK, parse, before="link", start_chars="D")
