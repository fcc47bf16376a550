"""GFM strikethrough: text between a matching pair of one or two tildes (``~one~``, ``~~two~~``).

As the GFM spec and remark-gfm read it: the opening run must be followed, and the closing run
preceded, by a non-space; the runs must have the same length, and a closer pairs with the
nearest opener before it; three or more tildes strike nothing. (mistune's own plugin knows
only ``~~``.)
"""
from __future__ import annotations

import re

OPEN = r"(?<!~)(?P<strike_run>~~?)(?![~\s])"
_OPENERS = {1: re.compile(r"(?<![~\\])~(?![~\s])"), 2: re.compile(r"(?<![~\\])~~(?![~\s])")}
_CLOSERS = {1: re.compile(r"(?<=[^\s~\\])~(?!~)"), 2: re.compile(r"(?<=[^\s~\\])~~(?!~)")}


def parse_strikethrough(inline, m, state):
    if state.depth >= inline.max_nested_level:
        return None
    run = m.group("strike_run")
    start = m.end()
    close = _CLOSERS[len(run)].search(state.src, start)
    if close is None or "\n\n" in state.src[start:close.start()]:
        return None
    if _OPENERS[len(run)].search(state.src, start, close.start()):
        return None  # a later opener takes this closer (the nearest opener wins, as in cmark-gfm)
    new_state = state.copy()
    new_state.src = state.src[start:close.start()]
    state.append_token({"type": "strikethrough", "children": inline.render(new_state)})
    return close.end()


def strikethrough(md):
    md.inline.register("strikethrough", OPEN, parse_strikethrough, before="link", start_chars="~")
