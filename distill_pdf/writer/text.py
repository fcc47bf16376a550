"""Prose -> LaTeX that prints exactly as written.

Every character of user text passes through ``escape``: the ten specials become
their text commands, so prose can never inject TeX, and characters the main
font lacks are set in a fallback font (CJK, emoji, RTL scripts, symbols).
"""
from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

from .. import fonts

SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
    "#": r"\#", "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
}
_SPECIAL_RE = re.compile(r"[\\{}$&#^_~%]")
# a URL breaks at any length (a link text "https://commons.wikimedia.org" left unbroken
# stretches its line's spaces or runs into the margin), any other word from 30 characters
_URL_WORD = r"(?:\b[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.)\S+"
_LONG_WORD = re.compile(_URL_WORD + r"|\S{30,}")
# after punctuation, but not before a slash or colon (no "https:" | "//"), and inside a long run of letters
_BREAK_AFTER = re.compile(r"(?<=[/.\-_?&=:,;|\\])(?![/:])|(?<=\w{16})(?=\w)")
BREAK = r"\allowbreak{}"


def escape_specials(text: str) -> str:
    return _SPECIAL_RE.sub(lambda m: SPECIALS[m.group(0)], text)


def escape(text: str, role: str = "serif") -> str:
    """User text -> LaTeX; long unbroken words (paths, hashes) and URLs may break."""
    if not text:
        return ""
    if (len(text) < 30 and "://" not in text and "www." not in text) or not _LONG_WORD.search(text):
        return _escape_runs(text, role)
    out, pos = [], 0
    for m in _LONG_WORD.finditer(text):
        out.append(_escape_runs(text[pos:m.start()], role))
        pieces = [p for p in _BREAK_AFTER.split(m.group(0)) if p]
        out.append(BREAK.join(_escape_runs(p, role) for p in pieces))
        pos = m.end()
    out.append(_escape_runs(text[pos:], role))
    return "".join(out)


def _escape_runs(text: str, role: str) -> str:
    if text.isascii():
        return escape_specials(text)
    pdflatex = _PDFLATEX.get()
    if pdflatex is not None:
        return unicode_to_pdflatex(text, pdflatex.unsupported)
    return fonts.latex_text(text, escape_specials, role)


def escape_pdf_string(text: str) -> str:
    """For PDF metadata and bookmarks: specials escaped, no font switches."""
    return escape_specials(" ".join(text.split()))


_URL_UNSAFE = re.compile(r"[^A-Za-z0-9\-.:/?#\[\]@!$&'()*+,;=%]")


def escape_url(url: str) -> str:
    """A URL for \\href/\\url: percent-encode what TeX cannot carry, escape the rest."""
    url = _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), url.strip())
    return url.replace("%", r"\%").replace("#", r"\#").replace("&", r"\&").replace("$", r"\$")


_LATEX2TEXT = LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def plain_text(text: str) -> str:
    """Title-like strings that may hold $math$ or LaTeX -> plain Unicode for PDF metadata."""
    from ..syntax.math import math_spans
    out = []
    for is_math, part in math_spans(text):  # prose stays as written: `100% \o/` is no TeX comment
        if is_math:
            try:
                part = _LATEX2TEXT.latex_to_text(part)
            except Exception:  # pylatexenc raises assorted errors on broken input; keep the raw text
                pass
        out.append(part)
    return " ".join("".join(out).split())


# --------------------------------------------------------------------------- pdfLaTeX mode
# For documents pdfLaTeX compiles (arXiv bundles): inside ``with pdflatex_text():``
# escape() writes non-ASCII text as LaTeX commands (pylatexenc's unicode_to_latex)
# instead of fallback-font switches. The XeTeX path above is unchanged.


@dataclass
class PdfLatexText:
    """What a pdfLaTeX-mode run met: characters pdfLaTeX cannot set -> times seen."""

    unsupported: dict[str, int] = field(default_factory=dict)


_PDFLATEX: ContextVar[PdfLatexText | None] = ContextVar("distill_pdf_pdflatex_text", default=None)

# pylatexenc commands that need packages or encodings a plain TeX Live pdfLaTeX
# document (T1, textcomp, amssymb, mathrsfs) does not have: Cyrillic (T2A),
# IPA (tipa), and a few symbols from other packages.
_NOT_IN_PDFLATEX = re.compile(
    r"\\(?:CYR|cyr|U\b|C\b|text(?:schwa|glotstop|turnk|phi|hvlig|nrleg)\b|nument|DownArrowUpArrow|VDash"
    r"|allequal|approxnotequal|arrowwave|clockoint|clwintegral|dblarrowupdown|estimates|forcesextra"
    r"|hermitconjmatrix|homothetic|image\b|lazysinv|notgreaterless|notlessgreater|original\b"
    r"|precedesnotsimilar|quarternote|recorder|rightangle|sqrint|starequal|surfintegral|tildetrpl"
    r"|truestate|udots|varperspcorrespond|verymuch|volintegral|fbox|nobreakdash)|\\math(?:scr|bb)\{[a-z]\}")
