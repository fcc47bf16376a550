"""Fenced code -> Pygments-highlighted fvextra Verbatim (no shell escape, no minted)."""
from __future__ import annotations

import re
from functools import lru_cache

from pygments import highlight
from pygments.formatters.latex import LatexFormatter
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.styles.friendly import FriendlyStyle
from pygments.token import Error

from ..resources import user_cache_dir
from pygments.util import ClassNotFound

from .. import fonts
from . import ansi
from .text import escape_specials



class _PrintStyle(FriendlyStyle):
    """Pygments' friendly style, but a token the lexer could not place (a lone ``\\``,
    an emoji) prints as plain text, not in a red box: in print it is not an error."""

    styles = {**FriendlyStyle.styles, Error: ""}


STYLE = "friendly-noerror"
# a long line breaks anywhere, inside Pygments' tokens too (see style_definitions); not
# also `breakafter`: with it fvextra no longer breaks a token that has none of its
# characters (a base64 key, a long hash ran 3400pt into the margin)
_VERB_OPTIONS = "breaklines,breakanywhere,fontsize=\\dpcodesize"
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=None)
def _formatter() -> LatexFormatter:
    return LatexFormatter(style=_PrintStyle, commandprefix="PY", verboptions=_VERB_OPTIONS)


@lru_cache(maxsize=None)
def style_definitions() -> str:
    """The \\PY macros the highlighted code uses; goes in the preamble once. fvextra breaks
    a long line only between tokens unless it is told that \\PY is Pygments' token macro
    (as minted tells it of \\PYG): then a URL in a comment or a long string breaks too."""
    return (_formatter().get_style_defs() + "\n\\VerbatimPygments{\\PY}{\\PY}\n"
            + ansi.PREAMBLE)


def _lexer(language: str | None):
    if not language:
        return TextLexer()
    name = language.strip().lstrip("{").split()[0].rstrip("},").lower().lstrip(".")  # also `{.python}`, `{r, echo=F}`
    name = {"sh": "bash", "shell": "bash", "zsh": "bash", "console": "console", "yml": "yaml",
            "js": "javascript", "ts": "typescript", "jsx": "jsx", "tsx": "tsx", "py": "python",
            "dockerfile": "docker", "conf": "ini", "env": "bash", "plaintext": "text", "txt": "text",
            "mdx": "markdown", "astro": "html"}.get(name, name)
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return TextLexer()


def highlight_block(code: str, language: str | None) -> str:
    code = code.expandtabs(4).rstrip("\n") + "\n"
    latex = ansi.to_verbatim(code, _VERB_OPTIONS) if ansi.has_colours(code) else _highlight(code, language)
    latex = _NON_ASCII.sub(lambda m: _wrap_fallbacks(m.group(0)), latex)
    # widows and orphans: layout.tex.j2 hooks dpcodeblock (every template includes it)
    return f"\\begin{{dpcodeblock}}\n{latex}\\end{{dpcodeblock}}\n"


def _highlight(code: str, language: str | None) -> str:
    """Pygments' LaTeX for ``code``, cached on disk by content: a lexer compiles its dozens of
    regular expressions the first time it is used in a process (Python's: 60 ms), which a
    rebuild of an edited post, whose code blocks are mostly unchanged, can skip (performance)."""
    import hashlib
    import os

    import pygments
    key = hashlib.sha256("\0".join((pygments.__version__, STYLE, _VERB_OPTIONS, language or "",
                                     code)).encode()).hexdigest()
    path = os.path.join(user_cache_dir(), "code", key[:2], key + ".tex")
    try:
        with open(path, encoding="utf-8") as cached:
            return cached.read()
    except OSError:
        pass
    latex = highlight(code, _lexer(language), _formatter())
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(latex)
        os.replace(tmp, path)
    except OSError:
        pass
    return latex


def _wrap_fallbacks(text: str) -> str:
    """Pygments leaves non-ASCII as is; characters the mono font lacks get a fallback font."""
    return fonts.latex_text(text, lambda run: run, "mono")


# a break after punctuation, only where a letter, digit, quote or bracket follows: `--flag`,
# `$x$`, `a/$b` keep their punctuation runs whole; `{repo="<owner>/<repo>"}` breaks after
# `{`, `=` and `/`
_INLINE_BREAK = re.compile(r"(?<=[/.\-_:=,;&?{(])(?=[A-Za-z0-9<\"'])")
_INLINE_UNBROKEN = 16  # shorter code spans never break inside


def inline_code(code: str) -> str:
    """`code` spans: mono, breakable at spaces and, in a long span, after punctuation."""
    code = ansi.strip(code)
    pieces = _INLINE_BREAK.split(code) if len(code) > _INLINE_UNBROKEN else [code]
    body = r"\allowbreak{}".join(_inline_piece(p) for p in pieces if p)
    return rf"\dpcode{{{body}}}"


def _escape_code(text: str) -> str:
    return escape_specials(text).replace(" ", r"\ ")


def _inline_piece(text: str) -> str:
    return _escape_code(text) if text.isascii() else fonts.latex_text(text, _escape_code, "mono")
