r"""The last step of a pdfLaTeX main.tex: the non-ASCII characters the writer's
pdfLaTeX mode did not see (math, highlighted code, quotes a template or the
reference list adds) become LaTeX commands too.

Math (``\( \)``, ``\[ \]``, ``$``) gets math-safe forms (``\ensuremath{\alpha}``,
``\text{\'e}``); highlighted code (Pygments' ``Verbatim`` with ``commandchars``)
and all other text get text forms. PDF strings -- the second argument of
``\texorpdfstring`` and ``\hypersetup{...}`` -- keep their UTF-8: hyperref
writes it into bookmarks and metadata as Unicode. Characters pdfLaTeX cannot
set become ``\dpnochar{HEX}`` and are counted. Newlines are never added, so
main.tex lines still map back to the post.
"""
from __future__ import annotations

import re

from ..writer.mathcheck import group_end
from ..writer.text import pdflatex_char

_KEEP_COMMANDS = ("\\texorpdfstring", "\\hypersetup")
_VERBATIM_BEGIN = re.compile(r"\\begin\{Verbatim\}")
_VERBATIM_END = "\\end{Verbatim}"


def convert_leftover_unicode(tex: str, unsupported: dict[str, int] | None = None) -> str:
    """``tex`` with every non-ASCII character outside PDF strings as a LaTeX command."""
    if tex.isascii():
        return tex
    out: list[str] = []
    i, n = 0, len(tex)
    math = None  # None (text) or the closer: ")", "]", "$", "$$"
    while i < n:
        ch = tex[i]
        if ch == "\\" and _VERBATIM_BEGIN.match(tex, i):
            end = tex.find(_VERBATIM_END, i)
            end = n if end < 0 else end
            out.append(_convert(tex[i:end], None, unsupported))  # commandchars: text commands work
            i = end
            continue
        if ch == "\\":
            keep = next((c for c in _KEEP_COMMANDS if tex.startswith(c, i)
                         and not tex[i + len(c):i + len(c) + 1].isalpha()), None)
            if keep == "\\hypersetup":
                end = _group_end(tex, _skip_space(tex, i + len(keep)))
                out.append(tex[i:end])
                i = end
                continue
            if keep == "\\texorpdfstring":
                first = _skip_space(tex, i + len(keep))
                first_end = _group_end(tex, first)
                second_end = _group_end(tex, _skip_space(tex, first_end))
                out.append(tex[i:first] + convert_leftover_unicode(tex[first:first_end], unsupported)
                           + tex[first_end:second_end])
                i = second_end
                continue
            pair = tex[i:i + 2]
            if pair in ("\\(", "\\[") and math is None:
                math = ")" if pair == "\\(" else "]"
            elif pair in ("\\)", "\\]") and math == pair[1]:
                math = None
            out.append(pair if pair.isascii() else pair[0] + _convert(pair[1:], math, unsupported))
            i += 2
            continue
        if ch == "%":
            end = tex.find("\n", i)
            end = n if end < 0 else end
            out.append(_convert(tex[i:end], None, unsupported))
            i = end
            continue
        if ch == "$":
            double = tex.startswith("$$", i)
            token = "$$" if double else "$"
            if math is None:
                math = token
            elif math == token:
                math = None
            out.append(token)
            i += len(token)
            continue
        if ch.isascii():
            j = i + 1
            while j < n and tex[j].isascii() and tex[j] not in "\\%$":
                j += 1
            out.append(tex[i:j])
            i = j
            continue
        j = i + 1
        while j < n and not tex[j].isascii():
            j += 1
        out.append(_convert(tex[i:j], math, unsupported))
        i = j
    return "".join(out)


def _convert(text: str, math, unsupported) -> str:
    if text.isascii():
        return text
    out = []
    for k, ch in enumerate(text):
        if ch.isascii():
            out.append(ch)
            continue
        latex = pdflatex_char(ch, math is not None)
        if latex is None:
            if unsupported is not None:
                unsupported[ch] = unsupported.get(ch, 0) + 1
            latex = rf"\dpnochar{{{ord(ch):04X}}}"
        nxt = text[k + 1] if k + 1 < len(text) else ""
        if re.search(r"\\[A-Za-z]+$", latex) and (not nxt or nxt.isalpha() or nxt == " "):
            latex += "{}"
        out.append(latex)
    return "".join(out)


def _skip_space(tex: str, i: int) -> int:
    while i < len(tex) and tex[i] in " \t\n":
        i += 1
    return i


def _group_end(tex: str, i: int) -> int:
    """The index after the brace group starting at ``i`` (a lone token if no brace)."""
    if i >= len(tex):
        return i
    if tex[i] != "{":
        return i + 1
    return group_end(tex, i) or len(tex)