# text-mode spellings for what pylatexenc writes as bare math, and other fixes
_PDFLATEX_FIXES = {
    "\u00a0": "~", "\u202f": r"\nobreak\,", "\u2009": r"\,", "\u2028": " ",
    "\u00ad": r"\-", "\u2011": r"\mbox{-}", "\u2029": " ", "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl",
    "\ufb03": "ffi", "\ufb04": "ffl",
}
_ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u",
            "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0323": "d",
            "\u0327": "c", "\u0328": "k", "\u0331": "b"}
# what pylatexenc writes as bare math commands: text needs them in \ensuremath
_MATH_ONLY = re.compile(r"^\{?\\(?:Upsilon|acute|flat|natural|sharp|varepsilon)\b")


@contextmanager
def pdflatex_text():
    r"""Within the block, :func:`escape` writes pdfLaTeX-safe ASCII LaTeX. Yields a
    :class:`PdfLatexText` that collects the characters pdfLaTeX cannot set (CJK,
    emoji, ...); each became ``\dpnochar{HEX}`` in the output."""
    state = PdfLatexText()
    token = _PDFLATEX.set(state)
    try:
        yield state
    finally:
        _PDFLATEX.reset(token)


def in_pdflatex_mode() -> bool:
    return _PDFLATEX.get() is not None


@lru_cache(maxsize=None)
def _encoder():
    from pylatexenc.latexencode import UnicodeToLatexEncoder
    return UnicodeToLatexEncoder(non_ascii_only=True, unknown_char_policy="keep", unknown_char_warning=False)


@lru_cache(maxsize=4096)
def pdflatex_char(ch: str, math: bool = False) -> str | None:
    r"""One non-ASCII character as pdfLaTeX input, or None when pdfLaTeX cannot set it.
    ``math``: for use inside math (text commands wrapped in ``\text``)."""
    latex = _PDFLATEX_FIXES.get(ch)
    if latex is None and (unicodedata.category(ch) == "Cf" or 0xFE00 <= ord(ch) <= 0xFE0F
                          or 0xE0100 <= ord(ch) <= 0xE01EF):
        return ""  # invisible: joiners, direction marks, variation selectors
    if latex is None:
        latex = _encoder().unicode_to_latex(ch)
        if not latex.isascii() or _NOT_IN_PDFLATEX.search(latex):
            return None
        if _MATH_ONLY.match(latex):
            latex = rf"\ensuremath{{{latex.strip('{}') if latex.startswith('{') else latex}}}"
    if math and not latex.startswith(r"\ensuremath") and latex.strip():
        return rf"\text{{{latex}}}"
    return latex


def unicode_to_pdflatex(text: str, unsupported: dict[str, int] | None = None, math: bool = False,
                        escape_ascii=escape_specials) -> str:
    r"""Unicode text -> ASCII LaTeX for pdfLaTeX: ASCII through ``escape_ascii``, the rest
    via pylatexenc (accents, dashes, quotes, Greek, symbols). Characters pdfLaTeX cannot
    set become ``\dpnochar{HEX}`` and are counted in ``unsupported``."""
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    ascii_run: list[str] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            ascii_run.append(ch)
            continue
        if ascii_run:
            out.append(escape_ascii("".join(ascii_run)))
            ascii_run = []
        accent = _ACCENTS.get(ch)
        if accent and out and not math:
            out[-1] = _accented(out[-1], accent)
            continue
        latex = pdflatex_char(ch, math)
        if latex is None:
            if unsupported is not None:
                unsupported[ch] = unsupported.get(ch, 0) + 1
            latex = rf"\dpnochar{{{ord(ch):04X}}}"
        # a control word must not run into the letters after it
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if re.search(r"\\[A-Za-z]+$", latex) and (nxt.isascii() and (nxt.isalpha() or nxt == " ")):
            latex += "{}"
        out.append(latex)
    if ascii_run:
        out.append(escape_ascii("".join(ascii_run)))
    return "".join(out)


def _accented(previous: str, accent: str) -> str:
    """A combining mark NFC could not merge: put the accent on the last character."""
    if previous and previous[-1].isalpha() and previous[-1].isascii():
        return previous[:-1] + rf"\{accent}{{{previous[-1]}}}"
    return previous


_FRAGILE = re.compile(r"(?<!\\protect)(?=\\(?:dp[A-Za-z]+|sout|uline)(?![A-Za-z]))")


def protected(latex: str) -> str:
    """A heading is a moving argument (marks, the table of contents): our macros and ulem's
    must not expand there (\\dphr would put a \\par in \\markright's argument)."""
    return _FRAGILE.sub(r"\\protect", latex)


def slugify(text: str) -> str:
    """A heading's anchor (its label is ``sec:`` and this), from its id or its text."""
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return re.sub(r"[^a-z0-9-]", "", re.sub(r"\s", "-", text))
