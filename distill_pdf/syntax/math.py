r"""`$..$` and `$$..$$` math, as remark-math reads it in the blogs we serve.

Differs from mistune's own math plugin in two ways the blogs rely on:
`$$..$$` inside a paragraph is inline math (not display), and a `$$` line that
is never closed is an error at its line instead of silently becoming text.

Also the delimiters MathJax pages and pandoc read beyond remark-math: `\\(..\\)` and
`\\[..\\]` (Markdown's escaped `\(`/`\[`, pandoc's tex_math_double_backslash), and bare
display environments, `\begin{equation}..\end{equation}` (pandoc's raw_tex, MathJax's
processEnvironments). A single `\[1\]` stays escaped brackets, as CommonMark and pandoc read it.
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
# MathJax and KaTeX's auto-render have no space rule: `$ x $`, `$\alpha $` and `$ x^2$`
# are math too (a loose span neither starts with a digit nor closes before one, which
# keeps prices prose).
_CONTENT = r"(?:[^$\\\n]|\\.|\n(?![ \t]*\n))"
INLINE_MATH = (
    r"\$\$(?P<math_double>(?:[^$\\]|\\.)+?)\$\$|"
    r"\$(?![$\s])(?P<math_text>" + _CONTENT + r"*?(?:[^\s\\$]|\\[^\s]))\$(?!\d)|"
    r"\$(?=[ \t]*\n?[ \t]*[^\s$\d])(?P<math_loose>" + _CONTENT + r"+?)\$(?!\d)"
)


_INLINE = re.compile(INLINE_MATH)

# display environments MathJax typesets without delimiters, which pandoc passes to LaTeX
MATH_ENVS = ("equation", "align", "gather", "multline", "flalign", "alignat", "eqnarray")
_ENVS = "|".join(MATH_ENVS)
ENV_BLOCK = r"^ {0,3}\\begin\{(?P<math_env>" + _ENVS + r")(?P<math_env_star>\*?)\}"
ENV_INLINE = (r"\\begin\{(?P<math_ienv>" + _ENVS + r")(?P<math_istar>\*?)\}[\s\S]*?"
              r"\\end\{(?P=math_ienv)(?P=math_istar)\}")
# `\\(..\\)` and `\\[..\\]`: what a MathJax page gets as `\(..\)` after Markdown's escapes
BACKSLASH_BLOCK = r"^ {0,3}\\\\\[(?P<math_bs_open>[^\n]*?)(?P<math_bs_one>\\\\\])?[ \t]*(?:\n|$)"
BACKSLASH_INLINE = (r"\\\\\((?P<math_bs_paren>(?:[^\n\\]|\\(?!\\\))|\n(?![ \t]*\n))+?)\\\\\)|"
                    r"\\\\\[(?P<math_bs_bracket>(?:[^\n\\]|\\(?!\\\])|\n(?![ \t]*\n))+?)\\\\\]")
# an equation reference in the text (pandoc passes it to LaTeX, MathJax typesets it)
REF = r"\\(?P<math_refcmd>eqref|ref)\{(?P<math_label>[^{}\s]+)\}"
_BS_CLOSE = re.compile(r"\\\\\][ \t]*(?:\n|$)")
# CommonMark's backslash escapes (ASCII punctuation), undone in `\\(..\\)` as the page's MathJax saw it
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


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
    loose = m.group("math_loose")
    if loose is not None:
        return loose.strip()
    return m.group("math_double") if m.group("math_double") is not None else m.group("math_text")


def parse_inline_math(inline, m, state):
    state.append_token({"type": "inline_math", "raw": _formula(m)})
    return m.end()


def parse_env_block(block, m, state):
    """A display environment starting a line: numbered as pandoc's LaTeX and MathJax's
    ``tags: 'ams'`` number it; its text is TeX, no Markdown."""
    end = re.compile(r"\\end\{" + m.group("math_env") + re.escape(m.group("math_env_star"))
                     + r"\}[^\n]*(?:\n|$)").search(state.src, m.end())
    if end is None:
        return None
    state.append_token({"type": "math_environment", "raw": state.src[m.start():end.end()].strip()})
    return end.end()


def parse_env_inline(inline, m, state):
    state.append_token({"type": "math_environment", "raw": m.group(0), "inline": True})
    return m.end()


def parse_backslash_block(block, m, state, escapes=True):
    """``\\\\[`` starting a line, up to ``\\\\]`` ending one: display math. ``escapes``: undo
    CommonMark's (a dialect with other escapes undoes its own)."""
    undo = unescape if escapes else str.strip
    if m.group("math_bs_one") is not None:
        state.append_token({"type": "block_math", "raw": undo(m.group("math_bs_open"))})
        return m.end()
    if "\\\\]" in m.group("math_bs_open"):
        return None  # `\\[x\\] and text`: inline, in its paragraph
    close = _BS_CLOSE.search(state.src, m.end())
    if close is None:
        return None
    state.append_token({"type": "block_math", "raw": undo(m.group("math_bs_open") + "\n"
                                                           + state.src[m.end():close.start()])})
    return close.end()


def parse_backslash_inline(inline, m, state):
    tex = m.group("math_bs_paren")
    if tex is None:  # `\\[..\\]` inside a line: display style in the line
        tex = "\\displaystyle " + m.group("math_bs_bracket")
    state.append_token({"type": "inline_math", "raw": unescape(tex)})
    return m.end()


def parse_ref(inline, m, state):
    state.append_token({"type": "inline_math", "raw": f"\\{m.group('math_refcmd')}{{{m.group('math_label')}}}"})
    return m.end()


def unescape(tex: str) -> str:
    return _ESCAPE.sub(r"\1", tex).strip()


def math(md):
    md.block.register("block_math", BLOCK_MATH, parse_block_math, before="list")
    md.block.register("tex_environment", ENV_BLOCK, parse_env_block, before="list")
    md.block.register("backslash_math", BACKSLASH_BLOCK, parse_backslash_block, before="list")
    for rules in (md.block.block_quote_rules, md.block.list_rules):
        for name in ("block_math", "tex_environment", "backslash_math"):
            md.block.insert_rule(rules, name, before="list")
    md.inline.register("inline_math", INLINE_MATH, parse_inline_math, before="codespan")
    md.inline.register("backslash_math", BACKSLASH_INLINE, parse_backslash_inline, before="escape")
    md.inline.register("tex_environment_inline", ENV_INLINE, parse_env_inline, before="escape")
    md.inline.register("math_ref", REF, parse_ref, before="escape")
