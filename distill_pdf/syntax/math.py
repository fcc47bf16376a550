"""`$..$` and `$$..$$` math, as remark-math reads it in the blogs we serve.

Differs from mistune's own math plugin in two ways the blogs rely on:
`$$..$$` inside a paragraph is inline math (not display), and a `$$` line that
is never closed is an error at its line instead of silently becoming text.
"""
from __future__ import annotations

import re

from ..errors import DistillError

BLOCK_MATH = (
    r"^ {0,3}\$\$(?P<math_single>[^\n]*?[^\n\\])\$\$[ \t]*(?:\n|$)|"
    r"^ {0,3}\$\$(?P<math_open>[^\n$]*)\n"
)
_DOUBLE = re.compile(r"(?<!\\)\$\$")
_CLOSE = re.compile(r"^(?P<last>[^\n]*?)\$\$[ \t]*(?:\n|$)", re.M)

# pandoc's rule: no space after the opening $, none before the closing one, and no
# digit right after it, so "$5 and $10" stays prose. remark-math, kramdown pages'
# MathJax and KaTeX's auto-render also read `$ x $`: padded on both sides, it is math too.
_CONTENT = r"(?:[^$\\\n]|\\.|\n(?![ \t]*\n))"
INLINE_MATH = (
    r"\$\$(?P<math_double>(?:[^$\\]|\\.)+?)\$\$|"
    r"\$(?![$\s])(?P<math_text>" + _CONTENT + r"*?(?:[^\s\\$]|\\[^\s]))\$(?!\d)|"
    r"\$(?=[ \t]*\n?[ \t]*[^\s$])(?P<math_padded>[ \t\n]" + _CONTENT + r"*?[ \t\n])\$(?!\d)"
)


_INLINE = re.compile(INLINE_MATH)


def math_spans(text: str) -> list[tuple[bool, str]]:
    """``(is_math, piece)`` of a one-line string (a title), by the body's rules for inline math:
    `Cost $x^2$` holds math, `$5 and $10` does not."""
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        if m.start() and text[m.start() - 1] == "\\":
            continue  # \$ is a dollar sign
        out.append((False, text[pos:m.start()]))
        out.append((True, _formula(m)))
        pos = m.end()
    out.append((False, text[pos:]))
    return [(is_math, piece) for is_math, piece in out if piece or is_math]


def parse_block_math(block, m, state):
    single = m.group("math_single")
    if single is not None:
        state.append_token({"type": "block_math", "raw": single.strip()})
        return m.end()
    last = state.last_token()
    if last and last["type"] == "paragraph" and len(_DOUBLE.findall(last["text"])) % 2:
        state.add_paragraph(m.group(0))  # it closes a `$$` the paragraph opened: inline math
        return m.end()
    close = _CLOSE.search(state.src, m.end())
    if close is None:
        raise DistillError("unclosed math: `$$` has no closing `$$`", None, state.current_line())
    text = m.group("math_open") + "\n" + state.src[m.end():close.start()] + close.group("last")
    state.append_token({"type": "block_math", "raw": text.strip()})
    return close.end()


def _formula(m: re.Match) -> str:
    padded = m.group("math_padded")
    if padded is not None:
        return padded.strip()
    return m.group("math_double") if m.group("math_double") is not None else m.group("math_text")


def parse_inline_math(inline, m, state):
    state.append_token({"type": "inline_math", "raw": _formula(m)})
    return m.end()


def math(md):
    md.block.register("block_math", BLOCK_MATH, parse_block_math, before="list")
    for rules in (md.block.block_quote_rules, md.block.list_rules):
        md.block.insert_rule(rules, "block_math", before="list")
    md.inline.register("inline_math", INLINE_MATH, parse_inline_math, before="codespan")
